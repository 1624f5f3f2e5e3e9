//! The contents of a core's notes, as x86-64 Linux lays out the structures (`elf_prpsinfo`, `elf_prstatus`,
//! `siginfo_t`, `NT_FILE`'s table). Each structure is built field by field in its C declaration's order, every
//! field at the alignment the x86-64 ABI gives it, so no offset is counted by hand (the reader in `core_file`
//! names the offsets it reads; the round trip in `write/tests.rs` holds the two together).

use rdb_engine::dump::{DumpException, MappedRange};
use rdb_engine::regs::Registers;
use rdb_engine::target::{ExceptionKind, FloatRegisters};

/// The sizes of the structures on x86-64.
pub(super) const PRPSINFO_SIZE: usize = 136;
pub(super) const PRSTATUS_SIZE: usize = 336;
pub(super) const SIGINFO_SIZE: usize = 128;
pub(super) const FXSAVE_SIZE: usize = 512;
pub(super) const PAGE: u64 = 0x1000;

const SIGILL: i32 = 4;
const SIGTRAP: i32 = 5;
const SIGBUS: i32 = 7;
const SIGFPE: i32 = 8;
const SIGSEGV: i32 = 11;
/// si_code values (`asm-generic/siginfo.h`): sent by a process, raised by the kernel with no code of its own,
/// and the codes of the faults.
const SI_USER: i32 = 0;
const SI_KERNEL: i32 = 0x80;
const SEGV_MAPERR: i32 = 1;
const SEGV_ACCERR: i32 = 2;
const BUS_ADRERR: i32 = 2;
const ILL_ILLOPN: i32 = 2;
const FPE_INTDIV: i32 = 1;
const TRAP_TRACE: i32 = 2;
const TRAP_HWBKPT: i32 = 4;
/// dr6's bits for debug registers 0–3: a hardware breakpoint fired rather than the trap flag.
const DR6_HIT: u64 = 0xf;

/// A C structure's bytes, field after field, each at its natural alignment.
struct Fields(Vec<u8>);

impl Fields {
    fn new() -> Fields {
        Fields(Vec::new())
    }

    fn align(mut self, to: usize) -> Fields {
        let len = self.0.len().next_multiple_of(to);
        self.0.resize(len, 0);
        self
    }

    fn u8(mut self, v: u8) -> Fields {
        self.0.push(v);
        self
    }

    fn i16(self, v: i16) -> Fields {
        let mut f = self.align(2);
        f.0.extend(v.to_le_bytes());
        f
    }

    fn u32(self, v: u32) -> Fields {
        let mut f = self.align(4);
        f.0.extend(v.to_le_bytes());
        f
    }

    fn i32(self, v: i32) -> Fields {
        self.u32(v as u32)
    }

    fn u64(self, v: u64) -> Fields {
        let mut f = self.align(8);
        f.0.extend(v.to_le_bytes());
        f
    }

    /// A `char[len]`: `text` cut to `len - 1` bytes and NUL-terminated, as the kernel fills `pr_fname` and
    /// `pr_psargs`.
    fn chars(mut self, text: &[u8], len: usize) -> Fields {
        let kept = &text[..text.len().min(len - 1)];
        self.0.extend(kept);
        self.0.resize(self.0.len() + len - kept.len(), 0);
        self
    }

    /// The structure padded to `size` (its alignment's tail, or a union's unused part).
    fn end(mut self, size: usize) -> Vec<u8> {
        debug_assert!(self.0.len() <= size, "{} > {size}", self.0.len());
        self.0.resize(size, 0);
        self.0
    }
}

/// What the process note says: its pid, the executable's name (`pr_fname`, 15 bytes at most) and its command
/// line (`pr_psargs`, 79 at most).
pub(super) fn prpsinfo(pid: u32, comm: &[u8], psargs: &[u8]) -> Vec<u8> {
    // pr_sname 't': stopped by its tracer, as /proc/<pid>/stat says of a process stopped in a debugger; pr_state
    // is the kernel's index of that state ("RSDTZW": T).
    Fields::new()
        .u8(3) // pr_state
        .u8(b't') // pr_sname
        .u8(0) // pr_zomb
        .u8(0) // pr_nice
        .u64(0) // pr_flag
        .u32(0) // pr_uid
        .u32(0) // pr_gid
        .u32(pid)
        .u32(0) // pr_ppid
        .u32(pid) // pr_pgrp
        .u32(0) // pr_sid
        .chars(comm, 16)
        .chars(psargs, 80)
        .end(PRPSINFO_SIZE)
}

/// A thread's status note: the signal the process stopped for (every thread's note carries it, as the kernel
/// writes them), its tid, and its registers as `user_regs_struct` orders them.
pub(super) fn prstatus(tid: u32, pid: u32, signal: u32, registers: &Registers, fp_valid: bool) -> Vec<u8> {
    let mut f = Fields::new()
        .i32(signal as i32) // pr_info.si_signo
        .i32(0) // pr_info.si_code
        .i32(0) // pr_info.si_errno
        .i16(signal as i16) // pr_cursig
        .u64(0) // pr_sigpend
        .u64(0) // pr_sighold
        .u32(tid) // pr_pid
        .u32(0) // pr_ppid
        .u32(pid) // pr_pgrp
        .u32(0); // pr_sid
    // pr_utime, pr_stime, pr_cutime, pr_cstime: a timeval each, not known.
    for _ in 0..8 {
        f = f.u64(0);
    }
    for word in crate::user_regs::to_words(registers) {
        f = f.u64(word);
    }
    f.u32(u32::from(fp_valid)).end(PRSTATUS_SIZE)
}

/// The x87/SSE note (`user_fpregs_struct`, FXSAVE's layout), `None` if the registers do not fit one.
pub(super) fn fpregset(float: &FloatRegisters) -> Option<Vec<u8>> {
    let mut area = vec![0u8; FXSAVE_SIZE];
    float.to_fxsave(&mut area).then_some(area)
}

/// The event's `siginfo_t`: the signal, the code the kernel would have given it, and for a fault the address
/// (`si_addr`, where the union starts). `mapped(address)` says whether the process maps `address` (a fault there
/// was on its permissions, SEGV_ACCERR; elsewhere on a missing page, SEGV_MAPERR).
pub(super) fn siginfo(signal: u32, event: &DumpException, mapped: &dyn Fn(u64) -> bool) -> Vec<u8> {
    let address = event.exception.address;
    let (code, si_addr) = match &event.exception.kind {
        ExceptionKind::AccessViolation { fault_address: Some(at), .. } if signal as i32 == SIGBUS => (BUS_ADRERR, *at),
        ExceptionKind::AccessViolation { fault_address: Some(at), .. } => {
            (if mapped(*at) { SEGV_ACCERR } else { SEGV_MAPERR }, *at)
        }
        // No address of its own: a general-protection fault, which the kernel raises with SI_KERNEL.
        ExceptionKind::AccessViolation { fault_address: None, .. } => (SI_KERNEL, 0),
        ExceptionKind::GuardPage { fault_address, .. } => (SEGV_ACCERR, *fault_address),
        ExceptionKind::IllegalInstruction { .. } => (ILL_ILLOPN, address),
        ExceptionKind::IntegerDivideByZero { .. } => (FPE_INTDIV, address),
        ExceptionKind::Breakpoint => (SI_KERNEL, 0),
        ExceptionKind::SingleStep { dr6 } => (if dr6 & DR6_HIT != 0 { TRAP_HWBKPT } else { TRAP_TRACE }, address),
        // A signal another process sent (or rdb's break-in): no fault, no address.
        ExceptionKind::BreakIn | ExceptionKind::Signal { .. } | ExceptionKind::Other { .. } => (SI_USER, 0),
    };
    // Only the faults fill si_addr; for the others the union's first words are the sender's pid and uid, unknown.
    let fault = matches!(signal as i32, SIGSEGV | SIGBUS | SIGILL | SIGFPE | SIGTRAP) && code != SI_USER;
    Fields::new()
        .i32(signal as i32) // si_signo
        .i32(0) // si_errno
        .i32(code) // si_code
        .u64(if fault { si_addr } else { 0 })
        .end(SIGINFO_SIZE)
}

/// `NT_FILE`: the count and the page size, then (start, end, offset in pages) of each mapping, then their paths,
/// each ended by a NUL, all in address order as the kernel lists them. Where two ranges overlap (an image's
/// segments rounded out to whole pages can share a page) the later one starts where the earlier one ends, as the
/// kernel's list, one entry per mapping, never overlaps.
pub(super) fn mapped_files(ranges: &[MappedRange]) -> Vec<u8> {
    let mut sorted: Vec<&MappedRange> = ranges.iter().collect();
    sorted.sort_by_key(|r| (r.start, r.end));
    let mut kept: Vec<(u64, u64, u64, &MappedRange)> = Vec::with_capacity(sorted.len());
    let mut covered = 0u64;
    for r in sorted {
        let start = r.start.max(covered);
        if start >= r.end {
            continue;
        }
        // The offset in pages: a range the engine gave off a page boundary keeps its page.
        let offset = r.offset.saturating_add(start - r.start);
        kept.push((start, r.end, offset / PAGE, r));
        covered = r.end;
    }
    let mut desc = Vec::new();
    desc.extend((kept.len() as u64).to_le_bytes());
    desc.extend(PAGE.to_le_bytes());
    for (start, end, pages, _) in &kept {
        for word in [start, end, pages] {
            desc.extend(word.to_le_bytes());
        }
    }
    for (_, _, _, r) in &kept {
        desc.extend(path_bytes(&r.path));
        desc.push(0);
    }
    desc
}

/// A path's bytes as Linux holds them; on another OS (a core written there of a process it does not run, which the
/// engine does not offer) as text.
pub(super) fn path_bytes(path: &std::path::Path) -> Vec<u8> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().to_vec()
    }
    #[cfg(not(unix))]
    {
        path.to_string_lossy().into_owned().into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rdb_engine::target::Exception;

    #[test]
    fn structures_have_the_kernels_sizes_and_offsets() {
        let info = prpsinfo(42, b"a-name-longer-than-fifteen", b"/bin/x y");
        assert_eq!(info.len(), PRPSINFO_SIZE);
        assert_eq!(&info[24..28], &42u32.to_le_bytes(), "pr_pid");
        assert_eq!(&info[40..56], b"a-name-longer-t\0", "pr_fname: 15 bytes and a NUL");
        assert_eq!(&info[56..65], b"/bin/x y\0", "pr_psargs");
        let registers = Registers { rip: 0x1234, r15: 7, gs: 0x2b, ..Registers::default() };
        let status = prstatus(43, 42, 11, &registers, true);
        assert_eq!(status.len(), PRSTATUS_SIZE);
        assert_eq!(&status[12..14], &11i16.to_le_bytes(), "pr_cursig");
        assert_eq!(&status[32..36], &43u32.to_le_bytes(), "pr_pid");
        assert_eq!(&status[112..120], &7u64.to_le_bytes(), "pr_reg starts with r15");
        assert_eq!(&status[112 + 16 * 8..112 + 17 * 8], &0x1234u64.to_le_bytes(), "rip is the 17th word");
        assert_eq!(&status[112 + 26 * 8..112 + 27 * 8], &0x2bu64.to_le_bytes(), "gs is the last");
        assert_eq!(&status[328..332], &1u32.to_le_bytes(), "pr_fpvalid");
        let fault = ExceptionKind::AccessViolation { fault_address: Some(0x10), write: Some(true), signal: Some(11) };
        let event =
            DumpException { tid: 43, exception: Exception { kind: fault, address: 0x1234, first_chance: false } };
        let info = siginfo(11, &event, &|_| false);
        assert_eq!(info.len(), SIGINFO_SIZE);
        assert_eq!(
            (&info[0..4], &info[8..12], &info[16..24]),
            (&11u32.to_le_bytes()[..], &(SEGV_MAPERR as u32).to_le_bytes()[..], &0x10u64.to_le_bytes()[..])
        );
    }

    #[test]
    fn mapped_files_in_address_order_without_overlaps() {
        let range = |start, end, offset| MappedRange { start, end, offset, path: "/lib/x.so".into() };
        // The data segment rounded out to pages shares its first page with the text before it; each later range
        // starts where the one before it ends, its offset moved on as far.
        let desc = mapped_files(&[range(0x3000, 0x5000, 0x2000), range(0x1000, 0x4000, 0), range(0x1000, 0x2000, 0)]);
        let words: Vec<u64> =
            desc[..11 * 8].chunks_exact(8).map(|w| u64::from_le_bytes(w.try_into().unwrap())).collect();
        assert_eq!(words, [3, PAGE, 0x1000, 0x2000, 0, 0x2000, 0x4000, 1, 0x4000, 0x5000, 3]);
        assert_eq!(&desc[11 * 8..], b"/lib/x.so\0/lib/x.so\0/lib/x.so\0");
    }
}
