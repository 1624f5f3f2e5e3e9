//! A live rdb (or rdb.exe under Wine) with its stdin kept open: commands sent one by one, its output collected in
//! threads and waited for with deadlines, the whole process group killed if the test lets go of it while it runs.

use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use regex::Regex;

use crate::paths::rdb_bin;
use crate::run::{PIPE_GRACE, RdbRun, default_timeout, dump};
use crate::section::captures_to_strings;

/// Collects one output pipe of a child in a thread.
struct Pipe {
    buf: Arc<Mutex<Vec<u8>>>,
    eof: Arc<AtomicBool>,
}

impl Pipe {
    fn spawn<R: Read + Send + 'static>(mut reader: R) -> Pipe {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let eof = Arc::new(AtomicBool::new(false));
        let (b, e) = (buf.clone(), eof.clone());
        thread::spawn(move || {
            let mut chunk = [0u8; 8192];
            loop {
                match reader.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => b.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(&chunk[..n]),
                }
            }
            e.store(true, Ordering::SeqCst);
        });
        Pipe { buf, eof }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.buf.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }

    fn closed(&self) -> bool {
        self.eof.load(Ordering::SeqCst)
    }
}

/// A live rdb process with its stdin kept open: for tests that must act while it runs (break-in with SIGINT,
/// SIGTERM while attached). rdb runs in its own process group, which is killed (debuggees included) if the
/// session is dropped while rdb still runs.
pub struct RdbSession {
    child: Child,
    stdin: Option<ChildStdin>,
    out: Pipe,
    err: Pipe,
    args: Vec<String>,
    sent: String,
    exited: Option<ExitStatus>,
}

impl RdbSession {
    /// Starts the `rdb` binary ([`rdb_bin`]) with `args`.
    pub fn start(args: &[&str]) -> RdbSession {
        RdbSession::spawn(Command::new(rdb_bin()), args)
    }

    /// Starts `cmd` (rdb itself, or Wine running rdb.exe) with rdb's `args` appended.
    pub fn spawn(mut cmd: Command, args: &[&str]) -> RdbSession {
        cmd.args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env("RUST_BACKTRACE", "1")
            .process_group(0);
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start rdb {args:?}: {e}"));
        let stdin = child.stdin.take();
        let out = Pipe::spawn(child.stdout.take().expect("stdout"));
        let err = Pipe::spawn(child.stderr.take().expect("stderr"));
        RdbSession {
            child,
            stdin,
            out,
            err,
            args: args.iter().map(|a| a.to_string()).collect(),
            sent: String::new(),
            exited: None,
        }
    }

    /// rdb's pid (also its process group id).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Writes one command line to rdb's stdin.
    pub fn send(&mut self, line: &str) {
        self.send_raw(&format!("{line}\n"));
    }

    pub(crate) fn send_raw(&mut self, text: &str) {
        self.send_bytes(text.as_bytes());
    }

    /// Writes bytes as they are to rdb's stdin, text or not (a line that is no UTF-8).
    pub fn send_bytes(&mut self, bytes: &[u8]) {
        self.sent.push_str(&String::from_utf8_lossy(bytes));
        if let Some(stdin) = self.stdin.as_mut() {
            // rdb may already have exited (e.g. a command-line error): a broken pipe is not the test's failure.
            let _ = stdin.write_all(bytes);
            let _ = stdin.flush();
        }
    }

    /// Closes rdb's stdin (end of input: rdb quits as `q` does).
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    pub fn stdout(&self) -> String {
        self.out.text()
    }

    pub fn stderr(&self) -> String {
        self.err.text()
    }

    /// Everything about the session so far (arguments, what was sent, both outputs), for failure messages.
    pub fn dump(&self) -> String {
        dump(&self.args, &self.sent, &self.stdout(), &self.stderr(), "still running")
    }

    /// Waits until stdout matches `re` (polling), up to `timeout`; returns the capture groups, or `None`.
    pub fn wait_for(&self, re: &str, timeout: Duration) -> Option<Vec<String>> {
        self.wait_for_in(re, timeout, Self::stdout)
    }

    /// As [`RdbSession::wait_for`], on stderr (where a server says what it does).
    pub fn wait_for_stderr(&self, re: &str, timeout: Duration) -> Option<Vec<String>> {
        self.wait_for_in(re, timeout, Self::stderr)
    }

    fn wait_for_in(&self, re: &str, timeout: Duration, text: fn(&Self) -> String) -> Option<Vec<String>> {
        let re = Regex::new(re).unwrap_or_else(|e| panic!("bad regex {re:?}: {e}"));
        let deadline = Instant::now() + timeout;
        loop {
            let out = text(self);
            if let Some(c) = re.captures(&out) {
                return Some(captures_to_strings(&c));
            }
            if Instant::now() >= deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits (15 s at most) until stdout matches `re`, failing the test with everything seen so far if it doesn't.
    pub fn expect(&self, re: &str) -> Vec<String> {
        match self.wait_for(re, Duration::from_secs(15)) {
            Some(c) => c,
            None => panic!("rdb output never matched /{re}/\n{}", self.dump()),
        }
    }

    /// Waits until `re` matches at least `n` times in stdout (15 s at most), failing the test otherwise.
    pub fn expect_count(&self, re: &str, n: usize) {
        let rx = Regex::new(re).unwrap();
        let deadline = Instant::now() + Duration::from_secs(15);
        while rx.find_iter(&self.stdout()).count() < n {
            if Instant::now() >= deadline {
                panic!("rdb output never matched /{re}/ {n} times\n{}", self.dump());
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends a signal to the rdb process only (not its debuggee), as a test of its own handling.
    pub fn signal(&self, sig: i32) {
        // SAFETY: kill(2) with a pid we started and still own (not yet waited for): no memory is involved.
        let rc = unsafe { libc::kill(self.child.id() as i32, sig) };
        assert_eq!(rc, 0, "kill({}, {sig}) failed", self.child.id());
    }

    /// Waits for rdb to exit by itself (without closing stdin), up to `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        if let Some(st) = self.exited {
            return Some(st);
        }
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(st)) = self.child.try_wait() {
                self.exited = Some(st);
                return Some(st);
            }
            if Instant::now() >= deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Closes stdin, waits for rdb to exit (default timeout), collects its output.
    pub fn finish(self) -> RdbRun {
        let run = self.finish_within(default_timeout());
        run.assert_sane();
        run
    }

    pub fn finish_within(mut self, timeout: Duration) -> RdbRun {
        self.close_stdin();
        let mut timed_out = false;
        let status = match self.wait_exit(timeout) {
            Some(st) => st,
            None => {
                timed_out = true;
                kill_group(self.child.id());
                let st = self.child.wait().expect("wait for killed rdb");
                self.exited = Some(st);
                st
            }
        };
        // Wait for the pipes: a detached debuggee that shares them may still be finishing its output.
        let deadline = Instant::now() + PIPE_GRACE;
        while !(self.out.closed() && self.err.closed()) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(10));
        }
        let leftovers = !(self.out.closed() && self.err.closed());
        if leftovers {
            // Something rdb left behind still holds the pipes: end it.
            kill_group(self.child.id());
            let deadline = Instant::now() + Duration::from_secs(1);
            while !(self.out.closed() && self.err.closed()) && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(10));
            }
        }
        RdbRun {
            stdout: self.out.text(),
            stderr: self.err.text(),
            status,
            timed_out,
            leftovers,
            args: std::mem::take(&mut self.args),
            stdin: std::mem::take(&mut self.sent),
        }
    }
}

impl Drop for RdbSession {
    fn drop(&mut self) {
        if self.exited.is_none()
            && let Ok(None) = self.child.try_wait()
        {
            kill_group(self.child.id());
            let _ = self.child.wait();
        }
    }
}

/// Kills process group `pgid` (rdb and everything it started that stayed in its group).
fn kill_group(pgid: u32) {
    // SAFETY: kill(2) on the process group of a child we started in a group of its own: no memory is involved.
    unsafe {
        libc::kill(-(pgid as i32), libc::SIGKILL);
    }
}
