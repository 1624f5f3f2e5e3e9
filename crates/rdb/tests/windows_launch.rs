//! rdb.exe under Wine: its command line, and a launch to the loader breakpoint and to the exit, in WinDbg's shapes.
//! Windows stops a new process by itself at the loader breakpoint (`ntdll!LdrpDoDebuggerBreak+0x30` on Windows,
//! `ntdll!DbgBreakPoint` under Wine), after the executable, ntdll and the startup DLLs are reported.

use rdb_testkit::prelude::*;
use rdb_testkit::wine::{rdb_wine, wine_path};

/// Where the loader breakpoint is: Windows' loader, or Wine's (an exported function, so named from exports).
const LOADER_BREAK: &str = r"ntdll!(?:DbgBreakPoint|LdrpDoDebuggerBreak\+0x[0-9a-f]+)";

/// `ModLoad: <start> <end>   <path>` for a system DLL, wherever the loader found it.
fn system_modload_re(dll: &str) -> String {
    format!(r"(?m)^ModLoad: {ADDR} {ADDR}   (?i:(?:\S*\\)?{})$", regex::escape(dll))
}

#[test]
fn without_a_program_rdb_exe_says_so_and_exits_2() {
    let run = rdb_wine(&[], "");
    assert_eq!(run.status.code(), Some(2), "{}", run.dump());
    assert!(run.stderr.contains("rdb: nothing to debug"), "{}", run.dump());
}

#[test]
fn session_start_has_commandline_modloads_and_the_loader_breakpoint() {
    let program = wine_path(&windows_debuggee("hello"));
    let run = rdb_wine(&[&program], "q\n");
    let first = run.stdout.lines().next().unwrap_or("");
    assert_eq!(first, format!("CommandLine: {program}"), "the first line\n{}", run.dump());

    // The executable is the first module, then ntdll and kernel32 (with the rest of its imports).
    let exe = Backend::Windows.image_re("hello");
    let modloads: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with("ModLoad: ")).collect();
    let exe_line = regex::Regex::new(&format!(r"^ModLoad: {ADDR} {ADDR}   {exe}$")).unwrap();
    assert!(modloads.first().is_some_and(|l| exe_line.is_match(l)), "the first ModLoad is hello.exe\n{}", run.dump());
    run.assert_matches(&system_modload_re("ntdll.dll"));
    run.assert_matches(&system_modload_re("kernel32.dll"));

    let c = run.assert_matches(&format!(
        "{}\n{}",
        exception_re("Break instruction exception", "80000003"),
        stop_re(LOADER_BREAK)
    ));
    assert_ne!(c[1], c[2], "on Windows the process id and the thread id differ\n{}", run.dump());
    // The loader breakpoint is an int3 of ntdll's own.
    run.assert_matches(&format!(r"(?m)^{ADDR} cc +int +3$"));
    let brk = run.stdout.find("Break instruction exception").unwrap();
    let last_modload = run.stdout.rfind("ModLoad:").unwrap();
    assert!(last_modload < brk, "ModLoad lines come before the loader breakpoint\n{}", run.dump());

    run.assert_contains("quit:");
    run.assert_not_contains("Hello, rdb!");
    // Batch mode: no prompt.
    run.assert_not_contains("0:000>");
}

#[test]
fn g_runs_to_the_exit_with_the_process_exit_code() {
    let program = wine_path(&windows_debuggee("hello"));
    let run = rdb_wine(&[&program], "g\n");
    let brk = run.assert_matches(&exception_re("Break instruction exception", "80000003"));
    let exit = run.assert_matches(&exit_code_re(3));
    assert_eq!(exit[1], brk[1], "Exit process names the pid of the session");
    run.assert_contains("Hello, rdb!");
    run.assert_contains("counter=10");
    run.assert_contains("add returned 3");
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
