//! Threads with the `threads` debuggee (4 workers behind a barrier; each calls work_item 3 times; "total=30"):
//! `~`, `~<n>s`, `~*k`, thread create/exit events, and breakpoints hit by many threads at once.

use rdb_testkit::prelude::*;

/// The rows of `~`: (marker char, index, pid, tid).
fn thread_rows(section: &Section) -> Vec<(char, u32, String, String)> {
    section
        .all_matches(&format!(r"(?m)^([.# ]) +(\d+) +Id: ([0-9a-f]+)\.([0-9a-f]+) Suspend: \d+ Teb: {ADDR} Unfrozen"))
        .into_iter()
        .map(|c| (c[1].chars().next().unwrap(), c[2].parse().unwrap(), c[3].clone(), c[4].clone()))
        .collect()
}

#[test]
fn tilde_lists_five_threads_at_a_breakpoint_in_worker() {
    let threads = debuggee("threads");
    let run = rdb(&[s(&threads)], &format!("bp threads!worker\ng\n{}\n~\nq\n", mark("threads")));
    run.assert_matches(&bp_hit_re(0, "threads!worker"));
    let rows = thread_rows(&run.section("threads"));
    assert_eq!(rows.len(), 5, "{rows:?}\n{}", run.dump());
    let pid = &rows[0].2;
    assert!(rows.iter().all(|r| &r.2 == pid), "one process: {rows:?}");
    assert_eq!(rows[0].1, 0);
    assert_eq!(&rows[0].3, pid, "thread 0 is the main thread (tid == pid)");
    let mut tids: Vec<&String> = rows.iter().map(|r| &r.3).collect();
    tids.sort();
    tids.dedup();
    assert_eq!(tids.len(), 5, "distinct tids: {rows:?}");
    // The breakpoint is hit by a worker, which becomes the current thread.
    let current: Vec<_> = rows.iter().filter(|r| r.0 == '.').collect();
    assert_eq!(current.len(), 1, "exactly one current thread: {rows:?}\n{}", run.dump());
    assert_ne!(current[0].1, 0, "the current thread is the worker that hit the breakpoint\n{}", run.dump());
}

#[test]
fn tilde_s_switches_the_current_thread() {
    let threads = debuggee("threads");
    let run =
        rdb(&[s(&threads)], &format!("bp threads!worker\ng\n~0s\n{}\nr rip\n~\n{}\nk\nq\n", mark("zero"), mark("k")));
    let zero = run.section("zero");
    zero.assert_matches(r"(?m)^rip=[0-9a-f]{16}$");
    let rows = thread_rows(&zero);
    let current: Vec<_> = rows.iter().filter(|r| r.0 == '.').collect();
    assert!(current.len() == 1 && current[0].1 == 0, "~0s makes thread 0 current: {rows:?}\n{}", run.dump());
    // Thread 0 is main, past its pthread_creates: in pthread_barrier_wait or pthread_join.
    let frames = run.section("k").frames();
    assert!(frames.iter().any(|f| f.is("threads!main")), "{frames:#?}\n{}", run.dump());
    assert!(!frames.iter().any(|f| f.is("threads!worker")), "{frames:#?}\n{}", run.dump());
}

#[test]
fn tilde_1s_then_r_rip() {
    let threads = debuggee("threads");
    let run = rdb(&[s(&threads)], &format!("bp threads!worker\ng\n~1s\n{}\nr rip\n~\nq\n", mark("one")));
    let one = run.section("one");
    one.assert_matches(r"(?m)^rip=[0-9a-f]{16}$");
    let rows = thread_rows(&one);
    assert!(rows.iter().any(|r| r.0 == '.' && r.1 == 1), "~1s makes thread 1 current: {rows:?}\n{}", run.dump());
}

#[test]
fn tilde_star_k_shows_every_stack() {
    let threads = debuggee("threads");
    let run = rdb(&[s(&threads)], &format!("bp threads!worker\ng\n{}\n~*k\nq\n", mark("k")));
    let k = run.section("k");
    k.assert_count(r"Id: [0-9a-f]+\.[0-9a-f]+ ", 5);
    let frames = k.frames();
    let count = |site: &str| frames.iter().filter(|f| f.is(site)).count();
    assert_eq!(count("threads!thread_main"), 4, "every worker runs under thread_main\n{}", run.dump());
    assert_eq!(count("threads!main"), 1, "{}", run.dump());
    assert!(count("threads!worker") >= 1, "{}", run.dump());
}

#[test]
fn thread_create_and_exit_events() {
    let threads = debuggee("threads");
    let run = rdb(&[s(&threads)], "g\n");
    let out = run.out();
    out.assert_count(r"(?m)^\([0-9a-f]+\.[0-9a-f]+\): Create thread \d+:[0-9a-f]+$", 4);
    assert!(
        out.count(r"(?m)^\([0-9a-f]+\.[0-9a-f]+\): Exit thread \d+:[0-9a-f]+, code [0-9a-f]+$") >= 4,
        "each worker's exit is reported\n{}",
        run.dump()
    );
    run.assert_contains("total=30");
    run.assert_matches(&exit_code_re(0));
}

#[test]
fn a_breakpoint_hit_by_every_thread_is_reported_every_time() {
    let threads = debuggee("threads");
    // 4 workers x 3 calls: 12 hits, one `g` each, then the exit.
    let run = rdb(&[s(&threads)], &format!("bp threads!work_item\n{}g\n", "g\n".repeat(12)));
    assert_eq!(run.count(r"(?m)^Breakpoint 0 hit$"), 12, "{}", run.dump());
    run.assert_contains("total=30");
    run.assert_matches(&exit_code_re(0));
}

#[test]
fn a_disabled_breakpoint_lets_all_threads_run() {
    let threads = debuggee("threads");
    let run = rdb(&[s(&threads)], "bp threads!work_item\ng\ng\nbd 0\ng\n");
    assert_eq!(run.count(r"(?m)^Breakpoint 0 hit$"), 2, "{}", run.dump());
    run.assert_contains("total=30");
    run.assert_matches(&exit_code_re(0));
}
