//! Text the debuggee chooses, printed: a library's path, ELF symbols and DWARF source paths holding ESC sequences and
//! newlines reach the terminal escaped (`\x1b`, `\n`), so they can neither rewrite the screen nor forge a line of
//! rdb's own. (A Windows debug string's: `windows_events.rs`.)

use std::path::{Path, PathBuf};
use std::process::Command;

use rdb_testkit::prelude::*;

#[test]
fn a_library_path_with_an_esc_sequence_and_a_newline_is_printed_escaped() {
    let dir = scratch_dir("hostile-library");
    let library = dir.join("lib\u{1b}[31mred\nBreakpoint 0 hit\n.so");
    std::fs::copy(debuggee("plugin"), &library).unwrap();
    let run = rdb(&[s(&debuggee("dlopen")), s(&library)], &format!("sxe ld\ng\n{}\nlm\nsxd ld\ng\nq\n", mark("lm")));
    run.assert_printable("Breakpoint 0 hit", 0);
    let escaped = regex::escape(r"lib\x1b[31mred\nBreakpoint 0 hit\n.so");
    run.assert_matches(&format!(r"(?m)^ModLoad: {ADDR} {ADDR}   \S*{escaped}$"));
    run.section("lm").assert_matches(&format!(r"(?m)^{ADDR} {ADDR}   lib_\S* +{LM_STATE}\S*{escaped}$"));
    run.assert_matches(&format!(r"(?m)^Unload module \S*{escaped} at {ADDR}$"));
    run.assert_contains("plugin said 42");
    run.assert_matches(&exit_code_re(0));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `ctlnames` with its function `weird` renamed to one holding a newline, as no assembler writes it.
fn ctlnames_renamed(dir: &Path) -> PathBuf {
    let program = dir.join("ctlnames");
    let status = Command::new("objcopy")
        .arg("--redefine-sym")
        .arg("weird=weird\nBreakpoint 7 hit")
        .arg(debuggee("ctlnames"))
        .arg(&program)
        .status()
        .expect("objcopy (binutils) runs");
    assert!(status.success(), "objcopy renames the symbol");
    program
}

#[test]
fn symbol_and_source_file_names_with_control_characters_are_printed_escaped() {
    let dir = scratch_dir("hostile-names");
    let program = ctlnames_renamed(&dir);
    let run = rdb(
        &[s(&program)],
        &format!(
            "bp ctlnames!main\nbp ctlnames!red\ng\n{}\nk\n{}\nx ctlnames!*\n{}\nu ctlnames!red L1\ng\n{}\nt\ng\nq\n",
            mark("k"),
            mark("x"),
            mark("u"),
            mark("in")
        ),
    );
    // The one breakpoint's own hit is the only `Breakpoint 0 hit`; the source file's name forges none.
    run.assert_printable("Breakpoint 0 hit", 1);
    run.assert_printable("Breakpoint 7 hit", 0);
    let evil = regex::escape(r"ctlnames!evil\x1b[31mred");
    run.section("k").assert_matches(&format!(
        r"(?m)^{ADDR} {ADDR}     ctlnames!main \[\S*{} @ \d+\]$",
        regex::escape(r"ctl\x1b[2J\nBreakpoint 0 hit.c")
    ));
    let x = run.section("x");
    x.assert_matches(&format!(r"(?m)^{ADDR} {evil}$"));
    x.assert_matches(&format!(r"(?m)^{ADDR} {}$", regex::escape(r"ctlnames!weird\nBreakpoint 7 hit")));
    run.section("u").assert_matches(&format!(r"(?m)^{ADDR} \S+ +jmp +{evil} \({ADDR}\)$"));
    run.section("in").assert_matches(&format!(r"(?m)^{evil}:$"));
    run.assert_contains("weird says 2");
    run.assert_matches(&exit_code_re(0));
    let _ = std::fs::remove_dir_all(&dir);
}
