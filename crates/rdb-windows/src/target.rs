//! `WindowsTarget`: the Win32 debugging API behind the engine's [`Target`] trait.
//!
//! While a debug event is pending (reported, not yet continued) the system holds every thread of the debuggee:
//! that is the all-stop the engine expects. A single step (`Resume::Step`) suspends every other thread with
//! `SuspendThread` before continuing, so only the stepping thread runs. Events other threads raced in before
//! they were suspended are put aside (see [`WindowsTarget::defer`]) and reported after the step. Breakpoint hits
//! the system still holds back when the debuggee stops are found in `unreported.rs`.

mod native_dumps;
mod unreported;

use std::cell::RefCell;
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::os::windows::io::{AsRawHandle, OwnedHandle};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rdb_engine::regs::{DebugRegisters, Registers, TRAP_FLAG};
use rdb_engine::target::{
    ContinueStatus, EnvironmentBlocks, Event, EventKind, Exception, ExceptionKind, Execution, ExitStatus,
    FloatRegisters, Interrupter, PageGuards, Pid, ProcessFamily, Region, Resume, ScratchMemory, Target, Tid,
    VectorRegisters,
};
use rdb_engine::{Error, Result};
use windows_sys::Win32::Foundation::{DBG_CONTINUE, DBG_EXCEPTION_NOT_HANDLED, HANDLE};
use windows_sys::Win32::System::Diagnostics::Debug::{
    CONTEXT_FLAGS, CREATE_PROCESS_DEBUG_EVENT, CREATE_THREAD_DEBUG_EVENT, DEBUG_EVENT, DebugActiveProcessStop,
    DebugBreakProcess, DebugSetProcessKillOnExit, EXCEPTION_DEBUG_EVENT, EXIT_PROCESS_DEBUG_EVENT,
    EXIT_THREAD_DEBUG_EVENT, LOAD_DLL_DEBUG_EVENT, OUTPUT_DEBUG_STRING_EVENT, RIP_EVENT, UNLOAD_DLL_DEBUG_EVENT,
};
use windows_sys::Win32::System::Threading::{ResumeThread, SuspendThread, TerminateProcess};

use crate::context::{self, Context, last_error};
use crate::exceptions;
use crate::memory::{self, Guards};
use crate::wait::{Waiter, continue_event};
use crate::{handles, launch, paths};
use unreported::Unreported;
use windows_sys::Win32::System::Threading::INFINITE;

/// How long `kill` waits for the process to report its exit.
const KILL_TIMEOUT_MS: u32 = 10_000;

struct Thread {
    tid: Tid,
    /// The handle the create-process or create-thread event gave; the system closes it.
    handle: HANDLE,
    /// The thread local base (TEB).
    teb: u64,
}

/// The event the system is holding the debuggee for.
#[derive(Clone, Copy)]
struct Pending {
    tid: Tid,
    exception: bool,
}

pub struct WindowsTarget {
    pid: Pid,
    process: OwnedHandle,
    launched: bool,
    /// In creation order, the main thread first.
    threads: Vec<Thread>,
    pending: Option<Pending>,
    /// Events put aside during a single step, reported before the debuggee runs again.
    queue: VecDeque<Event>,
    /// Breakpoint hits other threads wait to report while the debuggee is stopped.
    unreported: Unreported,
    /// Threads rdb suspended (so the system's "held" plus these are every thread).
    held: BTreeSet<Tid>,
    /// The thread a `Resume::Step` is running.
    stepping: Option<Tid>,
    exited: bool,
    detached: bool,
    /// The debug event stream, shared with the targets of the child processes followed.
    port: Rc<RefCell<Port>>,
    breakin: Arc<BreakIn>,
    /// Threads that appeared after a break-in was asked for: the one `DebugBreakProcess` injected is among them.
    breakin_threads: Vec<Tid>,
    guards: Guards,
    /// Thread contexts (general and debug registers) read since the debuggee last ran: each read or write is a
    /// round trip to the system (to the wineserver under Wine), so a stop's registers are read once however often
    /// the engine asks, and written through.
    contexts: HashMap<Tid, Context>,
    /// Module bases and paths, for naming memory regions.
    modules: BTreeMap<u64, String>,
    launch_path: Option<PathBuf>,
}

impl WindowsTarget {
    /// Start `program` with `command_line` under the debugger (with `follow_children`, its child processes too:
    /// `DEBUG_PROCESS`), with the environment and directory `place` gives. The first event (`ProcessCreated`) is returned by `wait_event`.
    pub fn launch(
        program: &Path,
        command_line: &str,
        streams: [Option<std::os::windows::io::OwnedHandle>; 3],
        follow_children: bool,
        place: &launch::Place,
    ) -> Result<WindowsTarget> {
        let (pid, process) = launch::create(program, command_line, streams, follow_children, place)?;
        let port = Port::new(pid, follow_children);
        Ok(WindowsTarget::new(pid, process, true, Some(program.to_path_buf()), port))
    }

    /// Attach to a running process.
    pub fn attach(pid: u32) -> Result<WindowsTarget> {
        let process = launch::attach(pid)?;
        Ok(WindowsTarget::new(pid, process, false, None, Port::new(pid, false)))
    }

    fn new(
        pid: Pid,
        process: OwnedHandle,
        launched: bool,
        launch_path: Option<PathBuf>,
        port: Rc<RefCell<Port>>,
    ) -> WindowsTarget {
        let breakin = Arc::new(BreakIn { process: process.try_clone().ok(), requested: AtomicBool::new(false) });
        WindowsTarget {
            pid,
            process,
            launched,
            threads: Vec::new(),
            pending: None,
            queue: VecDeque::new(),
            unreported: Unreported::default(),
            held: BTreeSet::new(),
            stepping: None,
            exited: false,
            detached: false,
            port,
            breakin,
            breakin_threads: Vec::new(),
            guards: Guards::default(),
            contexts: HashMap::new(),
            modules: BTreeMap::new(),
            launch_path,
        }
    }

    fn handle(&self) -> HANDLE {
        self.process.as_raw_handle()
    }

    fn thread(&self, tid: Tid) -> Result<&Thread> {
        self.threads.iter().find(|t| t.tid == tid).ok_or(Error::NoSuchThread(tid))
    }

    fn live(&self) -> Result<()> {
        if self.exited || self.detached { Err(Error::NoProcess) } else { Ok(()) }
    }

    /// Turn one raw event into the engine's vocabulary, keeping the thread list, closing `hFile`s. `None` for an
    /// event the engine has no use for (it is continued at once).
    fn translate(&mut self, raw: &DEBUG_EVENT) -> Option<EventKind> {
        let process = self.handle();
        match raw.dwDebugEventCode {
            CREATE_PROCESS_DEBUG_EVENT => {
                // SAFETY: the union member named by the event code.
                let info = unsafe { raw.u.CreateProcessInfo };
                let base = info.lpBaseOfImage as u64;
                let path = paths::from_image_name(process, info.lpImageName as u64, info.fUnicode != 0)
                    .or_else(|| paths::from_file_handle(info.hFile))
                    .or_else(|| self.launch_path.clone())
                    .unwrap_or_default();
                handles::close_file_handle(info.hFile);
                self.threads =
                    vec![Thread { tid: raw.dwThreadId, handle: info.hThread, teb: info.lpThreadLocalBase as u64 }];
                self.modules.insert(base, path.to_string_lossy().into_owned());
                Some(EventKind::ProcessCreated {
                    image_base: base,
                    image_size: memory::image_size(process, base).unwrap_or(0),
                    entry: info.lpStartAddress.map_or(0, |f| f as usize as u64),
                    path,
                })
            }
            CREATE_THREAD_DEBUG_EVENT => {
                // SAFETY: the union member named by the event code.
                let info = unsafe { raw.u.CreateThread };
                self.threads.push(Thread {
                    tid: raw.dwThreadId,
                    handle: info.hThread,
                    teb: info.lpThreadLocalBase as u64,
                });
                if self.breakin.requested.load(Ordering::SeqCst) {
                    self.breakin_threads.push(raw.dwThreadId);
                }
                Some(EventKind::ThreadCreated { start: info.lpStartAddress.map(|f| f as usize as u64) })
            }
            EXIT_THREAD_DEBUG_EVENT => {
                // SAFETY: the union member named by the event code.
                let code = unsafe { raw.u.ExitThread.dwExitCode };
                self.threads.retain(|t| t.tid != raw.dwThreadId);
                self.held.remove(&raw.dwThreadId);
                self.contexts.remove(&raw.dwThreadId);
                self.unreported.forget(raw.dwThreadId);
                self.breakin_threads.retain(|t| *t != raw.dwThreadId);
                Some(EventKind::ThreadExited { code: i64::from(code) })
            }
            EXIT_PROCESS_DEBUG_EVENT => {
                // SAFETY: the union member named by the event code.
                let code = unsafe { raw.u.ExitProcess.dwExitCode };
                self.exited = true;
                Some(EventKind::ProcessExited { status: ExitStatus::Code(i64::from(code)) })
            }
            LOAD_DLL_DEBUG_EVENT => {
                // SAFETY: the union member named by the event code.
                let info = unsafe { raw.u.LoadDll };
                let base = info.lpBaseOfDll as u64;
                let path = paths::from_image_name(process, info.lpImageName as u64, info.fUnicode != 0)
                    .or_else(|| paths::from_file_handle(info.hFile))
                    .unwrap_or_else(|| PathBuf::from(format!("image{base:016x}")));
                handles::close_file_handle(info.hFile);
                self.modules.insert(base, path.to_string_lossy().into_owned());
                Some(EventKind::ModuleLoaded { base, size: memory::image_size(process, base).unwrap_or(0), path })
            }
            UNLOAD_DLL_DEBUG_EVENT => {
                // SAFETY: the union member named by the event code.
                let base = unsafe { raw.u.UnloadDll.lpBaseOfDll } as u64;
                self.modules.remove(&base);
                Some(EventKind::ModuleUnloaded { base })
            }
            OUTPUT_DEBUG_STRING_EVENT => {
                // SAFETY: the union member named by the event code.
                let info = unsafe { raw.u.DebugString };
                let unicode = info.fUnicode != 0;
                let len = usize::from(info.nDebugStringLength).max(1);
                let text = memory::read_string(process, info.lpDebugStringData as u64, unicode, len)?;
                Some(EventKind::DebugString { text })
            }
            RIP_EVENT => {
                // SAFETY: the union member named by the event code.
                let info = unsafe { raw.u.RipInfo };
                Some(EventKind::RipError { error: info.dwError, kind: info.dwType })
            }
            EXCEPTION_DEBUG_EVENT => {
                // SAFETY: the union member named by the event code.
                let info = unsafe { raw.u.Exception };
                let record = &info.ExceptionRecord;
                let params = &record.ExceptionInformation[..(record.NumberParameters as usize).min(15)];
                let mut e = Exception {
                    kind: exceptions::kind(record.ExceptionCode as u32, params),
                    address: record.ExceptionAddress as u64,
                    first_chance: info.dwFirstChance != 0,
                };
                match &mut e.kind {
                    ExceptionKind::Breakpoint => {
                        if self.breakin_threads.contains(&raw.dwThreadId) {
                            self.breakin.requested.store(false, Ordering::SeqCst);
                            self.breakin_threads.clear();
                            e.kind = ExceptionKind::BreakIn;
                        }
                        self.rip_past_int3(raw.dwThreadId, e.address);
                    }
                    ExceptionKind::GuardPage { fault_address, .. } => self.guards.fired(*fault_address),
                    ExceptionKind::SingleStep { dr6 } => {
                        *dr6 = self.context(raw.dwThreadId).map(|c| c.0.Dr6).unwrap_or(0);
                    }
                    _ => {}
                }
                Some(EventKind::Exception(e))
            }
            _ => None,
        }
    }

    /// `tid`'s context, read from the system once per stop.
    fn context(&mut self, tid: Tid) -> Result<&mut Context> {
        let handle = self.thread(tid)?.handle;
        Ok(match self.contexts.entry(tid) {
            Entry::Occupied(cached) => cached.into_mut(),
            Entry::Vacant(slot) => slot.insert(Context::get(handle, context::FULL | context::DEBUG)?),
        })
    }

    /// Write the parts `flags` names of `tid`'s (cached, changed) context back to the thread.
    fn write_context(&mut self, tid: Tid, flags: CONTEXT_FLAGS) -> Result<()> {
        let handle = self.thread(tid)?.handle;
        let Some(ctx) = self.contexts.get(&tid) else { return Ok(()) };
        let mut write = *ctx;
        write.0.ContextFlags = flags;
        let written = write.set(handle);
        match written {
            Ok(()) => self.unreported.written(tid, &write),
            // What the thread really holds is not known any more.
            Err(_) => {
                self.contexts.remove(&tid);
            }
        }
        written
    }

    /// The engine's contract is Windows' own: after an int3, rip is one past it. Make sure of it.
    fn rip_past_int3(&mut self, tid: Tid, address: u64) {
        let Ok(ctx) = self.context(tid) else { return };
        if ctx.0.Rip == address {
            ctx.0.Rip = address + 1;
            let _ = self.write_context(tid, context::FULL);
        }
    }

    /// Suspend (`hold`) or resume a thread so that exactly the threads wanted run.
    fn set_held(&mut self, tid: Tid, hold: bool) {
        let Ok(handle) = self.thread(tid).map(|t| t.handle) else { return };
        if hold && self.held.insert(tid) {
            // SAFETY: a live thread handle from a debug event.
            unsafe { SuspendThread(handle) };
        } else if !hold && self.held.remove(&tid) {
            // SAFETY: as above; balances the SuspendThread above.
            unsafe { ResumeThread(handle) };
        }
    }

    /// Stop every thread of a process that runs with no event pending.
    fn hold_all(&mut self) {
        let threads: Vec<Tid> = self.threads.iter().map(|t| t.tid).collect();
        for tid in threads {
            self.set_held(tid, true);
        }
    }

    fn release_all(&mut self) {
        let held: Vec<Tid> = self.held.iter().copied().collect();
        for tid in held {
            self.set_held(tid, false);
        }
    }

    fn set_trap_flag(&mut self, tid: Tid, on: bool) -> Result<()> {
        let ctx = self.context(tid)?;
        let flags = if on { ctx.0.EFlags | TRAP_FLAG as u32 } else { ctx.0.EFlags & !(TRAP_FLAG as u32) };
        if flags != ctx.0.EFlags {
            ctx.0.EFlags = flags;
            self.write_context(tid, context::FULL)?;
        }
        Ok(())
    }

    /// An event of another thread arrived while `stepping` single-steps: hold that thread and report the event
    /// after the step. An int3 or a fault is not kept but undone: the thread is put back on the instruction and
    /// will raise it again when it runs.
    fn defer(&mut self, tid: Tid, kind: EventKind) -> Result<()> {
        let mut status = DBG_CONTINUE;
        let mut keep = true;
        match &kind {
            EventKind::Exception(Exception { kind: ExceptionKind::Breakpoint, address, .. }) => {
                if let Ok(ctx) = self.context(tid) {
                    ctx.0.Rip = *address;
                    keep = self.write_context(tid, context::FULL).is_err();
                }
            }
            EventKind::Exception(Exception {
                kind:
                    ExceptionKind::AccessViolation { .. }
                    | ExceptionKind::IllegalInstruction { .. }
                    | ExceptionKind::IntegerDivideByZero { .. },
                first_chance: true,
                ..
            }) => keep = false,
            EventKind::Exception(Exception { kind: ExceptionKind::Other { .. }, first_chance: true, .. }) => {
                // A software exception (RaiseException) cannot be raised again: the program's handlers get it, as
                // they would with the default filter.
                status = DBG_EXCEPTION_NOT_HANDLED;
            }
            _ => {}
        }
        if !matches!(kind, EventKind::ThreadExited { .. }) {
            self.set_held(tid, true);
        }
        self.pending = None;
        continue_event(self.pid, tid, status)?;
        if keep {
            self.queue.push_back(Event { pid: self.pid, tid, kind });
        }
        Ok(())
    }

    /// Continue the held event, if any, as handled.
    fn continue_pending(&mut self) {
        if let Some(p) = self.pending.take() {
            let _ = continue_event(self.pid, p.tid, DBG_CONTINUE);
        }
    }
}

impl Target for WindowsTarget {
    fn pid(&self) -> Pid {
        self.pid
    }

    fn read_memory(&mut self, address: u64, buf: &mut [u8]) -> Result<usize> {
        self.live()?;
        let process = self.handle();
        self.guards.lifted(process, address, buf.len(), || memory::read(process, address, buf))
    }

    fn registers(&mut self, tid: Tid) -> Result<Registers> {
        let teb = self.thread(tid)?.teb;
        Ok(self.context(tid)?.registers(teb))
    }

    fn threads(&self) -> Vec<Tid> {
        self.threads.iter().map(|t| t.tid).collect()
    }

    fn memory_regions(&mut self) -> Result<Vec<Region>> {
        self.live()?;
        Ok(memory::regions(self.handle(), &self.modules, &self.guards))
    }

    fn environment_blocks(&mut self) -> Option<&mut dyn EnvironmentBlocks> {
        Some(self)
    }

    fn vector_registers(&mut self) -> Option<&mut dyn VectorRegisters> {
        Some(self)
    }

    fn execution(&mut self) -> Option<&mut dyn Execution> {
        Some(self)
    }
}

impl Execution for WindowsTarget {
    fn wait_event(&mut self) -> Result<Event> {
        if let Some(event) = self.queue.pop_front() {
            return Ok(event);
        }
        if self.exited || self.detached {
            return Err(Error::NoProcess);
        }
        loop {
            let stashed = self.port.borrow_mut().take_stashed(self.pid);
            let raw = match stashed {
                Some(raw) => raw,
                None => {
                    let Some(raw) = self.port.borrow().waiter.wait(INFINITE)? else { continue };
                    raw
                }
            };
            let (pid, tid) = (raw.dwProcessId, raw.dwThreadId);
            if pid != self.pid && self.port.borrow_mut().follows(&raw) {
                // A process of the family: its event waits (the system holds that process meanwhile) until its own
                // target takes it. Unless a step is under way, this process stops too, so its front end can
                // hand over to that process's session.
                self.port.borrow_mut().stash(raw);
                if self.stepping.is_some() {
                    continue;
                }
                self.hold_all();
                let tid = self.threads.first().map_or(0, |t| t.tid);
                return Ok(Event { pid: self.pid, tid, kind: EventKind::OtherProcess { pid } });
            }
            if pid != self.pid {
                // A process rdb does not follow.
                if raw.dwDebugEventCode == CREATE_PROCESS_DEBUG_EVENT {
                    // SAFETY: the union member named by the event code.
                    handles::close_file_handle(unsafe { raw.u.CreateProcessInfo.hFile });
                } else if raw.dwDebugEventCode == LOAD_DLL_DEBUG_EVENT {
                    // SAFETY: the union member named by the event code.
                    handles::close_file_handle(unsafe { raw.u.LoadDll.hFile });
                }
                continue_event(pid, tid, DBG_CONTINUE)?;
                continue;
            }
            let Some(kind) = self.translate(&raw) else {
                continue_event(pid, tid, DBG_CONTINUE)?;
                continue;
            };
            self.pending = Some(Pending { tid, exception: raw.dwDebugEventCode == EXCEPTION_DEBUG_EVENT });
            if let Some(stepper) = self.stepping {
                if tid != stepper && !matches!(kind, EventKind::ProcessExited { .. }) {
                    self.defer(tid, kind)?;
                    continue;
                }
                self.stepping = None;
                if tid == stepper {
                    let _ = self.set_trap_flag(tid, false);
                }
            }
            return Ok(Event { pid, tid, kind });
        }
    }

    fn resume(&mut self, status: ContinueStatus, how: Resume) -> Result<()> {
        self.live()?;
        self.undo_presumed_rewinds();
        // Threads are about to run: what was read of them is stale once they have (the trap flag below is written
        // through the cache first).
        let threads: Vec<Tid> = self.threads.iter().map(|t| t.tid).collect();
        for tid in threads {
            // Events put aside during a step are reported before anything runs again.
            let run = self.queue.is_empty()
                && match how {
                    Resume::All => true,
                    Resume::Step { tid: stepper } => tid == stepper,
                };
            self.set_held(tid, !run);
        }
        if let Resume::Step { tid } = how
            && self.queue.is_empty()
        {
            self.set_trap_flag(tid, true)?;
            self.stepping = Some(tid);
        }
        self.contexts.clear();
        if let Some(p) = self.pending.take() {
            let code = match status {
                ContinueStatus::NotHandled if p.exception => DBG_EXCEPTION_NOT_HANDLED,
                _ => DBG_CONTINUE,
            };
            continue_event(self.pid, p.tid, code)?;
        }
        Ok(())
    }

    fn write_memory(&mut self, address: u64, data: &[u8]) -> Result<()> {
        self.live()?;
        let process = self.handle();
        self.guards.lifted(process, address, data.len(), || memory::write(process, address, data))
    }

    fn set_registers(&mut self, tid: Tid, regs: &Registers) -> Result<()> {
        self.context(tid)?.set_registers(regs);
        self.write_context(tid, context::FULL)
    }

    fn debug_registers(&mut self, tid: Tid) -> Result<DebugRegisters> {
        Ok(self.context(tid)?.debug_registers())
    }

    fn set_debug_registers(&mut self, tid: Tid, regs: &DebugRegisters) -> Result<()> {
        self.context(tid)?.set_debug_registers(regs);
        self.write_context(tid, context::DEBUG)
    }

    fn interrupter(&self) -> Arc<dyn Interrupter> {
        self.breakin.clone()
    }

    fn queued_events(&mut self) -> Vec<Event> {
        let mut events: Vec<Event> = self.queue.iter().cloned().collect();
        if self.live().is_ok() {
            events.extend(self.unreported_hits());
        }
        events
    }

    fn detach(&mut self) -> Result<()> {
        self.live()?;
        if let Some(tid) = self.stepping.take() {
            let _ = self.set_trap_flag(tid, false);
        }
        self.undo_presumed_rewinds();
        let process = self.handle();
        self.guards.disarm_all(process);
        self.release_all();
        // SAFETY: plain call; it applies to this thread's debuggees.
        unsafe { DebugSetProcessKillOnExit(0) };
        self.continue_pending();
        // SAFETY: plain call.
        let ok = unsafe { DebugActiveProcessStop(self.pid) };
        self.detached = true;
        if ok == 0 {
            return Err(last_error("DebugActiveProcessStop"));
        }
        Ok(())
    }

    fn kill(&mut self) -> Result<()> {
        if self.detached {
            return Ok(());
        }
        if !self.exited {
            // SAFETY: plain call on our process handle.
            if unsafe { TerminateProcess(self.handle(), 1) } == 0 {
                return Err(last_error("TerminateProcess"));
            }
            self.release_all();
            self.continue_pending();
            // Drain the events of the dying process until its exit, closing the handles they carry.
            while !self.exited {
                let Some(raw) = self.port.borrow().waiter.wait(KILL_TIMEOUT_MS)? else {
                    return Err(rdb_engine::err!("process {:x} did not exit after TerminateProcess", self.pid));
                };
                if raw.dwProcessId != self.pid {
                    // Another process's event is that process's target's business.
                    self.port.borrow_mut().stash(raw);
                    continue;
                }
                let _ = self.translate(&raw);
                continue_event(raw.dwProcessId, raw.dwThreadId, DBG_CONTINUE)?;
            }
            return Ok(());
        }
        self.continue_pending();
        Ok(())
    }

    fn launched(&self) -> bool {
        self.launched
    }

    fn os_initial_breakpoint(&self) -> bool {
        true
    }

    fn page_guards(&mut self) -> Option<&mut dyn PageGuards> {
        Some(self)
    }

    fn native_dumps(&mut self) -> Option<&mut dyn rdb_engine::target::NativeDumps> {
        Some(self)
    }

    fn process_family(&mut self) -> Option<&mut dyn ProcessFamily> {
        Some(self)
    }

    fn scratch_memory(&mut self) -> Option<&mut dyn ScratchMemory> {
        Some(self)
    }
}

impl ScratchMemory for WindowsTarget {
    fn allocate(&mut self, near: u64, size: u64) -> Result<u64> {
        self.live()?;
        memory::allocate_near(self.handle(), near, size)
    }

    fn free(&mut self, address: u64, _size: u64) -> Result<()> {
        self.live()?;
        memory::free(self.handle(), address)
    }
}

impl ProcessFamily for WindowsTarget {
    fn follow_children(&mut self, on: bool) -> Result<()> {
        self.live()?;
        launch::set_debug_children(self.handle(), on)?;
        self.port.borrow_mut().follow_children = on;
        Ok(())
    }

    fn adopt(&mut self, pid: Pid) -> Result<Box<dyn Target>> {
        if !self.port.borrow().has_stashed(pid) {
            return Err(rdb_engine::err!("process {pid:x} has no event waiting"));
        }
        let process = launch::open(pid)?;
        Ok(Box::new(WindowsTarget::new(pid, process, true, None, self.port.clone())))
    }

    fn hold(&mut self) -> Result<()> {
        self.live()?;
        self.hold_all();
        Ok(())
    }
}

/// The debug event stream of the thread that debugs: every process it debugs reports through it. Events of a
/// process whose target is not the one waiting are stashed until that target asks.
pub struct Port {
    waiter: Waiter,
    stash: VecDeque<DEBUG_EVENT>,
    /// The processes of the family: the debuggee and the children followed.
    family: BTreeSet<Pid>,
    follow_children: bool,
}

impl Port {
    fn new(pid: Pid, follow_children: bool) -> Rc<RefCell<Port>> {
        Rc::new(RefCell::new(Port {
            waiter: Waiter::new(),
            stash: VecDeque::new(),
            family: BTreeSet::from([pid]),
            follow_children,
        }))
    }

    /// Whether an event belongs to a process rdb debugs (a new child joins the family when children are
    /// followed).
    fn follows(&mut self, raw: &DEBUG_EVENT) -> bool {
        if raw.dwDebugEventCode == CREATE_PROCESS_DEBUG_EVENT && self.follow_children {
            self.family.insert(raw.dwProcessId);
        }
        self.family.contains(&raw.dwProcessId)
    }

    fn stash(&mut self, raw: DEBUG_EVENT) {
        self.stash.push_back(raw);
    }

    fn has_stashed(&self, pid: Pid) -> bool {
        self.stash.iter().any(|e| e.dwProcessId == pid)
    }

    fn take_stashed(&mut self, pid: Pid) -> Option<DEBUG_EVENT> {
        let i = self.stash.iter().position(|e| e.dwProcessId == pid)?;
        self.stash.remove(i)
    }
}

impl PageGuards for WindowsTarget {
    fn arm(&mut self, page: u64) -> Result<()> {
        self.live()?;
        let process = self.handle();
        self.guards.arm(process, page)
    }

    fn disarm(&mut self, page: u64) -> Result<()> {
        self.live()?;
        let process = self.handle();
        self.guards.disarm(process, page)
    }
}

impl VectorRegisters for WindowsTarget {
    /// Read afresh each time (what the cached context holds of them is as read at the stop): a value shown at a
    /// stop is rarely asked for twice.
    fn float_registers(&mut self, tid: Tid) -> Result<FloatRegisters> {
        let handle = self.thread(tid)?.handle;
        Ok(Context::get(handle, context::FLOAT)?.float_registers())
    }

    fn set_float_registers(&mut self, tid: Tid, regs: &FloatRegisters) -> Result<()> {
        let handle = self.thread(tid)?.handle;
        let mut ctx = Context::get(handle, context::FLOAT)?;
        ctx.set_float_registers(regs);
        ctx.set(handle)?;
        // On x64 CONTEXT_FULL includes the floating-point state: the cached context, written back with it at the
        // next step or resume, must hold the new values, not those read before.
        if let Some(cached) = self.contexts.get_mut(&tid) {
            cached.set_float_registers(regs);
        }
        Ok(())
    }
}

impl EnvironmentBlocks for WindowsTarget {
    fn peb(&mut self) -> Result<u64> {
        self.live()?;
        crate::peb::address(self.handle())
    }

    fn teb(&mut self, tid: Tid) -> Result<u64> {
        Ok(self.thread(tid)?.teb)
    }
}

impl Drop for WindowsTarget {
    /// The engine ends every target it drives; this is the last resort when that did not happen (an error path),
    /// so the debuggee is neither left suspended nor, if rdb created it, left behind.
    fn drop(&mut self) {
        if self.detached {
            return;
        }
        if self.exited {
            // The exit event is continued so the system can close the process.
            self.continue_pending();
        } else if self.launched {
            let _ = self.kill();
        } else {
            let _ = self.detach();
        }
    }
}

/// Break-in with `DebugBreakProcess`: the system injects a thread that executes an int3. The breakpoint that
/// thread reports is turned into [`ExceptionKind::BreakIn`].
struct BreakIn {
    process: Option<OwnedHandle>,
    requested: AtomicBool,
}

impl Interrupter for BreakIn {
    /// One break-in at a time: while the thread `DebugBreakProcess` injects has not reported its int3, asking again
    /// injects no second one.
    fn interrupt(&self) {
        let Some(process) = &self.process else { return };
        if self.requested.swap(true, Ordering::SeqCst) {
            return;
        }
        // SAFETY: a process handle duplicated for this purpose, alive as long as `self`.
        unsafe { DebugBreakProcess(process.as_raw_handle()) };
    }
}
