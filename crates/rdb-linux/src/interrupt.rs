//! Breaking into a running debuggee from another thread (the console's Ctrl-C handler): a SIGSTOP the backend
//! recognises as the debugger's, reports as a break-in and never delivers.

use std::sync::atomic::{AtomicBool, Ordering};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use rdb_engine::target::Interrupter;

#[derive(Debug)]
pub(crate) struct Breaker {
    pid: i32,
    /// A SIGSTOP was sent and has not been reported yet.
    requested: AtomicBool,
    /// The process is still ours (no signals to a pid that may have been reused).
    alive: AtomicBool,
}

impl Breaker {
    pub fn new(pid: i32) -> Breaker {
        Breaker { pid, requested: AtomicBool::new(false), alive: AtomicBool::new(true) }
    }

    /// Whether a break-in was requested; clears the request.
    pub fn take_request(&self) -> bool {
        self.requested.swap(false, Ordering::SeqCst)
    }

    pub fn set_gone(&self) {
        self.alive.store(false, Ordering::SeqCst);
    }
}

impl Interrupter for Breaker {
    /// One break-in at a time: while a SIGSTOP of ours is on its way, asking again sends nothing (a second one
    /// would arrive after the first was reported, no longer requested, and look like the program's own SIGSTOP).
    fn interrupt(&self) {
        if self.alive.load(Ordering::SeqCst) && !self.requested.swap(true, Ordering::SeqCst) {
            // A process-directed stop: whichever thread runs takes it.
            let _ = kill(Pid::from_raw(self.pid), Signal::SIGSTOP);
        }
    }
}
