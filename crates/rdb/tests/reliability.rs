//! The reliability suite: what a trusted debugger survives. A thousand breakpoint sets and clears then a detach
//! leave the text as the file has it; a debuggee killed from outside in the middle of a long step sequence ends the
//! step with its exit, not a hang; a watchpoint on a stack variable outlives its frame (hardware watches addresses,
//! as in WinDbg: later writes to that stack slot by other frames are hits).

mod common;

use std::time::Duration;

use common::*;

#[test]
fn a_thousand_sets_and_clears_then_detach_leave_the_text_as_the_file_has_it() {
    let target = spawn_debuggee("loop", &[]);
    let pid = target.pid.to_string();
    let mut script = String::new();
    for i in 0..1000 {
        // Several addresses, set and cleared in varying order, with the debuggee running in between now and then.
        script.push_str(&format!("bp loop!spin_once+{}\n", i % 4));
        script.push_str("bp loop!main\n");
        if i % 100 == 0 {
            script.push_str("g\n");
        }
        script.push_str(if i % 2 == 0 { "bc *\n" } else { "bc 0\nbc 1\n" });
    }
    script.push_str("bp loop!spin_once\ng\n.detach\n");
    let run = rdb_raw(&["-p", &pid], &script, Duration::from_secs(120));
    run.assert_matches(r"(?m)^Detached$");
    run.assert_not_matches(r"(?m)^\^ ");
    assert!(run.count(r"(?m)^Breakpoint \d+ hit$") >= 10, "{}", run.dump());
    assert_loop_runs_free(target.pid, &target.exe);
    assert_text_clean(target.pid, &target.exe);
}

#[test]
fn a_debuggee_killed_during_a_long_step_ends_the_step_with_its_exit() {
    let loop_exe = debuggee("loop");
    let mut session = RdbSession::start(&[s(&loop_exe)]);
    session.send("bp loop!spin_once");
    session.send("g");
    session.expect(&bp_hit_re(0, "loop!spin_once"));
    let pid = session.wait_for(r"(?m)^pid (\d+)$", Duration::from_secs(10)).expect("the loop prints its pid")[1]
        .parse::<i32>()
        .unwrap();
    // A million steps take far longer than the kill below.
    session.send("t 0n1000000");
    std::thread::sleep(Duration::from_millis(300));
    // SAFETY: sending SIGKILL to the debuggee this test started.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    session.expect(r"(?m)^\([0-9a-f]+\.[0-9a-f]+\): Exit process [0-9a-f]+, signal 9 \(SIGKILL\)$");
    session.send(&mark("after"));
    session.send("r");
    session.send("q");
    let run = session.finish_within(Duration::from_secs(20));
    let after = run.section("after");
    after.assert_matches(r"(?m)^\^ No runnable debuggees");
    run.assert_matches(r"(?m)^quit:$");
}

#[test]
fn a_watchpoint_on_a_stack_variable_outlives_its_frame() {
    let frames = debuggee("frames");
    // At the entry of watched(), `slot` (its first local: [rbp-4] once the frame is set up at -O0) is 12 bytes below
    // the stack pointer: the return address is at rsp, the saved rbp goes below it.
    let run = rdb(
        &[s(&frames)],
        &format!(
            "bp frames!watched\ng\n{}\n? @rsp-0xc\nba w4 @rsp-0xc\n{}\ng\n{}\ng\n{}\ng\nbc *\ng\nq\n",
            mark("slot"),
            mark("first"),
            mark("second"),
            mark("reuse"),
        ),
    );
    let printed = u64::from_str_radix(&run.assert_matches(r"(?m)^slot (?:0x)?([0-9a-f]+)\r?$")[1], 16).unwrap();
    assert_eq!(run.section("slot").evaluation(), printed, "the watched address is `slot`\n{}", run.dump());
    run.section("first").assert_matches(r"(?m)^Breakpoint 1 hit\n.*: 0x[0-9a-f]+ -> 0x1$");
    let second = run.section("second");
    second.assert_matches(r"(?m)^Breakpoint 1 hit\n.*: 0x1 -> 0x2$");
    second.assert_matches(&stop_re(r"frames!watched\+0x[0-9a-f]+"));
    // The frame is gone; reuse() writes its own local in the same stack slot: still a hit, with the values.
    let reuse = run.section("reuse");
    reuse.assert_matches(r"(?m)^Breakpoint 1 hit\n.*: 0x2 -> 0x0$");
    reuse.assert_matches(&stop_re(r"frames!reuse\+0x[0-9a-f]+"));
    let end = run.out();
    end.assert_contains("done");
    end.assert_matches(&exit_code_re(0));
}
