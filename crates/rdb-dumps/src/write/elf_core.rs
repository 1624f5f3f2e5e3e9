//! An ELF core file of a stopped Linux process, from the engine's [`ProcessView`], laid out as the Linux kernel
//! lays out a core: the ELF header, one PT_NOTE, one PT_LOAD per piece of memory, then the notes and, from the next
//! page boundary, the memory's bytes.
//!
//! The notes, in the kernel's order: the event's thread's NT_PRSTATUS, then the process's notes (NT_PRPSINFO,
//! NT_SIGINFO of the event, NT_AUXV, which gdb needs to relocate a position-independent executable, and NT_FILE,
//! where each module's file is mapped: how a reader finds the modules and their bases), then that thread's x87/SSE
//! state (NT_PRFPREG); then each other thread's NT_PRSTATUS and NT_PRFPREG. A reader gives a thread the notes that
//! follow its NT_PRSTATUS.
//!
//! Memory: a region that does not read at all (Linux's `[vvar]`) is left out, as the kernel leaves it out. Where
//! pages inside a region fail to read, the region is split around them: the pages that read are segments with
//! their bytes, the ones that do not are segments with none (`p_filesz` 0), so no byte in the core is made up.

mod notes;

use std::io::{Read, Write};

use object::elf::{self, FileHeader64, NoteHeader64, ProgramHeader64, SectionHeader64};
use object::endian::{LittleEndian as LE, U16, U32, U64};
use object::pod::{bytes_of, bytes_of_slice};
use rdb_engine::dump::ProcessView;
use rdb_engine::memory::ReadMemory;
use rdb_engine::target::Region;
use rdb_engine::{Error, Result};

use notes::PAGE;

/// How much memory is read at a time.
const CHUNK: usize = 1 << 20;
/// The note name of every note here, and how notes align their parts.
const CORE: &[u8] = b"CORE";
const NOTE_ALIGN: usize = 4;

/// Write an ELF core file of `view` to `out`. `signal` is the signal the event's thread stopped for (0 for none).
pub fn write<W: Write>(view: &mut ProcessView<'_>, signal: u32, mut out: W) -> Result<()> {
    let notes = note_segment(view, signal);
    let pieces = memory_pieces(view);
    let phnum = 1 + pieces.len();
    let headers_end = (size_of::<FileHeader64<LE>>() + phnum * size_of::<ProgramHeader64<LE>>()) as u64;
    let notes_end = headers_end + notes.len() as u64;
    // The memory from the next page boundary, each piece's bytes at a page boundary of their own.
    let mut offset = notes_end.next_multiple_of(PAGE);
    let mut headers = Vec::with_capacity(phnum);
    headers.push(program_header(elf::PT_NOTE, elf::ProgramFlags(0), headers_end, 0, notes.len() as u64, 0, 4));
    for p in &pieces {
        let filesz = if p.recorded { p.end - p.start } else { 0 };
        headers.push(program_header(elf::PT_LOAD, p.flags, offset, p.start, filesz, p.end - p.start, PAGE));
        offset = (offset + filesz).next_multiple_of(PAGE);
    }
    // More segments than e_phnum can count: the count goes into the one section header's sh_info (PN_XNUM), at the
    // end of the file, as the kernel does.
    let extended = phnum >= usize::from(elf::PN_XNUM);
    let header = file_header(phnum, extended.then_some(offset));
    let io = |e: std::io::Error| Error::msg(format!("cannot write the core file: {e}"));
    out.write_all(bytes_of(&header)).map_err(io)?;
    out.write_all(bytes_of_slice(&headers)).map_err(io)?;
    out.write_all(&notes).map_err(io)?;
    let mut written = notes_end;
    let mut buf = vec![0u8; CHUNK];
    for (p, h) in pieces.iter().zip(&headers[1..]) {
        if !p.recorded {
            continue;
        }
        let at = h.p_offset.get(LE);
        pad(&mut out, at - written).map_err(io)?;
        copy_memory(view.memory.as_mut(), p.start, p.end, &mut buf, &mut out)?;
        written = at + (p.end - p.start);
    }
    if extended {
        pad(&mut out, offset - written).map_err(io)?;
        out.write_all(bytes_of(&extension_section(phnum))).map_err(io)?;
    }
    Ok(())
}

fn file_header(phnum: usize, extension_at: Option<u64>) -> FileHeader64<LE> {
    FileHeader64 {
        e_ident: elf::Ident {
            magic: elf::ELFMAG,
            class: elf::ELFCLASS64,
            data: elf::ELFDATA2LSB,
            version: elf::EV_CURRENT,
            os_abi: elf::ELFOSABI_NONE,
            abi_version: 0,
            padding: [0; 7],
        },
        e_type: U16::new(LE, elf::ET_CORE),
        e_machine: U16::new(LE, elf::EM_X86_64),
        e_version: U32::new(LE, u32::from(elf::EV_CURRENT.0)),
        e_entry: U64::new(LE, 0),
        e_phoff: U64::new(LE, size_of::<FileHeader64<LE>>() as u64),
        e_shoff: U64::new(LE, extension_at.unwrap_or(0)),
        e_flags: U32::new(LE, elf::FileFlags(0)),
        e_ehsize: U16::new(LE, size_of::<FileHeader64<LE>>() as u16),
        e_phentsize: U16::new(LE, size_of::<ProgramHeader64<LE>>() as u16),
        e_phnum: U16::new(LE, if extension_at.is_some() { elf::PN_XNUM } else { phnum as u16 }),
        e_shentsize: U16::new(LE, if extension_at.is_some() { size_of::<SectionHeader64<LE>>() as u16 } else { 0 }),
        e_shnum: U16::new(LE, u16::from(extension_at.is_some())),
        e_shstrndx: U16::new(LE, elf::SymbolSection(0)),
    }
}

/// The one section header of a core with more segments than e_phnum counts: the count in sh_info.
fn extension_section(phnum: usize) -> SectionHeader64<LE> {
    SectionHeader64 {
        sh_name: U32::new(LE, 0),
        sh_type: U32::new(LE, elf::SHT_NULL),
        sh_flags: U64::new(LE, elf::SectionFlags(0)),
        sh_addr: U64::new(LE, 0),
        sh_offset: U64::new(LE, 0),
        sh_size: U64::new(LE, 0),
        sh_link: U32::new(LE, 0),
        sh_info: U32::new(LE, phnum as u32),
        sh_addralign: U64::new(LE, 0),
        sh_entsize: U64::new(LE, 0),
    }
}

fn program_header(
    kind: elf::ProgramType,
    flags: elf::ProgramFlags,
    offset: u64,
    vaddr: u64,
    filesz: u64,
    memsz: u64,
    align: u64,
) -> ProgramHeader64<LE> {
    ProgramHeader64 {
        p_type: U32::new(LE, kind),
        p_flags: U32::new(LE, flags),
        p_offset: U64::new(LE, offset),
        p_vaddr: U64::new(LE, vaddr),
        p_paddr: U64::new(LE, 0),
        p_filesz: U64::new(LE, filesz),
        p_memsz: U64::new(LE, memsz),
        p_align: U64::new(LE, align),
    }
}

/// The PT_NOTE segment's bytes.
fn note_segment(view: &ProcessView<'_>, signal: u32) -> Vec<u8> {
    let pid = view.pid;
    // The executable's name as the kernel keeps it (`comm`, 15 bytes), and its command line.
    let comm = view.modules.first().and_then(|m| m.path.file_name()).map(|n| notes::path_bytes(n.as_ref()));
    let comm = comm.unwrap_or_default();
    let psargs = view.command_line.as_ref().map_or_else(|| comm.clone(), |c| c.as_bytes().to_vec());
    let mut out = Vec::new();
    let process = |out: &mut Vec<u8>| {
        note(out, elf::NT_PRPSINFO, &notes::prpsinfo(pid, &comm, &psargs));
    };
    let event = view.exception.as_ref();
    let siginfo = |out: &mut Vec<u8>| {
        if let Some(e) = event {
            note(out, elf::NT_SIGINFO, &notes::siginfo(signal, e, &|a| view.region_at(a).is_some()));
        }
    };
    let rest = |out: &mut Vec<u8>| {
        if let Some(auxv) = &view.auxv {
            note(out, elf::NT_AUXV, auxv);
        }
        if !view.mapped_files.is_empty() {
            note(out, elf::NT_FILE, &notes::mapped_files(&view.mapped_files));
        }
    };
    if view.threads.is_empty() {
        process(&mut out);
        siginfo(&mut out);
        rest(&mut out);
    }
    for (i, t) in view.threads.iter().enumerate() {
        let float = t.float.as_ref().and_then(notes::fpregset);
        note(&mut out, elf::NT_PRSTATUS, &notes::prstatus(t.tid, pid, signal, &t.registers, float.is_some()));
        if i == 0 {
            process(&mut out);
        }
        // The event's siginfo follows its thread's status, which is how a reader tells whose it is.
        if event.is_some_and(|e| e.tid == t.tid) {
            siginfo(&mut out);
        }
        if i == 0 {
            rest(&mut out);
        }
        if let Some(float) = float {
            note(&mut out, elf::NT_PRFPREG, &float);
        }
    }
    out
}

/// One note: its header, the name "CORE" and the contents, each padded to 4 bytes.
fn note(out: &mut Vec<u8>, kind: elf::NoteType, desc: &[u8]) {
    let header = NoteHeader64::<LE> {
        n_namesz: U32::new(LE, CORE.len() as u32 + 1),
        n_descsz: U32::new(LE, desc.len() as u32),
        n_type: U32::new(LE, kind),
    };
    out.extend_from_slice(bytes_of(&header));
    out.extend_from_slice(CORE);
    out.push(0);
    out.resize(out.len().next_multiple_of(NOTE_ALIGN), 0);
    out.extend_from_slice(desc);
    out.resize(out.len().next_multiple_of(NOTE_ALIGN), 0);
}

/// A stretch of a region: pages that read (`recorded`: their bytes go in) or pages that do not.
#[derive(Debug, Clone, PartialEq)]
struct Piece {
    start: u64,
    end: u64,
    recorded: bool,
    flags: elf::ProgramFlags,
}

/// The pieces of every dumpable region, in address order: each region read through once to find where its pages
/// stop reading. A region with no byte that reads is left out.
fn memory_pieces(view: &mut ProcessView<'_>) -> Vec<Piece> {
    let regions: Vec<Region> = view.dumpable_regions().cloned().collect();
    let mut buf = vec![0u8; CHUNK];
    let mut pieces = Vec::new();
    for r in regions {
        let flags = segment_flags(&r);
        let mut own: Vec<Piece> = Vec::new();
        let mut at = r.start;
        while at < r.end {
            let (end, recorded) = match readable_from(view.memory.as_mut(), at, r.end, &mut buf) {
                Some(n) => (at + n, true),
                None => (((at | (PAGE - 1)) + 1).min(r.end), false),
            };
            match own.last_mut() {
                Some(last) if last.recorded == recorded => last.end = end,
                _ => own.push(Piece { start: at, end, recorded, flags }),
            }
            at = end;
        }
        if own.iter().any(|p| p.recorded) {
            pieces.extend(own);
        }
    }
    pieces
}

/// How many bytes from `at` (up to `end`, a chunk at most) read, `None` if the page at `at` does not. A read
/// that fails as a whole is tried again page by page, for a reader that fails a read when any page in it does.
fn readable_from(memory: &mut dyn ReadMemory, at: u64, end: u64, buf: &mut [u8]) -> Option<u64> {
    let want = (end - at).min(buf.len() as u64) as usize;
    if let Ok(n @ 1..) = memory.read(at, &mut buf[..want]) {
        return Some(n as u64);
    }
    let chunk_end = at + want as u64;
    let mut page = at;
    while page < chunk_end {
        let page_end = ((page | (PAGE - 1)) + 1).min(chunk_end);
        let len = (page_end - page) as usize;
        match memory.read(page, &mut buf[..len]) {
            Ok(n) if n == len => page = page_end,
            Ok(n @ 1..) => return Some(page + n as u64 - at),
            _ => break,
        }
    }
    (page > at).then_some(page - at)
}

/// A segment's flags from the region's permissions.
fn segment_flags(r: &Region) -> elf::ProgramFlags {
    let mut flags = elf::ProgramFlags(0);
    for (on, flag) in [(r.readable, elf::PF_R), (r.writable, elf::PF_W), (r.executable, elf::PF_X)] {
        if on {
            flags |= flag;
        }
    }
    flags
}

/// Copy `[start, end)` of the process's memory to `out`. It read a moment ago; if it no longer does (nothing
/// should change in a stopped process), the core would have to make bytes up, so the dump fails instead.
fn copy_memory(memory: &mut dyn ReadMemory, start: u64, end: u64, buf: &mut [u8], out: &mut dyn Write) -> Result<()> {
    let mut at = start;
    while at < end {
        let want = (end - at).min(buf.len() as u64) as usize;
        let n = match memory.read(at, &mut buf[..want]) {
            Ok(n @ 1..) => n,
            _ => {
                return Err(Error::msg(format!(
                    "the memory at {at:#x} read a moment ago and no longer does: the core file is incomplete"
                )));
            }
        };
        out.write_all(&buf[..n]).map_err(|e| Error::msg(format!("cannot write the core file: {e}")))?;
        at += n as u64;
    }
    Ok(())
}

/// `len` zero bytes: the file's padding up to a page boundary (no part of any segment).
fn pad(out: &mut dyn Write, len: u64) -> std::io::Result<()> {
    std::io::copy(&mut std::io::repeat(0).take(len), out).map(|_| ())
}
