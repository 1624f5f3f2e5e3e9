//! The post-mortem line: opening a dump of a process with 100 MB of heap and printing its stack. gdb writes the
//! core (`gcore`, at a breakpoint in `deepest`, three frames down) and every debugger opens the same file; rdb also
//! opens the full-memory minidump it wrote itself (`.dump /ma`) of the same program state, which must take under
//! half a second: a dump is mapped and read lazily, so its size should not matter.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::linux::{Setup, absent, all_of, gdb_plain};
use super::measure::{Bench, Job, Script};
use super::report::{Cell, Row, Target};
use crate::workspace::run;

/// Megabytes of heap the debuggee fills before it is dumped.
const HEAP_MB: u32 = 100;

/// The dumps of one program state: gdb's core and rdb's full minidump, with the program they are of.
pub struct Dumps {
    program: PathBuf,
    core: PathBuf,
    minidump: PathBuf,
}

/// Builds the debuggee and writes both dumps into `dir`: gdb's core and rdb's own (their sessions' output in
/// `postmortem.setup.log` there, not in the table).
pub fn dumps(root: &Path, dir: &Path, setup: &Setup) -> Result<Dumps, String> {
    let log = std::fs::File::create(dir.join("postmortem.setup.log")).map_err(|e| format!("create a log: {e}"))?;
    let quiet = |cmd: &mut Command| -> Result<(), String> {
        let out = log.try_clone().map_err(|e| e.to_string())?;
        let err = log.try_clone().map_err(|e| e.to_string())?;
        run(cmd.stdout(out).stderr(err))
    };
    let program = dir.join("heap");
    let mut cc = Command::new("gcc");
    cc.args(["-g", "-O0", "-fno-omit-frame-pointer", "-o"]).arg(&program).arg(root.join("bench/debuggees/heap.c"));
    run(&mut cc)?;
    let core = dir.join("heap.core");
    let minidump = dir.join("heap.dmp");
    for dump in [&core, &minidump] {
        let _ = std::fs::remove_file(dump);
    }
    let gdb = setup.gdb.as_deref().ok_or("gdb is not installed: it writes the core")?;
    let gcore = format!("gcore {}", core.display());
    let mut write_core = gdb_plain(gdb, &["break deepest", "run", &gcore, "kill"], &program).cmd;
    write_core.arg(HEAP_MB.to_string());
    quiet(&mut write_core)?;
    let mut write_minidump = Command::new(&setup.built.rdb);
    write_minidump
        .arg("-c")
        .arg(format!("bp heap!deepest; g; .dump /ma {}; q", minidump.display()))
        .arg(&program)
        .arg(HEAP_MB.to_string());
    quiet(&mut write_minidump)?;
    for dump in [&core, &minidump] {
        if !dump.is_file() {
            return Err(format!("{} was not written", dump.display()));
        }
    }
    Ok(Dumps { program, core, minidump })
}

/// The two rows: the core against gdb and lldb, rdb's own minidump against the absolute bound.
pub fn rows(bench: &Bench, setup: &Setup, dumps: &Result<Dumps, String>) -> [Row; 2] {
    let dumps = match dumps {
        Ok(dumps) => dumps,
        Err(e) => {
            eprintln!("bench: postmortem: {e}");
            let failed = absent(&format!("failed: {e}"));
            let cells = [failed.clone(), failed.clone(), absent("n/a"), failed.clone(), absent("n/a")];
            return [core_row(cells.clone(), ""), minidump_row(cells, "")];
        }
    };
    let core_size = megabytes(&dumps.core);
    let rdb = rdb_opens(setup, &dumps.core);
    let gdb = setup.gdb.as_deref().map(|gdb| Job {
        tool: "gdb",
        count: 1,
        check_count: 1,
        work: Box::new(move |_| {
            // `gdb <program> <core>`: gdb_plain's `--args` would make the core the program's argument.
            let mut cmd = Command::new(gdb);
            cmd.args(["-batch", "-nx", "-iex", "set debuginfod enabled off", "-ex", "bt"]);
            cmd.arg(&dumps.program).arg(&dumps.core);
            Script::new(cmd)
        }),
        baseline: None,
        counted: None,
        check: all_of(&["deepest", "middle", "outer"], &[]),
    });
    let lldb = setup.lldb.as_deref().map(|lldb| Job {
        tool: "lldb",
        count: 1,
        check_count: 1,
        work: Box::new(move |_| {
            let mut cmd = Command::new(lldb);
            cmd.args(["--batch", "--no-lldbinit", "-o", "bt", "--core"]).arg(&dumps.core).arg(&dumps.program);
            Script::new(cmd)
        }),
        baseline: None,
        counted: None,
        check: all_of(&["deepest", "middle", "outer"], &[]),
    });
    let core_cells = [wall(bench, Some(rdb)), wall(bench, gdb), absent("n/a"), wall(bench, lldb), absent("n/a")];
    let minidump_size = megabytes(&dumps.minidump);
    let rdb_minidump = rdb_opens(setup, &dumps.minidump);
    let minidump_cells = [wall(bench, Some(rdb_minidump)), absent("n/a"), absent("n/a"), absent("n/a"), absent("n/a")];
    [
        core_row(core_cells, &format!("gdb's gcore of the debuggee, {core_size:.0} MB")),
        minidump_row(minidump_cells, &format!("rdb's .dump /ma of the same state, {minidump_size:.0} MB")),
    ]
}

/// `rdb -z <dump> -c "k; q"`, checked for the three frames.
fn rdb_opens<'a>(setup: &'a Setup, dump: &'a Path) -> Job<'a> {
    Job {
        tool: "rdb",
        count: 1,
        check_count: 1,
        work: Box::new(move |_| {
            let mut cmd = Command::new(&setup.built.rdb);
            cmd.arg("-z").arg(dump).arg("-c").arg("k; q");
            Script::new(cmd)
        }),
        baseline: None,
        counted: None,
        check: all_of(&["heap!deepest", "heap!middle", "heap!outer"], &["\n^ "]),
    }
}

/// A tool's median wall time for the whole run, or why there is none.
fn wall(bench: &Bench, job: Option<Job>) -> Cell {
    let Some(job) = job else { return absent("not installed") };
    match bench.whole_run("postmortem", &job) {
        Ok((wall, _)) => Cell::Value(wall.as_secs_f64()),
        Err(e) => {
            eprintln!("bench: postmortem {}: {e}", job.tool);
            absent(&format!("failed: {e}"))
        }
    }
}

fn core_row(cells: [Cell; 5], what: &str) -> Row {
    Row {
        measure: format!("open a {HEAP_MB} MB-heap core and print the stack"),
        unit: "s",
        cells,
        reference: "gdb",
        target: Some(Target::AtMost(0.5)),
        note: format!(
            "{what}: rdb `-z core -c \"k; q\"`, gdb `-batch -ex bt <program> <core>`, lldb `--batch -o bt --core \
             <core> <program>`; wall time of the whole run, start to exit, median."
        ),
    }
}

fn minidump_row(cells: [Cell; 5], what: &str) -> Row {
    Row {
        measure: format!("open a {HEAP_MB} MB-heap full minidump and print the stack"),
        unit: "s",
        cells,
        reference: "gdb",
        target: Some(Target::Under(0.5)),
        note: format!(
            "{what}: rdb `-z dump -c \"k; q\"`; no other debugger here reads a Linux minidump, so the target is rdb's \
             own time: under half a second, start to exit, median."
        ),
    }
}

fn megabytes(path: &Path) -> f64 {
    std::fs::metadata(path).map(|m| m.len() as f64 / 1e6).unwrap_or(0.0)
}
