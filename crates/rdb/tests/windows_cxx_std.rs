//! rdb.exe under Wine on `cxx_std` built by mingw-w64's g++ 12 (DWARF in the PE, libstdc++ as a DLL of its own):
//! libstdc++'s main containers, smart pointers, optional and variant as on Linux (the same definitions read
//! mingw's layouts: `long` is 32 bits there), and a polymorphic pointer's dynamic type through its vtable.

use rdb_testkit::prelude::*;

const WINDOWS: Backend = Backend::Windows;

#[test]
fn libstdcxx_values_and_dynamic_types_under_wine() {
    let stdin = format!(
        "bp `cxx_std.cc:{}`\ng\n{}\ndx ages\n{}\ndx nums\n{}\ndx queue\n{}\ndx counts\n{}\ndx window[200]\ndx flags\n{}\n\
         dx choice\ndx maybe\ndx shared\n{}\ndx sp\n{}\ndx big[5000]\ndx -r1 big\nq\n",
        line_of("cxx_std.cc", "show"),
        mark("map"),
        mark("vector"),
        mark("list"),
        mark("hash"),
        mark("deque"),
        mark("sums"),
        mark("dynamic"),
        mark("big")
    );
    let run = WINDOWS.launch("cxx_std", &stdin);
    let map = run.section("map");
    map.assert_matches(r"(?m)^ages +: \{ size=3 \} \[Type: std::map<");
    map.assert_matches(
        r#"(?m)^    \["alice"\] +: 31 \[Type: int\]\n    \["bob"\] +: 42 \[Type: int\]\n    \["carol"\] +: 27 "#,
    );
    let vector = run.section("vector");
    vector.assert_matches(r"(?m)^nums +: \{ size=5 \} ");
    vector.assert_matches(r"(?m)^    \[4\] +: 5 \[Type: int\]$");
    run.section("list")
        .assert_matches(r"(?m)^    \[0\] +: 9 \[Type: int\]\n    \[1\] +: 8 \[Type: int\]\n    \[2\] +: 7 ");
    let hash = run.section("hash");
    hash.assert_matches(r#"(?m)^    \["red"\] +: 1 \[Type: int\]$"#);
    hash.assert_matches(r#"(?m)^    \["green"\] +: 2 \[Type: int\]$"#);
    let deque = run.section("deque");
    deque.assert_matches(r"(?m)^window\[200\] +: 200 \[Type: int\]$");
    deque.assert_matches(r"(?m)^flags +: \{ size=4 \} \[Type: std::vector<bool, ");
    deque.assert_matches(
        r"(?m)^    \[0\] +: true \[Type: bool\]\n    \[1\] +: false \[Type: bool\]\n    \[2\] +: true ",
    );
    let sums = run.section("sums");
    sums.assert_matches(r#"(?m)^choice +: \[index 1\] "text" \[Type: std::variant<"#);
    sums.assert_matches(r"(?m)^maybe +: 5 \[Type: std::optional<int>\]$");
    sums.assert_matches(r"(?m)^shared +: 0x[0-9a-f]+ \[use count 2, weak count 1\] ");
    let dynamic = run.section("dynamic");
    dynamic.assert_matches(r"(?m)^sp +: 0x[0-9a-f]+ \[Type: Circle \*\]$");
    dynamic.assert_matches(r"(?m)^    \[\+0x010\] radius +: 2\.5 \[Type: double\]$");
    let big = run.section("big");
    big.assert_matches(r"(?m)^big\[5000\] +: 15000 \[Type: int\]$");
    big.assert_matches(r"(?m)^    \[99\] +: 297 \[Type: int\]\n    \[\.\.\.\] 9900 more");
}

#[test]
fn a_pdb_described_polymorphic_pointer_shows_its_dynamic_type() {
    // Microsoft's vtables, named in the PDB's publics (`??_7Circle@geo@@6B@`), without RTTI.
    let stdin = format!(
        "bp `wpdbvirtual.cc:{}`\ng\n{}\ndx s\n{}\ndx r\nq\n",
        windows_line_of("wpdbvirtual.cc", "areas"),
        mark("s"),
        mark("r")
    );
    let run = WINDOWS.launch("wpdbvirtual", &stdin);
    let s = run.section("s");
    s.assert_matches(r"(?m)^s +: 0x[0-9a-f]+ \[Type: geo::Circle \*\]\r?$");
    s.assert_matches(r"(?m)^    \[\+0x010\] radius +: 2 \[Type: int\]\r?$");
    let r = run.section("r");
    r.assert_matches(r"(?m)^r +\[Type: geo::Square\]\r?$");
    r.assert_matches(r"(?m)^    \[\+0x010\] side +: 5 \[Type: int\]\r?$");
}
