//! The Linux lines of the table: rdb against gdb (and lldb when installed) on the same debuggee, same work.
//!
//! Each debugger gets its own count of work, enough for a few seconds of it (gdb is several times slower than
//! rdb), and rates subtract the time of the same run without the breakpoint or steps: startup (gdb's alone is
//! over a second) and the program's own run are not the debugger's hit or step rate.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::Lines;
use super::build::{CALLS, Linux};
use super::measure::{Bench, Check, Job, Script};
use super::report::{Cell, Row, Target};

/// Calls (hits) or steps of one timed run, a few seconds' work for each: rdb's, and the slower debuggers' (gdb
/// manages one to three thousand hits or steps a second, depending on the machine's load).
const RDB_HITS: u64 = 20_000;
/// A never-true condition runs inside the debuggee (a few nanoseconds a call): tens of millions of calls make a
/// difference to the run without the breakpoint that timing can see.
pub const RDB_CONDITIONAL_HITS: u64 = 50_000_000;
pub const SLOW_HITS: u64 = 6_000;
const SLOW_PASSES: u64 = 8_000;
const RDB_STEPS: u64 = 20_000;
const SLOW_STEPS: u64 = 8_000;
/// The work of a check run.
pub const CHECK_HITS: u64 = 100;
const CHECK_STEPS: u64 = 200;
/// The loop's length while stepping: longer than any step count, so the program never ends under the steps.
const ENDLESS: u64 = 1_000_000_000;

/// The debuggers and debuggees of the Linux lines.
pub struct Setup {
    pub built: Linux,
    pub gdb: Option<PathBuf>,
    pub lldb: Option<PathBuf>,
    /// Debian's gdbserver, for the remote-protocol line.
    pub gdbserver: Option<PathBuf>,
}

/// The lines of this file that `lines` selects, in the table's order.
pub fn rows(bench: &Bench, setup: &Setup, lines: &Lines) -> Vec<Row> {
    let mut rows = Vec::new();
    if lines.wants("conditional") {
        rows.push(conditional(bench, setup));
    }
    if lines.wants("passes") {
        rows.push(pass_count(bench, setup));
    }
    if lines.wants("steps") {
        rows.push(single_steps(bench, setup));
    }
    if lines.wants("launch") {
        rows.extend(launch(bench, setup));
    }
    if lines.wants("locals") {
        rows.push(locals(bench, setup));
    }
    rows
}

/// 1. A breakpoint whose condition is never true, on a function called in a loop.
fn conditional(bench: &Bench, s: &Setup) -> Row {
    let calls = &s.built.calls;
    let rdb = Job {
        tool: "rdb",
        count: RDB_CONDITIONAL_HITS,
        check_count: CHECK_HITS,
        work: Box::new(|n| rdb_run(&s.built.rdb, &format!("bp /w \"@rdi == 0xffffffff\" {CALLS}!f; g; q"), calls, n)),
        baseline: Some(Box::new(|n| rdb_run(&s.built.rdb, "g; q", calls, n))),
        counted: None,
        check: all_of(&["Exit process"], &["Breakpoint 0 hit", "\n^ "]),
    };
    let gdb = s.gdb.as_deref().map(|gdb| Job {
        tool: "gdb",
        count: SLOW_HITS,
        check_count: CHECK_HITS,
        work: Box::new(move |n| gdb_run(gdb, &["break f if $rdi == 0xffffffff", "run"], calls, n)),
        baseline: Some(Box::new(move |n| gdb_run(gdb, &["run"], calls, n))),
        counted: None,
        check: all_of(&["Breakpoint 1 at", "exited normally"], &["Breakpoint 1, "]),
    });
    let lldb = s.lldb.as_deref().map(|lldb| Job {
        tool: "lldb",
        count: SLOW_HITS,
        check_count: CHECK_HITS,
        work: Box::new(move |n| lldb_run(lldb, &["breakpoint set -n f -c '$rdi == 0xffffffff'", "run"], calls, n)),
        baseline: Some(Box::new(move |n| lldb_run(lldb, &["run"], calls, n))),
        counted: None,
        check: all_of(&["Breakpoint 1:", "exited with status = 0"], &["stop reason = breakpoint"]),
    });
    Row {
        measure: "never-true conditional bp in a loop of calls".into(),
        unit: "hits/s",
        cells: rate_cells(bench, "conditional", rdb, gdb, lldb),
        reference: "gdb",
        target: Some(Target::AtLeast(5.0)),
        note: format!(
            "rdb `bp /w \"@rdi == 0xffffffff\" {CALLS}!f; g`, gdb `break f if $rdi == 0xffffffff`, lldb \
             `breakpoint set -n f -c '$rdi == 0xffffffff'`, on `{CALLS} N` (N calls of f: rdb {RDB_CONDITIONAL_HITS}, \
             where the condition runs inside the debuggee, gdb and lldb {SLOW_HITS}). hits/s = N / (median wall time - median wall time of the same run without the \
             breakpoint), medians of {} runs each.",
            bench.repeat
        ),
    }
}

/// 2. A breakpoint with a pass count: stops at the N-th call, having counted N - 1 hits on the way.
fn pass_count(bench: &Bench, s: &Setup) -> Row {
    let calls = &s.built.calls;
    let rdb = Job {
        tool: "rdb",
        count: RDB_HITS,
        check_count: CHECK_HITS,
        work: Box::new(|n| rdb_run(&s.built.rdb, &format!("bp {CALLS}!f 0n{n}; g; r rdi; q"), calls, n)),
        baseline: Some(Box::new(|n| rdb_run(&s.built.rdb, "g; q", calls, n))),
        counted: None,
        check: Box::new(|out| expect(out, &["Breakpoint 0 hit", &format!("rdi={:016x}", CHECK_HITS - 1)], &[])),
    };
    let gdb = s.gdb.as_deref().map(|gdb| Job {
        tool: "gdb",
        count: SLOW_PASSES,
        check_count: CHECK_HITS,
        work: Box::new(move |n| gdb_run(gdb, &["break f", &format!("ignore 1 {}", n - 1), "run", "p $rdi"], calls, n)),
        baseline: Some(Box::new(move |n| gdb_run(gdb, &["run"], calls, n))),
        counted: None,
        check: Box::new(|out| expect(out, &["Breakpoint 1, ", &format!("$1 = {}", CHECK_HITS - 1)], &[])),
    });
    let lldb = s.lldb.as_deref().map(|lldb| Job {
        tool: "lldb",
        count: SLOW_PASSES,
        check_count: CHECK_HITS,
        work: Box::new(move |n| {
            let set = format!("breakpoint set -n f -i {}", n - 1);
            lldb_run(lldb, &[&set, "run", "register read rdi", "process kill"], calls, n)
        }),
        baseline: Some(Box::new(move |n| lldb_run(lldb, &["run"], calls, n))),
        counted: None,
        check: Box::new(|out| {
            let rdi = format!("rdi = 0x{:016x}", CHECK_HITS - 1);
            expect(out, &["stop reason = breakpoint", &rdi], &[])
        }),
    });
    Row {
        measure: "bp with a pass count".into(),
        unit: "hits/s",
        cells: rate_cells(bench, "passes", rdb, gdb, lldb),
        reference: "gdb",
        target: None,
        note: format!(
            "rdb `bp {CALLS}!f 0nN; g`, gdb `break f` + `ignore 1 N-1`, lldb `breakpoint set -n f -i N-1`: each \
             stops at the N-th call (N: rdb {RDB_HITS}, gdb and lldb {SLOW_PASSES}; the check run shows the \
             argument N - 1 there). hits/s as for the never-true conditional bp."
        ),
    }
}

/// 3. Instruction single steps from the first instruction of main.
fn single_steps(bench: &Bench, s: &Setup) -> Row {
    let calls = &s.built.calls;
    let rdb = Job {
        tool: "rdb",
        count: RDB_STEPS,
        check_count: CHECK_STEPS,
        work: Box::new(|n| rdb_run(&s.built.rdb, &format!("g {CALLS}!main; t 0n{n}; q"), calls, ENDLESS)),
        baseline: Some(Box::new(|_| rdb_run(&s.built.rdb, &format!("g {CALLS}!main; q"), calls, ENDLESS))),
        // One register dump per stop: the initial breakpoint, main, and each step.
        counted: None,
        check: Box::new(|out| {
            let dumps = out.lines().filter(|l| l.starts_with("rip=")).count() as u64;
            if dumps != CHECK_STEPS + 2 {
                return Err(format!("{dumps} register dumps for {CHECK_STEPS} steps"));
            }
            expect(out, &[&format!("{CALLS}!main:")], &["\n^ "])
        }),
    };
    let gdb = s.gdb.as_deref().map(|gdb| Job {
        tool: "gdb",
        count: SLOW_STEPS,
        check_count: CHECK_STEPS,
        work: Box::new(move |n| gdb_run(gdb, &["break *main", "run", &format!("stepi {n}"), "p $pc"], calls, ENDLESS)),
        baseline: Some(Box::new(move |_| gdb_run(gdb, &["break *main", "run", "p $pc"], calls, ENDLESS))),
        counted: None,
        check: all_of(&["Breakpoint 1, ", "$1 = (void (*)()) 0x"], &["exited", "not being run"]),
    });
    let lldb = s.lldb.as_deref().map(|lldb| Job {
        tool: "lldb",
        count: SLOW_STEPS,
        check_count: CHECK_STEPS,
        work: Box::new(move |n| {
            let step = format!("thread step-inst -c {n}");
            lldb_run(lldb, &["breakpoint set -n main", "run", &step, "process kill"], calls, ENDLESS)
        }),
        baseline: Some(Box::new(move |_| {
            lldb_run(lldb, &["breakpoint set -n main", "run", "process kill"], calls, ENDLESS)
        })),
        counted: None,
        check: all_of(&["stop reason = instruction step into"], &[]),
    });
    Row {
        measure: "instruction single steps".into(),
        unit: "steps/s",
        cells: rate_cells(bench, "steps", rdb, gdb, lldb),
        reference: "gdb",
        target: Some(Target::AtLeast(4.0)),
        note: format!(
            "rdb `g {CALLS}!main; t 0nN`, gdb `break *main` + `run` + `stepi N`, both from the first instruction of \
             main, lldb `thread step-inst -c N` from main after its prologue (N: rdb {RDB_STEPS}, gdb and lldb \
             {SLOW_STEPS}), output to /dev/null. rdb prints a register dump and the next instruction at every \
             step, as WinDbg does (it has no quiet mode; measured as is); gdb's `stepi N` prints only the last \
             stop. steps/s = N / (median wall time - median wall time of the run to main alone)."
        ),
    }
}

/// 4. Launching a large debug binary to a breakpoint in its main, and the debugger's peak RSS there.
fn launch(bench: &Bench, s: &Setup) -> [Row; 2] {
    let target = &s.built.rdb_debug;
    let rdb = Job {
        tool: "rdb",
        count: 1,
        check_count: 1,
        work: Box::new(|_| rdb_script(&s.built.rdb, "bp rdb!rdb::main; g; q", target, &[])),
        baseline: None,
        counted: None,
        check: all_of(&["Breakpoint 0 hit", "rdb!rdb::main:"], &["\n^ "]),
    };
    let gdb = s.gdb.as_deref().map(|gdb| Job {
        tool: "gdb",
        count: 1,
        check_count: 1,
        work: Box::new(move |_| gdb_plain(gdb, &["break rdb::main", "run"], target)),
        baseline: None,
        counted: None,
        check: all_of(&["Breakpoint 1, rdb::main"], &[]),
    });
    let lldb = s.lldb.as_deref().map(|lldb| Job {
        tool: "lldb",
        count: 1,
        check_count: 1,
        work: Box::new(move |_| {
            let mut cmd = lldb_cmd(lldb, &["breakpoint set -n rdb::main", "run", "process kill"]);
            cmd.arg("--").arg(target);
            Script::new(cmd)
        }),
        baseline: None,
        counted: None,
        check: all_of(&["stop reason = breakpoint"], &[]),
    });
    // rdb's, gdb's and lldb's.
    let mut time = [absent("not installed"), absent("not installed"), absent("not installed")];
    let mut rss = time.clone();
    for (i, job) in [Some(rdb), gdb, lldb].into_iter().enumerate() {
        let Some(job) = job else { continue };
        match bench.whole_run("launch", &job) {
            Ok((wall, kib)) => {
                time[i] = Cell::Value(wall.as_secs_f64());
                rss[i] = Cell::Value(kib as f64 / 1024.0);
            }
            Err(e) => {
                eprintln!("bench: launch {}: {e}", job.tool);
                time[i] = absent(&format!("failed: {e}"));
                rss[i] = time[i].clone();
            }
        }
    }
    let size = std::fs::metadata(target).map(|m| m.len() as f64 / 1e6).unwrap_or(0.0);
    let what = format!(
        "rdb `bp rdb!rdb::main; g; q`, gdb `break rdb::main` + `run`, lldb `breakpoint set -n rdb::main` + `run`, \
         on rdb's own debug build ({size:.0} MB with DWARF)"
    );
    let [t0, t1, t2] = time;
    let [r0, r1, r2] = rss;
    [
        Row {
            measure: "launch to a bp in main of a large debug binary".into(),
            unit: "s",
            cells: [t0, t1, absent("n/a"), t2, absent("n/a")],
            reference: "gdb",
            target: Some(Target::AtMost(0.5)),
            note: format!("{what}: wall time of the whole run, start to exit, median of {} runs.", bench.repeat),
        },
        Row {
            measure: "peak RSS of the debugger there".into(),
            unit: "MiB",
            cells: [r0, r1, absent("n/a"), r2, absent("n/a")],
            reference: "gdb",
            target: Some(Target::AtMost(0.5)),
            note: "The same runs as the launch line: the debugger's peak RSS as wait4 reports it (the larger of its own and \
                   its reaped children's: the debuggee, stopped in main, is far smaller), median."
                .into(),
        },
    ]
}

/// Questions of one timed `dv` run (a few microseconds each for rdb), and of gdb's and lldb's (tens each): enough work
/// to stand well above the noise of starting the debugger.
const RDB_LOCALS: u64 = 40_000;
const SLOW_LOCALS: u64 = 10_000;
/// lldb reads its `-o` commands in a time that grows faster than their number: 10,000 outlast the run's timeout.
const LLDB_LOCALS: u64 = 2_000;

/// 5. Showing a frame's variables again and again at one breakpoint in f (gdb: `info args`, `info locals`).
fn locals(bench: &Bench, s: &Setup) -> Row {
    let calls = &s.built.calls;
    let rdb = Job {
        tool: "rdb",
        count: RDB_LOCALS,
        check_count: CHECK_HITS,
        // The questions in one `-c` argument, as gdb gets its `-ex`s (40,000 `dv;` fit in the 128 KiB an argument may
        // hold); on stdin each line would cost a hand-over between rdb's input thread and its console.
        work: Box::new(|n| {
            rdb_run(&s.built.rdb, &format!("bp {CALLS}!f; g; {}q", "dv;".repeat(n as usize)), calls, 10)
        }),
        baseline: Some(Box::new(|_| rdb_run(&s.built.rdb, &format!("bp {CALLS}!f; g; q"), calls, 10))),
        counted: None,
        check: Box::new(|out| {
            let answers = out.lines().filter(|l| l.trim() == "i = 0x0").count() as u64;
            if answers != CHECK_HITS {
                return Err(format!("{answers} answers for {CHECK_HITS} dv"));
            }
            expect(out, &["Breakpoint 0 hit"], &["\n^ "])
        }),
    };
    let gdb = s.gdb.as_deref().map(|gdb| Job {
        tool: "gdb",
        count: SLOW_LOCALS,
        check_count: CHECK_HITS,
        work: Box::new(move |n| {
            let mut commands = vec!["break f", "run"];
            commands.extend(std::iter::repeat_n("info args", n as usize));
            commands.extend(std::iter::repeat_n("info locals", n as usize));
            gdb_run(gdb, &commands, calls, 10)
        }),
        baseline: Some(Box::new(move |_| gdb_run(gdb, &["break f", "run"], calls, 10))),
        counted: None,
        check: all_of(&["Breakpoint 1, ", "i = 0"], &["No symbol table"]),
    });
    let lldb = s.lldb.as_deref().map(|lldb| Job {
        tool: "lldb",
        count: LLDB_LOCALS,
        check_count: CHECK_HITS,
        work: Box::new(move |n| {
            let mut commands = vec!["breakpoint set -n f", "run"];
            commands.extend(std::iter::repeat_n("frame variable", n as usize));
            commands.push("process kill");
            lldb_run(lldb, &commands, calls, 10)
        }),
        baseline: Some(Box::new(move |_| lldb_run(lldb, &["breakpoint set -n f", "run", "process kill"], calls, 10))),
        counted: None,
        check: all_of(&["(unsigned long long) i = 0"], &[]),
    });
    Row {
        measure: "a frame's variables at a stop".into(),
        unit: "answers/s",
        cells: rate_cells(bench, "locals", rdb, gdb, lldb),
        reference: "gdb",
        target: Some(Target::AtLeast(1.0)),
        note: format!(
            "At a breakpoint in {CALLS}!f (its parameter i), asked N times: rdb `dv` (N {RDB_LOCALS}), gdb `info \
             args` + `info locals` (N {SLOW_LOCALS} of each, counted as N answers), lldb `frame variable` (N \
             {LLDB_LOCALS}). answers/s = N / (median wall time - median wall time of the run to the breakpoint \
             alone). Each rdb `dv` unwinds the frame, finds its scope, locates and reads each variable afresh."
        ),
    }
}

/// rdb's, gdb's and lldb's cells of a rate line, the others' (gdbserver, winedbg) not applying.
fn rate_cells(bench: &Bench, name: &str, rdb: Job, gdb: Option<Job>, lldb: Option<Job>) -> [Cell; 5] {
    let rdb = rate_cell(bench, name, Some(rdb));
    let gdb = rate_cell(bench, name, gdb);
    [rdb, gdb, absent("n/a"), rate_cell(bench, name, lldb), absent("n/a")]
}

/// A tool's rate on the line `name`, or why there is none (no job: the tool is not installed).
pub fn rate_cell(bench: &Bench, name: &str, job: Option<Job>) -> Cell {
    let Some(job) = job else { return absent("not installed") };
    match bench.rate(name, &job) {
        Ok(rate) => Cell::Value(rate),
        Err(e) => {
            eprintln!("bench: {name} {}: {e}", job.tool);
            absent(&format!("failed: {e}"))
        }
    }
}

pub fn absent(why: &str) -> Cell {
    Cell::Absent(why.into())
}

/// A check that the output holds every one of `present` and none of `absent`.
pub fn all_of(present: &'static [&'static str], absent: &'static [&'static str]) -> Check {
    Box::new(move |out| expect(out, present, absent))
}

pub fn expect(out: &str, present: &[&str], absent: &[&str]) -> Result<(), String> {
    if let Some(missing) = present.iter().find(|p| !out.contains(**p)) {
        return Err(format!("the output lacks {missing:?}"));
    }
    if let Some(found) = absent.iter().find(|a| out.contains(**a)) {
        return Err(format!("the output has {found:?}"));
    }
    Ok(())
}

/// `rdb -c "<commands>" <program> <count>`.
fn rdb_run(rdb: &Path, commands: &str, program: &Path, count: u64) -> Script {
    rdb_script(rdb, commands, program, &[count.to_string()])
}

/// `rdb -c "<commands>" <program> <args>`; its stdin is empty, so it quits after the commands.
fn rdb_script(rdb: &Path, commands: &str, program: &Path, args: &[String]) -> Script {
    let mut cmd = Command::new(rdb);
    cmd.arg("-c").arg(commands).arg(program).args(args);
    Script::new(cmd)
}

/// `gdb -batch -nx -ex <command>... --args <program> <count>`.
pub fn gdb_run(gdb: &Path, commands: &[&str], program: &Path, count: u64) -> Script {
    let mut script = gdb_plain(gdb, commands, program);
    script.cmd.arg(count.to_string());
    script
}

/// gdb in batch mode, without init files or debuginfod lookups (the network is no part of the measure).
pub fn gdb_plain(gdb: &Path, commands: &[&str], program: &Path) -> Script {
    let mut cmd = Command::new(gdb);
    cmd.args(["-batch", "-nx", "-iex", "set debuginfod enabled off"]);
    for c in commands {
        cmd.arg("-ex").arg(c);
    }
    cmd.arg("--args").arg(program);
    Script::new(cmd)
}

/// `lldb --batch --no-lldbinit -o <command>... -- <program> <count>`.
fn lldb_run(lldb: &Path, commands: &[&str], program: &Path, count: u64) -> Script {
    let mut cmd = lldb_cmd(lldb, commands);
    cmd.arg("--").arg(program).arg(count.to_string());
    Script::new(cmd)
}

/// lldb in batch mode, never asking for confirmation (it would ask before killing a live process at exit).
fn lldb_cmd(lldb: &Path, commands: &[&str]) -> Command {
    let mut cmd = Command::new(lldb);
    cmd.args(["--batch", "--no-lldbinit", "-O", "settings set auto-confirm true"]);
    for c in commands {
        cmd.arg("-o").arg(c);
    }
    cmd
}
