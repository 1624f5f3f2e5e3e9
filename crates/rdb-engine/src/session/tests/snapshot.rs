//! A target that only reads (a core file, a minidump): the session opens it at the moment it was taken, with its
//! threads, modules and exception from the snapshot, serves every read, and refuses in one line whatever would run
//! or change it.

use super::*;
use crate::target::{Access, ModuleRecord, Snapshot, SnapshotFormat, SnapshotOs};

const STACK: u64 = 0x7fff_0000;

/// A crash captured in a snapshot: two threads, the executable, a fault on the first thread.
struct Dump {
    memory: BTreeMap<u64, u8>,
    regs: BTreeMap<Tid, Registers>,
    modules: Vec<ModuleRecord>,
    /// The thread of the exception and what it was.
    event: Option<(Tid, Exception)>,
    /// The exception's own registers, recorded apart from its thread's.
    context: Option<Registers>,
}

impl Dump {
    fn crashed() -> Dump {
        let mut memory = BTreeMap::new();
        // A frame-pointer chain: [rbp] = caller's rbp (0: the end), [rbp+8] = the return address.
        let words: [(u64, u64); 2] = [(STACK + 0x10, 0), (STACK + 0x18, ENTRY + 0x40)];
        for (address, word) in words {
            for (i, b) in word.to_le_bytes().iter().enumerate() {
                memory.insert(address + i as u64, *b);
            }
        }
        let mut regs = BTreeMap::new();
        regs.insert(TID, Registers { rip: ENTRY + 0x10, rsp: STACK, rbp: STACK + 0x10, ..Default::default() });
        regs.insert(TID + 1, Registers { rip: ENTRY + 0x20, rsp: STACK + 0x1000, ..Default::default() });
        let modules = vec![ModuleRecord { base: EXE_BASE, size: 0x10000, path: PathBuf::from("/nonexistent/crasher") }];
        let fault = ExceptionKind::AccessViolation { fault_address: Some(0), write: Some(true), signal: Some(11) };
        let event = Some((TID, Exception { kind: fault, address: ENTRY + 0x10, first_chance: false }));
        Dump { memory, regs, modules, event, context: None }
    }

    fn put(&mut self, address: u64, bytes: &[u8]) {
        for (i, b) in bytes.iter().enumerate() {
            self.memory.insert(address + i as u64, *b);
        }
    }
}

impl Target for Dump {
    fn pid(&self) -> Pid {
        PID
    }
    fn read_memory(&mut self, address: u64, buf: &mut [u8]) -> Result<usize> {
        let n = buf.iter().enumerate().take_while(|(i, _)| self.memory.contains_key(&(address + *i as u64))).count();
        if n == 0 {
            return Err(Error::MemoryAccess(address));
        }
        for (i, b) in buf[..n].iter_mut().enumerate() {
            *b = self.memory[&(address + i as u64)];
        }
        Ok(n)
    }
    fn registers(&mut self, tid: Tid) -> Result<Registers> {
        self.regs.get(&tid).copied().ok_or(Error::NoSuchThread(tid))
    }
    fn threads(&self) -> Vec<Tid> {
        self.regs.keys().copied().collect()
    }
    fn memory_regions(&mut self) -> Result<Vec<Region>> {
        Ok(Vec::new())
    }
    fn snapshot(&mut self) -> Option<&mut dyn Snapshot> {
        Some(self)
    }
}

impl Snapshot for Dump {
    fn modules(&mut self) -> Vec<ModuleRecord> {
        self.modules.clone()
    }
    fn event(&mut self) -> Option<Event> {
        let (tid, exception) = self.event.clone()?;
        Some(Event { pid: PID, tid, kind: EventKind::Exception(exception) })
    }
    fn exception_context(&mut self) -> Option<Registers> {
        self.context
    }
    fn os(&mut self) -> SnapshotOs {
        SnapshotOs::Linux
    }

    fn format(&mut self) -> SnapshotFormat {
        SnapshotFormat::CoreFile
    }
}

fn opened() -> (Session, Stop, Rc<RefCell<Vec<Notice>>>) {
    open(Dump::crashed(), &[])
}

/// A session opened on `dump`, with `images` as its image path.
fn open(dump: Dump, images: &[PathBuf]) -> (Session, Stop, Rc<RefCell<Vec<Notice>>>) {
    let notices = Rc::new(RefCell::new(Vec::new()));
    let seen = notices.clone();
    let mut session = Session::empty(Box::new(move |n| seen.borrow_mut().push(n.clone())));
    session.set_image_path(images.to_vec());
    let stop = session.attach_target(Box::new(dump)).unwrap();
    (session, stop, notices)
}

#[test]
fn a_snapshot_opens_where_it_was_taken() {
    let (mut session, stop, notices) = opened();
    assert!(matches!(&stop.reason, StopReason::Exception(e) if !e.first_chance), "{stop:?}");
    assert_eq!(stop.tid, TID);
    assert_eq!(session.last_exception().map(|e| e.address), Some(ENTRY + 0x10));
    let threads: Vec<(Tid, u32)> = session.threads().iter().map(|t| (t.tid, t.index)).collect();
    assert_eq!(threads, [(TID, 0), (TID + 1, 1)]);
    assert_eq!(session.modules.iter().map(|m| m.base).collect::<Vec<_>>(), [EXE_BASE]);
    assert_eq!(session.exe_path(), Some(&PathBuf::from("/nonexistent/crasher")));
    assert!(
        matches!(
            &notices.borrow()[..],
            [
                Notice::SnapshotOpened { os: SnapshotOs::Linux, .. },
                Notice::ModuleLoaded { base: EXE_BASE, .. },
                Notice::ImageNotFound { name, .. },
            ] if name == "crasher"
        ),
        "{notices:?}"
    );
    assert!(session.is_live() && !session.can_run());
}

#[test]
fn a_snapshot_reads_registers_memory_and_stacks() {
    let (mut session, _, _) = opened();
    assert_eq!(session.registers(TID + 1).unwrap().rip, ENTRY + 0x20);
    let mut word = [0u8; 8];
    assert_eq!(session.read_memory(STACK + 0x18, &mut word).unwrap(), 8);
    assert_eq!(u64::from_le_bytes(word), ENTRY + 0x40);
    let pcs: Vec<u64> = session.stack(TID, 8).unwrap().iter().map(|f| f.regs.rip).collect();
    assert_eq!(pcs, [ENTRY + 0x10, ENTRY + 0x40]);
}

#[test]
fn a_snapshot_refuses_to_run_or_change_in_one_line() {
    let (mut session, _, _) = opened();
    let cannot = "this is a dump: it cannot run or be changed";
    assert_eq!(session.go(None).unwrap_err().to_string(), cannot);
    assert_eq!(session.run(Resumption::StepInto { tid: TID }).unwrap_err().to_string(), cannot);
    assert_eq!(session.write_memory(STACK, &[1]).unwrap_err().to_string(), cannot);
    assert_eq!(session.set_register(TID, "rax", 1).unwrap_err().to_string(), cannot);
    assert_eq!(session.detach().unwrap_err().to_string(), cannot);
    assert_eq!(session.kill().unwrap_err().to_string(), cannot);
    // Reading still works after each refusal.
    assert_eq!(session.registers(TID).unwrap().rip, ENTRY + 0x10);
    // Ending a session on a snapshot just closes it.
    assert!(session.end().is_ok());
}

/// The in-memory process's module (`hello`, built once and kept), copied into a directory of its own under `name`.
fn module_copy(tag: &str, name: &str) -> (PathBuf, Vec<u8>) {
    let source = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../rdb-fuzzkit/data/hello");
    let bytes = std::fs::read(&source).unwrap();
    let dir = std::env::temp_dir().join(format!("rdb-snapshot-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), &bytes).unwrap();
    (dir, bytes)
}

/// The bytes the module's file holds for its symbol `name` (its file address and first bytes, from its segment).
fn file_bytes_of(file: &[u8], name: &str, len: usize) -> (u64, Vec<u8>) {
    use object::{Object, ObjectSegment, ObjectSymbol};
    let elf = object::File::parse(file).unwrap();
    let address = elf.symbols().find(|s| s.name() == Ok(name)).unwrap().address();
    let segment = elf.segments().find(|s| s.address() <= address && address < s.address() + s.size()).unwrap();
    let offset = (segment.file_range().0 + address - segment.address()) as usize;
    (address, file[offset..offset + len].to_vec())
}

/// A dump of a module whose recorded path is not here and whose code it left out (as a core file does).
fn dump_of_module(path: &str) -> Dump {
    let mut dump = Dump::crashed();
    dump.modules = vec![ModuleRecord { base: MODULE_BASE, size: 0x5000, path: PathBuf::from(path) }];
    dump
}

const MODULE_BASE: u64 = 0x5555_5555_4000;

#[test]
fn a_module_missing_here_is_found_in_the_image_path_and_serves_its_code() {
    let (dir, file) = module_copy("found", "hello");
    let (add, code) = file_bytes_of(&file, "add", 8);
    let (mut session, _, notices) = open(dump_of_module("/build/machine/hello"), std::slice::from_ref(&dir));
    assert!(!notices.borrow().iter().any(|n| matches!(n, Notice::ImageNotFound { .. })), "{notices:?}");
    // Symbols from the file found; `lm` keeps the path the dump recorded.
    assert_eq!(session.modules.resolve("hello!add"), Some(MODULE_BASE + add));
    let module = session.modules.iter().next().unwrap();
    assert_eq!(module.path, PathBuf::from("/build/machine/hello"));
    assert_eq!(module.file(), dir.join("hello"));
    // The code the dump left out is read from the image, at the module's base plus its file address.
    let mut bytes = [0u8; 8];
    assert_eq!(session.read_memory(MODULE_BASE + add, &mut bytes).unwrap(), 8);
    assert_eq!(bytes.to_vec(), code);
    assert!(session.instruction_at(MODULE_BASE + add).is_some());
    // What the dump holds is still the dump's; what neither holds is no memory.
    assert_eq!(session.memory().unwrap().read_u64(STACK + 0x18).unwrap(), ENTRY + 0x40);
    assert!(session.read_memory(MODULE_BASE + 0x100_0000, &mut bytes).is_err());
}

#[test]
fn a_windows_module_is_found_by_its_name_in_any_case_and_later_paths_take_effect() {
    let (dir, file) = module_copy("windows", "Hello.EXE");
    let (add, code) = file_bytes_of(&file, "add", 4);
    let (mut session, _, notices) = open(dump_of_module("C:\\build\\out\\hello.exe"), &[]);
    assert!(
        notices.borrow().iter().any(|n| matches!(n, Notice::ImageNotFound { name, .. } if name == "hello.exe")),
        "{notices:?}"
    );
    assert_eq!(session.modules.iter().next().unwrap().name, "hello", "named by its file name, not its path");
    assert_eq!(session.modules.resolve("hello!add"), None, "no image, no symbols");
    let mut bytes = [0u8; 4];
    assert!(session.read_memory(MODULE_BASE + add, &mut bytes).is_err());
    // `.exepath` given later: the module is found, its symbols and code read from there.
    session.set_image_path(vec![dir.clone()]);
    assert_eq!(session.modules.resolve("hello!add"), Some(MODULE_BASE + add));
    session.read_memory(MODULE_BASE + add, &mut bytes).unwrap();
    assert_eq!(bytes.to_vec(), code);
    assert_eq!(session.modules.iter().next().unwrap().file(), dir.join("Hello.EXE"));
}

#[test]
fn the_exception_context_stands_in_for_the_thread_until_reset() {
    let mut dump = Dump::crashed();
    // The exception on the second thread, recorded inside a handler; its context is the frame-pointer chain.
    let own = dump.regs[&(TID + 1)];
    let context = dump.regs[&TID];
    dump.event = dump.event.map(|(_, e)| (TID + 1, e));
    dump.context = Some(context);
    let (mut session, stop, _) = open(dump, &[]);
    assert_eq!(stop.tid, TID + 1);
    assert_eq!(session.registers(TID + 1).unwrap().rip, own.rip, "the thread's own until .ecxr");
    assert_eq!(session.use_exception_context().unwrap(), TID + 1);
    assert!(session.in_exception_context(TID + 1));
    assert_eq!(session.registers(TID + 1).unwrap().rip, context.rip);
    assert_eq!(session.register(TID + 1, "rbp").unwrap(), context.rbp);
    // Unwinding starts from the exception's context too.
    let pcs: Vec<u64> = session.stack(TID + 1, 8).unwrap().iter().map(|f| f.regs.rip).collect();
    assert_eq!(pcs, [ENTRY + 0x10, ENTRY + 0x40]);
    assert_eq!(session.registers(TID).unwrap().rip, context.rip, "the other thread is itself");
    session.reset_context();
    assert_eq!(session.registers(TID + 1).unwrap().rip, own.rip);
    assert!(!session.in_exception_context(TID + 1));
}

#[test]
fn no_exception_no_context_and_nothing_to_analyze() {
    let mut dump = Dump::crashed();
    dump.event = None;
    let (mut session, stop, _) = open(dump, &[]);
    assert_eq!(stop.reason, StopReason::Snapshot);
    assert!(session.use_exception_context().is_err());
    assert!(session.analyze().unwrap().is_none());
}

/// A dump that faulted with `kind` at `rip`, the instruction `code` there.
fn analysed(kind: ExceptionKind, rip: u64, code: &[u8]) -> Analysis {
    let mut dump = Dump::crashed();
    dump.put(rip, code);
    dump.regs.get_mut(&TID).unwrap().rip = rip;
    dump.event = Some((TID, Exception { kind, address: rip, first_chance: false }));
    let (mut session, _, _) = open(dump, &[]);
    session.analyze().unwrap().expect("an exception to analyze")
}

fn fault(fault_address: u64) -> ExceptionKind {
    // Linux's siginfo says nothing of the access: the instruction does.
    ExceptionKind::AccessViolation { fault_address: Some(fault_address), write: None, signal: Some(11) }
}

#[test]
fn a_null_write_a_null_read_and_a_wild_read_are_told_apart() {
    // mov dword ptr [rax],1
    let write = analysed(fault(0), ENTRY + 0x10, &[0xc7, 0x00, 0x01, 0x00, 0x00, 0x00]);
    assert_eq!((write.access, write.null_pointer, write.fault_address), (Some(Access::Write), true, Some(0)));
    assert!(write.instruction.as_ref().is_some_and(|i| i.text.starts_with("mov")), "{:?}", write.instruction);
    assert_eq!(write.stack.iter().map(|f| f.pc).collect::<Vec<_>>(), [ENTRY + 0x10, ENTRY + 0x40]);
    // mov eax,dword ptr [rax+8]
    let read = analysed(fault(8), ENTRY + 0x10, &[0x8b, 0x40, 0x08]);
    assert_eq!((read.access, read.null_pointer), (Some(Access::Read), true));
    let wild = analysed(fault(0xdead_0000), ENTRY + 0x10, &[0x8b, 0x40, 0x08]);
    assert_eq!((wild.access, wild.null_pointer), (Some(Access::Read), false));
}

#[test]
fn a_call_through_null_is_an_execute() {
    let execute = analysed(fault(0), 0, &[]);
    assert_eq!((execute.access, execute.null_pointer), (Some(Access::Execute), true));
    assert!(execute.instruction.is_none(), "nothing to read at 0");
}

#[test]
fn a_divide_by_zero_has_no_access_and_its_instruction() {
    // idiv ecx
    let divide = analysed(ExceptionKind::IntegerDivideByZero { signal: Some(8) }, ENTRY + 0x10, &[0xf7, 0xf9]);
    assert_eq!((divide.access, divide.fault_address, divide.null_pointer), (None, None, false));
    assert!(divide.instruction.as_ref().is_some_and(|i| i.text.starts_with("idiv")), "{:?}", divide.instruction);
}

#[test]
fn the_blame_skips_the_runtime_for_the_program_that_called_it() {
    let mut dump = Dump::crashed();
    dump.modules.push(ModuleRecord { base: LIBC_BASE, size: 0x10000, path: PathBuf::from("/lib/libc.so.6") });
    // The fault inside libc (a strlen of a null pointer), called from the program.
    dump.put(LIBC_BASE + 0x100, &[0x8b, 0x00]);
    dump.regs.get_mut(&TID).unwrap().rip = LIBC_BASE + 0x100;
    dump.event = Some((TID, Exception { kind: fault(0), address: LIBC_BASE + 0x100, first_chance: false }));
    let (mut session, _, _) = open(dump, &[]);
    let analysis = session.analyze().unwrap().unwrap();
    assert_eq!(analysis.stack.iter().map(|f| f.pc).collect::<Vec<_>>(), [LIBC_BASE + 0x100, ENTRY + 0x40]);
    let blame = analysis.blame.expect("a frame to blame");
    assert_eq!((blame.frame, blame.place.module.as_str(), blame.image.as_str()), (1, "crasher", "crasher"));
}

#[test]
fn a_dumps_modules_are_not_looked_for_on_a_live_process() {
    let mut modules = Modules::default();
    modules.image_path = vec![std::env::temp_dir()];
    modules.add(0x1000, 0x1000, PathBuf::from("C:\\x\\nothing-here.dll"));
    assert!(modules.iter().next().unwrap().image.is_none());
}
