//! Stack unwinding: DWARF CFI per module where there is some, frame pointers otherwise.

use crate::memory::ReadMemory;
use crate::regs::Registers;
use crate::symbols::ModuleSymbols;

/// One frame of a stack trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The frame's registers; `rip` is its pc (a return address for every frame but the first). For a caller,
    /// rip, rsp and the registers its CFI (or the frame-pointer chain: rbp) restores are recovered; the others
    /// carry the inner frame's values.
    pub regs: Registers,
    /// Where this frame returns to: the caller's pc, as WinDbg's `RetAddr` column shows; `None` for the last frame,
    /// whose caller is unknown.
    pub return_address: Option<u64>,
    /// The canonical frame address: the stack pointer of the caller at the call, which is the next frame's rsp.
    /// Known wherever the unwinder found the caller's stack pointer, even for an outermost frame whose CFI says
    /// there is no caller; `None` where it found none it believes.
    pub cfa: Option<u64>,
    /// Whether `regs.rip` is a return address: the frame is a caller, stopped in a call that is the instruction
    /// before it (which may be the last of its function, when the callee never returns). False for the first
    /// frame and for a frame a signal interrupted (its caller is a signal trampoline), whose pc is the instruction
    /// it will run next.
    pub after_call: bool,
    /// Whether the frame is a signal trampoline's (its CFI says so: augmentation `S`, as glibc's `__restore_rt`):
    /// its pc is where a signal handler returns to, which no call precedes, and its caller was interrupted.
    pub signal_trampoline: bool,
}

/// The largest frame the frame-pointer fallback believes in.
const MAX_FRAME_SIZE: u64 = 16 << 20;

/// Unwind from `regs`. `module_at` finds the symbols of the module containing an address. Stops after `max`
/// frames, at a zero or non-increasing stack pointer, or where neither CFI nor frame pointers lead on.
pub fn unwind<'a>(
    regs: &Registers,
    module_at: &dyn Fn(u64) -> Option<&'a ModuleSymbols>,
    mem: &mut dyn ReadMemory,
    max: usize,
) -> Vec<Frame> {
    let mut frames = Vec::new();
    let mut current = *regs;
    let mut first = true;
    let mut after_call = false;
    while frames.len() < max {
        let caller = caller_of(&current, first, after_call, module_at, mem);
        // A stack grows down: a caller's stack pointer lies above its callee's.
        let caller = caller.filter(|c| c.rsp > current.rsp || (first && c.rsp == current.rsp));
        let next = caller.filter(|c| c.rip != 0);
        let signal_trampoline = in_signal_trampoline(&current, after_call, module_at);
        frames.push(Frame {
            regs: current,
            return_address: next.map(|c| c.rip),
            cfa: caller.map(|c| c.rsp),
            after_call,
            signal_trampoline,
        });
        let Some(next) = next else { break };
        // The frame a signal trampoline returns to was interrupted, not calling: its pc is exact.
        after_call = !signal_trampoline;
        current = next;
        first = false;
    }
    frames
}

/// Whether the frame `regs` is a signal trampoline's, by its module's CFI.
fn in_signal_trampoline<'a>(
    regs: &Registers,
    after_call: bool,
    module_at: &dyn Fn(u64) -> Option<&'a ModuleSymbols>,
) -> bool {
    let lookup = if after_call { regs.rip.wrapping_sub(1) } else { regs.rip };
    module_at(lookup).is_some_and(|module| module.is_signal_trampoline(regs, !after_call))
}

/// The caller of the frame `regs`: by the module's CFI, else by frame pointers. A CFI result that says "outermost
/// frame" (return address undefined, rip 0) is final. `after_call`: the frame's pc is a return address
/// ([`Frame::after_call`]).
fn caller_of<'a>(
    regs: &Registers,
    first: bool,
    after_call: bool,
    module_at: &dyn Fn(u64) -> Option<&'a ModuleSymbols>,
    mem: &mut dyn ReadMemory,
) -> Option<Registers> {
    if first && regs.rip == 0 {
        // A call through a null pointer: the return address is still at [rsp].
        let mut caller = *regs;
        caller.rip = mem.read_u64(regs.rsp).ok()?;
        caller.rsp = regs.rsp.wrapping_add(8);
        return Some(caller);
    }
    // A return address points after the call: the caller's own module is the one holding pc - 1.
    let lookup = if after_call { regs.rip.wrapping_sub(1) } else { regs.rip };
    let module = module_at(lookup);
    if let Some(module) = module
        && let Some(caller) = module.unwind_frame(regs, !after_call, mem)
    {
        if caller.rip == 0 {
            return Some(caller);
        }
        if caller.rsp > regs.rsp || (first && caller.rsp == regs.rsp) {
            return Some(caller);
        }
    }
    // Code a module with CFI leaves without any is left so on purpose (glibc's clone3 ends its FDE before the
    // syscall, after which the child runs on a new stack): the thread stands where nothing was pushed yet, so the
    // return address is at [rsp], if it follows a call; rbp there may be anyone's.
    if first && module.is_some_and(|m| m.has_cfi()) && !module.is_some_and(|m| m.covers_with_cfi(lookup)) {
        return leaf_caller(regs, module_at, mem);
    }
    frame_pointer_caller(regs, mem)
}

/// The caller of a frame that has pushed nothing: the return address at [rsp], believed only if the instruction
/// before it, in some module, is a call.
fn leaf_caller<'a>(
    regs: &Registers,
    module_at: &dyn Fn(u64) -> Option<&'a ModuleSymbols>,
    mem: &mut dyn ReadMemory,
) -> Option<Registers> {
    let return_address = mem.read_u64(regs.rsp).ok()?;
    module_at(return_address.wrapping_sub(1))?;
    let mut before = [0u8; 7];
    mem.read_exact(return_address.checked_sub(7)?, &mut before).ok()?;
    if !crate::disasm::call_ends_at(&before, return_address) {
        return None;
    }
    let mut caller = *regs;
    caller.rip = return_address;
    caller.rsp = regs.rsp.wrapping_add(8);
    Some(caller)
}

/// `push rbp; mov rbp, rsp` frames: the caller's rbp at [rbp], the return address at [rbp+8].
fn frame_pointer_caller(regs: &Registers, mem: &mut dyn ReadMemory) -> Option<Registers> {
    let rbp = regs.rbp;
    if rbp == 0 || !rbp.is_multiple_of(8) || rbp < regs.rsp || rbp - regs.rsp > MAX_FRAME_SIZE {
        return None;
    }
    let saved_rbp = mem.read_u64(rbp).ok()?;
    let return_address = mem.read_u64(rbp.checked_add(8)?).ok()?;
    let mut caller = *regs;
    caller.rbp = saved_rbp;
    caller.rip = return_address;
    caller.rsp = rbp + 16;
    Some(caller)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Error, Result};

    struct Stack {
        base: u64,
        bytes: Vec<u8>,
    }

    impl Stack {
        fn new(base: u64, words: &[u64]) -> Stack {
            Stack { base, bytes: words.iter().flat_map(|w| w.to_le_bytes()).collect() }
        }
    }

    impl ReadMemory for Stack {
        fn read(&mut self, address: u64, buf: &mut [u8]) -> Result<usize> {
            let off = address.checked_sub(self.base).ok_or(Error::MemoryAccess(address))? as usize;
            if off >= self.bytes.len() {
                return Err(Error::MemoryAccess(address));
            }
            let n = buf.len().min(self.bytes.len() - off);
            buf[..n].copy_from_slice(&self.bytes[off..off + n]);
            Ok(n)
        }
    }

    #[test]
    fn frame_pointer_chain_without_modules() {
        let s = 0x7fff_0000u64;
        // frame 0: rbp = s+0x10 → [s+0x10] = s+0x30 (caller rbp), [s+0x18] = 0x401234
        // frame 1: rbp = s+0x30 → [s+0x30] = 0, [s+0x38] = 0x401100
        let mut words = vec![0u64; 16];
        words[2] = s + 0x30;
        words[3] = 0x40_1234;
        words[6] = 0;
        words[7] = 0x40_1100;
        let mut mem = Stack::new(s, &words);
        let regs = Registers { rip: 0x40_1500, rsp: s, rbp: s + 0x10, ..Default::default() };
        let none = |_: u64| -> Option<&ModuleSymbols> { None };
        let frames = unwind(&regs, &none, &mut mem, 16);
        let pcs: Vec<u64> = frames.iter().map(|f| f.regs.rip).collect();
        assert_eq!(pcs, [0x40_1500, 0x40_1234, 0x40_1100]);
        assert_eq!(frames[0].return_address, Some(0x40_1234));
        assert_eq!(frames[1].return_address, Some(0x40_1100));
        assert_eq!(frames[2].return_address, None, "rbp 0 ends the chain");
        assert_eq!(frames.iter().map(|f| f.cfa).collect::<Vec<_>>(), [Some(s + 0x20), Some(s + 0x40), None]);
        assert_eq!(frames[1].regs.rsp, s + 0x20);
        assert_eq!(frames[2].regs.rsp, s + 0x40);

        let frames = unwind(&regs, &none, &mut mem, 2);
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[1].return_address, Some(0x40_1100));
    }

    #[test]
    fn insane_frame_pointers_stop_the_walk() {
        let s = 0x7fff_0000u64;
        let mut mem = Stack::new(s, &[0; 8]);
        let none = |_: u64| -> Option<&ModuleSymbols> { None };
        for rbp in [0, s - 0x10, s + 3] {
            let regs = Registers { rip: 0x40_1500, rsp: s, rbp, ..Default::default() };
            let frames = unwind(&regs, &none, &mut mem, 16);
            assert_eq!(frames.len(), 1);
            assert_eq!(frames[0].return_address, None);
        }
        // A call through a null pointer: the caller is found at [rsp].
        let mut mem = Stack::new(s, &[0x40_1234, 0, 0, 0]);
        let regs = Registers { rip: 0, rsp: s, rbp: 0, ..Default::default() };
        let frames = unwind(&regs, &none, &mut mem, 16);
        assert_eq!(frames.len(), 2);
        assert_eq!((frames[1].regs.rip, frames[1].regs.rsp), (0x40_1234, s + 8));
    }
}
