//! The DAP lines: `rdb --dap` against lldb-vscode (Debian's lldb-vscode-16) in one run, on
//! `tests/debuggees/dap.c`: the first page of a 10,000-element array's `variables` (and of a Rust `Vec`'s, on
//! `tests/debuggees/rust_values.rs`), the latency from a `next` to its `stopped` event, and how many of the
//! adapter-neutral checks of the DAP scenarios (`tests/dap`, Microsoft's DAP test client; those marked `@rdb` left
//! out) each adapter passes, with why each failed one failed. A small DAP client of its own times the requests: the time runs from the request written to
//! the response (or the `stopped` event) read.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use rdb_testkit::dap_client::DapClient;

use serde_json::{Value, json};

use super::linux::absent;
use super::report::{Cell, Row, Target};
use super::tools::which;

/// lldb's adapter under its Debian names, newest first (lldb-dap is its name from LLVM 18 on).
const LLDB_ADAPTERS: [&str; 4] = ["lldb-vscode-16", "lldb-dap", "lldb-vscode", "lldb-vscode-15"];
/// `next` requests timed per session.
const STEPS: usize = 8;
/// How long any one answer may take before the run is judged broken.
const WAIT: Duration = Duration::from_secs(30);

pub fn lldb_adapter() -> Option<PathBuf> {
    LLDB_ADAPTERS.iter().find_map(|n| which(n))
}

/// The dap debuggee, built as the tests build it.
pub fn build_debuggee(root: &Path, out: &Path) -> Result<PathBuf, String> {
    let exe = out.join("dap");
    let mut cc = Command::new("gcc");
    cc.args(["-g", "-O0", "-fno-omit-frame-pointer", "-fno-inline", "-o"])
        .arg(&exe)
        .arg(root.join("tests/debuggees/dap.c"));
    crate::workspace::run(&mut cc)?;
    Ok(exe)
}

/// `tests/debuggees/rust_values.rs`, built as the tests build it (`-g`, opt-level 0).
pub fn build_rust_debuggee(root: &Path, out: &Path) -> Result<PathBuf, String> {
    let exe = out.join("rust_values");
    let mut rustc = Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()));
    rustc
        .args(["-g", "-C", "opt-level=0", "--edition", "2021", "-o"])
        .arg(&exe)
        .arg(root.join("tests/debuggees/rust_values.rs"));
    crate::workspace::run(&mut rustc)?;
    Ok(exe)
}

/// An adapter as the bench runs it: the command, and the argument that makes it speak DAP on its streams.
struct Adapter<'a> {
    program: &'a Path,
    argument: Option<&'a str>,
}

pub struct Setup<'a> {
    pub rdb: &'a Path,
    pub lldb: Option<PathBuf>,
    pub program: Result<PathBuf, String>,
    pub source: PathBuf,
    /// rust_values and its source, for the `Vec` line.
    pub rust_program: Result<PathBuf, String>,
    pub rust_source: PathBuf,
    pub repeat: usize,
}

pub fn rows(s: &Setup) -> Vec<Row> {
    let rdb = Adapter { program: s.rdb, argument: Some("--dap") };
    let lldb = s.lldb.as_deref().map(|p| Adapter { program: p, argument: None });
    let measure = |what: &dyn Fn(&Adapter, &Path) -> Result<f64, String>, adapter: Option<&Adapter>| match (
        &s.program, adapter,
    ) {
        (Err(e), _) => absent(&format!("no debuggee: {e}")),
        (_, None) => absent("not installed"),
        (Ok(program), Some(adapter)) => match what(adapter, program) {
            Ok(v) => Cell::Value(v),
            Err(e) => {
                eprintln!("bench: dap: {}: {e}", adapter.program.display());
                absent(&format!("failed: {e}"))
            }
        },
    };
    let source = s.source.clone();
    let repeat = s.repeat;
    let page = |a: &Adapter, p: &Path| first_page(a, p, &source, repeat);
    let step = |a: &Adapter, p: &Path| next_latency(a, p, &source, repeat);
    let page_cells = [measure(&page, Some(&rdb)), measure(&page, lldb.as_ref())];
    let rust_source = s.rust_source.clone();
    let vec_page = |a: &Adapter, _: &Path| match &s.rust_program {
        Ok(p) => vec_first_page(a, p, &rust_source, repeat),
        Err(e) => Err(format!("no Rust debuggee: {e}")),
    };
    let vec_cells = [measure(&vec_page, Some(&rdb)), measure(&vec_page, lldb.as_ref())];
    let step_cells = [measure(&step, Some(&rdb)), measure(&step, lldb.as_ref())];
    let failures = std::cell::RefCell::new(Vec::new());
    let checks = |a: &Adapter, p: &Path| {
        let (passed, failed) = scenario_checks(a, p, &s.source)?;
        let name = a.program.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        failures.borrow_mut().extend(failed.into_iter().map(|(check, why)| format!("{name}: \"{check}\": {why}")));
        Ok(passed)
    };
    let check_cells = [measure(&checks, Some(&rdb)), measure(&checks, lldb.as_ref())];
    let failed = failures.into_inner();
    let failed_note = if failed.is_empty() {
        " Every check passed on each adapter run.".to_string()
    } else {
        format!(" Failed: {}.", failed.join("; "))
    };
    let row = |measure: &str, unit, cells: [Cell; 2], target, note: String| {
        let [rdb, lldb] = cells;
        Row {
            measure: measure.into(),
            unit,
            cells: [rdb, absent("n/a"), absent("n/a"), lldb, absent("n/a")],
            reference: "lldb",
            target,
            note,
        }
    };
    vec![
        row(
            "DAP: variables, first page of a 10,000-element array",
            "ms",
            page_cells,
            Some(Target::Under(50.0)),
            format!(
                "`evaluate big` (watch) then `variables` on it with start 0, count 100, stopped at dap.c's @print \
                 line; the time of the variables request alone, from the request written to the response read; \
                 median of {repeat} (a new variablesReference each, so nothing is served from an earlier answer). \
                 rdb is `rdb --dap` (release), lldb Debian's lldb-vscode-16."
            ),
        ),
        row(
            "DAP: variables, first page of a 10,000-element Rust Vec",
            "ms",
            vec_cells,
            Some(Target::Under(50.0)),
            format!(
                "Stopped at rust_values.rs's @stop line (rustc -g, opt-level 0), `big` (a Vec<u32> of 10,000) found \
                 in the Locals scope, then `variables` on it with start 0, count 100; the time of the variables \
                 request alone; median of {repeat}, a new variablesReference each. An adapter that shows no \
                 element 1 = 3 (the Vec as its raw fields) fails the line."
            ),
        ),
        row(
            "DAP: `next` to its `stopped` event",
            "ms",
            step_cells,
            Some(Target::AtMost(0.5)),
            format!(
                "Stopped at dap.c's @loop-call line with its breakpoint cleared, {STEPS} `next` requests (the loop's \
                 lines, stepping over the call to add), each timed from the request written to the `stopped` event \
                 read; the median of all {} steps over {repeat} sessions.",
                STEPS * repeat
            ),
        ),
        row(
            "DAP: scenario checks passed (tests/dap)",
            "checks",
            check_cells,
            None,
            format!(
                "The adapter-neutral DAP scenarios of `tests/dap/scenarios.js` (Microsoft's \
                 @vscode/debugadapter-testsupport under mocha, each `it` one check; exception filters picked from \
                 each adapter's own list by what they say, scopes by presentationHint or name; the @rdb checks of \
                 rdb's console and its claimed capabilities left out) run against each adapter: the number passed \
                 of {NEUTRAL_CHECKS}.{failed_note}"
            ),
        ),
    ]
}

/// A DAP session with an adapter over its standard streams (the test kit's client).
struct Session {
    client: DapClient,
}

impl Session {
    fn start(adapter: &Adapter) -> Result<Session, String> {
        let mut cmd = Command::new(adapter.program);
        cmd.args(adapter.argument);
        Ok(Session { client: DapClient::start(cmd)? })
    }

    fn send(&mut self, command: &str, arguments: Value) -> Result<i64, String> {
        self.client.send(command, arguments)
    }

    fn wait(&mut self, what: &str, wanted: impl Fn(&Value) -> bool) -> Result<Value, String> {
        let found = self.client.wait(what, WAIT, wanted);
        // Nothing is reported from what was seen: forget it, so a long session holds no growing list.
        self.client.seen.clear();
        found
    }

    fn request(&mut self, command: &str, arguments: Value) -> Result<Value, String> {
        let body = self.client.request(command, arguments, WAIT);
        self.client.seen.clear();
        body
    }

    fn stopped(&mut self) -> Result<Value, String> {
        self.wait("stopped event", |m| m["event"] == "stopped")
    }

    /// Launch `program` with a breakpoint at the line of `@marker` and run to it; the stopped thread.
    fn stop_at(&mut self, program: &Path, source: &Path, marker: &str) -> Result<i64, String> {
        let line = marker_line(source, marker)?;
        self.request("initialize", json!({ "adapterID": "bench", "linesStartAt1": true }))?;
        self.request("launch", json!({ "program": program, "args": [] }))?;
        self.wait("initialized", |m| m["event"] == "initialized")?;
        self.request("setBreakpoints", json!({ "source": { "path": source }, "breakpoints": [{ "line": line }] }))?;
        self.request("configurationDone", json!({}))?;
        let stopped = self.stopped()?;
        stopped["body"]["threadId"].as_i64().ok_or_else(|| "a stop without a thread".into())
    }

    fn top_frame(&mut self, thread: i64) -> Result<i64, String> {
        let st = self.request("stackTrace", json!({ "threadId": thread, "startFrame": 0, "levels": 1 }))?;
        st["stackFrames"][0]["id"].as_i64().ok_or_else(|| "no frame".into())
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.send("disconnect", json!({ "terminateDebuggee": true }));
        self.client.finish(Duration::from_secs(3));
    }
}

fn marker_line(source: &Path, marker: &str) -> Result<usize, String> {
    let text = std::fs::read_to_string(source).map_err(|e| format!("{}: {e}", source.display()))?;
    text.lines()
        .position(|l| l.contains(&format!("@{marker} ")))
        .map(|i| i + 1)
        .ok_or_else(|| format!("no @{marker} in {}", source.display()))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn first_page(adapter: &Adapter, program: &Path, source: &Path, repeat: usize) -> Result<f64, String> {
    let mut s = Session::start(adapter)?;
    let thread = s.stop_at(program, source, "print")?;
    let frame = s.top_frame(thread)?;
    let mut times = Vec::new();
    for _ in 0..repeat {
        let big = s.request("evaluate", json!({ "expression": "big", "frameId": frame, "context": "watch" }))?;
        let reference = big["variablesReference"].as_i64().filter(|r| *r > 0).ok_or("big has no children")?;
        let start = Instant::now();
        let page = s.request("variables", json!({ "variablesReference": reference, "start": 0, "count": 100 }))?;
        times.push(ms(start.elapsed()));
        let first = page["variables"][1]["value"].as_str().unwrap_or_default();
        if first != "2" {
            return Err(format!("big[1] shows as {first:?}, not 2"));
        }
    }
    Ok(median(times))
}

fn vec_first_page(adapter: &Adapter, program: &Path, source: &Path, repeat: usize) -> Result<f64, String> {
    let mut s = Session::start(adapter)?;
    let thread = s.stop_at(program, source, "stop")?;
    let frame = s.top_frame(thread)?;
    let mut times = Vec::new();
    for _ in 0..repeat {
        let scopes = s.request("scopes", json!({ "frameId": frame }))?;
        let locals = scopes["scopes"]
            .as_array()
            .and_then(|all| {
                all.iter().find(|x| {
                    x["presentationHint"] == "locals"
                        || x["name"].as_str().is_some_and(|n| n.eq_ignore_ascii_case("locals"))
                })
            })
            .and_then(|x| x["variablesReference"].as_i64())
            .ok_or("no Locals scope")?;
        let vars = s.request("variables", json!({ "variablesReference": locals }))?;
        let big = vars["variables"]
            .as_array()
            .and_then(|all| all.iter().find(|v| v["name"] == "big"))
            .and_then(|v| v["variablesReference"].as_i64())
            .filter(|r| *r > 0)
            .ok_or("big has no children")?;
        let start = Instant::now();
        let page = s.request("variables", json!({ "variablesReference": big, "start": 0, "count": 100 }))?;
        times.push(ms(start.elapsed()));
        let second = page["variables"][1]["value"].as_str().unwrap_or_default();
        if second != "3" {
            return Err(format!("big[1] shows as {second:?}, not 3: the Vec is not shown as its elements"));
        }
    }
    Ok(median(times))
}

fn next_latency(adapter: &Adapter, program: &Path, source: &Path, repeat: usize) -> Result<f64, String> {
    let mut times = Vec::new();
    for _ in 0..repeat {
        let mut s = Session::start(adapter)?;
        let thread = s.stop_at(program, source, "loop-call")?;
        s.request("setBreakpoints", json!({ "source": { "path": source }, "breakpoints": [] }))?;
        for _ in 0..STEPS {
            let start = Instant::now();
            s.send("next", json!({ "threadId": thread }))?;
            let stopped = s.stopped()?;
            times.push(ms(start.elapsed()));
            if stopped["body"]["reason"] != "step" {
                return Err(format!("a next stopped for {}", stopped["body"]["reason"]));
            }
        }
    }
    Ok(median(times))
}

/// The checks of `tests/dap/scenarios.js` not marked `@rdb`.
const NEUTRAL_CHECKS: usize = 34;

/// The checks an adapter passes, and each failed one with the first line of why.
fn scenario_checks(adapter: &Adapter, program: &Path, source: &Path) -> Result<(f64, Vec<(String, String)>), String> {
    if let Some(why) = rdb_testkit::dap::unavailable() {
        return Err(why);
    }
    // The test client gives its adapter one argument: lldb-vscode needs none, so it is started through env.
    let env = PathBuf::from("/usr/bin/env");
    let (program_of, argument) = match adapter.argument {
        Some(arg) => (adapter.program, arg.to_string()),
        None => (env.as_path(), adapter.program.display().to_string()),
    };
    let env = [("DAP_PROGRAM", program.display().to_string()), ("DAP_SOURCE", source.display().to_string())];
    let run = rdb_testkit::dap::run_scenario_file(
        "scenarios.js",
        &rdb_testkit::dap::Adapter { program: program_of, argument: &argument, tcp: false },
        &env,
        rdb_testkit::dap::Selection { pattern: Some("@rdb"), invert: true },
        Duration::from_secs(900),
    );
    eprintln!("bench: dap: {}: {} checks passed, {} failed", adapter.program.display(), run.passed, run.failed);
    for (check, why) in &run.failures {
        eprintln!("bench: dap: {}: failed \"{check}\": {why}", adapter.program.display());
    }
    if run.passed + run.failed == 0 {
        return Err("the scenarios did not run".into());
    }
    if run.passed + run.failed != NEUTRAL_CHECKS {
        eprintln!("bench: dap: {} checks ran, not {NEUTRAL_CHECKS}", run.passed + run.failed);
    }
    Ok((run.passed as f64, run.failures))
}
