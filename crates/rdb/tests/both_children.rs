//! A child process followed on both backends (`-o`), with the debuggee that starts one (`forks` on Linux, `wchild`
//! on Windows; `Backend::child_debuggee`): the child is process 1 with its own pid and first stop, `|` lists and
//! switches, a breakpoint set in the child hits there only, and the child's exit hands the console back to
//! process 0. What only one OS does is in `children_linux.rs` (`.childdbg 1` at run time, vfork, attach) and
//! `windows_children.rs` (`.childdbg 1` from `.restart`).

use rdb_testkit::prelude::*;

on_both_backends!(minus_o_debugs_the_child_as_process_1);

fn minus_o_debugs_the_child_as_process_1(b: Backend) {
    let family = b.child_debuggee();
    let program = b.path_arg(&b.debuggee(family.name));
    let run = b.rdb(
        &["-o", &program],
        &format!(
            "g\n{}\n|\n|0s\n{}\n|\n|1s\nbp {}\n{}\ng\n{}\n|\nk\n{}\ng\n{}\ng\n",
            mark("list"),
            mark("zero"),
            family.function,
            mark("go"),
            mark("hit"),
            mark("child-exit"),
            mark("parent-exit")
        ),
    );
    let breaks = run.out().all_matches(&exception_re("Break instruction exception", "80000003"));
    assert_eq!(breaks.len(), 2, "one first stop per process: the parent's, then the child's\n{}", run.dump());
    let (parent, child) = (breaks[0][1].clone(), breaks[1][1].clone());
    assert_ne!(parent, child, "the child stops with its own pid\n{}", run.dump());
    run.assert_matches(&family.announcement_re(&parent, &child));
    run.assert_not_contains("not followed on Linux");

    let name = regex::escape(family.process_name);
    let list = run.section("list");
    list.assert_matches(&format!("(?m)^   0\tid: {parent}\tcreate\tname: {name}$"));
    list.assert_matches(&format!("(?m)^\\.  1\tid: {child}\tchild\tname: {name}$"));
    let zero = run.section("zero");
    zero.assert_matches(&format!("(?m)^\\.  0\tid: {parent}\tcreate\tname: {name}$"));
    zero.assert_matches(&format!("(?m)^   1\tid: {child}\tchild\tname: {name}$"));

    // The breakpoint set in process 1 hits there, and only there: the parent's call runs unstopped.
    run.section("go").assert_matches(&bp_hit_re(0, family.function));
    run.out().assert_count(r"(?m)^Breakpoint \d+ hit$", 1);
    let hit = run.section("hit");
    hit.assert_matches(&format!("(?m)^\\.  1\tid: {child}\tchild\tname: {name}$"));
    hit.assert_frames_start_with(&[family.function, &format!("{}!main", family.name)]);

    let child_exit = run.section("child-exit");
    let exit = child_exit.assert_matches(&family.exit_re(7));
    assert_eq!(exit[1], child, "{}", run.dump());
    // The parent runs on while the child exits, and its own output shares rdb's stdout: it may be cut into rdb's
    // line, so the line is not anchored at its start.
    child_exit.assert_matches(r"(?m)Process 0 is now the current process \(\|0s\)$");
    let exit = run.section("parent-exit").assert_matches(&family.exit_re(0));
    assert_eq!(exit[1], parent, "{}", run.dump());

    // The child ran clean of the parent's int3s, and the parent of the child's.
    for output in family.output_res(&child) {
        run.assert_matches(&output);
    }
    run.assert_not_contains("killed by signal");
}
