//! Exceptions (signals as WinDbg exceptions): first and second chance access violations, a fault the program
//! handles itself, SIGABRT, SIGFPE, and `gh` / `gn` on a plain signal.

use rdb_testkit::prelude::*;

#[test]
fn null_write_is_a_first_chance_access_violation() {
    let crash = debuggee("crash");
    let run = rdb(&[s(&crash)], &format!("g\n{}\nk\nq\n", mark("k")));
    let c = run.assert_matches(&exception_re("Access violation", "c0000005"));
    assert_eq!(c[1], c[2], "single-threaded: the event thread is the main thread");
    run.assert_contains(FIRST_CHANCE_NOTE);
    run.assert_matches(r"(?m)^Attempt to (?:write to|access) address 00000000`00000000$");
    run.assert_matches(&stop_re(r"crash!crash_here\+0x[0-9a-f]+"));
    run.section("k").assert_frames_start_with(&["crash!crash_here", "crash!main"]);
    run.assert_contains("about to crash");
}

#[test]
fn unhandled_access_violation_gets_a_second_chance_then_kills() {
    let crash = debuggee("crash");
    let run = rdb(&[s(&crash)], &format!("g\n{}\ng\n{}\ng\n", mark("second"), mark("exit")));
    let second = run.section("second");
    second.assert_matches(&second_chance_re("Access violation", "c0000005"));
    second.assert_matches(&stop_re(r"crash!crash_here\+0x[0-9a-f]+"));
    run.section("exit").assert_matches(&exit_signal_re(11, "SIGSEGV"));
    run.assert_not_contains("not reached");
}

#[test]
fn a_handled_fault_runs_the_programs_handler() {
    let handled = debuggee("handled");
    let run = rdb(&[s(&handled)], &format!("g\n{}\ng\n", mark("go")));
    run.assert_matches(&exception_re("Access violation", "c0000005"));
    run.assert_matches(&stop_re(r"handled!fault\+0x[0-9a-f]+"));
    let go = run.section("go");
    go.assert_not_contains("second chance");
    run.assert_contains("handler ran");
    go.assert_matches(&exit_code_re(7));
}

#[test]
fn abort_stops_on_sigabrt() {
    let abort = debuggee("abort");
    let run = rdb(&[s(&abort)], &format!("g\n{}\nk\n{}\ng\ng\ng\n", mark("k"), mark("rest")));
    run.assert_matches(&exception_re("Signal SIGABRT", "00000006"));
    let k = run.section("k");
    let frames = k.frames();
    let give_up = frames.iter().position(|f| f.is("abort!give_up"));
    let main = frames.iter().position(|f| f.is("abort!main"));
    assert!(
        matches!((give_up, main), (Some(g), Some(m)) if g + 1 == m),
        "the stack runs through abort!give_up into abort!main: {frames:#?}\n{}",
        run.dump()
    );
    assert!(frames[0].site.starts_with("libc!"), "the signal is raised inside libc\n{}", run.dump());
    run.section("rest").assert_matches(&exit_signal_re(6, "SIGABRT"));
}

#[test]
fn division_by_zero() {
    let divzero = debuggee("divzero");
    let run = rdb(&[s(&divzero)], "g\nq\n");
    run.assert_matches(&exception_re("Integer divide-by-zero", "c0000094"));
    run.assert_contains(FIRST_CHANCE_NOTE);
    run.assert_matches(&stop_re(r"divzero!divide\+0x[0-9a-f]+"));
    run.assert_matches(r"idiv ");
}

#[test]
fn division_by_zero_kills_when_continued() {
    let divzero = debuggee("divzero");
    let run = rdb(&[s(&divzero)], "g\ng\ng\n");
    run.assert_matches(&exit_signal_re(8, "SIGFPE"));
    run.assert_not_contains("not reached");
}

#[test]
fn a_plain_signal_stops_as_signal_sigusr1() {
    let sigusr = debuggee("sigusr");
    let run = rdb(&[s(&sigusr)], "g\nq\n");
    run.assert_matches(&exception_re("Signal SIGUSR1", "0000000a"));
    run.assert_contains(FIRST_CHANCE_NOTE);
    run.assert_matches(&regs_re());
}

#[test]
fn gn_delivers_the_signal() {
    let sigusr = debuggee("sigusr");
    let run = rdb(&[s(&sigusr)], "g\ngn\n");
    run.assert_matches(&exception_re("Signal SIGUSR1", "0000000a"));
    run.assert_contains("caught");
    run.assert_contains("after raise");
    run.assert_matches(&exit_code_re(0));
}

#[test]
fn gh_suppresses_the_signal() {
    let sigusr = debuggee("sigusr");
    let run = rdb(&[s(&sigusr)], "g\ngh\n");
    run.assert_matches(&exception_re("Signal SIGUSR1", "0000000a"));
    run.assert_not_contains("caught");
    run.assert_contains("after raise");
    run.assert_matches(&exit_code_re(0));
}

#[test]
fn breakpoints_still_work_after_an_exception() {
    let handled = debuggee("handled");
    // The breakpoint is set at the fault's stop, in main's caller chain; the handler _exit()s before main
    // resumes, so it is never hit, but setting it must not disturb the handled fault.
    let run = rdb(&[s(&handled)], "g\nbp handled!main\ng\n");
    run.assert_contains("handler ran");
    run.assert_matches(&exit_code_re(7));
    run.assert_not_contains("Breakpoint 0 hit");
}

#[test]
fn exr_shows_the_last_exception_record() {
    let crash = debuggee("crash");
    let run = rdb(&[s(&crash)], &format!("{}\n.exr -1\ng\n{}\n.exr -1\n.exr\nq\n", mark("none"), mark("av")));
    // The initial breakpoint is the last exception at the first stop, as in WinDbg.
    run.section("none").assert_matches(r"(?m)^   ExceptionCode: 80000003 \(Break instruction exception\)$");
    let av = run.section("av");
    av.assert_matches(&format!(
        r"(?m)^ExceptionAddress: {ADDR} \(crash!crash_here\+0x[0-9a-f]+\)\n   ExceptionCode: c0000005 \(Access violation\)\n  ExceptionFlags: 00000000\nNumberParameters: 2\n   Parameter\[0\]: 0000000000000001\n   Parameter\[1\]: 0000000000000000\nAttempt to write to address 00000000`00000000$"
    ));
    av.assert_matches(r"(?m)^\^ Syntax error at '\.exr': only \.exr -1");
}
