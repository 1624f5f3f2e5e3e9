//! Launching a program on Linux: the command line's arguments, `q` and the end of input killing the debuggee,
//! `.restart`, and `.detach` / `qd` leaving a launched debuggee to finish on its own. The session start and the run
//! to the exit are checked on both backends in `backends.rs`.

use std::time::Duration;

use rdb_testkit::prelude::*;

#[test]
fn commandline_shows_the_arguments() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello), "first", "second"], "q\n");
    run.assert_matches(&format!(r"(?m)^CommandLine: {} first second$", regex::escape(s(&hello))));
}

/// rdb launched on `loop`, stopped at a breakpoint in `spin_once`; the debuggee's pid.
fn loop_stopped_in_spin_once() -> (RdbSession, u32) {
    let lp = debuggee("loop");
    let mut session = RdbSession::start(&[s(&lp)]);
    session.send("bp loop!spin_once");
    session.send("g");
    session.expect(&bp_hit_re(0, "loop!spin_once"));
    let pid: u32 = session.expect(r"(?m)^pid (\d+)$")[1].parse().unwrap();
    (session, pid)
}

#[test]
fn q_kills_the_launched_debuggee() {
    let (mut session, pid) = loop_stopped_in_spin_once();
    assert!(!process_gone(pid), "the debuggee runs while rdb holds it");
    session.send("q");
    let status = session.wait_exit(Duration::from_secs(15));
    assert!(status.is_some(), "rdb did not quit on q\n{}", session.stdout());
    assert!(
        wait_until(Duration::from_secs(5), || process_gone(pid)),
        "q must kill the launched debuggee (pid {pid} state {:?})",
        process_state(pid)
    );
    session.finish().assert_contains("quit:");
}

#[test]
fn end_of_input_quits_and_kills_the_debuggee() {
    let (mut session, pid) = loop_stopped_in_spin_once();
    session.close_stdin();
    assert!(session.wait_exit(Duration::from_secs(15)).is_some(), "rdb did not quit at the end of its input");
    assert!(wait_until(Duration::from_secs(5), || process_gone(pid)), "pid {pid} survived rdb");
    session.finish();
}

#[test]
fn restart_starts_over() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], &format!("g\n{}\n.restart\n{}\ng\nq\n", mark("restart"), mark("again")));
    let restart = run.section("restart");
    restart.assert_matches(&format!(r"(?m)^CommandLine: {}$", regex::escape(s(&hello))));
    restart.assert_matches(&format!(
        "{}\n{}",
        exception_re("Break instruction exception", "80000003"),
        stop_re("hello!_start")
    ));
    run.section("again").assert_matches(&exit_code_re(3));
    assert_eq!(run.count(r"(?m)^CommandLine: "), 2, "{}", run.dump());
    assert_eq!(run.count(&exit_code_re(3)), 2, "{}", run.dump());
}

#[test]
fn restart_from_a_breakpoint() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], &format!("bp hello!add\ng\n.restart\n{}\ng hello!main\nq\n", mark("main")));
    run.assert_matches(&bp_hit_re(0, "hello!add"));
    assert_eq!(run.count("Break instruction exception - code 80000003"), 2, "{}", run.dump());
    // The new process stops where it is told to.
    run.section("main").assert_matches(&stop_re("hello!main"));
}

#[test]
fn detach_lets_a_launched_debuggee_finish() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], "bp hello!tick\ng\n.detach\n");
    run.assert_matches(&bp_hit_re(0, "hello!tick"));
    run.assert_matches(r"(?m)^Detached$");
    // No breakpoint left behind: the debuggee runs to its normal end (a stray int3 would kill it with SIGTRAP).
    run.assert_contains("counter=10");
    run.assert_contains("add returned 3");
}

#[test]
fn qd_detaches_and_quits() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], "bp hello!tick\nbp hello!add\ng\nqd\n.echo not-reached\n");
    run.assert_matches(&bp_hit_re(0, "hello!tick"));
    run.assert_contains("counter=10");
    run.assert_contains("add returned 3");
    run.assert_not_contains("not-reached");
}
