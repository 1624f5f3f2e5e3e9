//! A thread's x86-64 register context as a minidump records it: Windows' `CONTEXT` (AMD64), which Breakpad and
//! Crashpad write for Linux too, read field by field from its bytes. rust-minidump parses it only with the dump's
//! system-information stream at hand; reading it here also serves a dump that lost that stream.

use rdb_engine::regs::Registers;
use rdb_engine::target::FloatRegisters;

/// Byte offsets in `CONTEXT` (AMD64).
mod offset {
    pub const SEGMENTS: usize = 0x38;
    pub const EFLAGS: usize = 0x44;
    pub const RAX: usize = 0x78;
    pub const RIP: usize = 0xf8;
    /// The FXSAVE image (`XMM_SAVE_AREA32`), 512 bytes.
    pub const FLOAT_SAVE: usize = 0x100;
}

/// The smallest context that holds the general registers and `rip`.
const MIN_SIZE: usize = offset::RIP + 8;

/// The registers a context holds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Context {
    pub registers: Registers,
    /// The x87 and SSE state, when the context is long enough to hold it.
    pub float: Option<FloatRegisters>,
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    bytes.get(at..at + 8).and_then(|b| b.try_into().ok()).map(u64::from_le_bytes).unwrap_or(0)
}

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    bytes.get(at..at + 2).and_then(|b| b.try_into().ok()).map(u16::from_le_bytes).unwrap_or(0)
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    bytes.get(at..at + 4).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes).unwrap_or(0)
}

/// Read a context from its bytes; `None` when they are too few to hold the general registers. `gs_base` is what the
/// thread's GS points at (its TEB on Windows: the context does not record the base; 0 where unknown).
pub(crate) fn read(bytes: &[u8], gs_base: u64) -> Option<Context> {
    if bytes.len() < MIN_SIZE {
        return None;
    }
    // The general registers in the order CONTEXT lays them out (rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8-r15).
    let gpr = |i: usize| u64_at(bytes, offset::RAX + 8 * i);
    let segment = |i: usize| u16_at(bytes, offset::SEGMENTS + 2 * i);
    let registers = Registers {
        rax: gpr(0),
        rcx: gpr(1),
        rdx: gpr(2),
        rbx: gpr(3),
        rsp: gpr(4),
        rbp: gpr(5),
        rsi: gpr(6),
        rdi: gpr(7),
        r8: gpr(8),
        r9: gpr(9),
        r10: gpr(10),
        r11: gpr(11),
        r12: gpr(12),
        r13: gpr(13),
        r14: gpr(14),
        r15: gpr(15),
        rip: u64_at(bytes, offset::RIP),
        rflags: u64::from(u32_at(bytes, offset::EFLAGS)),
        // SegCs, SegDs, SegEs, SegFs, SegGs, SegSs.
        cs: segment(0),
        ds: segment(1),
        es: segment(2),
        fs: segment(3),
        gs: segment(4),
        ss: segment(5),
        fs_base: 0,
        gs_base,
        orig_rax: 0,
    };
    let float = bytes.get(offset::FLOAT_SAVE..offset::FLOAT_SAVE + 512).and_then(FloatRegisters::from_fxsave);
    Some(Context { registers, float })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_read_where_context_lays_them_out() {
        let mut bytes = vec![0u8; 0x4d0];
        bytes[offset::RAX..offset::RAX + 8].copy_from_slice(&1u64.to_le_bytes());
        bytes[offset::RAX + 32..offset::RAX + 40].copy_from_slice(&0x7fff_0000u64.to_le_bytes());
        bytes[offset::RIP..offset::RIP + 8].copy_from_slice(&0x1400_0100u64.to_le_bytes());
        bytes[offset::EFLAGS..offset::EFLAGS + 4].copy_from_slice(&0x246u32.to_le_bytes());
        bytes[offset::SEGMENTS..offset::SEGMENTS + 2].copy_from_slice(&0x33u16.to_le_bytes());
        bytes[offset::SEGMENTS + 10..offset::SEGMENTS + 12].copy_from_slice(&0x2bu16.to_le_bytes());
        // mxcsr in the FXSAVE image, and xmm0's first byte.
        bytes[offset::FLOAT_SAVE + 24..offset::FLOAT_SAVE + 28].copy_from_slice(&0x1f80u32.to_le_bytes());
        bytes[offset::FLOAT_SAVE + 160] = 0xab;
        let c = read(&bytes, 0x1000).unwrap();
        let r = c.registers;
        assert_eq!(
            (r.rax, r.rsp, r.rip, r.rflags, r.cs, r.ss, r.gs_base),
            (1, 0x7fff_0000, 0x1400_0100, 0x246, 0x33, 0x2b, 0x1000)
        );
        let f = c.float.unwrap();
        assert_eq!((f.mxcsr, f.xmm[0][0]), (0x1f80, 0xab));
        assert!(read(&bytes[..MIN_SIZE - 1], 0).is_none());
        assert!(read(&bytes[..MIN_SIZE], 0).unwrap().float.is_none());
    }
}
