//! Running one debugger process for the bench: its wall time and peak RSS, with a hard timeout.
//!
//! The peak RSS comes from `wait4`, which reports the reaped child's own high-water mark (the kernel takes the
//! larger of it and those of the children it reaped in turn: a debugger reaps its debuggee, which is stopped early
//! and small in every measure that looks at memory). `std::process` offers no `wait4`, hence libc.

use std::fs::File;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// No single run of the bench may take longer: a hung debugger fails its measure instead of the bench.
const TIMEOUT: Duration = Duration::from_secs(240);

/// What a finished run cost.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    pub wall: Duration,
    pub peak_rss_kib: u64,
}

/// Where a run's standard output and error go: nowhere (timed runs), or a log file that is read back (checks).
pub enum Output<'a> {
    Discard,
    Log(&'a Path),
}

/// Runs `cmd` with `stdin` (a file, or nothing) and waits for it; fails on a timeout, a failure to start, or an
/// exit status other than success. The process gets a group of its own so a timeout kills its debuggee too.
pub fn run(cmd: &mut Command, stdin: Option<&Path>, output: Output) -> Result<Sample, String> {
    let program = cmd.get_program().to_string_lossy().into_owned();
    cmd.stdin(match stdin {
        Some(path) => Stdio::from(File::open(path).map_err(|e| format!("open {}: {e}", path.display()))?),
        None => Stdio::null(),
    });
    match output {
        Output::Discard => {
            cmd.stdout(Stdio::null()).stderr(Stdio::null());
        }
        Output::Log(path) => {
            let log = File::create(path).map_err(|e| format!("create {}: {e}", path.display()))?;
            let log2 = log.try_clone().map_err(|e| format!("{}: {e}", path.display()))?;
            cmd.stdout(log).stderr(log2);
        }
    }
    cmd.process_group(0);

    let start = Instant::now();
    let child = cmd.spawn().map_err(|e| format!("cannot run {program}: {e}"))?;
    let pid = child.id() as libc::pid_t;
    let (done, watched) = mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        let timed_out = watched.recv_timeout(TIMEOUT) == Err(mpsc::RecvTimeoutError::Timeout);
        if timed_out {
            // SAFETY: kill has no memory effects; the group is the child's own, still unreaped (wait4 is blocked).
            unsafe { libc::kill(-pid, libc::SIGKILL) };
        }
        timed_out
    });
    let waited = wait4(pid);
    let wall = start.elapsed();
    let _ = done.send(());
    let timed_out = watchdog.join().unwrap_or(false);
    // The child is reaped: `child` must not be waited for or killed again.
    drop(child);

    let (status, peak_rss_kib) = waited?;
    if timed_out {
        return Err(format!("{program} did not finish within {} s", TIMEOUT.as_secs()));
    }
    if !status.success() {
        return Err(format!("{program} failed ({status})"));
    }
    Ok(Sample { wall, peak_rss_kib })
}

/// Waits for `pid` and returns its status and peak RSS in KiB (`ru_maxrss` is in KiB on Linux).
fn wait4(pid: libc::pid_t) -> Result<(ExitStatus, u64), String> {
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: both pointers are to live locals of the right types for the duration of the call.
        let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if reaped == pid {
            return Ok((ExitStatus::from_raw(status), usage.ru_maxrss.max(0) as u64));
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            return Err(format!("wait4({pid}): {error}"));
        }
    }
}
