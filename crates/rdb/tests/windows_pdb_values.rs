//! rdb.exe under Wine on programs whose variables and types only a PDB describes, built here by clang-14 and lld-14
//! both ways (`wpdbvals`: the MSVC target without a C runtime; `wpdbvalsmingw`: the same source with mingw's
//! runtime; `wpdbclass` and `wpdbclassmingw`: C++ classes with a base class). Each value rdb shows is checked against what the program
//! printed itself (`name value` lines): `dv`, `dv /t`, `dt` (a type and an object), `dx -r2`, `??` on members,
//! elements and pointers, a global and a file static, `x`, `bp` on a source line, stepping by line and `gu`. What
//! rdb reads of the PDB is checked against `llvm-pdbutil` in `crates/rdb-engine/tests/pdb_values.rs`.

use std::collections::HashMap;

use rdb_testkit::prelude::*;

const WINDOWS: Backend = Backend::Windows;

fn line(marker: &str) -> u32 {
    windows_line_of("wpdbvals.c", marker)
}

/// The `name value` lines the debuggee printed.
fn printed(run: &RdbRun) -> HashMap<String, i64> {
    let rx = regex::Regex::new(r"(?m)^([a-z_.\[\]0-9>*-]+) (-?\d+)\r?$").unwrap();
    let text = run.out().text.to_string();
    rx.captures_iter(&text).map(|c| (c[1].to_string(), c[2].parse().unwrap())).collect()
}

/// The values of `wpdbvals.c` through every command, for the program built as `name` (module `module`).
fn values_of(name: &str, module: &str) {
    let stdin = format!(
        "l+t\nbp `wpdbvals.c:{}`\ng\n{}\ndv\n{}\ndv /t /v\n{}\ndt {module}!point\n{}\ndt pt\n{}\ndx -r2 pt\n{}\n\
         dx -r2 fl\n{}\ndx -r2 num\n{}\n?? arr[3]\n?? ppt->in.c\n?? *ppt\n?? str[6]\n?? num.i\n?? fl.c\n?? g_counter\n\
         ?? s_ratio\n?? (int)col\n{}\nx {module}!g_*\nbp {module}!combine\ng\n{}\ndv /t\nbp `wpdbvals.c:{}`\ng\n{}\ndv /t\n{}\nk\n.frame 1\n{}\n?? i\n?? pt.y\n.frame 0\n{}\np\n{}\ndv\n{}\ngu\n\
         {}\ndv\n{}\ng\n",
        line("run_call"),
        mark("dv"),
        mark("dvt"),
        mark("dt_type"),
        mark("dt_object"),
        mark("dx_pt"),
        mark("dx_fl"),
        mark("dx_num"),
        mark("eval"),
        mark("x"),
        mark("entry"),
        line("combine_deep"),
        mark("deep"),
        mark("k"),
        mark("caller"),
        mark("p"),
        mark("p_dv"),
        mark("gu"),
        mark("gu_dv"),
        mark("end"),
    );
    let run = WINDOWS.launch(name, &stdin);
    let v = printed(&run);
    let p = |k: &str| *v.get(k).unwrap_or_else(|| panic!("the program printed no {k}: {}", run.dump()));

    // Every kind of local, as the program printed it.
    let dv = run.section("dv");
    for (var, shown) in [
        ("i", format!("0n{}", p("i"))),
        ("u", format!("{:#x}", p("u"))),
        ("c", format!("0n{} 'A'", p("c"))),
        ("uc", format!("0n{}", p("uc"))),
        ("sh", format!("0n{}", p("sh"))),
        ("big", format!("0n{}", p("big"))),
        ("f", format!("{}", p("f*1000") as f64 / 1000.0)),
        ("d", format!("{}", p("d*1000") as f64 / 1000.0)),
        ("pt", "struct point".into()),
        ("fl", "struct flags".into()),
        ("arr", "int [5]".into()),
        ("num", "union number".into()),
        ("col", format!("GREEN (0n{})", p("col"))),
        ("str", r#"0x[0-9a-f`]+ "hello pdb""#.into()),
        ("ppt", "0x[0-9a-f`]+".into()),
        ("copy", "struct point".into()),
    ] {
        let shown = if var == "str" || var == "ppt" { shown } else { regex::escape(&shown) };
        dv.assert_matches(&format!(r"(?m)^ +{var} = {shown}\r?$"));
    }
    // With their types and addresses; the pointer is the struct's address.
    let dvt = run.section("dvt");
    let pt_at = dvt.assert_matches(r"(?m)^([0-9a-f`]+) +struct point pt = struct point\r?$")[1].clone();
    dvt.assert_matches(&format!(r"(?m)^[0-9a-f`]+ +struct point \* ppt = 0x{}\r?$", regex::escape(&pt_at)));
    dvt.assert_matches(r"(?m)^[0-9a-f`]+ +const char \* str = 0x[0-9a-f`]+ .hello pdb.\r?$");
    dvt.assert_matches(r"(?m)^[0-9a-f`]+ +enum color col = GREEN \(0n5\)\r?$");
    dvt.assert_matches(r"(?m)^[0-9a-f`]+ +long long big = 0n1234567890123\r?$");

    // The struct's layout, and the object by it.
    let dt = run.section("dt_type");
    dt.assert_matches(r"(?m)^ +\+0x000 x +: Int4B\r?$");
    dt.assert_matches(r"(?m)^ +\+0x004 y +: Int4B\r?$");
    dt.assert_matches(r"(?m)^ +\+0x008 in +: inner\r?$");
    let object = run.section("dt_object");
    object.assert_matches(&format!(r"(?m)^ +\+0x000 x +: 0n{}\r?$", p("pt.x")));
    object.assert_matches(&format!(r"(?m)^ +\+0x004 y +: 0n{}\r?$", p("pt.y")));

    // dx: the nested struct's members, the bitfields, the union's views and the array in it.
    let dx = run.section("dx_pt");
    dx.assert_matches(&format!(r"(?m)^ +\[\+0x000\] x +: {} \[Type: int\]", p("pt.x")));
    dx.assert_matches(&format!(r"(?m)^ +\[\+0x000\] s +: {} \[Type: short\]", p("pt.in.s")));
    dx.assert_matches(&format!(r"(?m)^ +\[\+0x002\] c +: {} 'z' \[Type: char\]", p("pt.in.c")));
    let fl = run.section("dx_fl");
    for field in ["a", "b", "c"] {
        fl.assert_matches(&format!(
            r"(?m)^ +\[\+0x00[01]\] {field} +: {} \[Type: (?:unsigned )?int\]",
            p(&format!("fl.{field}"))
        ));
    }
    let num = run.section("dx_num");
    num.assert_matches(&format!(r"(?m)^ +\[\+0x000\] i +: {} \[Type: int\]", p("num.i")));
    num.assert_matches(r#"(?m)^ +\[\+0x000\] bytes +: "DCBA" \[Type: unsigned char \[4\]\]"#);
    num.assert_matches(r"(?m)^ +\[1\] +: 67 'C' \[Type: unsigned char\]");

    let eval = run.section("eval");
    eval.assert_matches(&format!(r"(?m)^int 0n{}\r?$", p("arr[3]")));
    eval.assert_matches(&format!(r"(?m)^char 0n{} 'z'\r?$", p("pt.in.c")));
    eval.assert_matches(r"(?m)^struct point\r?$");
    eval.assert_matches(&format!(r"(?m)^const char 0n{} 'p'\r?$", p("str[6]")));
    eval.assert_matches(&format!(r"(?m)^int 0n{}\r?$", p("num.i")));
    eval.assert_matches(&format!(r"(?m)^int 0n{}\r?$", p("fl.c")));
    eval.assert_matches(&format!(r"(?m)^int 0n{}\r?$", p("g_counter")));
    eval.assert_matches(&format!(r"(?m)^double {}\r?$", p("s_ratio*1000") as f64 / 1000.0));
    eval.assert_matches(&format!(r"(?m)^int 0n{}\r?$", p("col")));
    let x = run.section("x");
    x.assert_matches(&format!(r"(?m)^{ADDR} {module}!g_counter\r?$"));
    x.assert_matches(&format!(r"(?m)^{ADDR} {module}!g_name\r?$"));

    // At combine's first instruction the parameters are still in the registers they were passed in; its local has
    // no place yet.
    let entry = run.section("entry");
    entry.assert_matches(&format!(r"(?m)^struct point \* p = 0x{}\r?$", regex::escape(&pt_at)));
    entry.assert_matches(r"(?m)^int scale = 0n2\r?$");
    entry.assert_matches(&format!(r"(?m)^char tag = 0n{} 'A'\r?$", p("c")));
    entry.assert_matches(r"(?m)^int total = <value optimized out>\r?$");
    // Its static, not yet counted this call.
    entry.assert_matches(r"(?m)^int calls = 0n0\r?$");

    // In the innermost of combine's nested blocks: its parameters, and each block's locals.
    let total = p("pt.x") * 2;
    let inner_sum = total + p("pt.y");
    let deep = run.section("deep");
    deep.assert_matches(&format!(r"(?m)^struct point \* p = 0x{}\r?$", regex::escape(&pt_at)));
    deep.assert_matches(r"(?m)^int scale = 0n2\r?$");
    deep.assert_matches(&format!(r"(?m)^char tag = 0n{} 'A'\r?$", p("c")));
    deep.assert_matches(&format!(r"(?m)^int total = 0n{total}\r?$"));
    deep.assert_matches(&format!(r"(?m)^int inner_sum = 0n{inner_sum}\r?$"));
    deep.assert_matches(r"(?m)^long long deepest = ");
    deep.assert_matches(r"(?m)^int calls = 0n1\r?$");
    let frames = parse_frames(run.section("k").text);
    assert!(frames.len() > 2, "{}", run.dump());
    assert!(
        frames[0].is(&format!("{module}!combine")) && frames[0].line == Some(line("combine_deep")),
        "{}",
        run.dump()
    );
    assert!(frames[1].is(&format!("{module}!run")) && frames[1].line == Some(line("run_call")), "{}", run.dump());
    // The caller's frame: run's locals, read through the unwound rsp.
    let caller = run.section("caller");
    caller.assert_matches(&format!(r"(?m)^int 0n{}\r?$", p("i")));
    caller.assert_matches(&format!(r"(?m)^int 0n{}\r?$", p("pt.y")));
    // One line on, deepest is written; out of combine, run's r holds what it returned.
    run.section("p").assert_matches(&format!(r"wpdbvals\.c @ {}\]", line("combine_deep") + 1));
    run.section("p_dv").assert_matches(&format!(r"(?m)^ +deepest = 0n{}\r?$", inner_sum * 2));
    run.section("gu")
        .assert_matches(&format!(r"{module}!run\+0x[0-9a-f]+ \[[^\]]*wpdbvals\.c @ {}\]", line("run_after")));
    run.section("gu_dv").assert_matches(&format!(r"(?m)^ +r = 0n{}\r?$", p("r")));
    run.section("end").assert_matches(&exit_code_re(p("r") as u32 - 80));
}

#[test]
fn an_msvc_programs_values_come_from_its_pdb() {
    values_of("wpdbvals", "wpdbvals");
}

#[test]
fn a_mingw_programs_values_come_from_its_pdb() {
    values_of("wpdbvalsmingw", "wpdbvalsmingw");
}

/// The classes of `wpdbclass.cc` through every command, for the program built as `name`.
fn classes_of(name: &str) {
    let src = |m| windows_line_of("wpdbclass.cc", m);
    let stdin = format!(
        "l+t\nbp `wpdbclass.cc:{}`\ng\n{}\ndv /t\n{}\ndx -r2 this\n{}\n?? radius\n?? this->id\n{}\ngu\n{}\ndv /t\n{}\n\
         dt geo::Circle\n{}\n?? ref.radius\n?? s->id\n?? g_circle.tag\n{}\ng\n",
        src("area_body"),
        mark("area"),
        mark("this"),
        mark("members"),
        mark("gu"),
        mark("start"),
        mark("dt"),
        mark("eval"),
        mark("end"),
    );
    let run = WINDOWS.launch(name, &stdin);
    run.section("area").assert_matches(r"(?m)^const geo::Circle \* this = 0x[0-9a-f`]+\r?$");
    let this = run.section("this");
    this.assert_matches(r"(?m)^ +\[\+0x000\] geo::Shape \[Type: geo::Shape\]");
    this.assert_matches(r"(?m)^ +\[\+0x000\] id +: 7 \[Type: int\]");
    this.assert_matches(r"(?m)^ +\[\+0x008\] radius +: 4 \[Type: int\]");
    this.assert_matches(r"(?m)^ +\[\+0x00c\] tag +: 99 'c' \[Type: char\]");
    let members = run.section("members");
    members.assert_matches(r"(?m)^int 0n4\r?$");
    members.assert_matches(r"(?m)^int 0n7\r?$");
    run.section("gu")
        .assert_matches(&format!(r"{name}!run\+0x[0-9a-f]+ \[[^\]]*wpdbclass\.cc @ {}\]", src("start_exit")));
    let start = run.section("start");
    start.assert_matches(r"(?m)^geo::Circle c = geo::Circle\r?$");
    start.assert_matches(r"(?m)^geo::Shape \* s = 0x[0-9a-f`]+\r?$");
    start.assert_matches(r"(?m)^geo::Circle & ref = 0x[0-9a-f`]+\r?$");
    start.assert_matches(r"(?m)^int a = 0n48\r?$");
    let dt = run.section("dt");
    dt.assert_matches(r"(?m)^ +\+0x000 geo::Shape +: geo::Shape\r?$");
    dt.assert_matches(r"(?m)^ +\+0x008 radius +: Int4B\r?$");
    let eval = run.section("eval");
    eval.assert_matches(r"(?m)^int 0n4\r?$");
    eval.assert_matches(r"(?m)^int 0n7\r?$");
    eval.assert_matches(r"(?m)^char 0n99 'c'\r?$");
    run.section("end").assert_matches(&exit_code_re(48));
}

#[test]
fn an_msvc_cxx_class_shows_its_base_class_and_this() {
    classes_of("wpdbclass");
}

#[test]
fn a_mingw_cxx_class_shows_its_base_class_and_this() {
    classes_of("wpdbclassmingw");
}

#[test]
fn a_condition_reads_pdb_locals_and_parameters() {
    // combine(ppt, 2, 'A'): total is 6 and p->y 4 at the deep block; tag is never 'B'.
    let stdin = format!(
        "bp /w \"total == 6 && p->y == 4\" `wpdbvals.c:{}`\nbp /w \"tag == 66\" `wpdbvals.c:{}`\ng\n{}\nk\n{}\ng\n",
        line("combine_deep"),
        line("combine_body"),
        mark("hit"),
        mark("end"),
    );
    let run = WINDOWS.launch("wpdbvals", &stdin);
    run.out().assert_matches(r"(?m)^Breakpoint 0 hit\r?$");
    run.assert_not_contains("Breakpoint 1 hit");
    let frames = parse_frames(run.section("hit").text);
    assert!(
        frames.first().is_some_and(|f| f.is("wpdbvals!combine") && f.line == Some(line("combine_deep"))),
        "{}",
        run.dump()
    );
    run.section("end").assert_matches(&exit_code_re(11));
}
