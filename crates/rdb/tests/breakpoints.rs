//! Breakpoints: `bp`, `bu`, `bm`, `bl`, `bc`, `bd`, `be` (ids, ranges, `*`), pass counts, command strings,
//! source-line breakpoints, `g <where>`, and the rule that patched bytes never show through memory reads.

use rdb_testkit::prelude::*;

fn bl_row(id: u32, state: &str, site: &str) -> String {
    let words = if state == "e" { "Disable Clear" } else { "Enable Clear" };
    // docs/console.md: ` 0 e Disable Clear  00005555`55555149     0001 (0001)  0:**** prog!main`; the flags column
    // may be padded for the `u` of a deferred breakpoint.
    format!(r"(?m)^ {id} {state} +{words} +({ADDR}) +0001 \(0001\) +0:\*\*\*\* {site}(?: hits=\d+)?$")
}

#[test]
fn bp_hits_with_the_arguments_in_registers() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], &format!("bp hello!add\ng\n{}\nr rdi\nr rsi\nq\n", mark("regs")));
    run.assert_matches(&bp_hit_re(0, "hello!add"));
    let regs = run.section("regs");
    regs.assert_matches(r"(?m)^rdi=0000000000000001$");
    regs.assert_matches(r"(?m)^rsi=0000000000000002$");
}

#[test]
fn bl_lists_a_breakpoint_at_its_address() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], &format!("bp hello!add\n{}\nbl\n{}\n? hello!add\nq\n", mark("bl"), mark("addr")));
    let bl = run.section("bl").assert_matches(&bl_row(0, "e", "hello!add"));
    assert_eq!(addr(&bl[1]), run.section("addr").evaluation(), "bl shows the breakpoint's address\n{}", run.dump());
}

#[test]
fn bp_prints_nothing_on_success() {
    let hello = debuggee("hello");
    let run =
        rdb(&[s(&hello)], &format!("{}\nbp hello!add\nbu hello!tick\nbd 0\nbe 0\nbc 1\n{}\nq\n", mark("a"), mark("b")));
    let quiet = run.section("a");
    assert!(quiet.text.trim().is_empty(), "bp/bu/bd/be/bc print nothing: {:?}\n{}", quiet.text, run.dump());
}

#[test]
fn bd_with_a_range_disables_and_bl_shows_it() {
    let hello = debuggee("hello");
    let run = rdb(
        &[s(&hello)],
        &format!("bp hello!tick\nbp hello!outer\nbp hello!add\nbd 0-1\n{}\nbl\n{}\ng\nq\n", mark("bl"), mark("go")),
    );
    let bl = run.section("bl");
    bl.assert_matches(&bl_row(0, "d", "hello!tick"));
    bl.assert_matches(&bl_row(1, "d", "hello!outer"));
    bl.assert_matches(&bl_row(2, "e", "hello!add"));
    // tick and outer run before add, but they are disabled.
    run.section("go").assert_matches(&bp_hit_re(2, "hello!add"));
    run.assert_not_contains("Breakpoint 0 hit");
    run.assert_not_contains("Breakpoint 1 hit");
}

#[test]
fn be_reenables() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], &format!("bp hello!tick\nbp hello!add\nbd *\nbe 0\n{}\nbl\ng\nq\n", mark("bl")));
    let bl = run.section("bl");
    bl.assert_matches(&bl_row(0, "e", "hello!tick"));
    bl.assert_matches(&bl_row(1, "d", "hello!add"));
    bl.assert_matches(&bp_hit_re(0, "hello!tick"));
}

#[test]
fn bc_clears_one_then_all() {
    let hello = debuggee("hello");
    let run = rdb(
        &[s(&hello)],
        &format!(
            "bp hello!tick\nbp hello!add\nbc 0\n{}\nbl\n{}\ng\n{}\nbc *\nbl\n{}\ng\n",
            mark("one"),
            mark("hit"),
            mark("none"),
            mark("run")
        ),
    );
    let one = run.section("one");
    one.assert_not_contains("hello!tick");
    one.assert_matches(&bl_row(1, "e", "hello!add"));
    run.section("hit").assert_matches(&bp_hit_re(1, "hello!add"));
    let none = run.section("none");
    assert!(none.text.trim().is_empty(), "bl after bc * lists nothing: {:?}\n{}", none.text, run.dump());
    let rest = run.section("run");
    rest.assert_matches(&exit_code_re(3));
    rest.assert_not_contains("Breakpoint");
}

#[test]
fn bp_with_a_pass_count_breaks_on_that_hit() {
    let hello = debuggee("hello");
    // tick(i) runs for i = 0..4: the third pass is tick(2).
    let run = rdb(&[s(&hello)], &format!("bp hello!tick 3\ng\n{}\nr rdi\nq\n", mark("rdi")));
    run.assert_matches(&bp_hit_re(0, "hello!tick"));
    assert_eq!(run.count("Breakpoint 0 hit"), 1, "{}", run.dump());
    run.section("rdi").assert_matches(r"(?m)^rdi=0000000000000002$");
}

#[test]
fn a_breakpoint_hits_again_after_continuing() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], &format!("bp hello!tick\ng\ng\ng\n{}\nr rdi\nbl\ng\ng\ng\n", mark("third")));
    let third = run.section("third");
    third.assert_matches(r"(?m)^rdi=0000000000000002$");
    third.assert_matches(r"(?m)^ 0 e +Disable Clear .*hello!tick hits=3$");
    // Five hits in all, then the program finishes normally.
    assert_eq!(run.count("Breakpoint 0 hit"), 5, "{}", run.dump());
    run.assert_matches(&exit_code_re(3));
    run.assert_contains("counter=10");
}

#[test]
fn bu_sets_a_breakpoint_like_bp() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], "bu hello!add\ng\nq\n");
    run.assert_matches(&bp_hit_re(0, "hello!add"));
}

#[test]
fn bm_sets_breakpoints_by_pattern() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], &format!("{}\nbm hello!ad*\n{}\ng\nq\n", mark("bm"), mark("go")));
    run.section("bm").assert_matches(&format!(r#"(?m)^  0: {ADDR} @!"hello!add"$"#));
    run.section("go").assert_matches(&bp_hit_re(0, "hello!add"));
}

#[test]
fn bp_on_a_source_line() {
    let hello = debuggee("hello");
    let line = line_of("hello.c", "tick-body");
    let run =
        rdb(&[s(&hello)], &format!("bp `hello.c:{line}`\ng\n{}\nr rdi\ng\n{}\nr rdi\nq\n", mark("one"), mark("two")));
    run.assert_matches(&bp_hit_re(0, r"hello!tick\+0x[0-9a-f]+"));
    run.section("one").assert_matches(r"(?m)^rdi=0000000000000000$");
    run.section("two").assert_matches(r"(?m)^rdi=0000000000000001$");
}

#[test]
fn bp_runs_its_command_string() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], "bp hello!add \".echo in-add; r rsi\"\ng\nq\n");
    let c = run.assert_matches(r"(?s)Breakpoint 0 hit\n.*\nin-add\n(rsi=\w+)");
    assert_eq!(c[1], "rsi=0000000000000002", "{}", run.dump());
}

#[test]
fn g_to_a_symbol_runs_there_without_a_breakpoint() {
    let hello = debuggee("hello");
    let run = rdb(
        &[s(&hello)],
        &format!(
            "{}\ng hello!main\n{}\ng hello!add\n{}\nbl\n{}\nq\n",
            mark("main"),
            mark("add"),
            mark("bl"),
            mark("end")
        ),
    );
    let main = run.section("main");
    main.assert_matches(&stop_re("hello!main"));
    main.assert_not_contains("Breakpoint");
    run.section("add").assert_matches(&stop_re("hello!add"));
    // The run-to breakpoint is temporary and not listed.
    assert!(run.section("bl").text.trim().is_empty(), "{}", run.dump());
}

#[test]
fn g_to_an_address_stops_at_breakpoints_on_the_way() {
    let hello = debuggee("hello");
    // The breakpoint on tick is on the way to add: it stops first.
    let run = rdb(&[s(&hello)], "bp hello!tick\ng hello!add\nq\n");
    run.assert_matches(&bp_hit_re(0, "hello!tick"));
}

#[test]
fn a_disabled_breakpoint_is_not_hit() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], "bp hello!add\nbd 0\ng\n");
    run.assert_not_contains("Breakpoint 0 hit");
    run.assert_matches(&exit_code_re(3));
}

#[test]
fn a_breakpoint_on_an_indirect_function_goes_on_the_implementation() {
    // glibc's strlen is an ifunc: its symbol is a resolver, run once by the loader. The breakpoint goes where the
    // loader's choice for this CPU is (as gdb does), and puts' call to strlen hits it.
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], &format!("bp libc!strlen\n{}\nbl\ng\n{}\nk 2\nq\n", mark("bl"), mark("hit")));
    let notice = run.assert_matches(concat!(
        r"(?m)^libc!strlen is an indirect function: ",
        r"the breakpoint goes on the implementation the loader chose, (libc!__strlen_\w+)$"
    ));
    let implementation = regex::escape(&notice[1]);
    run.section("bl").assert_matches(&format!(
        r"(?m)^ 0 e Disable Clear  {ADDR} +0001 \(0001\)  0:\*\*\*\* {implementation} hits=0$"
    ));
    run.section("hit").assert_frames_start_with(&[&notice[1], "libc!puts"]);
}

/// How many locations gdb sets for `break <name>` in `program` before it runs, when gdb is installed.
fn gdb_locations(program: &std::path::Path, name: &str) -> Option<usize> {
    let out = std::process::Command::new("gdb")
        .args(["-nx", "-batch", "-ex", &format!("break {name}")])
        .arg(program)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.starts_with("Breakpoint 1 at"))?;
    match line.rsplit_once(" (").and_then(|(_, n)| n.strip_suffix(" locations)")) {
        Some(n) => n.parse().ok(),
        None => Some(1),
    }
}

#[test]
fn bp_on_a_name_several_functions_answer_to_sets_each() {
    // twice(int) and twice(double): one breakpoint with a site in each, as gdb sets a location in each.
    let overloads = debuggee("overloads");
    let run = rdb(&[s(&overloads)], &format!("bp overloads!twice\n{}\nbl\ng\ng\ng\nq\n", mark("bl")));
    run.assert_contains("Breakpoint 0 resolved to 2 locations");
    let bl = run.section("bl");
    bl.assert_matches(r"(?m)^ 0 e Disable Clear  .*overloads!twice\(int\) hits=0$");
    bl.assert_matches(&format!(r"(?m)^   e {{15}}{ADDR} +overloads!twice\(double\)$"));
    run.assert_matches(&bp_hit_re(0, r"overloads!twice\(int\)"));
    run.assert_matches(&bp_hit_re(0, r"overloads!twice\(double\)"));
    run.assert_contains("4 5");
    if let Some(n) = gdb_locations(&overloads, "twice") {
        assert_eq!(n, 2, "gdb agrees");
    }
}

#[test]
fn bm_sets_every_function_of_a_matching_name() {
    // libc's debug symbols hold a dozen static functions named free_mem, one per source file: bm sets them all,
    // as one breakpoint, where it kept only one.
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], &format!("{}\nx libc!free_mem\n{}\nbm libc!free_mem\nq\n", mark("x"), mark("bm")));
    let x = run.section("x").all_matches(&format!(r"(?m)^({ADDR}) +libc!free_mem$"));
    let bm = run.section("bm").all_matches(&format!(r#"(?m)^  0: ({ADDR}) @!"libc!free_mem"$"#));
    assert!(x.len() > 1, "libc has several free_mem (with its debug symbols)\n{}", run.dump());
    let addresses = |rows: &[Vec<String>]| rows.iter().map(|r| addr(&r[1])).collect::<Vec<_>>();
    assert_eq!(addresses(&bm), addresses(&x), "{}", run.dump());
    run.section("bm").assert_contains(&format!("Breakpoint 0 resolved to {} locations", x.len()));
}
