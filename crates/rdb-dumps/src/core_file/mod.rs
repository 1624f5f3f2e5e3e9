//! ELF core files (the kernel's, gdb's `gcore`, rdb's own) as targets: x86-64 Linux processes that only read.
//!
//! The headers and notes are read at open; memory is read from the file's mapped bytes when asked
//! (`memory.rs`). A core that is cut short opens with what it holds and says what it lost
//! ([`Snapshot::warnings`]); a note that does not parse is left out, with a warning.

mod mapped_files;
mod memory;
mod notes;
#[cfg(test)]
mod tests;

use std::path::Path;

use object::Endianness;
use object::elf;
use object::read::elf::{FileHeader, ProgramHeader};

use rdb_engine::regs::Registers;
use rdb_engine::symbols::source::FileBytes;
use rdb_engine::target::{
    Backing, Event, EventKind, Exception, FloatRegisters, ModuleRecord, Pid, Region, RegionRole, Snapshot,
    SnapshotFormat, SnapshotOs, Target, Tid, VectorRegisters,
};
use rdb_engine::{Error, Result};

use memory::{Memory, Segment};
use notes::{Notes, Thread};

/// The auxiliary vector's entries for the program's entry point, the vDSO's base, and the program's path as
/// exec'd (a string the kernel put on the main thread's stack).
const AT_ENTRY: u64 = 9;
const AT_SYSINFO_EHDR: u64 = 33;
const AT_EXECFN: u64 = 31;

pub(crate) fn open(path: &Path, bytes: FileBytes) -> Result<Box<dyn Target>> {
    Ok(Box::new(CoreFile::read(path, bytes)?))
}

/// An opened core file.
pub(crate) struct CoreFile {
    bytes: FileBytes,
    memory: Memory,
    notes: Notes,
    modules: Vec<ModuleRecord>,
    warnings: Vec<String>,
}

impl CoreFile {
    fn read(path: &Path, bytes: FileBytes) -> Result<CoreFile> {
        let name = path.display();
        check_machine(&bytes)
            .map_err(|what| Error::msg(format!("{name} is {what}: rdb reads x86-64 core files only")))?;
        let header = elf::FileHeader64::<Endianness>::parse(&bytes[..])
            .map_err(|_| Error::msg(format!("{name} is cut short inside its ELF header")))?;
        let endian = Endianness::Little;
        let headers = header.program_headers(endian, &bytes[..]).map_err(|_| {
            Error::msg(format!(
                "{name} is cut short (or corrupt) before the end of its program headers: nothing in it can be read"
            ))
        })?;
        let file_len = bytes.len() as u64;
        let mut notes = Notes::default();
        let mut segments = Vec::new();
        let (mut loads, mut cut) = (0usize, 0usize);
        let mut notes_cut = false;
        for ph in headers {
            let offset = ph.p_offset(endian);
            let filesz = ph.p_filesz(endian);
            let held = filesz.min(file_len.saturating_sub(offset));
            match ph.p_type(endian) {
                elf::PT_NOTE => {
                    notes_cut |= held < filesz;
                    // In range: held is 0 unless offset < file_len.
                    let from = offset.min(file_len) as usize;
                    notes.read_segment(&bytes[from..from + held as usize], ph.p_align(endian));
                }
                elf::PT_LOAD => {
                    let start = ph.p_vaddr(endian);
                    let memsz = ph.p_memsz(endian);
                    let end = start.saturating_add(memsz);
                    let flags = ph.p_flags(endian);
                    loads += usize::from(filesz > 0);
                    cut += usize::from(held < filesz.min(memsz));
                    segments.push(Segment {
                        start,
                        end,
                        offset: offset.min(file_len) as usize,
                        recorded: held.min(memsz),
                        readable: flags.contains(elf::PF_R),
                        writable: flags.contains(elf::PF_W),
                        executable: flags.contains(elf::PF_X),
                    });
                }
                _ => {}
            }
        }
        let mut warnings = Vec::new();
        if cut > 0 {
            warnings.push(format!(
                "core is truncated: {cut} of {loads} memory segments are cut short; their memory reads as missing"
            ));
        }
        if notes_cut {
            warnings.push("core is truncated inside its notes: what they held after the cut is not known".to_string());
        }
        warnings.append(&mut notes.warnings);
        if notes.threads.is_empty() {
            warnings.push("the core records no thread (no NT_PRSTATUS note): there are no registers".to_string());
        }
        let memory = Memory::new(segments);
        let entry = notes.auxv.as_deref().and_then(|auxv| auxv_entry(auxv, AT_ENTRY));
        let modules = mapped_files::modules(&notes.files, entry, notes.program_name.as_deref(), &mut |mappings| {
            match mappings.first().and_then(|head| memory.is_elf_image(&bytes, head.start)) {
                Some(image) => image,
                // The core left the file's first page out (the kernel and gdb keep it for an ELF file, unless the
                // process's coredump_filter says otherwise): a file with code mapped is an image, a data file none.
                None => mappings.iter().any(|m| memory.executable(m.start)),
            }
        });
        Ok(CoreFile { bytes, memory, notes, modules, warnings })
    }

    fn thread(&self, tid: Tid) -> Result<&Thread> {
        self.notes.threads.iter().find(|t| t.tid == tid).ok_or(Error::NoSuchThread(tid))
    }
}

/// Whether the file is a core rdb reads (ELF64, little-endian, x86-64); else what it is, in a few words.
fn check_machine(bytes: &[u8]) -> std::result::Result<(), String> {
    const EM_X86_64: u16 = 62;
    // e_ident's class (1: ELF32, 2: ELF64) and data encoding (1: little-endian, 2: big-endian).
    match (bytes.get(4), bytes.get(5)) {
        (Some(2), Some(1)) => {}
        (Some(1), _) => return Err("a 32-bit (ELF32) core file".to_string()),
        (Some(2), Some(2)) => return Err("a big-endian core file".to_string()),
        _ => return Err("an ELF core file of an unknown class".to_string()),
    }
    let machine = bytes.get(18..20).map(|b| u16::from_le_bytes([b[0], b[1]]));
    match machine {
        Some(EM_X86_64) => Ok(()),
        Some(m) => Err(format!("a core file of another machine ({})", machine_name(m))),
        None => Err("an ELF core file cut short inside its header".to_string()),
    }
}

fn machine_name(machine: u16) -> String {
    let name = match machine {
        3 => "i386",
        8 => "MIPS",
        21 => "PowerPC 64",
        22 => "s390",
        40 => "ARM",
        183 => "AArch64",
        243 => "RISC-V",
        258 => "LoongArch",
        _ => return format!("e_machine {machine}"),
    };
    format!("{name}, e_machine {machine}")
}

/// The value of entry `key` in an auxiliary vector (pairs of 64-bit words, ended by AT_NULL).
fn auxv_entry(auxv: &[u8], key: u64) -> Option<u64> {
    let word = |b: &[u8]| u64::from_le_bytes(b.try_into().unwrap_or_default());
    auxv.chunks_exact(16)
        .map(|pair| (word(&pair[..8]), word(&pair[8..])))
        .take_while(|(k, _)| *k != 0)
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v)
}

impl Target for CoreFile {
    fn pid(&self) -> Pid {
        self.notes.pid.or_else(|| self.notes.threads.first().map(|t| t.tid)).unwrap_or(0)
    }

    fn read_memory(&mut self, address: u64, buf: &mut [u8]) -> Result<usize> {
        self.memory.read(&self.bytes, address, buf)
    }

    fn registers(&mut self, tid: Tid) -> Result<Registers> {
        self.thread(tid).map(|t| t.registers)
    }

    fn threads(&self) -> Vec<Tid> {
        self.notes.threads.iter().map(|t| t.tid).collect()
    }

    fn memory_regions(&mut self) -> Result<Vec<Region>> {
        let files = &self.notes.files;
        // The kernel's names for what it set up itself, as /proc/pid/maps gives them to the live backend.
        let auxv = self.notes.auxv.as_deref().unwrap_or_default();
        let vdso = auxv_entry(auxv, AT_SYSINFO_EHDR);
        let stack_string = auxv_entry(auxv, AT_EXECFN);
        Ok(self
            .memory
            .segments()
            .iter()
            .map(|s| {
                let file = mapped_files::file_at(files, s.start);
                let (kernel_name, role) = if vdso == Some(s.start) {
                    (Some("[vdso]"), None)
                } else if stack_string.is_some_and(|a| (s.start..s.end).contains(&a)) {
                    (Some("[stack]"), Some(RegionRole::Stack))
                } else {
                    (None, None)
                };
                Region {
                    start: s.start,
                    end: s.end,
                    readable: s.readable,
                    writable: s.writable,
                    executable: s.executable,
                    name: file.map(mapped_files::region_name).or(kernel_name.map(String::from)),
                    role,
                    backing: if file.is_some() { Backing::Mapped } else { Backing::Private },
                    ..Region::default()
                }
            })
            .collect())
    }

    fn snapshot(&mut self) -> Option<&mut dyn Snapshot> {
        Some(self)
    }

    fn vector_registers(&mut self) -> Option<&mut dyn VectorRegisters> {
        Some(self)
    }

    fn auxiliary_vector(&mut self) -> Result<Option<Vec<u8>>> {
        Ok(self.notes.auxv.clone())
    }
}

impl Snapshot for CoreFile {
    fn modules(&mut self) -> Vec<ModuleRecord> {
        self.modules.clone()
    }

    /// The signal of the first thread (the kernel's dumping thread; gdb's signalled one), as an exception the
    /// process did not survive (for a gcore: the signal it was stopped by).
    fn event(&mut self) -> Option<Event> {
        let first = self.notes.threads.first()?;
        if first.signal.signo <= 0 {
            return None;
        }
        let kind = crate::linux_signal::exception_kind(first.signal);
        let exception = Exception { kind, address: first.registers.rip, first_chance: false };
        Some(Event { pid: self.pid(), tid: first.tid, kind: EventKind::Exception(exception) })
    }

    fn warnings(&mut self) -> Vec<String> {
        self.warnings.clone()
    }

    fn os(&mut self) -> SnapshotOs {
        SnapshotOs::Linux
    }

    fn format(&mut self) -> SnapshotFormat {
        SnapshotFormat::CoreFile
    }
}

impl VectorRegisters for CoreFile {
    fn float_registers(&mut self, tid: Tid) -> Result<FloatRegisters> {
        self.thread(tid)?
            .float
            .ok_or_else(|| Error::msg(format!("the core did not record the x87 and SSE registers of thread {tid:#x}")))
    }

    fn set_float_registers(&mut self, _tid: Tid, _regs: &FloatRegisters) -> Result<()> {
        Err(Error::msg("a core file cannot be changed"))
    }

    fn avx_upper(&mut self, tid: Tid) -> Result<Option<[[u8; 16]; 16]>> {
        Ok(self.thread(tid)?.avx_upper)
    }
}
