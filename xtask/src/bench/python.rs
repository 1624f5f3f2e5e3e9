//! The Python line: a Python handler run at every hit of a breakpoint, reading the register that holds the
//! argument, in rdb's package (`crates/rdb-python`, built as a release wheel into a virtual environment of the
//! bench's own) and in gdb's Python API (a `gdb.Breakpoint` whose `stop()` counts, reads `$rdi` and returns False).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::build::CALLS;
use super::linux::{CHECK_HITS, Setup, absent, gdb_run, rate_cell};
use super::measure::{Bench, Check, Counted, Job, Script};
use super::report::{Row, Target};
use crate::workspace::run;

/// Hits of one timed run: a few seconds of rdb's package, and of gdb's Python.
const RDB_HITS: u64 = 200_000;
const GDB_HITS: u64 = 6_000;

/// rdb's script: `python -c RDB_SCRIPT <calls> <n>`, with or without the breakpoint.
fn rdb_script(with_breakpoint: bool) -> String {
    let bp = if with_breakpoint { "d.bp('calls!f', handler=count)" } else { "pass" };
    format!(
        "import sys, rdb\n\
         hits = 0\n\
         def count(dbg, event):\n    global hits\n    hits += 1\n    dbg.regs['rdi']\n\
         d = rdb.launch(sys.argv[1], args=[sys.argv[2]])\n\
         {bp}\n\
         stop = d.run()\n\
         print(f'python handler hits: {{hits}}, exit code {{stop.exit_code}}', flush=True)\n"
    )
}

/// gdb's: sourced before `run`.
const GDB_SCRIPT: &str = "import gdb\n\
hits = 0\n\
class Counter(gdb.Breakpoint):\n    def stop(self):\n        global hits\n        hits += 1\n        int(gdb.parse_and_eval('$rdi'))\n        return False\n\
Counter('f')\n";

/// A virtual environment under the bench's directory with rdb's package installed from this tree (a release wheel,
/// built by maturin as pip fetches it, sharing the bench's target directory).
pub fn venv(root: &Path, target: &Path, dir: &Path) -> Result<PathBuf, String> {
    let env = dir.join("pyenv");
    if !env.join("bin/python").exists() {
        run(Command::new("python3").args(["-m", "venv"]).arg(&env))?;
    }
    let mut pip = Command::new(env.join("bin/pip"));
    pip.args(["install", "--quiet", "--force-reinstall", "--no-deps"])
        .arg(root.join("crates/rdb-python"))
        .env("CARGO_TARGET_DIR", target);
    run(&mut pip)?;
    Ok(env.join("bin/python"))
}

pub fn row(bench: &Bench, setup: &Setup, python: Result<PathBuf, String>, dir: &Path) -> Row {
    let calls = &setup.built.calls;
    // Every run, the baseline's too, must show the program's N calls; the check run the handler's count as well.
    let counted = || -> Counted {
        Box::new(|out: &str, n: u64| super::linux::expect(out, &[&format!("f called {n} times")], &["Traceback"]))
    };
    let check = || -> Check {
        Box::new(|out: &str| super::linux::expect(out, &[&format!("python handler hits: {CHECK_HITS}")], &[]))
    };
    let rdb = match &python {
        Ok(python) => {
            let job = Job {
                tool: "rdb",
                count: RDB_HITS,
                check_count: CHECK_HITS,
                work: Box::new(move |n| python_run(python, &rdb_script(true), calls, n)),
                baseline: Some(Box::new(move |n| python_run(python, &rdb_script(false), calls, n))),
                check: check(),
                counted: Some(counted()),
            };
            rate_cell(bench, "python", Some(job))
        }
        Err(e) => absent(&format!("failed: {e}")),
    };
    let script = dir.join("gdb_counter.py");
    let gdb = match fs::write(&script, GDB_SCRIPT) {
        Ok(()) => {
            let source = format!("source {}", script.display());
            let job = setup.gdb.as_deref().map(|gdb| Job {
                tool: "gdb",
                count: GDB_HITS,
                check_count: CHECK_HITS,
                work: Box::new(move |n| {
                    gdb_run(gdb, &[&source, "run", "python print(f'python handler hits: {hits}')"], calls, n)
                }),
                baseline: Some(Box::new(move |n| gdb_run(gdb, &["run"], calls, n))),
                check: check(),
                counted: Some(counted()),
            });
            rate_cell(bench, "python", job)
        }
        Err(e) => absent(&format!("failed: write {}: {e}", script.display())),
    };
    Row {
        measure: "Python handler at every hit".into(),
        unit: "hits/s",
        cells: [rdb, gdb, absent("n/a"), absent("n/a"), absent("n/a")],
        reference: "gdb",
        target: Some(Target::AtLeast(3.0)),
        note: format!(
            "A Python function run at each call of {CALLS}!f, reading rdi and letting the program run on: rdb's \
             package (a release wheel of crates/rdb-python in <target>/bench/pyenv) `d.bp(\"calls!f\", \
             handler=count)` + `d.run()`, the handler `dbg.regs[\"rdi\"]`; gdb a `gdb.Breakpoint` subclass whose \
             `stop()` reads `$rdi` and returns False. N: rdb {RDB_HITS}, gdb {GDB_HITS}; every run must show the program's N \
             calls, and the check run its handler's count of them. hits/s = N / (median wall time - median wall time of the same script \
             without the breakpoint)."
        ),
    }
}

/// `python -c <script> <program> <count>`.
fn python_run(python: &Path, script: &str, program: &Path, count: u64) -> Script {
    let mut cmd = Command::new(python);
    cmd.arg("-c").arg(script).arg(program).arg(count.to_string());
    Script::new(cmd)
}
