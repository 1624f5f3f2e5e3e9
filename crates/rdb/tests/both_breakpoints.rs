//! Software breakpoints on both backends, with `hello` (main calls puts, tick(0..4), then outer -> middle ->
//! add(1, 2); exit code 3): `bp`, `bu`, `bm`, `bl`, `bc`, `bd`, `be` with ranges and `*`, pass counts, command
//! strings (`gc` included), source-line breakpoints, `g <where>`, and patched bytes never showing through reads.
//! Arguments are read from the registers of each backend's calling convention (`Backend::arg`). `gn` at rdb's own
//! breakpoints hands the program nothing: the int3 is rdb's, never the program's.

use rdb_testkit::prelude::*;

on_both_backends!(
    bp_hits_with_the_arguments_in_registers_and_bl_lists_it,
    bd_be_bc_with_ranges_and_star,
    a_pass_count_breaks_on_that_hit_and_then_on_every_hit,
    command_strings_run_at_each_hit_and_gc_goes_on,
    bm_by_pattern_and_bu_like_bp,
    bp_on_a_source_line,
    g_to_a_symbol_and_to_an_address_past_a_breakpoint,
    breakpoints_never_show_in_memory_reads,
    gn_at_a_breakpoint_runs_its_instruction_once_and_the_program_on,
    gn_at_the_initial_breakpoint_runs_the_program,
    bp_again_at_one_address_redefines_it_and_keeps_its_hits,
);

/// A `bl` row: ` 0 e Disable Clear  00005555`55555149     0001 (0001)  0:**** hello!add hits=1`; captures the address.
fn bl_row(id: u32, state: &str, site: &str) -> String {
    let words = if state == "e" { "Disable Clear" } else { "Enable Clear" };
    format!(r"(?m)^ {id} {state} +{words} +({ADDR}) +0001 \(0001\) +0:\*\*\*\* {site}(?: hits=\d+)?$")
}

/// `r <reg>` of argument `n` holding `value`.
fn arg_is(b: Backend, n: usize, value: u64) -> String {
    format!(r"(?m)^{}={value:016x}$", b.arg(n))
}

fn bp_hits_with_the_arguments_in_registers_and_bl_lists_it(b: Backend) {
    let stdin = format!(
        "bp hello!add\ng\n{}\nr {}\nr {}\n{}\nbl\n{}\n? hello!add\nq\n",
        mark("regs"),
        b.arg(0),
        b.arg(1),
        mark("bl"),
        mark("addr")
    );
    let run = b.launch("hello", &stdin);
    run.assert_matches(&bp_hit_re(0, "hello!add"));
    let regs = run.section("regs");
    regs.assert_matches(&arg_is(b, 0, 1));
    regs.assert_matches(&arg_is(b, 1, 2));
    let bl = run.section("bl");
    let row = bl.assert_matches(&bl_row(0, "e", "hello!add"));
    bl.assert_matches(r"(?m)hello!add hits=1$");
    assert_eq!(addr(&row[1]), run.section("addr").evaluation(), "bl shows the breakpoint's address\n{}", run.dump());
}

fn bd_be_bc_with_ranges_and_star(b: Backend) {
    let stdin = format!(
        "{}\nbp hello!tick\nbp hello!outer\nbp hello!add\nbd *\nbe 2\n{}\nbl\n{}\ng\n{}\nbc 0\nbl\n{}\nbc 1-2\nbl\n{}\ng\n",
        mark("quiet"),
        mark("bl"),
        mark("go"),
        mark("bc0"),
        mark("bcall"),
        mark("end")
    );
    let run = b.launch("hello", &stdin);
    let quiet = run.section("quiet");
    assert!(quiet.text.trim().is_empty(), "bp/bd/be print nothing: {:?}\n{}", quiet.text, run.dump());
    let bl = run.section("bl");
    bl.assert_matches(&bl_row(0, "d", "hello!tick"));
    bl.assert_matches(&bl_row(1, "d", "hello!outer"));
    bl.assert_matches(&bl_row(2, "e", "hello!add"));
    // tick and outer run before add, but they are disabled.
    run.section("go").assert_matches(&bp_hit_re(2, "hello!add"));
    let bc0 = run.section("bc0");
    bc0.assert_not_contains("hello!tick");
    bc0.assert_matches(&bl_row(1, "d", "hello!outer"));
    bc0.assert_count(r"(?m)^ \d ", 2);
    let none = run.section("bcall");
    assert!(none.text.trim().is_empty(), "bl after bc 1-2 lists nothing: {:?}\n{}", none.text, run.dump());
    let end = run.section("end");
    end.assert_matches(&exit_code_re(3));
    end.assert_not_contains("Breakpoint");
    run.out().assert_count(r"(?m)^Breakpoint \d+ hit$", 1);
}

fn a_pass_count_breaks_on_that_hit_and_then_on_every_hit(b: Backend) {
    // tick(i) runs for i = 0..4: the third pass is tick(2); then tick(3) and tick(4) stop too.
    let stdin = format!("bp hello!tick 3\ng\n{}\nr {}\ng\ng\n{}\nbl\ng\n", mark("third"), b.arg(0), mark("bl"));
    let run = b.launch("hello", &stdin);
    let third = run.section("third");
    third.assert_matches(&arg_is(b, 0, 2));
    run.out().assert_count(r"(?m)^Breakpoint 0 hit$", 3);
    run.section("bl").assert_matches(r"(?m)^ 0 e +Disable Clear .*hello!tick hits=5$");
    run.assert_contains("counter=10");
    run.assert_matches(&exit_code_re(3));
}

fn command_strings_run_at_each_hit_and_gc_goes_on(b: Backend) {
    let stdin = format!(
        "bp hello!tick \"r {}; gc\"\nbp hello!add \".echo in-add; r {}\"\ng\n{}\ng\n",
        b.arg(0),
        b.arg(1),
        mark("end")
    );
    let run = b.launch("hello", &stdin);
    // Each of the five ticks prints its argument and goes on by itself.
    let ticks: Vec<String> = run
        .out()
        .all_matches(&format!(r"(?m)^{}=([0-9a-f]{{16}})$", b.arg(0)))
        .into_iter()
        .map(|c| c[1].clone())
        .collect();
    let want: Vec<String> = (0..5u64).map(|i| format!("{i:016x}")).collect();
    assert_eq!(ticks, want, "tick's argument at each hit\n{}", run.dump());
    run.out().assert_count(r"(?m)^Breakpoint 0 hit$", 5);
    // The breakpoint on add stops: its commands run there, after the stop.
    let c = run.assert_matches(&format!(r"(?s)Breakpoint 1 hit\n.*\nin-add\n({}=\w+)", b.arg(1)));
    assert_eq!(c[1], format!("{}=0000000000000002", b.arg(1)), "{}", run.dump());
    let end = run.section("end");
    end.assert_matches(&exit_code_re(3));
    end.assert_not_contains("Breakpoint");
}

fn bm_by_pattern_and_bu_like_bp(b: Backend) {
    let stdin =
        format!("{}\nbm hello!ad*\nbu hello!tick\n{}\ng\n{}\nbc 1\ng\nq\n", mark("bm"), mark("tick"), mark("add"));
    let run = b.launch("hello", &stdin);
    let bm = run.section("bm");
    bm.assert_matches(&format!(r#"(?m)^  0: {ADDR} @!"hello!add"$"#));
    bm.assert_count(r"(?m)^  \d+: ", 1);
    run.section("tick").assert_matches(&bp_hit_re(1, "hello!tick"));
    run.section("add").assert_matches(&bp_hit_re(0, "hello!add"));
}

fn bp_on_a_source_line(b: Backend) {
    let line = line_of("hello.c", "tick-body");
    let stdin =
        format!("bp `hello.c:{line}`\ng\n{}\nr {}\ng\n{}\nr {}\nq\n", mark("one"), b.arg(0), mark("two"), b.arg(0));
    let run = b.launch("hello", &stdin);
    run.assert_matches(&bp_hit_re(0, r"hello!tick\+0x[0-9a-f]+"));
    // The line's code is past tick's prologue, which spilled the argument: its register still holds it.
    run.section("one").assert_matches(&arg_is(b, 0, 0));
    run.section("two").assert_matches(&arg_is(b, 0, 1));
}

fn g_to_a_symbol_and_to_an_address_past_a_breakpoint(b: Backend) {
    let stdin = format!(
        "{}\ng hello!main\n{}\nbp hello!tick\ng hello!add\n{}\nbl\n{}\nbc 0\ng hello!add\n{}\nq\n",
        mark("main"),
        mark("tick"),
        mark("bl"),
        mark("add"),
        mark("end")
    );
    let run = b.launch("hello", &stdin);
    let main = run.section("main");
    main.assert_matches(&stop_re("hello!main"));
    main.assert_not_contains("Breakpoint");
    // The breakpoint on tick is on the way to add: it stops first.
    run.section("tick").assert_matches(&bp_hit_re(0, "hello!tick"));
    // The run-to breakpoint is temporary and not listed.
    let bl = run.section("bl");
    bl.assert_count(r"(?m)^ \d ", 1);
    bl.assert_matches(&bl_row(0, "e", "hello!tick"));
    let add = run.section("add");
    add.assert_matches(&stop_re("hello!add"));
    add.assert_not_contains("Breakpoint");
}

fn breakpoints_never_show_in_memory_reads(b: Backend) {
    let stdin = format!(
        "{}\ndb hello!add L1\nbp hello!add\nbp hello!main\n{}\ndb hello!add L1\nu hello!add L1\n{}\ng\ndb hello!main L1\nbc *\ng\n",
        mark("before"),
        mark("set"),
        mark("hit")
    );
    let run = b.launch("hello", &stdin);
    run.section("before").assert_matches(&format!(r"(?m)^{ADDR}  55[ -]"));
    let set = run.section("set");
    set.assert_matches(&format!(r"(?m)^{ADDR}  55[ -]"));
    set.assert_contains("push    rbp");
    set.assert_not_contains("int     3");
    let hit = run.section("hit");
    hit.assert_matches(&format!(r"(?m)^{ADDR}  55[ -]"));
    // The stop's own disassembly line shows the original instruction too.
    hit.assert_matches(&format!(r"hello!main:\n{ADDR} 55 +push    rbp"));
    hit.assert_matches(&exit_code_re(3));
}

/// The value of `r rsp` in `section`.
fn rsp_in(run: &RdbRun, section: &str) -> u64 {
    addr(&run.section(section).assert_matches(r"(?m)^rsp=([0-9a-f]{16})\r?$")[1])
}

fn gn_at_a_breakpoint_runs_its_instruction_once_and_the_program_on(b: Backend) {
    // tick(0) and tick(1) are called from the same frame of main: the next hit has the same rsp and the next
    // argument. Had `gn` handed the int3 to the program, the first `push rbp` would have run twice (rsp 8 lower,
    // the same hit reported again) and the next run would die of the trap.
    let stdin = format!(
        "bp hello!tick\ng\n{}\nr rsp\n{}\ngn\n{}\nr rsp\nr {}\n{}\nbc *\ngn\n",
        mark("first"),
        mark("gn"),
        mark("second"),
        b.arg(0),
        mark("end")
    );
    let run = b.launch("hello", &stdin);
    run.section("gn").assert_matches(&bp_hit_re(0, "hello!tick"));
    assert_eq!(rsp_in(&run, "second"), rsp_in(&run, "first"), "the stack as at the first hit\n{}", run.dump());
    run.section("second").assert_matches(&arg_is(b, 0, 1));
    let end = run.section("end");
    end.assert_contains("counter=10");
    end.assert_matches(&exit_code_re(3));
    end.assert_not_contains("Breakpoint");
}

fn gn_at_the_initial_breakpoint_runs_the_program(b: Backend) {
    let run = b.launch("hello", &format!("{}\ngn\n", mark("gn")));
    let gn = run.section("gn");
    gn.assert_contains("add returned 3");
    gn.assert_matches(&exit_code_re(3));
    gn.assert_not_contains("exception");
}

/// WinDbg's `bp` where one of its breakpoints already is: `breakpoint 0 redefined`, still one breakpoint, under its
/// id, with the hits it had (the new one's pass count and commands).
fn bp_again_at_one_address_redefines_it_and_keeps_its_hits(b: Backend) {
    let stdin =
        format!("bp hello!tick\ng\ng\n{}\nbp hello!tick 3\n{}\nbl\n{}\n", mark("again"), mark("bl"), mark("end"));
    let run = b.launch("hello", &stdin);
    let again = run.section("again");
    assert_eq!(again.text.trim(), "breakpoint 0 redefined", "{}", run.dump());
    let bl = run.section("bl");
    bl.assert_count(r"(?m)^ *\d+ e ", 1);
    bl.assert_matches(r"(?m)^ 0 e Disable Clear .* 0003 \(0003\) .*hello!tick hits=2$");
}
