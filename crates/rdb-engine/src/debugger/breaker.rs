//! Breaking into whatever the debugger runs, from another thread: the console's Ctrl-C, a server's pause request.
//! The debugger sets the running target's interrupter here while it runs and clears it at the stop, so an
//! interrupt while nothing runs does nothing (it would otherwise stop the debuggee at its next resume).

use std::sync::{Arc, Mutex};

use crate::session::Session;
use crate::target::Interrupter;

#[derive(Clone, Default)]
pub struct Breaker {
    running: Arc<Mutex<Option<Arc<dyn Interrupter>>>>,
}

impl Breaker {
    /// Ask the running debuggee to stop (a break-in stop follows); nothing while it is stopped.
    pub fn interrupt(&self) {
        let running = self.running.lock().ok().and_then(|r| r.clone());
        if let Some(interrupter) = running {
            interrupter.interrupt();
        }
    }

    /// Whether a debuggee runs (an interrupt would reach it).
    pub fn is_running(&self) -> bool {
        self.running.lock().is_ok_and(|r| r.is_some())
    }

    /// From now on interrupts go to `session`'s target.
    pub(super) fn set(&self, session: &mut Session) {
        self.set_interrupter(session.interrupter());
    }

    /// From now on interrupts go to `interrupter`.
    pub(super) fn set_interrupter(&self, interrupter: Option<Arc<dyn Interrupter>>) {
        if let Ok(mut slot) = self.running.lock() {
            *slot = interrupter;
        }
    }

    pub(super) fn clear(&self) {
        if let Ok(mut slot) = self.running.lock() {
            *slot = None;
        }
    }

    /// Interrupts go to `interrupter` until the guard is dropped.
    pub(super) fn running(&self, interrupter: Option<Arc<dyn Interrupter>>) -> Running {
        self.set_interrupter(interrupter);
        Running { breaker: self.clone() }
    }
}

/// See [`Breaker::running`].
pub(super) struct Running {
    breaker: Breaker,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.breaker.clear();
    }
}
