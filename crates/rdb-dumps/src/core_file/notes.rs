//! The notes of a core file (`PT_NOTE`): threads and their registers, the process, the signal, the auxiliary
//! vector and the files mapped. Each note is read into data of its own at open (they are small); a note whose
//! contents do not parse is left out with a warning and the others are read.

use object::Endianness;
use object::elf;
use object::read::elf::NoteIterator;

use rdb_engine::regs::Registers;
use rdb_engine::target::FloatRegisters;

use super::mapped_files::{self, MappedFile};
use crate::linux_signal::Signal;

/// The note types a Linux core holds (`elf.h`).
const NT_PRSTATUS: u32 = 1;
const NT_PRFPREG: u32 = 2;
const NT_PRPSINFO: u32 = 3;
const NT_AUXV: u32 = 6;
const NT_X86_XSTATE: u32 = 0x202;
const NT_SIGINFO: u32 = 0x5349_4749;
const NT_FILE: u32 = 0x4649_4c45;

/// x86-64's `struct elf_prstatus`: `pr_cursig` after the 12-byte `elf_siginfo`, `pr_pid` after the two signal
/// sets, `pr_reg` (27 words of `user_regs_struct`) after the four `timeval`s.
const PR_CURSIG: usize = 12;
const PR_PID: usize = 32;
const PR_REG: usize = 112;
/// x86-64's `struct elf_prpsinfo`: `pr_pid` and `pr_fname[16]`.
const PSINFO_PID: usize = 24;
const PSINFO_FNAME: usize = 40;
/// In the XSAVE area's standard format: XSTATE_BV, the bit of AVX's component, and where that component (the
/// upper halves of ymm0–15) lies; as `rdb-linux`'s `regs.rs` reads it from ptrace.
const XSTATE_BV: usize = 512;
const AVX_BIT: u64 = 1 << 2;
const YMM_HI: usize = 576;

/// One thread as its notes recorded it.
#[derive(Debug, Clone)]
pub(super) struct Thread {
    pub tid: u32,
    pub registers: Registers,
    pub float: Option<FloatRegisters>,
    pub avx_upper: Option<[[u8; 16]; 16]>,
    /// The signal it was stopped by (`pr_cursig`, refined by its `NT_SIGINFO`), 0 for none.
    pub signal: Signal,
}

/// Everything the notes say.
#[derive(Debug, Default)]
pub(super) struct Notes {
    /// In the order of their notes: the kernel and gdb put the thread with the signal first.
    pub threads: Vec<Thread>,
    pub pid: Option<u32>,
    /// `pr_fname`: the executable's name, at most 15 bytes of it.
    pub program_name: Option<Vec<u8>>,
    pub auxv: Option<Vec<u8>>,
    pub files: Vec<MappedFile>,
    pub warnings: Vec<String>,
}

impl Notes {
    /// Read the notes of one `PT_NOTE` segment (`data`, cut short where the file is) into `self`.
    pub(super) fn read_segment(&mut self, data: &[u8], align: u64) {
        let Ok(mut notes) = NoteIterator::<elf::FileHeader64<Endianness>>::new(Endianness::Little, align, data) else {
            self.warnings.push(format!(
                "a note segment has an alignment of {align}, which no core file uses: its notes are not read"
            ));
            return;
        };
        loop {
            match notes.next() {
                Ok(Some(note)) => {
                    let endian = Endianness::Little;
                    self.read_note(note.name(), note.n_type(endian).0, note.desc());
                }
                Ok(None) => break,
                Err(e) => {
                    self.warnings.push(format!(
                        "the core's notes end in bytes that are no note ({e}): the notes after them are not read"
                    ));
                    break;
                }
            }
        }
    }

    fn read_note(&mut self, name: &[u8], kind: u32, desc: &[u8]) {
        match (name, kind) {
            (b"CORE", NT_PRSTATUS) => match prstatus(desc) {
                Some(thread) => self.threads.push(thread),
                None => self.bad("NT_PRSTATUS", desc, "a thread is left out"),
            },
            (b"CORE", NT_PRFPREG) => match (FloatRegisters::from_fxsave(desc), self.threads.last_mut()) {
                (Some(float), Some(thread)) => thread.float = Some(float),
                _ => self.bad("NT_PRFPREG", desc, "a thread's x87 and SSE registers are not known"),
            },
            (b"LINUX", NT_X86_XSTATE) => match (avx_upper(desc), self.threads.last_mut()) {
                (Some(upper), Some(thread)) => thread.avx_upper = Some(upper),
                // An area too small for AVX's component: a machine without AVX, nothing to say.
                (None, Some(_)) => {}
                (_, None) => self.bad("NT_X86_XSTATE", desc, "it names no thread"),
            },
            (b"CORE", NT_SIGINFO) => match (siginfo(desc), self.threads.last_mut()) {
                (Some(signal), Some(thread)) => {
                    // A siginfo with no signal (gdb writes one for a thread that stopped for none) says nothing.
                    if signal.signo != 0 {
                        thread.signal = signal;
                    }
                }
                _ => self.bad("NT_SIGINFO", desc, "the signal is known only by its number"),
            },
            (b"CORE", NT_PRPSINFO) => match (word32(desc, PSINFO_PID), desc.get(PSINFO_FNAME..PSINFO_FNAME + 16)) {
                (Some(pid), Some(fname)) => {
                    self.pid = Some(pid);
                    let end = fname.iter().position(|&b| b == 0).unwrap_or(fname.len());
                    self.program_name = Some(fname[..end].to_vec());
                }
                _ => self.bad("NT_PRPSINFO", desc, "the pid is the first thread's"),
            },
            (b"CORE", NT_AUXV) => self.auxv = Some(desc.to_vec()),
            (b"CORE", NT_FILE) => match mapped_files::parse(desc) {
                Some(files) => self.files = files,
                None => self.bad("NT_FILE", desc, "the modules are not known"),
            },
            _ => {}
        }
    }

    fn bad(&mut self, what: &str, desc: &[u8], consequence: &str) {
        self.warnings.push(format!("the core's {what} note ({} bytes) does not parse: {consequence}", desc.len()));
    }
}

fn word32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

fn word64(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(bytes.get(at..at.checked_add(8)?)?.try_into().ok()?))
}

/// A thread's `elf_prstatus`: its tid, the signal it stopped for, and its `user_regs_struct`.
fn prstatus(desc: &[u8]) -> Option<Thread> {
    let cursig = i16::from_le_bytes(desc.get(PR_CURSIG..PR_CURSIG + 2)?.try_into().ok()?);
    let tid = word32(desc, PR_PID)?;
    let mut reg = [0u64; crate::user_regs::WORDS];
    for (i, word) in reg.iter_mut().enumerate() {
        *word = word64(desc, PR_REG + 8 * i)?;
    }
    let registers = crate::user_regs::from_words(reg);
    let signal = Signal { signo: i32::from(cursig), info: None };
    Some(Thread { tid, registers, float: None, avx_upper: None, signal })
}

/// A `siginfo_t`: si_signo, si_code, and (for the faults, where the union starts) si_addr.
fn siginfo(desc: &[u8]) -> Option<Signal> {
    let signo = word32(desc, 0)? as i32;
    let code = word32(desc, 8)? as i32;
    let address = word64(desc, 16)?;
    Some(Signal { signo, info: Some((code, address)) })
}

/// The upper halves of ymm0–15 from an XSAVE area, `None` when the area is too small to hold them.
fn avx_upper(desc: &[u8]) -> Option<[[u8; 16]; 16]> {
    let bv = word64(desc, XSTATE_BV)?;
    let area = desc.get(YMM_HI..YMM_HI + 256)?;
    let mut upper = [[0u8; 16]; 16];
    // A component whose bit is clear is in its initial state: zeros.
    if bv & AVX_BIT != 0 {
        for (half, bytes) in upper.iter_mut().zip(area.chunks_exact(16)) {
            half.copy_from_slice(bytes);
        }
    }
    Some(upper)
}
