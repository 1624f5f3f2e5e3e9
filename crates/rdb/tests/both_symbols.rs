//! Symbols and code on both backends, with `hello` (ELF symbols and DWARF on Linux, the PE's COFF symbols and
//! mingw's DWARF on Windows): `lm`, `x`, `ln`, `u`, `uf`, `ub`, and `?` with symbols and registers.

use rdb_testkit::prelude::*;

on_both_backends!(
    lm_lists_the_program_and_the_c_runtime,
    x_finds_symbols_by_pattern_at_their_addresses,
    ln_names_the_nearest_symbol,
    u_disassembles_with_labels_and_continues,
    uf_shows_the_whole_function_and_ub_the_call_before_a_return_address,
    evaluate_symbols_and_registers,
    lm_v_m_and_lmvm_filter_and_detail_the_modules,
);

fn x_row(symbol: &str) -> String {
    format!(r"(?m)^({ADDR}) +{}(?:\s|$)", regex::escape(symbol))
}

fn lm_lists_the_program_and_the_c_runtime(b: Backend) {
    let run = b.launch("hello", &format!("{}\nlm\nq\n", mark("lm")));
    let lm = run.section("lm");
    lm.assert_matches(r"(?m)^start +end +module name$");
    let exe = lm.assert_matches(&format!(r"(?m)^({ADDR}) ({ADDR})   hello +{LM_STATE}{}$", b.image_re("hello")));
    assert!(addr(&exe[1]) < addr(&exe[2]), "{}", run.dump());
    lm.assert_matches(&format!(r"(?m)^{ADDR} {ADDR}   {} +{LM_STATE}{}$", b.crt(), b.crt_image_re()));
    lm.assert_count(r"(?m)^\S+ \S+   hello ", 1);
}

fn x_finds_symbols_by_pattern_at_their_addresses(b: Backend) {
    let stdin = format!(
        "{}\nx hello!*dd*\n{}\nx {}!puts\n{}\n? hello!add\n? hello!middle\nq\n",
        mark("dd"),
        mark("puts"),
        b.crt(),
        mark("eval")
    );
    let run = b.launch("hello", &stdin);
    let dd = run.section("dd");
    let add = dd.assert_matches(&x_row("hello!add"));
    let middle = dd.assert_matches(&x_row("hello!middle"));
    dd.assert_not_contains("hello!main");
    run.section("puts").assert_matches(&x_row(&format!("{}!puts", b.crt())));
    let eval = run.section("eval").evaluations();
    assert_eq!((addr(&add[1]), addr(&middle[1])), (eval[0], eval[1]), "{}", run.dump());
}

fn ln_names_the_nearest_symbol(b: Backend) {
    let run = b.launch("hello", &format!("{}\nln hello!add\n{}\nln hello!add+3\nq\n", mark("exact"), mark("inside")));
    let exact = run.section("exact");
    exact.assert_matches(&format!(r"(?m)^\({ADDR}\) +hello!add(?:\s|$)"));
    exact.assert_contains("Exact matches:");
    let inside = run.section("inside");
    inside.assert_matches(&format!(r"(?m)^\({ADDR}\) +hello!add\+0x3(?:\s|$)"));
    inside.assert_not_contains("Exact matches:");
}

fn u_disassembles_with_labels_and_continues(b: Backend) {
    let stdin =
        format!("{}\nu hello!main L4\n{}\nu\n{}\nu hello!middle L10\nq\n", mark("u"), mark("more"), mark("call"));
    let run = b.launch("hello", &stdin);
    let u = run.section("u");
    u.assert_matches(r"(?m)^hello!main:$");
    u.assert_matches(&format!(r"(?m)^{ADDR} 55 +push    rbp$"));
    let first = u.disassembly();
    assert_eq!(first.len(), 4, "u L4 shows four instructions\n{}", run.dump());
    // `u` with no address continues where the last one stopped.
    let more = run.section("more");
    let next = more.disassembly();
    let (last, len, _) = first[3];
    assert_eq!(next.first().map(|r| r.0), Some(last + len), "u continues after the previous listing\n{}", run.dump());
    more.assert_not_contains("hello!main:");
    // Call targets are named.
    run.section("call").assert_matches(r"call +hello!add");
}

fn uf_shows_the_whole_function_and_ub_the_call_before_a_return_address(b: Backend) {
    let stdin = format!(
        "{}\nuf hello!add\n{}\n? hello!add\n? hello!middle\nbp hello!add\ng\n{}\nub poi(@rsp) L1\nq\n",
        mark("uf"),
        mark("syms"),
        mark("ub")
    );
    let run = b.launch("hello", &stdin);
    let uf = run.section("uf");
    uf.assert_matches(r"(?m)^hello!add:$");
    let rows = uf.disassembly();
    let syms = run.section("syms").evaluations();
    assert_eq!(rows.first().map(|r| r.0), Some(syms[0]), "uf starts at the function\n{}", run.dump());
    assert!(rows.last().is_some_and(|r| r.2 == "ret"), "uf ends with the function's ret\n{}", run.dump());
    assert_eq!(uf.count(r"(?m) ret$"), 1, "{}", run.dump());
    let (end, len, _) = rows[rows.len() - 1];
    assert!(end + len <= syms[1], "uf stays inside add\n{}", run.dump());
    let ub = run.section("ub");
    let call = ub.disassembly();
    assert_eq!(call.len(), 1, "{}", run.dump());
    assert!(call[0].2.starts_with("call") && call[0].2.contains("hello!add"), "{:?}\n{}", call[0], run.dump());
}

fn evaluate_symbols_and_registers(b: Backend) {
    let stdin = format!(
        "g hello!main\n{}\nx hello!add\nx hello!main\n{}\n? hello!main - hello!add\n{}\n? @rip - hello!main\n{}\n? @rip\n{}\n? 0x10 + 2*3\n? 0n10\n? 10\nq\n",
        mark("x"),
        mark("diff"),
        mark("zero"),
        mark("rip"),
        mark("numbers")
    );
    let run = b.launch("hello", &stdin);
    let x = run.section("x");
    let add = addr(&x.assert_matches(&x_row("hello!add"))[1]);
    let main = addr(&x.assert_matches(&x_row("hello!main"))[1]);
    assert_eq!(run.section("diff").evaluation(), main - add, "{}", run.dump());
    run.section("zero").assert_matches(r"(?m)^Evaluate expression: 0 = 00000000`00000000$");
    assert_eq!(run.section("rip").evaluation(), main, "{}", run.dump());
    let numbers = run.section("numbers");
    numbers.assert_matches(r"(?m)^Evaluate expression: 22 = 00000000`00000016$");
    numbers.assert_matches(r"(?m)^Evaluate expression: 10 = 00000000`0000000a$");
    // Numbers are hex by default.
    numbers.assert_matches(r"(?m)^Evaluate expression: 16 = 00000000`00000010$");
}

/// `lm m <pattern>` lists the modules whose name (or file name) matches, `lmvm <module>` one module with its image
/// path, name, time stamp (a PE's; ELF records none), size and symbol file; `lm 1m` the names alone.
fn lm_v_m_and_lmvm_filter_and_detail_the_modules(b: Backend) {
    let stdin = format!(
        "x hello!main\n{}\nlmvm hello\n{}\nlm m {}*\n{}\nlm 1m\n{}\nlm m nosuch*\n{}\nlm q\n{}\nq\n",
        mark("lmvm"),
        mark("m"),
        b.crt(),
        mark("1m"),
        mark("none"),
        mark("bad"),
        mark("end")
    );
    let run = b.launch("hello", &stdin);
    let lmvm = run.section("lmvm");
    let row = lmvm.assert_matches(&format!(r"(?m)^({ADDR}) ({ADDR})   hello +{LM_STATE}{}$", b.image_re("hello")));
    lmvm.assert_count(&format!(r"(?m)^{ADDR} "), 1);
    lmvm.assert_matches(&format!(r"(?m)^    Image path: {}$", b.image_re("hello")));
    lmvm.assert_matches(r"(?m)^    Image name: (?i:hello(?:\.exe)?)$");
    lmvm.assert_matches(&format!(r"(?m)^    Timestamp:        {}$", b.image_timestamp_re()));
    let size = lmvm.assert_matches(r"(?m)^    ImageSize:        ([0-9A-F]{8})$");
    let size = u64::from_str_radix(&size[1], 16).unwrap();
    assert_eq!(addr(&row[2]) - addr(&row[1]), size, "the size is the row's extent\n{}", run.dump());
    lmvm.assert_matches(&format!(r"(?m)^    Symbol file:      {}$", b.image_re("hello")));
    let m = run.section("m");
    m.assert_matches(&format!(r"(?m)^{ADDR} {ADDR}   {} ", b.crt()));
    m.assert_count(&format!(r"(?m)^{ADDR} "), 1);
    let names = run.section("1m");
    names.assert_matches(r"(?m)^hello$");
    names.assert_matches(&format!(r"(?m)^{}$", b.crt()));
    names.assert_not_contains("start");
    assert_eq!(run.section("none").text.trim(), "start             end                 module name", "{}", run.dump());
    run.section("bad").assert_matches(r"(?m)^\^ Syntax error at 'q': lm takes .* in 'lm q'$");
}
