//! System calls run inside the stopped debuggee, as gdb's `call` and rr do: one stopped thread is pointed at a
//! `syscall` instruction with the call's number and arguments in its registers, single-stepped alone (every other
//! thread stays stopped), and put back exactly as it was. This is how the backend changes page protections (guard
//! pages for `bpm`) and maps memory (scratch memory) in the debuggee's own address space.
//!
//! The instruction is one the vDSO already holds (any `0f 05` pair in its code, whatever instruction it is part
//! of): nothing is written, so no other thread could ever run into a borrowed instruction. Without a vDSO, the two
//! bytes at the thread's rip are borrowed for the time of the step (every thread is stopped) and put back.
//!
//! The thread's `orig_rax` is set to -1 for the call. A thread stopped inside an interrupted system call (a
//! `nanosleep` a break-in cut short) has `orig_rax` = that call and rax = -ERESTART…: resumed so, the kernel would
//! rewind rip by two bytes and restart the interrupted call instead of running ours. -1 says "not in a system call";
//! the saved `orig_rax` comes back with the rest, so the interrupted call is restarted, with the time it has left, when
//! the debuggee runs on. A thread stopped in a system call of its own (the exec stop, a clone stop) first reports
//! that call's return to user mode: its result is kept for the thread and the step retried. A signal that arrives
//! meanwhile is sent to the thread again once it is put back.

use std::fs::OpenOptions;
use std::os::unix::fs::FileExt;

use nix::errno::Errno;
use nix::sys::ptrace as nptrace;
use nix::unistd::Pid;
use rdb_engine::{Error, Result};

use crate::ptrace::{self, Run, WaitStatus};
use crate::{LinuxTarget, guards, memory, procfs, regs};

const SYSCALL: [u8; 2] = [0x0f, 0x05];
const TRAP_FLAG: u64 = 0x100;
/// How many returns to user mode one step may report before the instruction runs: a thread stopped inside a
/// system call of its own (an exec or clone stop) first reports the end of that call, once.
const MAX_EARLY_TRAPS: u32 = 4;

/// Where the `syscall` instruction is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Site {
    /// One that is there already (the vDSO's): nothing is written.
    Found(u64),
    /// None usable: the two bytes at the thread's rip are borrowed.
    Borrowed,
}

/// Why an injected system call did not complete.
pub(crate) struct Broken {
    pub error: Error,
    /// The wait status that ended it (the thread's death or exit stop), for the target's bookkeeping.
    pub status: Option<WaitStatus>,
}

impl Broken {
    fn new(error: Error) -> Broken {
        Broken { error, status: None }
    }
}

fn failed(tid: i32, what: &str, e: Errno) -> Broken {
    Broken::new(Error::msg(format!("cannot {what} thread {tid:#x} for a system call in the debuggee: {}", e.desc())))
}

/// The result of the step.
struct Stepped {
    result: i64,
    /// What the system call the thread was stopped in returned, when the step reported its end first: the thread
    /// goes back with it, as if it had gone on alone.
    finished: Option<u64>,
}

/// Run system call `nr` with `args` on the stopped traced thread `tid` (any process: a held child too); returns its
/// raw result (negative: -errno). The thread's registers (`orig_rax` included), DR6, siginfo and any borrowed
/// bytes are put back before returning; a signal that arrived for the thread meanwhile is sent to it again, to be
/// taken when it runs on.
pub(crate) fn syscall(tid: i32, site: Site, nr: i64, args: [u64; 6]) -> std::result::Result<i64, Broken> {
    let pid = Pid::from_raw(tid);
    let tgid = procfs::tgid(tid).unwrap_or(tid);
    let saved = ptrace::getregs(tid).map_err(|e| failed(tid, "read the registers of", e))?;
    let info = nptrace::getsiginfo(pid).ok();
    let dr6 = regs::get_debug(tid).map(|d| d.dr6).ok();
    let (at, borrowed) = match site {
        Site::Found(at) => (at, None),
        Site::Borrowed => {
            let original: [u8; 2] = memory::peek(tid, saved.rip).map_err(Broken::new)?;
            memory::poke(tid, saved.rip, &SYSCALL).map_err(Broken::new)?;
            (saved.rip, Some(original))
        }
    };
    let mut call = saved;
    call.rax = nr as u64;
    // A thread stopped in an interrupted system call has orig_rax >= 0 and rax = -ERESTART…: resumed so, the kernel
    // would rewind rip by two bytes and restart that call instead of running ours. -1 says "no system call".
    call.orig_rax = u64::MAX;
    call.rdi = args[0];
    call.rsi = args[1];
    call.rdx = args[2];
    call.r10 = args[3];
    call.r8 = args[4];
    call.r9 = args[5];
    call.rip = at;
    call.eflags &= !TRAP_FLAG;
    let mut signals = Vec::new();
    let outcome = step(tid, at, call, &mut signals);
    if matches!(&outcome, Err(b) if b.status.is_some()) {
        // The thread is gone or going: only the borrowed bytes, which other threads may run, are put back.
        if let Some(original) = borrowed {
            let _ = OpenOptions::new()
                .write(true)
                .open(format!("/proc/{tgid}/mem"))
                .and_then(|mem| mem.write_all_at(&original, saved.rip));
        }
        return outcome.map(|s| s.result);
    }
    let mut back = saved;
    if let Ok(Stepped { finished: Some(rax), .. }) = &outcome {
        back.rax = *rax;
    }
    // Everything is put back even when something failed on the way; the first failure is the one reported.
    let mut restored = ptrace::setregs(tid, back).map_err(|e| failed(tid, "restore the registers of", e));
    if let Some(dr6) = dr6 {
        let r = regs::set_dr6(tid, dr6).map_err(|e| failed(tid, "restore DR6 of", e));
        restored = restored.and(r);
    }
    if let Some(info) = info {
        // The stop is now the step's SIGTRAP: a signal the engine may still deliver from the original stop takes
        // its own siginfo with it.
        let r = nptrace::setsiginfo(pid, &info).map_err(|e| failed(tid, "restore the signal information of", e));
        restored = restored.and(r);
    }
    if let Some(original) = borrowed {
        restored = restored.and(memory::poke(tid, saved.rip, &original).map_err(Broken::new));
    }
    for info in signals {
        send_again(tgid, tid, &info);
    }
    let stepped = outcome?;
    restored?;
    Ok(stepped.result)
}

/// Step the thread, its registers set for the call, until the call has run.
fn step(
    tid: i32,
    at: u64,
    call: libc::user_regs_struct,
    signals: &mut Vec<libc::siginfo_t>,
) -> std::result::Result<Stepped, Broken> {
    let pid = Pid::from_raw(tid);
    ptrace::setregs(tid, call).map_err(|e| failed(tid, "set the registers of", e))?;
    let mut finished = None;
    let mut early = 0;
    loop {
        ptrace::resume(tid, Run::Step, None).map_err(|e| failed(tid, "step", e))?;
        let status = loop {
            match ptrace::wait(tid, libc::__WALL) {
                Ok(Some((_, WaitStatus::Other))) | Ok(None) => continue,
                Ok(Some((_, status))) => break status,
                Err(e) => return Err(failed(tid, "wait for", e)),
            }
        };
        match status {
            WaitStatus::Stopped { signal: libc::SIGTRAP, event: 0 } => {
                let info = nptrace::getsiginfo(pid).map_err(|e| failed(tid, "read the signal information of", e))?;
                if info.si_code <= 0 {
                    // Someone sent the thread a SIGTRAP: it keeps it for later.
                    signals.push(info);
                    continue;
                }
                let r = ptrace::getregs(tid).map_err(|e| failed(tid, "read the registers of", e))?;
                if r.rip == at + SYSCALL.len() as u64 {
                    return Ok(Stepped { result: r.rax as i64, finished });
                }
                if r.rip == at && early < MAX_EARLY_TRAPS {
                    // The thread was stopped inside a system call of its own (exec, clone): the step reported that
                    // call's return to user mode before our instruction ran, its result written over our rax.
                    // Keep the result for the thread, set the call up again.
                    early += 1;
                    finished.get_or_insert(r.rax);
                    ptrace::setregs(tid, call).map_err(|e| failed(tid, "set the registers of", e))?;
                    continue;
                }
                return Err(Broken::new(Error::msg(format!(
                    "the system call injected into thread {tid:#x} did not complete (it stopped at {:#x})",
                    r.rip
                ))));
            }
            // A system-call stop (never asked for here) or a group-stop or interrupt: step again.
            WaitStatus::Stopped { signal, event: 0 } if signal & 0x80 != 0 => {}
            WaitStatus::Stopped { event: libc::PTRACE_EVENT_STOP, .. } => {}
            WaitStatus::Stopped { signal, event: 0 } => {
                let info = nptrace::getsiginfo(pid).map_err(|e| failed(tid, "read the signal information of", e))?;
                if info.si_code > 0 && matches!(signal, libc::SIGSEGV | libc::SIGBUS | libc::SIGILL | libc::SIGFPE) {
                    return Err(Broken::new(Error::msg(format!(
                        "the system call injected into thread {tid:#x} faulted (signal {signal})"
                    ))));
                }
                // A signal for the thread came first, before the instruction ran: it gets it again afterwards.
                signals.push(info);
            }
            status => {
                return Err(Broken {
                    error: Error::msg(format!("thread {tid:#x} ended during a system call injected into it")),
                    status: Some(status),
                });
            }
        }
    }
}

/// Send a signal the thread received during the injection back to it, with its siginfo where the kernel allows
/// (it refuses kernel-made siginfo from another process: then the plain signal).
fn send_again(tgid: i32, tid: i32, info: &libc::siginfo_t) {
    let signo = info.si_signo;
    // SAFETY: rt_tgsigqueueinfo reads one siginfo_t through the pointer, which points to a live value.
    let queued =
        unsafe { libc::syscall(libc::SYS_rt_tgsigqueueinfo, tgid, tid, signo, info as *const libc::siginfo_t) };
    if queued != 0 {
        // SAFETY: tgkill takes integers only.
        unsafe { libc::syscall(libc::SYS_tgkill, tgid, tid, signo) };
    }
}

/// The addresses of every `0f 05` pair in the vDSO of process `pid` (empty without a vDSO).
pub(crate) fn vdso_syscalls(pid: i32, mem: &memory::Memory) -> Vec<u64> {
    let Ok(regions) = memory::regions(pid) else { return Vec::new() };
    let Some(vdso) = regions.iter().find(|r| r.name.as_deref() == Some("[vdso]") && r.executable) else {
        return Vec::new();
    };
    let mut bytes = vec![0u8; (vdso.end - vdso.start) as usize];
    let Ok(n) = mem.read(vdso.start, &mut bytes) else { return Vec::new() };
    bytes[..n].windows(2).enumerate().filter(|(_, w)| *w == SYSCALL).map(|(i, _)| vdso.start + i as u64).collect()
}

impl LinuxTarget {
    /// Run system call `nr` with `args` inside the stopped debuggee, on one of its stopped threads, and return the
    /// kernel's raw result (negative: `-errno`). The thread is put back exactly as it was (registers, including
    /// `orig_rax`, so a system call it was stopped in is still restarted when it runs on); no other thread runs.
    pub fn syscall(&mut self, nr: i64, args: [u64; 6]) -> Result<i64> {
        if self.gone {
            return Err(Error::NoProcess);
        }
        self.check_tracer()?;
        if self.threads.any_running_live() {
            return Err(Error::msg("the debuggee is running: a system call can only be injected while it is stopped"));
        }
        // A thread at a vfork stop would block in the kernel until the child it made lets go of the memory, and the
        // child is held: then the child itself, which shares that memory, runs the call.
        let tid = self
            .threads
            .iter()
            .find(|t| !t.running && !t.exiting && !t.vforking)
            .map(|t| t.tid)
            .or(self.shared_child)
            .ok_or_else(|| Error::msg("no thread of the debuggee can run a system call for the debugger"))?;
        let site = self.syscall_site();
        match syscall(tid, site, nr, args) {
            Ok(result) => Ok(result),
            Err(broken) => {
                if let Some(status) = broken.status
                    && Some(tid) != self.shared_child
                {
                    self.on_status(tid, status)?;
                }
                Err(broken.error)
            }
        }
    }

    /// A `syscall` instruction of the vDSO (looked up once per program) outside the pages the debugger guards,
    /// where its fetch would fault; else the thread's own rip is borrowed.
    pub(crate) fn syscall_site(&mut self) -> Site {
        self.site_avoiding(None)
    }

    /// The same, outside `page` too.
    pub(crate) fn site_avoiding(&mut self, page: Option<u64>) -> Site {
        let found = self.vdso_syscalls.get_or_insert_with(|| vdso_syscalls(self.pid, &self.memory));
        let usable = |at: u64| {
            let len = SYSCALL.len() as u64;
            !self.guards.covers(at, len)
                && page.is_none_or(|p| guards::page_of(at) != p && guards::page_of(at + len - 1) != p)
        };
        found.iter().copied().find(|&at| usable(at)).map_or(Site::Borrowed, Site::Found)
    }
}
