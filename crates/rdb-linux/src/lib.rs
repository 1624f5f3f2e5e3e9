//! rdb's Linux backend: ptrace translated into the engine's debug events and primitives (`rdb_engine::target`).
//!
//! The backend is mechanical: it keeps no breakpoint or stepping logic. It launches or attaches, turns wait
//! statuses into events, keeps every thread stopped while the engine looks at one event (all-stop), queues what
//! other threads reported meanwhile, emulates Windows' second-chance exceptions for signals the debuggee would die
//! of, and walks glibc's `r_debug` list of modules when the engine asks.
//!
//! Every ptrace request must come from the thread that launched or attached (the tracer); the target refuses,
//! with an error, to be driven from another thread.

mod affinity;
mod attach;
mod children;
mod control;
mod family;
mod files;
mod guards;
mod image;
mod inject;
mod interrupt;
mod launch;
mod memory;
mod procfs;
mod ptrace;
mod regs;
mod rendezvous;
mod scratch;
mod siginfo;
mod threads;
mod wait;

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;

use nix::errno::Errno;
use rdb_engine::regs::{DebugRegisters, Registers};
use rdb_engine::target::{
    ChildProcesses, ContinueStatus, Event, Exception, Execution, FloatRegisters, Interrupter, LoaderRendezvous,
    PageGuards, Pid, ProcessFamily, Region, Resume, ScratchMemory, Target, Tid, VectorRegisters,
};
use rdb_engine::{Error, Result};

use family::Port;
use guards::Guards;
use interrupt::Breaker;
use memory::Memory;
use siginfo::Deliver;
use threads::Threads;

pub use files::open_regular;
pub use launch::Place;

/// A Linux process debugged through ptrace.
pub struct LinuxTarget {
    pid: i32,
    launched: bool,
    /// The thread that attached: the only one whose ptrace requests the kernel accepts.
    tracer: i32,
    threads: Threads,
    /// Events already collected but not yet returned by `wait_event`, oldest first.
    queue: VecDeque<Pending>,
    /// The exception `wait_event` returned last, until `resume` settles it.
    last: Option<Reported>,
    /// The process is gone (exited, killed or detached).
    gone: bool,
    /// Inside `stop_all`: stops are the ones asked for, not to be resumed.
    stopping: bool,
    /// The event last returned is a breakpoint hit reported lazily: only its thread is stopped, the others still
    /// run until `Target::stop_others` (or anything else that needs them stopped) completes the all-stop.
    lazy: bool,
    memory: Memory,
    exe: Option<image::Exe>,
    /// The address of `struct r_debug`, once the loader has published it.
    r_debug: Option<u64>,
    /// Modules reported so far by base: their path, and whether the list walk may report them unloaded.
    modules: BTreeMap<u64, Module>,
    breaker: Arc<Breaker>,
    /// New threads whose first stop arrived before their creator's clone event.
    early: HashSet<i32>,
    /// The thread a `Resume::Step` runs: its outcome is the next event reported.
    focus: Option<i32>,
    /// Forked children, stopped before their first instruction, until the engine releases them, and whether each
    /// is followed (kept traced, to join the family) rather than let go.
    children: HashMap<i32, bool>,
    /// What the targets of the family share: the wait statuses they reap for each other, the children to adopt.
    port: Rc<RefCell<Port>>,
    /// A followed child that still runs its parent's program: `Some(shares_memory)` until it execs.
    forked_copy: Option<bool>,
    /// The followed vfork child running in this process's memory: the thread that vforked stays stopped until
    /// the child lets go of it, as it could not be stopped again inside the kernel's wait for the child.
    lent_memory: Option<i32>,
    /// The held vfork child, which shares the debuggee's memory (system calls can be injected there).
    shared_child: Option<i32>,
    /// The `syscall` instructions of the program's vDSO, once looked up (injected system calls run there).
    vdso_syscalls: Option<Vec<u64>>,
    /// The pages armed as guard pages, with their own protection.
    guards: Guards,
    /// Stepped threads pinned to rdb's CPU while they are stepped.
    step_affinity: affinity::StepAffinity,
    /// A signal a thread is to receive as it next runs (`Execution::raise_signal`).
    raised: Option<(i32, i32)>,
    /// Whether a debug register may be armed in some thread: rdb armed one, or the process was attached (a
    /// debugger before rdb may have left one). Until then a step's trap reads no DR6, a system call a step saved:
    /// only a hardware breakpoint sets its bits beside the step's.
    debug_registers_armed: bool,
}

/// An event waiting to be returned, and the signal a `NotHandled` continue would deliver for it.
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    pub event: Event,
    pub deliver: Option<Deliver>,
}

/// The exception last returned to the engine.
#[derive(Debug, Clone)]
pub(crate) struct Reported {
    pub tid: i32,
    pub exception: Exception,
    pub deliver: Option<Deliver>,
}

#[derive(Debug, Clone)]
pub(crate) struct Module {
    pub path: PathBuf,
    /// Reported from the exec stop (the loader), not from the loader's list: never reported unloaded by a walk.
    pub pinned: bool,
}

/// The calling thread's id, asked of the kernel once a thread: it is asked several times a step.
fn this_thread() -> i32 {
    thread_local! {
        static TID: i32 = nix::unistd::gettid().as_raw();
    }
    TID.with(|tid| *tid)
}

impl LinuxTarget {
    fn new(pid: i32, launched: bool) -> LinuxTarget {
        LinuxTarget {
            pid,
            launched,
            tracer: this_thread(),
            threads: Threads::default(),
            queue: VecDeque::new(),
            last: None,
            gone: false,
            stopping: false,
            lazy: false,
            step_affinity: affinity::StepAffinity::default(),
            raised: None,
            debug_registers_armed: !launched,
            memory: Memory::none(pid),
            exe: None,
            r_debug: None,
            modules: BTreeMap::new(),
            breaker: Arc::new(Breaker::new(pid)),
            early: HashSet::new(),
            focus: None,
            children: HashMap::new(),
            port: Port::new(pid),
            forked_copy: None,
            lent_memory: None,
            shared_child: None,
            vdso_syscalls: None,
            guards: Guards::default(),
        }
    }

    /// Queue an event of this process.
    fn push(&mut self, tid: i32, kind: rdb_engine::target::EventKind, deliver: Option<Deliver>) {
        let event = Event { pid: self.pid as Pid, tid: tid as Tid, kind };
        self.queue.push_back(Pending { event, deliver });
    }

    /// The process is gone: forget its threads and stop signalling it.
    fn mark_gone(&mut self) {
        self.gone = true;
        self.threads.clear();
        self.early.clear();
        self.last = None;
        self.focus = None;
        self.breaker.set_gone();
        self.memory = Memory::none(self.pid);
        self.vdso_syscalls = None;
        self.guards.clear();
        let mut port = self.port.borrow_mut();
        port.memory_returned(self.pid);
        port.leave(self.pid);
    }

    fn on_tracer_thread(&self) -> bool {
        this_thread() == self.tracer
    }

    fn check_tracer(&self) -> Result<()> {
        if self.on_tracer_thread() {
            Ok(())
        } else {
            Err(Error::msg("the debuggee can only be controlled from the thread that started debugging it"))
        }
    }

    /// A thread the engine may inspect: known, alive and stopped.
    fn stopped_thread(&self, tid: Tid) -> Result<i32> {
        if self.gone {
            return Err(Error::NoProcess);
        }
        self.check_tracer()?;
        let t = i32::try_from(tid)
            .ok()
            .and_then(|t| self.threads.live().find(|th| th.tid == t))
            .ok_or(Error::NoSuchThread(tid))?;
        if t.running {
            return Err(Error::msg(format!("thread {tid:#x} is running")));
        }
        Ok(t.tid)
    }

    /// A stopped thread for requests that need one (PTRACE_POKEDATA).
    fn any_stopped_thread(&self) -> Option<i32> {
        self.threads.iter().find(|t| !t.running).map(|t| t.tid)
    }
}

/// An error of a ptrace request on one thread, as one line.
fn thread_error(tid: Tid, what: &str, e: Errno) -> Error {
    match e {
        Errno::ESRCH => Error::NoSuchThread(tid),
        e => Error::msg(format!("cannot {what} of thread {tid:#x}: {}", e.desc())),
    }
}

impl VectorRegisters for LinuxTarget {
    fn float_registers(&mut self, tid: Tid) -> Result<FloatRegisters> {
        let t = self.stopped_thread(tid)?;
        regs::get_float(t).map_err(|e| thread_error(tid, "read the floating-point registers", e))
    }

    fn set_float_registers(&mut self, tid: Tid, regs: &FloatRegisters) -> Result<()> {
        let t = self.stopped_thread(tid)?;
        regs::set_float(t, regs).map_err(|e| thread_error(tid, "write the floating-point registers", e))
    }

    fn avx_upper(&mut self, tid: Tid) -> Result<Option<[[u8; 16]; 16]>> {
        let t = self.stopped_thread(tid)?;
        match regs::get_avx_upper(t) {
            // A kernel without the extended state to give (no XSAVE): the halves are not available, as on a
            // target without them.
            Err(Errno::EINVAL | Errno::ENODEV) => Ok(None),
            other => other.map_err(|e| thread_error(tid, "read the AVX registers", e)),
        }
    }
}

impl Target for LinuxTarget {
    fn pid(&self) -> Pid {
        self.pid as Pid
    }

    fn read_memory(&mut self, address: u64, buf: &mut [u8]) -> Result<usize> {
        if self.gone {
            return Err(Error::NoProcess);
        }
        let read = self.memory.read(address, buf);
        let len = buf.len() as u64;
        if matches!(read, Ok(n) if n == buf.len()) || !self.guards.covers(address, len) || !self.on_tracer_thread() {
            return read;
        }
        // /proc/pid/mem forces its way into an inaccessible page; where it did not, the guard is lifted for the read.
        self.lifted(address, len, |t| t.memory.read(address, buf))
    }

    fn registers(&mut self, tid: Tid) -> Result<Registers> {
        let t = self.stopped_thread(tid)?;
        regs::get(t).map_err(|e| thread_error(tid, "read the registers", e))
    }

    fn threads(&self) -> Vec<Tid> {
        self.threads.live().map(|t| t.tid as Tid).collect()
    }

    fn memory_regions(&mut self) -> Result<Vec<Region>> {
        if self.gone {
            return Err(Error::NoProcess);
        }
        memory::regions(self.pid).map(|r| self.guards.unguarded(r))
    }

    fn execution(&mut self) -> Option<&mut dyn Execution> {
        Some(self)
    }

    fn vector_registers(&mut self) -> Option<&mut dyn VectorRegisters> {
        Some(self)
    }

    fn auxiliary_vector(&mut self) -> Result<Option<Vec<u8>>> {
        if self.gone {
            return Err(Error::NoProcess);
        }
        procfs::auxv_bytes(self.pid).map(Some).map_err(|e| rdb_engine::err!("cannot read the auxiliary vector: {e}"))
    }
}

impl Execution for LinuxTarget {
    fn wait_event(&mut self) -> Result<Event> {
        self.next_event()
    }

    fn resume(&mut self, status: ContinueStatus, how: Resume) -> Result<()> {
        self.resume_threads(status, how)
    }

    fn stop_others(&mut self) -> Result<()> {
        self.complete_stop()
    }

    fn queued_events(&mut self) -> Vec<Event> {
        self.queue.iter().map(|p| p.event.clone()).collect()
    }

    fn write_memory(&mut self, address: u64, data: &[u8]) -> Result<()> {
        if self.gone {
            return Err(Error::NoProcess);
        }
        let poke_tid = if self.on_tracer_thread() { self.any_stopped_thread() } else { None };
        // x86 keeps instruction fetch coherent with data writes: no cache to flush.
        let written = self.memory.write(address, data, poke_tid);
        if written.is_ok() || !self.guards.covers(address, data.len() as u64) || poke_tid.is_none() {
            return written;
        }
        // A shared mapping cannot be written by force: the guard is lifted for the write.
        self.lifted(address, data.len() as u64, |t| t.memory.write(address, data, poke_tid))
    }

    fn set_registers(&mut self, tid: Tid, regs: &Registers) -> Result<()> {
        let t = self.stopped_thread(tid)?;
        regs::set(t, regs).map_err(|e| thread_error(tid, "set the registers", e))
    }

    fn debug_registers(&mut self, tid: Tid) -> Result<DebugRegisters> {
        let t = self.stopped_thread(tid)?;
        regs::get_debug(t).map_err(|e| thread_error(tid, "read the debug registers", e))
    }

    fn set_debug_registers(&mut self, tid: Tid, regs: &DebugRegisters) -> Result<()> {
        let t = self.stopped_thread(tid)?;
        // DR7's low byte holds the enable bits of DR0–DR3.
        self.debug_registers_armed |= regs.dr7 & 0xff != 0;
        regs::set_debug(t, regs).map_err(|e| thread_error(tid, "set the debug registers", e))
    }

    fn interrupter(&self) -> Arc<dyn Interrupter> {
        self.breaker.clone()
    }

    fn detach(&mut self) -> Result<()> {
        self.detach_all()
    }

    fn raise_signal(&mut self, tid: Tid, signo: i32) -> Result<()> {
        if !(1..=64).contains(&signo) {
            return Err(Error::msg(format!("no signal {signo}")));
        }
        let t = i32::try_from(tid).ok().filter(|t| self.threads.get(*t).is_some()).ok_or(Error::NoSuchThread(tid))?;
        self.raised = Some((t, signo));
        Ok(())
    }

    fn kill(&mut self) -> Result<()> {
        self.kill_process()
    }

    fn launched(&self) -> bool {
        self.launched
    }

    fn loader_rendezvous(&mut self) -> Option<&mut dyn LoaderRendezvous> {
        Some(self)
    }

    fn child_processes(&mut self) -> Option<&mut dyn ChildProcesses> {
        Some(self)
    }

    fn page_guards(&mut self) -> Option<&mut dyn PageGuards> {
        Some(self)
    }

    fn scratch_memory(&mut self) -> Option<&mut dyn ScratchMemory> {
        Some(self)
    }

    fn process_family(&mut self) -> Option<&mut dyn ProcessFamily> {
        Some(self)
    }

    fn forked_copy(&self) -> Option<bool> {
        self.forked_copy
    }
}

impl Drop for LinuxTarget {
    fn drop(&mut self) {
        self.release_children();
        if !self.gone {
            let _ = if self.launched { self.kill_process() } else { self.detach_all() };
        }
        self.port.borrow_mut().leave(self.pid);
    }
}
