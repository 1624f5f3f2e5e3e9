//! Stepping a thread off one of our int3s with the int3 left in place, so a breakpoint whose condition is false
//! (or whose pass count is not reached, or a plain `g` from it) costs one stop instead of three: the engine either
//! does what the displaced instruction does by editing the thread's registers (`push rbp`, `mov rbp,rsp`,
//! `endbr64`, direct `jmp` and `call`), or points the thread at a copy of the instruction in scratch memory,
//! relocated and followed by a jmp back, and lets every thread run at once. Where neither can be done exactly
//! (see [`crate::relocate`]), or no scratch memory is to be had, the thread steps alone with the int3 out, as
//! before.
//!
//! A thread may be inside a copy whenever the debuggee stops. The user never sees that: at every stop that is
//! shown, at a hold and before a detach, such a thread is put back where it is in the original code (a copy is
//! one instruction and a jmp, so it is either before the instruction, at the breakpoint's address, or past it, at
//! the next instruction). One put back before the instruction has passed the breakpoint already: it is *owed* a
//! step off, so the int3 it stands on is not a second hit when it runs on.
//!
//! Copies are never freed or rewritten while the process is debugged (a thread may still be in an old one; a detach
//! gives their memory back, `scratch.rs`); what was decided per address is forgotten when the code there changes (a
//! write, an unload, exec). An exception raised in a copy is reported at the original address. A signal delivered
//! to a thread in a copy returns there (its frame holds the copy's address): correct, but visible to a handler that
//! reads its context's rip.

use std::collections::BTreeMap;

use iced_x86::Instruction;

use super::breakpoints::{HwAccess, Kind};
use super::{Session, live};
use crate::regs::TRAP_FLAG;
use crate::relocate::{self, Emulation, MAX_COPY, MAX_INSTRUCTION};
use crate::target::Tid;

/// A copy written into scratch memory: the instruction at `original` runs at `start`; the jmp back to `next` is at
/// `jump`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Copied {
    original: u64,
    start: u64,
    jump: u64,
    next: u64,
}

#[derive(Default)]
pub struct Displaced {
    /// How the instruction at each breakpoint address is emulated, if it can be (decided once per address).
    emulations: BTreeMap<u64, Option<Emulation>>,
    /// The copy of the instruction at each address, if one could be made (made once per address).
    copies: BTreeMap<u64, Option<Copied>>,
    /// Every copy ever written, current or not, so a thread found in any of them can be put back.
    written: Vec<Copied>,
    /// Threads put back on an int3 of ours they had already passed, and its address.
    owed: BTreeMap<Tid, u64>,
}

impl Displaced {
    /// Where a thread whose rip is `rip` stands in the original code, if `rip` is in a copy: the address, and
    /// whether the instruction there is still to be executed.
    fn original_of(&self, rip: u64) -> Option<(u64, bool)> {
        let c = self.written.iter().find(|c| rip == c.start || rip == c.jump)?;
        Some(if rip == c.start { (c.original, true) } else { (c.next, false) })
    }

    /// An address as the user should see it: an address in a copy becomes the original one.
    pub fn present(&self, address: u64) -> u64 {
        self.original_of(address).map_or(address, |(a, _)| a)
    }

    pub fn owed_threads(&self) -> Vec<Tid> {
        self.owed.keys().copied().collect()
    }

    /// `tid`, put back on a breakpoint at `at` that it has passed, runs on without hitting it again.
    pub fn owe(&mut self, tid: Tid, at: u64) {
        self.owed.insert(tid, at);
    }

    pub fn take_owed(&mut self, tid: Tid) -> Option<u64> {
        self.owed.remove(&tid)
    }

    pub fn thread_gone(&mut self, tid: Tid) {
        self.owed.remove(&tid);
    }

    /// The code in `[start, end)` changed (a write, an unload): what was decided about instructions there is
    /// stale. Copies already written stay, for threads that may still be in them.
    pub fn code_changed(&mut self, start: u64, end: u64) {
        let start = start.saturating_sub(MAX_INSTRUCTION as u64);
        self.emulations.retain(|a, _| *a < start || *a >= end);
        self.copies.retain(|a, _| *a < start || *a >= end);
    }

    /// The process is gone, or exec replaced its memory.
    pub fn forget(&mut self) {
        *self = Displaced::default();
    }
}

impl Session {
    /// Move `tid`, standing on our int3 at `at` after passing it, beyond the instruction there without taking the
    /// int3 out. `false` when that cannot be done here; the caller then steps it alone.
    pub(super) fn step_off_in_place(&mut self, tid: Tid, at: u64) -> bool {
        // An execute breakpoint on the same instruction, or a guard-page access to redo, need the real step.
        if !self.image.patches.contains(at)
            || self.image.hardware.executes_at(tid, at, &self.breakpoints)
            || self.image.guards.pending(tid)
        {
            return false;
        }
        let Ok(mut regs) = self.registers(tid) else { return false };
        // A program tracing itself with the trap flag expects its trap after this very instruction.
        if regs.rip != at || regs.rflags & TRAP_FLAG != 0 {
            return false;
        }
        // A compiled condition's jump: its trampoline holds the covered instructions, ready to run.
        if let Some(copies) = self.compiled_step_off(at) {
            regs.rip = copies;
            return self.set_registers(tid, &regs).is_ok();
        }
        let emulation = match self.image.displaced.emulations.get(&at) {
            Some(e) => *e,
            None => {
                let e = self.instruction(at).as_ref().and_then(relocate::emulation);
                self.image.displaced.emulations.insert(at, e);
                e
            }
        };
        // A write the engine makes is seen by no data breakpoint or guard page: with those about, the CPU does it.
        if let Some(e) = emulation.filter(|e| !e.writes_memory() || !self.watching_memory()) {
            let write = e.apply(&mut regs);
            if let Some((address, bytes)) = write
                && self.execution().and_then(|t| t.write_memory(address, &bytes)).is_err()
            {
                // The stack is not writable: the real instruction will fault, and the user should see that.
                return false;
            }
            return self.set_registers(tid, &regs).is_ok();
        }
        let copy = match self.image.displaced.copies.get(&at) {
            Some(c) => *c,
            None => {
                let c = self.write_copy(at);
                self.image.displaced.copies.insert(at, c);
                c
            }
        };
        match copy {
            Some(c) => {
                regs.rip = c.start;
                self.set_registers(tid, &regs).is_ok()
            }
            None => false,
        }
    }

    /// Whether a thread on our int3 at `at` can be moved past the instruction there by what is ready, with nothing
    /// written but its registers (and, for an emulated push, its own stack): the emulation, or a copy written
    /// already. Writing a copy may map scratch memory, a system call run in the debuggee, which needs every thread
    /// stopped (see `lazy.rs`).
    pub(super) fn can_step_off_lazily(&mut self, at: u64) -> bool {
        if matches!(self.image.displaced.copies.get(&at), Some(Some(_))) {
            return true;
        }
        let emulation = match self.image.displaced.emulations.get(&at) {
            Some(e) => *e,
            None => {
                let e = self.instruction(at).as_ref().and_then(relocate::emulation);
                self.image.displaced.emulations.insert(at, e);
                e
            }
        };
        emulation.is_some_and(|e| !e.writes_memory() || !self.watching_memory())
    }

    /// The instruction at `address`, as the program wrote it.
    fn instruction(&mut self, address: u64) -> Option<Instruction> {
        let mut bytes = [0u8; MAX_INSTRUCTION];
        let n = self.read_memory(address, &mut bytes).ok()?;
        relocate::decode(&bytes[..n], address)
    }

    /// Copy the instruction at `at` into scratch memory near it, followed by the jmp back.
    fn write_copy(&mut self, at: u64) -> Option<Copied> {
        let instr = self.instruction(at)?;
        // Nothing that cannot move takes scratch memory.
        if !relocate::movable(&instr) {
            return None;
        }
        let target = live(&mut self.target)?;
        let start = self.image.scratch.piece(target, at, MAX_COPY as u64);
        // Mapping scratch memory may run a system call in the debuggee (Linux), which can change the registers of
        // the thread it ran on (a thread stopped inside a system call gets that call's result).
        self.forget_registers();
        let start = start?;
        let target = live(&mut self.target)?;
        let copy = relocate::copy(&instr, start)?;
        target.write_memory(start, &copy.code).ok()?;
        let c = Copied { original: at, start, jump: start + copy.jump as u64, next: instr.next_ip() };
        self.image.displaced.written.push(c);
        Some(c)
    }

    /// Whether a data breakpoint or a memory breakpoint is armed (they must see the debuggee's own writes).
    pub(super) fn watching_memory(&self) -> bool {
        self.breakpoints.iter().any(|b| {
            b.armed().next().is_some()
                && matches!(
                    b.spec.kind,
                    Kind::Memory { .. } | Kind::Hardware { access: HwAccess::Write | HwAccess::ReadWrite, .. }
                )
        })
    }

    /// Put every thread found inside a copy back at its place in the original code (see the module's comment).
    pub(super) fn leave_copies(&mut self) {
        self.leave_trampolines();
        if self.image.displaced.written.is_empty() {
            return;
        }
        let threads: Vec<Tid> = self.threads.iter().map(|t| t.tid).collect();
        // Registers are changed behind the cache below.
        self.forget_registers();
        let Some(target) = live(&mut self.target) else { return };
        for tid in threads {
            let Ok(mut regs) = target.registers(tid) else { continue };
            let Some((address, before)) = self.image.displaced.original_of(regs.rip) else { continue };
            regs.rip = address;
            if target.set_registers(tid, &regs).is_ok() && before {
                self.image.displaced.owed.insert(tid, address);
            }
        }
    }
}
