//! Reading a minidump's streams once, at open, through rust-minidump: what the target answers from then on, as
//! data of its own (the threads' contexts, the modules, the exception, the address space), and an index of the
//! memory ranges whose bytes stay in the mapped file. A stream that is missing or does not parse costs what it
//! held and one warning; only a file that is not a minidump at all, or one of a process rdb cannot debug, is
//! refused.

use std::path::{Path, PathBuf};

use minidump::format::{MINIDUMP_LOCATION_DESCRIPTOR, MINIDUMP_STREAM_TYPE as StreamType};
use minidump::system_info::{Cpu, Os};
use minidump::{
    Minidump, MinidumpException, MinidumpMemoryInfoList, MinidumpMiscInfo, MinidumpModuleList, MinidumpStream,
    MinidumpSystemInfo, MinidumpThreadList,
};
use rdb_engine::target::{Event, EventKind, Exception, ModuleRecord, Pid, Region, SnapshotOs, Tid};
use rdb_engine::{Error, Result};

use super::context::{self, Context};
use super::memory::{Builder, Memory};
use super::{exception, regions};

/// A thread as the dump recorded it.
pub(crate) struct Thread {
    pub tid: Tid,
    /// Its registers, when the dump holds a context for it that can be read.
    pub context: Option<Context>,
    /// Its TEB's address (Windows; 0 in a Linux dump).
    pub teb: u64,
}

/// Everything read from a dump's streams.
pub(crate) struct Parsed {
    pub os: SnapshotOs,
    /// Whether it holds all the process's memory (a Memory64List: `MiniDumpWithFullMemory`, `.dump /ma`).
    pub full_memory: bool,
    pub pid: Pid,
    pub threads: Vec<Thread>,
    pub memory: Memory,
    pub modules: Vec<ModuleRecord>,
    pub event: Option<Event>,
    pub exception_context: Option<Context>,
    pub regions: Vec<Region>,
    pub auxv: Option<Vec<u8>>,
    pub warnings: Vec<String>,
}

/// Linux's `AT_ENTRY`: the executable's entry point, in the auxiliary vector.
const AT_ENTRY: u64 = 9;
/// Where a TEB (x64) holds its process's PEB, and the PEB the executable's base.
const TEB_PEB: u64 = 0x60;
const PEB_IMAGE_BASE: u64 = 0x10;

/// The bytes a location descriptor names, as far as the file holds them.
fn located<'a>(file: &'a [u8], at: &MINIDUMP_LOCATION_DESCRIPTOR) -> &'a [u8] {
    let start = (at.rva as usize).min(file.len());
    let end = start.saturating_add(at.data_size as usize).min(file.len());
    &file[start..end]
}

/// Collects what a stream lacks.
struct Warnings(Vec<String>);

impl Warnings {
    /// The stream `S`, or `None` with a line saying why (`needed`: whether its absence is worth a word).
    fn stream<'a, S: MinidumpStream<'a>>(
        &mut self,
        dump: &'a Minidump<'a, &'a [u8]>,
        what: &str,
        needed: bool,
    ) -> Option<S> {
        match dump.get_stream::<S>() {
            Ok(s) => Some(s),
            Err(minidump::Error::StreamNotFound) => {
                if needed {
                    self.0.push(format!("the dump has no {what}"));
                }
                None
            }
            Err(e) => {
                self.0.push(format!("the dump's {what} cannot be read ({e})"));
                None
            }
        }
    }

    fn raw<'a>(&mut self, dump: &'a Minidump<'a, &'a [u8]>, stream: StreamType, what: &str) -> Option<&'a [u8]> {
        match dump.get_raw_stream(stream as u32) {
            Ok(bytes) => Some(bytes),
            Err(minidump::Error::StreamNotFound) => None,
            Err(e) => {
                self.0.push(format!("the dump's {what} cannot be read ({e})"));
                None
            }
        }
    }
}

/// Which OS a dump was written on, from its system information; a CPU or an OS rdb cannot debug is refused.
fn system(
    path: &Path,
    dump: &Minidump<'_, &[u8]>,
    info: Option<&MinidumpSystemInfo>,
    w: &mut Warnings,
) -> Result<SnapshotOs> {
    let Some(info) = info else {
        // Breakpad's own streams say Linux; a Windows dump has none of them.
        let linux = dump.all_streams().any(|s| s.stream_type & 0xffff_0000 == 0x4767_0000);
        let os = if linux { SnapshotOs::Linux } else { SnapshotOs::Windows };
        w.0.push(format!("the dump has no system information: read as an x86-64 {os:?} process"));
        return Ok(os);
    };
    if info.cpu != Cpu::X86_64 {
        return Err(Error::msg(format!(
            "{} is a minidump of a {} process: rdb debugs x86-64 processes only",
            path.display(),
            info.cpu
        )));
    }
    match info.os {
        Os::Windows => Ok(SnapshotOs::Windows),
        Os::Linux | Os::Android => Ok(SnapshotOs::Linux),
        other => Err(Error::msg(format!(
            "{} is a minidump of a {other} process: rdb reads minidumps of Windows and Linux processes",
            path.display()
        ))),
    }
}

pub(crate) fn read(path: &Path, file: &[u8]) -> Result<Parsed> {
    let dump = Minidump::read(file)
        .map_err(|e| Error::msg(format!("{} cannot be read as a minidump: {e}", path.display())))?;
    let mut w = Warnings(Vec::new());
    let info = w.stream::<MinidumpSystemInfo>(&dump, "system information", false);
    let os = system(path, &dump, info.as_ref(), &mut w)?;
    let file_len = file.len() as u64;

    let mut memory = Builder::default();
    if let Some(stream) = w.raw(&dump, StreamType::MemoryListStream, "memory list") {
        memory.memory_list(stream, file_len);
    }
    let full_memory = match w.raw(&dump, StreamType::Memory64ListStream, "full memory list") {
        Some(stream) => {
            memory.memory64_list(stream, file_len);
            true
        }
        None => false,
    };

    let mut threads = Vec::new();
    let mut contextless = 0;
    if let Some(list) = w.stream::<MinidumpThreadList>(&dump, "thread list", true) {
        for t in &list.threads {
            let raw = &t.raw;
            let teb = if os == SnapshotOs::Windows { raw.teb } else { 0 };
            let context = context::read(located(file, &raw.thread_context), teb);
            contextless += usize::from(context.is_none());
            if raw.stack.memory.rva != 0 {
                let stack = &raw.stack;
                memory.add(
                    stack.start_of_memory_range,
                    u64::from(stack.memory.data_size),
                    u64::from(stack.memory.rva),
                    file_len,
                );
            }
            threads.push(Thread { tid: raw.thread_id, context, teb });
        }
    }
    if contextless > 0 {
        w.0.push(format!("the dump holds no registers for {contextless} of its {} threads", threads.len()));
    }
    let (memory, shortfall) = memory.build();
    if shortfall.missing_bytes > 0 {
        w.0.push(format!(
            "{:#x} bytes of the memory the dump lists lie past the end of the file (a truncated dump?)",
            shortfall.missing_bytes
        ));
    }
    if shortfall.missing_descriptors > 0 {
        w.0.push(format!("{} memory ranges the dump counts are missing from its lists", shortfall.missing_descriptors));
    }

    let mut modules: Vec<ModuleRecord> = w
        .stream::<MinidumpModuleList>(&dump, "module list", true)
        .map(|list| {
            list.iter()
                .map(|m| ModuleRecord {
                    base: m.raw.base_of_image,
                    size: u64::from(m.raw.size_of_image),
                    path: PathBuf::from(&m.name),
                })
                .collect()
        })
        .unwrap_or_default();

    let auxv = w.raw(&dump, StreamType::LinuxAuxv, "auxiliary vector").map(<[u8]>::to_vec);
    let read_u64 = |address: u64| {
        let mut word = [0u8; 8];
        (memory.read(file, address, &mut word) == 8).then(|| u64::from_le_bytes(word))
    };
    // The executable first: the module the PEB names as the image (Windows), the one holding the entry point the
    // kernel gave the process (Linux), else the first listed (dbghelp lists the executable first).
    let main = match os {
        SnapshotOs::Windows => threads
            .iter()
            .find_map(|t| read_u64(t.teb.checked_add(TEB_PEB)?))
            .and_then(|peb| read_u64(peb.checked_add(PEB_IMAGE_BASE)?))
            .and_then(|base| modules.iter().position(|m| m.base == base)),
        SnapshotOs::Linux => auxv
            .as_deref()
            .and_then(auxv_entry)
            .and_then(|entry| modules.iter().position(|m| m.base <= entry && entry - m.base < m.size)),
    };
    if let Some(i) = main.filter(|&i| i > 0) {
        let exe = modules.remove(i);
        modules.insert(0, exe);
    }

    let pid = process_id(&dump, os, &mut w);

    let mut exception_context = None;
    let mut event = None;
    if let Some(e) = w.stream::<MinidumpException>(&dump, "exception", false) {
        let raw = &e.raw;
        let tid = raw.thread_id;
        let thread = threads.iter().find(|t| t.tid == tid);
        let teb = thread.map_or(0, |t| t.teb);
        exception_context = context::read(located(file, &raw.thread_context), teb);
        let record = &raw.exception_record;
        let rip = exception_context.or(thread.and_then(|t| t.context)).map_or(0, |c| c.registers.rip);
        let found = match os {
            SnapshotOs::Windows => {
                let n = (record.number_parameters as usize).min(record.exception_information.len());
                let kind = exception::windows(record.exception_code, &record.exception_information[..n]);
                Some((kind, record.exception_address))
            }
            SnapshotOs::Linux => {
                exception::linux(record.exception_code, record.exception_flags, record.exception_address, rip)
            }
        };
        event = found.map(|(kind, address)| Event {
            pid,
            tid,
            kind: EventKind::Exception(Exception { kind, address, first_chance: false }),
        });
    }

    let regions = address_space(&dump, os, &memory, &modules, &mut w);
    Ok(Parsed {
        os,
        full_memory,
        pid,
        threads,
        memory,
        modules,
        event,
        exception_context,
        regions,
        auxv,
        warnings: w.0,
    })
}

/// `AT_ENTRY`'s value in an auxiliary vector (pairs of 64-bit words).
fn auxv_entry(auxv: &[u8]) -> Option<u64> {
    auxv.chunks_exact(16).find_map(|pair| {
        let key = u64::from_le_bytes(pair[..8].try_into().ok()?);
        (key == AT_ENTRY).then(|| pair[8..].try_into().ok().map(u64::from_le_bytes)).flatten()
    })
}

/// The process's id: MiscInfo's (Windows, and Crashpad on Linux), else the `Pid:` line of Breakpad's copy of
/// `/proc/<pid>/status`.
fn process_id(dump: &Minidump<'_, &[u8]>, os: SnapshotOs, w: &mut Warnings) -> Pid {
    let misc = dump.get_stream::<MinidumpMiscInfo>().ok();
    if let Some(pid) = misc.as_ref().and_then(|m| m.raw.process_id().copied()) {
        return pid;
    }
    let status = dump.get_raw_stream(StreamType::LinuxProcStatus as u32).ok();
    let from_status = status.and_then(|text| {
        String::from_utf8_lossy(text).lines().find_map(|l| l.strip_prefix("Pid:").and_then(|p| p.trim().parse().ok()))
    });
    from_status.unwrap_or_else(|| {
        let source = if os == SnapshotOs::Windows { "misc information" } else { "process status" };
        w.0.push(format!("the dump has no process id (no {source}): shown as 0"));
        0
    })
}

/// The regions of the address space, from what the dump recorded of it.
fn address_space(
    dump: &Minidump<'_, &[u8]>,
    os: SnapshotOs,
    memory: &Memory,
    modules: &[ModuleRecord],
    w: &mut Warnings,
) -> Vec<Region> {
    if os == SnapshotOs::Windows {
        if let Ok(list) = dump.get_stream::<MinidumpMemoryInfoList>() {
            return list
                .iter()
                .filter_map(|i| {
                    let info = regions::WindowsInfo {
                        base: i.raw.base_address,
                        allocation_base: i.raw.allocation_base,
                        size: i.raw.region_size,
                        state: i.raw.state,
                        protection: i.raw.protection,
                        kind: i.raw._type,
                    };
                    regions::windows(&info, modules)
                })
                .collect();
        }
    } else if let Some(maps) = w.raw(dump, StreamType::LinuxMaps, "memory maps") {
        return regions::linux_maps(maps);
    }
    regions::from_ranges(memory.spans(), modules)
}
