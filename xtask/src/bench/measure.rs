//! One tool doing one measure's work: checked once, then timed `repeat` times, reduced to a figure by medians.
//!
//! The machine is shared and noisy, so every figure is a median, and a rate's work run and its baseline run (the
//! same debugger on the same debuggee, without the breakpoint or the steps) alternate, so that a burst of load
//! falls on both alike.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::process::{self, Output, Sample};

/// One run of a debugger: the command line and, for debuggers driven through their standard input, the text fed
/// to it (written to a file beside the logs); for a remote-protocol client, the server it connects to.
pub struct Script {
    pub cmd: Command,
    pub stdin: Option<String>,
    /// Started before `cmd`, which gets the port it announces in place of [`process::PORT`] in its arguments.
    pub server: Option<Command>,
}

impl Script {
    pub fn new(cmd: Command) -> Script {
        Script { cmd, stdin: None, server: None }
    }

    pub fn with_stdin(cmd: Command, stdin: String) -> Script {
        Script { cmd, stdin: Some(stdin), server: None }
    }

    /// `client` connecting to `server` (gdbserver, `rdb --gdbserver`) on the port the server announces.
    pub fn served(server: Command, client: Command) -> Script {
        Script { cmd: client, stdin: None, server: Some(server) }
    }

    fn run(&mut self, stdin: Option<&Path>, output: Output) -> Result<Sample, String> {
        match &mut self.server {
            Some(server) => process::run_served(server, &self.cmd, stdin, output),
            None => process::run(&mut self.cmd, stdin, output),
        }
    }
}

/// What a check run's output must show for the work to have been done right (the breakpoint set, the process
/// exited, the stop where it should be): `Err` says what is wrong.
pub type Check = Box<dyn Fn(&str) -> Result<(), String>>;

/// What the output of a run of `n` calls must show for all of them to have been made (the program's own count), for
/// a measure where a run cut short would look fast: held against the check run and every timed run.
pub type Counted = Box<dyn Fn(&str, u64) -> Result<(), String>>;

/// A tool's way of doing a measure's work `count` times (hits, steps), and of doing everything else alone.
pub struct Job<'a> {
    /// `rdb`, `gdb`...: names the log files.
    pub tool: &'static str,
    /// The work of the timed runs: enough for a few seconds of this tool.
    pub count: u64,
    /// The work of the check run, small so that a slow tool checks fast.
    pub check_count: u64,
    pub work: Box<dyn Fn(u64) -> Script + 'a>,
    /// The same run without the work (no breakpoint, no steps), whose time a rate subtracts; `None` for a measure
    /// of whole runs.
    pub baseline: Option<Box<dyn Fn(u64) -> Script + 'a>>,
    pub check: Check,
    /// When set, every run's output is logged and held to it, not only the check run's.
    pub counted: Option<Counted>,
}

/// Where the bench keeps its logs and stdin files, and how many times it times each run.
pub struct Bench {
    pub logs: PathBuf,
    pub repeat: usize,
}

impl Bench {
    /// Work per second: `count / (median(work) - median(baseline))`.
    pub fn rate(&self, measure: &str, job: &Job) -> Result<f64, String> {
        let baseline = job.baseline.as_ref().ok_or("a rate needs a baseline run")?;
        self.check(measure, job, job.check_count)?;
        let mut work = Vec::new();
        let mut base = Vec::new();
        for _ in 0..self.repeat {
            work.push(self.time(measure, job, (job.work)(job.count))?.wall);
            base.push(self.time(measure, job, baseline(job.count))?.wall);
        }
        let (work, base) = (median(&work), median(&base));
        eprintln!(
            "bench: {measure} {}: {} in {:.2} s, baseline {:.2} s",
            job.tool,
            job.count,
            work.as_secs_f64(),
            base.as_secs_f64()
        );
        rate(job.count, work, base).ok_or_else(|| {
            format!("the work took no longer than the baseline ({:.2} s): too noisy, rerun", base.as_secs_f64())
        })
    }

    /// Wall time and peak RSS of one whole run (the job's work with its full count), medians of `repeat`; the check run
    /// does the same work with `check_count`.
    pub fn whole_run(&self, measure: &str, job: &Job) -> Result<(Duration, u64), String> {
        self.check(measure, job, job.check_count)?;
        let mut samples = Vec::new();
        for _ in 0..self.repeat {
            samples.push(self.time(measure, job, (job.work)(job.count))?);
        }
        let wall = median(&samples.iter().map(|s| s.wall).collect::<Vec<_>>());
        let rss = median(&samples.iter().map(|s| s.peak_rss_kib).collect::<Vec<_>>());
        eprintln!("bench: {measure} {}: {:.2} s, {rss} KiB", job.tool, wall.as_secs_f64());
        Ok((wall, rss))
    }

    /// Runs the job's work once for `count` with its output logged, and holds the output to the job's check. This
    /// run also warms the page cache, so the first timed run is not the odd one out.
    fn check(&self, measure: &str, job: &Job, count: u64) -> Result<(), String> {
        let log = self.logs.join(format!("{measure}.{}.log", job.tool));
        let text = self.logged(measure, job.tool, (job.work)(count), &log)?.1;
        (job.check)(&text).map_err(|e| format!("{e} (see {})", log.display()))?;
        match &job.counted {
            Some(counted) => counted(&text, count).map_err(|e| format!("{e} (see {})", log.display())),
            None => Ok(()),
        }
    }

    /// One timed run of the job's work or baseline: its output discarded, or, for a counted job, logged (the last one
    /// in `<measure>.<tool>.timed.log`) and held to the job's count.
    fn time(&self, measure: &str, job: &Job, mut script: Script) -> Result<Sample, String> {
        let Some(counted) = &job.counted else {
            let stdin = self.stdin_file(measure, job.tool, &script)?;
            return script.run(stdin.as_deref(), Output::Discard);
        };
        let log = self.logs.join(format!("{measure}.{}.timed.log", job.tool));
        let (sample, text) = self.logged(measure, job.tool, script, &log)?;
        counted(&text, job.count).map_err(|e| format!("a timed run: {e} (see {})", log.display()))?;
        Ok(sample)
    }

    /// Runs `script` with its output to `log`, and reads the log back.
    fn logged(&self, measure: &str, tool: &str, mut script: Script, log: &Path) -> Result<(Sample, String), String> {
        let stdin = self.stdin_file(measure, tool, &script)?;
        let sample =
            script.run(stdin.as_deref(), Output::Log(log)).map_err(|e| format!("{e} (see {})", log.display()))?;
        let text = std::fs::read_to_string(log).map_err(|e| format!("read {}: {e}", log.display()))?;
        Ok((sample, text))
    }

    fn stdin_file(&self, measure: &str, tool: &str, script: &Script) -> Result<Option<PathBuf>, String> {
        let Some(text) = &script.stdin else { return Ok(None) };
        let path = self.logs.join(format!("{measure}.{tool}.stdin"));
        std::fs::write(&path, text).map_err(|e| format!("write {}: {e}", path.display()))?;
        Ok(Some(path))
    }
}

/// `count` per second of the time the work added to the baseline; `None` when it added none (noise won).
pub fn rate(count: u64, work: Duration, base: Duration) -> Option<f64> {
    let added = work.checked_sub(base)?.as_secs_f64();
    (added > 0.0).then(|| count as f64 / added)
}

/// The median (the upper middle one of an even number); the samples are never empty.
pub fn median<T: Copy + Ord>(samples: &[T]) -> T {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    sorted[sorted.len() / 2]
}

/// Logs live in `<target>/bench/logs`, created on demand.
pub fn logs_dir(bench_dir: &Path) -> Result<PathBuf, String> {
    let logs = bench_dir.join("logs");
    std::fs::create_dir_all(&logs).map_err(|e| format!("create {}: {e}", logs.display()))?;
    Ok(logs)
}
