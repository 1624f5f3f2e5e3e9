//! The integration-test harness: builds the debuggees in `tests/debuggees/`, runs the `rdb` binary in batch mode
//! (or as a live session for break-in and signal tests) with a hard timeout, and inspects live processes
//! (`/proc/<pid>/mem` against the ELF file, for "no stray 0xCC" checks).
//!
//! Every test binary includes this file with `mod common;`, so not every helper is used by every binary.
//! It must never let a test hang: every wait has a deadline, and every process it starts is killed at the end.
#![allow(dead_code)]

use std::collections::HashMap;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::FileExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use regex::Regex;

pub mod backend;
pub mod windows;

// Not every test binary uses these.
#[allow(unused_imports)]
pub(crate) use backend::on_both_backends;
#[allow(unused_imports)]
pub use backend::{Backend, Fatal};

// ---------------------------------------------------------------------------------------------------------------
// Debuggees
// ---------------------------------------------------------------------------------------------------------------

/// Where the debuggee sources live (`tests/debuggees/` at the repository root; `RDB_DEBUGGEES_DIR` overrides).
pub fn debuggee_sources() -> PathBuf {
    match std::env::var_os("RDB_DEBUGGEES_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/debuggees"),
    }
}

/// Where built debuggees go: shared by every test binary of this crate.
pub fn debuggee_out_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("debuggees")
}

/// Builds `tests/debuggees/<name>.c` (or `.rs`) once per test process and returns the executable's path.
/// `debuggee("plugin")` returns the shared library `libplugin.so`. Safe when test threads and test binaries race:
/// each build goes to a temporary name and is renamed into place; it is rebuilt when the source is newer.
pub fn debuggee(name: &str) -> PathBuf {
    built_once(name, || build_debuggee(name))
}

/// Runs `build` once per test process for `key` and remembers its result.
pub fn built_once(key: &str, build: impl FnOnce() -> PathBuf) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let map = BUILT.get_or_init(|| Mutex::new(HashMap::new()));
    // One lock for all names: builds are short, and this keeps gcc runs from piling up on 2 cores.
    let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(path) = map.get(key) {
        return path.clone();
    }
    let path = build();
    map.insert(key.to_string(), path.clone());
    path
}

fn build_debuggee(name: &str) -> PathBuf {
    let src_dir = debuggee_sources();
    // C with gcc, C++ with g++, Rust with rustc.
    let Some((src, compiler)) = [("c", "gcc"), ("cc", "g++"), ("rs", "rustc")]
        .into_iter()
        .map(|(ext, compiler)| (src_dir.join(format!("{name}.{ext}")), compiler))
        .find(|(path, _)| path.exists())
    else {
        panic!("no debuggee source {name}.c, {name}.cc or {name}.rs in {}", src_dir.display());
    };
    let out_name = source_directive(&src, "rdb-output:").unwrap_or_else(|| name.to_string());
    compile_once(&src, &debuggee_out_dir().join(out_name), |tmp| {
        let mut cmd;
        if compiler == "rustc" {
            let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
            cmd = Command::new(rustc);
            cmd.args(["-g", "-C", "opt-level=0", "--edition", "2021", "-o"]).arg(tmp).arg(&src);
        } else {
            cmd = Command::new(compiler);
            cmd.args(["-g", "-O0", "-fno-omit-frame-pointer", "-pthread"]);
            cmd.arg("-o").arg(tmp).arg(&src);
            if let Some(flags) = source_directive(&src, "rdb-build:") {
                cmd.args(flags.split_whitespace());
            }
        }
        cmd
    })
}

/// A debuggee says how it is built in its own source, rr-style: `rdb-build: <extra compiler flags>` and
/// `rdb-output: <file name>` anywhere in a comment.
pub fn source_directive(src: &Path, key: &str) -> Option<String> {
    let text = fs::read_to_string(src).unwrap_or_default();
    text.lines().find_map(|l| l.split_once(key).map(|(_, v)| v.trim().trim_end_matches("*/").trim().to_string()))
}

/// Builds `out` from `src` with the compiler command `compiler(tmp)` makes, unless `out` is newer than `src`.
/// Safe when test threads and test binaries race: the compiler writes a temporary name that is renamed into place.
pub fn compile_once(src: &Path, out: &Path, compiler: impl FnOnce(&Path) -> Command) -> PathBuf {
    if is_up_to_date(src, out) {
        return out.to_path_buf();
    }
    let out_dir = out.parent().expect("an output directory");
    fs::create_dir_all(out_dir).expect("create the debuggee output directory");
    let nanos = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let file_name = out.file_name().expect("an output file name").to_string_lossy();
    let tmp = out_dir.join(format!(".{file_name}.tmp.{}.{nanos}", std::process::id()));
    let mut cmd = compiler(&tmp);
    let output = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run the compiler for {}: {e} (run scripts/setup.sh)", src.display()));
    if !output.status.success() {
        let _ = fs::remove_file(&tmp);
        panic!(
            "building debuggee {} failed ({:?}):\n{}{}",
            src.display(),
            cmd,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    fs::rename(&tmp, out).unwrap_or_else(|e| panic!("rename {} -> {}: {e}", tmp.display(), out.display()));
    out.to_path_buf()
}

fn is_up_to_date(src: &Path, out: &Path) -> bool {
    let modified = |p: &Path| fs::metadata(p).and_then(|m| m.modified()).ok();
    match (modified(src), modified(out)) {
        (Some(s), Some(o)) => o >= s,
        _ => false,
    }
}

/// The 1-based line of `tests/debuggees/<file>` that holds the marker comment `@<marker>` (e.g. `line_of("hello.c",
/// "add")` finds `/* @add */`). Tests name lines this way so editing a debuggee does not break them.
pub fn line_of(file: &str, marker: &str) -> u32 {
    let path = debuggee_sources().join(file);
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let needle = format!("@{marker} ");
    let needle_end = format!("@{marker}*/");
    let hits: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(&needle) || l.replace(' ', "").contains(&needle_end))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(hits.len(), 1, "marker @{marker} must be on exactly one line of {file}, found {hits:?}");
    hits[0] as u32
}

/// A path as `&str` (debuggee paths are always UTF-8 here).
pub fn s(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

// ---------------------------------------------------------------------------------------------------------------
// Running rdb
// ---------------------------------------------------------------------------------------------------------------

/// How long one rdb run may take before it is killed (`RDB_TEST_TIMEOUT_SECS` overrides; default 30 s).
pub fn default_timeout() -> Duration {
    let secs = std::env::var("RDB_TEST_TIMEOUT_SECS").ok().and_then(|v| v.parse().ok()).unwrap_or(30);
    Duration::from_secs(secs)
}

/// After rdb exits, how long to wait for its output pipes to close (a detached debuggee may still be writing).
const PIPE_GRACE: Duration = Duration::from_secs(5);

/// A WinDbg command that prints a section marker; `RdbRun::section(name)` returns the text after it.
pub fn mark(name: &str) -> String {
    format!(".echo =={name}==")
}

/// One finished rdb run.
pub struct RdbRun {
    pub stdout: String,
    pub stderr: String,
    pub status: ExitStatus,
    /// rdb did not finish within its timeout and was killed (with its whole process group).
    pub timed_out: bool,
    /// rdb exited, but something it started (a debuggee it should have killed or detached from) still held its
    /// output open after a grace period, and was killed.
    pub leftovers: bool,
    pub args: Vec<String>,
    pub stdin: String,
}

/// Runs `rdb <args>` in batch mode with `stdin` piped in; kills it after `default_timeout()`.
/// Fails the test if rdb timed out or panicked.
pub fn rdb(args: &[&str], stdin: &str) -> RdbRun {
    let run = rdb_raw(args, stdin, default_timeout());
    run.assert_sane();
    run
}

/// Like `rdb`, without the timeout and panic checks.
pub fn rdb_raw(args: &[&str], stdin: &str, timeout: Duration) -> RdbRun {
    batch(RdbSession::start(args), stdin, timeout)
}

/// Feeds `stdin` to a just-started rdb, closes it and waits for rdb to end, up to `timeout`.
fn batch(mut session: RdbSession, stdin: &str, timeout: Duration) -> RdbRun {
    session.send_raw(stdin);
    session.finish_within(timeout)
}

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
    pub fn start(args: &[&str]) -> RdbSession {
        RdbSession::spawn(Command::new(env!("CARGO_BIN_EXE_rdb")), args)
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

    fn send_raw(&mut self, text: &str) {
        self.sent.push_str(text);
        if let Some(stdin) = self.stdin.as_mut() {
            // rdb may already have exited (e.g. a command-line error): a broken pipe is not the test's failure.
            let _ = stdin.write_all(text.as_bytes());
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

    /// Waits until stdout matches `re` (polling), up to `timeout`; returns the capture groups, or `None`.
    pub fn wait_for(&self, re: &str, timeout: Duration) -> Option<Vec<String>> {
        let re = Regex::new(re).unwrap_or_else(|e| panic!("bad regex {re:?}: {e}"));
        let deadline = Instant::now() + timeout;
        loop {
            let out = self.stdout();
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
            None => panic!(
                "rdb output never matched /{re}/\n{}",
                dump(&self.args, &self.sent, &self.stdout(), &self.stderr(), "still running")
            ),
        }
    }

    /// Waits until `re` matches at least `n` times in stdout (15 s at most), failing the test otherwise.
    pub fn expect_count(&self, re: &str, n: usize) {
        let rx = Regex::new(re).unwrap();
        let deadline = Instant::now() + Duration::from_secs(15);
        while rx.find_iter(&self.stdout()).count() < n {
            if Instant::now() >= deadline {
                panic!(
                    "rdb output never matched /{re}/ {n} times\n{}",
                    dump(&self.args, &self.sent, &self.stdout(), &self.stderr(), "still running")
                );
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends a signal to the rdb process only (not its debuggee), as a test of its own handling.
    pub fn signal(&self, sig: i32) {
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

fn kill_group(pgid: u32) {
    unsafe {
        libc::kill(-(pgid as i32), libc::SIGKILL);
    }
}

fn captures_to_strings(c: &regex::Captures) -> Vec<String> {
    c.iter().map(|m| m.map(|m| m.as_str().to_string()).unwrap_or_default()).collect()
}

fn dump(args: &[String], stdin: &str, stdout: &str, stderr: &str, status: &str) -> String {
    format!(
        "---- rdb {args:?}\n---- stdin:\n{stdin}\n---- stdout:\n{stdout}\n---- stderr:\n{stderr}\n---- status: {status}\n----"
    )
}

impl RdbRun {
    /// Everything about the run, for failure messages.
    pub fn dump(&self) -> String {
        let status = if self.timed_out {
            format!("{:?} (TIMED OUT and killed)", self.status)
        } else if self.leftovers {
            format!("{:?} (left processes behind, killed)", self.status)
        } else {
            format!("{:?}", self.status)
        };
        dump(&self.args, &self.stdin, &self.stdout, &self.stderr, &status)
    }

    pub fn fail(&self, msg: &str) -> ! {
        panic!("{msg}\n{}", self.dump())
    }

    /// Fails if rdb timed out or panicked.
    pub fn assert_sane(&self) -> &Self {
        if self.timed_out {
            self.fail("rdb did not finish in time");
        }
        if self.stderr.contains("panicked") || self.stdout.contains("panicked at") {
            self.fail("rdb panicked");
        }
        if self.leftovers && !self.timed_out {
            self.fail("rdb exited but left a process holding its output (a debuggee neither killed nor finished)");
        }
        self
    }

    /// The whole stdout.
    pub fn out(&self) -> Section<'_> {
        Section { text: &self.stdout, run: self, name: "stdout".into() }
    }

    /// The stdout after the marker line printed by `mark(name)`, up to the next marker line.
    pub fn section(&self, name: &str) -> Section<'_> {
        let marker = format!("=={name}==");
        let start = self
            .stdout
            .match_indices(&marker)
            .find(|(i, _)| *i == 0 || self.stdout.as_bytes()[i - 1] == b'\n')
            .map(|(i, _)| i + marker.len())
            .unwrap_or_else(|| self.fail(&format!("no section marker {marker} in the output")));
        let rest = self.stdout[start..].strip_prefix('\n').unwrap_or(&self.stdout[start..]);
        let next = Regex::new(r"(?m)^==[^=\n]+==$").unwrap();
        let end = next.find(rest).map(|m| m.start()).unwrap_or(rest.len());
        Section { text: &rest[..end], run: self, name: format!("section {name}") }
    }

    pub fn assert_contains(&self, needle: &str) -> &Self {
        self.out().assert_contains(needle);
        self
    }

    pub fn assert_not_contains(&self, needle: &str) -> &Self {
        self.out().assert_not_contains(needle);
        self
    }

    /// Asserts stdout matches `re`; returns the capture groups (0 = the whole match).
    pub fn assert_matches(&self, re: &str) -> Vec<String> {
        self.out().assert_matches(re)
    }

    pub fn assert_not_matches(&self, re: &str) -> &Self {
        self.out().assert_not_matches(re);
        self
    }

    pub fn count(&self, re: &str) -> usize {
        self.out().count(re)
    }

    /// Asserts that an error line (`^ ...`) matching `re` (which should start with `^\^ `) is in stdout or stderr.
    pub fn assert_error(&self, re: &str) -> &Self {
        let rx = Regex::new(&format!("(?m){re}")).unwrap_or_else(|e| panic!("bad regex {re:?}: {e}"));
        if !rx.is_match(&self.stdout) && !rx.is_match(&self.stderr) {
            self.fail(&format!("no error line matching /{re}/ in stdout or stderr"));
        }
        self
    }

    /// All non-empty lines of stdout and stderr.
    pub fn lines(&self) -> Vec<&str> {
        self.stdout.lines().chain(self.stderr.lines()).filter(|l| !l.trim().is_empty()).collect()
    }

    pub fn assert_success(&self) -> &Self {
        if !self.status.success() {
            self.fail("rdb exited unsuccessfully");
        }
        self
    }

    pub fn assert_failure(&self) -> &Self {
        if self.status.success() || self.status.signal().is_some() {
            self.fail("rdb should have exited with a non-zero code");
        }
        self
    }
}

/// A piece of rdb's stdout with assertions that print the whole run on failure.
pub struct Section<'a> {
    pub text: &'a str,
    run: &'a RdbRun,
    name: String,
}

impl<'a> Section<'a> {
    fn fail(&self, msg: &str) -> ! {
        panic!("{msg}\n---- {}:\n{}\n{}", self.name, self.text, self.run.dump())
    }

    pub fn assert_contains(&self, needle: &str) -> &Self {
        if !self.text.contains(needle) {
            self.fail(&format!("{} does not contain {needle:?}", self.name));
        }
        self
    }

    pub fn assert_not_contains(&self, needle: &str) -> &Self {
        if self.text.contains(needle) {
            self.fail(&format!("{} contains {needle:?}, which it should not", self.name));
        }
        self
    }

    pub fn assert_matches(&self, re: &str) -> Vec<String> {
        let rx = Regex::new(re).unwrap_or_else(|e| panic!("bad regex {re:?}: {e}"));
        match rx.captures(self.text) {
            Some(c) => captures_to_strings(&c),
            None => self.fail(&format!("{} does not match /{re}/", self.name)),
        }
    }

    pub fn assert_not_matches(&self, re: &str) -> &Self {
        let rx = Regex::new(re).unwrap_or_else(|e| panic!("bad regex {re:?}: {e}"));
        if let Some(m) = rx.find(self.text) {
            self.fail(&format!("{} matches /{re}/ at {:?}, which it should not", self.name, m.as_str()));
        }
        self
    }

    /// Every match of `re`, as capture groups.
    pub fn all_matches(&self, re: &str) -> Vec<Vec<String>> {
        let rx = Regex::new(re).unwrap_or_else(|e| panic!("bad regex {re:?}: {e}"));
        rx.captures_iter(self.text).map(|c| captures_to_strings(&c)).collect()
    }

    pub fn count(&self, re: &str) -> usize {
        Regex::new(re).unwrap_or_else(|e| panic!("bad regex {re:?}: {e}")).find_iter(self.text).count()
    }

    pub fn assert_count(&self, re: &str, n: usize) -> &Self {
        let got = self.count(re);
        if got != n {
            self.fail(&format!("{} matches /{re}/ {got} times, expected {n}", self.name));
        }
        self
    }

    /// The call sites of the stack rows (`k`, `kn`, `kb`) in this section, in order, with their source
    /// (`Some(("/path/file.c", line))`) when the row has one.
    pub fn frames(&self) -> Vec<Frame> {
        let rx =
            Regex::new(&format!(r"(?m)^(?:[0-9a-f]{{2}} )?(?:{A}\s+|:\s+)+(\S+)(?: \[(.*) @ (\d+)\])?\s*$", A = ADDR))
                .unwrap();
        rx.captures_iter(self.text)
            .map(|c| Frame {
                site: c[1].to_string(),
                file: c.get(2).map(|m| m.as_str().to_string()),
                line: c.get(3).map(|m| m.as_str().parse().unwrap()),
            })
            .collect()
    }

    /// Asserts the stack rows of this section start with call sites beginning with `sites`, in order
    /// (`"hello!add"` matches `hello!add` and `hello!add+0x8`).
    pub fn assert_frames_start_with(&self, sites: &[&str]) -> Vec<Frame> {
        let frames = self.frames();
        let ok = frames.len() >= sites.len() && sites.iter().zip(&frames).all(|(want, f)| f.is(want));
        if !ok {
            self.fail(&format!("stack should start with {sites:?}, rows parsed: {frames:#?}"));
        }
        frames
    }

    /// The values printed by `?` (`Evaluate expression: 16 = 00000000`00000010`), as 64-bit numbers.
    pub fn evaluations(&self) -> Vec<u64> {
        self.all_matches(&format!(r"Evaluate expression: -?\d+ = ({ADDR})")).iter().map(|c| addr(&c[1])).collect()
    }

    /// The one value printed by `?` in this section.
    pub fn evaluation(&self) -> u64 {
        let v = self.evaluations();
        if v.len() != 1 {
            self.fail(&format!("expected exactly one `Evaluate expression:` line, found {}", v.len()));
        }
        v[0]
    }

    /// Disassembly rows (`00005555`55555149 55              push    rbp`): (address, instruction length, text).
    pub fn disassembly(&self) -> Vec<(u64, u64, String)> {
        self.all_matches(&format!(r"(?m)^({ADDR}) ([0-9a-f]+) +(\S.*)$"))
            .iter()
            .map(|c| (addr(&c[1]), (c[2].len() / 2) as u64, c[3].to_string()))
            .collect()
    }
}

#[derive(Debug, Clone)]
pub struct Frame {
    pub site: String,
    pub file: Option<String>,
    pub line: Option<u32>,
}

impl Frame {
    /// `site` is `want` or `want+0x...`.
    pub fn is(&self, want: &str) -> bool {
        self.site == want || self.site.strip_prefix(want).is_some_and(|rest| rest.starts_with("+0x"))
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Output shapes (docs/console.md)
// ---------------------------------------------------------------------------------------------------------------

/// A 64-bit value as rdb prints it: `00007fff`f7dc2000`.
pub const ADDR: &str = r"[0-9a-f]{8}`[0-9a-f]{8}";

/// The optional symbol-state column of an `lm` row (WinDbg's `(deferred)`, `(pdb symbols)`), with its padding.
pub const LM_STATE: &str = r"(?:\([^)\n]*\) +)?";

/// The two lines a first-chance exception adds after its `(first chance)` line.
pub const FIRST_CHANCE_NOTE: &str =
    "First chance exceptions are reported before any exception handling.\nThis exception may be expected and handled.";

/// Parses `00007fff`f7dc2000` (or plain hex).
pub fn addr(text: &str) -> u64 {
    u64::from_str_radix(&text.replace('`', ""), 16).unwrap_or_else(|e| panic!("not an address: {text:?}: {e}"))
}

/// Formats a value the way rdb prints 64-bit values.
pub fn fmt_addr(v: u64) -> String {
    format!("{:08x}`{:08x}", v >> 32, v & 0xffff_ffff)
}

/// The register dump every stop prints (docs/console.md "Stops").
pub fn regs_re() -> String {
    let r = |n: &str| format!("{n}=[0-9a-f]{{16}}");
    format!(
        "{} {} {}\n{} {} {}\n{} {} {}\n {}  {} {}\n{} {} {}\n{} {}\niopl=[0-9a-f]+ +(?:[a-z]{{2}} ){{7}}[a-z]{{2}}\n\
         cs=[0-9a-f]{{4}}  ss=[0-9a-f]{{4}}  ds=[0-9a-f]{{4}}  es=[0-9a-f]{{4}}  fs=[0-9a-f]{{4}}  gs=[0-9a-f]{{4}} +efl=[0-9a-f]{{8}}\n",
        r("rax"),
        r("rbx"),
        r("rcx"),
        r("rdx"),
        r("rsi"),
        r("rdi"),
        r("rip"),
        r("rsp"),
        r("rbp"),
        r("r8"),
        r("r9"),
        r("r10"),
        r("r11"),
        r("r12"),
        r("r13"),
        r("r14"),
        r("r15"),
    )
}

/// A whole stop: register dump, the location line `<location>:` (a regex, e.g. `hello!add` or
/// `steps!mid\+0x[0-9a-f]+`) and one disassembly line.
pub fn stop_re(location: &str) -> String {
    format!(r"{}{location}:\n{ADDR} [0-9a-f]+ +\S", regs_re())
}

/// The `(<pid>.<tid>): <name> - code <code> (first chance)` line; captures pid and tid.
pub fn exception_re(name: &str, code: &str) -> String {
    format!(r"(?m)^\(([0-9a-f]+)\.([0-9a-f]+)\): {name} - code {code} \(first chance\)$")
}

/// The `(<pid>.<tid>): <name> - code <code> (!!! second chance !!!)` line.
pub fn second_chance_re(name: &str, code: &str) -> String {
    format!(r"(?m)^\(([0-9a-f]+)\.([0-9a-f]+)\): {name} - code {code} \(!!! second chance !!!\)$")
}

/// The process exit line with a given hex exit code (`code 3`, `code 00000003` are both accepted); captures pid.
pub fn exit_code_re(code: u32) -> String {
    format!(r"(?m)^\([0-9a-f]+\.[0-9a-f]+\): Exit process ([0-9a-f]+), code 0*{code:x}$")
}

/// The process exit line for a death by signal (`signal 11 (SIGSEGV)`; the number in decimal or hex).
pub fn exit_signal_re(number: u32, name: &str) -> String {
    format!(r"(?m)^\([0-9a-f]+\.[0-9a-f]+\): Exit process ([0-9a-f]+), signal (?:{number}|0*{number:x}) \({name}\)$")
}

/// `Breakpoint <n> hit` followed by the stop at `location`.
pub fn bp_hit_re(n: u32, location: &str) -> String {
    format!(r"(?m)^Breakpoint {n} hit\n{}", stop_re(location))
}

// ---------------------------------------------------------------------------------------------------------------
// Processes spawned by the tests themselves (attach targets)
// ---------------------------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------------------------
// Live memory against the ELF file
// ---------------------------------------------------------------------------------------------------------------

/// The ELF file of `exe`, parsed enough for the checks below.
struct Elf {
    data: Vec<u8>,
}

impl Elf {
    fn read(exe: &Path) -> Elf {
        Elf { data: fs::read(exe).unwrap_or_else(|e| panic!("read {}: {e}", exe.display())) }
    }

    fn file(&self) -> object::File<'_> {
        object::File::parse(&*self.data).expect("parse ELF")
    }
}

/// The load bias of `exe` in process `pid`: runtime address = file address + bias.
pub fn load_bias(pid: u32, exe: &Path) -> u64 {
    use object::{Object, ObjectSegment};
    let canon = fs::canonicalize(exe).unwrap_or_else(|_| exe.to_path_buf());
    let maps = fs::read_to_string(format!("/proc/{pid}/maps")).unwrap_or_else(|e| panic!("read maps of {pid}: {e}"));
    let base = maps
        .lines()
        .filter_map(|l| {
            let fields: Vec<&str> = l.split_whitespace().collect();
            if fields.len() < 6 || Path::new(fields[5]) != canon || u64::from_str_radix(fields[2], 16) != Ok(0) {
                return None;
            }
            u64::from_str_radix(fields[0].split('-').next()?, 16).ok()
        })
        .min()
        .unwrap_or_else(|| panic!("{} is not mapped in process {pid}:\n{maps}", canon.display()));
    let elf = Elf::read(exe);
    let first_vaddr = elf.file().segments().map(|s| s.address()).min().unwrap_or(0) & !0xfff;
    base - first_vaddr
}

/// One byte of `.text` that differs between the file and the live process.
#[derive(Debug)]
pub struct TextDiff {
    pub address: u64,
    pub file: u8,
    pub live: u8,
}

/// Compares the `.text` section of `exe` with the live memory of `pid` (via `/proc/<pid>/mem`).
pub fn text_diff(pid: u32, exe: &Path) -> Vec<TextDiff> {
    use object::{Object, ObjectSection};
    let elf = Elf::read(exe);
    let file = elf.file();
    let text = file.section_by_name(".text").expect(".text section");
    let bytes = text.data().expect(".text data");
    let start = text.address() + load_bias(pid, exe);
    let live = read_memory(pid, start, bytes.len());
    bytes
        .iter()
        .zip(&live)
        .enumerate()
        .filter(|(_, (f, l))| f != l)
        .map(|(i, (f, l))| TextDiff { address: start + i as u64, file: *f, live: *l })
        .collect()
}

/// Fails the test if the live `.text` of `exe` in `pid` differs from the file (a stray 0xCC left behind).
pub fn assert_text_clean(pid: u32, exe: &Path) {
    let diffs = text_diff(pid, exe);
    assert!(
        diffs.is_empty(),
        "process {pid}: live .text of {} differs from the file at {} places (stray breakpoints?): {:x?}",
        exe.display(),
        diffs.len(),
        &diffs[..diffs.len().min(16)]
    );
}

/// Reads `len` bytes of process memory at `address` through `/proc/<pid>/mem`.
pub fn read_memory(pid: u32, address: u64, len: usize) -> Vec<u8> {
    let mem = fs::File::open(format!("/proc/{pid}/mem")).unwrap_or_else(|e| panic!("open /proc/{pid}/mem: {e}"));
    let mut buf = vec![0u8; len];
    mem.read_exact_at(&mut buf, address).unwrap_or_else(|e| panic!("read /proc/{pid}/mem at {address:#x}: {e}"));
    buf
}

/// The runtime address of symbol `name` of `exe` in process `pid`.
pub fn symbol_address(pid: u32, exe: &Path, name: &str) -> u64 {
    use object::{Object, ObjectSymbol};
    let elf = Elf::read(exe);
    let file = elf.file();
    let sym = file
        .symbols()
        .find(|s| s.name() == Ok(name))
        .unwrap_or_else(|| panic!("no symbol {name} in {}", exe.display()));
    sym.address() + load_bias(pid, exe)
}

/// Reads the 8-byte global `name` of `exe` in the live process `pid`.
pub fn read_global_u64(pid: u32, exe: &Path, name: &str) -> u64 {
    let bytes = read_memory(pid, symbol_address(pid, exe, name), 8);
    u64::from_le_bytes(bytes.try_into().unwrap())
}

/// Asserts that process `pid` is running freely: not traced, not stopped, and its global counter `spins`
/// (of the `loop` debuggee) advances.
pub fn assert_loop_runs_free(pid: u32, exe: &Path) {
    assert!(
        wait_until(Duration::from_secs(5), || tracer_pid(pid) == Some(0)),
        "process {pid} is still traced (TracerPid {:?})",
        tracer_pid(pid)
    );
    let state = process_state(pid);
    assert!(matches!(state, Some('R') | Some('S')), "process {pid} should be running or sleeping, state {state:?}");
    let before = read_global_u64(pid, exe, "spins");
    let advanced = wait_until(Duration::from_secs(5), || read_global_u64(pid, exe, "spins") > before);
    assert!(advanced, "process {pid} no longer advances (spins stuck at {before})");
}
