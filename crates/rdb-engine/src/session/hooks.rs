//! A front end's code at a breakpoint hit (a Python handler), run where the hit happens: on the lazy path
//! (`lazy.rs`), with only the hitting thread stopped, so a handler that reads that thread's registers and the
//! process's memory and lets the debuggee go on costs no all-stop and no stop handed back to the front end.
//!
//! The hook is asked at each hit of a breakpoint that would stop (its condition holds, its pass count is reached)
//! and answers for its own breakpoints: `Continue` (counted as a hit, the debuggee goes on) or `Stop`. Whatever
//! else the hook needs — another thread, the stack, the module list — it reaches through
//! [`LazyHit::session`], which completes the all-stop first; the hit then goes the usual way (a stop for its
//! breakpoints), and [`Session::hooked`] tells the front end which hooks already ran for it and what they said, so
//! none runs twice. A hit that cannot be passed lazily (a step under way, an internal breakpoint at the address)
//! never reaches the hook: the front end gets the stop and runs its code there.

use super::Session;
use crate::error::Result;
use crate::target::{Pid, Tid};

/// What a hook says of a hit of one of its breakpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HitAnswer {
    /// The hit counts; the debuggee runs on.
    Continue,
    /// The hit stops the debuggee, as a breakpoint without a hook would.
    Stop,
}

/// The hook: `None` for a breakpoint that is not its own.
pub type HitHook = Box<dyn FnMut(&mut LazyHit<'_>) -> Option<HitAnswer>>;

/// A breakpoint hit as the hook sees it: only the hitting thread stopped, until [`LazyHit::session`].
pub struct LazyHit<'a> {
    session: &'a mut Session,
    pub id: u32,
    pub pid: Pid,
    pub tid: Tid,
    pub address: u64,
    all_stopped: bool,
}

impl LazyHit<'_> {
    /// A register of the hitting thread (`rdi`, `eax`, `rip`...).
    pub fn register(&mut self, name: &str) -> Result<u64> {
        self.session.register(self.tid, name)
    }

    /// Set a register of the hitting thread; it runs on with it.
    pub fn set_register(&mut self, name: &str, value: u64) -> Result<()> {
        self.session.set_register(self.tid, name, value)
    }

    /// The process's memory as the program has it (no breakpoint shows).
    pub fn read_memory(&mut self, address: u64, buf: &mut [u8]) -> Result<usize> {
        self.session.read_memory(address, buf)
    }

    /// The whole session, every thread stopped first: the hit becomes a stop of its breakpoints.
    pub fn session(&mut self) -> Result<&mut Session> {
        if !self.all_stopped {
            self.session.execution()?.stop_others()?;
            self.all_stopped = true;
        }
        Ok(self.session)
    }
}

impl Session {
    /// Run `hook` at the hits of breakpoints that would stop, from now on (`None`: no more).
    pub fn set_hit_hook(&mut self, hook: Option<HitHook>) {
        self.hit_hook = hook;
    }

    /// The hooks that ran at the event of the last stop, by breakpoint, and what they answered.
    pub fn hooked(&self) -> &[(u32, HitAnswer)] {
        &self.hooked
    }

    /// Ask the hook about breakpoint `id`'s hit on `tid` at `address`. `Some(true)`: it counts and the debuggee may
    /// go on lazily; `Some(false)`: it stops (the hook said so, or reached for the whole session); `None`: not the
    /// hook's.
    pub(super) fn ask_hook(&mut self, id: u32, tid: Tid, address: u64) -> Option<bool> {
        let mut hook = self.hit_hook.take()?;
        let pid = self.pid;
        let mut hit = LazyHit { session: self, id, pid, tid, address, all_stopped: false };
        let answer = hook(&mut hit);
        let all_stopped = hit.all_stopped;
        self.hit_hook = Some(hook);
        let answer = answer?;
        self.hooked.push((id, answer));
        Some(answer == HitAnswer::Continue && !all_stopped)
    }
}
