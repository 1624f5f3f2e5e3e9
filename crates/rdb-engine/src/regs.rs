//! x86-64 register file, as every backend reports it, and access to registers by their names (including the
//! 32-, 16- and 8-bit parts) for the console and the expression evaluator.

/// The general, flags and segment registers of one thread.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Registers {
    pub rax: u64,
    pub rbx: u64,
    pub rcx: u64,
    pub rdx: u64,
    pub rsi: u64,
    pub rdi: u64,
    pub rbp: u64,
    pub rsp: u64,
    pub r8: u64,
    pub r9: u64,
    pub r10: u64,
    pub r11: u64,
    pub r12: u64,
    pub r13: u64,
    pub r14: u64,
    pub r15: u64,
    pub rip: u64,
    pub rflags: u64,
    pub cs: u16,
    pub ss: u16,
    pub ds: u16,
    pub es: u16,
    pub fs: u16,
    pub gs: u16,
    pub fs_base: u64,
    pub gs_base: u64,
    /// Linux's `orig_rax`: the system call a thread stopped in (`-1` for none), which decides whether the kernel
    /// restarts it when the thread runs on. Only a gdb client names it (it writes `-1` before calling a function in
    /// the debuggee); 0 where the OS has no such register.
    pub orig_rax: u64,
}

/// DR0–DR3 (addresses), DR6 (status) and DR7 (control).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DebugRegisters {
    pub dr: [u64; 4],
    pub dr6: u64,
    pub dr7: u64,
}

/// The trap flag in rflags.
pub const TRAP_FLAG: u64 = 1 << 8;
/// The resume flag in rflags: the next instruction does not raise an instruction breakpoint.
pub const RESUME_FLAG: u64 = 1 << 16;

/// Where a named register lives: which 64-bit register, and which bits of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Part {
    full: Full,
    shift: u32,
    bits: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Full {
    Gpr(usize),
    Rip,
    Rflags,
    Seg(usize),
    FsBase,
    GsBase,
    Dr(usize),
    Dr6,
    Dr7,
}

/// The 64-bit general registers in the order `r` prints them.
pub const GPR_NAMES: [&str; 16] =
    ["rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"];
/// For each encoding number, the index into `GPR_NAMES`.
const ENCODING_ORDER: [usize; 16] = [0, 2, 3, 1, 7, 6, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15];
const SEG_NAMES: [&str; 6] = ["cs", "ss", "ds", "es", "fs", "gs"];
/// The rflags fields WinDbg names: name, first bit, width.
const FLAG_BITS: [(&str, u32, u32); 10] = [
    ("cf", 0, 1),
    ("pf", 2, 1),
    ("af", 4, 1),
    ("zf", 6, 1),
    ("sf", 7, 1),
    ("tf", 8, 1),
    ("if", 9, 1),
    ("df", 10, 1),
    ("of", 11, 1),
    ("iopl", 12, 2),
];
/// The SSE control and status register: not in [`Registers`] but in the thread's floating-point state, which the
/// session reads for it.
pub const MXCSR: &str = "mxcsr";

fn part(name: &str) -> Option<Part> {
    let name = name.to_ascii_lowercase();
    let whole = |full| Some(Part { full, shift: 0, bits: 64 });
    if let Some(i) = GPR_NAMES.iter().position(|n| *n == name) {
        return whole(Full::Gpr(i));
    }
    if let Some(i) = SEG_NAMES.iter().position(|n| *n == name) {
        return Some(Part { full: Full::Seg(i), shift: 0, bits: 16 });
    }
    match name.as_str() {
        "rip" => return whole(Full::Rip),
        "eip" => return Some(Part { full: Full::Rip, shift: 0, bits: 32 }),
        "ip" => return Some(Part { full: Full::Rip, shift: 0, bits: 16 }),
        "rflags" | "efl" | "eflags" => return Some(Part { full: Full::Rflags, shift: 0, bits: 32 }),
        "fsbase" | "fs_base" => return whole(Full::FsBase),
        "gsbase" | "gs_base" => return whole(Full::GsBase),
        "dr0" => return whole(Full::Dr(0)),
        "dr1" => return whole(Full::Dr(1)),
        "dr2" => return whole(Full::Dr(2)),
        "dr3" => return whole(Full::Dr(3)),
        "dr6" => return whole(Full::Dr6),
        "dr7" => return whole(Full::Dr7),
        _ => {}
    }
    // The flags by name, as WinDbg names them (`r zf`, `r zf=1`, `@cf`): bits of rflags.
    if let Some(&(_, shift, bits)) = FLAG_BITS.iter().find(|(n, _, _)| *n == name) {
        return Some(Part { full: Full::Rflags, shift, bits });
    }
    // Legacy names: eax/ax/al/ah ... and r8d/r8w/r8b.
    const LEGACY: [(&str, &str, &str, &str, Option<&str>); 8] = [
        ("rax", "eax", "ax", "al", Some("ah")),
        ("rbx", "ebx", "bx", "bl", Some("bh")),
        ("rcx", "ecx", "cx", "cl", Some("ch")),
        ("rdx", "edx", "dx", "dl", Some("dh")),
        ("rsi", "esi", "si", "sil", None),
        ("rdi", "edi", "di", "dil", None),
        ("rbp", "ebp", "bp", "bpl", None),
        ("rsp", "esp", "sp", "spl", None),
    ];
    for (i, (_, e, x, l, h)) in LEGACY.iter().enumerate() {
        let full = Full::Gpr(i);
        if name == *e {
            return Some(Part { full, shift: 0, bits: 32 });
        }
        if name == *x {
            return Some(Part { full, shift: 0, bits: 16 });
        }
        if name == *l {
            return Some(Part { full, shift: 0, bits: 8 });
        }
        if Some(name.as_str()) == *h {
            return Some(Part { full, shift: 8, bits: 8 });
        }
    }
    for n in 8..16 {
        let base = format!("r{n}");
        let full = Full::Gpr(n);
        for (suffix, bits) in [("d", 32), ("w", 16), ("b", 8)] {
            if name == format!("{base}{suffix}") {
                return Some(Part { full, shift: 0, bits });
            }
        }
    }
    None
}

/// Whether `name` names a register (any width, any case).
pub fn is_register(name: &str) -> bool {
    part(name).is_some() || name.eq_ignore_ascii_case(MXCSR)
}

/// The width in bits of a named register (`eax` → 32), or `None` for an unknown name.
pub fn width(name: &str) -> Option<u32> {
    part(name).map(|p| p.bits).or_else(|| name.eq_ignore_ascii_case(MXCSR).then_some(32))
}

/// Where code running inside the debuggee finds a named register: a general register (by its number in the
/// instruction encoding), rip or rflags, and which bits of it. `None` for segment, base and debug registers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub whole: Whole,
    pub shift: u32,
    pub bits: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whole {
    /// A general register by encoding number (0 rax, 1 rcx, 2 rdx, 3 rbx, 4 rsp, … 15 r15).
    Gpr(u8),
    Rip,
    Rflags,
}

pub fn location(name: &str) -> Option<Location> {
    let p = part(name)?;
    let whole = match p.full {
        Full::Gpr(i) => Whole::Gpr(ENCODING_ORDER.iter().position(|&o| o == i)? as u8),
        Full::Rip => Whole::Rip,
        Full::Rflags => Whole::Rflags,
        _ => return None,
    };
    Some(Location { whole, shift: p.shift, bits: p.bits })
}

/// Whether the named register lives in the debug registers rather than the general context.
pub fn is_debug_register(name: &str) -> bool {
    matches!(part(name), Some(Part { full: Full::Dr(_) | Full::Dr6 | Full::Dr7, .. }))
}

impl Registers {
    fn gpr(&self, i: usize) -> u64 {
        [
            self.rax, self.rbx, self.rcx, self.rdx, self.rsi, self.rdi, self.rbp, self.rsp, self.r8, self.r9, self.r10,
            self.r11, self.r12, self.r13, self.r14, self.r15,
        ][i]
    }

    fn gpr_mut(&mut self, i: usize) -> &mut u64 {
        match i {
            0 => &mut self.rax,
            1 => &mut self.rbx,
            2 => &mut self.rcx,
            3 => &mut self.rdx,
            4 => &mut self.rsi,
            5 => &mut self.rdi,
            6 => &mut self.rbp,
            7 => &mut self.rsp,
            8 => &mut self.r8,
            9 => &mut self.r9,
            10 => &mut self.r10,
            11 => &mut self.r11,
            12 => &mut self.r12,
            13 => &mut self.r13,
            14 => &mut self.r14,
            _ => &mut self.r15,
        }
    }

    fn seg(&self, i: usize) -> u16 {
        [self.cs, self.ss, self.ds, self.es, self.fs, self.gs][i]
    }

    fn seg_mut(&mut self, i: usize) -> &mut u16 {
        match i {
            0 => &mut self.cs,
            1 => &mut self.ss,
            2 => &mut self.ds,
            3 => &mut self.es,
            4 => &mut self.fs,
            _ => &mut self.gs,
        }
    }

    /// A general register by its number in the x86 instruction encoding (0 rax, 1 rcx, 2 rdx, 3 rbx, 4 rsp,
    /// 5 rbp, 6 rsi, 7 rdi, 8–15 r8–r15), as unwind codes and `pop r` number them.
    pub fn by_encoding(&self, n: u8) -> Option<u64> {
        ENCODING_ORDER.get(usize::from(n)).map(|&i| self.gpr(i))
    }

    /// Set a general register by its encoding number; `false` for a number above 15.
    pub fn set_by_encoding(&mut self, n: u8, value: u64) -> bool {
        match ENCODING_ORDER.get(usize::from(n)) {
            Some(&i) => {
                *self.gpr_mut(i) = value;
                true
            }
            None => false,
        }
    }

    /// The value of a register by name (`rax`, `eax`, `al`, `r8d`, `rip`, `efl`, `cs`…), or `None` for an
    /// unknown name or a debug register.
    pub fn get(&self, name: &str) -> Option<u64> {
        let p = part(name)?;
        let full = match p.full {
            Full::Gpr(i) => self.gpr(i),
            Full::Rip => self.rip,
            Full::Rflags => self.rflags,
            Full::Seg(i) => u64::from(self.seg(i)),
            Full::FsBase => self.fs_base,
            Full::GsBase => self.gs_base,
            Full::Dr(_) | Full::Dr6 | Full::Dr7 => return None,
        };
        Some(extract(full, p))
    }

    /// Set a register by name; the other bits of a partial register keep their value. Returns `false` for an
    /// unknown name or a debug register.
    pub fn set(&mut self, name: &str, value: u64) -> bool {
        let Some(p) = part(name) else { return false };
        match p.full {
            Full::Gpr(i) => {
                let r = self.gpr_mut(i);
                // Writing a 32-bit register zero-extends, as the CPU does.
                *r = if p.bits == 32 { value & 0xffff_ffff } else { insert(*r, p, value) };
            }
            Full::Rip => self.rip = insert(self.rip, p, value),
            Full::Rflags => self.rflags = insert(self.rflags, p, value),
            Full::Seg(i) => *self.seg_mut(i) = value as u16,
            Full::FsBase => self.fs_base = value,
            Full::GsBase => self.gs_base = value,
            Full::Dr(_) | Full::Dr6 | Full::Dr7 => return false,
        }
        true
    }
}

impl DebugRegisters {
    pub fn get(&self, name: &str) -> Option<u64> {
        match part(name)?.full {
            Full::Dr(i) => Some(self.dr[i]),
            Full::Dr6 => Some(self.dr6),
            Full::Dr7 => Some(self.dr7),
            _ => None,
        }
    }

    pub fn set(&mut self, name: &str, value: u64) -> bool {
        match part(name).map(|p| p.full) {
            Some(Full::Dr(i)) => self.dr[i] = value,
            Some(Full::Dr6) => self.dr6 = value,
            Some(Full::Dr7) => self.dr7 = value,
            _ => return false,
        }
        true
    }
}

fn mask(bits: u32) -> u64 {
    if bits == 64 { u64::MAX } else { (1u64 << bits) - 1 }
}

fn extract(full: u64, p: Part) -> u64 {
    (full >> p.shift) & mask(p.bits)
}

fn insert(full: u64, p: Part, value: u64) -> u64 {
    let m = mask(p.bits) << p.shift;
    (full & !m) | ((value << p.shift) & m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_registers_read_and_write_their_bits() {
        let mut r = Registers { rax: 0x1122_3344_5566_7788, ..Default::default() };
        assert_eq!(r.get("eax"), Some(0x5566_7788));
        assert_eq!(r.get("ax"), Some(0x7788));
        assert_eq!(r.get("al"), Some(0x88));
        assert_eq!(r.get("ah"), Some(0x77));
        assert!(r.set("ah", 0xab));
        assert_eq!(r.rax, 0x1122_3344_5566_ab88);
        assert!(r.set("eax", 1));
        assert_eq!(r.rax, 1, "32-bit writes zero-extend");
        assert!(r.set("R9D", 5));
        assert_eq!(r.get("r9"), Some(5));
        assert_eq!(r.get("bogus"), None);
        assert!(!r.set("dr7", 1));
    }

    #[test]
    fn flags_by_name_are_bits_of_rflags() {
        let mut r = Registers { rflags: 0x246, ..Default::default() };
        assert_eq!(
            [r.get("zf"), r.get("pf"), r.get("if"), r.get("cf"), r.get("iopl")],
            [Some(1), Some(1), Some(1), Some(0), Some(0)]
        );
        assert!(r.set("zf", 0));
        assert!(r.set("CF", 1));
        assert_eq!(r.rflags, 0x207);
        assert_eq!(width("of"), Some(1));
        assert_eq!(width("mxcsr"), Some(32));
        assert_eq!(location("zf"), Some(Location { whole: Whole::Rflags, shift: 6, bits: 1 }));
    }

    #[test]
    fn encoding_numbers_follow_the_instruction_set() {
        let mut r = Registers { rcx: 1, rsp: 4, rdi: 7, r15: 15, ..Default::default() };
        assert_eq!(r.by_encoding(1), Some(1));
        assert_eq!(r.by_encoding(4), Some(4));
        assert_eq!(r.by_encoding(7), Some(7));
        assert_eq!(r.by_encoding(15), Some(15));
        assert_eq!(r.by_encoding(16), None);
        assert!(r.set_by_encoding(3, 0x33));
        assert_eq!(r.rbx, 0x33);
    }

    #[test]
    fn locations_name_the_encoding_and_the_bits() {
        assert_eq!(location("rax"), Some(Location { whole: Whole::Gpr(0), shift: 0, bits: 64 }));
        assert_eq!(location("ecx"), Some(Location { whole: Whole::Gpr(1), shift: 0, bits: 32 }));
        assert_eq!(location("bh"), Some(Location { whole: Whole::Gpr(3), shift: 8, bits: 8 }));
        assert_eq!(location("rsp"), Some(Location { whole: Whole::Gpr(4), shift: 0, bits: 64 }));
        assert_eq!(location("r13w"), Some(Location { whole: Whole::Gpr(13), shift: 0, bits: 16 }));
        assert_eq!(location("efl"), Some(Location { whole: Whole::Rflags, shift: 0, bits: 32 }));
        assert_eq!(location("rip").map(|l| l.whole), Some(Whole::Rip));
        assert_eq!(location("fs"), None);
        assert_eq!(location("dr7"), None);
    }

    #[test]
    fn debug_registers_by_name() {
        let mut d = DebugRegisters::default();
        assert!(d.set("dr2", 0x1000));
        assert_eq!(d.dr[2], 0x1000);
        assert_eq!(d.get("dr2"), Some(0x1000));
        assert!(is_debug_register("dr7"));
        assert!(!is_debug_register("rax"));
    }
}
