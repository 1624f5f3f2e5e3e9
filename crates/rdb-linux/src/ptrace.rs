//! Thin wrappers over the ptrace and waitpid calls that nix does not cover as we need them: resuming and detaching
//! with any signal number (nix's `Signal` has no real-time signals), raw wait statuses (nix's decoder rejects
//! stops by real-time signals), and the general registers read once a stop.

use std::cell::RefCell;
use std::collections::HashMap;

use libc::{c_int, c_void, user_regs_struct};
use nix::errno::Errno;
use nix::unistd::Pid;

thread_local! {
    /// The general registers of stopped threads, as read since their stop. A single step reads them three times
    /// (the event's rip, the engine's question, where the next step begins), each a system call. Every way a
    /// thread's registers change goes through this file: resuming or detaching it and writing them drop its entry,
    /// and any wait status drops them all. ptrace is used from one thread, so the cache is that thread's.
    static REGISTERS: RefCell<HashMap<i32, user_regs_struct>> = RefCell::new(HashMap::new());
}

/// A stopped thread's general registers (PTRACE_GETREGS, once a stop).
pub(crate) fn getregs(tid: i32) -> nix::Result<user_regs_struct> {
    if let Some(r) = REGISTERS.with(|c| c.borrow().get(&tid).copied()) {
        return Ok(r);
    }
    let r = nix::sys::ptrace::getregs(Pid::from_raw(tid))?;
    REGISTERS.with(|c| c.borrow_mut().insert(tid, r));
    Ok(r)
}

/// Write a stopped thread's general registers (PTRACE_SETREGS). The next read asks the kernel, which may have
/// adjusted what it was given (eflags' reserved bits).
pub(crate) fn setregs(tid: i32, r: user_regs_struct) -> nix::Result<()> {
    forget(tid);
    nix::sys::ptrace::setregs(Pid::from_raw(tid), r)
}

fn forget(tid: i32) {
    REGISTERS.with(|c| c.borrow_mut().remove(&tid));
}

/// How a stopped thread runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Run {
    Continue,
    Step,
}

/// A decoded wait status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WaitStatus {
    Exited(i32),
    Signaled(i32),
    /// A ptrace stop: `event` is the `PTRACE_EVENT_*` number, 0 for a signal-delivery stop.
    Stopped {
        signal: i32,
        event: i32,
    },
    /// Anything else (continued); ignored.
    Other,
}

impl WaitStatus {
    fn decode(status: c_int) -> WaitStatus {
        if libc::WIFEXITED(status) {
            WaitStatus::Exited(libc::WEXITSTATUS(status))
        } else if libc::WIFSIGNALED(status) {
            WaitStatus::Signaled(libc::WTERMSIG(status))
        } else if libc::WIFSTOPPED(status) {
            WaitStatus::Stopped { signal: libc::WSTOPSIG(status), event: (status >> 16) & 0xff }
        } else {
            WaitStatus::Other
        }
    }
}

/// Resume a thread stopped under ptrace, delivering `signal` if it is in a signal-delivery stop.
pub(crate) fn resume(tid: i32, how: Run, signal: Option<i32>) -> nix::Result<()> {
    forget(tid);
    let request = match how {
        Run::Continue => libc::PTRACE_CONT,
        Run::Step => libc::PTRACE_SINGLESTEP,
    };
    let data = signal.unwrap_or(0) as usize as *mut c_void;
    // SAFETY: PTRACE_CONT and PTRACE_SINGLESTEP dereference no pointer: addr is ignored and data is the signal
    // number carried in a pointer-sized argument.
    let r = unsafe { libc::ptrace(request, tid, std::ptr::null_mut::<c_void>(), data) };
    Errno::result(r).map(drop)
}

/// Detach from a stopped thread, delivering `signal` to it.
pub(crate) fn detach(tid: i32, signal: Option<i32>) -> nix::Result<()> {
    forget(tid);
    let data = signal.unwrap_or(0) as usize as *mut c_void;
    // SAFETY: PTRACE_DETACH dereferences no pointer: addr is ignored and data is a signal number.
    let r = unsafe { libc::ptrace(libc::PTRACE_DETACH, tid, std::ptr::null_mut::<c_void>(), data) };
    Errno::result(r).map(drop)
}

/// `waitpid(pid, flags)`, retried on EINTR. `Ok(None)` when `WNOHANG` found nothing.
pub(crate) fn wait(pid: i32, flags: c_int) -> nix::Result<Option<(i32, WaitStatus)>> {
    loop {
        let mut status: c_int = 0;
        // SAFETY: waitpid writes one int through the pointer, which points to a live local.
        let r = unsafe { libc::waitpid(pid, &mut status, flags) };
        match r {
            0 => return Ok(None),
            r if r > 0 => {
                // A thread stopped, ended or was reused: nothing read before can be trusted.
                REGISTERS.with(|c| c.borrow_mut().clear());
                return Ok(Some((r, WaitStatus::decode(status))));
            }
            _ => match Errno::last() {
                Errno::EINTR => continue,
                e => return Err(e),
            },
        }
    }
}

/// The tracee options: trace new threads, hold forked children (to clean them of breakpoints before they run) and
/// say when a vfork child lets go of the parent's memory, report exec and thread exits, mark syscall stops.
pub(crate) fn options(exit_kill: bool) -> nix::sys::ptrace::Options {
    use nix::sys::ptrace::Options;
    let mut o = Options::PTRACE_O_TRACECLONE
        | Options::PTRACE_O_TRACEFORK
        | Options::PTRACE_O_TRACEVFORK
        | Options::PTRACE_O_TRACEVFORKDONE
        | Options::PTRACE_O_TRACEEXEC
        | Options::PTRACE_O_TRACEEXIT
        | Options::PTRACE_O_TRACESYSGOOD;
    if exit_kill {
        o |= Options::PTRACE_O_EXITKILL;
    }
    o
}
