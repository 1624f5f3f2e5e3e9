//! Registers on both backends, with `hello`: `r` (the dump), `r <reg>`, `r <reg>=<value>`, registers in
//! expressions, and register writes the program sees; the wide registers (`xmm`, `ymm`, `st`, `mxcsr`), the flags
//! by name and the user's pseudo-registers `$t0`-`$t19`.

use rdb_testkit::prelude::*;

on_both_backends!(
    r_shows_the_dump_and_rip_is_the_breakpoint_address,
    r_sets_a_register_silently,
    a_register_write_reaches_the_program,
    rax_after_gu_is_the_return_value_and_rbp_is_above_rsp,
    vector_and_x87_registers_are_shown_and_written,
    flags_by_name_and_user_pseudo_registers,
);

fn r_shows_the_dump_and_rip_is_the_breakpoint_address(b: Backend) {
    let stdin = format!("bp hello!add\ng\n{}\nr\n{}\nr rip\n{}\n? hello!add\nq\n", mark("r"), mark("rip"), mark("add"));
    let run = b.launch("hello", &stdin);
    let r = run.section("r");
    r.assert_matches(&format!("^{}", regs_re()));
    let c = run.section("rip").assert_matches(r"(?m)^rip=([0-9a-f]{16})$");
    let add = run.section("add").evaluation();
    assert_eq!(addr(&c[1]), add, "{}", run.dump());
    r.assert_matches(&format!(r"(?m)^rip={add:016x} rsp="));
}

fn r_sets_a_register_silently(b: Backend) {
    let stdin = format!(
        "g hello!main\n{}\nr rax=1234\nr rbx=0n10\n{}\nr rax\n{}\n? @rax + @rbx\n{}\nr\nq\n",
        mark("set"),
        mark("rax"),
        mark("expr"),
        mark("dump")
    );
    let run = b.launch("hello", &stdin);
    assert!(run.section("set").text.trim().is_empty(), "r <reg>=<value> prints nothing\n{}", run.dump());
    run.section("rax").assert_matches(r"(?m)^rax=0000000000001234$");
    assert_eq!(run.section("expr").evaluation(), 0x1234 + 10, "{}", run.dump());
    run.section("dump").assert_matches(r"(?m)^rax=0000000000001234 rbx=000000000000000a ");
}

fn a_register_write_reaches_the_program(b: Backend) {
    // add(1, 2) becomes add(40, 2): main prints and returns 42.
    let run = b.launch("hello", &format!("bp hello!add\ng\nr {}=0n40\ng\n", b.arg(0)));
    run.assert_contains("add returned 42");
    run.assert_matches(&exit_code_re(0x2a));
}

fn rax_after_gu_is_the_return_value_and_rbp_is_above_rsp(b: Backend) {
    let stdin =
        format!("bp hello!middle\ng\n{}\n? @rsp\n? @rbp\nbp hello!add\ng\ngu\n{}\nr rax\nq\n", mark("sp"), mark("rax"));
    let run = b.launch("hello", &stdin);
    let v = run.section("sp").evaluations();
    assert_eq!(v.len(), 2, "{}", run.dump());
    // At the entry of middle, rbp is still outer's frame pointer: above rsp, in the same stack.
    assert!(v[0] < v[1] && v[1] - v[0] < 0x1000, "rsp {:#x} rbp {:#x}\n{}", v[0], v[1], run.dump());
    run.section("rax").assert_matches(r"(?m)^rax=0000000000000003$");
}

fn vector_and_x87_registers_are_shown_and_written(b: Backend) {
    // Written, then one instruction run (main's push rbp touches none of them): what is read back is the thread's.
    let stdin = format!(
        "g hello!main\nr xmm15=1 -2 0.5 1e10\nr st7=-1.25\nr mxcsr=1fc0\nt\n{}\nr xmm15\n{}\nr xmm15:uq, xmm15:ud\n{}\nr st7\n{}\nr mxcsr\n{}\nr ymm15\n{}\nr xmm16\nr xmm15=1 2\nr st0=many\nq\n",
        mark("xmm"),
        mark("lanes"),
        mark("st"),
        mark("mxcsr"),
        mark("ymm"),
        mark("bad")
    );
    let run = b.launch("hello", &stdin);
    run.section("xmm").assert_matches(r"(?m)^xmm15=1 -2 0\.5 1e\+010$");
    let lanes = run.section("lanes");
    lanes.assert_matches(r"(?m)^xmm15=3f800000c0000000 3f000000501502f9$");
    lanes.assert_matches(r"(?m)^xmm15=3f800000 c0000000 3f000000 501502f9$");
    run.section("st").assert_matches(r"(?m)^st7=-1\.250000000000000000e\+0000$");
    run.section("mxcsr").assert_matches(r"(?m)^mxcsr=00001fc0$");
    let ymm = run.section("ymm");
    match b {
        // The upper halves come from the XSAVE state (AVX): zeros here, as no instruction of hello's touched them.
        Backend::Linux => ymm.assert_matches(r"(?m)^ymm15=0 0 0 0 1 -2 0\.5 1e\+010$"),
        Backend::Windows => ymm.assert_matches(
            r"(?m)^\^ the upper halves of the ymm registers are not available on this target \(xmm15 is the lower half\) in 'r ymm15'$",
        ),
    };
    let bad = run.section("bad");
    bad.assert_matches(r"(?m)^\^ Bad register error at 'xmm16' in 'r xmm16'$");
    bad.assert_matches(
        r"(?m)^\^ Syntax error: give 4 values for the 4 lanes, the highest first \(as r shows them\) in 'r xmm15=1 2'$",
    );
    bad.assert_matches(r"(?m)^\^ Syntax error: 'many' is not a floating-point number in 'r st0=many'$");
}

fn flags_by_name_and_user_pseudo_registers(b: Backend) {
    // $t0 is read by the condition at each hit: set after the breakpoint, it still decides which call stops.
    let stdin = format!(
        "g hello!main\n{}\nr zf, if, iopl\nr zf=0\nr cf=1\n{}\nr zf, cf\n{}\n? @cf + @if\nbp /w \"@{arg} == @$t0\" hello!tick\nr $t0 = 3\n{}\nr $t0\n{}\ng\n{}\nr {arg}\n{}\nr $t20=1\nr $ip=1\nq\n",
        mark("flags"),
        mark("set"),
        mark("expr"),
        mark("t0"),
        mark("hit"),
        mark("rdi"),
        mark("bad"),
        arg = b.arg(0)
    );
    let run = b.launch("hello", &stdin);
    let flags = run.section("flags");
    flags.assert_matches(r"(?m)^zf=[01]\nif=1\niopl=0$");
    run.section("set").assert_matches(r"(?m)^zf=0\ncf=1$");
    assert_eq!(run.section("expr").evaluation(), 2, "{}", run.dump());
    run.section("t0").assert_matches(r"(?m)^\$t0=0000000000000003$");
    run.section("hit").assert_matches(r"(?m)^Breakpoint 0 hit$");
    run.section("rdi").assert_matches(&format!(r"(?m)^{}=0000000000000003$", b.arg(0)));
    let bad = run.section("bad");
    bad.assert_matches(r"(?m)^\^ Bad register error at '\$t20' in 'r \$t20=1'$");
    bad.assert_matches(r"(?m)^\^ \$ip is the debugger's and cannot be set; \$t0 to \$t19 are yours in 'r \$ip=1'$");
}
