//! `bench`: rdb measured side by side with gdb (lldb when installed) on Linux and with winedbg under Wine, in one
//! run, reported as ratios against targets. Performance targets live here, never in timed unit tests.
//!
//! Everything is built first (rdb in release for measuring and in debug as the large debuggee, the C debuggee with
//! gcc and mingw-w64, rdb.exe), then each line of the table is measured tool by tool. The table goes to stdout,
//! the same as JSON to `<target>/bench/results.json`, progress and failures to stderr, each check run's output to
//! `<target>/bench/logs/`.

mod build;
mod linux;
mod measure;
mod process;
mod report;
mod tools;
mod wine;

use std::fs;
use std::time::Instant;

use crate::workspace::{target_dir, workspace_root};
use measure::Bench;

/// Timed runs of each command, unless `--repeat` says otherwise: the median of five rides out most bursts of load.
const DEFAULT_REPEAT: usize = 5;

pub fn run(args: &[String]) -> Result<(), String> {
    let repeat = parse_repeat(args)?;
    let started = Instant::now();
    let root = workspace_root();
    let target = target_dir(&root);
    let dir = target.join("bench");
    fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;

    let built = build::linux(&root, &target, &dir)?;
    let wine_setup = wine::Setup {
        rdb_exe: crate::windows::build(),
        calls_exe: crate::toolchain::check().and_then(|()| build::windows_calls(&root, &dir)),
    };
    let setup = linux::Setup { built, gdb: tools::gdb(), lldb: tools::lldb() };
    match &setup.lldb {
        Some(lldb) => eprintln!("bench: lldb: {}", lldb.display()),
        None => eprintln!("bench: lldb: not installed"),
    }

    let load_before = load();
    let bench = Bench { logs: measure::logs_dir(&dir)?, repeat };
    let mut rows = linux::rows(&bench, &setup);
    rows.push(wine::row(&bench, &wine_setup, &dir));
    let load = format!("{load_before} at the start, {} at the end", load());

    print!("{}", report::markdown(&rows, &load));
    let json = dir.join("results.json");
    fs::write(&json, report::json(&rows, &load, repeat)).map_err(|e| format!("write {}: {e}", json.display()))?;
    eprintln!("bench: done in {:.0} s; results in {}", started.elapsed().as_secs_f64(), json.display());
    Ok(())
}

fn parse_repeat(args: &[String]) -> Result<usize, String> {
    match args {
        [] => Ok(DEFAULT_REPEAT),
        [flag, n] if flag == "--repeat" => match n.parse() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!("--repeat takes a positive number, not {n:?}")),
        },
        _ => Err("usage: cargo xtask bench [--repeat <n>]".into()),
    }
}

/// The 1, 5 and 15 minute load averages: the machine is shared, and the figures are only as good as it was quiet.
fn load() -> String {
    fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}
