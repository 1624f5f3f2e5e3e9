//! Waiting for the debuggee: wait statuses turned into engine events, and the all-stop discipline (when one thread
//! stops, every other thread is stopped too, and whatever real event they report on the way is queued, to be
//! returned before anything runs again).
//!
//! One exception, lazy all-stop: a breakpoint hit (an int3, SIGTRAP with SI_KERNEL) is returned with only its own
//! thread stopped, since the engine often needs no more than that thread (a false condition, a pass count not
//! reached: it reads the thread and resumes it in place). Stopping 31 other threads and starting them again would
//! cost far more than the hit itself. `Target::stop_others` (`complete_stop`) does the deferred `stop_all` before
//! the engine does anything else; every path here that needs every thread stopped does it too.

use std::collections::VecDeque;

use nix::sys::ptrace as nptrace;
use nix::unistd::Pid;
use rdb_engine::target::{Event, EventKind, Exception, ExceptionKind, ExitStatus};
use rdb_engine::{Error, Result};

use crate::ptrace::{self, Run, WaitStatus};
use crate::{LinuxTarget, Module, Pending, Reported, guards, image, procfs, regs, siginfo};

impl LinuxTarget {
    /// `Target::wait_event`.
    pub(crate) fn next_event(&mut self) -> Result<Event> {
        self.port.borrow_mut().set_queued(self.pid, false);
        if let Some(tid) = self.focus.take()
            && !self.gone
        {
            self.collect_for(tid)?;
        }
        loop {
            if let Some(pending) = self.queue.pop_front() {
                return Ok(self.report(pending));
            }
            if self.gone {
                return Err(Error::NoProcess);
            }
            if let Some(pid) = self.other_event() {
                // Another process of the family has something to report: this one is held (its own events, met
                // while stopping, come first) so the front end can hand over to that process's session.
                self.stop_all()?;
                if !self.queue.is_empty() || self.gone {
                    continue;
                }
                self.last = None;
                let tid = self.threads.iter().next().map_or(self.pid, |t| t.tid);
                return Ok(Event { pid: self.pid as u32, tid: tid as u32, kind: EventKind::OtherProcess { pid } });
            }
            self.collect()?;
        }
    }

    /// Note what the engine is told, so `resume` knows which exception its status settles.
    fn report(&mut self, pending: Pending) -> Event {
        if let EventKind::Exception(Exception { kind: ExceptionKind::GuardPage { fault_address, .. }, .. }) =
            &pending.event.kind
        {
            // One-shot, as PAGE_GUARD: the page is given back before anyone looks (every thread is stopped now,
            // which an injected system call needs).
            self.guard_fired(guards::page_of(*fault_address));
        }
        self.last = match &pending.event.kind {
            EventKind::Exception(exception) => {
                Some(Reported { tid: pending.event.tid as i32, exception: exception.clone(), deliver: pending.deliver })
            }
            _ => None,
        };
        pending.event
    }

    /// Wait until some event is queued, then stop every thread.
    fn collect(&mut self) -> Result<()> {
        self.check_tracer()?;
        while self.queue.is_empty() && !self.gone && self.other_event().is_none() {
            // With nothing of ours running, only the rest of the family can report.
            let running = self.threads.any_running() || self.port.borrow().has_others(self.pid);
            match self.wait_one(!running)? {
                Some((tid, status)) => self.on_status(tid, status)?,
                None if running => {}
                None => {
                    return Err(Error::msg("the debuggee is not running: resume it before waiting for an event"));
                }
            }
        }
        if self.gone {
            return Ok(());
        }
        if self.is_lone_breakpoint() {
            // Lazy all-stop: the other threads are stopped only if the engine asks (`complete_stop`).
            self.lazy = true;
            return Ok(());
        }
        self.stop_all()
    }

    /// Whether what was collected is one breakpoint hit and nothing else, so it may be reported lazily: no other
    /// process of the family waits to be handed over to, and the thread stands just past the int3.
    fn is_lone_breakpoint(&self) -> bool {
        let Some(pending) = self.queue.front() else { return false };
        self.queue.len() == 1
            && self.other_event().is_none()
            && matches!(
                pending.event.kind,
                EventKind::Exception(Exception { kind: ExceptionKind::Breakpoint, first_chance: true, .. })
            )
    }

    /// `Target::stop_others`: after a lazy breakpoint event, stop every other thread now, queueing what they report.
    pub(crate) fn complete_stop(&mut self) -> Result<()> {
        if !self.lazy || self.gone {
            self.lazy = false;
            return Ok(());
        }
        self.check_tracer()?;
        self.stop_all()
    }

    /// After a `Resume::Step` of `tid`: wait until that thread reports something, then stop every thread, and put
    /// its events first (before anything queued earlier or reported meanwhile by threads on their way out).
    fn collect_for(&mut self, tid: i32) -> Result<()> {
        self.check_tracer()?;
        let older = std::mem::take(&mut self.queue);
        let waited = self.wait_for_thread(tid);
        let (mut ordered, others): (VecDeque<Pending>, VecDeque<Pending>) =
            std::mem::take(&mut self.queue).into_iter().partition(|p| p.event.tid == tid as u32);
        ordered.extend(others);
        ordered.extend(older);
        // Nothing follows the end of the process.
        if let Some(i) = ordered.iter().position(|p| matches!(p.event.kind, EventKind::ProcessExited { .. }))
            && let Some(end) = ordered.remove(i)
        {
            ordered.push_back(end);
        }
        self.queue = ordered;
        waited
    }

    fn wait_for_thread(&mut self, tid: i32) -> Result<()> {
        while !self.gone
            && !self.queue.iter().any(|p| p.event.tid == tid as u32)
            && self.threads.get(tid).is_some_and(|t| t.running)
        {
            if let Some((from, status)) = self.wait_one(false)? {
                self.on_status(from, status)?;
            }
        }
        if !self.gone {
            self.stop_all()?;
        }
        Ok(())
    }

    /// One wait status of any of our threads. Another process's status (a process of the family, a new child) is
    /// stashed for its own target instead. `None`: nothing of ours (with `nohang`, or a status stashed).
    pub(crate) fn wait_one(&mut self, nohang: bool) -> Result<Option<(i32, WaitStatus)>> {
        let pid = self.pid;
        let stashed = {
            let (threads, early) = (&self.threads, &self.early);
            self.port.borrow_mut().take(pid, |tid| tid == pid || threads.get(tid).is_some() || early.contains(&tid))
        };
        if stashed.is_some() {
            return Ok(stashed);
        }
        match self.wait_raw(nohang)? {
            Some((tid, status)) if !self.owns(tid) => {
                let owner = procfs::tgid(tid);
                self.port.borrow_mut().stash(owner, tid, status);
                Ok(None)
            }
            other => Ok(other),
        }
    }

    fn wait_raw(&mut self, nohang: bool) -> Result<Option<(i32, WaitStatus)>> {
        // __WNOTHREAD: only this thread's tracees, not those of another target in the same debugger process.
        let mut flags = libc::__WALL | libc::__WNOTHREAD;
        if nohang {
            flags |= libc::WNOHANG;
        }
        match ptrace::wait(-1, flags) {
            Ok(r) => Ok(r),
            Err(nix::errno::Errno::ECHILD) => {
                // Every thread vanished without a word: nothing left to debug.
                self.mark_gone();
                Err(Error::NoProcess)
            }
            Err(e) => Err(Error::msg(format!("cannot wait for process {}: {}", self.pid, e.desc()))),
        }
    }

    /// Stop every running thread (all-stop), queueing the events they report instead of their stop.
    pub(crate) fn stop_all(&mut self) -> Result<()> {
        self.stopping = true;
        self.lazy = false;
        let r = self.stop_all_inner();
        self.stopping = false;
        r
    }

    fn stop_all_inner(&mut self) -> Result<()> {
        for t in self.threads.iter().filter(|t| t.running && !t.exiting) {
            // A thread that cannot be interrupted is dying: its death will be reported.
            let _ = nptrace::interrupt(Pid::from_raw(t.tid));
        }
        self.wait_until_all_stopped()?;
        // A thread interrupted just as it executed an int3 (or took another fault) stops for the interrupt first,
        // its SIGTRAP still pending: left so, the signal would be delivered at detach and kill the process. Let
        // such a thread take the signal now, so it is reported like any other hit.
        let trapped: Vec<i32> = self
            .threads
            .iter()
            .filter(|t| !t.running && !t.exiting)
            .map(|t| t.tid)
            .filter(|&tid| !self.queue.iter().any(|p| p.event.tid == tid as u32))
            // Nor the thread of a lazy event being completed: its hit is reported already.
            .filter(|&tid| self.last.as_ref().is_none_or(|l| l.tid != tid))
            .filter(|&tid| {
                procfs::signal_set(self.pid, Some(tid), "SigPnd").is_some_and(|m| m & (1 << (libc::SIGTRAP - 1)) != 0)
            })
            .collect();
        for tid in trapped {
            if ptrace::resume(tid, Run::Continue, None).is_ok()
                && let Some(t) = self.threads.get_mut(tid)
            {
                t.running = true;
            }
        }
        self.wait_until_all_stopped()
    }

    fn wait_until_all_stopped(&mut self) -> Result<()> {
        while !self.gone && self.threads.any_running_live() {
            if let Some((tid, status)) = self.wait_one(false)? {
                self.on_status(tid, status)?;
            }
        }
        Ok(())
    }

    /// Take in one wait status: update the thread table and queue the event it means, if any.
    pub(crate) fn on_status(&mut self, tid: i32, status: WaitStatus) -> Result<()> {
        let (signal, event) = match status {
            WaitStatus::Exited(code) => {
                self.on_death(tid, ExitStatus::Code(code.into()));
                return Ok(());
            }
            WaitStatus::Signaled(signo) => {
                self.on_death(tid, ExitStatus::Signal(signo));
                return Ok(());
            }
            WaitStatus::Other => return Ok(()),
            WaitStatus::Stopped { signal, event } => (signal, event),
        };
        if self.threads.get(tid).is_none() {
            if event == libc::PTRACE_EVENT_STOP {
                // A new thread's first stop, ahead of its creator's clone event.
                self.early.insert(tid);
                return Ok(());
            }
            if procfs::tgid(tid) != Some(self.pid) {
                return Ok(());
            }
            self.threads.add(self.pid, tid, true);
        }
        if let Some(t) = self.threads.get_mut(tid) {
            t.running = false;
        }
        match event {
            0 if signal == (libc::SIGTRAP | 0x80) => self.rerun(tid),
            0 => self.on_signal_stop(tid, signal),
            libc::PTRACE_EVENT_CLONE => self.on_clone(tid),
            libc::PTRACE_EVENT_FORK => self.on_fork(tid, false),
            libc::PTRACE_EVENT_VFORK => self.on_fork(tid, true),
            libc::PTRACE_EVENT_VFORK_DONE => {
                let child = nptrace::getevent(Pid::from_raw(tid)).map(|m| m as u32).unwrap_or(0);
                self.push(tid, EventKind::SharedMemoryReleased { child }, None);
                Ok(())
            }
            libc::PTRACE_EVENT_EXEC => self.on_exec(),
            libc::PTRACE_EVENT_EXIT => self.on_exit_stop(tid),
            // PTRACE_INTERRUPT's stop (or a group-stop): wanted while stopping everyone, spurious otherwise.
            _ => self.rerun(tid),
        }
    }

    /// A stop nobody asked for: while stopping everyone it counts as stopped, otherwise the thread runs on as it
    /// ran (a step is retried).
    fn rerun(&mut self, tid: i32) -> Result<()> {
        if self.stopping {
            return Ok(());
        }
        let Some(t) = self.threads.get_mut(tid) else { return Ok(()) };
        let how = if t.stepping { Run::Step } else { Run::Continue };
        // A thread that cannot be resumed is dying; its death will be reported.
        let _ = ptrace::resume(tid, how, None);
        t.running = true;
        Ok(())
    }

    fn on_death(&mut self, tid: i32, status: ExitStatus) {
        self.early.remove(&tid);
        if tid == self.pid {
            // The leader is reported last, once every other thread is gone: the process is over.
            self.mark_gone();
            self.push(tid, EventKind::ProcessExited { status }, None);
        } else if let Some(known) = self.threads.get(tid).map(|t| t.exit_code) {
            self.threads.remove(tid);
            let code = known.unwrap_or(match status {
                ExitStatus::Code(code) => code,
                ExitStatus::Signal(signo) => 128 + i64::from(signo),
            });
            self.push(tid, EventKind::ThreadExited { code }, None);
        }
    }

    fn on_signal_stop(&mut self, tid: i32, signo: i32) -> Result<()> {
        let Ok(info) = nptrace::getsiginfo(Pid::from_raw(tid)) else {
            // Killed while stopping: its death comes next.
            if let Some(t) = self.threads.get_mut(tid) {
                t.running = true;
            }
            return Ok(());
        };
        // SAFETY: the kernel fills the whole siginfo; si_addr reads the fault arm of the union, which is plain
        // data whatever the signal (meaningful for faults only, where it is used).
        let fault_address = unsafe { info.si_addr() } as u64;
        let rip = regs::get(tid).map(|r| r.rip).unwrap_or(0);
        let Some(thread) = self.threads.get_mut(tid) else { return Ok(()) };
        if thread.stepping && signo == libc::SIGTRAP && info.si_code == libc::TRAP_BRKPT && rip == thread.step_from {
            // A step begun in a system call (at an exec or clone stop, say) first reports the return to user mode,
            // before any instruction ran: step again for the instruction the engine asked for.
            let _ = ptrace::resume(tid, Run::Step, None);
            thread.running = true;
            return Ok(());
        }
        let stepping = std::mem::take(&mut thread.stepping);
        let stop = siginfo::Stop {
            signo,
            code: info.si_code,
            fault_address,
            rip,
            stepping,
            dr6: match signo {
                // A plain step's trap where no debug register was ever armed: DR6 holds only the step's bit.
                libc::SIGTRAP if info.si_code == libc::TRAP_TRACE && !self.debug_registers_armed => 0,
                libc::SIGTRAP => regs::dr6(tid),
                _ => 0,
            },
            break_in: signo == libc::SIGSTOP && self.breaker.take_request(),
            guarded: signo == libc::SIGSEGV && self.guards.is_armed(guards::page_of(fault_address)),
        };
        let t = siginfo::translate(&stop);
        let exception = Exception { kind: t.kind, address: t.address, first_chance: true };
        self.push(tid, EventKind::Exception(exception), t.deliver);
        Ok(())
    }

    fn on_clone(&mut self, parent: i32) -> Result<()> {
        let Ok(new) = nptrace::getevent(Pid::from_raw(parent)).map(|m| m as i32) else { return self.rerun(parent) };
        // Traced from birth: its first stop is due (unless it died before it ever ran, or never was).
        if !self.first_stop(new) {
            return self.rerun(parent);
        }
        if procfs::tgid(new) != Some(self.pid) {
            // clone() without CLONE_THREAD made a new process: not ours to debug.
            let _ = ptrace::detach(new, None);
            return self.rerun(parent);
        }
        self.threads.add(self.pid, new, false);
        self.push(new, EventKind::ThreadCreated { start: None }, None);
        Ok(())
    }

    /// `fork`, `vfork`: the child is traced from birth. Hold it at its first stop and report it; the engine cleans
    /// it (or, for a vfork child that shares our memory, the memory) of breakpoints and releases it
    /// (`ChildProcesses::release_child`): let go, or, when children are followed, kept for the family.
    fn on_fork(&mut self, parent: i32, shares_memory: bool) -> Result<()> {
        let Ok(child) = nptrace::getevent(Pid::from_raw(parent)).map(|m| m as i32) else { return self.rerun(parent) };
        if !self.first_stop(child) {
            return self.rerun(parent);
        }
        let followed = self.port.borrow().follow_children;
        self.children.insert(child, followed);
        if shares_memory {
            self.shared_child = Some(child);
            if let Some(t) = self.threads.get_mut(parent) {
                t.vforking = true;
            }
        }
        self.push(parent, EventKind::ChildProcess { child: child as u32, shares_memory, followed }, None);
        Ok(())
    }

    fn on_exit_stop(&mut self, tid: i32) -> Result<()> {
        // The main thread leaving before others: its death is only reported with the process's, so it is reported
        // now. (Other threads are reported when they are reaped.)
        // Its own exit status is read now for every thread: reaped after the process has ended, a thread's status
        // is the process's (the kernel's group exit code), not the one it exited with.
        let status = nptrace::getevent(Pid::from_raw(tid)).map(|s| s as i32);
        let code = status.ok().map(|status| {
            if libc::WIFSIGNALED(status) {
                128 + i64::from(libc::WTERMSIG(status))
            } else {
                i64::from(libc::WEXITSTATUS(status))
            }
        });
        if tid == self.pid && self.threads.live().any(|t| t.tid != tid) {
            self.push(tid, EventKind::ThreadExited { code: code.unwrap_or(0) }, None);
        }
        // On its way out, it runs no more user code: let it go at once, even while everyone is being stopped, as
        // others may wait for its death (an execve in another thread does).
        if let Some(t) = self.threads.get_mut(tid) {
            t.exit_code = code;
            t.exiting = true;
            t.running = true;
            let _ = ptrace::resume(tid, Run::Continue, None);
        }
        Ok(())
    }

    /// The process ran execve: a new program, reported as a new process with the same pid.
    pub(crate) fn on_exec(&mut self) -> Result<()> {
        let pid = self.pid;
        // Every other thread is gone; a non-leader that ran execve took over the leader's id. What the old
        // program's threads reported and was not yet told is moot.
        self.queue.clear();
        self.threads.clear();
        self.threads.add(pid, pid, false);
        self.early.clear();
        self.memory = crate::memory::Memory::open(pid);
        self.r_debug = None;
        self.modules.clear();
        self.vdso_syscalls = None;
        self.guards.clear();
        // A followed child runs a program of its own from now on, in memory of its own.
        self.forked_copy = None;
        self.port.borrow_mut().memory_returned(pid);
        let exe =
            image::exe(pid).map_err(|e| Error::msg(format!("cannot read the executable of process {pid}: {e}")))?;
        let image = exe.image.clone();
        self.push(
            pid,
            EventKind::ProcessCreated {
                image_base: image.base,
                image_size: image.size,
                entry: exe.entry,
                path: image.path,
            },
            None,
        );
        if let Some(loader) = exe.loader.clone() {
            self.modules.insert(loader.base, Module { path: loader.path.clone(), pinned: true });
            self.push(pid, EventKind::ModuleLoaded { base: loader.base, size: loader.size, path: loader.path }, None);
        }
        self.exe = Some(exe);
        Ok(())
    }
}
