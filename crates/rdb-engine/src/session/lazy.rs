//! Lazy all-stop: a breakpoint hit that does not stop costs the reporting thread alone.
//!
//! A backend may return a breakpoint event with only the reporting thread stopped (see
//! [`crate::target::Execution::stop_others`]): on Linux, stopping and restarting 31 other threads for each hit of a
//! breakpoint whose condition is false would cost far more than the hit. This module owns the rule that makes that
//! safe, and it is the only place that runs while other threads may still run:
//!
//! **Every event leaves [`Session::settle`] with every thread stopped, unless the hit was passed here and the
//! debuggee resumed.** While lazy, the engine touches the reporting thread only: it reads its registers and memory,
//! rewinds its rip onto the breakpoint, evaluates the conditions on it, counts passes that do not stop, lets the front
//! end's hook take a hit that would stop (`hooks.rs`: a Python handler that lets the debuggee go on), moves it past
//! the instruction with the int3 left in (emulated, or into a copy already written: `displaced.rs`) and resumes it.
//! In every other case — the hit stops, a pass count is reached, a condition cannot be evaluated, an internal
//! breakpoint (entry point, `r_brk`, a step-out return, `g <where>`) is there, the thread must step alone with
//! others held, a copy must first be written (which maps scratch memory by a system call in the debuggee), a `t` or
//! a step off is under way — `settle` calls `stop_others` before anything else happens, and the event goes the usual
//! way through `handle`. The register cache holds only the reporter's registers meanwhile (it was emptied at the
//! wait); `stop_others` changes no thread the engine has read.

use super::Session;
use crate::error::Result;
use crate::target::{ContinueStatus, Event, EventKind, Exception, ExceptionKind, Resume, Tid};

/// What one breakpoint at the hit address makes of it.
enum Verdict {
    /// Its condition is false: no hit at all.
    Silent,
    /// A pass counted that does not reach its pass count.
    Pass(u32),
    /// A hit the front end's hook took and let go on (`hooks.rs`).
    Handled(u32),
}

impl Session {
    /// Take in an event just waited for. `true`: it was a breakpoint hit that does not stop, passed with only its
    /// thread touched, and the debuggee runs again (wait for the next event). `false`: every thread is stopped now
    /// (`stop_others`) and the event is to be handled as usual.
    pub(super) fn settle(&mut self, event: &Event) -> Result<bool> {
        self.hooked.clear();
        if self.pass_in_place(event)? {
            return Ok(true);
        }
        // The one place where the all-stop is completed: nothing above wrote anything but the reporter's rip.
        self.execution()?.stop_others()?;
        Ok(false)
    }

    /// The hit, passed with only the reporting thread touched, if it can be.
    fn pass_in_place(&mut self, event: &Event) -> Result<bool> {
        let tid = event.tid;
        let EventKind::Exception(Exception { kind: ExceptionKind::Breakpoint, address, first_chance: true }) =
            event.kind
        else {
            return Ok(false);
        };
        // A `t`, or a thread stepping alone, holds the others anyway; a pending step off or guard-page access is
        // another thread's business.
        if self.running_step.is_some()
            || self.image.stepping_off.is_some()
            || self.image.patches_suspended
            || !self.image.patches.contains(address)
            || self.image.internal.iter().any(|i| i.address() == address)
            || !self.image.guards.pending_threads().is_empty()
            || !self.image.displaced.owed_threads().is_empty()
            || self.image.hardware.executes_at(tid, address, &self.breakpoints)
        {
            return Ok(false);
        }
        let ids = self.breakpoints.enabled_at(address);
        if ids.is_empty() {
            return Ok(false);
        }
        // The thread must stand just past our int3; it is put back on it, as `breakpoint` does (idempotently), so a
        // condition reads `@rip` as at the hit.
        let Ok(mut regs) = self.registers(tid) else { return Ok(false) };
        if regs.rip != address.wrapping_add(1) {
            return Ok(false);
        }
        regs.rip = address;
        if self.set_registers(tid, &regs).is_err() {
            return Ok(false);
        }
        let mut verdicts = Vec::with_capacity(ids.len());
        for id in ids {
            match self.verdict(tid, id, address) {
                Some(v) => verdicts.push(v),
                None => return Ok(false),
            }
        }
        // Past the instruction with the int3 in, by what is ready (no copy is written here).
        if !self.can_step_off_lazily(address) || !self.step_off_in_place(tid, address) {
            return Ok(false);
        }
        // Committed: the thread has moved on. What `handle` would have recorded of the hit, then the resume.
        for v in verdicts {
            match v {
                Verdict::Pass(id) => {
                    let stops = self.breakpoints.pass(id, address);
                    debug_assert!(!stops, "a pass that reaches the count is never passed lazily");
                }
                Verdict::Handled(id) => self.breakpoints.hit_handled(id, address),
                Verdict::Silent => {}
            }
        }
        self.event_tid = tid;
        self.last_exception = Some(Exception { kind: ExceptionKind::Breakpoint, address, first_chance: true });
        self.forget_registers();
        self.execution()?.resume(ContinueStatus::Handled, Resume::All)?;
        Ok(true)
    }

    /// Whether breakpoint `id`'s hit on `tid` is sure not to stop, without counting it. `None`: it stops, or
    /// cannot be told here (a condition that fails to evaluate stops with a note, which `handle` gives). A hit that
    /// would stop is the front end's hook's to let go on (`hooks.rs`).
    fn verdict(&mut self, tid: Tid, id: u32, address: u64) -> Option<Verdict> {
        let remaining = self.breakpoints.get(id)?.remaining;
        match self.condition_holds(tid, id) {
            Ok(false) => Some(Verdict::Silent),
            Ok(true) if remaining > 1 => Some(Verdict::Pass(id)),
            Ok(true) => self.ask_hook(id, tid, address)?.then_some(Verdict::Handled(id)),
            Err(_) => None,
        }
    }
}
