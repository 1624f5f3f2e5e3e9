//! Hardware breakpoints (`ba`) on Linux beyond the scenarios both backends share (`both_hardware.rs`): with the
//! `watch` debuggee (bump() writes the global `counter` five times, peek() reads it) and `threads`; and the
//! arguments of `bpm` (its breakpoints are in `bpm_linux.rs`).

use rdb_testkit::prelude::*;

/// Runs every `(command, message)` of `bad` on `exe`: each is refused with its own one-line error, and no
/// breakpoint is left behind.
fn assert_each_refused_in_one_line(exe: &std::path::Path, bad: &[(&str, &str)]) {
    let script: String = bad.iter().map(|(c, _)| format!("{c}\n")).collect();
    let run = rdb(&[s(exe)], &format!("{}\n{script}{}\nbl\nq\n", mark("errors"), mark("bl")));
    let errors = run.section("errors");
    for (command, message) in bad {
        errors.assert_matches(&error_re(command, message));
    }
    assert_eq!(errors.count(r"(?m)^\^ "), bad.len(), "one line each\n{}", run.dump());
    run.section("bl").assert_not_matches(r"(?m)^ *\d+ [ed] ");
}

/// The `^ <error> in '<command>'` line of a refused command.
fn error_re(command: &str, message: &str) -> String {
    format!(r"(?m)^\^ .*{message}.* in '{}'$", regex::escape(command))
}

#[test]
fn bad_ba_arguments_give_one_line_errors() {
    let watch = debuggee("watch");
    let bad = [
        ("ba w3 watch!counter", "1, 2, 4 or 8"),
        ("ba e4 watch!bump", "has size 1"),
        ("ba w4 watch!counter+2", "not aligned to 4 bytes"),
        ("ba w 8 watch!counter+4", "not aligned to 8 bytes"),
        ("ba q4 watch!counter", "Bad access 'q'"),
        ("ba wx watch!counter", "Bad size 'x'"),
        ("ba w4", "usage is ba"),
        ("ba", "usage is ba"),
        ("ba ~9 w4 watch!counter", "no thread 9"),
        ("ba w4 watch!nosuchsymbol", ""),
    ];
    assert_each_refused_in_one_line(&watch, &bad);
}

#[test]
fn threads_created_after_ba_hit_it() {
    let threads = debuggee("threads");
    // At the initial breakpoint no worker exists yet: each gets the debug registers as it is created.
    let run = rdb(&[s(&threads)], &format!("ba w4 threads!total\ng\n{}\n~\nbc 0\ng\nq\n", mark("threads")));
    run.assert_matches(r"(?m)^Breakpoint 0 hit\nthreads!total: 0x0 -> 0x[0-9a-f]+$");
    run.assert_matches(&stop_re(r"threads!work_item\+0x[0-9a-f]+"));
    let current = run.section("threads").assert_matches(r"(?m)^\. +(\d+) +Id: ");
    assert_ne!(current[1], "0", "a worker thread hit it\n{}", run.dump());
    run.assert_contains("total=30");
}

#[test]
fn ba_on_one_thread_leaves_the_others_alone() {
    let threads = debuggee("threads");
    // Only the workers write total: a watchpoint on the main thread never fires.
    let run = rdb(&[s(&threads)], &format!("ba ~0 w4 threads!total\n{}\nbl\n{}\ng\nq\n", mark("bl"), mark("go")));
    run.section("bl").assert_matches(r"(?m)^ 0 e Disable Clear  .* w 4 0001 \(0001\)  0:~000 threads!total hits=0$");
    run.section("go").assert_not_contains("Breakpoint 0 hit").assert_contains("total=30");
}

#[test]
fn bc_clears_dr7_at_once() {
    let watch = debuggee("watch");
    let run =
        rdb(&[s(&watch)], &format!("ba w4 watch!counter\n{}\nr dr7\nbc 0\n{}\nr dr7\nq\n", mark("set"), mark("clear")));
    let set = run.section("set").assert_matches(r"(?m)^dr7=([0-9a-f]{16})$");
    assert_ne!(u64::from_str_radix(&set[1], 16).unwrap() & 1, 0, "L0 is enabled\n{}", run.dump());
    run.section("clear").assert_matches(r"(?m)^dr7=0000000000000000$");
}

#[test]
fn detach_leaves_the_debug_registers_clean() {
    let target = spawn_debuggee("loop", &[]);
    let pid = target.pid.to_string();
    let run = rdb(&["-p", &pid], "ba w8 loop!spins\ng\n.detach\n");
    run.assert_matches(r"(?m)^Breakpoint 0 hit\nloop!spins: 0x[0-9a-f]+ -> 0x[0-9a-f]+$");
    run.assert_matches(r"(?m)^Detached$");
    // The watchpoint would kill it with SIGTRAP if it were left armed.
    assert_loop_runs_free(target.pid, &target.exe);
    let again = rdb(&["-p", &pid], &format!("{}\nr dr0\nr dr7\n.detach\n", mark("regs")));
    let regs = again.section("regs");
    regs.assert_matches(r"(?m)^dr0=0000000000000000$");
    regs.assert_matches(r"(?m)^dr7=0000000000000000$");
    assert_loop_runs_free(target.pid, &target.exe);
}

#[test]
fn bpm_arguments_are_checked() {
    let watch = debuggee("watch");
    let bad = [
        ("bpm watch!counter 0 w", "Bad size 0x0"),
        ("bpm watch!counter", "usage is bpm"),
        ("bpm", "usage is bpm"),
        ("bpm watch!counter 4 q", "Bad access 'q'"),
        ("bpm watch!counter 4 w \"gc", "unterminated string"),
    ];
    assert_each_refused_in_one_line(&watch, &bad);
}

/// `ba w8` on a variable four threads store to at once (`racers`: every store writes a value no other does). Each
/// hit reports the value the thread that fired stored, read at its trap, not what the variable held once the other
/// threads had stored too: no hit shows a store of the value already there (`0x106 -> 0x106`), and every store
/// is seen, once, with the value it wrote.
#[test]
fn ba_on_a_variable_several_threads_store_to_shows_each_store() {
    let racers = debuggee("racers");
    let stores = 4 * 25;
    let script = format!("ba w8 racers!shared\n{}{}\nq\n", "g\n".repeat(stores + 1), mark("end"));
    let run = rdb(&[s(&racers)], &script);
    run.assert_contains("racers done");
    let hits = run.out().all_matches(r"(?m)^racers!shared: (0x[0-9a-f]+|\?\?) -> (0x[0-9a-f]+|\?\?)$");
    assert_eq!(hits.len(), stores, "every store is a hit\n{}", run.dump());
    let mut seen = std::collections::BTreeSet::new();
    for hit in &hits {
        assert_ne!(hit[1], hit[2], "a store of a value no store writes twice changes it: {hit:?}\n{}", run.dump());
        let value = u64::from_str_radix(hit[2].trim_start_matches("0x"), 16).expect("a hex value");
        assert!((value >> 8) < 4 && (1..=25).contains(&(value & 0xff)), "a value a thread stored: {value:#x}");
        assert!(seen.insert(value), "each store is reported once: {value:#x} twice\n{}", run.dump());
    }
}
