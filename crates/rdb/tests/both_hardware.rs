//! Hardware breakpoints (`ba`) on both backends, in the debug registers (ptrace's user area on Linux, the thread
//! context on Windows), with `watch` (bump() writes the global `counter` five times, peek() reads it; "counter=5
//! seen=5"). A `ba` set before a thread exists is in `windows_hardware.rs` for Windows (four workers hitting one
//! watchpoint at once hang Wine: see the ignored test there) and in `hardware.rs` for Linux.

use rdb_testkit::prelude::*;

on_both_backends!(
    ba_e1_stops_on_the_function_and_g_runs_on,
    ba_w4_reports_the_old_and_new_value_after_the_write,
    ba_r4_stops_on_a_read_too,
    pass_counts_and_command_strings_work_as_for_bp,
    t_over_a_watched_write_stops_on_the_watchpoint,
    bl_shows_access_and_size_and_a_fifth_ba_is_refused,
    bc_clears_dr7_at_once,
);

fn ba_e1_stops_on_the_function_and_g_runs_on(b: Backend) {
    let run = b.launch("watch", &format!("ba e1 watch!bump\ng\n{}\ng\n{}\nbc 0\ng\nq\n", mark("again"), mark("end")));
    run.assert_matches(&bp_hit_re(0, "watch!bump"));
    run.section("again").assert_matches(&bp_hit_re(0, "watch!bump"));
    let end = run.section("end");
    end.assert_contains("counter=5 seen=5");
    end.assert_matches(&exit_code_re(0));
    run.out().assert_count(r"(?m)^Breakpoint 0 hit$", 2);
}

fn ba_w4_reports_the_old_and_new_value_after_the_write(b: Backend) {
    let run =
        b.launch("watch", &format!("ba w4 watch!counter\ng\n{}\ng\n{}\nbc 0\ng\nq\n", mark("second"), mark("end")));
    // A data breakpoint is a trap: the thread stops after the writing instruction, still in bump.
    run.assert_matches(&format!(
        r"(?m)^Breakpoint 0 hit\nwatch!counter: 0x0 -> 0x1\n{}",
        stop_re(r"watch!bump\+0x[0-9a-f]+")
    ));
    run.section("second").assert_matches(r"(?m)^Breakpoint 0 hit\nwatch!counter: 0x1 -> 0x2$");
    let end = run.section("end");
    end.assert_not_contains("Breakpoint");
    end.assert_contains("counter=5 seen=5");
    end.assert_matches(&exit_code_re(0));
}

fn ba_r4_stops_on_a_read_too(b: Backend) {
    let run = b.launch("watch", &format!("ba r4 watch!counter\ng\n{}\ng\nq\n", mark("write")));
    // bump reads counter before it writes it.
    run.assert_matches(r"(?m)^Breakpoint 0 hit\nwatch!counter: 0x0 \(unchanged\)$");
    run.section("write").assert_matches(r"(?m)^Breakpoint 0 hit\nwatch!counter: 0x0 -> 0x1$");
}

fn pass_counts_and_command_strings_work_as_for_bp(b: Backend) {
    let run = b.launch("watch", "ba w4 watch!counter 3\ng\nbc 0\nba w4 watch!counter \"gc\"\ng\nq\n");
    run.assert_matches(r"(?m)^Breakpoint 0 hit\nwatch!counter: 0x2 -> 0x3$");
    // The command string continues at each of the two writes left.
    run.out().assert_count(r"(?m)^Breakpoint 0 hit$", 3);
    run.assert_matches(r"(?m)^watch!counter: 0x3 -> 0x4$");
    run.assert_matches(r"(?m)^watch!counter: 0x4 -> 0x5$");
    run.assert_contains("counter=5 seen=5");
    run.assert_matches(&exit_code_re(0));
}

fn t_over_a_watched_write_stops_on_the_watchpoint(b: Backend) {
    // From bump's entry: push rbp; mov rbp,rsp; mov eax,[counter]; add eax,1; mov [counter],eax: the 5th step
    // writes, and `t 8` stops there.
    let run = b.launch("watch", &format!("bp watch!bump\ng\nba w4 watch!counter\n{}\nt 8\nq\n", mark("t")));
    let t = run.section("t");
    t.assert_matches(r"(?m)^Breakpoint 1 hit\nwatch!counter: 0x0 -> 0x1$");
    t.assert_count(r"(?m)^Breakpoint 1 hit$", 1);
    t.assert_count(r"(?m)^rip=", 5);
}

/// The `^ <error> in '<command>'` line of a refused command.
fn error_re(command: &str, message: &str) -> String {
    format!(r"(?m)^\^ .*{message}.* in '{}'$", regex::escape(command))
}

fn bl_shows_access_and_size_and_a_fifth_ba_is_refused(b: Backend) {
    let cmds = "ba w4 watch!counter\nba r4 watch!seen\nba w8 watch!wide\nba e1 watch!peek\nba w1 watch!counter+1\n";
    let run = b.launch("watch", &format!("{cmds}{}\nbl\nq\n", mark("bl")));
    run.assert_matches(&error_re("ba w1 watch!counter+1", r"No hardware breakpoint slot left \(4 in use"));
    let bl = run.section("bl");
    bl.assert_matches(&format!(r"(?m)^ 0 e Disable Clear  {ADDR} w 4 0001 \(0001\)  0:\*\*\*\* watch!counter hits=0$"));
    bl.assert_matches(&format!(r"(?m)^ 1 e Disable Clear  {ADDR} r 4 0001 \(0001\)  0:\*\*\*\* watch!seen hits=0$"));
    bl.assert_matches(&format!(r"(?m)^ 2 e Disable Clear  {ADDR} w 8 0001 \(0001\)  0:\*\*\*\* watch!wide hits=0$"));
    bl.assert_matches(&format!(r"(?m)^ 3 e Disable Clear  {ADDR} e 1 0001 \(0001\)  0:\*\*\*\* watch!peek hits=0$"));
    bl.assert_count(r"(?m)^ \d ", 4);
}

fn bc_clears_dr7_at_once(b: Backend) {
    let stdin = format!(
        "ba w4 watch!counter\nba e1 watch!peek\n{}\nr dr7\nr dr0\n? watch!counter\nbc *\n{}\nr dr7\n{}\ng\n",
        mark("set"),
        mark("clear"),
        mark("end")
    );
    let run = b.launch("watch", &stdin);
    let set = run.section("set");
    let dr7 = u64::from_str_radix(&set.assert_matches(r"(?m)^dr7=([0-9a-f]{16})$")[1], 16).unwrap();
    // Slot 0: enabled (L0), a 4-byte (LEN 11) write (R/W 01); slot 1: enabled, execute (R/W 00, LEN 00).
    assert_eq!(dr7 & 0b1111, 0b0101, "L0 and L1 are enabled: {dr7:#x}\n{}", run.dump());
    assert_eq!((dr7 >> 16) & 0xff, 0b0000_1101, "slot 0 writes 4 bytes, slot 1 executes: {dr7:#x}\n{}", run.dump());
    let dr0 = set.assert_matches(r"(?m)^dr0=([0-9a-f]{16})$");
    assert_eq!(
        u64::from_str_radix(&dr0[1], 16).unwrap(),
        set.evaluation(),
        "dr0 holds counter's address\n{}",
        run.dump()
    );
    run.section("clear").assert_matches(r"(?m)^dr7=0000000000000000$");
    let end = run.section("end");
    end.assert_not_contains("Breakpoint");
    end.assert_contains("counter=5 seen=5");
}
