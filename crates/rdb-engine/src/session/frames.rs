//! A thread's stack as data, for every front end (WinDbg's `k`, DAP's `stackTrace`, Python's `d.stack()`): each
//! frame's pc, stack pointer, CFA, return address and recovered registers, and where it is in the program (module,
//! symbol, source line). Unwinding itself is `unwind.rs`'s, reached through [`Session::stack`]; this file names
//! what it found. It shapes no text.

use super::{Modules, Place, Session};
use crate::error::Result;
use crate::regs::Registers;
use crate::symbols::SourceLine;
use crate::target::Tid;
use crate::unwind::Frame;

/// One frame of a thread's stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackFrame {
    /// 0 for the frame the thread stands in, counting outwards to its callers.
    pub index: usize,
    /// Where the frame executes: the thread's rip for frame 0, a return address for every caller.
    pub pc: u64,
    /// The frame's stack pointer (WinDbg's `Child-SP`).
    pub sp: u64,
    /// The canonical frame address: the caller's stack pointer at the call, which is the next frame's `sp`; `None`
    /// where the unwinder found none.
    pub cfa: Option<u64>,
    /// Where the frame returns to: its caller's pc (WinDbg's `RetAddr`); `None` for the last frame found.
    pub return_address: Option<u64>,
    /// The frame's registers as the unwinder recovered them: rip, rsp and what the CFI (or the frame-pointer chain)
    /// restores for a caller; the registers it does not restore carry the inner frame's values.
    pub registers: Registers,
    /// The module and symbol of `pc` (for a caller, the symbol of its call at pc − 1, with the offsets of pc);
    /// `None` outside every module.
    pub place: Option<Place>,
    /// The source line the frame is at: for a caller, the line of its call (looked up at pc − 1); for frame 0 and a
    /// frame a signal interrupted, the line of pc. In a function some call was inlined into, the line of that call.
    pub source: Option<SourceLine>,
    /// `Some(depth)` for a call the compiler inlined (as gdb shows them, a frame of its own): it shares the
    /// registers and stack of the real frame after it; depth 1 is inlined into that real function, 2 into the
    /// depth-1 call, and so on. `None` for a real frame.
    pub inlined: Option<u32>,
}

impl Session {
    /// The stack of thread `tid`, at most `count` frames, innermost first.
    pub fn frames(&mut self, tid: Tid, count: usize) -> Result<Vec<StackFrame>> {
        let unwound = self.stack(tid, count)?;
        let mut frames = name_frames(unwound, &self.modules, &|address| self.modules.source_line(address));
        frames.truncate(count);
        Ok(frames)
    }
}

/// The address a frame is named after: its symbol and source line. A caller's pc is a return address: the
/// instruction after its call, which can belong to the next line, or to another function altogether when the call
/// is the last instruction of a `noreturn` path (`abort`, `longjmp`, a throw). The call is the instruction before
/// it, so the caller is the one at pc − 1, as gdb names it. Frame 0's pc, and the pc of a frame a signal
/// interrupted, is the instruction about to run, looked up as it is; so is a signal trampoline's, which no call
/// precedes (the byte before `__restore_rt` is no part of it).
pub(super) fn lookup_address(frame: &Frame) -> u64 {
    if frame.after_call && !frame.signal_trampoline { frame.regs.rip.saturating_sub(1) } else { frame.regs.rip }
}

/// The place of a frame: the module and symbol at its lookup address, with the offsets of its pc itself (so a
/// caller whose call ends its function reads `fatal+0x9`, one past its last byte, not `next_function`).
fn frame_place(modules: &Modules, frame: &Frame) -> Option<Place> {
    let pc = frame.regs.rip;
    let at = lookup_address(frame);
    let mut place = modules.place(at)?;
    let shift = pc - at;
    place.module_offset += shift;
    if let Some(symbol) = &mut place.symbol {
        symbol.offset += shift;
    }
    Some(place)
}

/// The frames of an unwound stack with their places in the program, each real frame after the calls inlined into
/// it; `line_at` finds the source line of an address.
pub(super) fn name_frames(
    unwound: Vec<Frame>,
    modules: &Modules,
    line_at: &dyn Fn(u64) -> Option<SourceLine>,
) -> Vec<StackFrame> {
    let mut frames = Vec::with_capacity(unwound.len());
    for frame in unwound {
        let at = lookup_address(&frame);
        let real = StackFrame {
            index: 0,
            pc: frame.regs.rip,
            sp: frame.regs.rsp,
            cfa: frame.cfa,
            return_address: frame.return_address,
            registers: frame.regs,
            place: frame_place(modules, &frame).or_else(|| modules.place(frame.regs.rip)),
            source: line_at(at),
            inlined: None,
        };
        let about_to_run = !frame.after_call;
        let calls =
            modules.at(at).and_then(|m| m.symbols()).map(|s| s.inlined_at(at, about_to_run)).unwrap_or_default();
        if let Some(((_, outer_line), inlined)) = calls.split_last() {
            let depth = inlined.len() as u32;
            for (i, (function, line)) in inlined.iter().enumerate() {
                let place = real
                    .place
                    .clone()
                    .map(|p| Place { symbol: Some(super::SymbolOffset { name: function.clone(), offset: 0 }), ..p });
                frames.push(StackFrame {
                    place,
                    source: line.clone(),
                    inlined: Some(depth - i as u32),
                    ..real.clone()
                });
            }
            frames.push(StackFrame { source: outer_line.clone(), ..real });
        } else {
            frames.push(real);
        }
    }
    for (index, frame) in frames.iter_mut().enumerate() {
        frame.index = index;
    }
    frames
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::path::PathBuf;

    use super::*;
    use crate::memory::MemorySnapshot;

    const BASE: u64 = 0x40_0000;
    const CODE: u64 = 0x40_1000;
    const STACK: u64 = 0x7ffe_0000;

    #[test]
    fn a_callers_line_is_the_line_of_its_call() {
        // Frame 0 at CODE+0x10 returns to CODE+0x40, whose frame returns to CODE+0x80 (rbp 0 ends the chain).
        let mut words = [0u64; 12];
        (words[2], words[3], words[7]) = (STACK + 0x30, CODE + 0x40, CODE + 0x80);
        let mut stack = MemorySnapshot::from_words(STACK, &words);
        let regs = Registers { rip: CODE + 0x10, rsp: STACK, rbp: STACK + 0x10, ..Default::default() };
        let unwound = crate::unwind::unwind(&regs, &|_| None, &mut stack, 16);
        let mut modules = Modules::default();
        modules.add(BASE, 0x2000, PathBuf::from("/nonexistent/demo"));
        let asked = RefCell::new(Vec::new());
        let line_at = |address: u64| {
            asked.borrow_mut().push(address);
            Some(SourceLine { file: PathBuf::from("demo.c"), line: (address - CODE) as u32 })
        };
        let frames = name_frames(unwound, &modules, &line_at);
        assert_eq!(*asked.borrow(), [CODE + 0x10, CODE + 0x40 - 1, CODE + 0x80 - 1]);
        let lines: Vec<u32> = frames.iter().map(|f| f.source.as_ref().unwrap().line).collect();
        assert_eq!(lines, [0x10, 0x3f, 0x7f]);
        // The place (here the offset into the module, which has no symbols) is still the one at pc.
        let offsets: Vec<u64> = frames.iter().map(|f| f.place.as_ref().unwrap().module_offset).collect();
        assert_eq!(offsets, [CODE + 0x10 - BASE, CODE + 0x40 - BASE, CODE + 0x80 - BASE]);
    }
}
