//! Memory breakpoints (`bpm`) through guard pages: which pages the engine has armed, and which threads faulted on
//! one of them and must execute their access once, the page unarmed, before it is armed again.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::Error;
use crate::target::{PageGuards, Tid};

/// The page size guard pages work in (x86-64).
pub const PAGE: u64 = 0x1000;

pub fn page_of(address: u64) -> u64 {
    address & !(PAGE - 1)
}

/// The pages `[start, start + size)` overlaps (`size` > 0).
pub fn pages(start: u64, size: u64) -> impl Iterator<Item = u64> {
    let last = page_of(start.saturating_add(size.max(1) - 1));
    (page_of(start)..=last).step_by(PAGE as usize)
}

#[derive(Default)]
pub struct Guards {
    /// Pages the engine armed that have not fired since.
    armed: BTreeSet<u64>,
    /// Threads whose instruction faulted on a page of ours, with the pages it touched: they stay unarmed until the
    /// thread has executed that instruction.
    pending: BTreeMap<Tid, BTreeSet<u64>>,
}

impl Guards {
    /// Arm the pages of `wanted` that are not armed, except those a thread still has to step over; disarm the armed
    /// pages no longer wanted. Returns the pages that could not be armed or disarmed, with the error.
    pub fn sync(&mut self, guards: &mut dyn PageGuards, wanted: &BTreeSet<u64>) -> Vec<(u64, Error)> {
        let held: BTreeSet<u64> = self.pending.values().flatten().copied().collect();
        let want: BTreeSet<u64> = wanted.difference(&held).copied().collect();
        let mut failures = Vec::new();
        let stale: Vec<u64> = self.armed.difference(&want).copied().collect();
        for page in stale {
            self.armed.remove(&page);
            if let Err(e) = guards.disarm(page) {
                failures.push((page, e));
            }
        }
        for page in want {
            if self.armed.contains(&page) {
                continue;
            }
            match guards.arm(page) {
                Ok(()) => {
                    self.armed.insert(page);
                }
                Err(e) => failures.push((page, e)),
            }
        }
        failures
    }

    /// A guard fault by `tid` on `page`. Returns whether the page is the engine's; if it is, the fault disarmed it,
    /// and the thread must step over its access before it is armed again. (A page another thread faulted on at the
    /// same time is still the engine's.)
    pub fn fired(&mut self, tid: Tid, page: u64) -> bool {
        let ours = self.armed.remove(&page) || self.pending.values().any(|p| p.contains(&page));
        if ours {
            self.pending.entry(tid).or_default().insert(page);
        }
        ours
    }

    /// Whether `tid` has an access to step over before it may run on.
    pub fn pending(&self, tid: Tid) -> bool {
        self.pending.contains_key(&tid)
    }

    pub fn pending_threads(&self) -> Vec<Tid> {
        self.pending.keys().copied().collect()
    }

    /// `tid` executed its instruction (or is gone): its pages may be armed again.
    pub fn stepped(&mut self, tid: Tid) {
        self.pending.remove(&tid);
    }

    /// Disarm every page (detach, quit, the last memory breakpoint cleared).
    pub fn remove_all(&mut self, guards: Option<&mut dyn PageGuards>) {
        if let Some(g) = guards {
            for &page in &self.armed {
                let _ = g.disarm(page);
            }
        }
        self.forget();
    }

    /// Forget every page without touching the debuggee (it is gone).
    pub fn forget(&mut self) {
        self.armed.clear();
        self.pending.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_of_a_range() {
        assert_eq!(pages(0x1ff8, 8).collect::<Vec<_>>(), [0x1000]);
        assert_eq!(pages(0x1ff8, 9).collect::<Vec<_>>(), [0x1000, 0x2000]);
        assert_eq!(pages(0x3000, 0x2000).collect::<Vec<_>>(), [0x3000, 0x4000]);
    }
}
