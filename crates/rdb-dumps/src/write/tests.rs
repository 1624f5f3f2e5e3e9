//! The writers against a view of a made-up process. Minidumps are read back with rust-minidump: what a full dump
//! holds (every page that reads, a page that does not leaving a gap, not zeros), what a small one holds, the
//! exception as Breakpad encodes a signal. An ELF core's layout is read with `object`, and the whole core is opened
//! with rdb's own reader: threads, registers, modules from NT_FILE, memory, the event.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::PathBuf;

use minidump::{Minidump, MinidumpException, MinidumpModuleList, MinidumpThreadList, Module};
use rdb_engine::dump::{DumpException, DumpKind, DumpThread, MappedRange, ProcessView};
use rdb_engine::memory::ReadMemory;
use rdb_engine::regs::Registers;
use rdb_engine::target::{Exception, ExceptionKind, ModuleRecord, Region, SnapshotOs};
use rdb_engine::{Error, Result};

const CODE: u64 = 0x40_0000;
const STACK: u64 = 0x7fff_0000;
/// A region the process has that does not read at all.
const VVAR: u64 = 0x7ffe_0000;
/// A page inside the code region that does not read.
const HOLE: u64 = CODE + 0x1000;

/// Memory by page: each readable page filled with its page number's low byte, the code's first page opening with
/// ELF's magic (a reader of a core tells an image's mapping by it).
struct Pages(BTreeMap<u64, Vec<u8>>);

impl ReadMemory for Pages {
    fn read(&mut self, address: u64, buf: &mut [u8]) -> Result<usize> {
        let mut n = 0;
        while n < buf.len() {
            let at = address + n as u64;
            let Some(page) = self.0.get(&(at & !0xfff)) else { break };
            let end = ((at | 0xfff) + 1 - address).min(buf.len() as u64) as usize;
            let from = (at & 0xfff) as usize;
            buf[n..end].copy_from_slice(&page[from..from + end - n]);
            n = end;
        }
        if n == 0 { Err(Error::MemoryAccess(address)) } else { Ok(n) }
    }
}

fn region(start: u64, end: u64, executable: bool, name: &str) -> Region {
    Region {
        start,
        end,
        readable: true,
        writable: !executable,
        executable,
        name: Some(name.into()),
        ..Region::default()
    }
}

fn view(memory: &mut Pages) -> ProcessView<'_> {
    let registers = Registers { rip: CODE + 0x10, rsp: STACK + 0x800, ..Registers::default() };
    let fault = ExceptionKind::AccessViolation { fault_address: Some(0x10), write: Some(true), signal: Some(11) };
    ProcessView {
        pid: 42,
        os: SnapshotOs::Linux,
        threads: vec![DumpThread { tid: 43, registers, float: None, teb: None }],
        modules: vec![ModuleRecord { base: CODE, size: 0x3000, path: PathBuf::from("/bin/made-up") }],
        regions: vec![
            region(CODE, CODE + 0x3000, true, "/bin/made-up"),
            region(STACK, STACK + 0x1000, false, "[stack]"),
            region(VVAR, VVAR + 0x1000, false, "[vvar]"),
        ],
        mapped_files: vec![MappedRange {
            start: CODE,
            end: CODE + 0x3000,
            offset: 0,
            path: PathBuf::from("/bin/made-up"),
        }],
        exception: Some(DumpException {
            tid: 43,
            exception: Exception { kind: fault, address: CODE + 0x10, first_chance: false },
        }),
        auxv: Some(vec![6, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0]),
        command_line: None,
        memory: Box::new(memory),
    }
}

impl ReadMemory for &mut Pages {
    fn read(&mut self, address: u64, buf: &mut [u8]) -> Result<usize> {
        (**self).read(address, buf)
    }
}

fn pages() -> Pages {
    let mut pages = BTreeMap::new();
    for page in [CODE, CODE + 0x2000, STACK] {
        pages.insert(page, vec![(page >> 12) as u8; 0x1000]);
    }
    if let Some(code) = pages.get_mut(&CODE) {
        code[..4].copy_from_slice(b"\x7fELF");
    }
    Pages(pages)
}

fn written(kind: DumpKind) -> Vec<u8> {
    written_with(kind, |_| {})
}

/// A dump of the made-up process as `change` leaves its view.
fn written_with(kind: DumpKind, change: impl FnOnce(&mut ProcessView<'_>)) -> Vec<u8> {
    let mut memory = pages();
    let mut out = Cursor::new(Vec::new());
    let mut view = view(&mut memory);
    change(&mut view);
    super::write(&mut view, kind, &mut out).unwrap();
    out.into_inner()
}

#[test]
fn a_full_minidump_holds_every_page_that_reads_and_no_made_up_one() {
    let bytes = written(DumpKind::FullMinidump);
    let dump = Minidump::read(bytes).unwrap();
    let memory = dump.get_memory().unwrap();
    let ranges: Vec<(u64, usize)> = memory.by_addr().map(|m| (m.base_address(), m.bytes().len())).collect();
    assert_eq!(ranges, [(CODE, 0x1000), (CODE + 0x2000, 0x1000), (STACK, 0x1000)], "the hole is a gap");
    let page = memory.memory_at_address(CODE + 0x2000).unwrap();
    assert!(page.bytes().iter().all(|&b| b == ((CODE + 0x2000) >> 12) as u8));
    assert!(memory.memory_at_address(HOLE).is_none());
    let threads: MinidumpThreadList = dump.get_stream().unwrap();
    assert_eq!(threads.threads.len(), 1);
    assert_eq!(threads.threads[0].raw.thread_id, 43);
    let modules: MinidumpModuleList = dump.get_stream().unwrap();
    let module = modules.iter().next().unwrap();
    assert_eq!(
        (module.base_address(), module.size(), module.code_file().into_owned()),
        (CODE, 0x3000, "/bin/made-up".into())
    );
    let exception: MinidumpException = dump.get_stream().unwrap();
    let record = &exception.raw.exception_record;
    assert_eq!((exception.get_crashing_thread_id(), record.exception_code, record.exception_address), (43, 11, 0x10));
    assert_eq!(dump.get_raw_stream(0x4767_0008).unwrap().len(), 16, "LinuxAuxv");
    let maps = String::from_utf8_lossy(dump.get_raw_stream(0x4767_0009).unwrap()).into_owned();
    assert!(maps.contains("00400000-00403000 r-xp") && maps.contains("[stack]"), "{maps}");
}

#[test]
fn a_small_minidump_holds_the_stack_and_the_code_around_rip() {
    let bytes = written(DumpKind::SmallMinidump);
    let size = bytes.len();
    let dump = Minidump::read(bytes).unwrap();
    let memory = dump.get_memory().unwrap();
    let stack = memory.memory_at_address(STACK + 0x800).unwrap();
    assert_eq!((stack.base_address(), stack.bytes().len()), (STACK + 0x800 - 128, 0x800 + 128), "rsp's red zone up");
    let code = memory.memory_at_address(CODE + 0x10).unwrap();
    assert_eq!(code.base_address(), CODE, "256 bytes before rip, within the region");
    assert!(memory.memory_at_address(CODE + 0x2000).is_none(), "no other memory");
    assert!(size < 0x2000, "{size} bytes");
}

#[test]
fn a_core_file_has_the_kernels_notes_and_a_load_per_piece_of_memory_that_reads() {
    use object::elf;
    use object::read::elf::{ElfFile64, ProgramHeader};
    let bytes = written(DumpKind::Core);
    let elf = ElfFile64::<object::Endianness>::parse(bytes.as_slice()).unwrap();
    let endian = object::Endianness::Little;
    let headers: Vec<(elf::ProgramType, u64, u64, u64, u64)> = elf
        .elf_program_headers()
        .iter()
        .map(|h| (h.p_type(endian), h.p_vaddr(endian), h.p_filesz(endian), h.p_memsz(endian), h.p_offset(endian)))
        .collect();
    assert_eq!(headers[0].0, elf::PT_NOTE);
    let loads: Vec<(u64, u64, u64)> = headers.iter().filter(|h| h.0 == elf::PT_LOAD).map(|h| (h.1, h.2, h.3)).collect();
    // The code region split around its page that does not read (a segment with no bytes); none for `[vvar]`.
    assert_eq!(
        loads,
        [(CODE, 0x1000, 0x1000), (HOLE, 0, 0x1000), (CODE + 0x2000, 0x1000, 0x1000), (STACK, 0x1000, 0x1000)]
    );
    for h in headers.iter().filter(|h| h.0 == elf::PT_LOAD && h.2 > 0) {
        assert_eq!(h.4 % 0x1000, 0, "each segment's bytes at a page boundary");
        let fill = bytes[h.4 as usize + 0x800];
        assert_eq!(fill, (h.1 >> 12) as u8, "the bytes of the page at {:#x}", h.1);
    }
    let notes: Vec<elf::NoteType> = elf
        .elf_program_headers()
        .iter()
        .filter_map(|h| h.notes(endian, bytes.as_slice()).ok().flatten())
        .flat_map(|mut notes| std::iter::from_fn(move || notes.next().ok().flatten().map(|n| n.n_type(endian))))
        .collect();
    // The kernel's order; NT_PRPSINFO although the thread (43) is not the process (42): its main thread had ended.
    assert_eq!(notes, [elf::NT_PRSTATUS, elf::NT_PRPSINFO, elf::NT_SIGINFO, elf::NT_AUXV, elf::NT_FILE]);
}

#[test]
fn rdb_reads_its_own_core_back() {
    use rdb_engine::target::{EventKind, FloatRegisters};
    let float = FloatRegisters { mxcsr: 0x1f80, xmm: [[7; 16]; 16], ..FloatRegisters::default() };
    let second = Registers { rip: CODE + 0x2020, rsp: STACK + 0x400, rbx: 0x1234, gs: 0x2b, ..Registers::default() };
    let bytes = written_with(DumpKind::Core, |view| {
        // The event's thread's x87/SSE note comes after the process's notes, and still is its own.
        view.threads[0].float = Some(float);
        view.threads.push(DumpThread { tid: 44, registers: second, float: None, teb: None });
    });
    let mut core = crate::open(std::path::Path::new("made-up.core"), Box::new(bytes)).unwrap();
    assert_eq!(core.pid(), 42);
    assert_eq!(core.threads(), [43, 44], "the event's thread first");
    assert_eq!(core.registers(43).unwrap(), Registers { rip: CODE + 0x10, rsp: STACK + 0x800, ..Registers::default() });
    assert_eq!(core.registers(44).unwrap(), second);
    let vector = core.vector_registers().unwrap();
    assert_eq!(vector.float_registers(43).unwrap().xmm, float.xmm, "each thread's own x87/SSE note");
    assert_eq!(vector.float_registers(43).unwrap().mxcsr, 0x1f80);
    assert!(vector.float_registers(44).is_err(), "no note for a thread without them");
    let mut buf = [0u8; 0x20];
    assert_eq!(core.read_memory(CODE, &mut buf).unwrap(), 0x20);
    assert_eq!(&buf[..5], b"\x7fELF\0");
    assert_eq!(core.read_memory(STACK + 0x7f0, &mut buf).unwrap(), 0x20);
    assert!(buf.iter().all(|&b| b == (STACK >> 12) as u8));
    assert_eq!(core.read_memory(CODE + 0xff0, &mut buf).unwrap(), 0x10, "up to the page that did not read");
    assert!(core.read_memory(HOLE, &mut buf).is_err(), "no made-up bytes for it");
    assert!(core.read_memory(VVAR, &mut buf).is_err());
    let regions = core.memory_regions().unwrap();
    assert_eq!(regions[0].name.as_deref(), Some("/bin/made-up"), "named by NT_FILE");
    let snapshot = core.snapshot().unwrap();
    assert_eq!(
        snapshot.modules(),
        [ModuleRecord { base: CODE, size: 0x3000, path: PathBuf::from("/bin/made-up") }],
        "the module from NT_FILE"
    );
    let event = snapshot.event().unwrap();
    assert_eq!((event.pid, event.tid), (42, 43));
    let EventKind::Exception(exception) = event.kind else { panic!("{event:?}") };
    assert_eq!(
        exception.kind,
        ExceptionKind::AccessViolation { fault_address: Some(0x10), write: None, signal: Some(11) },
        "the fault and its address, from NT_SIGINFO"
    );
    assert_eq!(exception.address, CODE + 0x10);
    assert!(snapshot.warnings().is_empty(), "{:?}", snapshot.warnings());
}

/// A reader that fails a read when any byte of it does not read (as some do), rather than reading up to there.
struct AllOrNothing(Pages);

impl ReadMemory for AllOrNothing {
    fn read(&mut self, address: u64, buf: &mut [u8]) -> Result<usize> {
        match self.0.read(address, buf)? {
            n if n == buf.len() => Ok(n),
            n => Err(Error::MemoryAccess(address + n as u64)),
        }
    }
}

#[test]
fn a_core_is_the_same_from_a_reader_that_reads_all_or_nothing() {
    let all_or_nothing = written_with(DumpKind::Core, |view| view.memory = Box::new(AllOrNothing(pages())));
    assert!(all_or_nothing == written(DumpKind::Core), "the same pieces of memory, the same bytes");
}
