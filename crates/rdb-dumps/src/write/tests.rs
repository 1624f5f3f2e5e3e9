//! The minidump writer against a view of a made-up process, read back with rust-minidump: what a full dump holds
//! (every page that reads, a page that does not leaving a gap, not zeros), what a small one holds, the exception
//! as Breakpad encodes a signal, and an ELF core's notes.

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

/// Memory by page: each readable page filled with its page number's low byte.
struct Pages(BTreeMap<u64, u8>);

impl ReadMemory for Pages {
    fn read(&mut self, address: u64, buf: &mut [u8]) -> Result<usize> {
        let mut n = 0;
        while n < buf.len() {
            let at = address + n as u64;
            let Some(&fill) = self.0.get(&(at & !0xfff)) else { break };
            let end = ((at | 0xfff) + 1 - address).min(buf.len() as u64) as usize;
            buf[n..end].fill(fill);
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
        pages.insert(page, (page >> 12) as u8);
    }
    Pages(pages)
}

fn written(kind: DumpKind) -> Vec<u8> {
    let mut memory = pages();
    let mut out = Cursor::new(Vec::new());
    super::write(&mut view(&mut memory), kind, &mut out).unwrap();
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
fn a_core_file_has_a_note_and_a_load_per_readable_region() {
    use object::elf;
    use object::read::elf::{ElfFile64, ProgramHeader};
    let bytes = written(DumpKind::Core);
    let elf = ElfFile64::<object::Endianness>::parse(bytes.as_slice()).unwrap();
    let endian = object::Endianness::Little;
    let headers: Vec<(object::elf::ProgramType, u64, u64)> =
        elf.elf_program_headers().iter().map(|h| (h.p_type(endian), h.p_vaddr(endian), h.p_filesz(endian))).collect();
    assert_eq!(headers[0].0, object::elf::PT_NOTE);
    let loads: Vec<(u64, u64)> = headers.iter().filter(|h| h.0 == object::elf::PT_LOAD).map(|h| (h.1, h.2)).collect();
    assert_eq!(loads, [(CODE, 0x3000), (STACK, 0x1000)], "no PT_LOAD for a region that does not read");
    let notes: Vec<object::elf::NoteType> = elf
        .elf_program_headers()
        .iter()
        .filter_map(|h| h.notes(endian, bytes.as_slice()).ok().flatten())
        .flat_map(|mut notes| std::iter::from_fn(move || notes.next().ok().flatten().map(|n| n.n_type(endian))))
        .collect();
    // NT_PRPSINFO although the thread (43) is not the process (42): its main thread had ended.
    assert_eq!(notes, [elf::NT_PRPSINFO, elf::NT_PRSTATUS, elf::NT_SIGINFO, elf::NT_AUXV]);
}
