//! [`Driver`] for the console: a live `rdb` (or `rdb.exe` under Wine) fed through its stdin, one command at a time.
//! Each command is followed by `.echo <unique marker>`; the driver waits (with the run timeout) for the marker, and
//! what rdb printed before it is that command's output, read back with `console_stops`.

use std::time::{Duration, Instant};

use super::console_stops::{ConsoleStop, breakpoint_ids, dumped_bytes, error_line, parse_stop, register_value};
use super::{Driver, Location, SourceLine, StopData, StopReason};
use crate::backend::Backend;
use crate::run::default_timeout;
use crate::session::RdbSession;
use crate::shapes::{parse_evaluations, parse_frames};

/// The console, driven as a user at a terminal would, on one backend.
pub struct ConsoleDriver {
    backend: Backend,
    /// The rdb of the current launch; dropping it kills rdb's process group.
    session: Option<RdbSession>,
    /// How much of rdb's stdout earlier commands' outputs took.
    read: usize,
    /// Markers sent so far (each is unique in the session).
    markers: u32,
    /// The debuggee's pid, from the launch's first stop.
    pid: Option<u32>,
}

impl ConsoleDriver {
    /// A driver for the console on `backend`: `rdb` on Linux, `rdb.exe` under Wine for Windows.
    pub fn new(backend: Backend) -> ConsoleDriver {
        ConsoleDriver { backend, session: None, read: 0, markers: 0, pid: None }
    }

    fn session(&self) -> &RdbSession {
        self.session.as_ref().expect("the console driver has no session: launch a debuggee first")
    }

    /// Fails the test with everything rdb said so far.
    fn fail(&self, message: &str) -> ! {
        match &self.session {
            Some(session) => panic!("console driver: {message}\n{}", session.dump()),
            None => panic!("console driver: {message}"),
        }
    }

    /// Sends `command` (one line or several) and then a marker; returns what rdb printed before the marker.
    fn command(&mut self, command: &str) -> String {
        self.markers += 1;
        let marker = format!("rdb-testkit-sync-{}", self.markers);
        let session = self.session.as_mut().expect("the console driver has no session: launch a debuggee first");
        session.send(command);
        session.send(&format!(".echo {marker}"));
        let deadline = Instant::now() + default_timeout();
        loop {
            let out = session.stdout();
            if let Some(at) = out[self.read..].find(&format!("{marker}\n")).map(|i| self.read + i) {
                let text = out[self.read..at].to_string();
                self.read = at + marker.len() + 1;
                return text;
            }
            if session.wait_exit(Duration::ZERO).is_some() {
                self.fail(&format!("rdb exited before it answered {command:?}"));
            }
            if Instant::now() >= deadline {
                self.fail(&format!("rdb did not answer {command:?} within {:?}", default_timeout()));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// `command`'s output, failing the test if it has an error line.
    fn command_ok(&mut self, command: &str) -> String {
        let text = self.command(command);
        if let Some(error) = error_line(&text) {
            self.fail(&format!("{command:?} failed: {error}"));
        }
        text
    }

    /// The stop in `text` (the output of a command that ran the debuggee), completed with the stopped thread and
    /// the source line, which the console gives through `? @$tid` and the first row of `k`.
    fn stop(&mut self, text: &str, first: bool) -> StopData {
        let ConsoleStop { reason, pid, thread, pc, function } =
            parse_stop(text).unwrap_or_else(|e| self.fail(&format!("{e}:\n{text}")));
        if first {
            self.pid = pid;
        }
        let reason = if first { StopReason::Entry } else { reason };
        if pc.is_none() {
            return StopData { reason, thread, pc, function, source: None };
        }
        let details = self.command_ok("? @$tid\nk");
        let tid = parse_evaluations(&details).first().copied().unwrap_or_else(|| self.fail("no `? @$tid` value"));
        let thread = Some(u32::try_from(tid).unwrap_or_else(|_| self.fail(&format!("thread id {tid:#x}"))));
        let source = parse_frames(&details)
            .into_iter()
            .next()
            .and_then(|frame| Some(SourceLine { file: frame.file?, line: frame.line? }));
        StopData { reason, thread, pc, function, source }
    }
}

impl Driver for ConsoleDriver {
    fn backend(&self) -> Backend {
        self.backend
    }

    fn launch(&mut self, name: &str, args: &[&str]) -> StopData {
        assert!(self.session.is_none(), "the console driver debugs one launch at a time");
        let program = self.backend.path_arg(&self.backend.debuggee(name));
        let mut argv = vec![program.as_str()];
        argv.extend_from_slice(args);
        self.session = Some(self.backend.session(&argv));
        self.read = 0;
        // The first command's output is everything from the start: the command line, the modules, the first stop.
        let text = self.command(".echo launched");
        let text = text.strip_suffix("launched\n").unwrap_or(&text).to_string();
        let stop = self.stop(&text, true);
        if self.pid.is_none() {
            self.fail("the first stop names no process id");
        }
        stop
    }

    fn set_breakpoint(&mut self, at: &Location) -> u32 {
        let before = breakpoint_ids(&self.command_ok("bl"));
        let command = match at {
            Location::Symbol(symbol) => format!("bp {symbol}"),
            Location::Line { file, line } => format!("bp `{file}:{line}`"),
        };
        self.command_ok(&command);
        let new: Vec<u32> =
            breakpoint_ids(&self.command_ok("bl")).into_iter().filter(|id| !before.contains(id)).collect();
        match new[..] {
            [id] => id,
            _ => self.fail(&format!("{command:?} should add one breakpoint to `bl`, it added {new:?}")),
        }
    }

    fn resume(&mut self) -> StopData {
        let text = self.command_ok("g");
        self.stop(&text, false)
    }

    fn read_memory(&mut self, address: u64, len: usize) -> Vec<u8> {
        let text = self.command_ok(&format!("db 0x{address:x} L0x{len:x}"));
        dumped_bytes(&text, address, len).unwrap_or_else(|e| self.fail(&format!("db at {address:#x}: {e}:\n{text}")))
    }

    fn evaluate_symbol(&mut self, symbol: &str) -> u64 {
        let text = self.command_ok(&format!("? {symbol}"));
        match parse_evaluations(&text)[..] {
            [value] => value,
            _ => self.fail(&format!("`? {symbol}` should print one value:\n{text}")),
        }
    }

    fn read_register(&mut self, name: &str) -> u64 {
        let text = self.command_ok(&format!("r {name}"));
        register_value(&text, name).unwrap_or_else(|e| self.fail(&format!("r {name}: {e}:\n{text}")))
    }

    fn process_id(&self) -> u32 {
        self.pid.expect("the console driver has no process: launch a debuggee first")
    }

    fn debuggee_output(&self) -> String {
        self.session().stdout()
    }

    fn detach(&mut self) {
        let text = self.command_ok(".detach");
        if !text.lines().any(|l| l == "Detached") {
            self.fail(&format!("`.detach` should print `Detached`:\n{text}"));
        }
    }

    fn quit(&mut self) {
        let mut session = self.session.take().expect("the console driver has no session: launch a debuggee first");
        session.send("q");
        // Checks rdb ended by itself in time, did not panic, and left no process holding its output.
        let run = session.finish();
        if !run.stdout.contains("quit:") {
            run.fail("`q` should print `quit:`");
        }
        self.pid = None;
    }
}
