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
    gdb_values_at(program, &format!("vars.c:{line}"), 0, frame)
}

/// gdb's `info args` and `info locals` in frame `frame` at the `hit`th stop (from 0) at `at`.
fn gdb_values_at(program: &str, at: &str, hit: usize, frame: u32) -> Option<HashMap<String, String>> {
    let mut gdb = Command::new("gdb");
    gdb.args(["-batch", "-nx", "-ex", &format!("break {at}"), "-ex", "run"]);
    for _ in 0..hit {
        gdb.args(["-ex", "continue"]);
    }
    let out = gdb
        .args(["-ex", &format!("frame {frame}"), "-ex", "info args", "-ex", "info locals", program])
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
    // A character array gdb writes with escapes or repeats (uninitialised bytes) has no common shape.
    if value.contains("<repeats") || (value.starts_with('"') && value.split('"').nth(1)?.contains('\\')) {
        return None;
    }
    if value.starts_with('"') {
        return Some(value.split('"').nth(1)?.to_string());
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

#[test]
fn cxx_expressions_dt_and_dx() {
    let vars = debuggee("vars");
    let run = rdb(
        &[s(&vars)],
        &format!(
            "bp `vars.c:{}`\ng\n{}\n?? p->x + p->y * 2\n?? *p\n?? buf\n?? &buf[1]\n?? f.level\n?? vars!global_count\n?? sizeof(struct flags)\n?? (counter_t)depth - 1\n?? depth == 0 && p->y > 3\n{}\ndt point\ndt vars!flags\ndt flags f\ndt -r point p\n{}\ndx p\ndx -r0 f\ndx label\n{}\n?? nosuch\n?? p->z\n?? 1/0\n?? (\n?? p.x\ndt nosuch\ndt point 0\ndx\n?? (struct nosuch *)p\n?? *(int *)0\nq\n",
            bottom(),
            mark("cxx"),
            mark("dt"),
            mark("dx"),
            mark("bad")
        ),
    );
    let cxx = run.section("cxx");
    cxx.assert_matches(r"(?m)^int 0n11$");
    cxx.assert_matches(r"(?m)^struct point\n   \+0x000 x                : 0n3\n   \+0x004 y                : 0n4$");
    cxx.assert_matches(&format!(r#"(?m)^char \[16\] 0x{ADDR}  "deep"$"#));
    cxx.assert_matches(&format!(r#"(?m)^char \* 0x{ADDR} "eep"$"#));
    cxx.assert_matches(r"(?m)^unsigned int 0x5$");
    cxx.assert_matches(r"(?m)^int 0n7$");
    cxx.assert_matches(r"(?m)^unsigned long 0x8$");
    cxx.assert_matches(r"(?m)^unsigned long 0xffffffffffffffff$");
    cxx.assert_matches(r"(?m)^bool true$");

    let dt = run.section("dt");
    dt.assert_matches(r"(?m)^vars!point\n   \+0x000 x                : Int4B\n   \+0x004 y                : Int4B$");
    dt.assert_matches(r"(?m)^   \+0x000 ready            : Pos 0, 1 Bit\n   \+0x000 level            : Pos 1, 3 Bits\n   \+0x004 rest             : Int4B$");
    dt.assert_matches(r"(?m)^   \+0x000 ready            : 0y1\n   \+0x000 level            : 0y101\n   \+0x004 rest             : 0n-3$");

    let dx = run.section("dx");
    dx.assert_matches(r"(?m)^p                : 0x7ff[0-9a-f]+ \[Type: point \*\]\n    \[\+0x000\] x       : 3 \[Type: int\]\n    \[\+0x004\] y       : 4 \[Type: int\]$");
    dx.assert_matches(r"(?m)^f                \[Type: flags\]$");
    dx.assert_not_contains("ready");
    dx.assert_matches(r#"(?m)^label            : 0x[0-9a-f]+ : "label" \[Type: const char \*\]$"#);

    let bad = run.section("bad");
    for line in [
        r"\^ no variable named 'nosuch' in this scope in '\?\? nosuch'",
        r"\^ 'struct point' has no member 'z' in '\?\? p->z'",
        r"\^ division by zero in '\?\? 1/0'",
        r"\^ the expression ends too soon in '\?\? \('",
        r"\^ 'struct point \*' is a pointer: use '->' for its member 'x' in '\?\? p.x'",
        r"\^ no type or variable named 'nosuch' \(.*\) in 'dt nosuch'",
        r"\^ dx needs a C\+\+ expression in 'dx'",
        r"\^ no type named 'struct nosuch' in '\?\? \(struct nosuch \*\)p'",
        r"int <Memory access error>",
    ] {
        bad.assert_matches(&format!("(?m)^{line}$"));
    }
    // An object at an unreadable address: each member says so, and the listing goes on.
    bad.assert_matches(r"(?m)^   \+0x000 x                : <Memory access error>\n   \+0x004 y                : <Memory access error>$");
}

/// gdb's `print` of each expression, as numbers.
fn gdb_prints(program: &str, line: u32, exprs: &[&str]) -> Option<Vec<String>> {
    let mut cmd = Command::new("gdb");
    cmd.args(["-batch", "-nx", "-ex", &format!("break vars.c:{line}"), "-ex", "run"]);
    for e in exprs {
        cmd.args(["-ex", &format!("print {e}")]);
    }
    let out = cmd.arg(program).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    Some(
        text.lines()
            .filter(|l| l.starts_with('$'))
            .map(|l| l.split_once(" = ").map(|x| x.1.to_string()).unwrap_or_default())
            .collect(),
    )
}

#[test]
fn cxx_values_agree_with_gdb() {
    if Command::new("gdb").arg("--version").output().is_err() {
        eprintln!("gdb is not installed: the comparison is skipped");
        return;
    }
    let exprs = [
        "depth",
        "p->x + p->y * 2",
        "buf[1]",
        "f.level",
        "f.rest * -2",
        "ratio * 2",
        "global_count",
        "file_ratio",
        "sizeof(struct flags)",
        "(char)p->x + 'a'",
        "depth == 0 && p->y > 3",
        "(counter_t)depth - 1",
        "c",
        "label",
        "n / 4 % 3",
        "-7 / 2",
        "(unsigned)-1 >> 28",
        "p->y << 3 | 1",
        "ratio > 1 ? 10 : 20",
    ];
    let vars = debuggee("vars");
    let line = bottom();
    let gdb = gdb_prints(s(&vars), line, &exprs).expect("gdb runs");
    assert_eq!(gdb.len(), exprs.len(), "gdb printed {gdb:?}");
    let stdin: String =
        exprs.iter().enumerate().map(|(i, e)| format!("{}\n?? {e}\n", mark(&format!("e{i}")))).collect();
    let run = rdb(&[s(&vars)], &format!("bp `vars.c:{line}`\ng\n{stdin}q\n"));
    for (i, e) in exprs.iter().enumerate() {
        let ours = run.section(&format!("e{i}")).text.lines().next().unwrap_or("").trim().to_string();
        // `int 0n11` → 11, `unsigned long 0x8` → 8, `bool true` → true, `enum color GREEN (0n5)` → GREEN,
        // `const char * 0x... "label"` → 0x... "label", `char 0n100 'd'` → 100 'd'.
        let value = ours
            .rsplit_once(" 0n")
            .map(|(_, v)| v.to_string())
            .or_else(|| {
                ours.split_once(" 0x").map(|(_, v)| {
                    let (hex, rest) = v.split_once(' ').unwrap_or((v, ""));
                    let n = u64::from_str_radix(&hex.replace('`', ""), 16).unwrap_or(0);
                    if rest.is_empty() { n.to_string() } else { format!("{n:#x} {rest}") }
                })
            })
            .unwrap_or_else(|| ours.rsplit(' ').next().unwrap_or("").to_string());
        let value = value.split(" (0n").next().unwrap_or("").to_string();
        let enum_name = ours.split_whitespace().nth(2).unwrap_or("").to_string();
        // C gives a comparison the int 1 or 0, C++ (WinDbg's evaluator) the bool true or false.
        let theirs = match gdb[i].as_str() {
            "1" if value == "true" => "true".to_string(),
            "0" if value == "false" => "false".to_string(),
            t => t.to_string(),
        };
        let agree = value == theirs
            || enum_name == theirs
            || theirs.ends_with(&value)
            || value.parse::<f64>().ok().zip(theirs.parse::<f64>().ok()).is_some_and(|(a, b)| a == b);
        assert!(agree, "{e}: rdb {ours:?}, gdb {theirs:?}\n{}", run.dump());
    }
}

#[test]
fn optimised_values_in_callers_agree_with_gdb() {
    // At -O2 mix keeps a, b, n and sum in registers a call does not preserve, across calls to consume, which gcc
    // knows leaves them be (-fipa-ra); i and t are computed from others (DW_OP_stack_value). rdb shows them where
    // it can prove consume did not touch those registers, and agrees with gdb on every value both show.
    if Command::new("gdb").arg("--version").output().is_err() {
        eprintln!("gdb is not installed: the comparison is skipped");
        return;
    }
    let program = debuggee("optvars");
    for hit in 0..3usize {
        let gdb = gdb_values_at(s(&program), "consume", hit, 1).expect("gdb runs");
        let stdin = format!("bp optvars!consume\n{}.frame 1\n{}\ndv\nq\n", "g\n".repeat(hit + 1), mark("dv"));
        let run = rdb(&[s(&program)], &stdin);
        let ours = dv_values(run.section("dv").text);
        for name in ["a", "b", "n", "sum", "i", "t"] {
            let mine = ours.get(name).unwrap_or_else(|| panic!("hit {hit}: rdb shows no {name}\n{}", run.dump()));
            let theirs = gdb.get(name).unwrap_or_else(|| panic!("hit {hit}: gdb shows no {name}: {gdb:?}"));
            assert_eq!(comparable_rdb(mine).as_deref(), Some(theirs.as_str()), "hit {hit}: {name}\n{}", run.dump());
        }
    }
}

#[test]
fn a_register_the_callee_may_change_is_not_shown_as_the_callers() {
    // main's r (= 70) seen from inside printf, whose code calls on: a register a call does not preserve is not
    // believed there, so r shows its true value (from memory or a preserved register) or is gone, never a stale
    // number from a register printf reused.
    let program = debuggee("optvars");
    let run = rdb(&[s(&program)], &format!("bp libc!printf\ng\n.frame 1\n{}\ndv\nq\n", mark("main")));
    let main = run.section("main");
    let r = main.assert_matches(r"(?m)^ +r = (.*)$");
    assert!(r[1] == "0n70" || r[1] == "<value optimized out>", "r is its value or gone: {}\n{}", r[1], run.dump());
}

#[test]
fn cxx_classes_references_namespaces_and_this() {
    let program = debuggee("cxxvars");
    let run = rdb(
        &[s(&program)],
        &format!(
            "bp `cxxvars.cc:{}`\ng\n{}\ndv /t\n?? width * height\n?? id\ndx this\n{}\n.frame 1\ndv /t\n?? shape.height + pair.second\n?? counter\n{}\n.frame 2\n?? geo::Base::count\n?? sizeof(geo::Shape)\n?? rect.kind\ndt geo::Shape\nq\n",
            line_of("cxxvars.cc", "area"),
            mark("method"),
            mark("refs"),
            mark("main")
        ),
    );
    let method = run.section("method");
    // Types as C++ names them, qualified by their namespace; a member's name alone inside a method is this's.
    method.assert_matches(&format!(r"(?m)^const geo::Shape \* const this = 0x{ADDR}$"));
    method.assert_matches(r"(?m)^long( int)? a = 0n\d+$");
    method.assert_matches(r"(?m)^int 0n12$");
    // A base class's member, through the derived object.
    method.assert_matches(r"(?m)^int 0n304$");
    method.assert_matches(r"(?m)^    \[\+0x008\] geo::Base \[Type: geo::Base\]$");
    method.assert_matches(r"(?m)^    \[\+0x014\] kind    : Rect \(2\) \[Type: geo::Kind\]$");
    let refs = run.section("refs");
    refs.assert_matches(&format!(r"(?m)^const geo::Shape & shape = 0x{ADDR}$"));
    refs.assert_matches(&format!(r"(?m)^geo::Pair<int> && pair = 0x{ADDR}$"));
    // A reference is used as what it refers to.
    refs.assert_matches(r"(?m)^int 0n10$");
    refs.assert_matches(r"(?m)^int 0n15$");
    let main = run.section("main");
    main.assert_matches(r"(?m)^int 0n3$");
    main.assert_matches(r"(?m)^unsigned long 0x18$");
    main.assert_matches(r"(?m)^geo::Kind Rect \(0n2\)$");
    main.assert_matches(r"(?m)^cxxvars!geo::Shape\n   \+0x008 geo::Base        : geo::Base\n   \+0x000 _vptr\.Shape      : Ptr64 Ptr64 Void\n");
}

#[test]
fn kp_and_kp_upper_show_each_frames_parameters() {
    let vars = debuggee("vars");
    let run =
        rdb(&[s(&vars)], &format!("bp `vars.c:{}`\ng\n{}\nkp 4\n{}\nkP 1\nq\n", bottom(), mark("kp"), mark("kP")));
    let kp = run.section("kp");
    kp.assert_matches(&format!(
        r#"(?m)^00 {ADDR} {ADDR}     vars!walk\(int depth = 0n0, struct point \* p = 0x{ADDR}, const char \* label = 0x{ADDR} "label"\)\+0x[0-9a-f]+ \[.*vars\.c @ {}\]$"#,
        bottom()
    ));
    kp.assert_matches(r"(?m)^02 .*vars!walk\(int depth = 0n2, ");
    kp.assert_matches(r"(?m)^03 .*vars!main\(\)\+0x[0-9a-f]+ ");
    let upper = run.section("kP");
    upper.assert_matches(r"(?m)^00 .*vars!walk\(\n\t\t\tint depth = 0n0, \n\t\t\tstruct point \* p = 0x\S+, \n\t\t\tconst char \* label = ");
}

#[test]
fn inlined_calls_are_frames_with_their_own_variables() {
    // compute (real) <- twice (inlined) <- square_plus (inlined), at -O2: gdb's `bt` shows the two inlined
    // calls as frames of their own, each with its variables; so do k and dv.
    let program = debuggee("inlined");
    let line = line_of("inlined.c", "inner");
    let run = rdb(
        &[s(&program)],
        &format!(
            "bp `inlined.c:{line}`\ng\n{}\nkn 4\n{}\ndv\n{}\n.frame 1\ndv\n{}\n.frame 2\ndv\nq\n",
            mark("k"),
            mark("f0"),
            mark("f1"),
            mark("f2")
        ),
    );
    let k = run.section("k");
    k.assert_matches(&format!(
        r"(?m)^00 \(Inline Function\) --------`--------     inlined!square_plus \[.*inlined\.c @ {line}\]$"
    ));
    k.assert_matches(&format!(
        r"(?m)^01 \(Inline Function\) --------`--------     inlined!twice \[.*inlined\.c @ {}\]$",
        line_of("inlined.c", "twice")
    ));
    k.assert_matches(&format!(
        r"(?m)^02 {ADDR} {ADDR}     inlined!compute\+0x[0-9a-f]+ \[.*inlined\.c @ {}\]$",
        line_of("inlined.c", "compute")
    ));
    k.assert_matches(r"(?m)^03 .*inlined!main\+");
    if Command::new("gdb").arg("--version").output().is_err() {
        return;
    }
    for (frame, section) in [(0u32, "f0"), (1, "f1"), (2, "f2")] {
        let gdb = gdb_values_at(s(&program), &format!("inlined.c:{line}"), 0, frame).expect("gdb runs");
        let ours = dv_values(run.section(section).text);
        assert_eq!(
            ours.keys().collect::<std::collections::BTreeSet<_>>(),
            gdb.keys().collect(),
            "frame {frame}\n{}",
            run.dump()
        );
        for (name, theirs) in &gdb {
            let mine = &ours[name];
            if theirs == "<optimized out>" {
                assert_eq!(mine, "<value optimized out>", "frame {frame}: {name}\n{}", run.dump());
            } else {
                assert_eq!(
                    comparable_rdb(mine).as_deref(),
                    Some(theirs.as_str()),
                    "frame {frame}: {name}\n{}",
                    run.dump()
                );
            }
        }
    }
}

#[test]
fn entry_values_come_from_the_callers_call_site() {
    // At -O2 main's argc and argv are gone from its registers once it has called mix: their locations say
    // DW_OP_entry_value(rdi), DW_OP_entry_value(rsi), the values main was entered with. libc's call site says
    // what it passed: argc (1, no arguments) and argv (the initial stack pointer + 8 at the entry point).
    let program = debuggee("optvars");
    let run = rdb(
        &[s(&program)],
        &format!("{}\n? @rsp + 8\nbp optvars!consume\ng\n{}\n.frame 2\ndv /v\nq\n", mark("start"), mark("main")),
    );
    let argv = run.section("start").evaluation();
    let main = run.section("main");
    main.assert_matches(r"(?m)^<computed> +argc = 0n1$");
    let shown = main.assert_matches(&format!(r"(?m)^<computed> +argv = 0x({ADDR})$"));
    assert_eq!(addr(&shown[1]), argv, "argv is what the entry point had\n{}", run.dump());
}

#[test]
fn floating_point_values_in_vector_registers() {
    // scale(double x, float f) at -O2: x and f arrive in xmm0 and xmm1 and y = x * f lives in xmm0: read from the
    // target's vector registers (an optional capability), and checked against gdb where it is installed.
    let program = debuggee("optvars");
    let line = line_of("optvars.c", "scale");
    let run = rdb(
        &[s(&program)],
        &format!(
            "bp optvars!scale\nbp `optvars.c:{line}`\ng\n{}\ndv /v\ng\n{}\ndv /v\n?? x * 2 + f\nq\n",
            mark("entry"),
            mark("line")
        ),
    );
    let entry = run.section("entry");
    entry.assert_matches(r"(?m)^@xmm0 +x = 70$");
    entry.assert_matches(r"(?m)^@xmm1 +f = 1\.5$");
    let at = run.section("line");
    at.assert_matches(r"(?m)^@xmm\d+ +y = 105$");
    at.assert_matches(r"(?m)^double 141\.5$");
    if Command::new("gdb").arg("--version").output().is_err() {
        return;
    }
    let gdb = gdb_values_at(s(&program), &format!("optvars.c:{line}"), 0, 0).expect("gdb runs");
    assert_eq!((gdb["x"].as_str(), gdb["f"].as_str(), gdb["y"].as_str()), ("70", "1.5", "105"), "{gdb:?}");
}

#[test]
fn a_line_inlined_twice_is_one_breakpoint_with_a_location_in_each() {
    // square_plus is inlined into compute (through twice) and into direct: its line has two places in the code, as
    // gdb's "(2 locations)" says; both stop, each with its own square_plus frame and values.
    let program = debuggee("inlined");
    let line = line_of("inlined.c", "inner");
    let run = rdb(
        &[s(&program)],
        &format!(
            "bp `inlined.c:{line}`\nbl\n{}\ng\n{}\nk 3\ndv\ng\n{}\nk 3\ndv\nq\n",
            mark("bl"),
            mark("first"),
            mark("second")
        ),
    );
    run.assert_contains("Breakpoint 0 resolved to 2 locations");
    let first = run.section("first");
    first.assert_matches(r"(?m)^\(Inline Function\) --------`--------     inlined!square_plus ");
    first.assert_matches(r"(?m)^ +v = 0n6$");
    let second = run.section("second");
    second.assert_matches(r"(?m)^\(Inline Function\) --------`--------     inlined!square_plus ");
    second.assert_matches(r"(?m) +inlined!direct\+");
    second.assert_matches(r"(?m)^ +v = 0n1$");
    second.assert_matches(r"(?m)^ +k = 0n1$");
}

#[test]
fn clang_builds_answer_as_gdb_does() {
    // The same programs built by clang: its frame base is rbp, its location lists and addresses are indexed
    // (DW_FORM_loclistx, DW_OP_addrx); at -O2 it keeps mix's a and sum in callee-saved registers across the call.
    let vars = debuggee("clang_vars");
    let run = rdb(
        &[s(&vars)],
        &format!(
            "bp `vars.c:{}`\ng\n{}\ndv\n?? global_count + file_ratio * 4\n{}\n.frame 1\ndv\nq\n",
            bottom(),
            mark("dv"),
            mark("one")
        ),
    );
    let dv = run.section("dv");
    dv.assert_matches(r"(?m)^ +depth = 0n0$");
    dv.assert_matches(r#"(?m)^ +buf = char \[16\] "deep"$"#);
    dv.assert_matches(r"(?m)^ +c = GREEN \(0n5\)$");
    dv.assert_matches(r"(?m)^double 8$");
    run.section("one").assert_matches(r#"(?m)^ +buf = char \[16\] "feep"$"#);

    if Command::new("gdb").arg("--version").output().is_err() {
        return;
    }
    let program = debuggee("clang_optvars");
    let gdb = gdb_values_at(s(&program), "consume", 0, 1).expect("gdb runs");
    let run = rdb(&[s(&program)], &format!("bp clang_optvars!consume\ng\n.frame 1\n{}\ndv\nq\n", mark("mix")));
    let ours = dv_values(run.section("mix").text);
    let mut compared = 0;
    for (name, theirs) in &gdb {
        let mine = ours.get(name).unwrap_or_else(|| panic!("rdb shows no {name}\n{}", run.dump()));
        if theirs == "<optimized out>" {
            continue;
        }
        assert_eq!(comparable_rdb(mine).as_deref(), Some(theirs.as_str()), "{name}\n{}", run.dump());
        compared += 1;
    }
    assert!(compared >= 3, "gdb {gdb:?}, rdb {ours:?}");
}

#[test]
fn g_to_a_source_line_runs_to_any_place_of_it() {
    let vars = debuggee("vars");
    let run = rdb(
        &[s(&vars)],
        &format!(
            "g `vars.c:{}`\n{}\ndv depth\ng `vars.c:99999`\ng `nosuch.c:3`\nbp `nosuch.c:3`\nbp `vars!nosuch.c:3`\nq\n",
            bottom(),
            mark("there")
        ),
    );
    let there = run.section("there");
    there.assert_matches(r"(?m)^ +depth = 0n0$");
    there.assert_matches(
        r"(?m)^\^ Couldn't resolve error at 'vars\.c:99999': no code for that line in 'g `vars\.c:99999`'$",
    );
    // A file no module's line information names is said to be that, not a line without code.
    let no_file = r"\^ Couldn't resolve error at 'nosuch\.c:3': no source file 'nosuch\.c' in";
    there.assert_matches(&format!(r"(?m)^{no_file} any module's line information in 'g `nosuch\.c:3`'$"));
    there.assert_matches(&format!(r"(?m)^{no_file} any module's line information in 'bp `nosuch\.c:3`'$"));
    there.assert_matches(&format!(r"(?m)^{no_file} vars's line information in 'bp `vars!nosuch\.c:3`'$"));
}

/// gdb's stops at `functions` (its breakpoints, after their prologues), up to `stops` of them: each stop's pc and
/// its `info args` and `info locals` as `name = value`.
fn gdb_stops(program: &str, functions: &[&str], stops: usize) -> Option<Vec<(u64, HashMap<String, String>)>> {
    let mut gdb = Command::new("gdb");
    gdb.args(["-batch", "-nx", "-iex", "set debuginfod enabled off"]);
    for f in functions {
        gdb.args(["-ex", &format!("break {f}")]);
    }
    gdb.args(["-ex", "run"]);
    for _ in 0..stops {
        gdb.args([
            "-ex",
            "echo ==stop==\\n",
            "-ex",
            "p/x $pc",
            "-ex",
            "info args",
            "-ex",
            "info locals",
            "-ex",
            "continue",
        ]);
    }
    let out = gdb.arg(program).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut found = Vec::new();
    for stop in text.split("==stop==\n").skip(1) {
        let mut lines = stop.lines();
        // After the program's end, gdb has no pc to print: no more stops.
        let Some(pc) =
            lines.next().and_then(|l| l.split_once("= 0x")).and_then(|(_, h)| u64::from_str_radix(h.trim(), 16).ok())
        else {
            break;
        };
        let values = lines
            .take_while(|l| !l.starts_with("Breakpoint ") && !l.starts_with("[Inferior"))
            .filter(|l| !l.starts_with(' ') && !l.starts_with('#'))
            .filter_map(|l| l.split_once(" = "))
            .filter(|(n, _)| !n.contains(char::is_whitespace))
            .map(|(n, v)| (n.to_string(), v.trim().to_string()))
            .collect();
        found.push((pc, values));
    }
    Some(found)
}

#[test]
fn every_stop_of_several_programs_agrees_with_gdb() {
    // Breakpoints where gdb puts them (after each function's prologue), in C and C++ programs built by gcc and
    // clang at -O0 and -O2: at every stop, every variable both debuggers show has the same value (pointers into
    // the stack excepted: the two runs' environments place the stack apart).
    if Command::new("gdb").arg("--version").output().is_err() {
        eprintln!("gdb is not installed: the comparison is skipped");
        return;
    }
    let cases: [(&str, &[&str], usize); 6] = [
        ("vars", &["walk", "main"], 5),
        ("clang_vars", &["walk"], 3),
        ("optvars", &["consume", "mix", "scale"], 8),
        ("clang_optvars", &["consume", "mix", "scale"], 8),
        ("cxxvars", &["geo::Shape::area", "measure"], 2),
        ("inlined", &["compute", "direct"], 2),
    ];
    let mut compared = 0;
    for (name, functions, stops) in cases {
        let program = debuggee(name);
        let gdb = gdb_stops(s(&program), functions, stops).expect("gdb runs");
        assert!(!gdb.is_empty(), "{name}: gdb stopped nowhere");
        // The same breakpoints at gdb's addresses, and a dv at each stop.
        let mut stdin: String = gdb.iter().map(|(pc, _)| format!("bp {pc:#x}\n")).collect();
        for i in 0..gdb.len() {
            stdin.push_str(&format!("g\n{}\n? @rip\ndv\n", mark(&format!("s{i}"))));
        }
        stdin.push_str("q\n");
        let run = rdb(&[s(&program)], &stdin);
        for (i, (pc, theirs)) in gdb.iter().enumerate() {
            let section = run.section(&format!("s{i}"));
            assert_eq!(section.evaluation(), *pc, "{name} stop {i}: rdb stands where gdb did\n{}", run.dump());
            let ours = dv_values(section.text);
            for (var, value) in theirs {
                let Some(mine) = ours.get(var) else {
                    panic!("{name} stop {i}: rdb shows no {var} (gdb: {value})\n{}", run.dump())
                };
                let (Some(mine), Some(theirs)) = (comparable_rdb(mine), comparable_gdb(value)) else { continue };
                if theirs == "<optimized" || mine.starts_with("0x7ff") || theirs.starts_with("0x7ff") {
                    continue;
                }
                assert_eq!(mine, theirs, "{name} stop {i} ({pc:#x}): {var}\n{}", run.dump());
                compared += 1;
            }
        }
    }
    assert!(compared >= 60, "only {compared} values compared");
}

#[test]
fn dt_layouts_agree_with_gdbs_ptype_and_offsets() {
    // For each struct: dt's members in order, with the offsets gdb's `ptype /o` gives.
    if Command::new("gdb").arg("--version").output().is_err() {
        eprintln!("gdb is not installed: the comparison is skipped");
        return;
    }
    let vars = debuggee("vars");
    for ty in ["point", "flags"] {
        let out = Command::new("gdb")
            .args(["-batch", "-nx", "-ex", &format!("ptype /o struct {ty}"), s(&vars)])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        // `/*      4      |       4 */    int y;` and, for a bitfield, `/*      0: 1   |       4 */    unsigned int level : 3;`
        let gdb: Vec<(u64, String)> = text
            .lines()
            .filter_map(|l| {
                let (offset, rest) = l.trim().strip_prefix("/*")?.split_once('|')?;
                let offset = offset.split(':').next()?.trim().parse().ok()?;
                let name = rest
                    .split_once("*/")?
                    .1
                    .trim()
                    .trim_end_matches(';')
                    .split(':')
                    .next()?
                    .split_whitespace()
                    .last()?;
                Some((offset, name.trim_start_matches('*').to_string()))
            })
            .collect();
        assert!(gdb.len() >= 2, "ptype /o gave {text}");
        let run = rdb(&[s(&vars)], &format!("{}\ndt vars!{ty}\nq\n", mark("dt")));
        let ours: Vec<(u64, String)> = run
            .section("dt")
            .all_matches(r"(?m)^   \+0x([0-9a-f]+) (\S+) ")
            .iter()
            .map(|m| (u64::from_str_radix(&m[1], 16).unwrap(), m[2].clone()))
            .collect();
        assert_eq!(ours, gdb, "struct {ty}\n{}", run.dump());
    }
}
