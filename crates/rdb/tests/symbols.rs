//! Symbols on Linux: `lm` with the dynamic linker, and Rust demangling (`rust_demo`). `x`, `ln`, `u`, `uf`, `ub` and
//! `?` with symbols and registers are checked on both backends in `both_symbols.rs`.

use rdb_testkit::prelude::*;

fn canonical(p: &std::path::Path) -> String {
    std::fs::canonicalize(p).unwrap().to_string_lossy().into_owned()
}

fn x_row(symbol: &str) -> String {
    format!(r"(?m)^({ADDR}) +{}(?:\s|$)", regex::escape(symbol))
}

/// libstdc++'s file name holds `+`: every spelling docs/console.md promises names it, for `bp` and for a `bu`
/// that resolves as the library loads (after `.restart`), and `x` and `?` read it as `bp` does.
#[test]
fn a_module_whose_file_name_holds_plus_signs_answers_to_every_spelling() {
    let throws = debuggee("throws");
    for spelling in ["libstdc++.so.6", "libstdc++", "libstdc__", "LIBSTDC++"] {
        for command in ["bp", "bu"] {
            let stdin = format!(
                "{command} {spelling}!__cxa_throw\n{}\nbl\ng\n{}\n? {spelling}!__cxa_throw+1\nq\n",
                mark("bl"),
                mark("eval")
            );
            let run = rdb(&[s(&throws)], &stdin);
            run.section("bl").assert_matches(r"(?m)^ 0 e .*libstdc__!__cxa_throw hits=0$");
            run.assert_matches(&bp_hit_re(0, "libstdc__!__cxa_throw"));
            run.section("eval").assert_matches(r"(?m)^Evaluate expression: \d+ = ");
        }
    }
    let run = rdb(&[s(&throws)], "bu libstdc++!__cxa_throw\n.restart\ng\nbc *\ng\n");
    run.assert_matches(&bp_hit_re(0, "libstdc__!__cxa_throw"));
    run.assert_contains("caught 3");
    run.assert_matches(&exit_code_re(0));
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

#[test]
fn a_function_breakpoint_goes_on_the_entry_not_the_cold_fragment() {
    // At -O2 Worker::run's throw is split into `Worker::run(int) [clone .cold]`, at a lower address than the
    // function: the short name is the entry's.
    let cold = debuggee("cold");
    let run = rdb(&[s(&cold)], &format!("bp cold!Worker::run\n{}\nbl\ng\ng\nq\n", mark("bl")));
    run.section("bl").assert_not_contains("clone");
    run.assert_matches(&bp_hit_re(0, r"cold!Worker::run\(int\)"));
    run.assert_contains("sum 3");
}

#[test]
fn rust_legacy_names_with_angle_brackets_are_fully_demangled() {
    // `_ZN54_$LT$rust_demo..Square$u20$as$u20$rust_demo..Shape$GT$5sides17h…E`: the dots of its path once made it
    // pass for C++, half demangled as `_$LT$rust_demo..Square...`.
    let demo = debuggee("rust_demo");
    let name = "rust_demo!<rust_demo::Square as rust_demo::Shape>::sides";
    let run =
        rdb(&[s(&demo)], &format!("{}\nx rust_demo!*sides*\nbp @!\"{name}\"\ng\n{}\nk\nq\n", mark("x"), mark("k")));
    let x = run.section("x");
    x.assert_matches(&x_row(name));
    x.assert_not_contains("$LT$");
    run.assert_matches(&bp_hit_re(0, &regex::escape(name)));
    // (The kit's row parser takes a call site for one word: this one has blanks.)
    let k = run.section("k");
    k.assert_matches(&format!(r"(?m)^{ADDR} {ADDR} +{}(?:\+0x[0-9a-f]+)? \[", regex::escape(name)));
    assert!(k.frames()[0].is("rust_demo!rust_demo::main"), "{}", run.dump());
}

#[test]
fn a_constructor_template_keeps_its_first_parameter() {
    // cpp_demangle 0.5 reads `_ZN4PairC1IRidEEOT_OT0_` as `Pair::Pair<int&, double>(double&&)`
    // (gimli-rs/cpp_demangle#129); gdb and c++filt as `(int&, double&&)`.
    let overloads = debuggee("overloads");
    let name = "overloads!Pair::Pair<int&, double>(int&, double&&)";
    let run = rdb(&[s(&overloads)], &format!("{}\nx overloads!Pair::Pair*\nbp @!\"{name}\"\ng\nq\n", mark("x")));
    let x = run.section("x");
    x.assert_matches(&x_row(name));
    x.assert_not_contains("(double&&)");
    run.assert_matches(&bp_hit_re(0, &regex::escape(name)));
}

/// `.sympath`: a program whose DWARF was moved to a separate file (objcopy --only-keep-debug, then strip -g) has no
/// source lines until the symbol path names the folder of that file; then `` bp `watch.c:12` `` resolves and hits.
#[test]
fn sympath_finds_a_separate_debug_file() {
    let dir = scratch_dir("sympath");
    let program = dir.join("watch");
    let syms = dir.join("syms");
    std::fs::create_dir_all(&syms).expect("a folder for the debug file");
    std::fs::copy(debuggee("watch"), &program).expect("copy watch");
    let debug = syms.join("watch.debug");
    let run = |tool: &str, args: &[&str]| {
        let status = std::process::Command::new(tool).args(args).status().expect(tool);
        assert!(status.success(), "{tool} {args:?}");
    };
    run("objcopy", &["--only-keep-debug", s(&program), s(&debug)]);
    run("strip", &["-g", s(&program)]);
    // bump's `counter = counter + 1;`
    let line = 12;
    let stdin = format!("bp `watch.c:{line}`\n.sympath {}\nbp `watch.c:{line}`\ng\nq\n", s(&syms));
    let run = rdb(&[s(&program)], &stdin);
    run.assert_contains("no source file 'watch.c'");
    run.assert_contains(&format!("Symbol search path is: {}", s(&syms)));
    run.assert_matches(&bp_hit_re(0, r"watch!bump\+0x4"));
}
