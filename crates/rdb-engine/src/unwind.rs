//! Stack unwinding: DWARF CFI per module where there is some, frame pointers otherwise.

use crate::memory::ReadMemory;
use crate::regs::Registers;
use crate::symbols::ModuleSymbols;

/// One frame of a stack trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The frame's registers; `rip` is its pc (a return address for every frame but the first).
    pub regs: Registers,
    /// The address of the return address slot (the frame's "RetAddr" location); where the caller resumes.
    pub return_address: Option<u64>,
}

/// Unwind from `regs`. `module_at` finds the symbols of the module containing an address. Stops after `max`
/// frames, at a zero or non-increasing stack pointer, or where neither CFI nor frame pointers lead on.
pub fn unwind<'a>(
    regs: &Registers,
    module_at: &dyn Fn(u64) -> Option<&'a ModuleSymbols>,
    mem: &mut dyn ReadMemory,
    max: usize,
) -> Vec<Frame> {
    let _ = (regs, module_at, mem, max);
    todo!("symbols helper")
}
