//! Running the debuggee on: resuming (with the emulated second chance for signals the debuggee would die of),
//! detaching so it runs on as if never debugged, and killing it.

use std::collections::HashMap;

use nix::errno::Errno;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use rdb_engine::target::{ContinueStatus, EventKind, Exception, ExceptionKind, Resume};
use rdb_engine::{Error, Result};

use crate::ptrace::{self, Run, WaitStatus};
use crate::{LinuxTarget, Pending, procfs, regs, siginfo};

const INT3: u8 = 0xcc;

/// Where a step of a thread begins: its rip, or the `syscall` instruction before it when the thread stopped in an
/// interrupted system call that the kernel restarts as it resumes (-ERESTARTSYS … -ERESTART_RESTARTBLOCK).
fn step_start(tid: i32) -> u64 {
    let Ok(r) = ptrace::getregs(tid) else { return 0 };
    let restarts = (r.orig_rax as i64) >= 0 && (-516..=-512).contains(&(r.rax as i64));
    if restarts { r.rip.wrapping_sub(2) } else { r.rip }
}

impl LinuxTarget {
    /// `Target::resume`.
    pub(crate) fn resume_threads(&mut self, status: ContinueStatus, how: Resume) -> Result<()> {
        if self.gone {
            if self.queue.is_empty() {
                return Err(Error::NoProcess);
            }
            // It ended while held (its end is queued): released, it has that to report.
            self.port.borrow_mut().set_queued(self.pid, true);
            return Ok(());
        }
        self.check_tracer()?;
        // Check the request before anything changes, so a refused request leaves everything as it was.
        if let Resume::Step { tid } = how {
            if self.lazy {
                return Err(Error::msg(
                    "internal error: a single step while other threads still run (stop_others was not called)",
                ));
            }
            let known = i32::try_from(tid).ok().and_then(|t| self.threads.get(t));
            match known {
                None => return Err(Error::NoSuchThread(tid)),
                Some(t) if t.running => return Err(Error::msg(format!("thread {tid:#x} is already running"))),
                Some(_) => {}
            }
        }
        if let Some(last) = self.last.take()
            && let Some(deliver) = last.deliver
        {
            let second = !last.exception.first_chance;
            let give = second || status == ContinueStatus::NotHandled;
            if give && !second && siginfo::would_terminate(self.pid, last.tid, deliver) {
                // The debuggee has no handler for it: like Windows, report the exception again, as second chance,
                // before it is delivered and ends the process.
                let exception = Exception { first_chance: false, ..last.exception };
                let event = rdb_engine::target::Event {
                    pid: self.pid as u32,
                    tid: last.tid as u32,
                    kind: EventKind::Exception(exception),
                };
                self.queue.push_front(Pending { event, deliver: Some(deliver) });
                return Ok(());
            }
            if let Some(t) = self.threads.get_mut(last.tid) {
                t.inject = give.then_some(deliver.signo);
            }
        }
        // A signal asked for takes the place of the one the continue would deliver.
        if let Some((tid, signo)) = self.raised.take()
            && let Some(t) = self.threads.get_mut(tid)
        {
            t.inject = Some(signo);
        }
        // Events already collected are reported before anything runs again.
        match how {
            Resume::All if !self.queue.is_empty() => {
                // Released with events to report: the target being driven must hand over to this one.
                self.port.borrow_mut().set_queued(self.pid, true);
                return Ok(());
            }
            Resume::Step { tid } if self.queue.iter().any(|p| p.event.tid == tid) => return Ok(()),
            _ => {}
        }
        match how {
            Resume::All => {
                self.step_affinity.release();
                // After a lazy breakpoint event only the reporter is stopped: it joins the others, still running.
                self.lazy = false;
                // The thread that vforked a followed child stays at its vfork stop while the child runs in its
                // memory: inside the kernel's wait for the child it could not be stopped again (all-stop).
                let lent = self.lent_memory.filter(|c| self.port.borrow().borrows_memory(*c));
                self.lent_memory = lent;
                let parked = |t: &crate::threads::Thread| t.vforking && lent.is_some();
                for t in self.threads.iter_mut().filter(|t| !t.running && !parked(t)) {
                    // A thread that cannot be resumed was killed meanwhile: its death will be reported.
                    let _ = ptrace::resume(t.tid, Run::Continue, t.inject.take());
                    t.running = true;
                    t.stepping = false;
                    t.vforking = false;
                }
            }
            Resume::Step { tid } => {
                let step_from = step_start(tid as i32);
                let Some(t) = self.threads.get_mut(tid as i32) else { return Err(Error::NoSuchThread(tid)) };
                t.step_from = step_from;
                self.step_affinity.pin(t.tid);
                match ptrace::resume(t.tid, Run::Step, t.inject.take()) {
                    Ok(()) | Err(Errno::ESRCH) => {}
                    Err(e) => return Err(Error::msg(format!("cannot step thread {tid:#x}: {}", e.desc()))),
                }
                t.running = true;
                t.stepping = true;
                t.vforking = false;
                self.focus = Some(t.tid);
            }
        }
        Ok(())
    }

    /// `Target::detach`: every thread runs on untraced, with the signals that were meant for it.
    pub(crate) fn detach_all(&mut self) -> Result<()> {
        self.step_affinity.release();
        self.release_children();
        if self.gone {
            return Ok(());
        }
        self.check_tracer()?;
        if self.threads.any_running_live() {
            self.stop_all()?;
            if self.gone {
                return Ok(());
            }
        }
        // The engine disarms its guard pages before detaching; whatever is still armed gets its protection back here.
        self.disarm_all_guards();
        let mut signals: HashMap<i32, i32> = self.threads.iter().filter_map(|t| t.inject.map(|s| (t.tid, s))).collect();
        // The last exception, not continued: a signal the debuggee was sent still reaches it.
        if let Some(last) = self.last.take()
            && last.exception.kind != ExceptionKind::Breakpoint
            && let Some(d) = last.deliver
        {
            signals.entry(last.tid).or_insert(d.signo);
        }
        // Events the engine never saw.
        for pending in std::mem::take(&mut self.queue) {
            let tid = pending.event.tid as i32;
            let EventKind::Exception(e) = &pending.event.kind else { continue };
            if e.kind == ExceptionKind::Breakpoint && !self.int3_at(e.address) {
                // The engine's int3, removed since: run the original instruction.
                if let Ok(mut r) = regs::get(tid) {
                    r.rip = e.address;
                    let _ = regs::set(tid, &r);
                }
                continue;
            }
            if let Some(d) = pending.deliver {
                signals.entry(tid).or_insert(d.signo);
            }
        }
        // The interrupter's SIGSTOP, sent but not taken yet, must not stop the process once it is on its own:
        // generating SIGCONT discards pending stop signals.
        if self.breaker.take_request()
            && procfs::signal_set(self.pid, None, "ShdPnd").is_some_and(|m| m & (1 << (libc::SIGSTOP - 1)) != 0)
        {
            let _ = kill(Pid::from_raw(self.pid), Signal::SIGCONT);
        }
        // Threads on their way out would stay zombies waiting for their tracer: see them die first. (Not the
        // leader: its death is only reported with the whole process's.)
        let dying: Vec<i32> =
            self.threads.iter().filter(|t| t.running && t.exiting && t.tid != self.pid).map(|t| t.tid).collect();
        for tid in dying {
            while let Ok(Some((_, WaitStatus::Stopped { .. } | WaitStatus::Other))) = ptrace::wait(tid, libc::__WALL) {
                let _ = ptrace::resume(tid, Run::Continue, None);
            }
        }
        let mut failed = None;
        for t in self.threads.iter().filter(|t| !t.running) {
            match ptrace::detach(t.tid, signals.get(&t.tid).copied()) {
                Ok(()) | Err(Errno::ESRCH) => {}
                Err(e) => failed = Some(e),
            }
        }
        self.mark_gone();
        match failed {
            Some(e) => Err(Error::msg(format!("cannot detach from process {}: {}", self.pid, e.desc()))),
            None => Ok(()),
        }
    }

    fn int3_at(&self, address: u64) -> bool {
        let mut byte = [0u8];
        matches!(self.memory.read(address, &mut byte), Ok(1)) && byte[0] == INT3
    }

    /// `Target::kill`: SIGKILL, then reap every thread until the process is gone.
    pub(crate) fn kill_process(&mut self) -> Result<()> {
        self.step_affinity.release();
        self.release_children();
        if self.gone {
            return Ok(());
        }
        let pid = self.pid;
        match kill(Pid::from_raw(pid), Signal::SIGKILL) {
            Ok(()) | Err(Errno::ESRCH) => {}
            Err(e) => return Err(Error::msg(format!("cannot kill process {pid}: {}", e.desc()))),
        }
        if self.on_tracer_thread() {
            // The leader is reported once all other threads are reaped, including ones not yet announced. Other
            // processes of the family report meanwhile: their statuses are stashed for their own targets.
            while let Ok(reaped) = self.wait_one(false) {
                let Some((tid, status)) = reaped else { continue };
                match status {
                    WaitStatus::Exited(_) | WaitStatus::Signaled(_) if tid == pid => break,
                    // Even a killed thread stops at PTRACE_EVENT_EXIT: let it go on dying.
                    WaitStatus::Stopped { .. } => {
                        let _ = ptrace::resume(tid, Run::Continue, None);
                    }
                    _ => {}
                }
            }
        } else {
            let tids: Vec<i32> = self.threads.iter().map(|t| t.tid).filter(|&t| t != pid).collect();
            for tid in tids.into_iter().chain(std::iter::once(pid)) {
                while let Ok(Some((_, status))) = ptrace::wait(tid, libc::__WALL) {
                    match status {
                        WaitStatus::Exited(_) | WaitStatus::Signaled(_) => break,
                        WaitStatus::Stopped { .. } => {
                            let _ = ptrace::resume(tid, Run::Continue, None);
                        }
                        WaitStatus::Other => {}
                    }
                }
            }
        }
        self.queue.clear();
        self.mark_gone();
        Ok(())
    }
}
