//! Rust values as Rust shows them (issue 16), through the shipped `rdb`, on `rust_values` built at opt-level 0 and
//! 1: enums tagged and with a niche (`Some(7)`, `None`, `Err(..)`, `Circle { radius: 2.5 }`, `Rect(3, 4)`),
//! tuples, `char`, `u128`, `()`, types named as rustc names them, Rust's syntax in `dx` and `??` (`r.x` through a
//! reference, `t.0`, `*r`, `&x`, `v[i]`), and the standard library's containers through their visualizers. The
//! expected values are the program's own `{:?}` printing (`name=...` lines, the oracle), read by running it.

use std::collections::HashMap;
use std::process::Command;

use rdb_testkit::prelude::*;

/// The program's own printing of each value: `name` → its `{:?}` text.
fn oracle(exe: &std::path::Path) -> HashMap<String, String> {
    let out = Command::new(exe).output().expect("the debuggee runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// rdb run on `exe`, stopped at the stop marker, with `commands` (each one after a section marker of its own
/// name, `c0`, `c1`, …); the sections come back in order.
fn at_stop(exe: &std::path::Path, commands: &[&str]) -> RdbRun {
    let mut script = format!("bp `rust_values.rs:{}`\ng\n", line_of("rust_values.rs", "stop"));
    for (i, c) in commands.iter().enumerate() {
        script.push_str(&format!("{}\n{c}\n", mark(&format!("c{i}"))));
    }
    script.push_str("q\n");
    rdb(&[s(exe)], &script)
}

/// `dv`'s `name = value` rows.
fn dv_values(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once(" = "))
        .map(|(name, value)| (name.trim().to_string(), value.trim().to_string()))
        .collect()
}

fn both_builds() -> [std::path::PathBuf; 2] {
    [debuggee("rust_values"), debuggee("rust_values_o1")]
}

#[test]
fn enums_tuples_and_basics_as_the_program_prints_them() {
    for exe in both_builds() {
        let expected = oracle(&exe);
        let run = at_stop(&exe, &["dv"]);
        let dv = dv_values(run.section("c0").text);
        // Written exactly as `{:?}` writes them.
        for name in [
            "tuple",
            "unit",
            "big_unsigned",
            "big_signed",
            "some_int",
            "no_int",
            "no_ref",
            "ok",
            "circle",
            "rect",
            "unit_shape",
            "level",
            "flag",
            "nested_none",
            "no_level",
        ] {
            assert_eq!(dv.get(name), expected.get(name), "{name}:\n{}", run.dump());
        }
        // A char: WinDbg's number and the character as Rust writes it.
        assert_eq!(dv["letter"], format!("0n97 {}", expected["letter"]), "{}", run.dump());
        assert_eq!(dv["accented"], format!("0n233 {}", expected["accented"]), "{}", run.dump());
        assert_eq!(dv["yes"], "true");
        // A C-like enum keeps its WinDbg shape; an array and a struct are named as Rust names them.
        assert_eq!(dv["color"], format!("{} (0n5)", expected["color"]));
        let module = exe.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        assert_eq!(dv["shapes"], format!("[{module}::Shape; 3]"), "{}", run.dump());
        assert_eq!(dv["point"], format!("{module}::Point"));
        assert_eq!(dv["array"], "[i32; 4]");
        // A niche's Some holds a reference, written as what it refers to, as `{:?}` does; a Box or an Rc of a
        // struct as the struct it holds.
        assert_eq!(dv["some_ref"], expected["some_ref"], "{}", run.dump());
        assert_eq!(dv["held_box"], expected["held_box"], "{}", run.dump());
        assert_eq!(dv["held_rc"], expected["held_rc"], "{}", run.dump());
    }
}

#[test]
fn enum_children_are_the_active_variants_fields() {
    let exe = debuggee("rust_values");
    let run = at_stop(&exe, &["dx circle", "dx rect", "dx -r2 shapes", "dx tuple", "dx no_int", "dx -r1 err"]);
    run.section("c0").assert_matches(
        r"(?m)^circle +: Circle \{ radius: 2\.5 \} \[Type: rust_values::Shape\]\n +\[\+0x008\] radius +: 2\.5 \[Type: f64\]$",
    );
    // A tuple variant's fields `0` and `1`, at their offsets in the enum (after the tag).
    run.section("c1").assert_matches(r"(?m)^ +\[\+0x004\] 0 +: 3 \[Type: u32\]\n +\[\+0x008\] 1 +: 4 \[Type: u32\]$");
    let shapes = run.section("c2");
    shapes.assert_matches(
        r"(?m)^ +\[0\] +: Circle \{ radius: 1\.0 \} \[Type: rust_values::Shape\]\n +\[\+0x008\] radius +: 1 ",
    );
    shapes.assert_matches(r"(?m)^ +\[1\] +: Rect\(5, 6\) ");
    shapes.assert_matches(r"(?m)^ +\[2\] +: Unit \[Type: rust_values::Shape\]$");
    run.section("c3").assert_matches(r"(?m)^tuple +: \(1, 2\.5\) \[Type: \(i32, f64\)\]\n +\[\+0x000\] 0 +: 1 \[Type: i32\]\n +\[\+0x008\] 1 +: 2\.5 \[Type: f64\]$");
    // None has no fields: no children.
    let none = run.section("c4");
    none.assert_matches(r"(?m)^no_int +: None \[Type: core::option::Option<i32>\]$");
    assert_eq!(none.text.trim().lines().count(), 1, "{}", run.dump());
    // Result<i32, String> keeps its tag in the niche of the String's capacity: Err's String is at offset 0.
    run.section("c5").assert_matches(r"(?m)^ +\[\+0x000\] 0 .*\[Type: alloc::string::String\]$");
}

#[test]
fn dt_shows_an_enums_variant_and_the_layout_of_each() {
    let exe = debuggee("rust_values");
    let run = at_stop(&exe, &["dt circle", "dt rust_values::Shape", "dt no_int"]);
    // A value: as Rust writes it, then the fields its variant holds.
    run.section("c0").assert_matches(r"(?m)^Circle \{ radius: 2\.5 \}\n +\+0x008 radius +: 2\.5$");
    // The type: each variant, with the layout of its fields.
    run.section("c1").assert_matches(
        r"(?m)^ +Circle\n +\+0x008 radius +: Float\n +Rect\n +\+0x004 0 +: Uint4B\n +\+0x008 1 +: Uint4B\n +Unit$",
    );
    run.section("c2").assert_matches(r"(?m)^None$");
}

#[test]
fn rust_syntax_in_a_rust_frame() {
    for exe in both_builds() {
        let expected = oracle(&exe);
        let run = at_stop(
            &exe,
            &[
                "dx point_ref.x",
                "dx tuple.0",
                "dx tuple.1",
                "dx all.0.2.at.y",
                "dx array[2]",
                "dx *point_ref",
                "dx &point",
                "dx rect.1",
                "?? tagged.at",
                "dx array[4]",
                "dx some_int.0",
            ],
        );
        let point = &expected["point"];
        assert_eq!(point, "Point { x: 3, y: -4 }");
        run.section("c0").assert_matches(r"(?m)^point_ref\.x +: 3 \[Type: i32\]$");
        run.section("c1").assert_matches(r"(?m)^tuple\.0 +: 1 \[Type: i32\]$");
        run.section("c2").assert_matches(r"(?m)^tuple\.1 +: 2\.5 \[Type: f64\]$");
        run.section("c3").assert_matches(r"(?m)^all\.0\.2\.at\.y +: 0 \[Type: i32\]$");
        run.section("c4").assert_matches(r"(?m)^array\[2\] +: 3 \[Type: i32\]$");
        run.section("c5").assert_matches(r"(?m)^ +\[\+0x000\] x +: 3 \[Type: i32\]\n +\[\+0x004\] y +: -4 ");
        run.section("c6").assert_matches(r"(?m)^&point +: 0x[0-9a-f]+ \[Type: &\w+::Point\]$");
        run.section("c7").assert_matches(r"(?m)^rect\.1 +: 4 \[Type: u32\]$");
        run.section("c8").assert_matches(r"(?m)^ +\+0x000 x +: 0n0\n +\+0x004 y +: 0n0$");
        // Rust checks its bounds; so does rdb in a Rust frame.
        run.section("c9").assert_contains("index 4 is out of bounds: the length is 4");
        run.section("c10").assert_matches(r"(?m)^some_int\.0 +: 7 \[Type: i32\]$");
    }
}

#[test]
fn slices_index_within_their_length() {
    let exe = debuggee("rust_values");
    let expected = oracle(&exe);
    assert_eq!(expected["slice"], "[2, 3, 4]");
    let run = at_stop(
        &exe,
        &["dx slice[0]", "dx slice[2]", "dx slice[3]", "dx slice_text[0]", "dx text[0]", "dx text[12]", "dx rc[0]"],
    );
    run.section("c0").assert_matches(r"(?m)^slice\[0\] +: 2 \[Type: i32\]$");
    run.section("c1").assert_matches(r"(?m)^slice\[2\] +: 4 \[Type: i32\]$");
    run.section("c2").assert_contains("index 3 is out of bounds: the length is 3");
    // "world"[0] is the byte 'w'.
    run.section("c3").assert_matches(r"(?m)^slice_text\[0\] +: 119 \[Type: u8\]$");
    // A String's index is a byte of its text too, within its length, not one of its `[len]`/`[capacity]` items;
    // an Rc's items are not elements at all.
    run.section("c4").assert_matches(r"(?m)^text\[0\] +: 104 \[Type: u8\]$");
    run.section("c5").assert_contains("index 12 is outside 'alloc::string::String', which is 12 long");
    run.section("c6").assert_contains("cannot be indexed");
}

/// The children `dx` lists one level down: `(name, value)` of each `    name : value [Type: T]` line.
fn dx_children(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter(|l| l.starts_with("    ") && !l.starts_with("        "))
        .filter_map(|l| {
            let (name, rest) = l.trim().split_once(" : ")?;
            let value = rest.rsplit_once(" [Type: ").map(|(v, _)| v).unwrap_or(rest);
            Some((name.trim().to_string(), value.to_string()))
        })
        .collect()
}

/// `[a, b, c]` (the program's `{:?}` of a sequence) as its items.
fn items(debug: &str) -> Vec<String> {
    let inner = debug.trim_start_matches(['[', '{']).trim_end_matches([']', '}']);
    if inner.is_empty() { Vec::new() } else { inner.split(", ").map(str::to_string).collect() }
}

fn values_of(children: &[(String, String)]) -> Vec<String> {
    children.iter().map(|(_, v)| v.clone()).collect()
}

#[test]
fn std_types_as_the_program_prints_them() {
    for exe in both_builds() {
        let expected = oracle(&exe);
        let run = at_stop(
            &exe,
            &[
                "dv",
                "dx numbers",
                "dx ring",
                "dx array",
                "dx rc",
                "dx arc",
                "dx weak",
                "dx refcell",
                "dx cell",
                "dx map",
                "dx set",
                "dx tree_set",
                "dx boxed",
                "dx borrowed",
                "dx some_box",
            ],
        );
        let dv = dv_values(run.section("c0").text);
        // Strings as text, exactly as `{:?}` quotes them; Box and Option<Box> as what they hold.
        assert_eq!(dv["text"], expected["text"], "{}", run.dump());
        assert_eq!(dv["err"], expected["err"]);
        assert_eq!(dv["some_box"], expected["some_box"]);
        assert_eq!(dv["numbers"], "{ len=3 }");
        assert_eq!(dv["big"], format!("{{ len={} }}", expected["big_len"]));
        assert_eq!(dv["rc"], expected["rc"].split(' ').next().unwrap_or_default());
        let section = |i: usize| dx_children(run.section(&format!("c{i}")).text);
        assert_eq!(values_of(&section(1)), items(&expected["numbers"]), "{}", run.dump());
        // The ring in order from its head, though its buffer wraps.
        assert_eq!(values_of(&section(2)), items(&expected["ring"]), "{}", run.dump());
        assert_eq!(values_of(&section(3)), items(&expected["array"]));
        // Rc and Arc: the value, and the counts Rc::strong_count and Rc::weak_count give.
        let counts = |line: &str| -> (String, String) {
            let field = |k: &str| {
                line.split(&format!("{k}=")).nth(1).and_then(|s| s.split(' ').next()).unwrap_or("").to_string()
            };
            (field("strong"), field("weak"))
        };
        let rc = section(4);
        assert_eq!(rc[0], ("[value]".into(), "\"shared\"".into()), "{}", run.dump());
        assert_eq!((rc[1].1.clone(), rc[2].1.clone()), counts(&expected["rc"]));
        let arc = section(5);
        assert_eq!(arc[0].1, "77");
        assert_eq!((arc[1].1.clone(), arc[2].1.clone()), counts(&expected["arc"]));
        run.section("c6").assert_matches(&format!(
            r"\{{ strong={}, weak={} \}}",
            counts(&expected["rc"]).0,
            counts(&expected["rc"]).1
        ));
        // RefCell: its value, and one shared borrow outstanding (`borrowed`).
        let refcell = section(7);
        assert_eq!(refcell[0].1, "{ len=2 }");
        assert_eq!(refcell[1], ("[borrow]".into(), "1".into()));
        run.section("c8").assert_matches(r"(?m)^cell +: 5 \[Type: core::cell::Cell<i32>\]$");
        // A HashMap's entries by key, in the table's order; a set's elements.
        let mut map = section(9);
        map.sort();
        assert_eq!(
            map,
            [("[\"one\"]".into(), "1".into()), ("[\"three\"]".into(), "3".into()), ("[\"two\"]".into(), "2".into())]
        );
        let mut set = values_of(&section(10));
        set.sort();
        assert_eq!(set, ["5", "6", "7"]);
        assert_eq!(values_of(&section(11)), items(&expected["tree_set"]));
        run.section("c12").assert_matches(r"(?m)^ +\[\+0x000\] x +: 8 \[Type: i32\]\n +\[\+0x004\] y +: 9 ");
        assert_eq!(values_of(&section(13)), ["1", "2"]);
        assert_eq!(values_of(&section(14)), ["9"]);
    }
}

#[test]
fn empty_containers_and_a_dangling_weak() {
    let exe = debuggee("rust_values");
    let expected = oracle(&exe);
    let run = at_stop(&exe, &["dx empty_vec", "dx empty_map", "dx empty_tree", "dx empty_ring", "dx dangling"]);
    for (i, name) in ["empty_vec", "empty_map", "empty_tree", "empty_ring"].iter().enumerate() {
        assert!(items(&expected[*name]).is_empty());
        let section = run.section(&format!("c{i}"));
        section.assert_matches(&format!(r"(?m)^{name} +: \{{ len=0 \}} \[Type: "));
        assert!(dx_children(section.text).is_empty(), "{}", run.dump());
    }
    // `Weak::new()` points nowhere: nothing is read through it.
    let dangling = run.section("c4");
    dangling.assert_matches(&format!(
        r"(?m)^dangling +: {} \[Type: alloc::rc::Weak<i32",
        regex::escape(&expected["dangling"])
    ));
    assert!(dx_children(dangling.text).is_empty(), "{}", run.dump());
}

#[test]
fn big_containers_are_paged() {
    let exe = debuggee("rust_values");
    let expected = oracle(&exe);
    let run =
        at_stop(&exe, &["dx -r1 big", "dx big[5000]", "dx big[10000]", "dx -r1 tree", "dx tree[50]", "dx -c 98 big"]);
    let big = run.section("c0");
    assert_eq!(dx_children(big.text).len(), 100, "{}", run.dump());
    big.assert_matches(r"(?m)^ +\[99\] +: 297 \[Type: u32\]$");
    big.assert_contains("9900 more");
    run.section("c1").assert_matches(&format!(r"(?m)^big\[5000\] +: {} \[Type: u32\]$", expected["big_5000"]));
    run.section("c2").assert_contains("10000");
    // A BTreeMap of 100 entries has internal nodes: walked in key order.
    let tree = dx_children(run.section("c3").text);
    assert_eq!(tree.len(), 100, "{}", run.dump());
    assert!(
        tree.iter().enumerate().all(|(k, (name, value))| *name == format!("[{k}]") && *value == (k * k).to_string())
    );
    let tree_50 = expected["tree_len"].split("tree_50=").nth(1).unwrap_or_default().to_string();
    run.section("c4").assert_matches(&format!(r"(?m)^tree\[50\] +: {tree_50} \[Type: i32\]$"));
    run.section("c5").assert_matches(r"(?m)^ +\[98\] +: 294 \[Type: u32\]\n +\[99\] +: 297 ");
}
