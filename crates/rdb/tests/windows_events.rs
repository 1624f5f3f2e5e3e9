//! Every kind of Win32 debug event, each provoked by a debuggee of `tests/debuggees-windows/` and seen through
//! rdb.exe under Wine with only `g` and `q`: debug strings, thread creation and exit, DLL load and unload, a
//! program's own breakpoint, software exceptions handled and unhandled, access violations, a child process. (A single
//! DLL load and unload is checked on both backends in `both_events.rs`.)

use rdb_testkit::prelude::*;
use rdb_testkit::wine::{rdb_wine, wine_path};

/// rdb.exe on the Windows debuggee `name` with `args`, commands `stdin`.
fn run(name: &str, args: &[&str], stdin: &str) -> RdbRun {
    let program = wine_path(&windows_debuggee(name));
    let mut argv = vec![program.as_str()];
    argv.extend_from_slice(args);
    rdb_wine(&argv, stdin)
}

#[test]
fn output_debug_string_a_and_w_are_printed() {
    let run = run("wdebugstr", &[], "g\n");
    // Both arrive as text (under Wine's WaitForDebugEvent the W string comes as ANSI), each on a line of its own.
    run.assert_matches(r"(?m)^rdb debug string A$");
    run.assert_matches(r"(?m)^rdb debug string W$");
    run.assert_contains("strings sent");
    run.assert_matches(&exit_code_re(0));
}

#[test]
fn a_debug_string_with_control_characters_is_printed_escaped() {
    let run = run("wdebugctl", &[], "g\n");
    // Its ESC sequence and inner newline shown as escapes, on one line; the trailing newline ends it, as for any.
    run.assert_printable("Breakpoint 0 hit", 0);
    run.assert_matches(r"(?m)^rdb \\x1b\[2Jcleared\\nBreakpoint 0 hit$");
    run.assert_contains("string sent");
    run.assert_matches(&exit_code_re(0));
}

#[test]
fn a_thread_is_reported_created_and_exited_with_its_code() {
    let run = run("wthread", &[], "g\n");
    let created = run.assert_matches(r"(?m)^\(([0-9a-f]+)\.[0-9a-f]+\): Create thread (\d+):([0-9a-f]+)$");
    let exited = run.assert_matches(&format!(
        r"(?m)^\(([0-9a-f]+)\.([0-9a-f]+)\): Exit thread {}:{}, code 1234$",
        created[2], created[3]
    ));
    assert_eq!(exited[2], created[3], "the exit is reported on the thread that exits\n{}", run.dump());
    assert_eq!(exited[1], created[1], "both events name the debuggee's pid\n{}", run.dump());
    run.assert_contains("thread exited 1234");
    run.assert_matches(&exit_code_re(0));
}

#[test]
fn every_round_of_load_and_free_is_reported() {
    let plugin = wine_path(&windows_debuggee("wplugin"));
    let run = run("wloadlib", &[&plugin, "5"], "g\n");
    let path = Backend::Windows.image_re("wplugin.dll");
    run.out().assert_count(&format!(r"(?m)^ModLoad: {ADDR} {ADDR}   {path}$"), 5);
    run.out().assert_count(&format!(r"(?m)^Unload module {path} at {ADDR}$"), 5);
    run.assert_contains("rounds 5");
    run.assert_matches(&exit_code_re(0));
}

#[test]
fn debugbreak_stops_as_a_breakpoint_and_continues_past_it() {
    let run = run("wbreak", &[], &format!("g\n{}\ng\n", mark("after")));
    let before = run.section("after");
    // The loader breakpoint was the first; the program's own int3 is the second.
    run.out().assert_count(&exception_re("Break instruction exception", "80000003"), 2);
    run.assert_matches(&format!(
        "{}\n{}",
        exception_re("Break instruction exception", "80000003"),
        stop_re(r"wbreak!break_here\+0x[0-9a-f]+")
    ));
    before.assert_contains("after break");
    before.assert_matches(&exit_code_re(0));
    run.assert_not_contains("second chance");
}

#[test]
fn a_handled_software_exception_is_only_shown_on_its_first_chance() {
    let run = run("wraise", &["handled"], "g\n");
    run.assert_matches(&exception_re("Unknown exception", "e0524442"));
    run.assert_contains(FIRST_CHANCE_NOTE);
    run.assert_not_contains("second chance");
    run.assert_contains("handler saw e0524442");
    run.assert_contains("after raise");
    run.assert_matches(&exit_code_re(0));
}

#[test]
fn an_unhandled_software_exception_stops_on_its_second_chance() {
    let run = run("wraise", &["unhandled"], &format!("g\n{}\ng\n", mark("exit")));
    run.assert_matches(&exception_re("Unknown exception", "e0524442"));
    run.assert_matches(&second_chance_re("Unknown exception", "e0524442"));
    let exit = run.section("exit");
    exit.assert_matches(&exit_code_re(0xe052_4442));
    run.assert_not_contains("after raise");
}

#[test]
fn an_access_violation_reading_0x1337() {
    let run = run("wfault", &["read"], &format!("g\n{}\ng\n{}\ng\n", mark("second"), mark("exit")));
    run.assert_matches(&exception_re("Access violation", "c0000005"));
    run.assert_contains(FIRST_CHANCE_NOTE);
    run.assert_matches(r"(?m)^Attempt to read from address 00000000`00001337$");
    run.assert_matches(&stop_re(r"wfault!read_fault\+0x[0-9a-f]+"));
    run.section("second").assert_matches(&second_chance_re("Access violation", "c0000005"));
    run.section("exit").assert_matches(&Backend::Windows.fatal_exit_re(Fatal::AccessViolation));
    run.assert_not_contains("not reached");
}

#[test]
fn an_access_violation_writing_0x1337() {
    let run = run("wfault", &["write"], "g\nq\n");
    run.assert_matches(&exception_re("Access violation", "c0000005"));
    run.assert_matches(r"(?m)^Attempt to write to address 00000000`00001337$");
    run.assert_matches(&stop_re(r"wfault!write_fault\+0x[0-9a-f]+"));
    run.assert_contains("about to write 0x1337");
}

#[test]
fn a_child_process_runs_undebugged() {
    let run = run("wchild", &[], "g\n");
    run.assert_contains("child exited 7");
    run.assert_matches(&exit_code_re(0));
    // Only this process is debugged: one loader breakpoint, one process exit.
    run.out().assert_count(&exception_re("Break instruction exception", "80000003"), 1);
    run.out().assert_count(r"(?m)^\([0-9a-f]+\.[0-9a-f]+\): Exit process ", 1);
}
