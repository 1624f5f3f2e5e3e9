//! A thread's registers: PTRACE_GETREGS/SETREGS mapped to the engine's `Registers`, and the debug registers through
//! PTRACE_PEEKUSER/POKEUSER in `struct user`.

use std::mem::offset_of;

use nix::sys::ptrace;
use nix::unistd::Pid;
use rdb_engine::regs::{DebugRegisters, Registers};
use rdb_engine::target::FloatRegisters;

type FpRegs = libc::user_fpregs_struct;

/// The `FXSAVE` image the kernel's `user_fpregs_struct` holds, as bytes (the fields FloatRegisters reads).
fn fxsave_of(r: &FpRegs) -> [u8; 512] {
    let mut area = [0u8; 512];
    area[0..2].copy_from_slice(&r.cwd.to_le_bytes());
    area[2..4].copy_from_slice(&r.swd.to_le_bytes());
    area[24..28].copy_from_slice(&r.mxcsr.to_le_bytes());
    for (i, word) in r.st_space.iter().enumerate() {
        area[32 + 4 * i..36 + 4 * i].copy_from_slice(&word.to_le_bytes());
    }
    for (i, word) in r.xmm_space.iter().enumerate() {
        area[160 + 4 * i..164 + 4 * i].copy_from_slice(&word.to_le_bytes());
    }
    area
}

fn word_at(area: &[u8; 512], at: usize) -> u32 {
    u32::from_le_bytes([area[at], area[at + 1], area[at + 2], area[at + 3]])
}

/// The x87 and SSE registers: PTRACE_GETREGSET with NT_PRFPREG, the `FXSAVE` image of `user_fpregs_struct`.
pub(crate) fn get_float(tid: i32) -> nix::Result<FloatRegisters> {
    let r = ptrace::getregset::<ptrace::regset::NT_PRFPREG>(Pid::from_raw(tid))?;
    FloatRegisters::from_fxsave(&fxsave_of(&r)).ok_or(nix::errno::Errno::EINVAL)
}

/// Write the x87 and SSE registers: the kernel's image read, changed where `FloatRegisters` has fields (the tag
/// word and the instruction pointers stay), and written back with PTRACE_SETREGSET.
pub(crate) fn set_float(tid: i32, f: &FloatRegisters) -> nix::Result<()> {
    let pid = Pid::from_raw(tid);
    let mut r = ptrace::getregset::<ptrace::regset::NT_PRFPREG>(pid)?;
    let mut area = fxsave_of(&r);
    f.to_fxsave(&mut area);
    r.cwd = u16::from_le_bytes([area[0], area[1]]);
    r.swd = u16::from_le_bytes([area[2], area[3]]);
    r.mxcsr = word_at(&area, 24);
    for (i, word) in r.st_space.iter_mut().enumerate() {
        *word = word_at(&area, 32 + 4 * i);
    }
    for (i, word) in r.xmm_space.iter_mut().enumerate() {
        *word = word_at(&area, 160 + 4 * i);
    }
    ptrace::setregset::<ptrace::regset::NT_PRFPREG>(pid, r)
}

/// Linux's register set of the XSAVE area (`NT_X86_XSTATE` in `elf.h`).
const NT_X86_XSTATE: libc::c_int = 0x202;
/// In the XSAVE area's standard format (as the kernel gives it to ptrace): the header's XSTATE_BV, saying which
/// components hold a value (a component whose bit is clear is in its initial state: zeros), and where AVX's
/// component, the upper halves of ymm0–15, lies.
const XSTATE_BV: usize = 512;
const AVX_BIT: u64 = 1 << 2;
const YMM_HI: usize = 576;

/// The upper halves of ymm0–15, from the XSAVE area (PTRACE_GETREGSET with NT_X86_XSTATE). `None` when the
/// kernel gives no area large enough to hold them (no AVX).
pub(crate) fn get_avx_upper(tid: i32) -> nix::Result<Option<[[u8; 16]; 16]>> {
    let mut area = vec![0u8; 4096];
    let mut iov = libc::iovec { iov_base: area.as_mut_ptr().cast(), iov_len: area.len() };
    // SAFETY: PTRACE_GETREGSET writes at most `iov_len` bytes into the buffer the iovec points to, which lives
    // (and is not otherwise borrowed) until the call returns; it then sets `iov_len` to what it wrote.
    let result = unsafe {
        libc::ptrace(
            libc::PTRACE_GETREGSET,
            tid,
            NT_X86_XSTATE as usize as *mut libc::c_void,
            &mut iov as *mut libc::iovec,
        )
    };
    nix::errno::Errno::result(result)?;
    let written = iov.iov_len.min(area.len());
    if written < YMM_HI + 256 {
        return Ok(None);
    }
    let bv = u64::from_le_bytes(area[XSTATE_BV..XSTATE_BV + 8].try_into().unwrap_or_default());
    let mut upper = [[0u8; 16]; 16];
    if bv & AVX_BIT != 0 {
        for (i, half) in upper.iter_mut().enumerate() {
            half.copy_from_slice(&area[YMM_HI + 16 * i..YMM_HI + 16 * i + 16]);
        }
    }
    Ok(Some(upper))
}

pub(crate) fn get(tid: i32) -> nix::Result<Registers> {
    let r = crate::ptrace::getregs(tid)?;
    Ok(Registers {
        rax: r.rax,
        rbx: r.rbx,
        rcx: r.rcx,
        rdx: r.rdx,
        rsi: r.rsi,
        rdi: r.rdi,
        rbp: r.rbp,
        rsp: r.rsp,
        r8: r.r8,
        r9: r.r9,
        r10: r.r10,
        r11: r.r11,
        r12: r.r12,
        r13: r.r13,
        r14: r.r14,
        r15: r.r15,
        rip: r.rip,
        rflags: r.eflags,
        cs: r.cs as u16,
        ss: r.ss as u16,
        ds: r.ds as u16,
        es: r.es as u16,
        fs: r.fs as u16,
        gs: r.gs as u16,
        fs_base: r.fs_base,
        gs_base: r.gs_base,
        orig_rax: r.orig_rax,
    })
}

pub(crate) fn set(tid: i32, regs: &Registers) -> nix::Result<()> {
    let mut r = crate::ptrace::getregs(tid)?;
    if r.orig_rax != regs.orig_rax {
        // The caller set it (a gdb client about to call a function in the debuggee writes -1).
        r.orig_rax = regs.orig_rax;
    } else if r.rip != regs.rip {
        // A thread moved elsewhere must not have an interrupted system call restarted under it (the kernel would
        // rewind the new rip by the size of a syscall instruction), as gdb does when it writes the pc.
        r.orig_rax = u64::MAX;
    }
    r.rax = regs.rax;
    r.rbx = regs.rbx;
    r.rcx = regs.rcx;
    r.rdx = regs.rdx;
    r.rsi = regs.rsi;
    r.rdi = regs.rdi;
    r.rbp = regs.rbp;
    r.rsp = regs.rsp;
    r.r8 = regs.r8;
    r.r9 = regs.r9;
    r.r10 = regs.r10;
    r.r11 = regs.r11;
    r.r12 = regs.r12;
    r.r13 = regs.r13;
    r.r14 = regs.r14;
    r.r15 = regs.r15;
    r.rip = regs.rip;
    r.eflags = regs.rflags;
    r.cs = regs.cs.into();
    r.ss = regs.ss.into();
    r.ds = regs.ds.into();
    r.es = regs.es.into();
    r.fs = regs.fs.into();
    r.gs = regs.gs.into();
    r.fs_base = regs.fs_base;
    r.gs_base = regs.gs_base;
    crate::ptrace::setregs(tid, r)
}

fn debug_offset(i: usize) -> ptrace::AddressType {
    (offset_of!(libc::user, u_debugreg) + 8 * i) as ptrace::AddressType
}

fn peek_debug(tid: i32, i: usize) -> nix::Result<u64> {
    ptrace::read_user(Pid::from_raw(tid), debug_offset(i)).map(|v| v as u64)
}

fn poke_debug(tid: i32, i: usize, value: u64) -> nix::Result<()> {
    ptrace::write_user(Pid::from_raw(tid), debug_offset(i), value as libc::c_long)
}

pub(crate) fn get_debug(tid: i32) -> nix::Result<DebugRegisters> {
    Ok(DebugRegisters {
        dr: [peek_debug(tid, 0)?, peek_debug(tid, 1)?, peek_debug(tid, 2)?, peek_debug(tid, 3)?],
        dr6: peek_debug(tid, 6)?,
        dr7: peek_debug(tid, 7)?,
    })
}

/// DR6 of a thread, 0 when it cannot be read.
pub(crate) fn dr6(tid: i32) -> u64 {
    peek_debug(tid, 6).unwrap_or(0)
}

/// Put back a thread's DR6 (a single step the debugger made for its own purposes sets BS in it).
pub(crate) fn set_dr6(tid: i32, value: u64) -> nix::Result<()> {
    poke_debug(tid, 6, value)
}

/// Set the debug registers: DR7 is cleared first, so no half-set breakpoint is ever armed, and written last.
pub(crate) fn set_debug(tid: i32, regs: &DebugRegisters) -> nix::Result<()> {
    let old = get_debug(tid)?;
    if old == *regs {
        return Ok(());
    }
    if old.dr7 != 0 {
        poke_debug(tid, 7, 0)?;
    }
    for (i, &address) in regs.dr.iter().enumerate() {
        if old.dr[i] != address {
            poke_debug(tid, i, address)?;
        }
    }
    if old.dr6 != regs.dr6 {
        poke_debug(tid, 6, regs.dr6)?;
    }
    if regs.dr7 != 0 {
        poke_debug(tid, 7, regs.dr7)?;
    }
    Ok(())
}
