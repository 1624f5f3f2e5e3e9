//! Child processes under Wine (`wchild` starts a copy of itself that exits 7): `.childdbg 1` on a running process
//! applies from `.restart` under Wine, which cannot change a running process's debug flags. `-o` (the child as
//! process 1 with its own modules and loader breakpoint, `|`, a breakpoint of the child's own) is checked on both
//! backends in `both_children.rs`. Without either, the child runs undebugged (`windows_events.rs`).

use rdb_testkit::prelude::*;
use rdb_testkit::wine::{rdb_wine, wine_path};

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
