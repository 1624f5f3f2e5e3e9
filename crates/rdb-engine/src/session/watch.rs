//! The session's side of hardware (`ba`) and memory (`bpm`) breakpoints: what they need to be added, keeping the
//! debuggee's debug registers and guard pages in line with the breakpoint table (at once when any breakpoint is
//! removed, enabled or disabled), and deciding what a debug-register or guard-page exception means.
//!
//! Each kind of breakpoint goes into the debuggee its own way, re-synced before every resume: `bp` as int3s
//! (`patches.rs`), `ba` as debug registers (`hardware.rs`, one per site), `bpm` as guard pages (`guards.rs`). A hit comes
//! back as `Breakpoint` (an int3), `SingleStep { dr6 }` whose B0–B3 bits name our slots (`ba`: data breakpoints are
//! traps, execute breakpoints faults), or `GuardPage` on a page the engine armed (`bpm`: a hit when the address is in a
//! range and the access matches, else the thread runs on unseen). All three count passes in the one table and stop as
//! `StopReason::Breakpoint`. What stands in a thread's way when it runs on (an execute breakpoint on its instruction, a
//! guard page its access faulted on, an int3 that cannot be stepped off in place: `displaced.rs`) is taken out for one
//! single step of that thread alone, every other thread held, then put back; the resume flag is never relied on. A data
//! breakpoint that fires during that step (DR6 has BS and `B<n>`) is still a hit. DR6 is cleared after each debug
//! exception: the processor never does.

use std::collections::BTreeSet;

use super::breakpoints::{Breakpoint, HwAccess, Kind, Owner};
use super::guards::{self, page_of};
use super::hardware::SLOTS;
use super::placing::waiting;
use super::run::Next;
use super::{Notice, Session, StopReason, live};
use crate::disasm;
use crate::error::{Error, Result};
use crate::target::{Access, ContinueStatus, Exception, ExceptionKind, Tid};

/// The largest range one `bpm` guards: every page of it is armed again after each access to any of them.
const MAX_MEMORY_RANGE: u64 = 0x400_0000;

/// The pages a memory breakpoint guards: those of its armed sites (none for other kinds).
fn guarded_pages(b: &Breakpoint) -> impl Iterator<Item = u64> + use<'_> {
    let size = match b.spec.kind {
        Kind::Memory { size, .. } => size,
        _ => 0,
    };
    b.armed().filter(move |_| size > 0).flat_map(move |s| guards::pages(s.address, size))
}

impl Session {
    /// What a debug register can watch: `size` 1, 2, 4 or 8 bytes (1 to execute), aligned. Returns the addresses
    /// (none for one that waits for its module).
    pub(super) fn check_hardware(
        &mut self,
        access: HwAccess,
        size: u8,
        addresses: Result<Vec<u64>>,
        deferred: bool,
    ) -> Result<Vec<u64>> {
        if !matches!(size, 1 | 2 | 4 | 8) {
            return Err(crate::err!("Bad size {size} for a hardware breakpoint: it is 1, 2, 4 or 8"));
        }
        if access == HwAccess::Execute && size != 1 {
            return Err(crate::err!("Bad size {size}: an execute breakpoint (ba e) has size 1"));
        }
        let addresses = waiting(addresses, deferred)?;
        if let Some(address) = addresses.iter().find(|a| *a % u64::from(size) != 0) {
            return Err(crate::err!(
                "{} is not aligned to {size} bytes: a data breakpoint watches an aligned range",
                crate::fmt::addr64(*address)
            ));
        }
        Ok(addresses)
    }

    /// `needed` debug registers more must be free once the breakpoints `freed` are gone. One waiting for its
    /// module keeps a register in reserve.
    pub(super) fn check_hardware_slots(&self, needed: usize, freed: &[u32]) -> Result<()> {
        let in_use: usize = self
            .breakpoints
            .iter()
            .filter(|b| b.enabled && matches!(b.spec.kind, Kind::Hardware { .. }) && !freed.contains(&b.id))
            .map(|b| if b.is_resolved() { b.armed().count() } else { 1 })
            .sum();
        if in_use + needed > SLOTS {
            return Err(crate::err!("No hardware breakpoint slot left ({SLOTS} in use; bc or bd one)"));
        }
        Ok(())
    }

    /// What guard pages can watch: a target that has them, a range of 1 byte to `MAX_MEMORY_RANGE` that does not
    /// wrap. Returns the addresses (none for one that waits for its module).
    pub(super) fn check_memory(&mut self, size: u64, addresses: Result<Vec<u64>>, deferred: bool) -> Result<Vec<u64>> {
        if self.execution()?.page_guards().is_none() {
            return Err(crate::err!(
                "memory breakpoints (bpm) are not supported on this target; ba watches up to 8 bytes"
            ));
        }
        if size == 0 || size > MAX_MEMORY_RANGE {
            return Err(crate::err!(
                "Bad size {size:#x} for a memory breakpoint: from 1 to {MAX_MEMORY_RANGE:#x} bytes"
            ));
        }
        let addresses = waiting(addresses, deferred)?;
        if let Some(address) = addresses.iter().find(|a| a.checked_add(size).is_none()) {
            return Err(crate::err!("the range {} L{size:#x} wraps around", crate::fmt::addr64(*address)));
        }
        Ok(addresses)
    }

    /// Put breakpoint `id`, just added, into the debuggee where its kind must be there at once: the kernel may
    /// refuse a debug register (Linux validates what goes in DR0-DR3 and DR7), a page may refuse its guard. An
    /// int3 goes in at the next resume. On an error the caller takes the breakpoint out again.
    pub(super) fn arm_new(&mut self, id: u32, kind: Kind) -> Result<()> {
        match kind {
            Kind::Software => Ok(()),
            Kind::Hardware { .. } => match self.sync_debug_registers().into_iter().next() {
                Some((_, e)) => Err(crate::err!("Unable to set the hardware breakpoint: {e}")),
                None => Ok(()),
            },
            Kind::Memory { .. } => {
                self.sync_guards();
                match self.breakpoints.get(id) {
                    // The pages could not be armed: sync_guards disabled it and said why.
                    Some(b) if !b.enabled => {
                        let address = b.sites.first().map_or(0, |s| s.address);
                        Err(crate::err!("Unable to set the memory breakpoint at {}", crate::fmt::addr64(address)))
                    }
                    _ => Ok(()),
                }
            }
        }
    }

    /// `bc`: remove a breakpoint. A debug register or guard page it used is freed at once; an int3 at the next
    /// resume (reads never show it meanwhile).
    pub fn remove_breakpoint(&mut self, id: u32) -> bool {
        let removed = self.breakpoints.remove(id).is_some();
        self.sync_now();
        removed
    }

    /// Remove every breakpoint of `owner`, and only those (a front end that goes away, a DAP client replacing its
    /// set): the others' stay.
    pub fn clear_breakpoints(&mut self, owner: Owner) {
        let ids: Vec<u32> = self.breakpoints.owned_by(owner).map(|b| b.id).collect();
        for id in ids {
            self.breakpoints.remove(id);
        }
        self.sync_now();
    }

    /// `bd`/`be`. Enabling a hardware breakpoint needs a free debug register for each of its sites.
    pub fn enable_breakpoint(&mut self, id: u32, enabled: bool) -> Result<()> {
        let b = self.breakpoints.get(id).ok_or_else(|| crate::err!("no breakpoint {id}"))?;
        if enabled && !b.enabled && matches!(b.spec.kind, Kind::Hardware { .. }) {
            let needed = if b.is_resolved() { b.sites.iter().filter(|s| s.enabled).count() } else { 1 };
            self.check_hardware_slots(needed, &[])?;
        }
        self.breakpoints.set_enabled(id, enabled);
        self.sync_now();
        Ok(())
    }

    /// Enable or disable breakpoint `id` at one of its sites only (one inlined copy of a function, one instance of
    /// a template), leaving its other sites as they are.
    pub fn enable_site(&mut self, id: u32, address: u64, enabled: bool) -> Result<()> {
        let b = self.breakpoints.get(id).ok_or_else(|| crate::err!("no breakpoint {id}"))?;
        let site = b
            .site(address)
            .ok_or_else(|| crate::err!("breakpoint {id} has no location at {}", crate::fmt::addr64(address)))?;
        if enabled && !site.enabled && b.enabled && matches!(b.spec.kind, Kind::Hardware { .. }) {
            self.check_hardware_slots(1, &[])?;
        }
        self.breakpoints.set_site_enabled(id, address, enabled);
        self.sync_now();
        Ok(())
    }

    /// Apply a change of the table to the debug registers and guard pages now, so `r dr7` shows it at once.
    pub(super) fn sync_now(&mut self) {
        if self.is_live() {
            self.report_debug_register_failures();
            self.sync_guards();
        }
    }

    /// Bring every thread's debug registers in line with the hardware breakpoints. Returns the threads that
    /// refused.
    pub(super) fn sync_debug_registers(&mut self) -> Vec<(Tid, Error)> {
        let eligible = self.breakpoints.hardware_sites();
        // More than four cannot be enabled (add and be check), but a restart may resolve them in any order.
        let left = self.image.hardware.assign(&eligible);
        if !left.is_empty() {
            let mut ids: Vec<u32> = left.into_iter().map(|(id, _)| id).collect();
            ids.dedup();
            for id in ids {
                self.breakpoints.set_enabled(id, false);
                self.notify(Notice::NoHardwareSlot { id });
            }
            // A breakpoint disabled here gives back the registers its other sites took.
            self.image.hardware.assign(&self.breakpoints.hardware_sites());
        }
        let threads: Vec<Tid> = self.threads.iter().map(|t| t.tid).collect();
        let skip = self.image.stepping_off.and_then(|s| s.at.map(|at| (s.tid, at)));
        let Some(target) = live(&mut self.target) else { return Vec::new() };
        self.image.hardware.sync(target, &threads, &self.breakpoints, skip)
    }

    /// Sync the debug registers, telling the user about threads that refused.
    pub(super) fn report_debug_register_failures(&mut self) {
        for (tid, error) in self.sync_debug_registers() {
            self.notify(Notice::DebugRegistersRefused { tid, error });
        }
    }

    /// Arm the pages of the enabled memory breakpoints, disarm the others (all of them while a vfork child runs in
    /// the debuggee's memory). A breakpoint whose pages cannot be armed is disabled, so the user hears of it once.
    pub(super) fn sync_guards(&mut self) {
        let wanted: BTreeSet<u64> = match self.image.patches_suspended {
            true => BTreeSet::new(),
            false => self.breakpoints.iter().flat_map(guarded_pages).collect(),
        };
        let Some(target) = live(&mut self.target) else { return };
        let Some(page_guards) = target.page_guards() else { return };
        let failures = self.image.guards.sync(page_guards, &wanted);
        // Arming and disarming may run system calls in the debuggee (Linux): what was read of its threads may
        // have changed.
        self.forget_registers();
        for (page, error) in failures {
            let ids: Vec<u32> =
                self.breakpoints.iter().filter(|b| guarded_pages(b).any(|p| p == page)).map(|b| b.id).collect();
            for id in ids {
                self.breakpoints.set_enabled(id, false);
                self.notify(Notice::PageNotGuarded { id, page, error: error.clone() });
            }
        }
    }

    /// A debug exception on `tid` with `dr6`: the hardware breakpoints whose slots fired are counted. `None` when
    /// no slot of ours fired (the program's own trap flag or debug registers, or only our step). A hit of a
    /// breakpoint cleared since it happened passes unseen.
    pub(super) fn hardware_hit(&mut self, tid: Tid, dr6: u64) -> Option<Next> {
        let fired = self.image.hardware.fired(tid, dr6)?;
        let mut stopping = Vec::new();
        for (id, address) in fired {
            let Some(b) = self.breakpoints.get(id).filter(|b| b.site(address).is_some()) else { continue };
            let Kind::Hardware { access, size } = b.spec.kind else { continue };
            if access == HwAccess::Execute {
                // A fault: the thread stands on the instruction, and steps off it before running on.
                self.image.step_off = Some((tid, address));
            } else {
                let value = self.value_at_trap(tid, address, size);
                self.breakpoints.watched(id, address, value);
            }
            if self.count_hit(tid, id, address) && !stopping.contains(&id) {
                stopping.push(id);
            }
        }
        Some(match stopping.is_empty() {
            true => Next::Continue(ContinueStatus::Handled),
            false => Next::Stop(StopReason::Breakpoint(stopping)),
        })
    }

    /// A guard-page exception: `None` when the page is not one the engine armed (the program's own guard page).
    /// Otherwise the thread will step over its access with the page unarmed when it next runs, and the memory
    /// breakpoints whose range and access match are counted.
    pub(super) fn guard_hit(&mut self, tid: Tid, e: &Exception) -> Option<Next> {
        let ExceptionKind::GuardPage { fault_address, access } = e.kind else { return None };
        if !self.image.guards.fired(tid, page_of(fault_address)) {
            return None;
        }
        let access = access.or_else(|| self.access_at(e.address, fault_address));
        let hits: Vec<(u32, u64)> = self
            .breakpoints
            .iter()
            .filter(|b| matches!(b.spec.kind, Kind::Memory { access: wants, .. } if wants.matches(access)))
            .filter_map(|b| b.covering(fault_address).map(|s| (b.id, s.address)))
            .collect();
        let stopping: Vec<u32> =
            hits.into_iter().filter(|(id, address)| self.count_hit(tid, *id, *address)).map(|(id, _)| id).collect();
        Some(match stopping.is_empty() {
            true => Next::Continue(ContinueStatus::Handled),
            false => Next::Stop(StopReason::Breakpoint(stopping)),
        })
    }

    /// What the instruction at `rip` did to `fault_address`, when the OS did not say: fetched it (the address is
    /// in the instruction), else wrote or read it as the instruction's operands say.
    fn access_at(&mut self, rip: u64, fault_address: u64) -> Option<Access> {
        let mut bytes = [0u8; 16];
        let Ok(n) = self.read_memory(rip, &mut bytes) else {
            return (page_of(rip) == page_of(fault_address)).then_some(Access::Execute);
        };
        let length = self.instruction_at(rip).map_or(1, |i| i.len() as u64);
        if fault_address >= rip && fault_address - rip < length {
            return Some(Access::Execute);
        }
        disasm::writes_memory(&bytes[..n], rip).map(|w| if w { Access::Write } else { Access::Read })
    }

    /// What a data breakpoint's trap on `tid` left at `address`: the value the thread stored there, told by the
    /// store it stands just after, from the registers it stored from. Memory is the last resort: other threads
    /// may have written the variable since the trap (a lazy all-stop lets them run until the engine stops them,
    /// and a hit of theirs queued meanwhile is reported after all of them wrote), so for a store the thread's own
    /// registers are the one witness of its write.
    fn value_at_trap(&mut self, tid: Tid, address: u64, size: u8) -> Option<u64> {
        let stored = (|| {
            let regs = self.registers(tid).ok()?;
            let start = disasm::start_of_instructions_ending_at(&mut self.memory().ok()?, regs.rip, 1)?;
            let mut code = [0u8; 16];
            let length = usize::try_from(regs.rip.checked_sub(start)?).ok()?.min(code.len());
            let n = self.read_memory(start, &mut code[..length]).ok()?;
            disasm::stored_value(&code[..n], start, &regs, address, size)
        })();
        stored.or_else(|| self.watched_value(address, size))
    }

    /// The `size`-byte value at `address`, as the program sees it.
    pub(super) fn watched_value(&mut self, address: u64, size: u8) -> Option<u64> {
        let mut buf = [0u8; 8];
        let size = usize::from(size).min(8);
        match self.read_memory(address, &mut buf[..size]) {
            Ok(n) if n == size => Some(u64::from_le_bytes(buf)),
            _ => None,
        }
    }
}
