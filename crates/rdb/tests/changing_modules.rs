//! A module's file changed under rdb while it debugs the program (by the program itself here, `swaplib`; by anyone
//! in life, `cp` over a library): replaced by a FIFO, by a symlink to `/dev/zero`, or truncated after rdb mapped
//! it. rdb must neither block in `open` (deaf to signals), nor read without bound, nor die of SIGBUS: it reads
//! the symbols it can, and the session goes on to a clean quit.

use rdb_testkit::prelude::*;

/// rdb's peak resident memory (`VmHWM`), in KiB.
fn peak_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap_or("VmHWM: 0 kB");
    line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).unwrap_or(0)
}

/// swaplib, on a copy of libplugin.so of its own, changes the copy's file `how`. rdb runs `before` where the library
/// is loaded and its file still whole, then `after` once the file has changed, then lets the program load libm
/// (rdb's backend walks the loader's list of modules again, changed file included), end, and quits.
/// The run must not hang (the kit's timeout), `after` must finish without rdb growing past a sane size, and rdb
/// must quit with its own `quit:` and status 0, the program having run to its end.
fn change_library(how: &str, before: &str, after: &str) -> RdbRun {
    let dir = scratch_dir(&format!("changing-{how}"));
    let library = dir.join("libplugin.so");
    std::fs::copy(debuggee("plugin"), &library).unwrap();
    let mut rdb = RdbSession::start(&[s(&debuggee("swaplib")), how, s(&library)]);
    rdb.send("bp swaplib!loaded");
    rdb.send("bp swaplib!changed");
    rdb.send("g");
    rdb.send(before);
    rdb.send("g");
    rdb.send(&mark("after"));
    rdb.send(after);
    rdb.send(".echo after-done");
    if rdb.wait_for(r"(?m)^after-done$", default_timeout()).is_none() {
        panic!("rdb did not get through the commands after the file changed\n{}", rdb.dump());
    }
    let peak = peak_kib(rdb.pid());
    rdb.send("g");
    rdb.send("q");
    let run = rdb.finish();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(peak < 1024 * 1024, "rdb grew to {peak} KiB reading the changed file\n{}", run.dump());
    run.assert_contains(&format!("library file changed: {how}"));
    run.assert_contains("libm loaded");
    run.assert_matches(r"(?m)^ModLoad: .*/libm\.so\.6$");
    run.assert_matches(&exit_code_re(0));
    run.assert_matches(r"(?m)^quit:$");
    run.assert_success();
    run
}

/// What a session shows of the library after its file became something no symbols can come from.
fn no_symbols_from(run: &RdbRun) {
    let after = run.section("after");
    after.assert_matches(&format!(r"(?m)^{ADDR} {ADDR}   libplugin +\(no symbols\) +\S*/libplugin\.so$"));
    after.assert_not_matches(r"libplugin!plugin_answer");
}

#[test]
fn a_library_replaced_by_a_fifo_is_not_opened() {
    // Before, rdb opened the FIFO for the library's symbols and blocked there for ever, deaf to every signal.
    let run = change_library("fifo", ".echo before", "x libplugin!*\nlm");
    no_symbols_from(&run);
}

#[test]
fn a_library_replaced_by_a_symlink_to_dev_zero_is_not_read() {
    // Before, rdb read /dev/zero for the library's symbols until memory ran out.
    let run = change_library("zero", ".echo before", "x libplugin!*\nlm");
    no_symbols_from(&run);
}

#[test]
fn a_library_truncated_after_rdb_mapped_it_does_not_kill_rdb() {
    // The symbols are read from the mapped file at `loaded`; after the truncation every page of the mapping is
    // gone from the file. Before, the next read of them was a SIGBUS that killed rdb, and the program with it.
    let run = change_library(
        "truncate",
        "x libplugin!plugin_answer",
        "x libplugin!*\nln libplugin!plugin_answer\nu libplugin!plugin_answer L1\nbp `plugin.c:5`\nlm",
    );
    run.assert_matches(&format!(r"(?m)^{ADDR} libplugin!plugin_answer$"));
    run.section("after").assert_matches(&format!(r"(?m)^{ADDR} {ADDR}   libplugin +{LM_STATE}\S*/libplugin\.so$"));
}
