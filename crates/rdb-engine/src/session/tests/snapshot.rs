//! A target that only reads (a core file, a minidump): the session opens it at the moment it was taken, with its
//! threads, modules and exception from the snapshot, serves every read, and refuses in one line whatever would run
//! or change it.

use super::*;
use crate::target::{ModuleRecord, Snapshot, SnapshotOs};

const STACK: u64 = 0x7fff_0000;

/// A crash captured in a snapshot: two threads, the executable, a fault on the first thread.
struct Dump {
    memory: BTreeMap<u64, u8>,
    regs: BTreeMap<Tid, Registers>,
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
        Dump { memory, regs }
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
        vec![ModuleRecord { base: EXE_BASE, size: 0x10000, path: PathBuf::from("/nonexistent/crasher") }]
    }
    fn event(&mut self) -> Option<Event> {
        let fault = ExceptionKind::AccessViolation { fault_address: Some(0), write: Some(true), signal: Some(11) };
        Some(event(EventKind::Exception(Exception { kind: fault, address: ENTRY + 0x10, first_chance: false })))
    }
    fn os(&mut self) -> SnapshotOs {
        SnapshotOs::Linux
    }
}

fn opened() -> (Session, Stop, Rc<RefCell<Vec<Notice>>>) {
    let notices = Rc::new(RefCell::new(Vec::new()));
    let seen = notices.clone();
    let (session, stop) =
        Session::start(Box::new(Dump::crashed()), Box::new(move |n| seen.borrow_mut().push(n.clone()))).unwrap();
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
    assert!(matches!(notices.borrow()[..], [Notice::ModuleLoaded { base: EXE_BASE, .. }]));
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
    let cannot = "the target is a snapshot of a process (a dump): it cannot run or be changed";
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
