//! A minidump of a stopped process, from the engine's [`ProcessView`]: for a Linux process as Breakpad writes one
//! (SystemInfo with the Linux platform id, the exception as a signal, LinuxMaps and LinuxAuxv), for a Windows
//! process (where the OS's own writer is missing) with Windows' platform id and exception codes.
//!
//! Layout: the header and the stream directory first, then the streams, each at an aligned offset; the memory of
//! a full dump (Memory64List) last, since its data is addressed by 64-bit offsets and may pass 4 GiB. The structures
//! are minidump-common's, written with scroll.

use std::io::{Seek, SeekFrom, Write};

use minidump_common::format as md;
use rdb_engine::dump::{DumpThread, ProcessView};
use rdb_engine::target::{Exception, ExceptionKind, SnapshotOs};
use rdb_engine::{Error, Result};
use scroll::ctx::{SizeWith, TryIntoCtx};
use scroll::{LE, Pwrite};

/// What a stack holds in a dump at most (from the stack pointer up): enough for any sane call chain.
const MAX_STACK: u64 = 1 << 20;
/// Below the stack pointer, the red zone a leaf function keeps its locals in (System V).
const RED_ZONE: u64 = 128;
/// Bytes around an instruction pointer or a fault address kept by a small dump, on each side.
const AROUND: u64 = 256;
/// A full dump reads memory this much at a time.
const CHUNK: usize = 1 << 20;
/// Windows' VER_PLATFORM_WIN32_NT, as Windows writes it.
const PLATFORM_WIN32_NT: u32 = 2;

/// Write a minidump of `view` to `out`: every readable page when `full`, else stacks and a little memory.
pub fn write<W: Write + Seek>(view: &mut ProcessView<'_>, full: bool, out: &mut W) -> Result<()> {
    let mut w = Writer { out, pos: 0 };
    let linux = view.os == SnapshotOs::Linux;
    let mut streams: Vec<md::MINIDUMP_DIRECTORY> = Vec::new();
    let count = 5 + usize::from(linux) * 2 + usize::from(view.exception.is_some());
    // The header and directory are written last, once every stream's place is known.
    w.put(&vec![0u8; 32 + 12 * count])?;

    streams.push(dir(md::MINIDUMP_STREAM_TYPE::SystemInfoStream, system_info(&mut w, linux)?));
    let (threads_location, stacks, contexts) = thread_list(&mut w, view)?;
    streams.push(dir(md::MINIDUMP_STREAM_TYPE::ThreadListStream, threads_location));
    streams.push(dir(md::MINIDUMP_STREAM_TYPE::ModuleListStream, module_list(&mut w, view)?));
    if let Some(exception) = &view.exception {
        let context = view.threads.iter().position(|t| t.tid == exception.tid).and_then(|i| contexts.get(i).copied());
        let location = exception_stream(&mut w, exception.tid, &exception.exception, linux, context)?;
        streams.push(dir(md::MINIDUMP_STREAM_TYPE::ExceptionStream, location));
    }
    streams.push(dir(md::MINIDUMP_STREAM_TYPE::MiscInfoStream, misc_info(&mut w, view.pid)?));
    if linux {
        let maps = linux_maps(view);
        streams.push(dir(md::MINIDUMP_STREAM_TYPE::LinuxMaps, w.blob(maps.as_bytes(), 4)?));
        let auxv = view.auxv.clone().unwrap_or_default();
        streams.push(dir(md::MINIDUMP_STREAM_TYPE::LinuxAuxv, w.blob(&auxv, 8)?));
    }
    if full {
        streams.push(dir(md::MINIDUMP_STREAM_TYPE::Memory64ListStream, memory64_list(&mut w, view)?));
    } else {
        let extra = small_memory(&mut w, view, &stacks)?;
        let mut descriptors = stacks;
        descriptors.extend(extra);
        streams.push(dir(md::MINIDUMP_STREAM_TYPE::MemoryListStream, memory_list(&mut w, &descriptors)?));
    }
    debug_assert_eq!(streams.len(), count);

    let header = md::MINIDUMP_HEADER {
        signature: md::MINIDUMP_SIGNATURE,
        version: md::MINIDUMP_VERSION,
        stream_count: streams.len() as u32,
        stream_directory_rva: 32,
        checksum: 0,
        time_date_stamp: now(),
        flags: if full { 0x2 } else { 0 },
    };
    let mut head = encode(header)?;
    for s in streams {
        head.extend(encode(s)?);
    }
    w.out.seek(SeekFrom::Start(0)).map_err(io)?;
    w.out.write_all(&head).map_err(io)?;
    w.out.flush().map_err(io)
}

/// The file as it is written: where the next byte goes.
struct Writer<'a, W: Write + Seek> {
    out: &'a mut W,
    pos: u64,
}

impl<W: Write + Seek> Writer<'_, W> {
    fn put(&mut self, bytes: &[u8]) -> Result<u64> {
        let at = self.pos;
        self.out.write_all(bytes).map_err(io)?;
        self.pos += bytes.len() as u64;
        Ok(at)
    }

    fn align(&mut self, to: u64) -> Result<()> {
        let pad = (to - self.pos % to) % to;
        self.put(&vec![0u8; pad as usize]).map(|_| ())
    }

    /// `bytes` at an offset aligned to `align`, and where they are.
    fn blob(&mut self, bytes: &[u8], align: u64) -> Result<md::MINIDUMP_LOCATION_DESCRIPTOR> {
        self.align(align)?;
        let at = self.put(bytes)?;
        Ok(md::MINIDUMP_LOCATION_DESCRIPTOR { data_size: len32(bytes.len() as u64)?, rva: rva32(at)? })
    }

    fn structure<T: TryIntoCtx<scroll::Endian, Error = scroll::Error> + SizeWith<scroll::Endian>>(
        &mut self,
        value: T,
    ) -> Result<md::MINIDUMP_LOCATION_DESCRIPTOR> {
        self.blob(&encode(value)?, 8)
    }
}

fn encode<T: TryIntoCtx<scroll::Endian, Error = scroll::Error> + SizeWith<scroll::Endian>>(
    value: T,
) -> Result<Vec<u8>> {
    let mut buf = vec![0u8; T::size_with(&LE)];
    buf.pwrite_with(value, 0, LE).map_err(|e| Error::msg(format!("cannot lay out a minidump structure: {e}")))?;
    Ok(buf)
}

fn io(e: std::io::Error) -> Error {
    Error::msg(format!("cannot write the dump: {e}"))
}

fn rva32(at: u64) -> Result<u32> {
    u32::try_from(at).map_err(|_| Error::msg("the minidump's streams pass 4 GiB, more than the format addresses"))
}

fn len32(len: u64) -> Result<u32> {
    u32::try_from(len).map_err(|_| Error::msg("a minidump stream over 4 GiB"))
}

fn dir(kind: md::MINIDUMP_STREAM_TYPE, location: md::MINIDUMP_LOCATION_DESCRIPTOR) -> md::MINIDUMP_DIRECTORY {
    md::MINIDUMP_DIRECTORY { stream_type: kind as u32, location }
}

fn now() -> u32 {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    u32::try_from(secs).unwrap_or(u32::MAX)
}

/// A MINIDUMP_STRING: its length in bytes, UTF-16 and a terminating NUL.
fn string<W: Write + Seek>(w: &mut Writer<'_, W>, text: &str) -> Result<u32> {
    let units: Vec<u16> = text.encode_utf16().collect();
    let mut bytes = ((units.len() * 2) as u32).to_le_bytes().to_vec();
    bytes.extend(units.iter().flat_map(|u| u.to_le_bytes()));
    bytes.extend([0, 0]);
    w.blob(&bytes, 4).map(|l| l.rva)
}

fn system_info<W: Write + Seek>(w: &mut Writer<'_, W>, linux: bool) -> Result<md::MINIDUMP_LOCATION_DESCRIPTOR> {
    let csd = string(w, "")?;
    let info = md::MINIDUMP_SYSTEM_INFO {
        processor_architecture: md::ProcessorArchitecture::PROCESSOR_ARCHITECTURE_AMD64 as u16,
        processor_level: 6,
        processor_revision: 0,
        number_of_processors: std::thread::available_parallelism().map(|n| n.get().min(255) as u8).unwrap_or(1),
        product_type: if linux { 0 } else { 1 },
        major_version: 0,
        minor_version: 0,
        build_number: 0,
        platform_id: if linux { md::PlatformId::Linux as u32 } else { PLATFORM_WIN32_NT },
        csd_version_rva: csd,
        suite_mask: 0,
        reserved2: 0,
        cpu: md::CPU_INFORMATION { data: [0; 24] },
    };
    w.structure(info)
}

/// CONTEXT_AMD64 of a thread: integer, control, segment and (where the target gave them) x87/SSE registers.
fn context(thread: &DumpThread) -> md::CONTEXT_AMD64 {
    let r = &thread.registers;
    let flags = md::ContextFlagsAmd64::CONTEXT_AMD64_CONTROL
        | md::ContextFlagsAmd64::CONTEXT_AMD64_INTEGER
        | md::ContextFlagsAmd64::CONTEXT_AMD64_SEGMENTS;
    let mut c = md::CONTEXT_AMD64 {
        context_flags: flags.bits(),
        cs: r.cs,
        ds: r.ds,
        es: r.es,
        fs: r.fs,
        gs: r.gs,
        ss: r.ss,
        eflags: r.rflags as u32,
        rax: r.rax,
        rcx: r.rcx,
        rdx: r.rdx,
        rbx: r.rbx,
        rsp: r.rsp,
        rbp: r.rbp,
        rsi: r.rsi,
        rdi: r.rdi,
        r8: r.r8,
        r9: r.r9,
        r10: r.r10,
        r11: r.r11,
        r12: r.r12,
        r13: r.r13,
        r14: r.r14,
        r15: r.r15,
        rip: r.rip,
        ..md::CONTEXT_AMD64::default()
    };
    if let Some(float) = &thread.float {
        let mut area = [0u8; 512];
        if float.to_fxsave(&mut area) {
            c.float_save = area;
            c.mx_csr = float.mxcsr;
            c.context_flags |= md::ContextFlagsAmd64::CONTEXT_AMD64_FLOATING_POINT.bits();
        }
    }
    c
}

/// Read `[start, end)` of the process, as far as it reads from `start`.
fn read_range(view: &mut ProcessView<'_>, start: u64, end: u64) -> Vec<u8> {
    let mut bytes = vec![0u8; end.saturating_sub(start) as usize];
    let n = view.memory.read(start, &mut bytes).unwrap_or(0);
    bytes.truncate(n);
    bytes
}

/// The part of a thread's stack a dump keeps: from below the stack pointer (its red zone) to the end of the
/// stack's region, at most [`MAX_STACK`].
fn stack_range(view: &ProcessView<'_>, rsp: u64) -> Option<(u64, u64)> {
    let region = view.region_at(rsp)?;
    let start = rsp.saturating_sub(RED_ZONE).max(region.start);
    Some((start, region.end.min(rsp.saturating_add(MAX_STACK))))
}

type ThreadList =
    (md::MINIDUMP_LOCATION_DESCRIPTOR, Vec<md::MINIDUMP_MEMORY_DESCRIPTOR>, Vec<md::MINIDUMP_LOCATION_DESCRIPTOR>);

/// The thread list, each thread's context and stack memory written before it. Returns the list's place, the
/// stacks (for a small dump's memory list) and each thread's context.
fn thread_list<W: Write + Seek>(w: &mut Writer<'_, W>, view: &mut ProcessView<'_>) -> Result<ThreadList> {
    let mut entries = Vec::new();
    let mut stacks = Vec::new();
    let mut contexts = Vec::new();
    for i in 0..view.threads.len() {
        let thread = view.threads[i].clone();
        let ctx = w.structure(context(&thread))?;
        let stack = match stack_range(view, thread.registers.rsp) {
            Some((start, end)) => {
                let bytes = read_range(view, start, end);
                let location = w.blob(&bytes, 16)?;
                md::MINIDUMP_MEMORY_DESCRIPTOR { start_of_memory_range: start, memory: location }
            }
            None => md::MINIDUMP_MEMORY_DESCRIPTOR::default(),
        };
        if stack.memory.data_size > 0 {
            stacks.push(stack);
        }
        contexts.push(ctx);
        entries.push(md::MINIDUMP_THREAD {
            thread_id: thread.tid,
            suspend_count: 0,
            priority_class: 0,
            priority: 0,
            teb: thread.teb.unwrap_or(thread.registers.fs_base),
            stack,
            thread_context: ctx,
        });
    }
    let mut bytes = (entries.len() as u32).to_le_bytes().to_vec();
    for e in entries {
        bytes.extend(encode(e)?);
    }
    Ok((w.blob(&bytes, 8)?, stacks, contexts))
}

/// The module list; a Linux module's CodeView record is Breakpad's `BpEL` with its GNU build id, where it has one.
fn module_list<W: Write + Seek>(
    w: &mut Writer<'_, W>,
    view: &mut ProcessView<'_>,
) -> Result<md::MINIDUMP_LOCATION_DESCRIPTOR> {
    let mut entries = Vec::new();
    for i in 0..view.modules.len() {
        let m = view.modules[i].clone();
        let name = string(w, &m.path.to_string_lossy())?;
        let id =
            if view.os == SnapshotOs::Linux { super::build_id::build_id(view.memory.as_mut(), m.base) } else { None };
        let cv_record = match id {
            Some(id) => {
                let mut record = (md::CvSignature::Elf as u32).to_le_bytes().to_vec();
                record.extend(id);
                w.blob(&record, 4)?
            }
            None => md::MINIDUMP_LOCATION_DESCRIPTOR::default(),
        };
        entries.push(md::MINIDUMP_MODULE {
            base_of_image: m.base,
            size_of_image: u32::try_from(m.size).unwrap_or(u32::MAX),
            module_name_rva: name,
            cv_record,
            ..md::MINIDUMP_MODULE::default()
        });
    }
    let mut bytes = (entries.len() as u32).to_le_bytes().to_vec();
    for e in entries {
        bytes.extend(encode(e)?);
    }
    w.blob(&bytes, 8)
}

/// The signal a Linux process got for an exception, as Breakpad records it (its number is the exception code).
pub(super) fn signal_of(kind: &ExceptionKind) -> u32 {
    const SIGILL: i32 = 4;
    const SIGTRAP: i32 = 5;
    const SIGFPE: i32 = 8;
    const SIGSEGV: i32 = 11;
    let signo = match kind {
        ExceptionKind::Breakpoint | ExceptionKind::BreakIn | ExceptionKind::SingleStep { .. } => SIGTRAP,
        ExceptionKind::AccessViolation { signal, .. } => signal.unwrap_or(SIGSEGV),
        ExceptionKind::GuardPage { .. } => SIGSEGV,
        ExceptionKind::IllegalInstruction { signal } => signal.unwrap_or(SIGILL),
        ExceptionKind::IntegerDivideByZero { signal } => signal.unwrap_or(SIGFPE),
        ExceptionKind::Signal { signo } => *signo,
        ExceptionKind::Other { code, .. } => return *code,
    };
    signo as u32
}

/// The data address a fault was for, where the exception says.
fn fault_address(kind: &ExceptionKind) -> Option<u64> {
    match kind {
        ExceptionKind::AccessViolation { fault_address, .. } => *fault_address,
        ExceptionKind::GuardPage { fault_address, .. } => Some(*fault_address),
        _ => None,
    }
}

fn exception_stream<W: Write + Seek>(
    w: &mut Writer<'_, W>,
    tid: u32,
    exception: &Exception,
    linux: bool,
    context: Option<md::MINIDUMP_LOCATION_DESCRIPTOR>,
) -> Result<md::MINIDUMP_LOCATION_DESCRIPTOR> {
    let mut record = md::MINIDUMP_EXCEPTION::default();
    if linux {
        // Breakpad: the signal as the code, si_code as the flags, si_addr as the address.
        record.exception_code = signal_of(&exception.kind);
        record.exception_address = fault_address(&exception.kind).unwrap_or(exception.address);
    } else {
        record.exception_code = exception.kind.code();
        record.exception_address = exception.address;
        let parameters: Vec<u64> = match &exception.kind {
            ExceptionKind::AccessViolation { fault_address: Some(a), write, .. } => {
                vec![u64::from(write.unwrap_or(false)), *a]
            }
            ExceptionKind::Other { parameters, .. } => parameters.iter().take(15).copied().collect(),
            _ => Vec::new(),
        };
        record.number_parameters = parameters.len() as u32;
        record.exception_information[..parameters.len()].copy_from_slice(&parameters);
    }
    let stream = md::MINIDUMP_EXCEPTION_STREAM {
        thread_id: tid,
        __align: 0,
        exception_record: record,
        thread_context: context.unwrap_or_default(),
    };
    w.structure(stream)
}

fn misc_info<W: Write + Seek>(w: &mut Writer<'_, W>, pid: u32) -> Result<md::MINIDUMP_LOCATION_DESCRIPTOR> {
    let info = md::MINIDUMP_MISC_INFO {
        size_of_info: md::MINIDUMP_MISC_INFO::size_with(&LE) as u32,
        flags1: md::MiscInfoFlags::MINIDUMP_MISC1_PROCESS_ID.bits(),
        process_id: pid,
        process_create_time: 0,
        process_user_time: 0,
        process_kernel_time: 0,
    };
    w.structure(info)
}

/// `/proc/<pid>/maps` as the regions give it (no file offsets, devices or inodes: the engine has none).
fn linux_maps(view: &ProcessView<'_>) -> String {
    let flag = |on: bool, c: char| if on { c } else { '-' };
    let mut text = String::new();
    for r in &view.regions {
        let shared = if r.backing == rdb_engine::target::Backing::Mapped && !r.copy_on_write { 's' } else { 'p' };
        text.push_str(&format!(
            "{:08x}-{:08x} {}{}{}{} 00000000 00:00 0",
            r.start,
            r.end,
            flag(r.readable, 'r'),
            flag(r.writable, 'w'),
            flag(r.executable, 'x'),
            shared
        ));
        if let Some(name) = &r.name {
            text.push_str("                    ");
            text.push_str(name);
        }
        text.push('\n');
    }
    text
}

/// A small dump's memory beyond the stacks: around each thread's instruction pointer and around the fault
/// address, where not already in a stack.
fn small_memory<W: Write + Seek>(
    w: &mut Writer<'_, W>,
    view: &mut ProcessView<'_>,
    stacks: &[md::MINIDUMP_MEMORY_DESCRIPTOR],
) -> Result<Vec<md::MINIDUMP_MEMORY_DESCRIPTOR>> {
    let mut wanted: Vec<u64> = view.threads.iter().map(|t| t.registers.rip).collect();
    if let Some(a) = view.exception.as_ref().and_then(|e| fault_address(&e.exception.kind)) {
        wanted.push(a);
    }
    let mut ranges: Vec<(u64, u64)> = Vec::new();
    for address in wanted {
        let Some(region) = view.region_at(address).filter(|r| r.readable) else { continue };
        let start = address.saturating_sub(AROUND).max(region.start);
        let end = address.saturating_add(AROUND).min(region.end);
        ranges.push((start, end));
    }
    ranges.sort_unstable();
    let mut merged: Vec<(u64, u64)> = Vec::new();
    for (s, e) in ranges {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    let in_stack = |s: u64, e: u64| {
        stacks
            .iter()
            .any(|d| d.start_of_memory_range <= s && e <= d.start_of_memory_range + u64::from(d.memory.data_size))
    };
    let mut out = Vec::new();
    for (s, e) in merged {
        if in_stack(s, e) {
            continue;
        }
        let bytes = read_range(view, s, e);
        if bytes.is_empty() {
            continue;
        }
        let location = w.blob(&bytes, 16)?;
        out.push(md::MINIDUMP_MEMORY_DESCRIPTOR { start_of_memory_range: s, memory: location });
    }
    Ok(out)
}

fn memory_list<W: Write + Seek>(
    w: &mut Writer<'_, W>,
    descriptors: &[md::MINIDUMP_MEMORY_DESCRIPTOR],
) -> Result<md::MINIDUMP_LOCATION_DESCRIPTOR> {
    let mut bytes = (descriptors.len() as u32).to_le_bytes().to_vec();
    for d in descriptors {
        bytes.extend(encode(*d)?);
    }
    w.blob(&bytes, 8)
}

/// Every readable page, as Memory64List: the list (its count and descriptors) before the data, which follows it
/// contiguously. The count is not known before reading (a page that does not read ends a range), so room is kept
/// for one descriptor per region and some to spare, and the ranges past that room are left out.
fn memory64_list<W: Write + Seek>(
    w: &mut Writer<'_, W>,
    view: &mut ProcessView<'_>,
) -> Result<md::MINIDUMP_LOCATION_DESCRIPTOR> {
    let spans: Vec<(u64, u64)> = view.dumpable_regions().map(|r| (r.start, r.end)).collect();
    let room = spans.len() + 256;
    w.align(8)?;
    let list_at = w.pos;
    w.put(&vec![0u8; 16 + 16 * room])?;
    let base = w.pos;
    let mut descriptors: Vec<md::MINIDUMP_MEMORY_DESCRIPTOR64> = Vec::new();
    let mut buf = vec![0u8; CHUNK];
    for (start, end) in spans {
        let mut at = start;
        // A range being read: (start, bytes so far).
        let mut open: Option<(u64, u64)> = None;
        while at < end {
            let want = (end - at).min(CHUNK as u64) as usize;
            match view.memory.read(at, &mut buf[..want]) {
                Ok(n) if n > 0 => {
                    if open.is_none() {
                        if descriptors.len() + 1 > room {
                            break;
                        }
                        open = Some((at, 0));
                    }
                    w.put(&buf[..n])?;
                    if let Some((_, len)) = open.as_mut() {
                        *len += n as u64;
                    }
                    at += n as u64;
                }
                _ => {
                    // This page does not read: close the range and go on at the next page.
                    if let Some((s, len)) = open.take() {
                        descriptors.push(md::MINIDUMP_MEMORY_DESCRIPTOR64 { start_of_memory_range: s, data_size: len });
                    }
                    at = (at | 0xfff) + 1;
                }
            }
        }
        if let Some((s, len)) = open.take() {
            descriptors.push(md::MINIDUMP_MEMORY_DESCRIPTOR64 { start_of_memory_range: s, data_size: len });
        }
    }
    let end = w.pos;
    let mut list = (descriptors.len() as u64).to_le_bytes().to_vec();
    list.extend(base.to_le_bytes());
    for d in &descriptors {
        list.extend(encode(*d)?);
    }
    w.out.seek(SeekFrom::Start(list_at)).map_err(io)?;
    w.out.write_all(&list).map_err(io)?;
    w.out.seek(SeekFrom::Start(end)).map_err(io)?;
    Ok(md::MINIDUMP_LOCATION_DESCRIPTOR { data_size: len32(list.len() as u64)?, rva: rva32(list_at)? })
}
