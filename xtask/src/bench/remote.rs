//! The remote-protocol line: gdb driving `rdb --gdbserver` on a never-true conditional breakpoint, against gdb
//! alone and gdb driving Debian's gdbserver, in one run, on the conditional line's loop of calls.
//!
//! gdb sends the condition as agent bytecode with the breakpoint (its `condition-evaluation auto` picks the target
//! when the server offers `ConditionalBreakpoints+`, as both do). gdbserver runs the bytecode at each hit: a stop
//! of the debuggee, but no round trip to gdb. rdb translates it into a MASM condition compiled into the debuggee,
//! so a false hit costs no stop at all. Hence each tool's own count of calls, and the program's own count of them
//! checked after every run: a session cut short would look fast.

use std::path::Path;
use std::process::Command;

use super::build::CALLS;
use super::linux::{CHECK_HITS, RDB_CONDITIONAL_HITS, SLOW_HITS, Setup, absent, expect, gdb_plain, gdb_run, rate_cell};
use super::measure::{Bench, Check, Counted, Job, Script};
use super::process::PORT;
use super::report::{Row, Target};

/// Calls of one timed gdbserver run: it stops at each hit but spares gdb the round trip, about three times gdb's
/// rate alone, so some seconds' work.
const GDBSERVER_HITS: u64 = 15_000;

/// The condition, as gdb states it: `i` never reaches it.
const NEVER: &str = "break f if $rdi == 0xffffffff";

pub fn row(bench: &Bench, s: &Setup) -> Row {
    let calls = &s.built.calls;
    let cells = match s.gdb.as_deref() {
        None => [absent("no gdb to drive it"), absent("not installed"), absent("no gdb to drive it")],
        Some(gdb) => {
            let alone = Job {
                tool: "gdb",
                count: SLOW_HITS,
                check_count: CHECK_HITS,
                work: Box::new(move |n| gdb_run(gdb, &[NEVER, "run"], calls, n)),
                baseline: Some(Box::new(move |n| gdb_run(gdb, &["run"], calls, n))),
                check: no_stop(&["Breakpoint 1 at"]),
                counted: Some(called()),
            };
            let gdbserver = s.gdbserver.as_deref().map(|gdbserver| Job {
                tool: "gdbserver",
                count: GDBSERVER_HITS,
                check_count: CHECK_HITS,
                work: Box::new(move |n| served(gdbserver_cmd(gdbserver, calls, n), gdb, &[NEVER, "continue"], calls)),
                baseline: Some(Box::new(move |n| {
                    served(gdbserver_cmd(gdbserver, calls, n), gdb, &["continue"], calls)
                })),
                check: no_stop(&["Listening on port", "Remote debugging from host", "Breakpoint 1 at"]),
                counted: Some(called()),
            });
            let rdb = &s.built.rdb;
            let rdb = Job {
                tool: "rdb",
                count: RDB_CONDITIONAL_HITS,
                check_count: CHECK_HITS,
                work: Box::new(move |n| served(rdb_server(rdb, calls, n), gdb, &[NEVER, "continue"], calls)),
                baseline: Some(Box::new(move |n| served(rdb_server(rdb, calls, n), gdb, &["continue"], calls))),
                check: no_stop(&["Listening on port", "Remote debugging from host", "Breakpoint 1 at"]),
                counted: Some(called()),
            };
            // Side by side, so that a change in the machine's load falls on the three alike.
            let rdb = rate_cell(bench, "remote", Some(rdb));
            let alone = rate_cell(bench, "remote", Some(alone));
            [rdb, alone, rate_cell(bench, "remote", gdbserver)]
        }
    };
    let [rdb, gdb, gdbserver] = cells;
    Row {
        measure: "never-true conditional bp, gdb + rdb --gdbserver (gdbserver: gdb + gdbserver)".into(),
        unit: "hits/s",
        cells: [rdb, gdb, gdbserver, absent("n/a"), absent("n/a")],
        reference: "gdb",
        target: Some(Target::AtLeast(20.0)),
        note: format!(
            "gdb `{NEVER}` with the condition evaluated by the target: rdb is gdb + `rdb --gdbserver 127.0.0.1:0 \
             {CALLS} N` (release) and gdbserver gdb + Debian's `gdbserver 127.0.0.1:0 {CALLS} N`, gdb `-batch` with \
             `target remote 127.0.0.1:<the port the server announced>` + `continue` (sysroot /, so no library \
             comes over the wire), against gdb alone (`run`, the condition evaluated by gdb). N calls of f: rdb \
             {RDB_CONDITIONAL_HITS} (the condition compiled into the debuggee, no stop), gdbserver {GDBSERVER_HITS} \
             (a stop per hit, no round trip to gdb), gdb alone {SLOW_HITS}. hits/s = N / (median wall time - median \
             wall time of the same run without the breakpoint), from the server's start to both ends, medians of {} \
             runs each; every run's output shows the program's count of calls. The ratio is rdb's over gdb alone; \
             gdbserver's own over gdb alone is in brackets.",
            bench.repeat
        ),
    }
}

/// The process exited without the breakpoint ever stopping it, and the output has each of `present`.
fn no_stop(present: &'static [&'static str]) -> Check {
    Box::new(move |out| expect(out, present, &["Breakpoint 1, "]).and_then(|()| expect(out, &["exited normally"], &[])))
}

/// The program's own count of f's calls, printed as it ends: all `n` made.
fn called() -> Counted {
    Box::new(|out, n| expect(out, &[&format!("f called {n} times")], &[]))
}

/// `gdbserver 127.0.0.1:0 <program> <count>`.
fn gdbserver_cmd(gdbserver: &Path, program: &Path, count: u64) -> Command {
    let mut cmd = Command::new(gdbserver);
    cmd.arg("127.0.0.1:0").arg(program).arg(count.to_string());
    cmd
}

/// `rdb --gdbserver 127.0.0.1:0 <program> <count>`.
fn rdb_server(rdb: &Path, program: &Path, count: u64) -> Command {
    let mut cmd = Command::new(rdb);
    cmd.arg("--gdbserver").arg("127.0.0.1:0").arg(program).arg(count.to_string());
    cmd
}

/// gdb connecting to `server` and running `commands` there, with `program` for its symbols, in batch mode (it kills
/// nothing at the end: the program has exited).
fn served(server: Command, gdb: &Path, commands: &[&str], program: &Path) -> Script {
    let target = format!("target remote 127.0.0.1:{PORT}");
    let mut all = vec!["set sysroot /", target.as_str()];
    all.extend_from_slice(commands);
    Script::served(server, gdb_plain(gdb, &all, program).cmd)
}
