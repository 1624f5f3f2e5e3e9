//! The DAP scenarios (`tests/dap/scenarios.js`, Microsoft's `@vscode/debugadapter-testsupport` under mocha) run
//! against an adapter: `rdb --dap`, rdb.exe under Wine, or another debugger's adapter for the bench. Each mocha
//! `it` is one check; [`ScenarioRun`] says how many passed and failed, with mocha's own report for the failures.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::paths::{on_path, repository_root};

/// Where the scenarios and their `package.json` are.
pub fn scenarios_dir() -> PathBuf {
    repository_root().join("tests/dap")
}

/// Why the scenarios cannot run here (no Node.js), or `None` when they can: the packages are installed first
/// (`npm ci`, as `scripts/setup.sh` does) when they are not yet.
pub fn unavailable() -> Option<String> {
    if on_path("node").is_none() || on_path("npm").is_none() {
        return Some("Node.js (node and npm) is not installed: the DAP scenarios need it (scripts/setup.sh)".into());
    }
    let dir = scenarios_dir();
    if !dir.join("node_modules/@vscode/debugadapter-testsupport").is_dir() {
        let status =
            Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(&dir).stdin(Stdio::null()).status();
        assert!(
            matches!(status, Ok(s) if s.success()),
            "`npm ci` in {} failed ({status:?}): run scripts/setup.sh",
            dir.display()
        );
    }
    None
}

/// What a run of the scenarios gave.
#[derive(Debug)]
pub struct ScenarioRun {
    pub passed: usize,
    pub failed: usize,
    /// The checks that failed, each with the first line of its error.
    pub failures: Vec<(String, String)>,
    /// mocha's report (each check, each failure with its assertion).
    pub report: String,
    pub succeeded: bool,
}

impl ScenarioRun {
    pub fn assert_all_passed(&self, at_least: usize) {
        assert!(
            self.succeeded && self.failed == 0 && self.passed >= at_least,
            "{} passed, {} failed (expected at least {at_least} and no failure):\n{}",
            self.passed,
            self.failed,
            self.report
        );
    }
}

/// The adapter the scenarios spawn for each check: `program argument` (`rdb --dap`), with `env` added.
pub struct Adapter<'a> {
    pub program: &'a Path,
    pub argument: &'a str,
    /// Talk to `program argument --port 0` over TCP instead of its standard streams.
    pub tcp: bool,
}

/// Run the scenarios (those whose name matches `grep`, all without) against `adapter` debugging `debuggee`
/// (built from `source`, whose `@name` markers give the lines); killed after `timeout`.
pub fn run_scenarios(
    adapter: &Adapter,
    debuggee: &str,
    source: &Path,
    grep: Option<&str>,
    timeout: Duration,
) -> ScenarioRun {
    let env = [("DAP_PROGRAM", debuggee.to_string()), ("DAP_SOURCE", source.display().to_string())];
    run_scenario_file("scenarios.js", adapter, &env, Selection::grep(grep), timeout)
}

/// Which checks of a scenario file run: those whose name matches `pattern` (all without one), or with `invert`
/// those that do not.
#[derive(Debug, Clone, Copy, Default)]
pub struct Selection<'a> {
    pub pattern: Option<&'a str>,
    pub invert: bool,
}

impl<'a> Selection<'a> {
    pub fn grep(pattern: Option<&'a str>) -> Selection<'a> {
        Selection { pattern, invert: false }
    }
}

/// Run the scenario file `file` of `tests/dap` against `adapter`, with `env` (its programs and sources) set.
pub fn run_scenario_file(
    file: &str,
    adapter: &Adapter,
    env: &[(&str, String)],
    selection: Selection,
    timeout: Duration,
) -> ScenarioRun {
    let dir = scenarios_dir();
    let mocha = dir.join("node_modules/.bin/mocha");
    let mut cmd = Command::new(mocha);
    cmd.args(["--timeout", "60000", "--reporter", "spec", file]);
    if let Some(pattern) = selection.pattern {
        cmd.args(["--grep", pattern]);
        if selection.invert {
            cmd.arg("--invert");
        }
    }
    cmd.envs(env.iter().map(|(k, v)| (k, v)));
    cmd.current_dir(&dir)
        .env("DAP_ADAPTER", adapter.program)
        .env("DAP_ADAPTER_ARG", adapter.argument)
        .env("DAP_PORT_MODE", if adapter.tcp { "1" } else { "0" })
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot run mocha in {}: {e}", dir.display()));
    let stdout = child.stdout.take().map(read_all);
    let stderr = child.stderr.take().map(read_all);
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            _ => std::thread::sleep(Duration::from_millis(50)),
        }
    };
    let out = stdout.and_then(|t| t.join().ok()).unwrap_or_default();
    let err = stderr.and_then(|t| t.join().ok()).unwrap_or_default();
    let count = |word: &str| {
        let re = regex::Regex::new(&format!(r"(?m)^\s*(\d+) {word}")).expect("a valid pattern");
        re.captures(&out).and_then(|c| c[1].parse().ok()).unwrap_or(0)
    };
    let mut report = format!("---- mocha's report:\n{out}\n---- its stderr:\n{err}");
    if status.is_none() {
        report.push_str(&format!("\n---- killed after {timeout:?}"));
    }
    ScenarioRun {
        passed: count("passing"),
        failed: count("failing"),
        failures: failures(&out),
        report,
        succeeded: status.is_some_and(|s| s.success()),
    }
}

/// Each failed check of mocha's spec report and why, in one line: after the count of failures, each comes as
/// `  1) suite` / `       title:` / its error's lines (with mocha's `+ actual - expected` values) / `at ...` lines.
fn failures(report: &str) -> Vec<(String, String)> {
    let numbered = regex::Regex::new(r"^\s+\d+\) ").expect("a valid pattern");
    let Some(summary) = report.find(" failing") else { return Vec::new() };
    let lines: Vec<&str> = report[summary..].lines().skip(1).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if !numbered.is_match(lines[i]) {
            i += 1;
            continue;
        }
        i += 1;
        let mut title = String::new();
        while i < lines.len() && !title.ends_with(':') {
            title.push_str(lines[i].trim());
            i += 1;
        }
        let mut why = Vec::new();
        while i < lines.len() && !numbered.is_match(lines[i]) {
            let line = lines[i].trim();
            i += 1;
            if line.starts_with("at ") || line == "+ expected - actual" {
                // The stack, or mocha's second rendering of the same values: the reason is complete.
                while i < lines.len() && !numbered.is_match(lines[i]) {
                    i += 1;
                }
                break;
            }
            if !line.is_empty() {
                why.push(line.to_string());
            }
        }
        let mut why = why.join(" ");
        if why.chars().count() > 240 {
            why = why.chars().take(240).collect::<String>() + "...";
        }
        out.push((title.trim_end_matches(':').to_string(), why));
    }
    out
}

fn read_all(mut stream: impl std::io::Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stream.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn failures_are_read_from_mochas_report() {
        let report = "  13 passing (5m)\n  2 failing\n\n  1) rdb DAP\n       stopOnEntry stops:\n\n      \
                      AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:\n+ actual - expected\n\n\
                      + 'exception'\n- 'entry'\n      + expected - actual\n\n      -exception\n      +entry\n      \n\
                      at Context.<anonymous> (scenarios.js:1:1)\n\n  2) rdb DAP\n       pause:\n     Error: \
                      Timeout of 40000ms exceeded.\n      at listOnTimeout\n";
        let found = super::failures(report);
        assert_eq!(
            found,
            [
                (
                    "stopOnEntry stops".to_string(),
                    "AssertionError [ERR_ASSERTION]: Expected values to be strictly equal: + actual - expected + \
                     'exception' - 'entry'"
                        .to_string()
                ),
                ("pause".to_string(), "Error: Timeout of 40000ms exceeded.".to_string()),
            ]
        );
    }
}
