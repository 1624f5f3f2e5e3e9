//! A debuggee that runs until it is told to stop, for scenarios that let a process go (`.detach`): `loop` on Linux,
//! `wloop` under Wine (both call `spin_once` every millisecond), and the checks that it runs on clean afterwards.
//! Linux lets the test look at the process from outside (`/proc`); under Wine the test asks `wloop` itself, which
//! checksums its own code and exits 0 when its stop file appears.

use std::path::PathBuf;
use std::time::Duration;

use regex::Regex;

use crate::backend::Backend;
use crate::driver::Driver;
use crate::live_memory::{assert_loop_runs_free, assert_text_clean};
use crate::process::{process_gone, wait_until};
use crate::wine::{processes_with_arg, run_under_wine, signal_file, wine_path};

/// How long a spinner lives on its own if a test loses it (its first argument, in seconds).
const LIFETIME_SECS: &str = "60";

/// One spinning debuggee for one test.
pub struct Spinner {
    backend: Backend,
    /// `wloop`'s stop file (unused on Linux, where the test ends the process itself).
    stop_file: PathBuf,
}

impl Spinner {
    /// A spinner for backend `backend`; `test` names the test, to give it a stop file of its own (per test
    /// process too: several front ends' test binaries may run the same scenario at once).
    pub fn new(backend: Backend, test: &str) -> Spinner {
        let stop_file = match backend {
            Backend::Linux => PathBuf::new(),
            Backend::Windows => signal_file(&format!("{test}-{}.stop", std::process::id())),
        };
        Spinner { backend, stop_file }
    }

    /// The debuggee's name.
    pub fn name(&self) -> &'static str {
        match self.backend {
            Backend::Linux => "loop",
            Backend::Windows => "wloop",
        }
    }

    /// Its arguments: its lifetime, and under Wine its stop file.
    pub fn args(&self) -> Vec<String> {
        match self.backend {
            Backend::Linux => vec![LIFETIME_SECS.to_string()],
            Backend::Windows => vec![LIFETIME_SECS.to_string(), wine_path(&self.stop_file)],
        }
    }

    /// The function it calls every millisecond, `module!spin_once`.
    pub fn spin_function(&self) -> String {
        format!("{}!spin_once", self.name())
    }

    /// After a detach: the process runs on, undebugged, its code exactly as in its file; then it is ended. On Linux
    /// `/proc` shows it untraced and advancing, its `.text` as in the file, and it is killed; under Wine it is told to
    /// stop, and must end normally: it says `stopped` with its code's checksum unchanged, and is gone.
    pub fn assert_runs_on_clean_then_end(&self, driver: &dyn Driver) {
        let pid = driver.process_id();
        match self.backend {
            Backend::Linux => {
                let exe = self.backend.debuggee(self.name());
                assert_loop_runs_free(pid, &exe);
                assert_text_clean(pid, &exe);
                // SAFETY: kill(2) on the detached debuggee's pid, which is still ours to end (it cannot be reused
                // before its parent, rdb, reaps it): no memory is involved.
                let rc = unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
                assert_eq!(rc, 0, "kill the detached loop {pid}");
                assert!(wait_until(Duration::from_secs(5), || process_gone(pid)), "loop {pid} survived SIGKILL");
            }
            Backend::Windows => {
                // The checksum of an undebugged run (`wloop 0` prints it and ends at once): the one printed under
                // the debugger at the start may include the debugger's int3 in spin_once.
                let checksum = Regex::new(r"(?m)^code ([0-9a-f]{8})\r?$").unwrap();
                let (_, clean, _) = run_under_wine(&self.backend.debuggee(self.name()), &["0"]);
                let before = checksum.captures(&clean).map(|c| c[1].to_string());
                let before = before.unwrap_or_else(|| panic!("wloop 0 printed no checksum:\n{clean}"));
                std::fs::write(&self.stop_file, "").expect("create wloop's stop file");
                let stopped = Regex::new(r"(?m)^stopped\r?\ncode ([0-9a-f]{8})\r?$").unwrap();
                let after = wait_until(Duration::from_secs(10), || stopped.is_match(&driver.debuggee_output()));
                let output = driver.debuggee_output();
                assert!(after, "wloop did not stop normally after its stop file appeared:\n{output}");
                let after = stopped.captures(&output).unwrap()[1].to_string();
                assert_eq!(after, before, "wloop's code differs from an undebugged run's: a breakpoint byte was left");
                // rdb.exe's own command line holds wloop's arguments too: only wloop itself must be gone.
                let stop_arg = wine_path(&self.stop_file);
                let wloops = || -> Vec<u32> {
                    let is_wloop = |pid: &u32| first_argument(*pid).is_some_and(|a| a.ends_with("wloop.exe"));
                    processes_with_arg(&stop_arg).into_iter().filter(is_wloop).collect()
                };
                assert!(
                    wait_until(Duration::from_secs(10), || wloops().is_empty()),
                    "wloop still runs after it said it stopped: {:?}",
                    wloops()
                );
            }
        }
    }
}

/// A process's first argument (a Wine process's is its Windows program), lower case; `None` if it is gone.
fn first_argument(pid: u32) -> Option<String> {
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let first = cmdline.split(|b| *b == 0).next()?;
    Some(String::from_utf8_lossy(first).to_ascii_lowercase())
}
