//! The engine's share of executable memory inside the debuggee ([`ScratchMemory`]): chunks the target mapped,
//! handed out in small pieces, each within reach (±2 GiB, a rel32) of the code it serves. Pieces are never freed
//! while the process lives, so a thread still inside old code the engine wrote can always finish it.
//!
//! Before a detach every chunk is given back, so the process is left as it was found: by then no thread is inside
//! one (they were put back in the original code, `displaced.rs`) and no jump leads to one (the patches are out). A
//! thread can still come back to a chunk only through its stack: a signal handler that interrupted it there returns
//! to the address its frame saved. A chunk whose address is found on a thread's stack (or, should one be left there,
//! in its rip) stays mapped, as does one the target cannot unmap, and the user is told.
//!
//! [`ScratchMemory`]: crate::target::ScratchMemory

use std::collections::BTreeSet;

use super::{Notice, Session, live};
use crate::target::{Execution, Tid};

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
/// How much of a thread's stack above its stack pointer is searched for addresses in scratch memory: a signal frame
/// lies under the handler's own frames, which are seldom more than a few pages.
const STACK_SEARCHED: u64 = 1 << 20;
/// The stack is read this much at a time.
const STACK_READ: usize = 0x4000;

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

impl Scratch {
    /// Every chunk mapped, as (address, size): memory of rdb's, not the program's.
    pub fn chunks(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.chunks.iter().map(|c| (c.base, c.size))
    }
}

impl Scratch {
    /// Every chunk, as (address, size), forgotten: the caller gives them back.
    fn take_chunks(&mut self) -> Vec<(u64, u64)> {
        std::mem::take(&mut self.chunks).into_iter().map(|c| (c.base, c.size)).collect()
    }
}

impl Session {
    /// Give the scratch memory back before a detach (see the module's comment), saying which chunk stays mapped
    /// and why.
    pub(super) fn free_scratch(&mut self) {
        let chunks = self.image.scratch.take_chunks();
        if chunks.is_empty() {
            return;
        }
        let threads: Vec<Tid> = self.threads.iter().map(|t| t.tid).collect();
        let Some(target) = live(&mut self.target) else { return };
        let regions = target.memory_regions().unwrap_or_default();
        let mut kept = Vec::new();
        for (address, size) in chunks {
            let inside = |a: u64| a >= address && a - address < size;
            let returning = threads.iter().copied().find(|&tid| thread_may_return(target, tid, &regions, &inside));
            let freed = match returning {
                Some(tid) => Err(crate::err!("thread {tid:x} may return into it")),
                None => match target.scratch_memory() {
                    Some(scratch) => scratch.free(address, size),
                    None => Err(crate::err!("the target cannot unmap memory")),
                },
            };
            if let Err(error) = freed {
                kept.push(Notice::ScratchMemoryKept { address, size, error });
            }
        }
        // Unmapping may run a system call in the debuggee (Linux).
        self.forget_registers();
        for notice in kept {
            self.notify(notice);
        }
    }
}

/// Whether thread `tid` stands in the memory `inside` says, or holds an address in it on its stack (searched from
/// its stack pointer up to the end of the stack's region, at most [`STACK_SEARCHED`] bytes). A thread whose
/// registers cannot be read is gone or going, and returns nowhere.
fn thread_may_return(
    target: &mut dyn Execution,
    tid: Tid,
    regions: &[crate::target::Region],
    inside: &dyn Fn(u64) -> bool,
) -> bool {
    let Ok(regs) = target.registers(tid) else { return false };
    if inside(regs.rip) {
        return true;
    }
    let from = regs.rsp & !7;
    let end = regions
        .iter()
        .find(|r| r.start <= from && from < r.end)
        .map_or(u64::MAX, |r| r.end)
        .min(from.saturating_add(STACK_SEARCHED));
    let mut buf = vec![0u8; STACK_READ];
    let mut at = from;
    while at < end {
        let want = ((end - at) as usize).min(STACK_READ);
        let Ok(n) = target.read_memory(at, &mut buf[..want]) else { break };
        if buf[..n].chunks_exact(8).any(|w| inside(u64::from_le_bytes(w.try_into().unwrap_or_default()))) {
            return true;
        }
        if n < want {
            break;
        }
        at += n as u64;
    }
    false
}
