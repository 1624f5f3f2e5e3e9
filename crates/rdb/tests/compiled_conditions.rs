//! Conditions evaluated inside the debuggee (`bp /w` whose condition reads only registers and memory): the
//! breakpoint is a jump to code rdb writes, so a false hit costs no stop and `bl` says `(in-process)`. What is
//! checked is that nothing else changes: a true hit stops with the program's own registers, flags and red zone;
//! a read that faults and a division by zero are reported as the engine reports them; stepping from the site,
//! clearing the breakpoint and detaching leave the program running right.

use rdb_testkit::prelude::*;

on_both_backends!(
    a_false_condition_costs_no_stop_and_a_true_one_stops_with_the_right_registers,
    registers_flags_and_the_red_zone_survive_the_condition,
    a_read_that_faults_stops_with_the_engines_note,
    a_division_by_zero_is_the_engines_to_report,
    stepping_from_the_site_and_clearing_run_the_program_right,
);

/// conds' tick(i) for i = 0 .. n-1: counter = n and total = n(n-1)/2 at the end.
fn conds_end(n: u64) -> String {
    format!("total={} counter={n}", n * (n - 1) / 2)
}

fn a_false_condition_costs_no_stop_and_a_true_one_stops_with_the_right_registers(b: Backend) {
    // 60,000 calls (conds sums in a `long`, 32 bits on Windows): at a stop per call a minute under Wine; here, moments.
    let program = b.path_arg(&b.debuggee("conds"));
    let stdin = format!(
        "bp /w \"@{arg} == 0n50000\" conds!tick\ng\n{}\nr {arg}\nbl\nk 2\n{}\nbc *\ng\nq\n",
        mark("hit"),
        mark("end"),
        arg = b.arg(0)
    );
    let run = b.rdb(&[&program, "60000"], &stdin);
    run.assert_matches(&bp_hit_re(0, "conds!tick"));
    assert_eq!(run.count(r"(?m)^Breakpoint 0 hit$"), 1, "{}", run.dump());
    let hit = run.section("hit");
    hit.assert_matches(&format!(r"(?m)^{}={:016x}$", b.arg(0), 50_000));
    hit.assert_matches(r#"(?m)conds!tick /w "@\w+ == 0n50000" \(in-process\) hits=1$"#);
    let frames = hit.frames();
    assert!(frames.first().is_some_and(|f| f.is("conds!tick")), "{}", run.dump());
    assert!(frames.get(1).is_some_and(|f| f.is("conds!main")), "{}", run.dump());
    run.section("end").assert_contains(&conds_end(60_000)).assert_matches(&exit_code_re(0));
}

fn registers_flags_and_the_red_zone_survive_the_condition(b: Backend) {
    // flag_site is a 5-byte `mov eax` between a `cmp` and the `jae` that reads its flags.
    let never = b.launch("flagsite", "bp /w \"@rcx == 0n100 || poi(@rsp-8) == 0\" flagsite!flag_site\ng\nq\n");
    never.assert_contains("result=100").assert_matches(&exit_code_re(0));
    assert_eq!(never.count(r"(?m)^Breakpoint 0 hit$"), 0, "{}", never.dump());

    let stdin = format!(
        "bp /w \"@rcx == 7 && @r11 == 7 && @rdx == 3\" flagsite!flag_site\ng\n{}\nr rcx\nr rdx\nr r11\nr efl\n\
         ? poi(@rsp-8)\nbl\n{}\ng\nq\n",
        mark("hit"),
        mark("end")
    );
    let run = b.launch("flagsite", &stdin);
    let hit = run.section("hit");
    hit.assert_matches(r"(?m)^rcx=0000000000000007$");
    hit.assert_matches(r"(?m)^rdx=0000000000000003$");
    hit.assert_matches(r"(?m)^r11=0000000000000007$");
    // cmp 7,5: no carry, not zero (IF and the reserved bit 1 set).
    hit.assert_matches(r"(?m)^efl=00000202$");
    hit.assert_matches(r"(?m)^Evaluate expression: 85 = 00000000`00000055$");
    hit.assert_contains("(in-process) hits=1");
    run.section("end").assert_contains("result=100").assert_matches(&exit_code_re(0));
}

fn a_read_that_faults_stops_with_the_engines_note(b: Backend) {
    // tick(0): poi(0) cannot be read. The fault happens in the debuggee, and is no fault of the program's.
    let stdin = format!(
        "bp /w \"poi(@{arg}) == 1\" conds!tick\ng\n{}\nr {arg}\nbc *\n{}\ng\nq\n",
        mark("hit"),
        mark("end"),
        arg = b.arg(0)
    );
    let run = b.launch("conds", &stdin);
    run.assert_matches(r"(?m)^Error in testing condition for breakpoint 0: Memory access error at 00000000`00000000$");
    run.assert_matches(&bp_hit_re(0, "conds!tick"));
    run.section("hit").assert_matches(&format!(r"(?m)^{}=0000000000000000$", b.arg(0)));
    let end = run.section("end");
    end.assert_contains(&conds_end(10)).assert_matches(&exit_code_re(0));
    end.assert_not_contains("Access violation");
}

fn a_division_by_zero_is_the_engines_to_report(b: Backend) {
    let stdin = format!("bp /w \"(0n10 / @{arg}) == 0\" conds!tick\ng\n{}\ng\nq\n", mark("end"), arg = b.arg(0));
    let run = b.launch("conds", &stdin);
    run.assert_matches(r"(?m)^Error in testing condition for breakpoint 0: Divide by zero$");
    // i = 0 divides by zero (a stop with the note); 10 / i is 0 for i = 11.. only, which never comes.
    assert_eq!(run.count(r"(?m)^Breakpoint 0 hit$"), 1, "{}", run.dump());
    run.section("end").assert_contains(&conds_end(10)).assert_matches(&exit_code_re(0));
}

fn stepping_from_the_site_and_clearing_run_the_program_right(b: Backend) {
    let stdin = format!(
        "bp /w \"@{arg} == 3 || @{arg} == 6\" conds!tick\ng\nt\nt\np\n{}\ng\n{}\nr {arg}\nbc 0\n{}\ng\nq\n",
        mark("stepped"),
        mark("second"),
        mark("end"),
        arg = b.arg(0)
    );
    let run = b.launch("conds", &stdin);
    assert_eq!(run.count(r"(?m)^Breakpoint 0 hit$"), 2, "{}", run.dump());
    run.section("second").assert_matches(&format!(r"(?m)^{}=0000000000000006$", b.arg(0)));
    run.section("end").assert_contains(&conds_end(10)).assert_matches(&exit_code_re(0));
}

#[test]
fn timer_signals_arriving_in_the_condition_reach_the_programs_handler() {
    // A SIGALRM every millisecond while 5,000,000 calls run through a compiled condition that reads memory: signals
    // land in the trampoline, are delivered there (sigalrm is `sxi`), and the handler returns into it.
    let handlers = debuggee("handlers");
    let run = rdb(
        &[s(&handlers), "timer", "1000", "5000000"],
        "bp /w \"dwo(handlers!iterations) == 0xffffffff\" handlers!loop_body\ng\nq\n",
    );
    let ticks = run.assert_matches(r"(?m)^iterations=5000000 ticks=(\d+)$");
    assert!(ticks[1].parse::<u64>().is_ok_and(|t| t > 0), "the timer fired meanwhile\n{}", run.dump());
    run.assert_matches(&exit_code_re(0));
    assert_eq!(run.count(r"(?m)^Breakpoint 0 hit$"), 0, "{}", run.dump());
    run.assert_not_matches(r"(?m)^\^ ");
}
