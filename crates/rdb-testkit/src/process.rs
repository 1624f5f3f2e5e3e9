//! Processes the tests start themselves (attach targets such as `loop`) and what `/proc` says about any process:
//! its state, its tracer, whether it is gone, its anonymous executable mappings. Everything started here is killed when dropped; every wait has a
//! deadline.

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

use crate::debuggees::debuggee;

/// A debuggee started by the test (not by rdb), e.g. `loop` for attach tests. It is killed when dropped.
pub struct Spawned {
    pub child: Child,
    pub pid: u32,
    pub exe: PathBuf,
    lines: Receiver<String>,
}

/// Starts debuggee `name` with `args`, stdout piped, and waits (10 s at most) for its `ready` line.
/// A `pid <n>` line before it is checked against the real pid.
pub fn spawn_debuggee(name: &str, args: &[&str]) -> Spawned {
    let exe = debuggee(name);
    let mut child = Command::new(&exe)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", exe.display()));
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let spawned = Spawned { child, pid, exe, lines: rx };
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match spawned.lines.recv_timeout(left) {
            Ok(line) if line == "ready" => break,
            Ok(line) => {
                if let Some(p) = line.strip_prefix("pid ") {
                    assert_eq!(p.trim().parse::<u32>().ok(), Some(pid), "debuggee printed a wrong pid");
                }
            }
            Err(_) => panic!("debuggee {name} never printed 'ready'"),
        }
    }
    spawned
}

impl Spawned {
    /// The next line the debuggee prints, if one comes within `timeout`.
    pub fn next_line(&self, timeout: Duration) -> Option<String> {
        self.lines.recv_timeout(timeout).ok()
    }

    /// Whether the process has exited (and was reaped by us).
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A process's state letter from `/proc/<pid>/stat` (`R`, `S`, `t` traced-stopped, `T`, `Z`...), `None` if gone.
pub fn process_state(pid: u32) -> Option<char> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_comm = &stat[stat.rfind(')')? + 1..];
    after_comm.trim_start().chars().next()
}

/// `TracerPid` from `/proc/<pid>/status` (0 when no debugger is attached).
pub fn tracer_pid(pid: u32) -> Option<u32> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|l| l.strip_prefix("TracerPid:")).and_then(|v| v.trim().parse().ok())
}

/// Whether the process is gone (no `/proc` entry, or a zombie nobody reaped yet).
pub fn process_gone(pid: u32) -> bool {
    matches!(process_state(pid), None | Some('Z') | Some('X'))
}

/// The mappings of `pid` that are anonymous (no file, no `[name]`) and readable, writable and executable at once,
/// as (start, end) from `/proc/<pid>/maps`: the kind a debugger maps to put code in (rdb's scratch memory).
pub fn anonymous_rwx_mappings(pid: u32) -> Vec<(u64, u64)> {
    let maps = fs::read_to_string(format!("/proc/{pid}/maps")).unwrap_or_default();
    maps.lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let (range, perms) = (fields.next()?, fields.next()?);
            let named = fields.nth(3).is_some();
            let (start, end) = range.split_once('-')?;
            let range = (u64::from_str_radix(start, 16).ok()?, u64::from_str_radix(end, 16).ok()?);
            (perms.starts_with("rwx") && !named).then_some(range)
        })
        .collect()
}

/// Polls `f` every 20 ms until it is true or `timeout` passes.
pub fn wait_until(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if f() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// A pid that no process has right now (for "attach to a nonexistent pid").
pub fn unused_pid() -> u32 {
    let max: u32 =
        fs::read_to_string("/proc/sys/kernel/pid_max").ok().and_then(|s| s.trim().parse().ok()).unwrap_or(32768);
    (1000..max).rev().find(|p| !Path::new(&format!("/proc/{p}")).exists()).expect("a free pid")
}
