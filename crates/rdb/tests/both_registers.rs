//! Registers on both backends, with `hello`: `r` (the dump), `r <reg>`, `r <reg>=<value>`, registers in
//! expressions, and register writes the program sees.

use rdb_testkit::prelude::*;

on_both_backends!(
    r_shows_the_dump_and_rip_is_the_breakpoint_address,
    r_sets_a_register_silently,
    a_register_write_reaches_the_program,
    rax_after_gu_is_the_return_value_and_rbp_is_above_rsp,
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
