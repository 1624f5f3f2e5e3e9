//! `bench`: rdb measured side by side with gdb (lldb when installed) on Linux, as a gdb remote-protocol server with
//! Debian's gdbserver, and with winedbg under Wine, in one run, reported as ratios against targets. Performance
//! targets live here, never in timed unit tests.
//!
//! Everything is built first (rdb in release for measuring and in debug as the large debuggee, the C debuggee with
//! gcc and mingw-w64, rdb.exe; only what the lines chosen with `--only` need), then each line of the table is
//! measured tool by tool. The table goes to stdout, the same as JSON to `<target>/bench/results.json`, progress and
//! failures to stderr, each check run's output to `<target>/bench/logs/`.

mod build;
mod dap;
mod linux;
mod measure;
mod postmortem;
mod process;
mod python;
mod remote;
mod report;
mod tools;
mod wine;

use std::fs;
use std::time::Instant;

use crate::workspace::{target_dir, workspace_root};
use measure::Bench;

/// Timed runs of each command, unless `--repeat` says otherwise: the median of five rides out most bursts of load.
const DEFAULT_REPEAT: usize = 5;

/// The lines of the table in its order, by the names `--only` takes (those of their log files).
const LINES: [&str; 10] =
    ["conditional", "passes", "steps", "launch", "locals", "python", "postmortem", "remote", "dap", "wine"];

const USAGE: &str = "usage: cargo xtask bench [--repeat <n>] [--only <line>[,<line>...]]";

/// The lines to measure: all of them, or those `--only` names.
#[derive(Debug)]
pub struct Lines(Option<Vec<String>>);

impl Lines {
    pub fn wants(&self, line: &str) -> bool {
        self.0.as_ref().is_none_or(|only| only.iter().any(|l| l == line))
    }
}

pub fn run(args: &[String]) -> Result<(), String> {
    let (repeat, lines) = parse_args(args)?;
    let started = Instant::now();
    let root = workspace_root();
    let target = target_dir(&root);
    let dir = target.join("bench");
    fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;

    let built = build::linux(&root, &target, &dir, lines.wants("launch"))?;
    let wine_setup = lines.wants("wine").then(|| wine::Setup {
        rdb_exe: crate::windows::build(),
        calls_exe: crate::toolchain::check().and_then(|()| build::windows_calls(&root, &dir)),
    });
    let setup = linux::Setup { built, gdb: tools::gdb(), lldb: tools::lldb(), gdbserver: tools::gdbserver() };
    match &setup.lldb {
        Some(lldb) => eprintln!("bench: lldb: {}", lldb.display()),
        None => eprintln!("bench: lldb: not installed"),
    }
    if setup.gdbserver.is_none() && lines.wants("remote") {
        eprintln!("bench: gdbserver: not installed");
    }

    let load_before = load();
    let bench = Bench { logs: measure::logs_dir(&dir)?, repeat };
    let mut rows = linux::rows(&bench, &setup, &lines);
    if lines.wants("python") {
        rows.push(python::row(&bench, &setup, python::venv(&root, &target, &dir), &bench.logs));
    }
    if lines.wants("postmortem") {
        rows.extend(postmortem::rows(&bench, &setup, &postmortem::dumps(&root, &dir, &setup)));
    }
    if lines.wants("remote") {
        rows.push(remote::row(&bench, &setup));
    }
    if lines.wants("dap") {
        let lldb = dap::lldb_adapter();
        match &lldb {
            Some(adapter) => eprintln!("bench: lldb's DAP adapter: {}", adapter.display()),
            None => eprintln!("bench: lldb's DAP adapter (lldb-vscode-16): not installed"),
        }
        let setup = dap::Setup {
            rdb: &setup.built.rdb,
            lldb,
            program: dap::build_debuggee(&root, &dir),
            source: root.join("tests/debuggees/dap.c"),
            rust_program: dap::build_rust_debuggee(&root, &dir),
            rust_source: root.join("tests/debuggees/rust_values.rs"),
            repeat,
        };
        rows.extend(dap::rows(&setup));
    }
    if let Some(wine_setup) = &wine_setup {
        rows.push(wine::row(&bench, wine_setup, &dir));
    }
    let load = format!("{load_before} at the start, {} at the end", load());

    print!("{}", report::markdown(&rows, &load));
    let json = dir.join("results.json");
    fs::write(&json, report::json(&rows, &load, repeat)).map_err(|e| format!("write {}: {e}", json.display()))?;
    eprintln!("bench: done in {:.0} s; results in {}", started.elapsed().as_secs_f64(), json.display());
    Ok(())
}

fn parse_args(args: &[String]) -> Result<(usize, Lines), String> {
    let mut repeat = DEFAULT_REPEAT;
    let mut only = None;
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(USAGE)?;
        match flag.as_str() {
            "--repeat" => {
                repeat = match value.parse() {
                    Ok(n) if n > 0 => n,
                    _ => return Err(format!("--repeat takes a positive number, not {value:?}")),
                }
            }
            "--only" => {
                let names: Vec<String> = value.split(',').map(str::to_string).collect();
                if let Some(unknown) = names.iter().find(|n| !LINES.contains(&n.as_str())) {
                    return Err(format!("--only: no line {unknown:?}; the lines are {}", LINES.join(", ")));
                }
                only = Some(names);
            }
            _ => return Err(USAGE.into()),
        }
    }
    Ok((repeat, Lines(only)))
}

/// The 1, 5 and 15 minute load averages: the machine is shared, and the figures are only as good as it was quiet.
fn load() -> String {
    fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn only_names_lines_of_the_table() {
        let (repeat, lines) = parse_args(&args("--only remote,conditional --repeat 3")).unwrap();
        assert_eq!(repeat, 3);
        assert!(lines.wants("remote") && lines.wants("conditional") && !lines.wants("wine"));
        let (repeat, lines) = parse_args(&[]).unwrap();
        assert_eq!(repeat, DEFAULT_REPEAT);
        assert!(LINES.iter().all(|l| lines.wants(l)));
        assert!(parse_args(&args("--only remotes")).unwrap_err().contains("no line \"remotes\""));
        assert!(parse_args(&args("--repeat 0")).is_err());
        assert!(parse_args(&args("--only")).is_err());
    }
}
