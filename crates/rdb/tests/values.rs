//! Source-level values: `dv` (`/t`, `/v`, `/i`, a pattern) and `.frame` on `vars` (C, `-g -O0`), with the values
//! cross-checked against gdb's `info args` / `info locals` where gdb is installed; parameters at a function's
//! first instruction; and the one-line errors.

use std::collections::HashMap;
use std::process::Command;

use rdb_testkit::prelude::*;

fn bottom() -> u32 {
    line_of("vars.c", "bottom")
}

/// `name = value` of each line of a `dv` listing.
fn dv_values(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once(" = "))
        .map(|(name, value)| (name.split_whitespace().last().unwrap_or("").to_string(), value.trim().to_string()))
        .collect()
}

#[test]
fn dv_lists_parameters_then_locals_with_windbg_values() {
    let vars = debuggee("vars");
    let run = rdb(
        &[s(&vars)],
        &format!(
            "bp `vars.c:{}`\ng\n{}\ndv\n{}\ndv /t\n{}\ndv /v\n{}\ndv /i b*\nq\n",
            bottom(),
            mark("dv"),
            mark("t"),
            mark("v"),
            mark("i")
        ),
    );
    let dv = run.section("dv");
    let names: Vec<&str> = dv.text.lines().filter_map(|l| l.split_once(" = ")).map(|(n, _)| n.trim()).collect();
    // Parameters first, in declaration order; then the function's locals; the nested block's `inner` is out of
    // scope at the return.
    assert_eq!(names, ["depth", "p", "label", "doubled", "buf", "c", "f", "ratio", "n"], "{}", run.dump());
    dv.assert_matches(r"(?m)^ +depth = 0n0$");
    dv.assert_matches(&format!(r#"(?m)^ +p = 0x{ADDR}$"#));
    dv.assert_matches(&format!(r#"(?m)^ +label = 0x{ADDR} "label"$"#));
    dv.assert_matches(r#"(?m)^ +buf = char \[16\] "deep"$"#);
    dv.assert_matches(r"(?m)^ +c = GREEN \(0n5\)$");
    dv.assert_matches(r"(?m)^ +f = struct flags$");
    dv.assert_matches(r"(?m)^ +ratio = 1\.5$");
    dv.assert_matches(r"(?m)^ +n = 0x2a$");
    dv.assert_not_contains("inner");

    let t = run.section("t");
    t.assert_matches(r"(?m)^int depth = 0n0$");
    t.assert_matches(&format!(r"(?m)^struct point \* p = 0x{ADDR}$"));
    t.assert_matches(&format!(r#"(?m)^const char \* label = 0x{ADDR} "label"$"#));
    t.assert_matches(r"(?m)^enum color c = GREEN \(0n5\)$");
    t.assert_matches(r"(?m)^counter_t n = 0x2a$");

    // -O0: every variable lives in the frame, at an address on the stack.
    let v = run.section("v");
    let rows = v.all_matches(&format!(r"(?m)^({ADDR}) +(\w+) = "));
    assert_eq!(rows.len(), 9, "{}", run.dump());

    let i = run.section("i");
    i.assert_matches(r#"(?m)^prv local +buf = char \[16\] "deep"$"#);
    i.assert_not_contains("depth");
}

#[test]
fn frame_selects_a_callers_variables() {
    let vars = debuggee("vars");
    let run = rdb(
        &[s(&vars)],
        &format!(
            "bp `vars.c:{}`\ng\n{}\n.frame 1\ndv\n{}\n.frame\n{}\n.frame 3\ndv /t\n{}\ng\nq\n",
            bottom(),
            mark("one"),
            mark("again"),
            mark("main"),
            mark("after")
        ),
    );
    let one = run.section("one");
    one.assert_matches(&format!(
        r"(?m)^01 {ADDR} {ADDR} +vars!walk\+0x[0-9a-f]+ \[.*vars\.c @ {}\]$",
        line_of("vars.c", "recurse")
    ));
    one.assert_matches(r"(?m)^ +depth = 0n1$");
    one.assert_matches(r"(?m)^ +doubled = 0n2$");
    // The caller's own buffer: its nested block wrote 'a' + 5 into it.
    one.assert_matches(r#"(?m)^ +buf = char \[16\] "feep"$"#);
    run.section("again").assert_matches(r"(?m)^01 ");
    let main = run.section("main");
    main.assert_matches(r"(?m)^03 .*vars!main\+");
    main.assert_matches(r"(?m)^struct point pt = struct point$");
    main.assert_matches(r"(?m)^char letter = 0n113 'q'$");
    // Base types are named as the compiler's DWARF names them (gcc: `short unsigned int`).
    main.assert_matches(r"(?m)^(short unsigned int|unsigned short) small = 0xffff$");
    main.assert_matches(r"(?m)^long long( int)? big = 0n-1234567890123$");
    main.assert_matches(r"(?m)^float half = 0\.5$");
    // A new stop starts again at frame 0 (the process has exited: nothing to show, and no stale frame).
    run.assert_contains("Exit process");
}

#[test]
fn parameters_at_the_first_instruction_are_their_true_values() {
    // At `bp vars!walk` the prologue has not stored the parameters yet; gcc's DWARF names their stack homes, which
    // hold garbage there. rdb reads them from the registers the caller passed them in.
    let vars = debuggee("vars");
    let run =
        rdb(&[s(&vars)], &format!("bp vars!walk\ng\n{}\ndv /v\n{}\ng\ndv depth\nq\n", mark("first"), mark("second")));
    let first = run.section("first");
    first.assert_matches(r"(?m)^@rdi +depth = 0n2$");
    first.assert_matches(&format!(r"(?m)^@rsi +p = 0x{ADDR}$"));
    first.assert_matches(&format!(r#"(?m)^@rdx +label = 0x{ADDR} "label"$"#));
    run.section("second").assert_matches(r"(?m)^ +depth = 0n1$");
}

#[test]
fn bad_frames_options_and_places_are_one_line_each() {
    let vars = debuggee("vars");
    let run = rdb(
        &[s(&vars)],
        &format!(
            "{}\ndv\n{}\nbp `vars.c:{}`\ng\n.frame 0x40\ndv /q\ndv a b\n{}\ndv\nq\n",
            mark("initial"),
            mark("bad"),
            bottom(),
            mark("still")
        ),
    );
    // The first stop is in the dynamic linker, which has no debug information.
    run.section("initial").assert_matches(r"(?m)^\^ no debug information for \S+: no variables there in 'dv'$");
    let bad = run.section("bad");
    bad.assert_matches(r"(?m)^\^ frame 0x40 does not exist: the stack has \d+ frames in '\.frame 0x40'$");
    bad.assert_matches(r"(?m)^\^ dv: unknown option '/q' in 'dv /q'$");
    bad.assert_matches(r"(?m)^\^ dv: one pattern only, not 'b' in 'dv a b'$");
    run.section("still").assert_matches(r"(?m)^ +depth = 0n0$");
}

/// gdb's `info args` and `info locals` at the same place, as `name = value`.
fn gdb_values(program: &str, line: u32, frame: u32) -> Option<HashMap<String, String>> {
    let out = Command::new("gdb")
        .args(["-batch", "-nx", "-ex", &format!("break vars.c:{line}"), "-ex", "run", "-ex", &format!("frame {frame}")])
        .args(["-ex", "info args", "-ex", "info locals", program])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    Some(
        text.lines()
            .filter(|l| !l.starts_with(' ') && !l.starts_with('#'))
            .filter_map(|l| l.split_once(" = "))
            .filter(|(n, _)| !n.contains(char::is_whitespace))
            .map(|(n, v)| (n.to_string(), v.trim().to_string()))
            .collect(),
    )
}

/// A value as both debuggers can be compared on: numbers in decimal, an enumerator by name, a string by its text,
/// a pointer by its address; `None` for what has no common shape (a struct).
fn comparable_rdb(value: &str) -> Option<String> {
    let string = |v: &str| v.find('"').map(|i| v[i..].split('"').nth(1).unwrap_or("").to_string());
    if let Some(n) = value.strip_prefix("0n") {
        return Some(n.split_whitespace().next()?.to_string());
    }
    if let Some(p) = value.strip_prefix("0x") {
        let hex: String = p.split_whitespace().next()?.replace('`', "");
        let number = u64::from_str_radix(&hex, 16).ok()?;
        return Some(match string(value) {
            Some(text) => format!("{number:#x} {text}"),
            None if p.contains('`') => format!("{number:#x}"),
            None => number.to_string(),
        });
    }
    if value.starts_with("struct ") {
        return None;
    }
    if value.starts_with("char [") {
        return string(value);
    }
    Some(value.split(" (0n").next()?.to_string())
}

fn comparable_gdb(value: &str) -> Option<String> {
    if value.starts_with('{') {
        return None;
    }
    // `(struct point *) 0x7ffe...` and `0x5555... "label"`.
    let value = if value.starts_with('(') { value.split_once(") ")?.1 } else { value };
    if value.starts_with('"') {
        return Some(value.split('"').nth(1)?.replace("\\000", ""));
    }
    if let Some(p) = value.strip_prefix("0x") {
        let (hex, rest) = p.split_once(' ').unwrap_or((p, ""));
        let number = u64::from_str_radix(hex, 16).ok()?;
        return Some(match rest.split('"').nth(1) {
            Some(text) => format!("{number:#x} {text}"),
            None => format!("{number:#x}"),
        });
    }
    // A char: `113 'q'`.
    Some(value.split_whitespace().next()?.to_string())
}

#[test]
fn values_agree_with_gdb() {
    if Command::new("gdb").arg("--version").output().is_err() {
        eprintln!("gdb is not installed: the comparison is skipped");
        return;
    }
    let vars = debuggee("vars");
    let line = bottom();
    for frame in [0u32, 1, 2, 3] {
        let Some(gdb) = gdb_values(s(&vars), line, frame) else { panic!("gdb did not run") };
        let run = rdb(&[s(&vars)], &format!("bp `vars.c:{line}`\ng\n.frame {frame}\n{}\ndv\nq\n", mark("dv")));
        let ours = dv_values(run.section("dv").text);
        let mut compared = 0;
        for (name, value) in &ours {
            let (Some(mine), Some(theirs)) = (comparable_rdb(value), gdb.get(name).and_then(|v| comparable_gdb(v)))
            else {
                continue;
            };
            // Pointers into the stack differ between two runs of the program (the environment's size moves the
            // stack); pointers into the program and every other value must agree.
            if mine.starts_with("0x7ff") && theirs.starts_with("0x7ff") {
                compared += 1;
                continue;
            }
            assert_eq!(mine, theirs, "frame {frame}: {name}: rdb {value:?}, gdb {:?}\n{}", gdb[name], run.dump());
            compared += 1;
        }
        assert!(compared >= 5, "frame {frame}: only {compared} values compared: rdb {ours:?}, gdb {gdb:?}");
        assert_eq!(ours.len(), gdb.len(), "frame {frame}: the same variables: rdb {ours:?}, gdb {gdb:?}");
    }
}
