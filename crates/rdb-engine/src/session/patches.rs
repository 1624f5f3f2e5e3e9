//! Every byte the engine has patched into the debuggee (an `int3` for a software breakpoint), with the byte it
//! replaced. The table is the single source of truth for "what is in the debuggee's text that the program did not
//! put there": memory reads are masked with it, and detach or exit restores every entry.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::Result;
use crate::target::Target;

pub const INT3: u8 = 0xcc;

#[derive(Default)]
pub struct Patches {
    /// address → the original byte.
    inserted: BTreeMap<u64, u8>,
}

impl Patches {
    pub fn contains(&self, address: u64) -> bool {
        self.inserted.contains_key(&address)
    }

    /// Make the inserted set equal `wanted`. Returns the addresses that could not be patched, with the error.
    pub fn sync(&mut self, target: &mut dyn Target, wanted: &BTreeSet<u64>) -> Vec<(u64, crate::Error)> {
        let stale: Vec<u64> = self.inserted.keys().filter(|a| !wanted.contains(a)).copied().collect();
        let mut failures = Vec::new();
        for a in stale {
            if let Err(e) = self.remove(target, a) {
                failures.push((a, e));
            }
        }
        for &a in wanted {
            if !self.inserted.contains_key(&a)
                && let Err(e) = self.insert(target, a)
            {
                failures.push((a, e));
            }
        }
        failures
    }

    pub fn insert(&mut self, target: &mut dyn Target, address: u64) -> Result<()> {
        if self.inserted.contains_key(&address) {
            return Ok(());
        }
        let mut original = [0u8];
        if target.read_memory(address, &mut original)? != 1 {
            return Err(crate::Error::MemoryAccess(address));
        }
        target.write_memory(address, &[INT3])?;
        self.inserted.insert(address, original[0]);
        Ok(())
    }

    pub fn remove(&mut self, target: &mut dyn Target, address: u64) -> Result<()> {
        if let Some(original) = self.inserted.get(&address).copied() {
            let written = target.write_memory(address, &[original]);
            // Forget the patch even when the write failed: the page is gone (module unloaded, process dead).
            self.inserted.remove(&address);
            written?;
        }
        Ok(())
    }

    /// Every patched address with the byte it replaced (to clean a forked copy of the debuggee).
    pub fn originals(&self) -> Vec<(u64, u8)> {
        self.inserted.iter().map(|(&a, &b)| (a, b)).collect()
    }

    /// Restore every original byte (detach, exit). Failures are ignored: the memory is gone.
    pub fn remove_all(&mut self, target: &mut dyn Target) {
        for (a, original) in std::mem::take(&mut self.inserted) {
            let _ = target.write_memory(a, &[original]);
        }
    }

    /// Forget patches without writing (the process is gone, or its image was replaced by exec).
    pub fn forget_all(&mut self) {
        self.inserted.clear();
    }

    /// Forget the patches inside `[start, end)` without writing (a module that was unloaded).
    pub fn forget_range(&mut self, start: u64, end: u64) {
        self.inserted.retain(|a, _| *a < start || *a >= end);
    }

    /// Replace patched bytes in `buf` (read from `address`) by the originals, so no reader ever sees an int3 of ours.
    pub fn mask(&self, address: u64, buf: &mut [u8]) {
        let end = address.saturating_add(buf.len() as u64);
        for (&a, &original) in self.inserted.range(address..end) {
            buf[(a - address) as usize] = original;
        }
    }

    /// A write to `[address, address+data.len())` that covers patched bytes: remember the new bytes as the
    /// originals and keep the int3s in what is actually written.
    pub fn absorb_write(&mut self, address: u64, data: &[u8]) -> Vec<u8> {
        let mut out = data.to_vec();
        let end = address.saturating_add(data.len() as u64);
        for (&a, original) in self.inserted.range_mut(address..end) {
            let i = (a - address) as usize;
            *original = data[i];
            out[i] = INT3;
        }
        out
    }
}
