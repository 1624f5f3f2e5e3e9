//! Stepping on both backends, with `steps` (main -> mid(5) -> leaf(5) = 10; mid returns 11, the exit code):
//! `t`, `p`, `t <n>`, `p <n>`, `gu`, `pc`, `tc`, and stepping off breakpoints. Both compilers give mid the same
//! shape: three prologue instructions, three that pass the argument, the call to leaf as the seventh.

use rdb_testkit::prelude::*;

on_both_backends!(
    pc_stops_at_the_call_and_t_enters_the_callee,
    p_at_a_call_steps_over_it,
    p_over_a_call_stops_at_a_breakpoint_inside,
    t_and_p_with_counts,
    gu_returns_to_the_caller_twice,
    tc_traces_into_calls_until_the_next_call,
    stepping_leaves_the_program_intact,
    t_off_a_breakpoint_keeps_the_breakpoint,
);

/// The instruction of a stop's location line (the disassembly line after it): address, length, text.
fn stop_address(section: &Section, location: &str) -> (u64, u64, String) {
    let c = section.assert_matches(&format!(r"(?m)^{location}:\n({ADDR}) ([0-9a-f]+) +(\S.*)$"));
    (addr(&c[1]), (c[2].len() / 2) as u64, c[3].clone())
}

fn pc_stops_at_the_call_and_t_enters_the_callee(b: Backend) {
    let stdin = format!(
        "bp steps!mid\ng\n{}\npc\n{}\nu steps!leaf L1\n{}\nt\nk\n{}\nt\n{}\n? @rip\nk\nq\n",
        mark("pc"),
        mark("u"),
        mark("enter"),
        mark("t"),
        mark("rip")
    );
    let run = b.launch("steps", &stdin);
    let (_, _, text) = stop_address(&run.section("pc"), r"steps!mid\+0x[0-9a-f]+");
    assert!(
        text.starts_with("call") && text.contains("steps!leaf"),
        "pc stops at `call steps!leaf`: {text}\n{}",
        run.dump()
    );
    let first = run.section("u").disassembly();
    assert_eq!(first.len(), 1, "{}", run.dump());
    let enter = run.section("enter");
    enter.assert_matches(&stop_re("steps!leaf"));
    enter.assert_not_contains("Breakpoint");
    // At leaf's first instruction, before its prologue, the stack already shows where it was called from.
    enter.assert_frames_start_with(&["steps!leaf", "steps!mid", "steps!main"]);
    run.section("t").assert_matches(&stop_re(r"steps!leaf\+0x1"));
    let rip = run.section("rip");
    assert_eq!(rip.evaluation(), first[0].0 + first[0].1, "t moves one instruction\n{}", run.dump());
    rip.assert_frames_start_with(&["steps!leaf", "steps!mid", "steps!main"]);
}

fn p_at_a_call_steps_over_it(b: Backend) {
    let stdin = format!("bp steps!mid\ng\n{}\npc\n{}\np\n{}\n? @rip\nr rax\nq\n", mark("pc"), mark("p"), mark("after"));
    let run = b.launch("steps", &stdin);
    let (call, len, text) = stop_address(&run.section("pc"), r"steps!mid\+0x[0-9a-f]+");
    assert!(text.contains("steps!leaf"), "{text}\n{}", run.dump());
    let p = run.section("p");
    p.assert_matches(&stop_re(r"steps!mid\+0x[0-9a-f]+"));
    p.assert_not_contains("steps!leaf:");
    let after = run.section("after");
    assert_eq!(after.evaluation(), call + len, "p lands right after the call\n{}", run.dump());
    after.assert_matches(r"(?m)^rax=000000000000000a$");
}

fn p_over_a_call_stops_at_a_breakpoint_inside(b: Backend) {
    let run = b.launch("steps", &format!("bp steps!mid\nbp steps!leaf\ng\npc\n{}\np\nq\n", mark("p")));
    run.section("p").assert_matches(&bp_hit_re(1, "steps!leaf"));
}

fn t_and_p_with_counts(b: Backend) {
    // From mid's entry, `t 3` runs the prologue; `p 5` then runs the 4th to the 8th instruction, the call to leaf
    // (the 7th) stepped over, and stops on the 9th.
    let stdin = format!("bp steps!mid\ng\n{}\nt 3\n{}\np 5\n{}\nr rax\nq\n", mark("t3"), mark("p5"), mark("rax"));
    let run = b.launch("steps", &stdin);
    let t3 = run.section("t3");
    t3.assert_count(r"(?m)^rip=", 3);
    t3.assert_count(r"(?m)^steps!mid\+0x[0-9a-f]+:$", 3);
    let p5 = run.section("p5");
    p5.assert_count(r"(?m)^rip=", 5);
    p5.assert_count(r"(?m)^steps!mid\+0x[0-9a-f]+:$", 5);
    p5.assert_not_matches(r"(?m)^steps!leaf");
    // The 8th instruction stored leaf's result: 10 is still in eax.
    run.section("rax").assert_matches(r"(?m)^rax=000000000000000a$");
}

fn gu_returns_to_the_caller_twice(b: Backend) {
    let stdin = format!(
        "bp steps!leaf\ng\n{}\ngu\n{}\nr rax\nu @rip-5 L1\n{}\ngu\nr rax\nq\n",
        mark("gu"),
        mark("after"),
        mark("main")
    );
    let run = b.launch("steps", &stdin);
    let gu = run.section("gu");
    gu.assert_matches(&stop_re(r"steps!mid\+0x[0-9a-f]+"));
    gu.assert_not_contains("Breakpoint");
    let after = run.section("after");
    after.assert_matches(r"(?m)^rax=000000000000000a$");
    // The instruction before the return address is the call into leaf.
    after.assert_matches(r"call +steps!leaf");
    let main = run.section("main");
    main.assert_matches(&stop_re(r"steps!main\+0x[0-9a-f]+"));
    main.assert_matches(r"(?m)^rax=000000000000000b$");
}

fn tc_traces_into_calls_until_the_next_call(b: Backend) {
    // From the line of main that calls mid (mingw's main first calls __main, on a line of its own).
    let line = line_of("steps.c", "main-call");
    let stdin = format!("bp `steps.c:{line}`\ng\n{}\ntc\n{}\ntc\nq\n", mark("one"), mark("two"));
    let run = b.launch("steps", &stdin);
    let (_, _, one) = stop_address(&run.section("one"), r"steps!main\+0x[0-9a-f]+");
    assert!(one.starts_with("call") && one.contains("steps!mid"), "{one}\n{}", run.dump());
    // The second tc enters mid and stops at its call to leaf.
    let (_, _, two) = stop_address(&run.section("two"), r"steps!mid\+0x[0-9a-f]+");
    assert!(two.starts_with("call") && two.contains("steps!leaf"), "{two}\n{}", run.dump());
}

fn stepping_leaves_the_program_intact(b: Backend) {
    let run = b.launch("steps", "bp steps!mid\nbp steps!leaf\ng\nt\np\npc\nt\nt\ngu\np\ng\n");
    run.out().assert_count(r"(?m)^Breakpoint \d hit$", 1);
    run.assert_matches(&exit_code_re(11));
}

fn t_off_a_breakpoint_keeps_the_breakpoint(b: Backend) {
    // Step off the breakpoint on tick, run on: the next tick call hits it again.
    let run = b.launch("hello", &format!("bp hello!tick\ng\nt\nt\ng\n{}\nr {}\nq\n", mark("second"), b.arg(0)));
    run.out().assert_count(r"(?m)^Breakpoint 0 hit$", 2);
    assert_eq!(run.count("Breakpoint 0 hit"), 2, "{}", run.dump());
    run.section("second").assert_matches(&format!(r"(?m)^{}=0000000000000001$", b.arg(0)));
}
