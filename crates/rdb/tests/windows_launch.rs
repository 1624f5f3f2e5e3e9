//! rdb.exe under Wine: its command line (no program, a Unix path, arguments, `-g` and `-G`) and what a debugged
//! program sees. The session start up to the loader breakpoint (`ntdll!LdrpDoDebuggerBreak+0x30` on Windows,
//! `ntdll!DbgBreakPoint` under Wine) and the run to the exit are checked on both backends in `backends.rs`.

use rdb_testkit::prelude::*;
use rdb_testkit::wine::{rdb_wine, wine_path};

#[test]
fn without_a_program_rdb_exe_says_so_and_exits_2() {
    let run = rdb_wine(&[], "");
    assert_eq!(run.status.code(), Some(2), "{}", run.dump());
    assert!(run.stderr.contains("rdb: nothing to debug"), "{}", run.dump());
}

#[test]
fn a_unix_path_works_as_the_program() {
    // Wine resolves `/work/...` as a path on the current drive, which is Z:, the Unix root.
    let hello = windows_debuggee("hello");
    let run = rdb_wine(&[s(&hello)], "g\n");
    run.assert_matches(&format!(r"(?m)^CommandLine: {}$", regex::escape(s(&hello))));
    run.assert_matches(&format!(r"(?m)^ModLoad: {ADDR} {ADDR}   {}$", Backend::Windows.image_re("hello")));
    run.assert_matches(&exit_code_re(3));
}

#[test]
fn the_program_gets_its_arguments() {
    let program = wine_path(&windows_debuggee("whot"));
    let run = rdb_wine(&[&program, "10"], "g\n");
    run.assert_matches(&format!(r"(?m)^CommandLine: {} 10$", regex::escape(&program)));
    run.assert_contains("total 45");
    run.assert_matches(&exit_code_re(0));
}

#[test]
fn minus_g_runs_past_the_loader_breakpoint_and_minus_capital_g_quits_at_the_exit() {
    let program = wine_path(&windows_debuggee("hello"));
    let run = rdb_wine(&["-g", "-G", &program], "");
    run.assert_not_contains("Break instruction exception");
    run.assert_contains("Hello, rdb!");
    run.assert_matches(&exit_code_re(3));
}

#[test]
fn the_debuggee_knows_it_is_debugged() {
    let program = wine_path(&windows_debuggee("wpresent"));
    let run = rdb_wine(&[&program], "g\n");
    run.assert_contains("IsDebuggerPresent=1");
    run.assert_matches(&exit_code_re(0));
}
