//! The registers rdb offers a client, in gdb's numbering: one table gives the target description XML, the `g`
//! packet's layout and the `p`/`P` numbers, so the three cannot disagree. gdbstub_arch's x86-64 description lacks
//! the segment bases and Linux's `orig_rax`; without `orig_rax` gdb cannot call a function in a debuggee stopped in
//! a system call, and without `fs_base` it cannot read thread-local variables.

use std::num::NonZeroUsize;
use std::sync::OnceLock;

use rdb_engine::regs::Registers;
use rdb_engine::target::FloatRegisters;

/// Where one register of the description lives in the engine's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// A general register, by its index in gdb's order (rax rbx rcx rdx rsi rdi rbp rsp r8..r15).
    General(usize),
    Rip,
    Eflags,
    /// cs ss ds es fs gs.
    Segment(usize),
    /// st0..st7.
    St(usize),
    /// The x87 control registers: fctrl fstat ftag fiseg fioff foseg fooff fop.
    X87Control(usize),
    Xmm(usize),
    Mxcsr,
    OrigRax,
    FsBase,
    GsBase,
}

impl Slot {
    /// Whether the register lives in the x87/SSE state, which a target reads apart from the general registers.
    pub fn is_float(self) -> bool {
        matches!(self, Slot::St(_) | Slot::X87Control(_) | Slot::Xmm(_) | Slot::Mxcsr)
    }
}

/// One register as the client sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Register {
    pub name: &'static str,
    pub slot: Slot,
    pub bits: usize,
    /// Its type in the description XML.
    pub kind: &'static str,
    pub group: &'static str,
    /// The description feature it belongs to.
    pub feature: Feature,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    Core,
    Sse,
    Linux,
    Segments,
}

impl Feature {
    fn name(self) -> &'static str {
        match self {
            Feature::Core => "org.gnu.gdb.i386.core",
            Feature::Sse => "org.gnu.gdb.i386.sse",
            Feature::Linux => "org.gnu.gdb.i386.linux",
            Feature::Segments => "org.gnu.gdb.i386.segments",
        }
    }
}

const GENERAL: [&str; 16] =
    ["rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"];
const SEGMENTS: [&str; 6] = ["cs", "ss", "ds", "es", "fs", "gs"];
const ST: [&str; 8] = ["st0", "st1", "st2", "st3", "st4", "st5", "st6", "st7"];
const X87: [&str; 8] = ["fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg", "fooff", "fop"];
const XMM: [&str; 16] = [
    "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13",
    "xmm14", "xmm15",
];

/// Which OS's description: Linux adds `orig_rax` (gdb's number 57, before the segment bases, as gdbserver numbers it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    Linux,
    Windows,
}

/// The registers of `flavour`'s description, in gdb's order (the index is the register's number): built once, as
/// every register packet looks here.
pub fn table(flavour: Flavour) -> &'static [Register] {
    static LINUX: OnceLock<Vec<Register>> = OnceLock::new();
    static WINDOWS: OnceLock<Vec<Register>> = OnceLock::new();
    let cell = match flavour {
        Flavour::Linux => &LINUX,
        Flavour::Windows => &WINDOWS,
    };
    cell.get_or_init(|| build_table(flavour))
}

fn build_table(flavour: Flavour) -> Vec<Register> {
    let reg = |name, slot, bits, kind, group, feature| Register { name, slot, bits, kind, group, feature };
    let mut t = Vec::with_capacity(60);
    for (i, name) in GENERAL.iter().enumerate() {
        let kind = match *name {
            "rbp" | "rsp" => "data_ptr",
            _ => "int64",
        };
        t.push(reg(*name, Slot::General(i), 64, kind, "general", Feature::Core));
    }
    t.push(reg("rip", Slot::Rip, 64, "code_ptr", "general", Feature::Core));
    t.push(reg("eflags", Slot::Eflags, 32, "int32", "general", Feature::Core));
    for (i, name) in SEGMENTS.iter().enumerate() {
        t.push(reg(*name, Slot::Segment(i), 32, "int32", "general", Feature::Core));
    }
    for (i, name) in ST.iter().enumerate() {
        t.push(reg(*name, Slot::St(i), 80, "i387_ext", "float", Feature::Core));
    }
    for (i, name) in X87.iter().enumerate() {
        t.push(reg(*name, Slot::X87Control(i), 32, "int", "float", Feature::Core));
    }
    for (i, name) in XMM.iter().enumerate() {
        t.push(reg(*name, Slot::Xmm(i), 128, "vec128", "vector", Feature::Sse));
    }
    t.push(reg("mxcsr", Slot::Mxcsr, 32, "int", "vector", Feature::Sse));
    if flavour == Flavour::Linux {
        t.push(reg("orig_rax", Slot::OrigRax, 64, "int", "system", Feature::Linux));
    }
    t.push(reg("fs_base", Slot::FsBase, 64, "int", "system", Feature::Segments));
    t.push(reg("gs_base", Slot::GsBase, 64, "int", "system", Feature::Segments));
    t
}

/// The target description XML for `flavour` (`qXfer:features:read:target.xml`).
pub fn description(flavour: Flavour) -> String {
    let osabi = match flavour {
        Flavour::Linux => "GNU/Linux",
        Flavour::Windows => "Windows",
    };
    let mut xml = String::from(concat!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n",
        "<target version=\"1.0\">\n<architecture>i386:x86-64</architecture>\n"
    ));
    xml.push_str(&format!("<osabi>{osabi}</osabi>\n"));
    let table = table(flavour);
    for feature in [Feature::Core, Feature::Sse, Feature::Linux, Feature::Segments] {
        let mut regs = table.iter().enumerate().filter(|(_, r)| r.feature == feature).peekable();
        if regs.peek().is_none() {
            continue;
        }
        xml.push_str(&format!("<feature name=\"{}\">\n", feature.name()));
        if feature == Feature::Sse {
            xml.push_str(VEC128);
        }
        for (number, r) in regs {
            xml.push_str(&format!(
                "<reg name=\"{}\" bitsize=\"{}\" type=\"{}\" group=\"{}\" regnum=\"{number}\"/>\n",
                r.name, r.bits, r.kind, r.group
            ));
        }
        xml.push_str("</feature>\n");
    }
    xml.push_str("</target>\n");
    xml
}

/// The SSE registers' type, as gdb's own `64bit-sse.xml` defines it.
const VEC128: &str = concat!(
    "<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>\n",
    "<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>\n",
    "<vector id=\"v16i8\" type=\"int8\" count=\"16\"/>\n",
    "<vector id=\"v8i16\" type=\"int16\" count=\"8\"/>\n",
    "<vector id=\"v4i32\" type=\"int32\" count=\"4\"/>\n",
    "<vector id=\"v2i64\" type=\"int64\" count=\"2\"/>\n",
    "<union id=\"vec128\">\n",
    "<field name=\"v4_float\" type=\"v4f\"/>\n<field name=\"v2_double\" type=\"v2d\"/>\n",
    "<field name=\"v16_int8\" type=\"v16i8\"/>\n<field name=\"v8_int16\" type=\"v8i16\"/>\n",
    "<field name=\"v4_int32\" type=\"v4i32\"/>\n<field name=\"v2_int64\" type=\"v2i64\"/>\n",
    "<field name=\"uint128\" type=\"uint128\"/>\n",
    "</union>\n"
);

/// One thread's registers as a `g` packet carries them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RegisterFile {
    pub general: Registers,
    /// `None` where the target has no x87/SSE state to give: those registers read as unavailable (`x`).
    pub float: Option<FloatRegisters>,
    pub flavour: Option<Flavour>,
}

impl RegisterFile {
    /// The description's registers. gdbstub makes a `G` packet's file with `Default` (no flavour): it is this OS's.
    fn table(&self) -> &'static [Register] {
        table(self.flavour.unwrap_or(if cfg!(windows) { Flavour::Windows } else { Flavour::Linux }))
    }

    /// Register `r`'s bytes, little-endian, `None` when unknown.
    pub fn get(&self, r: &Register) -> Option<Vec<u8>> {
        let g = &self.general;
        let f = self.float.as_ref();
        let word = |v: u64| v.to_le_bytes()[..r.bits / 8].to_vec();
        Some(match r.slot {
            Slot::General(i) => word(general(g, i)?),
            Slot::Rip => word(g.rip),
            Slot::Eflags => word(g.rflags),
            Slot::Segment(i) => word(u64::from(segment(g, i)?)),
            Slot::St(i) => f?.st.get(i)?.to_vec(),
            Slot::X87Control(0) => word(u64::from(f?.fcw)),
            Slot::X87Control(1) => word(u64::from(f?.fsw)),
            Slot::X87Control(_) => {
                f?;
                word(0)
            }
            Slot::Xmm(i) => f?.xmm.get(i)?.to_vec(),
            Slot::Mxcsr => word(u64::from(f?.mxcsr)),
            Slot::OrigRax => word(g.orig_rax),
            Slot::FsBase => word(g.fs_base),
            Slot::GsBase => word(g.gs_base),
        })
    }

    /// Set register `r` from `bytes` (its size); `false` where it cannot be written: a size that is not its own, a
    /// register of the x87/SSE state where the target has none, or an x87 control register FXSAVE keeps in
    /// another form (the tag word, the instruction pointers) set to anything but what it holds.
    pub fn set(&mut self, r: &Register, bytes: &[u8]) -> bool {
        if bytes.len() != r.bits / 8 {
            return false;
        }
        let mut word = [0u8; 8];
        let n = bytes.len().min(8);
        word[..n].copy_from_slice(&bytes[..n]);
        let v = u64::from_le_bytes(word);
        let g = &mut self.general;
        match r.slot {
            Slot::General(i) => match general_mut(g, i) {
                Some(slot) => *slot = v,
                None => return false,
            },
            Slot::Rip => g.rip = v,
            Slot::Eflags => g.rflags = v,
            Slot::Segment(i) => match segment_mut(g, i) {
                Some(slot) => *slot = v as u16,
                None => return false,
            },
            Slot::OrigRax => g.orig_rax = v,
            Slot::FsBase => g.fs_base = v,
            Slot::GsBase => g.gs_base = v,
            Slot::St(_) | Slot::Xmm(_) | Slot::Mxcsr | Slot::X87Control(0 | 1) => {
                let Some(f) = self.float.as_mut() else { return false };
                match r.slot {
                    Slot::St(i) => match f.st.get_mut(i) {
                        Some(st) => st.copy_from_slice(bytes),
                        None => return false,
                    },
                    Slot::Xmm(i) => match f.xmm.get_mut(i) {
                        Some(xmm) => xmm.copy_from_slice(bytes),
                        None => return false,
                    },
                    Slot::Mxcsr => f.mxcsr = v as u32,
                    Slot::X87Control(0) => f.fcw = v as u16,
                    _ => f.fsw = v as u16,
                }
            }
            Slot::X87Control(_) => return self.get(r).as_deref() == Some(bytes),
        }
        true
    }
}

fn general(g: &Registers, i: usize) -> Option<u64> {
    let all =
        [g.rax, g.rbx, g.rcx, g.rdx, g.rsi, g.rdi, g.rbp, g.rsp, g.r8, g.r9, g.r10, g.r11, g.r12, g.r13, g.r14, g.r15];
    all.get(i).copied()
}

fn general_mut(g: &mut Registers, i: usize) -> Option<&mut u64> {
    let all = [
        &mut g.rax, &mut g.rbx, &mut g.rcx, &mut g.rdx, &mut g.rsi, &mut g.rdi, &mut g.rbp, &mut g.rsp, &mut g.r8,
        &mut g.r9, &mut g.r10, &mut g.r11, &mut g.r12, &mut g.r13, &mut g.r14, &mut g.r15,
    ];
    all.into_iter().nth(i)
}

fn segment(g: &Registers, i: usize) -> Option<u16> {
    [g.cs, g.ss, g.ds, g.es, g.fs, g.gs].get(i).copied()
}

fn segment_mut(g: &mut Registers, i: usize) -> Option<&mut u16> {
    [&mut g.cs, &mut g.ss, &mut g.ds, &mut g.es, &mut g.fs, &mut g.gs].into_iter().nth(i)
}

impl gdbstub::arch::Registers for RegisterFile {
    type ProgramCounter = u64;

    fn pc(&self) -> u64 {
        self.general.rip
    }

    fn gdb_serialize(&self, mut write_byte: impl FnMut(Option<u8>)) {
        for r in self.table() {
            match self.get(r) {
                Some(bytes) => bytes.into_iter().for_each(|b| write_byte(Some(b))),
                None => (0..r.bits / 8).for_each(|_| write_byte(None)),
            }
        }
    }

    fn gdb_deserialize(&mut self, bytes: &[u8]) -> Result<(), ()> {
        // A `G` packet carries the x87/SSE state whole.
        self.float.get_or_insert_default();
        let mut at = 0;
        for r in self.table() {
            let size = r.bits / 8;
            // A client may send fewer registers than described (gdb stops at the last it knows).
            let Some(value) = bytes.get(at..at + size) else { break };
            at += size;
            if !self.set(r, value) {
                return Err(());
            }
        }
        Ok(())
    }
}

/// A register's number in a `p`/`P` packet; its meaning (and size) depends on the description, which the target
/// knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegisterNumber(pub usize);

impl gdbstub::arch::RegId for RegisterNumber {
    fn from_raw_id(id: usize) -> Option<(Self, Option<NonZeroUsize>)> {
        Some((RegisterNumber(id), None))
    }
}

/// The architecture as gdbstub needs it: rdb's registers, x86's breakpoint kinds (the instruction length gdb
/// sends, ignored: an int3 is one byte).
pub enum X86_64 {}

impl gdbstub::arch::Arch for X86_64 {
    type Usize = u64;
    type Registers = RegisterFile;
    type BreakpointKind = usize;
    type RegId = RegisterNumber;
}

#[cfg(test)]
mod tests {
    use super::*;
    use gdbstub::arch::Registers as _;

    #[test]
    fn linux_numbers_match_gdbserver() {
        let t = table(Flavour::Linux);
        let number = |name: &str| t.iter().position(|r| r.name == name);
        assert_eq!(number("rip"), Some(16));
        assert_eq!(number("st0"), Some(24));
        assert_eq!(number("xmm0"), Some(40));
        assert_eq!(number("mxcsr"), Some(56));
        assert_eq!(number("orig_rax"), Some(57));
        assert_eq!(number("fs_base"), Some(58));
        assert_eq!(number("gs_base"), Some(59));
        assert_eq!(table(Flavour::Windows).iter().position(|r| r.name == "fs_base"), Some(57));
    }

    #[test]
    fn a_g_packet_round_trips() {
        let mut file = RegisterFile {
            general: Registers {
                rax: 1,
                rip: 0x401000,
                rflags: 0x246,
                cs: 0x33,
                orig_rax: u64::MAX,
                ..Default::default()
            },
            float: Some(FloatRegisters { mxcsr: 0x1f80, ..Default::default() }),
            flavour: Some(Flavour::Linux),
        };
        let mut bytes = Vec::new();
        file.gdb_serialize(|b| bytes.push(b.unwrap_or(0)));
        let size: usize = table(Flavour::Linux).iter().map(|r| r.bits / 8).sum();
        assert_eq!(bytes.len(), size);
        let before = file.clone();
        bytes[0] = 7;
        file.gdb_deserialize(&bytes).unwrap();
        assert_eq!(file.general.rax, 7);
        assert_eq!(file.general.orig_rax, u64::MAX);
        assert_eq!(file.float, before.float);
        // As gdbstub reads a `G` packet: into a default file.
        let mut fresh = RegisterFile::default();
        fresh.gdb_deserialize(&bytes).unwrap();
        assert_eq!(fresh.general, file.general);
        assert_eq!(fresh.float, file.float);
    }

    #[test]
    fn the_description_numbers_every_register() {
        let xml = description(Flavour::Linux);
        assert!(xml.contains("<reg name=\"orig_rax\" bitsize=\"64\" type=\"int\" group=\"system\" regnum=\"57\"/>"));
        assert_eq!(xml.matches("<reg ").count(), 60);
        assert!(!description(Flavour::Windows).contains("orig_rax"));
    }
}
