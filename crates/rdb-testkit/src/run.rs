//! One finished rdb run in batch mode (`rdb <args>` with its commands piped in, under a hard timeout), with the
//! checks every run must pass (no timeout, no panic, nothing left behind) and its output cut into sections.

use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::time::Duration;

use regex::Regex;

use crate::section::Section;
use crate::session::RdbSession;

/// How long one rdb run may take before it is killed (`RDB_TEST_TIMEOUT_SECS` overrides; default 30 s).
pub fn default_timeout() -> Duration {
    let secs = std::env::var("RDB_TEST_TIMEOUT_SECS").ok().and_then(|v| v.parse().ok()).unwrap_or(30);
    Duration::from_secs(secs)
}

/// After rdb exits, how long to wait for its output pipes to close (a detached debuggee may still be writing).
pub(crate) const PIPE_GRACE: Duration = Duration::from_secs(5);

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
pub(crate) fn batch(mut session: RdbSession, stdin: &str, timeout: Duration) -> RdbRun {
    session.send_raw(stdin);
    session.finish_within(timeout)
}

/// Everything about a run (or a session so far), for failure messages.
pub(crate) fn dump(args: &[String], stdin: &str, stdout: &str, stderr: &str, status: &str) -> String {
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

    /// Fails if a control character other than line ends (`\n`, a Windows debuggee's `\r\n`) and tabs reached stdout
    /// raw (the debuggee's names and strings must arrive escaped), or if the line `forged` appears other than
    /// `genuine` times (text from the debuggee made to pass for one of rdb's lines).
    pub fn assert_printable(&self, forged: &str, genuine: usize) -> &Self {
        let lines = || self.stdout.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
        if let Some(line) = lines().find(|l| l.chars().any(|c| c.is_control() && c != '\t')) {
            self.fail(&format!("a raw control character reached stdout, in {line:?}"));
        }
        let count = lines().filter(|l| *l == forged).count();
        if count != genuine {
            self.fail(&format!("{count} lines read {forged:?}, {genuine} of them rdb's own"));
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
