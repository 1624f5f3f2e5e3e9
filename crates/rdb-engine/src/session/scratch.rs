//! The engine's share of executable memory inside the debuggee ([`ScratchMemory`]): chunks the target mapped,
//! handed out in small pieces, each within reach (±2 GiB, a rel32) of the code it serves. Pieces are never freed
//! while the process lives, so a thread still inside old code the engine wrote can always finish it.

use std::collections::BTreeSet;

use crate::target::Execution;

/// How much is asked of the target at a time.
const CHUNK: u64 = 0x1_0000;
/// Pieces start on this boundary (a copy is at most a few dozen bytes).
const ALIGN: u64 = 16;
/// How far a piece may be from the address it serves: a rel32 reaches ±2 GiB, less a margin for the code's own
/// length and the operands it reaches (rip-relative data a little beyond the instruction).
const REACH: u64 = 0x7ff0_0000;
/// The span of the address space a refusal covers: once the target could not map memory near an address, it is
/// not asked again for anything near it.
const REFUSAL_SPAN_BITS: u32 = 30;

#[derive(Debug, Clone, Copy)]
struct Chunk {
    base: u64,
    size: u64,
    used: u64,
}

#[derive(Default)]
pub struct Scratch {
    chunks: Vec<Chunk>,
    /// Where the target refused to map (by `address >> REFUSAL_SPAN_BITS`).
    refused: BTreeSet<u64>,
    /// The target has no scratch memory at all.
    unavailable: bool,
}

fn within_reach(a: u64, b: u64) -> bool {
    a.abs_diff(b) < REACH
}

impl Scratch {
    /// `len` bytes of executable memory within reach of `near`, or `None` (the target has none, or none there).
    pub fn piece(&mut self, target: &mut dyn Execution, near: u64, len: u64) -> Option<u64> {
        let len = len.div_ceil(ALIGN) * ALIGN;
        let fits = |c: &Chunk| {
            let start = c.base + c.used;
            c.size - c.used >= len && within_reach(start, near) && within_reach(start + len, near)
        };
        if let Some(c) = self.chunks.iter_mut().find(|c| fits(c)) {
            let start = c.base + c.used;
            c.used += len;
            return Some(start);
        }
        if self.unavailable || self.refused.contains(&(near >> REFUSAL_SPAN_BITS)) {
            return None;
        }
        let Some(scratch) = target.scratch_memory() else {
            self.unavailable = true;
            return None;
        };
        match scratch.allocate(near, CHUNK.max(len)) {
            Ok(base) => {
                let chunk = Chunk { base, size: CHUNK.max(len), used: 0 };
                if !fits(&chunk) {
                    // A target that answered with memory out of reach: keep it for addresses it does reach.
                    self.chunks.push(chunk);
                    self.refused.insert(near >> REFUSAL_SPAN_BITS);
                    return None;
                }
                self.chunks.push(Chunk { used: len, ..chunk });
                Some(base)
            }
            Err(_) => {
                self.refused.insert(near >> REFUSAL_SPAN_BITS);
                None
            }
        }
    }
}
