//! Symbols and code: `lm`, `x`, `ln`, `u`, `?` expressions with symbols and registers, and Rust demangling
//! (`rust_demo`).

use rdb_testkit::prelude::*;

fn canonical(p: &std::path::Path) -> String {
    std::fs::canonicalize(p).unwrap().to_string_lossy().into_owned()
}

fn x_row(symbol: &str) -> String {
    format!(r"(?m)^({ADDR}) +{}(?:\s|$)", regex::escape(symbol))
}

#[test]
fn lm_lists_the_program_libc_and_the_dynamic_linker() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], &format!("{}\nlm\nq\n", mark("lm")));
    let lm = run.section("lm");
    lm.assert_matches(r"(?m)^start +end +module name$");
    let c = lm.assert_matches(&format!(r"(?m)^({ADDR}) ({ADDR})   hello +{LM_STATE}(\S+)$"));
    assert!(addr(&c[1]) < addr(&c[2]), "{}", run.dump());
    assert!(c[3] == canonical(&hello) || c[3] == s(&hello), "lm shows the program's path: {}\n{}", c[3], run.dump());
    lm.assert_matches(&format!(r"(?m)^{ADDR} {ADDR}   libc +{LM_STATE}\S*/libc\.so\.6$"));
    lm.assert_matches(&format!(r"(?m)^{ADDR} {ADDR}   ld[-_]linux\S* +{LM_STATE}\S*/ld-linux-x86-64\.so\.2$"));
}

#[test]
fn x_finds_symbols_by_pattern() {
    let hello = debuggee("hello");
    let run = rdb(
        &[s(&hello)],
        &format!(
            "{}\nx hello!*dd*\n{}\nx libc!puts\n{}\n? hello!add\n? hello!middle\nq\n",
            mark("dd"),
            mark("puts"),
            mark("eval")
        ),
    );
    let dd = run.section("dd");
    let add = dd.assert_matches(&x_row("hello!add"));
    let middle = dd.assert_matches(&x_row("hello!middle"));
    dd.assert_not_contains("hello!main");
    run.section("puts").assert_matches(&x_row("libc!puts"));
    let eval = run.section("eval").evaluations();
    assert_eq!((addr(&add[1]), addr(&middle[1])), (eval[0], eval[1]), "{}", run.dump());
}

#[test]
fn ln_names_the_nearest_symbols() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], &format!("{}\nln hello!add\n{}\nln hello!add+3\nq\n", mark("exact"), mark("inside")));
    let exact = run.section("exact");
    exact.assert_matches(&format!(r"(?m)^\({ADDR}\) +hello!add(?:\s|$)"));
    exact.assert_contains("Exact matches:");
    let inside = run.section("inside");
    inside.assert_matches(&format!(r"(?m)^\({ADDR}\) +hello!add\+0x3(?:\s|$)"));
    inside.assert_not_contains("Exact matches:");
}

#[test]
fn u_disassembles_with_labels() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], &format!("{}\nu hello!main L4\n{}\nu\nq\n", mark("u"), mark("more")));
    let u = run.section("u");
    u.assert_matches(r"(?m)^hello!main:$");
    u.assert_matches(&format!(r"(?m)^{ADDR} 55 +push    rbp$"));
    let first = u.disassembly();
    assert_eq!(first.len(), 4, "u L4 shows four instructions\n{}", run.dump());
    // `u` with no address continues where the last one stopped.
    let more = run.section("more").disassembly();
    assert!(!more.is_empty(), "{}", run.dump());
    let (last, len, _) = first[3];
    assert_eq!(more[0].0, last + len, "u continues after the previous listing\n{}", run.dump());
    run.section("more").assert_not_contains("hello!main:");
}

#[test]
fn u_shows_call_targets_by_name() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], &format!("{}\nu hello!middle L10\nq\n", mark("u")));
    run.section("u").assert_matches(r"call +hello!add");
}

#[test]
fn evaluate_numbers() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], &format!("{}\n? 0n10\n? 10\n? 0x10 + 2*3\nq\n", mark("eval")));
    let eval = run.section("eval");
    eval.assert_matches(r"(?m)^Evaluate expression: 10 = 00000000`0000000a$");
    eval.assert_matches(r"(?m)^Evaluate expression: 16 = 00000000`00000010$");
    eval.assert_matches(r"(?m)^Evaluate expression: 22 = 00000000`00000016$");
}

#[test]
fn evaluate_symbols_and_registers() {
    let hello = debuggee("hello");
    let run = rdb(
        &[s(&hello)],
        &format!(
            "g hello!main\n{}\nx hello!add\nx hello!main\n{}\n? hello!main - hello!add\n{}\n? @rip - hello!main\n{}\n? @rip\nq\n",
            mark("x"),
            mark("diff"),
            mark("zero"),
            mark("rip")
        ),
    );
    let x = run.section("x");
    let add = addr(&x.assert_matches(&x_row("hello!add"))[1]);
    let main = addr(&x.assert_matches(&x_row("hello!main"))[1]);
    assert_eq!(run.section("diff").evaluation(), main - add, "{}", run.dump());
    run.section("zero").assert_matches(r"(?m)^Evaluate expression: 0 = 00000000`00000000$");
    assert_eq!(run.section("rip").evaluation(), main, "{}", run.dump());
}

#[test]
fn rust_symbols_are_demangled() {
    let demo = debuggee("rust_demo");
    let run =
        rdb(&[s(&demo)], &format!("{}\nx rust_demo!*add*\n{}\nx rust_demo!*area*\nq\n", mark("add"), mark("area")));
    let add = run.section("add");
    add.assert_matches(&x_row("rust_demo!rust_demo::add"));
    add.assert_not_matches(r"_ZN|17h[0-9a-f]{16}E|::h[0-9a-f]{16}");
    run.section("area").assert_matches(&x_row("rust_demo!rust_demo::shapes::area"));
}

#[test]
fn rust_breakpoint_by_demangled_name() {
    let demo = debuggee("rust_demo");
    let run = rdb(&[s(&demo)], &format!("bp rust_demo!rust_demo::add\ng\n{}\nr rdi\nr rsi\nk\nq\n", mark("k")));
    run.assert_matches(&bp_hit_re(0, "rust_demo!rust_demo::add"));
    let k = run.section("k");
    k.assert_matches(r"(?m)^rdi=0000000000000002$");
    k.assert_matches(r"(?m)^rsi=0000000000000003$");
    let frames = k.assert_frames_start_with(&["rust_demo!rust_demo::add", "rust_demo!rust_demo::main"]);
    assert!(
        frames[0].file.as_deref().is_some_and(|f| f.ends_with("rust_demo.rs")),
        "Rust frames have source lines: {frames:?}\n{}",
        run.dump()
    );
}

#[test]
fn rust_program_runs_to_its_end() {
    let demo = debuggee("rust_demo");
    let run = rdb(&[s(&demo)], "bp rust_demo!rust_demo::shapes::area\ng\ngu\ng\n");
    run.assert_matches(&bp_hit_re(0, "rust_demo!rust_demo::shapes::area"));
    run.assert_contains("sum=5 area=12");
    run.assert_matches(&exit_code_re(0));
}
