//! Child processes under Wine (`wchild` starts a copy of itself that exits 7): `-o` debugs the child as process 1
//! with its own modules and loader breakpoint, `|` lists and switches, a breakpoint belongs to one process, and
//! the child's exit hands the console back to process 0. `.childdbg 1` on a running process applies from
//! `.restart` under Wine, which cannot change a running process's debug flags. Without either, the child runs
//! undebugged (`windows_events.rs`).

use rdb_testkit::prelude::*;
use rdb_testkit::wine::{rdb_wine, wine_path};

fn hex(pid: &str) -> u32 {
    u32::from_str_radix(pid, 16).unwrap()
}

#[test]
fn minus_o_debugs_the_child_as_process_1() {
    let program = wine_path(&windows_debuggee("wchild"));
    let run = rdb_wine(
        &["-o", &program],
        &format!(
            "g\n{}\n|\n|0s\n{}\n|\n|1s\nbp wchild!say\n{}\ng\n{}\n|\nk\n{}\ng\n{}\ng\n",
            mark("list"),
            mark("zero"),
            mark("go"),
            mark("hit"),
            mark("child-exit"),
            mark("parent-exit")
        ),
    );
    let breaks = run.out().all_matches(&exception_re("Break instruction exception", "80000003"));
    assert_eq!(breaks.len(), 2, "one loader breakpoint per process\n{}", run.dump());
    let (parent, child) = (breaks[0][1].clone(), breaks[1][1].clone());
    assert_ne!(parent, child, "{}", run.dump());
    // The child's own ModLoad lines come between the two loader breakpoints.
    let exe = Backend::Windows.image_re("wchild");
    let between = &run.stdout[run.stdout.find(&breaks[0][0]).unwrap()..run.stdout.find(&breaks[1][0]).unwrap()];
    assert!(
        regex::Regex::new(&format!(r"(?m)^ModLoad: {ADDR} {ADDR}   {exe}$")).unwrap().is_match(between),
        "the child reports its executable\n{}",
        run.dump()
    );

    let list = run.section("list");
    list.assert_matches(&format!("(?m)^   0\tid: {parent}\tcreate\tname: wchild.exe$"));
    list.assert_matches(&format!("(?m)^\\.  1\tid: {child}\tchild\tname: wchild.exe$"));
    let zero = run.section("zero");
    zero.assert_matches(&format!("(?m)^\\.  0\tid: {parent}\tcreate\tname: wchild.exe$"));
    zero.assert_matches(&format!("(?m)^   1\tid: {child}\tchild\tname: wchild.exe$"));

    // The breakpoint set in process 1 hits there, and only there: the parent's say() runs unstopped.
    run.section("go").assert_matches(&bp_hit_re(0, "wchild!say"));
    run.out().assert_count(r"(?m)^Breakpoint \d+ hit$", 1);
    let hit = run.section("hit");
    hit.assert_matches(&format!("(?m)^\\.  1\tid: {child}\tchild\tname: wchild.exe$"));
    hit.assert_frames_start_with(&["wchild!say", "wchild!main"]);
    run.assert_matches(&format!(r"(?m)^child {}\r?$", hex(&child)));

    let child_exit = run.section("child-exit");
    let exit = child_exit.assert_matches(&exit_code_re(7));
    assert_eq!(exit[1], child, "{}", run.dump());
    // The parent runs on while the child exits, and its own output ("child exited 7") shares rdb's stdout: it may
    // be cut into rdb's line, so the line is not anchored at its start.
    child_exit.assert_matches(r"(?m)Process 0 is now the current process \(\|0s\)$");
    let parent_exit = run.section("parent-exit").assert_matches(&exit_code_re(0));
    assert_eq!(parent_exit[1], parent, "{}", run.dump());
    run.assert_matches(r"(?m)^child exited 7\r?$");
}

#[test]
fn childdbg_1_follows_the_children_of_the_next_run() {
    let program = wine_path(&windows_debuggee("wchild"));
    let run = rdb_wine(
        &[&program],
        &format!(
            ".childdbg 1\n{}\n.childdbg\n.restart\ng\n{}\n|\ng\n{}\ng\n",
            mark("asked"),
            mark("child"),
            mark("end")
        ),
    );
    // Windows changes a running process's debug flags; Wine 8 cannot, and rdb.exe says when it applies.
    run.assert_matches(r"(?m)^Processes created by the current process will be debugged(?: after \.restart \(.+\))?$");
    run.section("asked").assert_matches(r"(?m)^Processes created by the current process will be debugged$");
    let breaks = run.out().all_matches(&exception_re("Break instruction exception", "80000003"));
    assert_eq!(breaks.len(), 3, "the first run's, the restarted parent's and the child's\n{}", run.dump());
    let (parent, child) = (breaks[1][1].clone(), breaks[2][1].clone());
    assert_ne!(parent, child, "{}", run.dump());
    let child_section = run.section("child");
    child_section.assert_matches(&format!("(?m)^   0\tid: {parent}\tcreate\tname: wchild.exe$"));
    child_section.assert_matches(&format!("(?m)^\\.  1\tid: {child}\tchild\tname: wchild.exe$"));
    let exit = child_section.assert_matches(&exit_code_re(7));
    assert_eq!(exit[1], child, "{}", run.dump());
    let end = run.section("end").assert_matches(&exit_code_re(0));
    assert_eq!(end[1], parent, "{}", run.dump());
}
