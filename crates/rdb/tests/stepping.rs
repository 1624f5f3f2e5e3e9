//! Stepping with the `steps` debuggee (main -> mid(5) -> leaf(5) = 10; exit code 11), on Linux: `t` off a
//! breakpoint, `pc` from main, `t <n>` and `p <n>` from a breakpoint, an empty line repeating `t <n>`, `gc` carrying
//! on a source-mode step a breakpoint interrupted, and the stepped thread's CPU mask. Source mode itself is in
//! `source.rs`. The scenarios both backends share (`t` into a call, `gu`, `tc`, stepping off breakpoints) are in
//! `both_stepping.rs`.

use rdb_testkit::prelude::*;

/// The address of the instruction of a stop's location line (the disassembly line after it).
fn stop_address(section: &Section, location: &str) -> (u64, u64, String) {
    let c = section.assert_matches(&format!(r"(?m)^{location}:\n({ADDR}) ([0-9a-f]+) +(\S.*)$"));
    (addr(&c[1]), (c[2].len() / 2) as u64, c[3].clone())
}

#[test]
fn t_steps_one_instruction() {
    let steps = debuggee("steps");
    let run = rdb(
        &[s(&steps)],
        &format!("bp steps!leaf\ng\n{}\nu steps!leaf L1\n{}\nt\n{}\n? @rip\nq\n", mark("u"), mark("t"), mark("rip")),
    );
    let first = run.section("u").disassembly();
    assert_eq!(first.len(), 1, "{}", run.dump());
    run.section("t").assert_matches(&stop_re(r"steps!leaf\+0x[0-9a-f]+"));
    assert_eq!(run.section("rip").evaluation(), first[0].0 + first[0].1, "t moves one instruction\n{}", run.dump());
}

#[test]
fn pc_stops_at_the_next_call() {
    let steps = debuggee("steps");
    let run = rdb(&[s(&steps)], &format!("g steps!main\n{}\npc\nq\n", mark("pc")));
    let pc = run.section("pc");
    pc.assert_matches(&stop_re(r"steps!main\+0x[0-9a-f]+"));
    let (_, _, text) = stop_address(&pc, r"steps!main\+0x[0-9a-f]+");
    assert!(
        text.starts_with("call") && text.contains("steps!mid"),
        "pc stops at `call steps!mid`: {text}\n{}",
        run.dump()
    );
}

#[test]
fn t_with_a_count_steps_that_many_times() {
    let steps = debuggee("steps");
    let run = rdb(&[s(&steps)], &format!("bp steps!leaf\ng\n{}\nt 3\n{}\nq\n", mark("t3"), mark("end")));
    let t3 = run.section("t3");
    t3.assert_count(r"(?m)^rip=", 3);
    t3.assert_count(r"(?m)^steps!leaf\+0x[0-9a-f]+:$", 3);
}

#[test]
fn p_with_a_count_steps_over_calls() {
    let steps = debuggee("steps");
    // From the start of mid, the 7th instruction is the call to leaf: `p 8` steps over it and stays in mid.
    let run = rdb(&[s(&steps)], &format!("bp steps!mid\ng\n{}\np 8\nq\n", mark("p8")));
    let p8 = run.section("p8");
    p8.assert_count(r"(?m)^rip=", 8);
    p8.assert_not_matches(r"(?m)^steps!leaf");
}

#[test]
fn a_stepped_thread_gets_its_own_cpu_mask_back() {
    // rdb runs a stepped thread on its own CPU (the steps are 2-3x faster there); the program must not see it.
    let cpus = debuggee("cpus");
    let run = rdb(&[s(&cpus)], &format!("g cpus!main\nt 0n20\np\np\n{}\ng\nq\n", mark("run")));
    let counts: Vec<String> = run.stdout.lines().filter(|l| l.starts_with("cpus=")).map(str::to_string).collect();
    assert_eq!(counts.len(), 2, "{}", run.dump());
    assert_eq!(counts[0], counts[1], "the mask printed after the steps is the one before\n{}", run.dump());
    let own = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert_eq!(counts[1], format!("cpus={own}"), "the debuggee's own mask, as rdb's\n{}", run.dump());
}

#[test]
fn gu_out_of_a_frame_a_longjmp_abandons_stops_where_it_lands() {
    // jumper(1) longjmps back to main's setjmp; later jumper(0) returns to the same return address in work at the
    // same depth. The gu from the first must end where the longjmp lands, not in the later call.
    let noreturn = debuggee("noreturn");
    let run =
        rdb(&[s(&noreturn)], &format!("bp noreturn!jumper\ng\nbc *\n{}\ngu\nk\n{}\ng\nq\n", mark("gu"), mark("g")));
    let gu = run.section("gu");
    gu.assert_matches(&stop_re(r"noreturn!main\+0x[0-9a-f]+"));
    gu.assert_not_contains("done");
    let frames = gu.frames();
    assert!(frames[0].is("noreturn!main"), "{frames:?}\n{}", run.dump());
    assert_eq!(frames[0].line, Some(line_of("noreturn.c", "setjmp")), "{}", run.dump());
    run.section("g").assert_contains("done 1");
}

#[test]
fn gu_out_of_a_frame_a_longjmp_lands_in_still_returns() {
    // throws() longjmps back into catches(): a gu from catches runs through the jump to catches' return to main.
    let noreturn = debuggee("noreturn");
    let run = rdb(&[s(&noreturn), "catch"], &format!("bp noreturn!catches\ng\n{}\ngu\nk\nq\n", mark("gu")));
    let gu = run.section("gu");
    gu.assert_matches(&stop_re(r"noreturn!main\+0x[0-9a-f]+"));
    let frames = gu.frames();
    assert_eq!(frames[0].line, Some(line_of("noreturn.c", "catches_call")), "{}", run.dump());
    gu.assert_not_contains("caught");
}

#[test]
fn p_over_a_call_that_longjmps_back_stops_where_it_lands() {
    // In catches: `pc` to its call to setjmp, `p` over it, `pc` to its call to throws, which longjmps back to the
    // setjmp: the `p` ends there (as gdb's `next` does where glibc tells it where a longjmp lands), not at the end.
    let noreturn = debuggee("noreturn");
    let run = rdb(&[s(&noreturn), "catch"], &format!("bp noreturn!catches\ng\npc\np\npc\n{}\np\nk\nq\n", mark("p")));
    let p = run.section("p");
    p.assert_matches(&stop_re(r"noreturn!catches\+0x[0-9a-f]+"));
    p.assert_not_contains("caught");
    assert_eq!(p.frames()[0].line, Some(line_of("noreturn.c", "inner_setjmp")), "{}", run.dump());
}

#[test]
fn an_empty_line_repeats_the_last_t_with_its_count() {
    let steps = debuggee("steps");
    let run = rdb(&[s(&steps)], &format!("bp steps!leaf\ng\n{}\nt 2\n\nr rip\nq\n", mark("t")));
    let t = run.section("t");
    t.assert_count(r"(?m)^steps!leaf\+0x[0-9a-f]+:$", 4);
}

#[test]
fn gc_after_a_breakpoint_met_by_a_source_step_finishes_the_step() {
    // `p` in source mode over `int r = mid(5);` meets a breakpoint in leaf; gc carries on with the line step, to
    // the next line of main (`return r;`, the line after the call's).
    let steps = debuggee("steps");
    let call = line_of("steps.c", "main-call");
    let run = rdb(
        &[s(&steps)],
        &format!("l+t\nbp `steps.c:{call}`\ng\nbp steps!leaf\n{}\np\n{}\ngc\nq\n", mark("p"), mark("gc")),
    );
    run.section("p").assert_matches(r"(?m)^Breakpoint 1 hit$");
    run.section("gc").assert_matches(&format!(r"(?m)^steps!main\+0x[0-9a-f]+ \[\S+steps\.c @ {}\]:$", call + 1));
}
