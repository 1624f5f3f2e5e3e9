//! What the engine tells a front end: notices while the debuggee runs, and the reason it stopped.

use std::path::PathBuf;

use crate::error::Error;
use crate::target::{Exception, ExitStatus, Pid, Tid};

/// Something worth showing that does not stop the debuggee (or that precedes a stop).
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    ModuleLoaded {
        base: u64,
        end: u64,
        path: PathBuf,
    },
    ModuleUnloaded {
        base: u64,
        path: PathBuf,
    },
    ThreadCreated {
        pid: Pid,
        tid: Tid,
        index: u32,
    },
    ThreadExited {
        pid: Pid,
        tid: Tid,
        index: u32,
        code: i64,
    },
    /// A child process the debuggee created, released to run undebugged.
    ChildProcess {
        pid: Pid,
        tid: Tid,
        child: Pid,
        /// Debugged as a process of the family (`.childdbg 1`), rather than let go.
        followed: bool,
    },
    ProcessExited {
        pid: Pid,
        tid: Tid,
        status: ExitStatus,
    },
    DebugString {
        text: String,
    },
    /// A RIP_EVENT (Windows): the system's report of an error that kills the debuggee.
    RipError {
        pid: Pid,
        tid: Tid,
        error: u32,
        kind: u32,
    },
    /// A first-chance exception the filters let pass with output only.
    Exception {
        pid: Pid,
        tid: Tid,
        exception: Exception,
    },
    /// Breakpoint `id` has its addresses: it was added resolved, or a deferred one's module loaded. (A DAP front
    /// end marks it verified; the console says nothing.)
    BreakpointResolved {
        id: u32,
        addresses: Vec<u64>,
    },
    /// Breakpoint `id`, on an indirect function (glibc's `strlen`: a resolver the loader runs once), goes on the
    /// implementation the loader chose for this CPU.
    IndirectFunction {
        id: u32,
        function: Symbolic,
        implementation: Symbolic,
    },
    /// Breakpoint `id`'s condition could not be evaluated at a hit: the hit stops.
    ConditionFailed {
        id: u32,
        error: Error,
    },
    /// Breakpoint `id`'s int3 at `address` could not be written: the breakpoint is disabled.
    BreakpointNotInserted {
        id: u32,
        address: u64,
        error: Error,
    },
    /// An int3 the engine wanted for itself (the entry point, the loader's rendezvous, a step's return) could not
    /// be written.
    InternalBreakpointNotInserted {
        address: u64,
        error: Error,
    },
    /// Deferred breakpoint `id` resolved to where it cannot go (not code): it keeps waiting.
    BreakpointStaysUnresolved {
        id: u32,
        error: Error,
    },
    /// Thread `tid` refused the debug registers of the hardware breakpoints.
    DebugRegistersRefused {
        tid: Tid,
        error: Error,
    },
    /// Hardware breakpoint `id` found no free debug register (a restart resolved more than fit): it is disabled.
    NoHardwareSlot {
        id: u32,
    },
    /// The guard page at `page` that memory breakpoint `id` needs could not be armed: the breakpoint is disabled.
    PageNotGuarded {
        id: u32,
        page: u64,
        error: Error,
    },
    /// The engine's scratch memory at `address` (`size` bytes) could not be given back before a detach: it stays
    /// mapped in the process, unused.
    ScratchMemoryKept {
        address: u64,
        size: u64,
        error: Error,
    },
    /// The dynamic loader's module list (or the address of its rendezvous) could not be read: the session goes on
    /// without it, and modules loaded or unloaded from now on are not reported.
    LoaderListUnreadable {
        error: Error,
    },
    /// A snapshot of a process (a dump) was opened: the OS it was taken on, and what it lacks or what of it could
    /// not be read, one line each (before its modules are listed).
    SnapshotOpened {
        os: crate::target::SnapshotOs,
        format: crate::target::SnapshotFormat,
        warnings: Vec<String>,
    },
    /// A snapshot's module whose file is neither at the path it recorded nor in the image path (`.exepath`): its
    /// symbols and the code the snapshot left out are unknown. `name` is its file name.
    ImageNotFound {
        name: String,
        path: PathBuf,
    },
    /// Another process of the family (number `number`) could not be resumed (`resuming`) or held with the rest.
    ProcessError {
        number: u32,
        resuming: bool,
        error: Error,
    },
}

/// An address with the symbol it is at, as `module!symbol+0xoff` (`None` outside every module), so a front end
/// can name it without asking the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbolic {
    pub address: u64,
    pub symbol: Option<String>,
}

/// Why the engine handed control back to the user.
#[derive(Debug, Clone, PartialEq)]
pub enum StopReason {
    /// The loader breakpoint (Windows), or its Linux counterpart at the executable's entry point.
    InitialBreakpoint,
    /// User breakpoints whose pass count was reached, by id.
    Breakpoint(Vec<u32>),
    /// A step (`t`, `p`, `gu`, `pc`, `tc`) or `g <where>` completed.
    Step,
    /// An exception or signal the filters stop for.
    Exception(Exception),
    /// The user broke in (Ctrl-C), or the debugger attached.
    /// `injected_thread` is the console index of the thread the OS created to break in (Windows'
    /// `DebugBreakProcess`), where it did.
    BreakIn { injected_thread: Option<u32> },
    /// An event the user asked to stop on with `sxe` (`ld`, `ud`, `ct`, `et`).
    Event(Notice),
    /// The process is gone.
    ProcessExited(ExitStatus),
    /// A snapshot of a process (a dump) was opened: it stands where it was taken, and it recorded no exception.
    Snapshot,
    /// Another process of the family has an event for its own session to take (see
    /// [`crate::target::ProcessFamily`]); this one is held meanwhile.
    OtherProcess { pid: crate::target::Pid },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Stop {
    pub pid: Pid,
    pub tid: Tid,
    pub reason: StopReason,
}
