//! Hardware breakpoints (`ba`) through ptrace's debug registers, with the `watch` debuggee (bump() writes the
//! global `counter` five times, peek() reads it) and `threads`; and the arguments of `bpm` (its breakpoints are in
//! `bpm_linux.rs`).

mod common;

use common::*;

/// The `^ <error> in '<command>'` line of a refused command.
fn error_re(command: &str, message: &str) -> String {
    format!(r"(?m)^\^ .*{message}.* in '{}'$", regex::escape(command))
}

#[test]
fn ba_e1_stops_on_the_function_and_g_runs_on() {
    let watch = debuggee("watch");
    let run = rdb(&[s(&watch)], &format!("ba e1 watch!bump\ng\n{}\ng\n{}\nbc 0\ng\nq\n", mark("again"), mark("end")));
    run.assert_matches(&bp_hit_re(0, "watch!bump"));
    run.section("again").assert_matches(&bp_hit_re(0, "watch!bump"));
    let end = run.section("end");
    end.assert_contains("counter=5 seen=5");
    end.assert_matches(&exit_code_re(0));
}

#[test]
fn ba_w4_reports_the_old_and_new_value_after_the_write() {
    let watch = debuggee("watch");
    let run = rdb(&[s(&watch)], &format!("ba w4 watch!counter\ng\n{}\ng\nbc 0\ng\nq\n", mark("second")));
    // A data breakpoint is a trap: the thread stops after the writing instruction, still in bump.
    run.assert_matches(&format!(
        r"(?m)^Breakpoint 0 hit\nwatch!counter: 0x0 -> 0x1\n{}",
        stop_re(r"watch!bump\+0x[0-9a-f]+")
    ));
    run.section("second").assert_matches(r"(?m)^Breakpoint 0 hit\nwatch!counter: 0x1 -> 0x2$");
    run.assert_contains("counter=5 seen=5");
}

#[test]
fn ba_r4_stops_on_a_read_too() {
    let watch = debuggee("watch");
    let run = rdb(&[s(&watch)], &format!("ba r4 watch!counter\ng\n{}\ng\nq\n", mark("write")));
    // bump reads counter before it writes it.
    run.assert_matches(r"(?m)^Breakpoint 0 hit\nwatch!counter: 0x0 \(unchanged\)$");
    run.section("write").assert_matches(r"(?m)^Breakpoint 0 hit\nwatch!counter: 0x0 -> 0x1$");
}

#[test]
fn pass_counts_and_command_strings_work_as_for_bp() {
    let watch = debuggee("watch");
    let run = rdb(&[s(&watch)], "ba w4 watch!counter 3\ng\nbc 0\nba w4 watch!counter \"gc\"\ng\nq\n");
    run.assert_matches(r"(?m)^Breakpoint 0 hit\nwatch!counter: 0x2 -> 0x3$");
    // The command string continues at each of the two writes left.
    assert_eq!(run.count(r"(?m)^Breakpoint 0 hit$"), 3, "{}", run.dump());
    run.assert_matches(r"(?m)^watch!counter: 0x4 -> 0x5$");
    run.assert_contains("counter=5 seen=5");
}

#[test]
fn t_over_a_watched_write_stops_on_the_watchpoint() {
    let watch = debuggee("watch");
    // From bump's entry: push rbp; mov rbp,rsp; mov eax,[counter]; add eax,1; mov [counter],eax.
    let run = rdb(&[s(&watch)], &format!("bp watch!bump\ng\nba w4 watch!counter\n{}\nt 8\nq\n", mark("t")));
    let t = run.section("t");
    t.assert_matches(r"(?m)^Breakpoint 1 hit\nwatch!counter: 0x0 -> 0x1$");
    assert_eq!(t.count(r"(?m)^Breakpoint 1 hit$"), 1, "t stops at the watchpoint\n{}", run.dump());
}

#[test]
fn bl_shows_access_and_size_and_a_fifth_ba_is_refused() {
    let watch = debuggee("watch");
    let cmds = "ba w4 watch!counter\nba r4 watch!seen\nba w8 watch!wide\nba e1 watch!peek\nba w1 watch!counter+1\n";
    let run = rdb(&[s(&watch)], &format!("{cmds}{}\nbl\nq\n", mark("bl")));
    run.assert_matches(&error_re("ba w1 watch!counter+1", r"No hardware breakpoint slot left \(4 in use"));
    let bl = run.section("bl");
    bl.assert_matches(&format!(r"(?m)^ 0 e Disable Clear  {ADDR} w 4 0001 \(0001\)  0:\*\*\*\* watch!counter hits=0$"));
    bl.assert_matches(&format!(r"(?m)^ 1 e Disable Clear  {ADDR} r 4 0001 \(0001\)  0:\*\*\*\* watch!seen hits=0$"));
    bl.assert_matches(&format!(r"(?m)^ 2 e Disable Clear  {ADDR} w 8 0001 \(0001\)  0:\*\*\*\* watch!wide hits=0$"));
    bl.assert_matches(&format!(r"(?m)^ 3 e Disable Clear  {ADDR} e 1 0001 \(0001\)  0:\*\*\*\* watch!peek hits=0$"));
    bl.assert_count(r"(?m)^ \d ", 4);
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
    let script: String = bad.iter().map(|(c, _)| format!("{c}\n")).collect();
    let run = rdb(&[s(&watch)], &format!("{}\n{script}{}\nbl\nq\n", mark("errors"), mark("bl")));
    let errors = run.section("errors");
    for (command, message) in bad {
        errors.assert_matches(&error_re(command, message));
    }
    assert_eq!(errors.count(r"(?m)^\^ "), bad.len(), "one line each\n{}", run.dump());
    run.section("bl").assert_not_matches(r"(?m)^ *\d+ [ed] ");
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
    let script: String = bad.iter().map(|(c, _)| format!("{c}\n")).collect();
    let run = rdb(&[s(&watch)], &format!("{}\n{script}{}\nbl\nq\n", mark("errors"), mark("bl")));
    let errors = run.section("errors");
    for (command, message) in bad {
        errors.assert_matches(&error_re(command, message));
    }
    assert_eq!(errors.count(r"(?m)^\^ "), bad.len(), "one line each\n{}", run.dump());
    run.section("bl").assert_not_matches(r"(?m)^ *\d+ [ed] ");
}
