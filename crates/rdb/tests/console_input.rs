//! What the console reads besides typed commands, and how: an empty line repeats the last, a line that is not
//! UTF-8 is one error line, script files (`$$<`, `$$><`, `-cf`) run as typed or joined, and `.logopen` copies the
//! session's text to a file. Scripts and logs are the same scenario on both backends.

use std::path::{Path, PathBuf};

use rdb_testkit::prelude::*;

/// A file of `text` in a fresh scratch directory of `test`'s.
fn file(test: &str, name: &str, text: &[u8]) -> PathBuf {
    let path = scratch_dir(test).join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn an_empty_line_repeats_the_last_line_whatever_it_held() {
    let hello = debuggee("hello");
    // `r rip; .echo mark` twice, then a display command that goes on where it ended.
    let run = rdb(&[s(&hello)], "r rip; .echo mark\n\ndb hello!main L10\n\nq\n");
    let repeats = regex::Regex::new(r"(?m)^rip=[0-9a-f]{16}\nmark$").unwrap().find_iter(&run.stdout).count();
    assert_eq!(repeats, 2, "{}", run.dump());
    let rows = run.assert_matches(&format!(r"(?m)^({ADDR})  [0-9a-f]{{2}} .*\n({ADDR})  "));
    let (first, second) =
        (u64::from_str_radix(&rows[1].replace('`', ""), 16), u64::from_str_radix(&rows[2].replace('`', ""), 16));
    assert_eq!(second.unwrap(), first.unwrap() + 0x10, "the repeated db goes on after the first\n{}", run.dump());
    run.assert_success();
}

#[test]
fn an_empty_line_repeats_a_step() {
    let hello = debuggee("hello");
    let run = rdb(&["-c", "bp hello!add; g", s(&hello)], "t\n\n\nq\n");
    assert_eq!(run.stdout.matches("hello!add+0x").count(), 3, "three steps into add\n{}", run.dump());
}

#[test]
fn a_piped_line_that_is_not_utf8_is_one_error_and_the_session_goes_on() {
    let hello = debuggee("hello");
    let mut stdin = b"bp hello!add\n.echo caf\xe9 \xff\xfe\ng\n.echo after\nq\n".to_vec();
    stdin.extend_from_slice(b"");
    let run = rdb_bytes(&[s(&hello)], &stdin);
    run.assert_matches(r"(?m)^\^ The line is not valid UTF-8 text: nothing of it ran \(byte 0xe9 at column 10\)$");
    run.assert_not_contains("caf");
    run.assert_matches(&bp_hit_re(0, "hello!add"));
    run.assert_contains("after\nquit:");
    run.assert_success();
}

/// rdb with raw bytes on its stdin.
fn rdb_bytes(args: &[&str], stdin: &[u8]) -> RdbRun {
    let mut session = RdbSession::start(args);
    session.send_bytes(stdin);
    let run = session.finish_within(default_timeout());
    run.assert_sane();
    run
}

on_both_backends!(scripts_run_line_by_line_or_joined, c_f_runs_a_script_before_the_c_commands, logs_copy_the_session);

fn scripts_run_line_by_line_or_joined(b: Backend) {
    let script = file(
        &format!("scripts-{b:?}"),
        "setup.txt",
        b".echo first\n\nbp hello!add\n.if (1) {\n  .echo in-block\n}\ng\n.echo after-g\n",
    );
    let script = b.path_arg(&script);
    let run = b.launch("hello", &format!("$$< {script}\n.echo between\n$$><{script}\nq\n"));
    // Line by line, as typed: each line after the prompt, the block cut at its line's end, g run in the middle.
    let typed = run.stdout.find("0:000> .echo first\nfirst\n").unwrap_or_else(|| run.fail("no first line echoed"));
    run.assert_contains("0:000> .if (1) {\n^ Syntax error: missing '}' in '.if (1) {'");
    run.assert_matches(&bp_hit_re(0, "hello!add"));
    let after = run.stdout.find("0:000> .echo after-g\nafter-g\n").unwrap_or_else(|| run.fail("no line after g"));
    let between = run.stdout.find("\nbetween\n").unwrap_or_else(|| run.fail("no between"));
    assert!(typed < after && after < between, "{}", run.dump());
    // Joined: the block spans lines, and nothing is echoed (the breakpoint set again is redefined, as WinDbg says).
    let joined = &run.stdout[between..];
    assert!(joined.contains("first\nbreakpoint 0 redefined\nin-block\n"), "{}", run.dump());
    assert!(!joined.contains("0:000> "), "{}", run.dump());
    run.assert_success();
}

fn c_f_runs_a_script_before_the_c_commands(b: Backend) {
    let script = file(&format!("cf-{b:?}"), "start.txt", b".echo from-file\nbp hello!add\n");
    let program = b.path_arg(&b.debuggee("hello"));
    let run = b.rdb(&["-cf", &b.path_arg(&script), "-c", ".echo from-c; g", &program], "q\n");
    let file_line = run.stdout.find("\nfrom-file\n").unwrap_or_else(|| run.fail("the -cf file did not run"));
    let c_line = run.stdout.find("\nfrom-c\n").unwrap_or_else(|| run.fail("-c did not run"));
    assert!(file_line < c_line, "{}", run.dump());
    run.assert_matches(&bp_hit_re(0, "hello!add"));
    let missing = b.rdb(&["-cf", &b.path_arg(Path::new("/nonexistent/rdb.txt")), &program], ".echo on\nq\n");
    missing.assert_matches(r"(?m)^\^ Unable to read script file '.*rdb.txt': .* in '-cf .*rdb.txt'$");
    missing.assert_contains("on\nquit:");
}

fn logs_copy_the_session(b: Backend) {
    let dir = scratch_dir(&format!("logs-{b:?}"));
    let log = dir.join("session.log");
    let path = b.path_arg(&log);
    let run = b.launch(
        "hello",
        &format!(
            ".echo before\n.logopen {path}\nbp hello!add\ng\n.logclose\n.echo after\n.logclose\n.logopen /t {}\nq\n",
            b.path_arg(&dir.join("stamped.txt"))
        ),
    );
    run.assert_contains(&format!("Opened log file '{path}'\n"));
    run.assert_contains("No log file open");
    let text = read(&log);
    assert!(text.starts_with(&format!("Opened log file '{path}'\n0:000> bp hello!add\n0:000> g\n")), "{text}");
    assert!(text.contains("Breakpoint 0 hit\n"), "{text}");
    assert!(text.ends_with(&format!("0:000> .logclose\nClosing open log file {path}\n")), "{text}");
    assert!(!text.contains("before") && !text.contains("after"), "{text}");
    // /t: rdb's pid and the time before the extension; the log is open until q, which it records.
    let stamped: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("stamped_"))
        .collect();
    assert_eq!(stamped.len(), 1, "{stamped:?}");
    assert!(
        regex::Regex::new(r"^stamped_[0-9a-f]{4,}_\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d-\d{3}\.txt$")
            .unwrap()
            .is_match(&stamped[0]),
        "{stamped:?}"
    );
    let stamped_text = read(&dir.join(&stamped[0]));
    assert!(stamped_text.ends_with("0:000> q\nquit:\n"), "{stamped_text}");
}
