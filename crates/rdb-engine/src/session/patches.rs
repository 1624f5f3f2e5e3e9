//! Every byte the engine has patched into the debuggee (an `int3` for a software breakpoint, or the `jmp` to a
//! compiled condition's trampoline), with the bytes it replaced. The table is the single source of truth for
//! "what is in the debuggee's text that the program did not put there": memory reads are masked with it, and
//! detach or exit restores every entry.

use std::collections::BTreeMap;

use crate::error::Result;
use crate::target::Execution;

pub const INT3: u8 = 0xcc;

/// What was written at one address, and what it replaced.
struct Patch {
    original: Vec<u8>,
    written: Vec<u8>,
}

#[derive(Default)]
pub struct Patches {
    /// Start address → the patch there. Patches never overlap.
    inserted: BTreeMap<u64, Patch>,
}

impl Patches {
    /// Whether a patch starts at `address` (an int3, or the jump of a compiled condition).
    pub fn contains(&self, address: u64) -> bool {
        self.inserted.contains_key(&address)
    }

    /// The bytes patched at `address` now, if a patch starts there.
    pub fn written(&self, address: u64) -> Option<&[u8]> {
        self.inserted.get(&address).map(|p| p.written.as_slice())
    }

    /// Make the inserted set equal `wanted` (address → the bytes to write there: an int3, or a jump). Returns the
    /// addresses that could not be patched, with the error.
    pub fn sync(&mut self, target: &mut dyn Execution, wanted: &BTreeMap<u64, Vec<u8>>) -> Vec<(u64, crate::Error)> {
        let stale: Vec<u64> =
            self.inserted.iter().filter(|(a, p)| wanted.get(a) != Some(&p.written)).map(|(a, _)| *a).collect();
        let mut failures = Vec::new();
        for a in stale {
            if let Err(e) = self.remove(target, a) {
                failures.push((a, e));
            }
        }
        for (&a, bytes) in wanted {
            if !self.inserted.contains_key(&a)
                && let Err(e) = self.insert(target, a, bytes)
            {
                failures.push((a, e));
            }
        }
        failures
    }

    fn insert(&mut self, target: &mut dyn Execution, address: u64, bytes: &[u8]) -> Result<()> {
        let end = address.saturating_add(bytes.len() as u64);
        // The caller keeps patches apart; one that would overlap another is refused rather than corrupt it.
        if self.overlapping(address, end).next().is_some() {
            return Err(crate::Error::msg("overlaps another breakpoint's patch"));
        }
        let mut original = vec![0u8; bytes.len()];
        if target.read_memory(address, &mut original)? != bytes.len() {
            return Err(crate::Error::MemoryAccess(address));
        }
        target.write_memory(address, bytes)?;
        self.inserted.insert(address, Patch { original, written: bytes.to_vec() });
        Ok(())
    }

    fn remove(&mut self, target: &mut dyn Execution, address: u64) -> Result<()> {
        if let Some(patch) = self.inserted.remove(&address) {
            // Forgotten even when the write fails: the page is gone (module unloaded, process dead).
            target.write_memory(address, &patch.original)?;
        }
        Ok(())
    }

    /// Every patched byte with the byte it replaced (to clean a forked copy of the debuggee).
    pub fn originals(&self) -> Vec<(u64, u8)> {
        self.inserted
            .iter()
            .flat_map(|(&a, p)| p.original.iter().enumerate().map(move |(i, &b)| (a + i as u64, b)))
            .collect()
    }

    /// Restore every original byte (detach, exit). Failures are ignored: the memory is gone.
    pub fn remove_all(&mut self, target: &mut dyn Execution) {
        for (a, patch) in std::mem::take(&mut self.inserted) {
            let _ = target.write_memory(a, &patch.original);
        }
    }

    /// Write every original byte back and keep the table, for a reader of the process's raw memory that must not see
    /// a patch (the OS's minidump writer); [`Patches::put_back`] writes the patches again. Returns the failures.
    pub fn lift(&self, target: &mut dyn Execution) -> Vec<(u64, crate::Error)> {
        let results = self.inserted.iter().map(|(&a, p)| (a, target.write_memory(a, &p.original)));
        results.filter_map(|(a, r)| r.err().map(|e| (a, e))).collect()
    }

    /// Write every patch again after [`Patches::lift`]. Returns the failures.
    pub fn put_back(&self, target: &mut dyn Execution) -> Vec<(u64, crate::Error)> {
        let results = self.inserted.iter().map(|(&a, p)| (a, target.write_memory(a, &p.written)));
        results.filter_map(|(a, r)| r.err().map(|e| (a, e))).collect()
    }

    /// Forget patches without writing (the process is gone, or its image was replaced by exec).
    pub fn forget_all(&mut self) {
        self.inserted.clear();
    }

    /// Forget the patches inside `[start, end)` without writing (a module that was unloaded).
    pub fn forget_range(&mut self, start: u64, end: u64) {
        self.inserted.retain(|a, _| *a < start || *a >= end);
    }

    /// The patches that overlap `[address, end)`, as (start, patch).
    fn overlapping(&self, address: u64, end: u64) -> impl Iterator<Item = (u64, &Patch)> {
        let before = self.inserted.range(..address).next_back().filter(|(a, p)| *a + p.written.len() as u64 > address);
        before.into_iter().chain(self.inserted.range(address..end)).map(|(a, p)| (*a, p))
    }

    /// Replace patched bytes in `buf` (read from `address`) by the originals, so no reader ever sees a patch of
    /// ours.
    pub fn mask(&self, address: u64, buf: &mut [u8]) {
        let end = address.saturating_add(buf.len() as u64);
        for (a, patch) in self.overlapping(address, end) {
            for (i, &b) in patch.original.iter().enumerate() {
                let at = a + i as u64;
                if at >= address && at < end {
                    buf[(at - address) as usize] = b;
                }
            }
        }
    }

    /// A write to `[address, address+data.len())` that covers patched bytes: remember the new bytes as the
    /// originals and keep the patches in what is actually written.
    pub fn absorb_write(&mut self, address: u64, data: &[u8]) -> Vec<u8> {
        let mut out = data.to_vec();
        let end = address.saturating_add(data.len() as u64);
        let starts: Vec<u64> = self.overlapping(address, end).map(|(a, _)| a).collect();
        for a in starts {
            let Some(patch) = self.inserted.get_mut(&a) else { continue };
            for i in 0..patch.original.len() {
                let at = a + i as u64;
                if at >= address && at < end {
                    let j = (at - address) as usize;
                    patch.original[i] = data[j];
                    out[j] = patch.written[i];
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_multi_byte_patch_is_masked_and_absorbed_byte_by_byte() {
        let mut p = Patches::default();
        p.inserted.insert(0x10, Patch { original: vec![1, 2, 3, 4, 5], written: vec![0xe9, 9, 9, 9, 9] });
        p.inserted.insert(0x20, Patch { original: vec![7], written: vec![INT3] });
        let mut buf = [0xe9, 9, 9, 9, 9, 0, 0];
        p.mask(0x10, &mut buf);
        assert_eq!(buf, [1, 2, 3, 4, 5, 0, 0]);
        let mut tail = [9, 9, 0xaa];
        p.mask(0x12, &mut tail);
        assert_eq!(tail, [3, 4, 5], "a read that starts inside a patch");
        let out = p.absorb_write(0x13, &[0x44, 0x55, 0x66]);
        assert_eq!(out, [9, 9, 0x66], "the jump stays in what is written");
        assert_eq!(p.inserted[&0x10].original, [1, 2, 3, 0x44, 0x55]);
        assert_eq!(p.originals().len(), 6);
    }
}
