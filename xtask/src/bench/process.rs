//! Running one debugger process for the bench: its wall time and peak RSS, with a hard timeout. A remote-protocol
//! measure runs two: a server first (gdbserver, `rdb --gdbserver`), then the client that connects to the port the
//! server announces.
//!
//! The peak RSS comes from `wait4`, which reports the reaped child's own high-water mark (the kernel takes the
//! larger of it and those of the children it reaped in turn: a debugger reaps its debuggee, which is stopped early
//! and small in every measure that looks at memory). `std::process` offers no `wait4`, hence libc.

use std::ffi::OsString;
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// No single run of the bench may take longer: a hung debugger fails its measure instead of the bench.
const TIMEOUT: Duration = Duration::from_secs(240);

/// In a client's arguments, where the port its server announced goes (`target remote 127.0.0.1:{port}`).
pub const PORT: &str = "{port}";

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

impl Output<'_> {
    /// The log, created afresh, or none.
    fn open(&self) -> Result<Option<File>, String> {
        match self {
            Output::Discard => Ok(None),
            Output::Log(path) => File::create(path).map(Some).map_err(|e| format!("create {}: {e}", path.display())),
        }
    }
}

/// Runs `cmd` with `stdin` (a file, or nothing) and waits for it; fails on a timeout, a failure to start, or an
/// exit status other than success. The process gets a group of its own so a timeout kills its debuggee too.
pub fn run(cmd: &mut Command, stdin: Option<&Path>, output: Output) -> Result<Sample, String> {
    let log = output.open()?;
    cmd.stdin(input(stdin)?).stdout(sink(log.as_ref())?).stderr(sink(log.as_ref())?);
    let start = Instant::now();
    let peak_rss_kib = Watched::spawn(cmd)?.wait()?;
    Ok(Sample { wall: start.elapsed(), peak_rss_kib })
}

/// Starts `server`, reads the port it announces on its standard error (`Listening on port N`, as gdbserver and
/// `rdb --gdbserver` say it), then runs `client` with that port in place of [`PORT`] in its arguments, and waits
/// for both to end; fails as [`run`] does for either. The wall time runs from the server's start to the later end,
/// the peak RSS is the larger of the two; the server's output and the debuggee's (which the server's standard
/// output is) go to the same log as the client's.
pub fn run_served(
    server: &mut Command,
    client: &Command,
    stdin: Option<&Path>,
    output: Output,
) -> Result<Sample, String> {
    let log = output.open()?;
    server.stdin(Stdio::null()).stdout(sink(log.as_ref())?).stderr(Stdio::piped());
    let start = Instant::now();
    let mut served = Watched::spawn(server)?;
    let mut stderr = BufReader::new(served.child.stderr.take().expect("the server's stderr is piped"));
    let port = match announced_port(&mut stderr, log.as_ref()) {
        Ok(port) => port,
        Err(e) => {
            let program = served.program.clone();
            served.kill();
            return Err(format!("{program}: {e}"));
        }
    };
    // The rest of the server's standard error, to the log as it comes (the server must never block on a full pipe).
    let rest = log.as_ref().map(File::try_clone).transpose().map_err(|e| format!("log: {e}"))?;
    let copier = std::thread::spawn(move || copy_lines(stderr, rest));

    let mut client = with_port(client, port);
    client.stdin(input(stdin)?).stdout(sink(log.as_ref())?).stderr(sink(log.as_ref())?);
    let client_rss = match Watched::spawn(&mut client).and_then(Watched::wait) {
        Ok(rss) => rss,
        Err(e) => {
            // The copier is left to end with the pipe: a debuggee outside the server's group may hold it open.
            served.kill();
            return Err(e);
        }
    };
    let server_rss = served.wait()?;
    let wall = start.elapsed();
    let _ = copier.join();
    Ok(Sample { wall, peak_rss_kib: client_rss.max(server_rss) })
}

fn input(stdin: Option<&Path>) -> Result<Stdio, String> {
    match stdin {
        Some(path) => Ok(Stdio::from(File::open(path).map_err(|e| format!("open {}: {e}", path.display()))?)),
        None => Ok(Stdio::null()),
    }
}

fn sink(log: Option<&File>) -> Result<Stdio, String> {
    match log {
        // One open file shared by every writer: their writes follow one another, none overwrites another.
        Some(log) => log.try_clone().map(Stdio::from).map_err(|e| format!("log: {e}")),
        None => Ok(Stdio::null()),
    }
}

/// The port of the server's `Listening on port N` line; the lines before it are copied to the log.
fn announced_port(stderr: &mut impl BufRead, mut log: Option<&File>) -> Result<u16, String> {
    let mut line = String::new();
    loop {
        line.clear();
        match stderr.read_line(&mut line) {
            Ok(0) => return Err("it ended without announcing its port".into()),
            Ok(_) => {}
            Err(e) => return Err(format!("reading its standard error: {e}")),
        }
        if let Some(log) = &mut log {
            let _ = log.write_all(line.as_bytes());
        }
        if let Some(port) = line.trim().strip_prefix("Listening on port ") {
            return port.parse().map_err(|_| format!("no port in {:?}", line.trim()));
        }
    }
}

/// Copies `from` to `log` line by line, or drains it. Not `io::copy`: its splice into a file writes at an offset of
/// its own, over what the client and the debuggee write to the same log meanwhile.
fn copy_lines(mut from: impl BufRead, mut log: Option<File>) {
    let mut line = Vec::new();
    while from.read_until(b'\n', &mut line).is_ok_and(|n| n > 0) {
        if let Some(log) = &mut log {
            let _ = log.write_all(&line);
        }
        line.clear();
    }
}

/// `client` with the port in place of [`PORT`] in its arguments.
fn with_port(client: &Command, port: u16) -> Command {
    let mut cmd = Command::new(client.get_program());
    cmd.args(client.get_args().map(|arg| match arg.to_str() {
        Some(text) if text.contains(PORT) => OsString::from(text.replace(PORT, &port.to_string())),
        _ => arg.to_owned(),
    }));
    for (key, value) in client.get_envs() {
        match value {
            Some(value) => cmd.env(key, value),
            None => cmd.env_remove(key),
        };
    }
    if let Some(dir) = client.get_current_dir() {
        cmd.current_dir(dir);
    }
    cmd
}

/// A process in a group of its own, which a watchdog kills, group and all, if it has not been reaped within
/// [`TIMEOUT`] of its start.
struct Watched {
    child: Child,
    program: String,
    done: mpsc::Sender<()>,
    watchdog: JoinHandle<bool>,
}

impl Watched {
    fn spawn(cmd: &mut Command) -> Result<Watched, String> {
        let program = cmd.get_program().to_string_lossy().into_owned();
        cmd.process_group(0);
        let child = cmd.spawn().map_err(|e| format!("cannot run {program}: {e}"))?;
        let pid = child.id() as libc::pid_t;
        let (done, watched) = mpsc::channel::<()>();
        let watchdog = std::thread::spawn(move || {
            let timed_out = watched.recv_timeout(TIMEOUT) == Err(mpsc::RecvTimeoutError::Timeout);
            if timed_out {
                // SAFETY: kill has no memory effects; the group is the child's own, still unreaped (it is reaped
                // only after this thread is told so or has returned).
                unsafe { libc::kill(-pid, libc::SIGKILL) };
            }
            timed_out
        });
        Ok(Watched { child, program, done, watchdog })
    }

    /// Waits for the process and returns its peak RSS; fails on a timeout or an exit status other than success.
    fn wait(self) -> Result<u64, String> {
        let waited = wait4(self.child.id() as libc::pid_t);
        let _ = self.done.send(());
        let timed_out = self.watchdog.join().unwrap_or(false);
        // The child is reaped: `child` must not be waited for or killed again.
        drop(self.child);
        let (status, peak_rss_kib) = waited?;
        if timed_out {
            return Err(format!("{} did not finish within {} s", self.program, TIMEOUT.as_secs()));
        }
        if !status.success() {
            return Err(format!("{} failed ({status})", self.program));
        }
        Ok(peak_rss_kib)
    }

    /// Ends the process and its group now (a server whose client failed), and reaps it.
    fn kill(self) {
        // SAFETY: as the watchdog's kill; the child is not reaped yet.
        unsafe { libc::kill(-(self.child.id() as libc::pid_t), libc::SIGKILL) };
        let _ = self.wait();
    }
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
