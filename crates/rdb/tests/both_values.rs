//! Source-level values on both backends (DWARF in the ELF on Linux, in the PE of a mingw build on Windows): `dv`
//! at a line and in a caller's frame, parameters at a function's first instruction from their ABI registers,
//! `??`, `dt` and `dx`. The Linux-only details (gdb's answers, every shape) are in `values.rs`.

use rdb_testkit::prelude::*;

on_both_backends!(
    dv_in_the_frame_and_its_callers,
    parameters_at_entry_come_from_the_calling_conventions_registers,
    cxx_dt_and_dx_read_the_same_objects,
    cxx_conditions_on_variables_compile_into_the_debuggee,
    cxx_conditions_where_variables_have_no_fixed_place_are_the_engines,
    floating_point_values_come_from_the_vector_registers,
);

fn at_bottom(b: Backend, commands: &str) -> RdbRun {
    b.launch("vars", &format!("bp `vars.c:{}`\ng\n{commands}\nq\n", line_of("vars.c", "bottom")))
}

fn dv_in_the_frame_and_its_callers(b: Backend) {
    let run = at_bottom(b, &format!("{}\ndv\n{}\n.frame 1\ndv /t", mark("zero"), mark("one")));
    let zero = run.section("zero");
    zero.assert_matches(r"(?m)^ +depth = 0n0$");
    zero.assert_matches(r#"(?m)^ +buf = char \[16\] "deep"$"#);
    zero.assert_matches(r"(?m)^ +c = GREEN \(0n5\)$");
    zero.assert_matches(r"(?m)^ +ratio = 1\.5$");
    zero.assert_matches(r"(?m)^ +n = 0x2a$");
    let one = run.section("one");
    one.assert_matches(r"(?m)^int depth = 0n1$");
    one.assert_matches(r#"(?m)^char \[16\] buf = char \[16\] "feep"$"#);
}

fn parameters_at_entry_come_from_the_calling_conventions_registers(b: Backend) {
    let run = b.launch("vars", &format!("bp vars!walk\ng\n{}\ndv /v\nq\n", mark("entry")));
    let entry = run.section("entry");
    entry.assert_matches(&format!(r"(?m)^@{} +depth = 0n2$", b.arg(0)));
    entry.assert_matches(&format!(r#"(?m)^@{} +label = 0x{ADDR} "label"$"#, b.arg(2)));
}

fn cxx_dt_and_dx_read_the_same_objects(b: Backend) {
    let run = at_bottom(b, &format!("{}\n?? p->x + p->y * 2\n?? global_count\ndt flags f\ndx p", mark("values")));
    let values = run.section("values");
    values.assert_matches(r"(?m)^int 0n11$");
    values.assert_matches(r"(?m)^int 0n7$");
    values.assert_matches(r"(?m)^   \+0x000 level            : 0y101$");
    values.assert_matches(r"(?m)^    \[\+0x004\] y       : 4 \[Type: int\]$");
}

fn cxx_conditions_on_variables_compile_into_the_debuggee(b: Backend) {
    // conds calls tick(long i) 60,000 times: the condition names the parameter, and is compiled (`in-process`),
    // so the 59,999 false hits cost no stop.
    let program = b.path_arg(&b.debuggee("conds"));
    let run = b.rdb(
        &[&program, "60000"],
        &format!("bp /w \"i == 50000\" conds!tick\ng\n{}\nbl\ndv\nbc *\ng\nq\n", mark("hit")),
    );
    assert_eq!(run.count(r"(?m)^Breakpoint 0 hit$"), 1, "{}", run.dump());
    let hit = run.section("hit");
    hit.assert_matches(r#"(?m)conds!tick /w "i == 50000" \(in-process\) hits=1$"#);
    hit.assert_matches(r"(?m)^ +i = 0n50000$");
    // Members through a pointer, a global, a dereference, a character: all read inside the debuggee.
    let run = b.launch(
        "vars",
        &format!("bp /w \"depth == 1 && p->x > 2 && global_count == 7 && *label == 'l'\" vars!walk\ng\n{}\nbl\ndv depth\nq\n", mark("hit")),
    );
    let hit = run.section("hit");
    hit.assert_matches(r"(?m)\(in-process\) hits=1$");
    hit.assert_matches(r"(?m)^ +depth = 0n1$");
}

fn cxx_conditions_where_variables_have_no_fixed_place_are_the_engines(b: Backend) {
    // inner = depth * 2 + 3: 5 at depth 1, set by the @inner line, so read on the line after it. A condition
    // the engine decides (this site's instruction is too short for a jump) stops at the same place.
    let stdin = format!(
        "bp /w \"inner == 5\" `vars.c:{}`\ng\n{}\ndv depth\n? @@c++(p->y) * 2\n? @@c++(inner) + 1\nq\n",
        line_of("vars.c", "inner") + 1,
        mark("hit")
    );
    let run = b.launch("vars", &stdin);
    assert_eq!(run.count(r"(?m)^Breakpoint 0 hit$"), 1, "{}", run.dump());
    let hit = run.section("hit");
    hit.assert_matches(r"(?m)^ +depth = 0n1$");
    hit.assert_matches(r"(?m)^Evaluate expression: 8 = ");
    hit.assert_matches(r"(?m)^Evaluate expression: 6 = ");
}

fn floating_point_values_come_from_the_vector_registers(b: Backend) {
    // optvars at -O2: scale(double x, float f) gets x in xmm0 and f in xmm1 on both conventions.
    let stdin = format!(
        "bp optvars!scale\nbp `optvars.c:{}`\ng\n{}\ndv /v\ng\n{}\ndv\n?? x * 2 + f\nq\n",
        line_of("optvars.c", "scale"),
        mark("entry"),
        mark("line")
    );
    let run = b.launch("optvars", &stdin);
    let entry = run.section("entry");
    entry.assert_matches(r"(?m)^@xmm0 +x = 70$");
    entry.assert_matches(r"(?m)^@xmm1 +f = 1\.5$");
    let at = run.section("line");
    at.assert_matches(r"(?m)^ +y = 105$");
    at.assert_matches(r"(?m)^double 141\.5$");
}
