//! The session's side of hardware (`ba`) and memory (`bpm`) breakpoints: adding them, keeping the debuggee's debug
//! registers and guard pages in line with the breakpoint table, and deciding what a debug-register or guard-page
//! exception means.

use std::collections::BTreeSet;

use super::breakpoints::{Breakpoint, HwAccess, Kind, Location, MemAccess};
use super::guards::{self, page_of};
use super::hardware::SLOTS;
use super::run::Next;
use super::{Notice, Session, StopReason, live};
use crate::disasm;
use crate::error::{Error, Result};
use crate::target::{Access, ContinueStatus, Exception, ExceptionKind, Tid};

/// The largest range one `bpm` guards: every page of it is armed again after each access to any of them.
const MAX_MEMORY_RANGE: u64 = 0x400_0000;

/// The pages a memory breakpoint guards (none for other kinds, or while unresolved).
fn guarded_pages(b: &Breakpoint) -> impl Iterator<Item = u64> + use<> {
    let range = match (b.kind, b.address) {
        (Kind::Memory { size, .. }, Some(start)) => Some((start, size)),
        _ => None,
    };
    range.into_iter().flat_map(|(start, size)| guards::pages(start, size))
}

impl Session {
    /// `ba`: a breakpoint in a debug register, on every thread (or only on `thread`).
    #[allow(clippy::too_many_arguments)]
    pub fn add_hardware_breakpoint(
        &mut self,
        tid: Tid,
        location: Location,
        access: HwAccess,
        size: u8,
        thread: Option<Tid>,
        passes: u32,
        commands: Option<String>,
    ) -> Result<u32> {
        if !matches!(size, 1 | 2 | 4 | 8) {
            return Err(crate::err!("Bad size {size} for a hardware breakpoint: it is 1, 2, 4 or 8"));
        }
        if access == HwAccess::Execute && size != 1 {
            return Err(crate::err!("Bad size {size}: an execute breakpoint (ba e) has size 1"));
        }
        let address = self.resolve(tid, &location)?;
        if address % u64::from(size) != 0 {
            return Err(crate::err!(
                "{} is not aligned to {size} bytes: a data breakpoint watches an aligned range",
                crate::fmt::addr64(address)
            ));
        }
        if let Some(t) = thread
            && !self.threads.iter().any(|e| e.tid == t)
        {
            return Err(Error::NoSuchThread(t));
        }
        self.check_hardware_slot()?;
        let kind = Kind::Hardware { access, size };
        let id = self.breakpoints.add_kind(kind, thread, location, Some(address), false, passes, commands);
        if access != HwAccess::Execute {
            let value = self.watched_value(address, size);
            if let Some(b) = self.breakpoints.get_mut(id) {
                b.value = value;
            }
        }
        // The kernel may refuse an address (Linux validates what goes in DR0-DR3 and DR7): then there is no breakpoint.
        if let Some((_, e)) = self.sync_debug_registers().into_iter().next() {
            self.breakpoints.remove(id);
            self.sync_debug_registers();
            return Err(crate::err!("Unable to set the hardware breakpoint: {e}"));
        }
        Ok(id)
    }

    /// An enabled hardware breakpoint more must fit in the four debug registers.
    fn check_hardware_slot(&self) -> Result<()> {
        let in_use = self.breakpoints.iter().filter(|b| b.enabled && matches!(b.kind, Kind::Hardware { .. })).count();
        if in_use >= SLOTS {
            return Err(crate::err!("No hardware breakpoint slot left ({SLOTS} in use; bc or bd one)"));
        }
        Ok(())
    }

    /// `bpm`: a breakpoint on any access of `access` kind to `[address, address + size)`, through guard pages.
    pub fn add_memory_breakpoint(
        &mut self,
        tid: Tid,
        location: Location,
        size: u64,
        access: MemAccess,
        passes: u32,
        commands: Option<String>,
    ) -> Result<u32> {
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
        let address = self.resolve(tid, &location)?;
        if address.checked_add(size).is_none() {
            return Err(crate::err!("the range {} L{size:#x} wraps around", crate::fmt::addr64(address)));
        }
        let kind = Kind::Memory { access, size };
        let id = self.breakpoints.add_kind(kind, None, location, Some(address), false, passes, commands);
        self.sync_guards();
        match self.breakpoints.get(id) {
            // The pages could not be armed: sync_guards disabled it and said why.
            Some(b) if !b.enabled => {
                self.breakpoints.remove(id);
                Err(crate::err!("Unable to set the memory breakpoint at {}", crate::fmt::addr64(address)))
            }
            _ => Ok(id),
        }
    }

    /// `bc`: remove a breakpoint. A debug register or guard page it used is freed at once; an int3 at the next
    /// resume (reads never show it meanwhile).
    pub fn remove_breakpoint(&mut self, id: u32) -> bool {
        let removed = self.breakpoints.remove(id);
        self.sync_now();
        removed
    }

    /// `bd`/`be`. Enabling a hardware breakpoint needs a free debug register.
    pub fn enable_breakpoint(&mut self, id: u32, enabled: bool) -> Result<()> {
        let b = self.breakpoints.get(id).ok_or_else(|| crate::err!("no breakpoint {id}"))?;
        if enabled && !b.enabled && matches!(b.kind, Kind::Hardware { .. }) {
            self.check_hardware_slot()?;
        }
        self.breakpoints.set_enabled(id, enabled);
        self.sync_now();
        Ok(())
    }

    /// Apply a change of the table to the debug registers and guard pages now, so `r dr7` shows it at once.
    fn sync_now(&mut self) {
        if self.is_live() {
            self.report_debug_register_failures();
            self.sync_guards();
        }
    }

    /// Bring every thread's debug registers in line with the hardware breakpoints. Returns the threads that
    /// refused.
    pub(super) fn sync_debug_registers(&mut self) -> Vec<(Tid, Error)> {
        let eligible: Vec<u32> = self
            .breakpoints
            .iter()
            .filter(|b| b.enabled && b.address.is_some() && matches!(b.kind, Kind::Hardware { .. }))
            .map(|b| b.id)
            .collect();
        // More than four cannot be enabled (add and be check), but a restart may resolve them in any order.
        for id in self.hardware.assign(&eligible) {
            self.breakpoints.set_enabled(id, false);
            self.notify(Notice::Breakpoint {
                text: format!("No hardware breakpoint slot left for breakpoint {id}; it is disabled"),
            });
        }
        let threads: Vec<Tid> = self.threads.iter().map(|t| t.tid).collect();
        let skip = self.stepping_off.and_then(|s| s.at.map(|at| (s.tid, at)));
        let Some(target) = live(&mut self.target) else { return Vec::new() };
        self.hardware.sync(target, &threads, &self.breakpoints, skip)
    }

    /// Sync the debug registers, telling the user about threads that refused.
    pub(super) fn report_debug_register_failures(&mut self) {
        for (tid, e) in self.sync_debug_registers() {
            self.notify(Notice::Breakpoint {
                text: format!("Unable to set the debug registers of thread {tid:x}: {e}"),
            });
        }
    }

    /// Arm the pages of the enabled memory breakpoints, disarm the others (all of them while a vfork child runs in
    /// the debuggee's memory). A breakpoint whose pages cannot be armed is disabled, so the user hears of it once.
    pub(super) fn sync_guards(&mut self) {
        let wanted: BTreeSet<u64> = match self.patches_suspended {
            true => BTreeSet::new(),
            false => self.breakpoints.iter().filter(|b| b.enabled).flat_map(guarded_pages).collect(),
        };
        let Some(target) = live(&mut self.target) else { return };
        let Some(page_guards) = target.page_guards() else { return };
        let failures = self.guards.sync(page_guards, &wanted);
        // Arming and disarming may run system calls in the debuggee (Linux): what was read of its threads may
        // have changed.
        self.forget_registers();
        for (page, error) in failures {
            let ids: Vec<u32> = self
                .breakpoints
                .iter()
                .filter(|b| b.enabled && guarded_pages(b).any(|p| p == page))
                .map(|b| b.id)
                .collect();
            for id in ids {
                self.breakpoints.set_enabled(id, false);
                self.notify(Notice::Breakpoint {
                    text: format!(
                        "Unable to guard page {} for breakpoint {id}: {error}; it is disabled",
                        crate::fmt::addr64(page)
                    ),
                });
            }
        }
    }

    /// A debug exception on `tid` with `dr6`: the hardware breakpoints whose slots fired are counted. `None` when
    /// no slot of ours fired (the program's own trap flag or debug registers, or only our step). A hit of a
    /// breakpoint cleared since it happened passes unseen.
    pub(super) fn hardware_hit(&mut self, tid: Tid, dr6: u64) -> Option<Next> {
        let ids = self.hardware.fired(tid, dr6)?;
        let mut stopping = Vec::new();
        for id in ids {
            let Some(b) = self.breakpoints.get(id) else { continue };
            let (Kind::Hardware { access, size }, Some(address)) = (b.kind, b.address) else { continue };
            if access == HwAccess::Execute {
                // A fault: the thread stands on the instruction, and steps off it before running on.
                self.step_off = Some((tid, address));
            } else {
                let value = self.watched_value(address, size);
                if let Some(b) = self.breakpoints.get_mut(id) {
                    b.previous = b.value;
                    b.value = value;
                }
            }
            if self.count_hit(tid, id) {
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
        if !self.guards.fired(tid, page_of(fault_address)) {
            return None;
        }
        let access = access.or_else(|| self.access_at(e.address, fault_address));
        let ids: Vec<u32> = self
            .breakpoints
            .iter()
            .filter(|b| b.enabled && b.covers(fault_address))
            .filter(|b| matches!(b.kind, Kind::Memory { access: wants, .. } if wants.matches(access)))
            .map(|b| b.id)
            .collect();
        let stopping: Vec<u32> = ids.into_iter().filter(|id| self.count_hit(tid, *id)).collect();
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
