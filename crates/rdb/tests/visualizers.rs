//! The visualizer framework through the console on `cxxvars` (g++, libstdc++): a `std::vector<int>` shown by its
//! size and elements in `dv`, `dx` and `??`, paged with `dx -c`, indexed with `dx v[i]` (and an index past its end
//! refused in one line), a `std::string` as its text. The containers in full are `cxx_std.rs`'s and
//! `rust_values.rs`'s.

use rdb_testkit::prelude::*;

#[test]
fn a_vector_and_a_string_show_as_the_library_means_them() {
    let program = debuggee("cxxvars");
    let run = rdb(
        &[s(&program)],
        &format!(
            "bp `cxxvars.cc:{}`\ng\n{}\ndv\n{}\ndx -r1 sides\n{}\ndx -c 3 sides\n{}\ndx sides[2]\ndx sides[4]\n{}\n?? sides\n?? name\nq\n",
            line_of("cxxvars.cc", "call"),
            mark("dv"),
            mark("dx"),
            mark("skip"),
            mark("index"),
            mark("cxx"),
        ),
    );
    let dv = run.section("dv");
    dv.assert_matches(r#"(?m)^ +name = "rectangle"$"#);
    dv.assert_matches(r"(?m)^ +sides = \{ size=4 \}$");

    let dx = run.section("dx");
    dx.assert_matches(r"(?m)^sides +: \{ size=4 \} \[Type: std::vector<int, std::allocator<int> >\]$");
    let elements = dx.all_matches(r"(?m)^    \[(\d)\] +: (\d+) \[Type: int\]$");
    let got: Vec<(String, String)> = elements.iter().map(|m| (m[1].clone(), m[2].clone())).collect();
    let want = [("0", "3"), ("1", "4"), ("2", "3"), ("3", "4")].map(|(a, b)| (a.to_string(), b.to_string()));
    assert_eq!(got, want, "{}", run.dump());
    dx.assert_not_contains("more");

    // -c skips the first children: the page after them.
    let skip = run.section("skip");
    skip.assert_matches(r"(?m)^    \[3\] +: 4 \[Type: int\]$");
    skip.assert_not_contains("[2]");

    let index = run.section("index");
    index.assert_matches(r"(?m)^sides\[2\] +: 3 \[Type: int\]$");
    index.assert_matches(r"(?m)^\^ index 4 is outside 'std::vector<int, std::allocator<int> >', which has 4 elements");

    let cxx = run.section("cxx");
    cxx.assert_matches(r"(?m)^std::vector<int, std::allocator<int> > \{ size=4 \}\n   \[0\] +: 0n3$");
    cxx.assert_matches(r#"(?m)^std::string "rectangle"$"#);
}
