//! Engine tests against a scripted fake target: breakpoint bookkeeping, stepping off int3s, filters, the loader
//! rendezvous and detach, without an OS. `ba` and `bpm` are in `tests/watch.rs`.

mod breakpoints;
mod compiled;
mod conditions;
mod control;
mod disassembly;
mod displaced;
mod dumps;
mod frames;
mod lazy;
mod loader;
mod snapshot;
mod source_step;
mod watch;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;

use super::*;
use crate::regs::DebugRegisters;
use crate::target::{
    ChildProcesses, EnvironmentBlocks, Event, EventKind, Exception, ExceptionKind, Execution, ExitStatus, Interrupter,
    LoaderRendezvous, PageGuards, Region, Resume, ScratchMemory,
};

mod environment;

const PID: u32 = 100;
const TID: u32 = 100;
const EXE_BASE: u64 = 0x40_0000;
const ENTRY: u64 = 0x40_1000;
const LIBC_BASE: u64 = 0x7000_0000;

/// `cld`: an instruction the engine does not emulate, so without scratch memory (the fake has none unless a test
/// gives it some) a thread steps off a breakpoint on it alone, with the int3 out: the fallback these tests check.
const STEPS_ALONE: &[u8] = &[0xfc];

/// What the fake process looks like; the script mutates it as the "CPU" would.
#[derive(Default)]
struct State {
    memory: BTreeMap<u64, u8>,
    regs: BTreeMap<u32, Registers>,
    resumes: Vec<(ContinueStatus, Resume)>,
    detached: bool,
    killed: bool,
    modules_reported: bool,
    /// A static executable: no loader, so no rendezvous; the process starts at its entry point.
    static_exe: bool,
    /// The loader's rendezvous reads fail here (a dynamic section pointing nowhere, a list overwritten).
    loader_unreadable: Option<u64>,
    /// Children released, with the bytes written into them.
    released: Vec<(Pid, Vec<(u64, u8)>)>,
    /// A Windows process: the target says where its PEB and TEB are.
    blocks: Option<Blocks>,
    /// Each thread's debug registers.
    debug_regs: BTreeMap<u32, DebugRegisters>,
    /// The target has guard pages (`bpm`), and which pages are armed.
    has_page_guards: bool,
    guarded: BTreeSet<u64>,
    /// The target has scratch memory, and the chunks it mapped (address, size); those given back, and whether it
    /// refuses to give any back.
    has_scratch: bool,
    scratch: Vec<(u64, u64)>,
    freed: Vec<(u64, u64)>,
    refuse_free: bool,
    /// How many times the engine waited for an event.
    waits: usize,
    /// Every call the engine made of the target, in order (`lazy.rs` is held to what it may do before
    /// `stop_others`).
    calls: Vec<Call>,
    /// The memory map the target reports (none: the target cannot say, and any address may hold an int3).
    regions: Vec<Region>,
    /// Addresses whose bytes cannot be written (an int3 there fails), and pages that cannot be guarded.
    unwritable: BTreeSet<u64>,
    unguardable: BTreeSet<u64>,
    /// The kernel refuses every write of debug registers.
    refuse_debug_registers: bool,
    /// The target's OS writes minidumps itself, and the memory each one it wrote saw.
    native_dumps: bool,
    dumped_memory: Vec<BTreeMap<u64, u8>>,
}

/// One call of the target, as `State::calls` records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Call {
    Wait,
    StopOthers,
    Resume(Resume),
    ReadMemory,
    WriteMemory(u64),
    Registers(Tid),
    SetRegisters(Tid),
    DebugRegisters(Tid),
    SetDebugRegisters(Tid),
    Other,
}

#[derive(Clone, Copy)]
struct Blocks {
    peb: u64,
    teb: u64,
}

impl State {
    fn byte(&self, a: u64) -> u8 {
        self.memory.get(&a).copied().unwrap_or(0x90)
    }
    fn rip(&self) -> u64 {
        self.regs[&TID].rip
    }
    fn set_rip(&mut self, rip: u64) {
        self.regs.get_mut(&TID).unwrap().rip = rip;
    }
}

type Script = VecDeque<Box<dyn FnMut(&mut State) -> Event>>;

struct Fake {
    state: Rc<RefCell<State>>,
    script: Script,
}

struct NoInterrupt;
impl Interrupter for NoInterrupt {
    fn interrupt(&self) {}
}

impl Target for Fake {
    fn pid(&self) -> Pid {
        PID
    }
    fn read_memory(&mut self, address: u64, buf: &mut [u8]) -> Result<usize> {
        self.state.borrow_mut().calls.push(Call::ReadMemory);
        if address < 0x1000 {
            return Err(Error::MemoryAccess(address));
        }
        let s = self.state.borrow();
        for (i, b) in buf.iter_mut().enumerate() {
            *b = s.byte(address + i as u64);
        }
        Ok(buf.len())
    }
    fn registers(&mut self, tid: Tid) -> Result<Registers> {
        self.state.borrow_mut().calls.push(Call::Registers(tid));
        self.state.borrow().regs.get(&tid).copied().ok_or(Error::NoSuchThread(tid))
    }
    fn threads(&self) -> Vec<Tid> {
        self.state.borrow().regs.keys().copied().collect()
    }
    fn memory_regions(&mut self) -> Result<Vec<Region>> {
        Ok(self.state.borrow().regions.clone())
    }
    fn environment_blocks(&mut self) -> Option<&mut dyn EnvironmentBlocks> {
        if self.state.borrow().blocks.is_some() { Some(self) } else { None }
    }
    fn execution(&mut self) -> Option<&mut dyn Execution> {
        Some(self)
    }
}

impl Execution for Fake {
    fn wait_event(&mut self) -> Result<Event> {
        let mut step = self.script.pop_front().expect("the engine waited for more events than the script has");
        let mut s = self.state.borrow_mut();
        s.waits += 1;
        s.calls.push(Call::Wait);
        Ok(step(&mut s))
    }
    fn stop_others(&mut self) -> Result<()> {
        self.state.borrow_mut().calls.push(Call::StopOthers);
        Ok(())
    }
    fn resume(&mut self, status: ContinueStatus, how: Resume) -> Result<()> {
        let mut s = self.state.borrow_mut();
        s.resumes.push((status, how));
        s.calls.push(Call::Resume(how));
        Ok(())
    }
    fn write_memory(&mut self, address: u64, data: &[u8]) -> Result<()> {
        let mut s = self.state.borrow_mut();
        s.calls.push(Call::WriteMemory(address));
        if (address..address + data.len() as u64).any(|a| s.unwritable.contains(&a)) {
            return Err(Error::MemoryAccess(address));
        }
        for (i, b) in data.iter().enumerate() {
            s.memory.insert(address + i as u64, *b);
        }
        Ok(())
    }
    fn set_registers(&mut self, tid: Tid, regs: &Registers) -> Result<()> {
        let mut s = self.state.borrow_mut();
        s.calls.push(Call::SetRegisters(tid));
        s.regs.insert(tid, *regs);
        Ok(())
    }
    fn debug_registers(&mut self, tid: Tid) -> Result<DebugRegisters> {
        self.state.borrow_mut().calls.push(Call::DebugRegisters(tid));
        Ok(self.state.borrow().debug_regs.get(&tid).copied().unwrap_or_default())
    }
    fn set_debug_registers(&mut self, tid: Tid, regs: &DebugRegisters) -> Result<()> {
        let mut s = self.state.borrow_mut();
        s.calls.push(Call::SetDebugRegisters(tid));
        if s.refuse_debug_registers {
            return Err(Error::msg("Invalid argument"));
        }
        s.debug_regs.insert(tid, *regs);
        Ok(())
    }
    fn interrupter(&self) -> Arc<dyn Interrupter> {
        Arc::new(NoInterrupt)
    }
    fn detach(&mut self) -> Result<()> {
        self.state.borrow_mut().detached = true;
        Ok(())
    }
    fn kill(&mut self) -> Result<()> {
        self.state.borrow_mut().killed = true;
        Ok(())
    }
    fn launched(&self) -> bool {
        true
    }
    fn loader_rendezvous(&mut self) -> Option<&mut dyn LoaderRendezvous> {
        Some(self)
    }
    fn child_processes(&mut self) -> Option<&mut dyn ChildProcesses> {
        Some(self)
    }
    fn page_guards(&mut self) -> Option<&mut dyn PageGuards> {
        if self.state.borrow().has_page_guards { Some(self) } else { None }
    }
    fn scratch_memory(&mut self) -> Option<&mut dyn ScratchMemory> {
        if self.state.borrow().has_scratch { Some(self) } else { None }
    }
    fn native_dumps(&mut self) -> Option<&mut dyn crate::target::NativeDumps> {
        if self.state.borrow().native_dumps { Some(self) } else { None }
    }
}

impl crate::target::NativeDumps for Fake {
    fn write_minidump(
        &mut self,
        _path: &std::path::Path,
        _full: bool,
        _overwrite: bool,
        _exception: Option<(Tid, &Exception)>,
    ) -> Result<()> {
        let mut s = self.state.borrow_mut();
        let memory = s.memory.clone();
        s.dumped_memory.push(memory);
        Ok(())
    }
}

/// Scratch memory is mapped from SCRATCH up, a chunk after the other, as an mmap near the executable would be.
pub const SCRATCH: u64 = 0x4000_0000;

impl ScratchMemory for Fake {
    fn allocate(&mut self, near: u64, size: u64) -> Result<u64> {
        let mut s = self.state.borrow_mut();
        s.calls.push(Call::Other);
        assert!(near.abs_diff(SCRATCH) < 0x7000_0000, "the fake only maps near its executable");
        let base = SCRATCH + s.scratch.iter().map(|(_, n)| n.div_ceil(0x1000) * 0x1000).sum::<u64>();
        s.scratch.push((base, size));
        Ok(base)
    }
    fn free(&mut self, address: u64, size: u64) -> Result<()> {
        let mut s = self.state.borrow_mut();
        s.calls.push(Call::Other);
        assert!(s.scratch.contains(&(address, size)), "freed {address:#x} ({size:#x} bytes), never mapped");
        if s.refuse_free {
            return Err(Error::msg("Invalid argument"));
        }
        s.freed.push((address, size));
        Ok(())
    }
}

impl EnvironmentBlocks for Fake {
    fn peb(&mut self) -> Result<u64> {
        self.state.borrow().blocks.map(|b| b.peb).ok_or(Error::NoProcess)
    }
    fn teb(&mut self, tid: Tid) -> Result<u64> {
        let s = self.state.borrow();
        s.blocks.filter(|_| s.regs.contains_key(&tid)).map(|b| b.teb).ok_or(Error::NoSuchThread(tid))
    }
}

impl PageGuards for Fake {
    fn arm(&mut self, page: u64) -> Result<()> {
        assert_eq!(page % 0x1000, 0, "pages are armed whole");
        self.state.borrow_mut().calls.push(Call::Other);
        if self.state.borrow().unguardable.contains(&page) {
            return Err(Error::MemoryAccess(page));
        }
        self.state.borrow_mut().guarded.insert(page);
        Ok(())
    }
    fn disarm(&mut self, page: u64) -> Result<()> {
        self.state.borrow_mut().calls.push(Call::Other);
        self.state.borrow_mut().guarded.remove(&page);
        Ok(())
    }
}

impl ChildProcesses for Fake {
    fn release_child(&mut self, child: Pid, restore: &[(u64, u8)]) -> Result<()> {
        self.state.borrow_mut().calls.push(Call::Other);
        self.state.borrow_mut().released.push((child, restore.to_vec()));
        Ok(())
    }
}

impl LoaderRendezvous for Fake {
    fn breakpoint_address(&mut self) -> Result<Option<u64>> {
        // As glibc: the rendezvous address is published once the loader has run (at the entry point).
        let s = self.state.borrow();
        if let Some(at) = s.loader_unreadable {
            return Err(Error::MemoryAccess(at));
        }
        Ok((!s.static_exe && s.rip() != ENTRY - 0x10).then_some(LIBC_BASE + 0x100))
    }
    fn sync_modules(&mut self) -> Result<Vec<EventKind>> {
        let mut s = self.state.borrow_mut();
        if let Some(at) = s.loader_unreadable {
            return Err(Error::MemoryAccess(at));
        }
        if s.modules_reported {
            return Ok(Vec::new());
        }
        s.modules_reported = true;
        Ok(vec![EventKind::ModuleLoaded {
            base: LIBC_BASE,
            size: 0x1000,
            path: PathBuf::from("/nonexistent/libc.so.6"),
        }])
    }
    fn link_map(&mut self) -> Result<Vec<crate::target::LinkMapEntry>> {
        Ok(vec![crate::target::LinkMapEntry {
            address: LIBC_BASE + 0x200,
            bias: LIBC_BASE,
            dynamic: LIBC_BASE + 0x300,
            name: b"/nonexistent/libc.so.6".to_vec(),
        }])
    }
}

/// A console breakpoint on the code at `address`.
fn code_at(address: u64) -> Spec {
    Spec::new(Owner::Console, Kind::Software, Location::Expr(format!("{address:#x}")))
}

/// The same, stopping only where the MASM `condition` holds.
fn when(address: u64, condition: &str) -> Spec {
    Spec { condition: Some(Condition::masm(condition)), ..code_at(address) }
}

fn event(kind: EventKind) -> Event {
    Event { pid: PID, tid: TID, kind }
}

fn breakpoint_at(address: u64) -> Box<dyn FnMut(&mut State) -> Event> {
    Box::new(move |s: &mut State| {
        assert_eq!(s.byte(address), 0xcc, "the engine resumed without its int3 at {address:#x}");
        s.set_rip(address + 1);
        event(EventKind::Exception(Exception { kind: ExceptionKind::Breakpoint, address, first_chance: true }))
    })
}

fn single_step_to(next: u64) -> Box<dyn FnMut(&mut State) -> Event> {
    Box::new(move |s: &mut State| {
        let rip = s.rip();
        assert_ne!(s.byte(rip), 0xcc, "stepped over {rip:#x} with the int3 still in");
        assert!(matches!(s.resumes.last(), Some((_, Resume::Step { tid: TID }))), "a step must hold the other threads");
        s.set_rip(next);
        event(EventKind::Exception(Exception {
            kind: ExceptionKind::SingleStep { dr6: 0 },
            address: next,
            first_chance: true,
        }))
    })
}

fn exit(code: i64) -> Box<dyn FnMut(&mut State) -> Event> {
    Box::new(move |_| event(EventKind::ProcessExited { status: ExitStatus::Code(code) }))
}

/// A session stopped at the initial breakpoint, with the script to follow queued after the start-up events.
type Started = (Session, Rc<RefCell<State>>, Rc<RefCell<Vec<Notice>>>);

fn started(code: &[(u64, &[u8])], then: Script) -> Started {
    start(code, then, false)
}

fn start(code: &[(u64, &[u8])], then: Script, static_exe: bool) -> Started {
    start_with(State { static_exe, ..State::default() }, code, then)
}

/// A session started on a fake process that begins as `state` says.
fn start_with(state: State, code: &[(u64, &[u8])], then: Script) -> Started {
    let static_exe = state.static_exe;
    let state = Rc::new(RefCell::new(state));
    {
        let mut s = state.borrow_mut();
        for (address, bytes) in code {
            for (i, b) in bytes.iter().enumerate() {
                s.memory.insert(address + i as u64, *b);
            }
        }
        // A dynamic program starts in its loader; a static one at its own entry point.
        let rip = if static_exe { ENTRY } else { ENTRY - 0x10 };
        s.regs.insert(TID, Registers { rip, rsp: 0x7fff_0000, ..Default::default() });
    }
    let mut script: Script = VecDeque::new();
    script.push_back(Box::new(|_| {
        event(EventKind::ProcessCreated {
            image_base: EXE_BASE,
            image_size: 0x2000,
            entry: ENTRY,
            path: PathBuf::from("/nonexistent/demo"),
        })
    }));
    script.push_back(breakpoint_at(ENTRY));
    script.extend(then);
    let notices = Rc::new(RefCell::new(Vec::new()));
    let sink = notices.clone();
    if static_exe {
        // No loader: the fake reports no libc.
        state.borrow_mut().modules_reported = true;
    }
    let fake = Fake { state: state.clone(), script };
    let (session, stop) =
        Session::start(Box::new(fake), Box::new(move |n: &Notice| sink.borrow_mut().push(n.clone()))).unwrap();
    assert_eq!(stop.reason, StopReason::InitialBreakpoint);
    (session, state, notices)
}

#[test]
fn initial_breakpoint_at_entry_reports_modules_and_leaves_no_int3() {
    let (mut session, state, notices) = started(&[(ENTRY, &[0x55])], VecDeque::new());
    assert_eq!(state.borrow().rip(), ENTRY, "rip is rewound onto the int3's address");
    let loaded: Vec<_> = notices
        .borrow()
        .iter()
        .filter_map(|n| match n {
            Notice::ModuleLoaded { base, .. } => Some(*base),
            _ => None,
        })
        .collect();
    assert_eq!(loaded, [EXE_BASE, LIBC_BASE]);
    assert_eq!(session.modules.by_name("libc").map(|m| m.base), Some(LIBC_BASE));
    let mut b = [0u8];
    session.read_memory(ENTRY, &mut b).unwrap();
    assert_eq!(b[0], 0x55);
}

#[test]
fn breakpoint_hit_rewinds_and_steps_off_with_others_held() {
    let bp = ENTRY + 0x10;
    let script: Script = VecDeque::from([breakpoint_at(bp), single_step_to(bp + 1), exit(3)]);
    let (mut session, state, _) = started(&[(bp, STEPS_ALONE)], script);
    session.add_breakpoint(TID, code_at(bp)).unwrap();
    let stop = session.go(None).unwrap();
    assert_eq!(stop.reason, StopReason::Breakpoint(vec![0]));
    assert_eq!(state.borrow().rip(), bp);
    let mut b = [0u8];
    session.read_memory(bp, &mut b).unwrap();
    assert_eq!(b[0], STEPS_ALONE[0], "reads never show the engine's int3");
    assert_eq!(state.borrow().byte(bp), 0xcc);
    let stop = session.go(None).unwrap();
    assert_eq!(stop.reason, StopReason::ProcessExited(ExitStatus::Code(3)));
    assert_eq!(session.breakpoints.get(0).unwrap().hits, 1);
}

#[test]
fn pass_count_lets_early_hits_run_on() {
    let bp = ENTRY + 0x20;
    let script: Script = VecDeque::from([
        breakpoint_at(bp),
        single_step_to(bp + 1),
        Box::new(move |s: &mut State| {
            s.set_rip(bp);
            breakpoint_at(bp)(s)
        }) as Box<dyn FnMut(&mut State) -> Event>,
    ]);
    let (mut session, _, _) = started(&[(bp, STEPS_ALONE)], script);
    session.add_breakpoint(TID, Spec { passes: 2, ..code_at(bp) }).unwrap();
    let stop = session.go(None).unwrap();
    assert_eq!(stop.reason, StopReason::Breakpoint(vec![0]));
    assert_eq!(session.breakpoints.get(0).unwrap().hits, 2);
}

#[test]
fn access_violation_stops_first_chance_and_continues_not_handled() {
    let av = |first_chance| -> Box<dyn FnMut(&mut State) -> Event> {
        Box::new(move |_| {
            event(EventKind::Exception(Exception {
                kind: ExceptionKind::AccessViolation { fault_address: Some(0), write: Some(true), signal: Some(11) },
                address: ENTRY,
                first_chance,
            }))
        })
    };
    let script: Script = VecDeque::from([av(true), av(false), exit(0)]);
    let (mut session, state, _) = started(&[], script);
    let first = session.go(None).unwrap();
    assert!(matches!(first.reason, StopReason::Exception(Exception { first_chance: true, .. })));
    let second = session.go(None).unwrap();
    assert!(matches!(second.reason, StopReason::Exception(Exception { first_chance: false, .. })));
    assert_eq!(state.borrow().resumes.last().unwrap().0, ContinueStatus::NotHandled, "g after a fault passes it on");
    session.go(Some(ContinueStatus::Handled)).unwrap();
    assert_eq!(state.borrow().resumes.last().unwrap().0, ContinueStatus::Handled, "gh overrides the filter");
}

#[test]
fn ignored_signals_pass_through_without_stopping() {
    let script: Script = VecDeque::from([
        Box::new(|_: &mut State| {
            event(EventKind::Exception(Exception {
                kind: ExceptionKind::Signal { signo: 17 },
                address: ENTRY,
                first_chance: true,
            }))
        }) as Box<dyn FnMut(&mut State) -> Event>,
        exit(0),
    ]);
    let (mut session, state, _) = started(&[], script);
    let stop = session.go(None).unwrap();
    assert_eq!(stop.reason, StopReason::ProcessExited(ExitStatus::Code(0)));
    let resumes = &state.borrow().resumes;
    assert_eq!(resumes[resumes.len() - 1].0, ContinueStatus::NotHandled, "SIGCHLD is delivered");
}

#[test]
fn step_over_a_call_runs_to_the_return_address() {
    // call rel32 at the entry point; the return lands 5 bytes later.
    let call = [0xe8, 0x00, 0x01, 0x00, 0x00];
    let ret = ENTRY + 5;
    // The entry breakpoint is spent, so the thread runs (all threads, not a held step) until it returns.
    let script: Script = VecDeque::from([breakpoint_at(ret)]);
    let (mut session, state, _) = started(&[(ENTRY, &call)], script);
    let stop = session.run(Resumption::StepOver { tid: TID }).unwrap();
    assert_eq!(stop.reason, StopReason::Step);
    assert_eq!(state.borrow().rip(), ret);
    assert!(matches!(state.borrow().resumes.last(), Some((_, Resume::All))));
}

#[test]
fn detach_restores_every_patched_byte() {
    let bp = ENTRY + 0x30;
    let script: Script = VecDeque::from([breakpoint_at(bp)]);
    let (mut session, state, _) = started(&[(bp, &[0x41])], script);
    session.add_breakpoint(TID, code_at(bp)).unwrap();
    session.go(None).unwrap();
    session.detach().unwrap();
    let s = state.borrow();
    assert!(s.detached);
    assert_eq!(s.byte(bp), 0x41);
    assert_eq!(s.byte(LIBC_BASE + 0x100), 0x90, "the loader rendezvous int3 is removed too");
}

#[test]
fn writes_over_a_patch_update_the_original() {
    let bp = ENTRY + 0x40;
    let script: Script = VecDeque::from([breakpoint_at(bp), single_step_to(bp + 1), exit(0)]);
    let (mut session, state, _) = started(&[(bp, &[0x41])], script);
    session.add_breakpoint(TID, code_at(bp)).unwrap();
    session.go(None).unwrap();
    session.write_memory(bp, &[0x42]).unwrap();
    assert_eq!(state.borrow().byte(bp), 0xcc, "the breakpoint stays in");
    let mut b = [0u8];
    session.read_memory(bp, &mut b).unwrap();
    assert_eq!(b[0], 0x42);
}

#[test]
fn a_static_program_starting_on_its_entry_breakpoint_runs_into_it() {
    // At the exec stop rip is already the entry point: the int3 there must be executed (a hit), not stepped over.
    let (_session, state, notices) = start(&[(ENTRY, &[0x31, 0xed])], VecDeque::new(), true);
    let s = state.borrow();
    assert!(matches!(s.resumes.first(), Some((_, Resume::All))), "no step off an int3 never reported: {:?}", s.resumes);
    assert_eq!(s.rip(), ENTRY);
    let loads = notices.borrow().iter().filter(|n| matches!(n, Notice::ModuleLoaded { .. })).count();
    assert_eq!(loads, 1, "the executable only");
}

#[test]
fn t_on_a_breakpoint_is_the_step_off_itself() {
    let bp = ENTRY + 0x50;
    let script: Script = VecDeque::from([breakpoint_at(bp), single_step_to(bp + 1)]);
    let (mut session, state, _) = started(&[(bp, &[0x55])], script);
    session.add_breakpoint(TID, code_at(bp)).unwrap();
    assert_eq!(session.go(None).unwrap().reason, StopReason::Breakpoint(vec![0]));
    let before = state.borrow().resumes.len();
    assert_eq!(session.run(Resumption::StepInto { tid: TID }).unwrap().reason, StopReason::Step);
    let s = state.borrow();
    assert_eq!(s.resumes.len(), before + 1, "one resume: the step off the breakpoint is the user's step");
    assert_eq!(s.rip(), bp + 1);
    assert_eq!(s.byte(bp), 0xcc, "the breakpoint is back in");
}

#[test]
fn a_forked_child_gets_the_original_bytes_back_before_it_runs() {
    let bp = ENTRY + 0x60;
    let script: Script = VecDeque::from([
        Box::new(|_: &mut State| event(EventKind::ChildProcess { child: 777, shares_memory: false, followed: false }))
            as Box<dyn FnMut(&mut State) -> Event>,
        exit(0),
    ]);
    let (mut session, state, notices) = started(&[(bp, &[0x41])], script);
    session.add_breakpoint(TID, code_at(bp)).unwrap();
    session.go(None).unwrap();
    let s = state.borrow();
    let (child, restore) = &s.released[0];
    assert_eq!(*child, 777);
    assert!(restore.contains(&(bp, 0x41)), "the user's breakpoint is undone in the child: {restore:?}");
    assert!(restore.iter().any(|&(a, _)| a == LIBC_BASE + 0x100), "and the loader's: {restore:?}");
    assert!(notices.borrow().iter().any(|n| matches!(n, Notice::ChildProcess { child: 777, .. })));
}

#[test]
fn a_vfork_child_runs_with_our_int3s_out_of_the_shared_memory_until_it_lets_go() {
    let bp = ENTRY + 0x70;
    let script: Script = VecDeque::from([
        Box::new(|_: &mut State| event(EventKind::ChildProcess { child: 778, shares_memory: true, followed: false }))
            as Box<dyn FnMut(&mut State) -> Event>,
        Box::new(move |s: &mut State| {
            assert_eq!(s.byte(bp), 0x41, "no int3 while the vfork child runs in this memory");
            event(EventKind::SharedMemoryReleased { child: 778 })
        }),
        breakpoint_at(bp),
    ]);
    let (mut session, state, _) = started(&[(bp, &[0x41])], script);
    session.add_breakpoint(TID, code_at(bp)).unwrap();
    assert_eq!(session.go(None).unwrap().reason, StopReason::Breakpoint(vec![0]), "back in once it let go");
    assert_eq!(state.borrow().released, vec![(778, Vec::new())]);
}

#[test]
fn a_break_in_on_a_thread_created_while_running_names_it_and_stops_on_its_int3() {
    const INJECTED: u32 = TID + 1;
    const BREAK: u64 = LIBC_BASE + 0x100;
    let script: Script = VecDeque::from([
        Box::new(|s: &mut State| {
            s.regs.insert(INJECTED, Registers { rip: BREAK, rsp: 0x7ffe_0000, ..Default::default() });
            Event { pid: PID, tid: INJECTED, kind: EventKind::ThreadCreated { start: Some(BREAK) } }
        }) as Box<dyn FnMut(&mut State) -> Event>,
        Box::new(|s: &mut State| {
            s.regs.get_mut(&INJECTED).unwrap().rip = BREAK + 1;
            let e = Exception { kind: ExceptionKind::BreakIn, address: BREAK, first_chance: true };
            Event { pid: PID, tid: INJECTED, kind: EventKind::Exception(e) }
        }),
        Box::new(|s: &mut State| {
            assert_eq!(s.regs[&INJECTED].rip, BREAK + 1, "the thread runs on past the int3");
            event(EventKind::ProcessExited { status: ExitStatus::Code(0) })
        }),
    ]);
    let (mut session, state, _) = started(&[(BREAK, &[0xcc, 0xc3])], script);
    let stop = session.go(None).unwrap();
    assert_eq!(stop.reason, StopReason::BreakIn { injected_thread: Some(1) });
    assert_eq!(state.borrow().regs[&INJECTED].rip, BREAK, "shown on the int3, as WinDbg shows it");
    let stop = session.go(None).unwrap();
    assert_eq!(stop.reason, StopReason::ProcessExited(ExitStatus::Code(0)));
}
