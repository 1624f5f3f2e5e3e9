//! The debug-event loop and the stepping machines: resume, wait for an event, decide, until something stops for
//! the user. Every judgement about an event (is this int3 ours, does this breakpoint stop, does the filter want
//! this exception) is made here, once, for every OS.

use std::collections::BTreeSet;

use super::filters::{Action, EventCode, exception_code};
use super::patches::INT3;
use super::{Internal, Notice, Session, State, Stop, StopReason, ThreadEntry};
use crate::disasm;
use crate::error::{Error, Result};
use crate::regs::Registers;
use crate::target::{ContinueStatus, Event, EventKind, Exception, ExceptionKind, Resume, Tid};

/// What the loop does after one event.
enum Next {
    Continue(ContinueStatus),
    Stop(StopReason),
}

impl Session {
    /// `g`, `gh`, `gn`: run until something stops. `status` overrides how the current exception is continued.
    pub fn go(&mut self, status: Option<ContinueStatus>) -> Result<Stop> {
        let status = status.unwrap_or(self.default_continue);
        self.run(status, None)
    }

    /// `g <address>`: run until any thread reaches `address` (or something else stops first).
    pub fn go_to(&mut self, address: u64, status: Option<ContinueStatus>) -> Result<Stop> {
        self.target()?;
        self.internal.push(Internal::RunTo(address));
        self.go(status)
    }

    /// `t`: execute one instruction of the current thread, others held.
    pub fn step_into(&mut self) -> Result<Stop> {
        let status = self.default_continue;
        let tid = self.current_tid;
        self.run(status, Some(tid))
    }

    /// `p`: like `t`, but a call runs to its return.
    pub fn step_over(&mut self) -> Result<Stop> {
        let tid = self.current_tid;
        let regs = self.registers(tid)?;
        match self.instruction_at(regs.rip) {
            Some(i) if i.is_call => {
                let address = regs.rip + i.len() as u64;
                self.internal.push(Internal::Return { address, tid, sp: regs.rsp });
                self.go(None)
            }
            _ => self.step_into(),
        }
    }

    /// `gu`: run until the current function returns to its caller.
    pub fn step_out(&mut self) -> Result<Stop> {
        let tid = self.current_tid;
        let frames = self.stack(tid, 2)?;
        let caller = frames.get(1).ok_or_else(|| crate::err!("cannot find the caller of the current function"))?;
        self.internal.push(Internal::Return { address: caller.regs.rip, tid, sp: caller.regs.rsp });
        self.go(None)
    }

    /// `pc` (`over`) and `tc`: step until the current thread is at a call instruction.
    pub fn step_to_call(&mut self, over: bool) -> Result<Stop> {
        let mut first = true;
        loop {
            let tid = self.current_tid;
            let rip = self.registers(tid)?.rip;
            let at_call = self.instruction_at(rip).is_some_and(|i| i.is_call);
            if at_call && !first {
                return Ok(Stop { pid: self.pid, tid, reason: StopReason::Step });
            }
            first = false;
            let stop = if over { self.step_over()? } else { self.step_into()? };
            if stop.reason != StopReason::Step {
                return Ok(stop);
            }
        }
    }

    /// Handle events from a target that has just started (or been attached to) until its first stop.
    pub(super) fn run_from_event(&mut self) -> Result<Stop> {
        let event = self.target()?.wait_event()?;
        match self.handle(event.clone())? {
            Next::Stop(reason) => Ok(self.stopped(event.tid, reason)),
            Next::Continue(status) => self.run(status, None),
        }
    }

    /// The loop. `step` is the thread a `t` steps, `None` to let every thread run.
    fn run(&mut self, mut status: ContinueStatus, step: Option<Tid>) -> Result<Stop> {
        self.target()?;
        self.threads_created_running.clear();
        loop {
            self.sync_patches();
            // A thread that stopped on one of our int3s (it reported the breakpoint, or a step ended there) first
            // executes the original instruction alone, with the int3 out, so no other thread can slip past it. A
            // thread merely standing at a breakpoint it has not reached yet (the entry point of a static program
            // at exec, a thread moved with `r rip=`) runs into it instead: that is a hit.
            let mover = step.unwrap_or(self.event_tid);
            let stopped_on = match self.step_off {
                Some((tid, at)) if tid == mover => {
                    self.step_off = None;
                    Some(at)
                }
                _ => None,
            };
            // The registers are read only when there is a breakpoint to step off (not on every resume).
            let rip = match stopped_on.filter(|at| self.patches.contains(*at)) {
                Some(at) => self.registers(mover).map(|r| r.rip).ok().filter(|rip| *rip == at),
                None => None,
            };
            if let Some(rip) = rip {
                let target = self.target.as_deref_mut().ok_or(Error::NoProcess)?;
                self.patches.remove(target, rip)?;
                target.resume(status, Resume::Step { tid: mover })?;
                status = ContinueStatus::Handled;
                let event = self.wait()?;
                if !matches!(event.kind, EventKind::ProcessExited { .. }) {
                    // The int3 goes back in before anything else runs (unless there is nothing left to patch).
                    self.sync_patches();
                }
                let stepped = event.tid == mover
                    && matches!(
                        event.kind,
                        EventKind::Exception(Exception { kind: ExceptionKind::SingleStep { .. }, .. })
                    );
                if !stepped {
                    match self.handle(event.clone())? {
                        Next::Stop(reason) => return Ok(self.stopped(event.tid, reason)),
                        Next::Continue(s) => {
                            status = s;
                            continue;
                        }
                    }
                }
                if step == Some(mover) {
                    return Ok(self.stopped(mover, StopReason::Step));
                }
            }
            let how = match step {
                Some(tid) => Resume::Step { tid },
                None => Resume::All,
            };
            self.target()?.resume(status, how)?;
            let event = self.wait()?;
            match self.handle_for_step(event.clone(), step)? {
                Next::Stop(reason) => return Ok(self.stopped(event.tid, reason)),
                Next::Continue(s) => status = s,
            }
        }
    }

    /// Threads that hit one of our int3s together with the thread that stopped have their event still queued in
    /// the target; until it is reported their rip points past the int3. Put them back on the instruction now, as
    /// gdb does, so registers and stacks read right while the user looks (the rewind is idempotent).
    fn rewind_queued_breakpoints(&mut self) {
        let Some(target) = self.target.as_deref() else { return };
        let hits: Vec<(Tid, u64)> = target
            .queued_events()
            .into_iter()
            .filter_map(|e| match e.kind {
                EventKind::Exception(Exception { kind: ExceptionKind::Breakpoint, address, .. }) => {
                    Some((e.tid, address))
                }
                _ => None,
            })
            .filter(|(_, address)| self.patches.contains(*address))
            .collect();
        for (tid, address) in hits {
            let _ = self.set_rip(tid, address);
        }
    }

    fn wait(&mut self) -> Result<Event> {
        let event = self.target()?.wait_event();
        if event.is_err() {
            // The target failed under us (the process vanished): nothing more can be done with it.
            self.target = None;
            self.state = State::Gone;
        }
        event
    }

    /// A single step that completed is the stop a `t` waited for; anything else is an ordinary event.
    fn handle_for_step(&mut self, event: Event, step: Option<Tid>) -> Result<Next> {
        if let (Some(tid), EventKind::Exception(Exception { kind: ExceptionKind::SingleStep { .. }, .. })) =
            (step, &event.kind)
            && event.tid == tid
        {
            return Ok(Next::Stop(StopReason::Step));
        }
        self.handle(event)
    }

    /// Bring the patched bytes in line with the breakpoints wanted now (none while a vfork child runs in the
    /// debuggee's memory).
    fn sync_patches(&mut self) {
        let mut wanted: BTreeSet<u64> = BTreeSet::new();
        if !self.patches_suspended {
            wanted.extend(self.breakpoints.wanted());
            wanted.extend(self.internal.iter().map(|i| i.address()));
        }
        let Some(target) = self.target.as_deref_mut() else { return };
        let failures = self.patches.sync(target, &wanted);
        for (address, error) in failures {
            // A breakpoint that cannot be inserted is disabled, so the user sees it once, not at every resume.
            let ids: Vec<u32> = self.breakpoints.iter().filter(|b| b.address == Some(address)).map(|b| b.id).collect();
            for id in &ids {
                self.breakpoints.set_enabled(*id, false);
            }
            self.internal.retain(|i| i.address() != address);
            let text = match ids.first() {
                Some(id) => format!(
                    "Unable to insert breakpoint {id} at {}: {error}; it is disabled",
                    crate::fmt::addr64(address)
                ),
                None => format!("Unable to insert an internal breakpoint at {}: {error}", crate::fmt::addr64(address)),
            };
            self.notify(Notice::Breakpoint { text });
        }
    }

    /// Record a stop for the user.
    fn stopped(&mut self, tid: Tid, reason: StopReason) -> Stop {
        self.internal.retain(|i| !i.is_temporary());
        self.rewind_queued_breakpoints();
        if self.state == State::Stopped {
            self.event_tid = tid;
            self.current_tid = tid;
            self.step_off = self.registers(tid).ok().map(|r| (tid, r.rip));
        }
        self.default_continue = match &reason {
            StopReason::Exception(e) => match e.kind {
                ExceptionKind::Breakpoint | ExceptionKind::SingleStep { .. } | ExceptionKind::BreakIn => {
                    ContinueStatus::Handled
                }
                ref kind => self.filters.get(exception_code(kind)).continue_status,
            },
            _ => ContinueStatus::Handled,
        };
        Stop { pid: self.pid, tid, reason }
    }

    /// Decide what one event means.
    fn handle(&mut self, event: Event) -> Result<Next> {
        let Event { pid, tid, kind } = event;
        if matches!(kind, EventKind::Exception(_)) {
            // The thread that must step off a breakpoint at the next resume is the one that reported it.
            self.event_tid = tid;
        }
        match kind {
            EventKind::ProcessCreated { image_base, image_size, entry, path } => {
                if self.modules.iter().next().is_some() {
                    self.exec_replaced_image();
                }
                self.pid = pid;
                self.entry = entry;
                self.exe_path = Some(path.clone());
                self.threads = vec![ThreadEntry { tid, index: 0 }];
                self.next_thread_index = 1;
                self.event_tid = tid;
                self.current_tid = tid;
                self.module_loaded(image_base, image_size, path);
                self.awaiting_initial_breakpoint = self.target()?.os_initial_breakpoint();
                let rendezvous = match self.target()?.loader_rendezvous() {
                    Some(r) => Some(r.breakpoint_address()?),
                    None => None,
                };
                // A launch on an OS without a loader breakpoint of its own stops at the entry point, where the
                // loader has mapped the startup libraries (static executables too, which have no loader list).
                if rendezvous == Some(None) || (self.launched && rendezvous.is_some()) {
                    self.internal.push(Internal::Entry(entry));
                }
                // Attached to a running process, the loader's list is set up already.
                if let Some(Some(brk)) = rendezvous {
                    self.internal.push(Internal::LoaderRendezvous(brk));
                }
                Ok(Next::Continue(ContinueStatus::Handled))
            }
            EventKind::ModuleLoaded { base, size, path } => Ok(self.module_loaded(base, size, path)),
            EventKind::ModuleUnloaded { base } => Ok(self.module_unloaded(base)),
            EventKind::ThreadCreated { .. } => {
                let index = self.next_thread_index;
                self.next_thread_index += 1;
                self.threads.push(ThreadEntry { tid, index });
                self.threads_created_running.push(tid);
                Ok(self.event_notice(EventCode::CreateThread, Notice::ThreadCreated { pid, tid, index }))
            }
            EventKind::ThreadExited { code } => {
                let index = self.thread_index(tid).unwrap_or(u32::MAX);
                self.threads.retain(|t| t.tid != tid);
                if self.current_tid == tid {
                    self.current_tid = self.threads.first().map(|t| t.tid).unwrap_or(0);
                }
                if self.event_tid == tid {
                    self.event_tid = self.current_tid;
                }
                Ok(self.event_notice(EventCode::ExitThread, Notice::ThreadExited { pid, tid, index, code }))
            }
            EventKind::ProcessExited { status } => {
                if self.filters.action(EventCode::ExitProcess) != Action::Ignore {
                    self.notify(Notice::ProcessExited { pid, tid, status });
                }
                self.drop_target();
                Ok(Next::Stop(StopReason::ProcessExited(status)))
            }
            EventKind::DebugString { text } => {
                Ok(self.event_notice(EventCode::DebugOutput, Notice::DebugString { text }))
            }
            EventKind::OtherProcess { pid } => Ok(Next::Stop(StopReason::OtherProcess { pid })),
            EventKind::RipError { error, kind } => {
                self.notify(Notice::RipError { pid, tid, error, kind });
                Ok(Next::Continue(ContinueStatus::Handled))
            }
            EventKind::Exception(e) => self.exception(pid, tid, e),
            EventKind::ChildProcess { child, shares_memory } => {
                // Children are not followed: the child is a copy of the debuggee, int3s and all, so it gets the
                // original bytes back before it runs, or the first breakpoint it reaches would kill it. A vfork
                // child runs in the debuggee's own memory: our int3s come out of it until the child lets go of it
                // (`SharedMemoryReleased`), as gdb does.
                let restore = if shares_memory {
                    if let Some(target) = self.target.as_deref_mut() {
                        self.patches.remove_all(target);
                    }
                    self.patches_suspended = true;
                    Vec::new()
                } else {
                    self.patches.originals()
                };
                if let Some(c) = self.target()?.child_processes() {
                    c.release_child(child, &restore)?;
                }
                Ok(self.event_notice(EventCode::CreateProcess, Notice::ChildProcess { pid, tid, child }))
            }
            EventKind::SharedMemoryReleased { .. } => {
                // The next resume puts every breakpoint back.
                self.patches_suspended = false;
                Ok(Next::Continue(ContinueStatus::Handled))
            }
        }
    }

    /// The process ran `execve`: its old image and every module in it are gone, and so are our patches in them.
    /// Breakpoints wait to be resolved again in the new image.
    fn exec_replaced_image(&mut self) {
        let old: Vec<u64> = self.modules.iter().map(|m| m.base).collect();
        for base in old {
            let _ = self.module_unloaded(base);
        }
        self.patches.forget_all();
        self.patches_suspended = false;
        self.internal.clear();
        self.step_off = None;
        self.breakpoints.unresolve_all();
    }

    /// Show an event as its filter says, and stop if it says break.
    fn event_notice(&mut self, code: EventCode, notice: Notice) -> Next {
        let action = match &notice {
            Notice::ModuleLoaded { path, .. } | Notice::ModuleUnloaded { path, .. } => {
                self.filters.module_action(code, path)
            }
            _ => self.filters.action(code),
        };
        match action {
            Action::Ignore => Next::Continue(ContinueStatus::Handled),
            Action::Break => {
                self.notify(notice.clone());
                Next::Stop(StopReason::Event(notice))
            }
            Action::Output | Action::SecondChance => {
                self.notify(notice);
                Next::Continue(ContinueStatus::Handled)
            }
        }
    }

    fn module_loaded(&mut self, base: u64, size: u64, path: std::path::PathBuf) -> Next {
        self.modules.add(base, size, path.clone());
        self.resolve_pending_breakpoints();
        self.event_notice(EventCode::LoadModule, Notice::ModuleLoaded { base, end: base + size, path })
    }

    fn module_unloaded(&mut self, base: u64) -> Next {
        let Some(module) = self.modules.remove(base) else { return Next::Continue(ContinueStatus::Handled) };
        let end = module.end();
        self.breakpoints.unresolve_range(base, end);
        // The pages are gone: there is nothing to restore.
        self.patches.forget_range(base, end);
        self.internal.retain(|i| i.address() < base || i.address() >= end);
        self.event_notice(EventCode::UnloadModule, Notice::ModuleUnloaded { base, path: module.path })
    }

    fn exception(&mut self, pid: u32, tid: Tid, mut e: Exception) -> Result<Next> {
        if let ExceptionKind::AccessViolation { write: write @ None, .. } = &mut e.kind {
            // The OS did not say whether the access was a read or a write: the faulting instruction does.
            let mut bytes = [0u8; 16];
            if let Ok(n) = self.read_memory(e.address, &mut bytes) {
                *write = disasm::writes_memory(&bytes[..n], e.address);
            }
        }
        match e.kind {
            ExceptionKind::Breakpoint => self.breakpoint(tid, e),
            ExceptionKind::BreakIn => {
                let injected_thread = self.threads_created_running.contains(&tid).then(|| self.thread_index(tid)).flatten();
                Ok(Next::Stop(StopReason::BreakIn { injected_thread }))
            }
            _ => {
                let filter = self.filters.get(exception_code(&e.kind));
                let (action, status) = (filter.action, filter.continue_status);
                if !e.first_chance || action == Action::Break {
                    return Ok(Next::Stop(StopReason::Exception(e)));
                }
                if matches!(action, Action::Output | Action::SecondChance) {
                    self.notify(Notice::Exception { pid, tid, exception: e });
                }
                Ok(Next::Continue(status))
            }
        }
    }

    /// An int3 executed at `e.address`.
    fn breakpoint(&mut self, tid: Tid, e: Exception) -> Result<Next> {
        let address = e.address;
        if !self.patches.contains(address) {
            let mut byte = [0u8];
            let ours_removed = self.read_memory(address, &mut byte).map(|n| n == 1 && byte[0] != INT3).unwrap_or(false);
            if ours_removed {
                // One of our breakpoints, removed after this thread hit it: as if it never had been there.
                self.set_rip(tid, address)?;
                return Ok(Next::Continue(ContinueStatus::Handled));
            }
            if self.awaiting_initial_breakpoint {
                // The OS's loader breakpoint (or the break that ends an attach): continued handled, rip past it.
                self.awaiting_initial_breakpoint = false;
                return Ok(match self.filters.action(EventCode::InitialBreakpoint) {
                    Action::Break => Next::Stop(StopReason::InitialBreakpoint),
                    _ => Next::Continue(ContinueStatus::Handled),
                });
            }
            // The program's own int3 (`__debugbreak`, `raise(SIGTRAP)`-like traps): rip stays past it.
            return Ok(self.foreign_exception(e));
        }
        let rsp = self.set_rip(tid, address)?.rsp;
        self.step_off = Some((tid, address));
        let mut reason = None;
        for internal in self.internal.clone() {
            if internal.address() != address {
                continue;
            }
            match internal {
                Internal::Entry(_) => {
                    self.internal.retain(|i| *i != internal);
                    if let Some(r) = self.entry_reached()? {
                        reason = Some(r);
                    }
                }
                Internal::LoaderRendezvous(_) => {
                    if let Some(r) = self.sync_loader_modules()? {
                        reason = Some(r);
                    }
                }
                Internal::Return { tid: t, sp, .. } if t == tid && rsp >= sp => reason = Some(StopReason::Step),
                Internal::Return { .. } => {}
                Internal::RunTo(_) => reason = Some(StopReason::Step),
            }
        }
        let hit = self.breakpoints.hit(address);
        if !hit.stopping.is_empty() {
            reason = Some(StopReason::Breakpoint(hit.stopping));
        }
        Ok(match reason {
            Some(r) => Next::Stop(r),
            None => Next::Continue(ContinueStatus::Handled),
        })
    }

    /// An exception that is not one of ours, put through its filter.
    fn foreign_exception(&mut self, e: Exception) -> Next {
        let filter = self.filters.get(exception_code(&e.kind));
        if !e.first_chance || filter.action == Action::Break {
            Next::Stop(StopReason::Exception(e))
        } else {
            Next::Continue(filter.continue_status)
        }
    }

    /// Put `tid` back on `address`; returns its registers as they now are.
    fn set_rip(&mut self, tid: Tid, address: u64) -> Result<Registers> {
        let mut regs = self.registers(tid)?;
        if regs.rip != address {
            regs.rip = address;
            self.set_registers(tid, &regs)?;
        }
        Ok(regs)
    }

    /// The executable's entry point: the loader has mapped the startup libraries. Read its list, watch it for
    /// later changes, and stop as the loader breakpoint does.
    fn entry_reached(&mut self) -> Result<Option<StopReason>> {
        let brk = match self.target()?.loader_rendezvous() {
            Some(r) => r.breakpoint_address()?,
            None => None,
        };
        if let Some(brk) = brk
            && !self.internal.contains(&Internal::LoaderRendezvous(brk))
        {
            self.internal.push(Internal::LoaderRendezvous(brk));
        }
        // Module loads before the initial breakpoint are shown but never stop.
        let _ = self.sync_loader_modules()?;
        Ok(match self.filters.action(EventCode::InitialBreakpoint) {
            Action::Break => Some(StopReason::InitialBreakpoint),
            _ => None,
        })
    }

    /// The loader changed its module list: turn the change into module events.
    fn sync_loader_modules(&mut self) -> Result<Option<StopReason>> {
        let changes = match self.target()?.loader_rendezvous() {
            Some(r) => r.sync_modules()?,
            None => Vec::new(),
        };
        let mut stop = None;
        for change in changes {
            let next = match change {
                EventKind::ModuleLoaded { base, size, path } => self.module_loaded(base, size, path),
                EventKind::ModuleUnloaded { base } => self.module_unloaded(base),
                _ => Next::Continue(ContinueStatus::Handled),
            };
            if let Next::Stop(r) = next {
                stop.get_or_insert(r);
            }
        }
        Ok(stop)
    }
}
