//! The command line and the console's batch mode: `-c`, `-g`, `-G`, `-o`, program arguments, stdin after `-c`,
//! `;`-separated commands, no prompt without a terminal, `q`, `.echo`, `.help`.

use rdb_testkit::prelude::*;

#[test]
fn c_commands_run_at_the_first_stop() {
    let hello = debuggee("hello");
    let run = rdb(&["-c", "bp hello!add; g; k; q", s(&hello)], "");
    run.assert_matches(&exception_re("Break instruction exception", "80000003"));
    run.assert_matches(&bp_hit_re(0, "hello!add"));
    run.out().assert_frames_start_with(&["hello!add", "hello!middle", "hello!outer", "hello!main"]);
    run.assert_contains("quit:");
    run.assert_success();
}

#[test]
fn stdin_is_read_after_the_c_commands() {
    let hello = debuggee("hello");
    let run = rdb(&["-c", ".echo from-c; bp hello!add", s(&hello)], ".echo from-stdin\ng\nq\n");
    let from_c = run.stdout.find("from-c").unwrap_or_else(|| run.fail("no from-c"));
    let from_stdin = run.stdout.find("from-stdin").unwrap_or_else(|| run.fail("no from-stdin"));
    let brk = run.stdout.find("Break instruction exception").unwrap_or_else(|| run.fail("no initial break"));
    assert!(brk < from_c && from_c < from_stdin, "initial break, then -c, then stdin\n{}", run.dump());
    run.assert_matches(&bp_hit_re(0, "hello!add"));
}

#[test]
fn semicolons_separate_commands_on_stdin_too() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], "bp hello!add; g; .echo after-hit\nq\n");
    let c = run.assert_matches(r"(?s)Breakpoint 0 hit\n.*\n(after-hit)\n");
    assert_eq!(c[1], "after-hit");
}

#[test]
fn batch_mode_prints_no_prompt() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], "r rip\nbp hello!add\ng\nk\nq\n");
    run.assert_not_contains("0:000>");
    run.assert_not_matches(r"\d+:\d{3}> ");
}

#[test]
fn g_flag_runs_past_the_initial_breakpoint() {
    let hello = debuggee("hello");
    let run = rdb(&["-g", "-c", ".echo first-stop", s(&hello)], "q\n");
    run.assert_not_contains("Break instruction exception");
    let exit = run.assert_matches(&exit_code_re(3));
    // The first stop is now the process exit: the -c commands run there.
    let at_exit = run.stdout.find(&exit[0]).unwrap();
    let first = run.stdout.find("first-stop").unwrap_or_else(|| run.fail("-c did not run"));
    assert!(at_exit < first, "{}", run.dump());
    run.assert_contains("add returned 3");
}

#[test]
fn big_g_flag_quits_at_the_process_exit() {
    let hello = debuggee("hello");
    let run = rdb(&["-g", "-G", s(&hello)], ".echo after-exit\n");
    run.assert_matches(&exit_code_re(3));
    run.assert_not_contains("after-exit");
    run.assert_success();
}

#[test]
fn big_g_flag_without_g_flag() {
    let hello = debuggee("hello");
    let run = rdb(&["-G", s(&hello)], "bp hello!add\ng\ng\n.echo after-exit\n");
    run.assert_matches(&bp_hit_re(0, "hello!add"));
    run.assert_matches(&exit_code_re(3));
    run.assert_not_contains("after-exit");
}

#[test]
fn o_flag_is_accepted() {
    let hello = debuggee("hello");
    let run = rdb(&["-o", s(&hello)], "g\n");
    run.assert_matches(&exit_code_re(3));
}

#[test]
fn options_after_the_program_belong_to_the_program() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello), "-g", "-c", "x"], "q\n");
    run.assert_matches(&format!(r"(?m)^CommandLine: {} -g -c x$", regex::escape(s(&hello))));
    // -g went to the program, so rdb still stops at the initial breakpoint.
    run.assert_matches(&exception_re("Break instruction exception", "80000003"));
}

#[test]
fn q_prints_quit_and_exits_zero() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], "q\n.echo not-reached\n");
    run.assert_matches(r"(?m)^quit:$");
    run.assert_not_contains("not-reached");
    run.assert_success();
}

#[test]
fn echo_prints_its_text() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], ".echo hi\n.echo two words\nq\n");
    run.assert_matches(r"(?m)^hi$");
    run.assert_matches(r"(?m)^two words$");
}

#[test]
fn help_lists_the_commands() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], &format!("{}\n.help\n{}\nq\n", mark("help"), mark("end")));
    let help = run.section("help");
    for cmd in [
        "bp", "bl", "g", "t", "p", "gu", "r", "db", "dq", "da", "eb", "u", "s", "lm", "x", "ln", "k", "~", "?", "sx",
        ".detach", ".restart", "q",
    ] {
        let rx = format!(r"(?m)(?:^|\s|,|/){}(?:\s|,|/|\[|$)", regex::escape(cmd));
        if regex::Regex::new(&rx).unwrap().find(help.text).is_none() {
            run.fail(&format!(".help does not mention {cmd}"));
        }
    }
}

#[test]
fn help_on_a_command_explains_it() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], &format!("{}\n.help bp\n{}\nq\n", mark("help"), mark("end")));
    let help = run.section("help");
    assert!(help.text.lines().filter(|l| !l.trim().is_empty()).count() >= 2, "{}", run.dump());
    // An example: `bp` followed by an address or symbol.
    help.assert_matches(r"bp +\S+");
    run.assert_not_matches(r"(?m)^\^ ");
}

/// `.childdbg` works on Linux too: its help says so, and does not call it Windows-only.
#[test]
fn help_on_childdbg_names_both_systems() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], &format!("{}\n.help .childdbg\n{}\nq\n", mark("help"), mark("end")));
    let help = run.section("help");
    help.assert_contains("on Linux at once");
    help.assert_not_contains("(Windows)");
}

#[test]
fn end_of_input_quits() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], "bp hello!add\ng\n");
    run.assert_matches(&bp_hit_re(0, "hello!add"));
    // The debuggee was killed, not run to its end.
    run.assert_not_contains("add returned");
    run.assert_success();
}
