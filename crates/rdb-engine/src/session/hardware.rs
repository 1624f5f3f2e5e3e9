//! Hardware breakpoints (`ba`) in the debug registers: which of the four slots (DR0–DR3) each breakpoint's site holds,
//! DR7's encoding, and every thread's registers kept in line with that. Threads do not inherit debug registers, so
//! each thread is written to, those created later included; what was last written to each is remembered, so a
//! resume costs nothing when nothing changed.

use std::collections::BTreeMap;

use super::breakpoints::{Breakpoints, HwAccess, Kind};
use crate::error::Error;
use crate::regs::DebugRegisters;
use crate::target::{Execution, Tid};

/// DR0–DR3.
pub const SLOTS: usize = 4;
/// DR6's single-step bit (BS): the trap flag fired.
pub const DR6_STEP: u64 = 1 << 14;
/// DR7's local enable bits L0-L3.
const ENABLE_BITS: u64 = 0b0101_0101;

/// The DR7 bits that arm slot `slot` for `access` on `size` bytes: the local enable bit, the R/W field (00 execute,
/// 01 write, 11 read or write) and the LEN field (00 one byte, 01 two, 11 four, 10 eight).
pub fn dr7_bits(slot: usize, access: HwAccess, size: u8) -> u64 {
    let rw: u64 = match access {
        HwAccess::Execute => 0b00,
        HwAccess::Write => 0b01,
        HwAccess::ReadWrite => 0b11,
    };
    let len: u64 = match size {
        2 => 0b01,
        4 => 0b11,
        8 => 0b10,
        _ => 0b00,
    };
    (1 << (2 * slot)) | (rw << (16 + 4 * slot)) | (len << (18 + 4 * slot))
}

/// The slots DR6 says fired (B0–B3).
pub fn fired_slots(dr6: u64) -> impl Iterator<Item = usize> {
    (0..SLOTS).filter(move |i| dr6 & (1 << i) != 0)
}

/// What an armed slot watches.
struct Armed {
    address: u64,
    access: HwAccess,
    size: u8,
    thread: Option<Tid>,
}

#[derive(Default)]
pub struct Hardware {
    /// The breakpoint and site (its address) each slot holds.
    slots: [Option<(u32, u64)>; SLOTS],
    /// What each thread's debug registers hold, as the engine last wrote them (DR6 as last reported, until cleared).
    /// A thread not in the map holds nothing of ours.
    applied: BTreeMap<Tid, DebugRegisters>,
    /// The DR7 enable bits the engine ever set on each thread: a hit reported after its breakpoint was cleared
    /// (another thread's, caught in the same stop) is still recognised as the engine's.
    ever_armed: BTreeMap<Tid, u64>,
}

impl Hardware {
    /// Give a slot to each of `eligible` (the armed sites of hardware breakpoints: id and address) that has none,
    /// keeping the slots of those that have one, and free the slots of the others. Returns the sites left without
    /// a slot.
    pub fn assign(&mut self, eligible: &[(u32, u64)]) -> Vec<(u32, u64)> {
        for slot in &mut self.slots {
            if slot.is_some_and(|site| !eligible.contains(&site)) {
                *slot = None;
            }
        }
        let mut left = Vec::new();
        for &site in eligible {
            if self.slots.contains(&Some(site)) {
                continue;
            }
            match self.slots.iter_mut().find(|s| s.is_none()) {
                Some(free) => *free = Some(site),
                None => left.push(site),
            }
        }
        left
    }

    /// The breakpoints whose sites the slots hold, with the kind and thread each watches for, where enabled.
    fn armed<'a>(&'a self, table: &'a Breakpoints) -> impl Iterator<Item = (usize, Armed)> + 'a {
        self.slots.iter().enumerate().filter_map(|(slot, held)| {
            let (id, address) = (*held)?;
            let b = table.get(id)?;
            let Kind::Hardware { access, size } = b.spec.kind else { return None };
            b.armed()
                .any(|s| s.address == address)
                .then_some((slot, Armed { address, access, size, thread: b.spec.thread }))
        })
    }

    /// The debug registers thread `tid` should hold. `skip` is a thread stepping off an execute breakpoint at an
    /// address: that slot stays off on that thread for the step.
    pub fn desired(&self, tid: Tid, table: &Breakpoints, skip: Option<(Tid, u64)>) -> DebugRegisters {
        let mut d = DebugRegisters::default();
        for (slot, a) in self.armed(table) {
            if a.thread.is_some_and(|t| t != tid) {
                continue;
            }
            if a.access == HwAccess::Execute && skip == Some((tid, a.address)) {
                continue;
            }
            d.dr[slot] = a.address;
            d.dr7 |= dr7_bits(slot, a.access, a.size);
        }
        d
    }

    /// Write to every thread in `threads` whose registers differ from what it should hold. A thread the engine
    /// never wrote to is left alone while it should hold nothing (its registers may be the user's `r dr7=`).
    /// Returns the threads that refused, with the error; what was asked is remembered anyway, so a refusal is
    /// reported once rather than at every resume.
    pub fn sync(
        &mut self,
        target: &mut dyn Execution,
        threads: &[Tid],
        table: &Breakpoints,
        skip: Option<(Tid, u64)>,
    ) -> Vec<(Tid, Error)> {
        let mut failures = Vec::new();
        for &tid in threads {
            let want = self.desired(tid, table, skip);
            match self.applied.get(&tid) {
                Some(have) if *have == want => continue,
                None if want == DebugRegisters::default() => continue,
                _ => {}
            }
            let mut write = want;
            if self.applied.get(&tid).is_none_or(|have| have.dr6 == 0) {
                // No debug exception of this thread is known to the engine, yet DR6 may record one: a hit the
                // target has not reported (Windows reports one event at a time; another thread's waits its turn,
                // and its DR6 is all that says it was ours). Keep it; once reported, the next sync clears it.
                write.dr6 = target.debug_registers(tid).map_or(0, |current| current.dr6);
            }
            if let Err(e) = target.set_debug_registers(tid, &write) {
                failures.push((tid, e));
            }
            *self.ever_armed.entry(tid).or_default() |= want.dr7 & ENABLE_BITS;
            if want == DebugRegisters::default() {
                self.applied.remove(&tid);
            } else {
                self.applied.insert(tid, want);
            }
        }
        failures
    }

    /// A debug exception on `tid` reported `dr6`: remember it, so the next sync clears DR6 (the processor never
    /// clears it; a stale B bit would pass for a hit at the next step). Returns `None` when no slot the engine ever
    /// armed on that thread fired, else the sites (breakpoint and address) whose slots fired and are armed on it
    /// now (none when they were cleared or disabled since the hit).
    pub fn fired(&mut self, tid: Tid, dr6: u64) -> Option<Vec<(u32, u64)>> {
        let ever = self.ever_armed.get(&tid).copied().unwrap_or(0);
        let ours: Vec<usize> = fired_slots(dr6).filter(|slot| ever & (1 << (2 * slot)) != 0).collect();
        if ours.is_empty() {
            return None;
        }
        let Some(have) = self.applied.get_mut(&tid) else {
            // Nothing is armed on the thread any more: its DR6 still has to be cleared before it runs on.
            self.applied.insert(tid, DebugRegisters { dr6, ..DebugRegisters::default() });
            return Some(Vec::new());
        };
        have.dr6 = dr6;
        let armed = have.dr7;
        Some(
            ours.into_iter()
                .filter(|slot| armed & (1 << (2 * slot)) != 0)
                .filter_map(|slot| self.slots[slot])
                .collect(),
        )
    }

    /// Whether an execute breakpoint of ours at `address` is armed on `tid`.
    pub fn executes_at(&self, tid: Tid, address: u64, table: &Breakpoints) -> bool {
        self.armed(table)
            .any(|(_, a)| a.address == address && a.access == HwAccess::Execute && a.thread.is_none_or(|t| t == tid))
    }

    /// The thread is gone, or its registers were written behind the engine's back: what it holds is unknown.
    pub fn forget_thread(&mut self, tid: Tid) {
        self.applied.remove(&tid);
    }

    /// The thread is gone.
    pub fn thread_gone(&mut self, tid: Tid) {
        self.applied.remove(&tid);
        self.ever_armed.remove(&tid);
    }

    /// Clear the debug registers of every thread (detach, quit): those the engine set and any the user set by hand.
    pub fn remove_all(&mut self, target: &mut dyn Execution, threads: &[Tid]) {
        for &tid in threads {
            if let Ok(d) = target.debug_registers(tid)
                && (d.dr7 != 0 || d.dr.iter().any(|&a| a != 0))
            {
                let _ = target.set_debug_registers(tid, &DebugRegisters::default());
            }
        }
        self.forget();
    }

    /// Forget what the threads hold without writing (the process is gone, or exec cleared its registers).
    pub fn forget(&mut self) {
        self.applied.clear();
        self.ever_armed.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::breakpoints::{Location, Owner, Site, Spec};

    #[test]
    fn dr7_encoding() {
        assert_eq!(dr7_bits(0, HwAccess::Execute, 1), 0x1);
        // Slot 1, write, 4 bytes: L1 (bit 2), R/W1 = 01 (bits 20-21), LEN1 = 11 (bits 22-23).
        assert_eq!(dr7_bits(1, HwAccess::Write, 4), (1 << 2) | (0b01 << 20) | (0b11 << 22));
        // Slot 3, read/write, 8 bytes: L3 (bit 6), R/W3 = 11 (bits 28-29), LEN3 = 10 (bits 30-31).
        assert_eq!(dr7_bits(3, HwAccess::ReadWrite, 8), (1 << 6) | (0b11 << 28) | (0b10 << 30));
        assert_eq!(dr7_bits(2, HwAccess::Write, 2), (1 << 4) | (0b01 << 24) | (0b01 << 26));
    }

    #[test]
    fn dr6_names_the_slots_that_fired() {
        assert_eq!(fired_slots(0b1010 | DR6_STEP).collect::<Vec<_>>(), [1, 3]);
        assert_eq!(fired_slots(DR6_STEP).count(), 0);
    }

    #[test]
    fn slots_are_kept_reused_and_limited_to_four() {
        let mut h = Hardware::default();
        assert!(h.assign(&[(3, 0x30), (5, 0x50)]).is_empty());
        assert_eq!(h.slots, [Some((3, 0x30)), Some((5, 0x50)), None, None]);
        assert!(h.assign(&[(5, 0x50), (7, 0x70)]).is_empty(), "5 keeps its slot, 7 takes the freed one");
        assert_eq!(h.slots, [Some((7, 0x70)), Some((5, 0x50)), None, None]);
        let five = [(5, 0x50), (7, 0x70), (1, 0x10), (2, 0x20), (9, 0x90)];
        assert_eq!(h.assign(&five), [(9, 0x90)]);
    }

    fn hardware(access: HwAccess, size: u8, thread: Option<Tid>) -> Spec {
        Spec { thread, ..Spec::new(Owner::Console, Kind::Hardware { access, size }, Location::Expr("x".into())) }
    }

    #[test]
    fn desired_registers_follow_the_table() {
        let mut table = Breakpoints::default();
        let w = table.insert(hardware(HwAccess::Write, 4, None), vec![Site::new(0x1000)]);
        let e = table.insert(hardware(HwAccess::Execute, 1, Some(7)), vec![Site::new(0x2000)]);
        let mut h = Hardware::default();
        h.assign(&table.hardware_sites());
        let on7 = h.desired(7, &table, None);
        assert_eq!(on7.dr, [0x1000, 0x2000, 0, 0]);
        assert_eq!(on7.dr7, dr7_bits(0, HwAccess::Write, 4) | dr7_bits(1, HwAccess::Execute, 1));
        assert_eq!(h.desired(8, &table, None).dr7, dr7_bits(0, HwAccess::Write, 4), "ba ~ limits to one thread");
        assert_eq!(h.desired(7, &table, Some((7, 0x2000))).dr7, dr7_bits(0, HwAccess::Write, 4), "stepping off");
        assert!(h.executes_at(7, 0x2000, &table));
        assert!(!h.executes_at(8, 0x2000, &table));
        table.set_enabled(w, false);
        assert_eq!(h.desired(8, &table, None), DebugRegisters::default());
        table.set_site_enabled(e, 0x2000, false);
        assert_eq!(h.desired(7, &table, None), DebugRegisters::default(), "a site disabled alone is out");
    }

    #[test]
    fn each_site_of_a_hardware_breakpoint_takes_a_slot() {
        let mut table = Breakpoints::default();
        let id = table.insert(hardware(HwAccess::Write, 8, None), vec![Site::new(0x1000), Site::new(0x3000)]);
        let mut h = Hardware::default();
        assert!(h.assign(&table.hardware_sites()).is_empty());
        let d = h.desired(1, &table, None);
        assert_eq!(d.dr, [0x1000, 0x3000, 0, 0]);
        h.ever_armed.insert(1, ENABLE_BITS);
        h.applied.insert(1, d);
        assert_eq!(h.fired(1, 0b10), Some(vec![(id, 0x3000)]), "DR6's B1 is the second site");
    }
}
