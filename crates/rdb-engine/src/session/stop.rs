//! What the engine tells a front end: notices while the debuggee runs, and the reason it stopped.

use std::path::PathBuf;

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
    /// A breakpoint could not be inserted or resolved, or a `bu` was resolved.
    Breakpoint {
        text: String,
    },
    /// Another process of the family (number `number`) could not be resumed (`resuming`) or held with the rest.
    ProcessError {
        number: u32,
        resuming: bool,
        error: crate::error::Error,
    },
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
