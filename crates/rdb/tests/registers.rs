//! Registers: `r` (the dump), `r <reg>`, `r <reg>=<value>`, registers in expressions, and writes the program sees.

use rdb_testkit::prelude::*;

#[test]
fn r_prints_the_register_dump() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], &format!("bp hello!add\ng\n{}\nr\nq\n", mark("r")));
    run.section("r").assert_matches(&regs_re());
}

#[test]
fn r_rip_is_the_breakpoint_address() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], &format!("bp hello!add\ng\n{}\nr rip\n{}\n? hello!add\nq\n", mark("rip"), mark("add")));
    let c = run.section("rip").assert_matches(r"(?m)^rip=([0-9a-f]{16})$");
    assert_eq!(addr(&c[1]), run.section("add").evaluation(), "{}", run.dump());
}

#[test]
fn r_sets_a_register() {
    let hello = debuggee("hello");
    let run = rdb(
        &[s(&hello)],
        &format!(
            "g hello!main\nr rax=1234\n{}\nr rax\n{}\n? @rax\n{}\nr\nq\n",
            mark("rax"),
            mark("expr"),
            mark("dump")
        ),
    );
    run.section("rax").assert_matches(r"(?m)^rax=0000000000001234$");
    assert_eq!(run.section("expr").evaluation(), 0x1234, "{}", run.dump());
    run.section("dump").assert_matches(r"(?m)^rax=0000000000001234 rbx=");
}

#[test]
fn r_set_prints_nothing() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], &format!("g hello!main\n{}\nr rbx=5\n{}\nq\n", mark("set"), mark("end")));
    assert!(run.section("set").text.trim().is_empty(), "{}", run.dump());
}

#[test]
fn register_writes_reach_the_program() {
    let hello = debuggee("hello");
    // add(1, 2) becomes add(40, 2): main prints and returns 42.
    let run = rdb(&[s(&hello)], "bp hello!add\ng\nr rdi=0n40\ng\n");
    run.assert_contains("add returned 42");
    run.assert_matches(&exit_code_re(0x2a));
}

#[test]
fn registers_after_gu_hold_the_return_value() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], &format!("bp hello!add\ng\ngu\n{}\nr rax\nq\n", mark("rax")));
    run.section("rax").assert_matches(r"(?m)^rax=0000000000000003$");
}

#[test]
fn rsp_and_rbp_point_into_the_stack() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], &format!("bp hello!middle\ng\n{}\n? @rsp\n? @rbp\nq\n", mark("sp")));
    let v = run.section("sp").evaluations();
    assert_eq!(v.len(), 2, "{}", run.dump());
    // At the entry of middle, rbp is outer's frame pointer: above rsp.
    assert!(v[0] < v[1] && v[1] - v[0] < 0x1000, "rsp {:#x} rbp {:#x}\n{}", v[0], v[1], run.dump());
    assert!(v[0] > 0x7f00_0000_0000, "rsp is a stack address\n{}", run.dump());
}
