//! Forked children followed on Linux (`-o`, `.childdbg 1`): `.childdbg 1` at run time follows the next fork, and
//! the child's session starts with no breakpoints. A vfork child runs in its parent's memory until it execs.
//! Detaching or quitting leaves both processes clean; `q` on a launch kills both. `-o` itself (the child as process
//! 1, `|`, a breakpoint of the child's own, its exit) is checked on both backends in `both_children.rs`. Without
//! either, children run undebugged (`programs.rs`).
//!
//! The debuggees share rdb's stdout: their lines may be cut into rdb's, so rdb's lines that follow a debuggee's
//! output are not anchored at their start.

use std::time::Duration;

use rdb_testkit::prelude::*;

/// The pids of the first two break-ins: the parent's initial breakpoint and the child's stop after fork.
fn parent_and_child(run: &RdbRun) -> (String, String) {
    let breaks = run.out().all_matches(&exception_re("Break instruction exception", "80000003"));
    assert!(breaks.len() >= 2, "a stop in the parent, then one in the child\n{}", run.dump());
    let (parent, child) = (breaks[0][1].clone(), breaks[1][1].clone());
    assert_ne!(parent, child, "the child stops with its own pid\n{}", run.dump());
    (parent, child)
}

#[test]
fn childdbg_1_at_run_time_follows_the_next_fork() {
    let forks = debuggee("forks");
    let run = rdb(
        &[s(&forks)],
        &format!(
            ".childdbg 1\n{}\n.childdbg\nbp forks!work\ng\n{}\n|\nbl\ng\n{}\ng\ng\n",
            mark("asked"),
            mark("child"),
            mark("end")
        ),
    );
    run.assert_sane();
    run.section("asked").assert_matches(r"(?m)^Processes created by the current process will be debugged$");
    let (parent, child) = parent_and_child(&run);
    let at_fork = run.section("child");
    at_fork.assert_matches(&format!("(?m)^   0\tid: {parent}\tcreate\tname: forks$"));
    at_fork.assert_matches(&format!("(?m)^\\.  1\tid: {child}\tchild\tname: forks$"));
    // The child's session starts with no breakpoints: the parent's are its parent's own.
    at_fork.assert_not_matches(r"(?m)^ 0 e ");
    // The child runs to its exit (its copy of work() clean), then the parent hits its own breakpoint.
    at_fork.assert_matches(r"(?m)Process 0 is now the current process \(\|0s\)$");
    run.assert_contains("child worked 6");
    run.section("end").assert_matches(&bp_hit_re(0, "forks!work"));
    run.out().assert_count(r"(?m)^Breakpoint \d+ hit$", 1);
    run.assert_contains("parent worked 15");
    run.assert_not_contains("killed by signal");
}

#[test]
fn a_followed_vfork_child_runs_in_its_parents_memory_until_it_execs() {
    let vforks = debuggee("vforks");
    let run = rdb(
        &["-o", s(&vforks)],
        &format!(
            "bp vforks!work\ng\n{}\n|\ng\n{}\n|\ng\n{}\ng\n{}\ng\n",
            mark("vforked"),
            mark("exec"),
            mark("exit"),
            mark("hit")
        ),
    );
    run.assert_sane();
    let (parent, child) = parent_and_child(&run);
    let vforked = run.section("vforked");
    vforked.assert_matches(&format!("(?m)^\\.  1\tid: {child}\tchild\tname: vforks$"));
    // The child's exec is a new program in process 1, stopped at its entry point.
    vforked.assert_matches(r"(?m)^true\+0x[0-9a-f]+:$");
    let exec = run.section("exec");
    exec.assert_matches(&format!("(?m)^\\.  1\tid: {child}\tchild\tname: true$"));
    exec.assert_matches(&format!("(?m)^   0\tid: {parent}\tcreate\tname: vforks$"));
    exec.assert_matches(r"(?m)Process 0 is now the current process \(\|0s\)$");
    // The parent's breakpoints came back into its memory once the child had exec'd.
    run.section("exit").assert_matches(&bp_hit_re(0, "vforks!work"));
    run.assert_contains("child exited 0");
    run.assert_contains("parent worked 2");
    run.assert_not_contains("killed by signal");
}

/// rdb attached to `forkloop`, following children, with the fork triggered: returns the session stopped in the
/// child, and the child's pid.
fn attach_and_follow(target: &Spawned, trigger: &std::path::Path) -> (RdbSession, u32) {
    let mut rdb = RdbSession::start(&["-p", &target.pid.to_string()]);
    rdb.expect(&exception_re("Break instruction exception", "80000003"));
    rdb.send(".childdbg 1");
    rdb.send("bp forkloop!spin_once");
    rdb.send("g");
    rdb.expect(r"(?m)^Breakpoint 0 hit$");
    std::fs::write(trigger, b"").unwrap();
    rdb.send("bc 0");
    rdb.send("g");
    let created = rdb.expect(r"Create process ([0-9a-f]+): a child, debugged as a process of its own");
    let child = u32::from_str_radix(&created[1], 16).unwrap();
    rdb.expect(&format!(r"(?m)^\({:x}\.[0-9a-f]+\): Break instruction exception", child));
    // A breakpoint of the child's own, hit, so there is an int3 in each process's code to take out.
    rdb.send("bp forkloop!spin_once");
    rdb.send("g");
    rdb.expect(r"(?m)^Breakpoint 0 hit$");
    // And one of the parent's: the family runs on until one of them hits.
    rdb.send("|0s");
    rdb.send("bp forkloop!spin_once");
    rdb.send("g");
    rdb.expect_count(r"(?m)^Breakpoint 0 hit$", 3);
    (rdb, child)
}

fn trigger_path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("rdb-forkloop-{name}-{}", std::process::id()))
}

#[test]
fn quitting_an_attached_family_leaves_both_processes_clean_and_running() {
    let trigger = trigger_path("qd");
    let _ = std::fs::remove_file(&trigger);
    let target = spawn_debuggee("forkloop", &[trigger.to_str().unwrap()]);
    let (mut rdb, child) = attach_and_follow(&target, &trigger);
    rdb.send("|");
    // Either process may be the one whose hit made the last stop, so either may be current.
    rdb.expect(&format!("(?m)^[. ]  1\tid: {child:x}\tchild\tname: forkloop$"));
    rdb.send("q");
    let run = rdb.finish();
    let _ = std::fs::remove_file(&trigger);
    run.assert_sane();
    for pid in [target.pid, child] {
        assert_loop_runs_free(pid, &target.exe);
        assert_text_clean(pid, &target.exe);
    }
    let _ = kill(child);
}

#[test]
fn q_kills_a_launched_family() {
    let trigger = trigger_path("q");
    std::fs::write(&trigger, b"").unwrap();
    let forkloop = debuggee("forkloop");
    let mut rdb = RdbSession::start(&["-o", s(&forkloop), trigger.to_str().unwrap()]);
    let parent = rdb.expect(&exception_re("Break instruction exception", "80000003"));
    let parent = u32::from_str_radix(&parent[1], 16).unwrap();
    rdb.send("g");
    let created = rdb.expect(r"Create process ([0-9a-f]+): a child, debugged as a process of its own");
    let child = u32::from_str_radix(&created[1], 16).unwrap();
    rdb.expect(&format!(r"(?m)^\({child:x}\.[0-9a-f]+\): Break instruction exception"));
    rdb.send("q");
    let run = rdb.finish();
    let _ = std::fs::remove_file(&trigger);
    run.assert_sane();
    for pid in [parent, child] {
        let gone = wait_until(Duration::from_secs(5), || matches!(process_state(pid), None | Some('Z') | Some('X')));
        assert!(gone, "process {pid} was killed\n{}", run.dump());
    }
}

/// Kill a process the test leaves behind.
fn kill(pid: u32) -> std::io::Result<()> {
    std::process::Command::new("kill").arg("-9").arg(pid.to_string()).status().map(drop)
}
