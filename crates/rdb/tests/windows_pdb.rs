//! rdb.exe under Wine on programs whose symbols are in a PDB (CodeView), built here by clang-14 and lld-14:
//! `wpdb` (the MSVC target, no C runtime, its PDB beside it) and `wpdbmingw` (mingw's runtime, whose own objects
//! bring DWARF). Names (`x`, `bp module!function`, `k`, `ln`), lines both ways (`k`'s `[file @ line]`, `bp` on
//! `` `file.c:line` ``, `p` and `t` by source line), and a module whose PDB is another build's or missing. What
//! the PDB itself holds is checked against `llvm-pdbutil` in `crates/rdb-engine/tests/pdb.rs`.

use std::fs;
use std::path::{Path, PathBuf};

use rdb_testkit::prelude::*;
use rdb_testkit::wine::wine_path;

const WINDOWS: Backend = Backend::Windows;

fn line(marker: &str) -> u32 {
    windows_line_of("wpdb.c", marker)
}

/// The lines of the stop locations (`module!symbol+0x.. [file @ line]:`) in `text`, in order.
fn stop_lines(text: &str) -> Vec<(String, u32)> {
    let rx = regex::Regex::new(r"(?m)^(\w+!\w+)(?:\+0x[0-9a-f]+)? \[[^\]]*wpdb\.c @ (\d+)\]:$").unwrap();
    rx.captures_iter(text).map(|c| (c[1].to_string(), c[2].parse().unwrap())).collect()
}

/// `wpdb.exe` alone in a scratch folder, with `pdb` (if any) beside it as `wpdb.pdb`.
fn wpdb_with(name: &str, pdb: Option<&Path>) -> PathBuf {
    let dir = scratch_dir(name);
    let exe = dir.join("wpdb.exe");
    fs::copy(WINDOWS.debuggee("wpdb"), &exe).expect("copy wpdb.exe");
    if let Some(pdb) = pdb {
        fs::copy(pdb, dir.join("wpdb.pdb")).expect("copy a PDB");
    }
    exe
}

#[test]
fn x_bp_k_and_ln_name_what_the_pdb_names() {
    let stdin = format!(
        "{}\nx wpdb!*\n{}\n? wpdb!add\n{}\nbp wpdb!add\ng\nk\n{}\nln wpdb!twice+0x3\n{}\nlm v m wpdb\n{}\nu wpdb!twice L6\n\
         {}\nlsa wpdb!add\nq\n",
        mark("x"),
        mark("eval"),
        mark("k"),
        mark("ln"),
        mark("lm"),
        mark("u"),
        mark("lsa")
    );
    let run = WINDOWS.launch("wpdb", &stdin);
    let x = run.section("x");
    let mut found = Vec::new();
    for name in ["add", "twice", "start", "counter"] {
        found.push(x.assert_matches(&format!(r"(?m)^({ADDR}) wpdb!{name}$"))[1].clone());
    }
    assert_eq!(addr(&found[0]), run.section("eval").evaluation(), "{}", run.dump());

    let frames = parse_frames(run.section("k").text);
    let want = [("wpdb!add", "add_entry"), ("wpdb!twice", "twice_call"), ("wpdb!start", "start_twice")];
    assert!(frames.len() > want.len(), "{}", run.dump());
    for (frame, (site, marker)) in frames.iter().zip(want) {
        assert!(frame.is(site), "{frame:?} is not {site}: {}", run.dump());
        assert!(frame.file.as_deref().is_some_and(|f| f.ends_with("wpdb.c")), "{frame:?}");
        assert_eq!(frame.line, Some(line(marker)), "{site}: {}", run.dump());
    }

    run.section("ln").assert_matches(&format!(r"(?m)^\({}\) +wpdb!twice\+0x3(?:\s|$)", found[1]));
    let lm = run.section("lm");
    lm.assert_matches(r"(?m)^[0-9a-f`]+ [0-9a-f`]+ +wpdb +\(pdb symbols\) ");
    lm.assert_matches(r"(?m)^    Symbol file: +Z:\\.*\\wpdb\.pdb$");
    lm.assert_not_contains("PDB not used");
    // The call in twice is labelled with its target's name; add's source is listed around its first line.
    run.section("u").assert_matches(&format!(r"(?m)^{ADDR} e8[0-9a-f]{{8}} +call +wpdb!add \({}\)$", found[0]));
    run.section("lsa")
        .assert_matches(&format!(r"(?m)^>? *{}: +int sum = a \+ b; /\* @add_body \*/$", line("add_body")));
}

#[test]
fn bp_on_a_source_line_stops_there_and_p_steps_over_calls_by_the_pdbs_lines() {
    let stdin = format!("l+t\nbp `wpdb.c:{}`\ng\n{}\np\np\nq\n", line("start_add"), mark("p"));
    let run = WINDOWS.launch("wpdb", &stdin);
    let hit = run.out().text.split("==p==").next().unwrap_or_default().to_string();
    assert_eq!(stop_lines(&hit), [("wpdb!start".to_string(), line("start_add"))], "{}", run.dump());
    run.assert_contains("Breakpoint 0 hit");
    let want: Vec<(String, u32)> =
        ["start_counter", "start_exit"].iter().map(|m| ("wpdb!start".to_string(), line(m))).collect();
    assert_eq!(stop_lines(run.section("p").text), want, "{}", run.dump());
}

#[test]
fn t_steps_into_a_call_and_back_out_line_by_line() {
    let stdin = format!("l+t\nbp `wpdb.c:{}`\ng\n{}\nt\nt\nt\nt\nt\nq\n", line("twice_call"), mark("t"));
    let run = WINDOWS.launch("wpdb", &stdin);
    let want: Vec<(String, u32)> = [
        ("wpdb!add", "add_entry"),
        ("wpdb!add", "add_body"),
        ("wpdb!add", "add_return"),
        ("wpdb!twice", "twice_return"),
        // Back in start in the middle of its line 30 (the assignment of twice's result): on to the next line.
        ("wpdb!start", "start_add"),
    ]
    .iter()
    .map(|(f, m)| (f.to_string(), line(m)))
    .collect();
    assert_eq!(stop_lines(run.section("t").text), want, "{}", run.dump());
}

#[test]
fn a_pdb_of_another_build_is_not_used_and_says_why() {
    // wpdbmingw's PDB is another program's: its GUID is not the one wpdb.exe records.
    let mingw = WINDOWS.debuggee("wpdbmingw").with_extension("pdb");
    let exe = wpdb_with("pdb-mismatch", Some(&mingw));
    let stdin = format!(
        "{}\nx wpdb!*\n{}\nlm v m wpdb\n{}\nbp kernel32!ExitProcess\ng\nk\n{}\ng\n",
        mark("x"),
        mark("lm"),
        mark("k"),
        mark("end")
    );
    let run = WINDOWS.rdb(&[&wine_path(&exe)], &stdin);
    run.section("x").assert_not_contains("wpdb!add");
    let lm = run.section("lm");
    lm.assert_matches(r"(?m)^[0-9a-f`]+ [0-9a-f`]+ +wpdb +\((?:export|no) symbols\) ");
    lm.assert_matches(
        r"(?m)^    PDB not used: +\S*wpdb\.pdb: mismatched PDB \(GUID \{[0-9A-F-]{36}\} age 1; the image wants GUID \{[0-9A-F-]{36}\} age 1\)$",
    );
    // The program still runs, and is unwound through by its .pdata.
    let frames = parse_frames(run.section("k").text);
    assert!(frames.iter().any(|f| f.site.starts_with("wpdb+0x")), "{}", run.dump());
    run.section("end").assert_matches(&exit_code_re(7));
}

#[test]
fn a_module_without_its_pdb_keeps_working() {
    let exe = wpdb_with("pdb-missing", None);
    let stdin = format!(
        "x wpdb!*\n{}\nlm v m wpdb\n{}\nbp kernel32!ExitProcess\ng\nk\n{}\ng\n",
        mark("lm"),
        mark("k"),
        mark("end")
    );
    let run = WINDOWS.rdb(&[&wine_path(&exe)], &stdin);
    run.section("lm").assert_matches(r"(?m)^    PDB not used: +wpdb\.pdb not found ");
    let frames = parse_frames(run.section("k").text);
    assert!(frames.first().is_some_and(|f| f.is("kernel32!ExitProcess")), "{}", run.dump());
    assert!(frames.iter().any(|f| f.site.starts_with("wpdb+0x")), "{}", run.dump());
    run.section("end").assert_matches(&exit_code_re(7));
}

#[test]
fn sympath_finds_the_pdb_in_another_folder() {
    let exe = wpdb_with("pdb-elsewhere", None);
    let store = scratch_dir("pdb-store");
    fs::copy(WINDOWS.debuggee("wpdb").with_extension("pdb"), store.join("wpdb.pdb")).expect("copy the PDB");
    let stdin = format!(
        "{}\nx wpdb!add\n{}\n.sympath {}\nx wpdb!add\nlm v m wpdb\nq\n",
        mark("before"),
        mark("after"),
        wine_path(&store)
    );
    let run = WINDOWS.rdb(&[&wine_path(&exe)], &stdin);
    run.section("before").assert_not_contains("wpdb!add");
    let after = run.section("after");
    after.assert_matches(&format!(r"(?m)^{ADDR} wpdb!add$"));
    after.assert_matches(&format!(r"(?m)^    Symbol file: +{}$", regex::escape(&wine_path(&store.join("wpdb.pdb")))));
}

#[test]
fn a_mingw_program_takes_its_own_code_from_the_pdb_and_its_runtime_from_dwarf() {
    let run = WINDOWS
        .launch("wpdbmingw", &format!("bp wpdbmingw!add\ng\n{}\nk\n{}\nlm m wpdbmingw\ng\n", mark("k"), mark("lm")));
    let frames = parse_frames(run.section("k").text);
    let src = |m| windows_line_of("wpdbmingw.c", m);
    assert!(frames.len() > 3, "{}", run.dump());
    assert!(frames[0].is("wpdbmingw!add") && frames[0].line == Some(src("add_entry")), "{}", run.dump());
    assert!(frames[1].is("wpdbmingw!main") && frames[1].line == Some(src("main_add")), "{}", run.dump());
    // The caller of main is mingw's runtime, whose lines are in its DWARF.
    assert!(frames[2].file.as_deref().is_some_and(|f| f.ends_with("crtexe.c")), "{}", run.dump());
    run.section("lm").assert_matches(r"(?m)^[0-9a-f`]+ [0-9a-f`]+ +wpdbmingw +\(pdb symbols\) ");
    run.assert_contains("sum 5");
    run.assert_matches(&exit_code_re(5));
}
