//! C++ values as C++ shows them, on `cxx_std` (g++ 12, libstdc++, `-g -O0`): dynamic types through the vtable
//! (a `Shape *` to a Circle, a `Shape &` to a Square, a `Counted *` into the middle of a `Both`), cross-checked
//! with gdb's `set print object on`; base classes; and libstdc++'s containers and smart pointers, each against
//! the values the debuggee printed before the marked line.

use std::process::Command;

use rdb_testkit::prelude::*;

fn show() -> u32 {
    line_of("cxx_std.cc", "show")
}

/// rdb at the marked line, running `commands` (each section begun with `mark`).
fn at_show(commands: &str) -> RdbRun {
    let program = debuggee("cxx_std");
    rdb(&[s(&program)], &format!("bp `cxx_std.cc:{}`\ng\n{commands}q\n", show()))
}

/// gdb's `print` of each expression at the marked line, with dynamic types on (`set print object on`).
fn gdb_prints(expressions: &[&str]) -> Option<Vec<String>> {
    let program = debuggee("cxx_std");
    let mut gdb = Command::new("gdb");
    gdb.args(["-batch", "-nx", "-ex", &format!("break cxx_std.cc:{}", show()), "-ex", "run"]);
    gdb.args(["-ex", "set print object on"]);
    for e in expressions {
        gdb.args(["-ex", &format!("print {e}")]);
    }
    let out = gdb.arg(&program).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let printed: Vec<String> = text.lines().filter(|l| l.starts_with('$')).map(|l| l.to_string()).collect();
    (printed.len() == expressions.len()).then_some(printed)
}

#[test]
fn a_base_pointer_or_reference_shows_the_dynamic_type_and_its_members() {
    let run = at_show(&format!(
        "{}\ndx &circle\ndx &both\n{}\ndx sp\n{}\ndx *sp\n{}\ndx sr\n{}\ndx cp\n{}\n?? sp\n{}\ndt cp\n",
        mark("objects"),
        mark("sp"),
        mark("star"),
        mark("sr"),
        mark("cp"),
        mark("cxx"),
        mark("dt")
    ));
    let objects = run.section("objects");
    let circle = objects.assert_matches(r"(?m)^&circle +: (0x[0-9a-f]+) ")[1].to_string();
    let both = objects.assert_matches(r"(?m)^&both +: (0x[0-9a-f]+) ")[1].to_string();
    let sp = run.section("sp");
    assert_eq!(sp.assert_matches(r"(?m)^sp +: (0x[0-9a-f]+) \[Type: Circle \*\]$")[1], circle, "{}", run.dump());
    sp.assert_matches(r"(?m)^    \[\+0x000\] Shape +\[Type: Shape\]$");
    sp.assert_matches(r"(?m)^    \[\+0x010\] radius +: 2\.5 \[Type: double\]$");
    run.section("star").assert_matches(r"(?m)^\*sp +\[Type: Circle\]\n    \[\+0x000\] Shape ");
    // A reference is used as what it refers to: the whole Square.
    let sr = run.section("sr");
    sr.assert_matches(r"(?m)^sr +\[Type: Square\]$");
    sr.assert_matches(r"(?m)^    \[\+0x00c\] side +: 4 \[Type: int\]$");
    // A pointer to the second base class points 16 bytes into the object; its dynamic type starts the object.
    let cp = run.section("cp");
    assert_eq!(cp.assert_matches(r"(?m)^cp +: (0x[0-9a-f]+) \[Type: Both \*\]$")[1], both, "{}", run.dump());
    cp.assert_matches(r"(?m)^    \[\+0x000\] Named +\[Type: Named\]$");
    cp.assert_matches(r"(?m)^    \[\+0x010\] Counted +\[Type: Counted\]$");
    cp.assert_matches(r"(?m)^    \[\+0x020\] weight +: 2\.5 \[Type: double\]$");
    // ?? and dt keep the expression's static type on their first line and show the object's members.
    let cxx = run.section("cxx");
    cxx.assert_matches(r"(?m)^Shape \* 0x[0-9a-f`]+$");
    cxx.assert_matches(r"(?m)^   \+0x010 radius +: 2\.5$");
    run.section("dt").assert_matches(r"(?m)^   \+0x020 weight +: 2\.5$");

    if Command::new("gdb").arg("--version").output().is_err() {
        eprintln!("gdb is not installed: the comparison is skipped");
        return;
    }
    // The same dynamic types as gdb's; gdb shows cp's own value (16 bytes into the object), rdb the object's start.
    let Some(gdb) = gdb_prints(&["sp", "cp", "&sr", "(char *)cp - (char *)&both"]) else { panic!("gdb did not run") };
    assert!(gdb[0].contains("(Circle *) 0x"), "gdb: {}", gdb[0]);
    assert!(gdb[1].contains("(Both *) 0x"), "gdb: {}", gdb[1]);
    assert!(gdb[2].contains("(Square *) 0x"), "gdb: {}", gdb[2]);
    assert!(gdb[3].ends_with(" = 16"), "gdb: {}", gdb[3]);
}

#[test]
fn a_class_with_two_base_classes_shows_each_base() {
    let run = at_show(&format!("{}\ndx -r2 both\n{}\ndt Both\n", mark("dx"), mark("dt")));
    let dx = run.section("dx");
    dx.assert_matches(
        r"(?m)^    \[\+0x000\] Named +\[Type: Named\]\n        \[\+0x000\] _vptr\.Named .*\n        \[\+0x008\] name +: 0x[0-9a-f]+ : .both. \[Type: const char \*\]$",
    );
    dx.assert_matches(r"(?m)^    \[\+0x010\] Counted +\[Type: Counted\]\n        \[\+0x000\] _vptr\.Counted .*\n        \[\+0x008\] count +: 7 \[Type: int\]$");
    let dt = run.section("dt");
    dt.assert_matches(
        r"(?m)^cxx_std!Both\n   \+0x000 Named +: Named\n   \+0x010 Counted +: Counted\n   \+0x020 weight +: Float$",
    );
}

#[test]
fn a_rust_trait_object_shows_its_concrete_type_through_its_vtable() {
    let program = debuggee("rust_dyn");
    let run = rdb(
        &[s(&program)],
        &format!(
            "bp `rust_dyn.rs:{}`\ng\n{}\ndx r\n{}\ndx b\nq\n",
            line_of("rust_dyn.rs", "show"),
            mark("r"),
            mark("b")
        ),
    );
    let r = run.section("r");
    r.assert_matches(r"(?m)^r +: 0x[0-9a-f]+ \[Type: &(struct )?(rust_dyn::)?Circle\]$");
    r.assert_matches(r"(?m)^    \[\+0x000\] radius +: 2\.5 \[Type: f64\]$");
    let b = run.section("b");
    b.assert_matches(
        r"(?m)^b +: 0x[0-9a-f]+ \[Type: alloc::boxed::Box<(struct )?(rust_dyn::)?Rect, alloc::alloc::Global>\]$",
    );
    b.assert_matches(r"(?m)^    \[\+0x000\] w +: 3 \[Type: i32\]$");
    b.assert_matches(r"(?m)^    \[\+0x004\] h +: 4 \[Type: i32\]$");
}

/// The items of a value gdb's libstdc++ printers wrote (`{["alice"] = 31, ["bob"] = 42}`, `{3, 1, 4}`): each
/// item's key (`None` for a vector's) and value.
fn gdb_items(line: &str) -> Vec<(Option<String>, String)> {
    // The innermost braces: gdb prints a std::array without a printer, as `{_M_elems = {7, 8, 9}}`.
    let Some(open) = line.rfind(" = {").map(|i| i + 4) else { return Vec::new() };
    let inner = line[open..].trim_end().trim_end_matches('}');
    inner
        .split(", ")
        .map(|item| match item.strip_prefix('[').and_then(|rest| rest.split_once("] = ")) {
            Some((key, value)) => (Some(key.to_string()), value.to_string()),
            None => (None, item.to_string()),
        })
        .collect()
}

/// The children `dx` showed one level in (`    ["alice"]  : 31 [Type: int]`): each child's name inside its
/// brackets and its value.
fn dx_items(text: &str) -> Vec<(String, String)> {
    let rx = regex::Regex::new(r"(?m)^    \[(.*?)\] +: (.*) \[Type: [^\n]*\]$").expect("a regex");
    rx.captures_iter(text).map(|c| (c[1].to_string(), c[2].to_string())).collect()
}

/// gdb's `info locals` at the marked line, each local's text, with the printers Debian ships for libstdc++.
fn gdb_locals() -> Option<std::collections::HashMap<String, String>> {
    let program = debuggee("cxx_std");
    let out = Command::new("gdb")
        .args(["-batch", "-ex", &format!("break cxx_std.cc:{}", show()), "-ex", "run", "-ex", "info locals"])
        .arg(&program)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let locals: std::collections::HashMap<_, _> = text
        .lines()
        .filter_map(|l| l.split_once(" = "))
        .map(|(name, _)| name.to_string())
        .zip(text.lines().filter(|l| l.contains(" = ")).map(|l| l.to_string()))
        .collect();
    locals.contains_key("ages").then_some(locals)
}

const CONTAINERS: [&str; 12] =
    ["nums", "trio", "flags", "ages", "primes", "multi", "repeats", "counts", "seen", "queue", "singly", "stacked"];

#[test]
fn containers_show_their_elements_as_gdbs_printers_do() {
    let commands: String = CONTAINERS.iter().map(|name| format!("{}\ndx {name}\n", mark(name))).collect();
    let run = at_show(&commands);
    // What the debuggee printed, and the shapes each kind of container shows.
    assert_eq!(dx_items(run.section("nums").text).len(), 5, "{}", run.dump());
    let ages = dx_items(run.section("ages").text);
    let want = [("\"alice\"", "31"), ("\"bob\"", "42"), ("\"carol\"", "27")];
    assert_eq!(ages, want.map(|(k, v)| (k.to_string(), v.to_string())), "{}", run.dump());
    run.section("ages").assert_matches(r"(?m)^ages +: \{ size=3 \} \[Type: std::map<");
    run.section("multi").assert_matches(r#"(?m)^    \[1\] +: "uno" \[Type: "#);
    run.section("queue").assert_matches(r"(?m)^queue +: \{ size=3 \} ");
    assert_eq!(
        dx_items(run.section("flags").text).iter().map(|(_, v)| v.as_str()).collect::<Vec<_>>(),
        ["true", "false", "true", "true"]
    );

    if Command::new("gdb").arg("--version").output().is_err() {
        eprintln!("gdb is not installed: the comparison is skipped");
        return;
    }
    let Some(gdb) = gdb_locals() else { panic!("gdb did not run") };
    for name in CONTAINERS {
        let theirs = gdb_items(&gdb[name]);
        let ours = dx_items(run.section(name).text);
        assert!(!theirs.is_empty(), "{name}: gdb printed no elements: {}", gdb[name]);
        assert_eq!(ours.len(), theirs.len(), "{name}: rdb {ours:?}, gdb {}", gdb[name]);
        for ((key, value), (their_key, their_value)) in ours.iter().zip(&theirs) {
            assert_eq!(value, their_value, "{name}: rdb {ours:?}, gdb {}", gdb[name]);
            if let Some(their_key) = their_key {
                assert_eq!(key, their_key, "{name}: rdb {ours:?}, gdb {}", gdb[name]);
            }
        }
    }
}

#[test]
fn one_line_values_in_dv_and_smart_pointers_optional_and_variant() {
    let run = at_show(&format!(
        "{}\ndv\n{}\ndx owned\ndx empty_owned\ndx shared\ndx weak\ndx -r2 shared\n{}\ndx maybe\ndx nothing\ndx choice\ndx number\n{}\n?? choice\n",
        mark("dv"),
        mark("pointers"),
        mark("sums"),
        mark("cxx")
    ));
    let dv = run.section("dv");
    for (name, text) in [
        ("small", r#""hi""#),
        ("text", r#""a string longer than fifteen characters""#),
        ("nums", r"\{ size=5 \}"),
        ("big", r"\{ size=10000 \}"),
        ("ages", r"\{ size=3 \}"),
        ("counts", r"\{ size=2 \}"),
        ("window", r"\{ size=300 \}"),
        ("maybe", "0n5"),
        ("nothing", "nullopt"),
        ("choice", r#"\[index 1\] "text""#),
        ("number", r"\[index 2\] 2\.5"),
    ] {
        dv.assert_matches(&format!(r"(?m)^ +{name} = {text}$"));
    }
    let pointers = run.section("pointers");
    pointers.assert_matches(
        r"(?m)^owned +: 0x[0-9a-f]+ \[Type: std::unique_ptr<int, .*\n    \[value\] +: 42 \[Type: int\]$",
    );
    pointers.assert_matches(r"(?m)^empty_owned +: 0x0 \[Type: std::unique_ptr<");
    pointers
        .assert_matches(r"(?m)^shared +: 0x[0-9a-f]+ \[use count 2, weak count 1\] \[Type: std::shared_ptr<Circle>\]$");
    pointers.assert_matches(r"(?m)^weak +: 0x[0-9a-f]+ \[use count 2, weak count 1\] \[Type: std::weak_ptr<Circle>\]$");
    pointers.assert_matches(r"(?m)^    \[use count\] +: 2 ");
    // What the shared pointer points to, with its members.
    pointers.assert_matches(r"(?m)^        \[\+0x010\] radius +: 1\.5 \[Type: double\]$");
    let sums = run.section("sums");
    sums.assert_matches(r"(?m)^maybe +: 5 \[Type: std::optional<int>\]\n    \[value\] +: 5 \[Type: int\]$");
    sums.assert_matches(r"(?m)^nothing +: nullopt \[Type: std::optional<int>\]$");
    sums.assert_matches(r#"(?m)^    \[value\] +: "text" \[Type: std::__cxx11::basic_string<"#);
    sums.assert_matches(r"(?m)^    \[value\] +: 2\.5 \[Type: double\]$");
    run.section("cxx").assert_matches(r#"(?m)^   \[value\] +: "text"$"#);

    if Command::new("gdb").arg("--version").output().is_err() {
        return;
    }
    let Some(gdb) = gdb_locals() else { panic!("gdb did not run") };
    assert!(gdb["shared"].contains("(use count 2, weak count 1)"), "gdb: {}", gdb["shared"]);
    assert!(gdb["choice"].contains("[index 1]"), "gdb: {}", gdb["choice"]);
}

#[test]
fn large_containers_are_shown_in_pages_and_reached_by_index() {
    let run = at_show(&format!(
        "{}\ndx -r1 big\n{}\ndx big[5000]\n{}\ndx -c 9990 big\n{}\ndx window[200]\ndx -c 290 window\n{}\ndt ages\n{}\n?? big[5000]\n",
        mark("page"),
        mark("index"),
        mark("last"),
        mark("deque"),
        mark("dt"),
        mark("cxx")
    ));
    let page = run.section("page");
    let items = dx_items(page.text);
    assert_eq!(items.len(), 100, "{}", run.dump());
    assert_eq!(items[99], ("99".to_string(), "297".to_string()));
    page.assert_matches(r"(?m)^    \[\.\.\.\] 9900 more");
    run.section("index").assert_matches(r"(?m)^big\[5000\] +: 15000 \[Type: int\]$");
    let last = dx_items(run.section("last").text);
    assert_eq!(last.len(), 10, "{}", run.dump());
    assert_eq!(last[9], ("9999".to_string(), "29997".to_string()));
    let deque = run.section("deque");
    deque.assert_matches(r"(?m)^window\[200\] +: 200 \[Type: int\]$");
    // The deque's last buffer: elements 290 to 299, across its buffers of 128.
    let tail = dx_items(deque.text);
    assert_eq!(tail.last(), Some(&("299".to_string(), "299".to_string())), "{}", run.dump());
    assert_eq!(tail.len(), 10, "{}", run.dump());
    let dt = run.section("dt");
    dt.assert_matches(r#"(?m)^   \["bob"\] +: 0n42$"#);
    run.section("cxx").assert_matches(r"(?m)^int 0n15000$");
}

#[test]
fn the_old_abis_string_and_list_are_one_more_layout() {
    let program = debuggee("cxx_std_cow");
    let run = rdb(
        &[s(&program)],
        &format!("bp `cxx_std.cc:{}`\ng\n{}\ndx small\ndx text\ndx queue\ndx ages\nq\n", show(), mark("cow")),
    );
    let cow = run.section("cow");
    cow.assert_matches(r#"(?m)^small +: "hi" \[Type: std::string\]$"#);
    cow.assert_matches(r#"(?m)^text +: "a string longer than fifteen characters" \[Type: std::string\]$"#);
    cow.assert_matches(r"(?m)^queue +\[Type: std::list<int, std::allocator<int> >\]\n    \[0\] +: 9 \[Type: int\]\n    \[1\] +: 8 \[Type: int\]\n    \[2\] +: 7 \[Type: int\]$");
    cow.assert_matches(r#"(?m)^    \["carol"\] +: 27 \[Type: int\]$"#);
}
