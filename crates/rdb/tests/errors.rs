//! Bad input: every command error is one `^ ` line naming the problem and the command, the session goes on, and
//! nothing panics. Command-line errors are one `rdb: ...` line and a non-zero exit.

use rdb_testkit::prelude::*;

/// Runs hello, stops in main, runs `command`, and checks that it printed exactly one error line matching `re`
/// (in stdout or stderr) and nothing else, and that the session went on.
fn one_error(command: &str, re: &str) -> RdbRun {
    let hello = debuggee("hello");
    let run = rdb(
        &[s(&hello)],
        &format!("g hello!main\n{}\n{command}\n{}\n.echo still-here\nq\n", mark("cmd"), mark("after")),
    );
    run.assert_error(re);
    let rx = regex::Regex::new(&format!("(?m){re}")).unwrap();
    let n = rx.find_iter(&run.stdout).count() + rx.find_iter(&run.stderr).count();
    assert_eq!(n, 1, "exactly one error line\n{}", run.dump());
    let errors = run.stdout.lines().chain(run.stderr.lines()).filter(|l| l.starts_with("^ ")).count();
    assert_eq!(errors, 1, "no other error lines\n{}", run.dump());
    let section = run.section("cmd");
    let other: Vec<&str> = section.text.lines().filter(|l| !l.trim().is_empty() && !l.starts_with("^ ")).collect();
    assert!(other.is_empty(), "the error is all `{command}` prints: {other:?}\n{}", run.dump());
    run.section("after").assert_contains("still-here");
    run
}

#[test]
fn unknown_command() {
    one_error("frobnicate", r"^\^ Unknown command 'frobnicate'.*$");
}

#[test]
fn bad_expression() {
    one_error("? 1 +", r"^\^ Syntax error.* in '\? 1 \+'$");
}

#[test]
fn bp_with_a_broken_expression() {
    one_error("bp hello!add +", r"^\^ Syntax error.* in 'bp hello!add \+'$");
}

#[test]
fn unknown_symbol_in_bp() {
    one_error("bp nosuch!thing", r"^\^ Couldn't resolve .*'nosuch[^']*' in 'bp nosuch!thing'$");
}

#[test]
fn unknown_symbol_in_an_expression() {
    one_error("? nosuch + 1", r"^\^ Couldn't resolve .*'nosuch[^']*' in '\? nosuch \+ 1'$");
}

#[test]
fn unmapped_address_in_db() {
    one_error("db 0", r"^\^ Memory access error at 00000000`00000000 in 'db 0'$");
}

#[test]
fn unmapped_address_in_eb() {
    one_error("eb 0 90", r"^\^ Memory access error at 00000000`00000000 in 'eb 0 90'$");
}

#[test]
fn unknown_register() {
    one_error("r nosuchreg", r"^\^ .+ in 'r nosuchreg'$");
}

#[test]
fn nonexistent_thread() {
    one_error("~9s", r"^\^ .+ in '~9s'$");
}

#[test]
fn unknown_sx_event() {
    one_error("sxe nosuchevent", r"^\^ .+ in 'sxe nosuchevent'$");
}

#[test]
fn windows_blocks_on_linux_are_one_line_errors() {
    let hello = debuggee("hello");
    let commands = ["!peb", "!teb", "!teb 1000", "!PEB @rsp", "? @$peb", "db @$teb", "~0 !teb"];
    let run =
        rdb(&[s(&hello)], &format!("g hello!main\n{}\n{}\n.echo still-here\nq\n", mark("cmd"), commands.join("\n")));
    let errors: Vec<&str> = run.section("cmd").text.lines().filter(|l| l.starts_with("^ ")).collect();
    assert_eq!(
        errors,
        [
            "^ !peb is only available on Windows targets in '!peb'",
            "^ !teb is only available on Windows targets in '!teb'",
            "^ !teb is only available on Windows targets in '!teb 1000'",
            "^ !peb is only available on Windows targets in '!PEB @rsp'",
            "^ Bad register error at '@$peb' in '? @$peb'",
            "^ Bad register error at '@$teb' in 'db @$teb'",
            "^ !teb is only available on Windows targets in '!teb'",
        ],
        "{}",
        run.dump()
    );
    run.section("cmd").assert_contains("still-here");
}

#[test]
fn errors_do_not_end_the_session() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], "frobnicate\n? 1 +\ndb 0\nbp nosuch!thing\nbp hello!add\ng\nk\ng\n");
    run.assert_matches(&bp_hit_re(0, "hello!add"));
    run.assert_matches(&exit_code_re(3));
    let errors = run.stdout.lines().chain(run.stderr.lines()).filter(|l| l.starts_with("^ ")).count();
    assert_eq!(errors, 4, "{}", run.dump());
}

#[test]
fn g_after_the_process_exited() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], &format!("g\n{}\ng\n{}\n.echo still-here\n", mark("again"), mark("after")));
    run.assert_matches(&exit_code_re(3));
    run.assert_error(r"^\^ [^\n]*(?i:debuggee|process)[^\n]*'g'$");
    run.section("after").assert_contains("still-here");
}

#[test]
fn commands_that_need_a_process_after_the_exit() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], "g\nr\nk\nt\ndb hello!message\n.echo still-here\n");
    let errors: Vec<&str> = run.stdout.lines().chain(run.stderr.lines()).filter(|l| l.starts_with("^ ")).collect();
    assert_eq!(errors.len(), 4, "one error line each for r, k, t and db: {errors:?}\n{}", run.dump());
    run.assert_contains("still-here");
}

#[test]
fn missing_program() {
    let run = rdb(&["/nonexistent/program"], "q\n");
    run.assert_failure();
    let lines: Vec<&str> = run.lines().into_iter().filter(|l| !l.starts_with("CommandLine: ")).collect();
    assert_eq!(lines.len(), 1, "one clear line\n{}", run.dump());
    assert!(lines[0].starts_with("rdb: ") || lines[0].starts_with("^ "), "{}", run.dump());
    assert!(lines[0].contains("/nonexistent/program"), "the line names the program\n{}", run.dump());
}

#[test]
fn a_program_that_is_not_executable() {
    let source = debuggee_sources().join("hello.c");
    let run = rdb(&[s(&source)], "q\n");
    run.assert_failure();
    let lines: Vec<&str> = run.lines().into_iter().filter(|l| !l.starts_with("CommandLine: ")).collect();
    assert_eq!(lines.len(), 1, "one clear line\n{}", run.dump());
}

/// `rdb core.1234` is a core file given as a program: one line that says so and names WinDbg's `-z` for dumps,
/// not the OS's "Permission denied".
#[test]
fn a_core_file_is_named_as_one() {
    let core = scratch_dir("core").join("core.1234");
    // An ELF header whose type is ET_CORE, as the kernel writes one.
    let mut header = b"\x7fELF\x02\x01\x01".to_vec();
    header.resize(16, 0);
    header.extend([4, 0, 0x3e, 0]);
    header.resize(64, 0);
    std::fs::write(&core, header).unwrap();
    let run = rdb(&[s(&core)], "q\n");
    run.assert_failure();
    let lines: Vec<&str> = run.lines().into_iter().filter(|l| !l.starts_with("CommandLine: ")).collect();
    assert_eq!(lines.len(), 1, "one clear line\n{}", run.dump());
    assert!(
        lines[0].starts_with("rdb: ") && lines[0].contains("core.1234 is a core file, not a program"),
        "{}",
        run.dump()
    );
    assert!(lines[0].contains("open it with -z <file>"), "{}", run.dump());
}

#[test]
fn no_program_at_all() {
    let run = rdb(&[], "");
    run.assert_failure();
}

#[test]
fn unknown_option() {
    let hello = debuggee("hello");
    let run = rdb(&["--frobnicate", s(&hello)], "q\n");
    run.assert_failure();
    run.assert_not_contains("CommandLine:");
}

#[test]
fn bad_pid() {
    let run = rdb(&["-p", "notapid"], "");
    run.assert_failure();
}

#[test]
fn the_debuggee_killed_from_outside_before_a_step() {
    let lp = debuggee("loop");
    let mut session = RdbSession::start(&[s(&lp)]);
    session.send("bp loop!spin_once");
    session.send("g");
    let pid: u32 = session.expect(r"(?m)^pid (\d+)$")[1].parse().unwrap();
    session.expect(r"Breakpoint 0 hit");
    // SAFETY: kill sends a signal to a process id; no memory is involved.
    unsafe { libc::kill(pid as i32, libc::SIGKILL) };
    // It dies as soon as it is resumed (until then it waits in its exit stop, held by ptrace).
    std::thread::sleep(std::time::Duration::from_millis(200));
    session.send("t");
    session.send("k");
    session.send(".echo still-here");
    session.send("q");
    let run = session.finish();
    run.assert_matches(r"(?m)^\([0-9a-f]+\.[0-9a-f]+\): Exit process [0-9a-f]+, signal 9 \(SIGKILL\)$");
    run.assert_error(r"^\^ No runnable debuggees[^\n]* in 'k'$");
    run.assert_not_contains("Unable to insert");
    run.assert_contains("still-here");
}

/// A thread prefix repeated 15,000 times once overflowed rdb's stack (each `~` ran the next one recursively): now
/// a `~` under a `~` is refused at the first, and the error quotes only the start of the long line.
#[test]
fn a_thread_prefix_repeated_fifteen_thousand_times_is_one_error() {
    let run = one_error(
        &format!("{}r rip", "~0 ".repeat(15_000)),
        r"^\^ ~0 runs one command on each thread, and that cannot be another ~ in '(~0 ){66}~0\.\.\.'$",
    );
    run.assert_contains("quit:");
}

/// `.if` and `j` nested 20,000 deep once took most of a minute (each level re-read the rest of its line): branches
/// nest at most 64 deep, so such a line is refused after bounded work, with one error.
#[test]
fn if_and_j_nested_twenty_thousand_deep_are_one_error_each() {
    let levels = 20_000;
    let ifs = format!("{}.echo deep{}", ".if (1) { ".repeat(levels), " }".repeat(levels));
    one_error(
        &ifs,
        r"^\^ Nesting too deep: \.if and j branches nest at most 64 levels in '(\.if \(1\) \{ )+[^']*\.\.\.'$",
    );
    let js = format!("{}.echo deep", "j 1 ".repeat(levels));
    one_error(&js, r"^\^ Nesting too deep: \.if and j branches nest at most 64 levels in '(j 1 )+[^']*\.\.\.'$");
}
