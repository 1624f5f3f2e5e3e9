//! The debug-event loop and the stepping machines: resume, wait for an event, decide, until something stops for
//! the user. Every judgement about an event (is this int3 ours, does this breakpoint stop, does the filter want
//! this exception) is made here, once, for every OS.
//!
//! The initial breakpoint: Windows stops a new process at the loader breakpoint by itself; Linux does not. For a launch
//! on a target without one (`Execution::os_initial_breakpoint`), the engine plants an internal breakpoint at the
//! executable's entry point when `ProcessCreated` is reported; when it is reached (startup libraries mapped, the
//! loader's list published) it reads the module list, plants the loader-rendezvous breakpoint (`r_brk`) and stops as
//! the loader breakpoint does. Static executables and images an `execve` brought in get the same.

use std::collections::BTreeMap;

use super::control::Interrupted;
use super::filters::{Action, EventCode, exception_code};
use super::hardware::DR6_STEP;
use super::patches::INT3;
use super::{Internal, Notice, Session, State, Stop, StopReason, ThreadEntry, live};
use crate::disasm;
use crate::error::{Error, Result};
use crate::regs::Registers;
use crate::target::{ContinueStatus, Event, EventKind, Exception, ExceptionKind, Resume, Tid};

/// How far [`Session::resume_once`] got.
enum Resumed {
    /// The debuggee runs.
    Running,
    /// It stopped before it could (a step off ended in a stop).
    Stop(Stop),
    /// An event came during a step off and was continued: start over with this status.
    Again(ContinueStatus),
}

/// What the loop does after one event.
pub(super) enum Next {
    Continue(ContinueStatus),
    Stop(StopReason),
}

/// A thread that executes one instruction alone before running on, and the address of our int3 or execute
/// breakpoint it stands on, if that is what is in its way (else a guard-page access is).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct StepOff {
    pub tid: Tid,
    pub at: Option<u64>,
}

/// DR6 of the event, if it is `tid`'s single step (or debug-register trap).
pub(super) fn single_step_of(event: &Event, tid: Tid) -> Option<u64> {
    match event.kind {
        EventKind::Exception(Exception { kind: ExceptionKind::SingleStep { dr6 }, .. }) if event.tid == tid => {
            Some(dr6)
        }
        _ => None,
    }
}

impl Session {
    /// Handle events from a target that has just started (or been attached to) until its first stop.
    pub(super) fn run_from_event(&mut self) -> Result<Stop> {
        self.running_step = None;
        let event = self.next_event()?;
        match self.handle(event.clone())? {
            Next::Stop(reason) => Ok(self.stopped(event.tid, reason)),
            Next::Continue(status) => self.run_to_stop(status, None),
        }
    }

    /// Run until something stops; `step` is the thread a `t` steps, `None` to let every thread run.
    pub(super) fn run_to_stop(&mut self, status: ContinueStatus, step: Option<Tid>) -> Result<Stop> {
        match self.start_run(status, step)? {
            Some(stop) => Ok(stop),
            None => self.wait_for_stop(),
        }
    }

    /// The first half of a run: everything before the debuggee runs, then the resume. `Some` if it stopped
    /// before it could run (a step that completed as the step off, a breakpoint met on the way).
    pub(super) fn start_run(&mut self, status: ContinueStatus, step: Option<Tid>) -> Result<Option<Stop>> {
        self.target()?;
        self.threads_created_running.clear();
        self.running_step = step;
        self.resume_run(status)
    }

    /// Resume the run under way (after an event that did not stop it).
    fn resume_run(&mut self, mut status: ContinueStatus) -> Result<Option<Stop>> {
        loop {
            if self.running_step.is_some_and(|tid| self.thread_index(tid).is_none()) {
                // The thread a `t` stepped has ended (its exit was reported): there is nothing left to step, so the
                // debuggee runs on to its next event, as after a `p` over the call that ended it.
                self.running_step = None;
            }
            match self.resume_once(status, self.running_step)? {
                Resumed::Stop(stop) => return Ok(Some(stop)),
                Resumed::Again(s) => status = s,
                Resumed::Running => return Ok(None),
            }
        }
    }

    /// The second half of a run: wait for events, deciding each, until one stops it.
    pub(super) fn wait_for_stop(&mut self) -> Result<Stop> {
        loop {
            let event = self.next_event()?;
            match self.handle_for_step(event.clone(), self.running_step)? {
                Next::Stop(reason) => return Ok(self.stopped(event.tid, reason)),
                Next::Continue(status) => {
                    if let Some(stop) = self.resume_run(status)? {
                        return Ok(stop);
                    }
                }
            }
        }
    }

    /// Let the debuggee run with no one waiting for it: the other processes of a family run while the front end
    /// drives one (see [`crate::target::ProcessFamily`]). `Some` if it stopped before it could run on.
    pub fn release(&mut self) -> Result<Option<Stop>> {
        let mut status = self.continuing(None);
        self.target()?;
        self.threads_created_running.clear();
        self.running_step = None;
        loop {
            match self.resume_once(status, None)? {
                Resumed::Stop(stop) => return Ok(Some(stop)),
                Resumed::Again(s) => status = s,
                Resumed::Running => {
                    self.state = State::Running;
                    return Ok(None);
                }
            }
        }
    }

    /// Wait for a released debuggee's next stop, as `g` would have.
    pub fn drive(&mut self) -> Result<Stop> {
        if self.state != State::Running {
            return Err(Error::NoProcess);
        }
        self.state = State::Stopped;
        let event = self.next_event()?;
        match self.handle(event.clone())? {
            Next::Stop(reason) => Ok(self.stopped(event.tid, reason)),
            Next::Continue(status) => self.run_to_stop(status, None),
        }
    }

    /// Stop a released debuggee where it is, every thread held (another process of its family stopped).
    pub fn hold(&mut self) -> Result<()> {
        if self.state != State::Running {
            return Ok(());
        }
        self.state = State::Stopped;
        self.forget_registers();
        let held = match self.execution()?.process_family() {
            Some(family) => family.hold(),
            None => Err(crate::err!("this target cannot hold a running process")),
        };
        if held.is_err() {
            self.state = State::Running;
        }
        held?;
        self.leave_copies();
        self.image.step_off = None;
        self.program_exception = None;
        Ok(())
    }

    /// Everything before the debuggee runs on: breakpoints in, threads stepped off what stands in their way, then
    /// the resume itself.
    fn resume_once(&mut self, mut status: ContinueStatus, step: Option<Tid>) -> Result<Resumed> {
        if let Some((tid, at)) = self.past_int3.take()
            && self.registers(tid).is_ok_and(|r| r.rip == at)
        {
            let mut byte = [0u8];
            if self.target()?.read_memory(at, &mut byte).is_ok() && byte[0] == INT3 {
                // A hard-coded int3 the thread stopped on does nothing when run: step past it.
                self.set_rip(tid, at + 1)?;
                if step == Some(tid) {
                    return Ok(Resumed::Stop(self.stopped(tid, StopReason::Step)));
                }
            }
        }
        self.sync_breakpoints();

        // A thread that stopped on one of our int3s or execute breakpoints (it reported the hit, or a step ended
        // there) first executes the original instruction alone, with the breakpoint out of its way, so no other
        // thread can slip past it; so does a thread whose access faulted on one of our guard pages, with the page
        // unarmed, before it is armed again. A thread merely standing at a breakpoint it has not reached yet (the
        // entry point of a static program at exec, a thread moved with `r rip=`) runs into it instead: that is a
        // hit. When every thread is about to run, every thread with a guard-page access pending steps first.
        let mover = step.unwrap_or(self.event_tid);
        let mut movers = vec![mover];
        if step.is_none() {
            movers.extend(self.image.guards.pending_threads().into_iter().filter(|t| *t != mover));
            for owed in self.image.displaced.owed_threads() {
                if !movers.contains(&owed) {
                    movers.push(owed);
                }
            }
        }
        for tid in movers {
            let Some(off) = self.obstacle(tid) else { continue };
            // When every thread runs, the int3 can stay in: the thread runs the instruction out of line.
            if step.is_none()
                && let Some(at) = off.at
                && self.step_off_in_place(tid, at)
            {
                continue;
            }
            let event = self.step_alone(off, status)?;
            status = ContinueStatus::Handled;
            if let Some(dr6) = single_step_of(&event, tid) {
                // The instruction may have hit a data breakpoint as it went (DR6 has B<n> with BS).
                if let Some(Next::Stop(reason)) = self.hardware_hit(tid, dr6) {
                    return Ok(Resumed::Stop(self.stopped(tid, reason)));
                }
                if step == Some(tid) {
                    return Ok(Resumed::Stop(self.stopped(tid, StopReason::Step)));
                }
                continue;
            }
            // Something happened instead of the step (a guard page, a signal): if the thread did not move, the
            // step off is still owed.
            if let Some(at) = off.at
                && event.tid == tid
                && self.image.step_off.is_none()
            {
                self.image.step_off = Some((tid, at));
            }
            return Ok(match self.handle(event.clone())? {
                Next::Stop(reason) => Resumed::Stop(self.stopped(event.tid, reason)),
                Next::Continue(s) => Resumed::Again(s),
            });
        }
        let how = match step {
            Some(tid) => Resume::Step { tid },
            None => Resume::All,
        };
        self.forget_registers();
        self.execution()?.resume(status, how)?;
        Ok(Resumed::Running)
    }

    /// What stands in the way of `tid` running on: an int3 or execute breakpoint of ours on the instruction it
    /// stopped on, or a guard-page access to step over. Consumes the pending step off.
    fn obstacle(&mut self, tid: Tid) -> Option<StepOff> {
        let at = match self.image.step_off {
            Some((t, at)) if t == tid => {
                self.image.step_off = None;
                Some(at)
            }
            _ => None,
        };
        // A thread put back from a copy onto a breakpoint it had passed owes its step off too.
        let owed = self.image.displaced.take_owed(tid);
        let at = at.or(owed);
        let at = at
            .filter(|a| self.image.patches.contains(*a) || self.image.hardware.executes_at(tid, *a, &self.breakpoints));
        // The registers are read only when there is a breakpoint to step off (not on every resume).
        let at = at.filter(|a| self.registers(tid).is_ok_and(|r| r.rip == *a));
        (at.is_some() || self.image.guards.pending(tid)).then_some(StepOff { tid, at })
    }

    /// Execute one instruction of `off.tid` alone (every other thread held), with what stood in its way out of it,
    /// then put everything back. Returns the event the step ended with.
    fn step_alone(&mut self, off: StepOff, status: ContinueStatus) -> Result<Event> {
        self.image.stepping_off = Some(off);
        self.sync_breakpoints();
        self.forget_registers();
        let resumed = self.execution().and_then(|t| t.resume(status, Resume::Step { tid: off.tid }));
        let event = resumed.and_then(|()| self.next_event());
        self.image.stepping_off = None;
        if let Ok(e) = &event
            && single_step_of(e, off.tid).is_some()
        {
            // The access is done: its guard pages may be armed again.
            self.image.guards.stepped(off.tid);
        }
        if self.state == State::Stopped && !matches!(&event, Ok(Event { kind: EventKind::ProcessExited { .. }, .. })) {
            // The breakpoint goes back in before anything else runs (unless there is nothing left to patch).
            self.sync_breakpoints();
        }
        event
    }

    /// Threads that hit one of our int3s together with the thread that stopped have their event still queued in
    /// the target; until it is reported their rip points past the int3. Put them back on the instruction now, as
    /// gdb does, so registers and stacks read right while the user looks (the rewind is idempotent).
    fn rewind_queued_breakpoints(&mut self) {
        let Some(target) = live(&mut self.target) else { return };
        let hits: Vec<(Tid, u64)> = target
            .queued_events()
            .into_iter()
            .filter_map(|e| match e.kind {
                EventKind::Exception(Exception { kind: ExceptionKind::Breakpoint, address, .. }) => {
                    Some((e.tid, address))
                }
                _ => None,
            })
            .filter(|(_, address)| self.image.patches.contains(*address))
            .collect();
        for (tid, address) in hits {
            let _ = self.set_rip(tid, address);
        }
    }

    /// The next event that is not a breakpoint hit passed in place (`lazy.rs`), with every thread stopped.
    fn next_event(&mut self) -> Result<Event> {
        loop {
            self.forget_registers();
            let event = match self.execution()?.wait_event() {
                Ok(event) => event,
                Err(e) => {
                    // The target failed under us (the process vanished): nothing more can be done with it.
                    self.target = None;
                    self.state = State::Gone;
                    return Err(e);
                }
            };
            if !self.settle(&event)? {
                return Ok(event);
            }
        }
    }

    /// A single step that completed is the stop a `t` waited for, unless a hardware breakpoint that stops fired
    /// with it; anything else is an ordinary event.
    fn handle_for_step(&mut self, event: Event, step: Option<Tid>) -> Result<Next> {
        if let Some(tid) = step
            && let Some(dr6) = single_step_of(&event, tid)
        {
            return Ok(match self.hardware_hit(tid, dr6) {
                Some(Next::Stop(reason)) => Next::Stop(reason),
                // An execute breakpoint short of its pass count fired before the instruction ran: the step is
                // still to be done (the breakpoint is stepped off first).
                Some(Next::Continue(_)) if dr6 & DR6_STEP == 0 => Next::Continue(ContinueStatus::Handled),
                _ => Next::Stop(StopReason::Step),
            });
        }
        self.handle(event)
    }

    /// Bring the int3s, debug registers and guard pages in line with the breakpoints wanted now.
    fn sync_breakpoints(&mut self) {
        self.sync_throw_watch();
        self.sync_patches();
        self.report_debug_register_failures();
        self.sync_guards();
    }

    /// Bring the patched bytes in line with the breakpoints wanted now (none while a vfork child runs in the
    /// debuggee's memory, nor under a thread stepping off it).
    fn sync_patches(&mut self) {
        let mut wanted: BTreeMap<u64, Vec<u8>> = BTreeMap::new();
        if !self.image.patches_suspended {
            let addresses =
                self.breakpoints.wanted().into_iter().chain(self.image.internal.iter().map(|i| i.address()));
            wanted.extend(addresses.map(|a| (a, vec![INT3])));
        }
        if let Some(at) = self.image.stepping_off.and_then(|s| s.at) {
            wanted.remove(&at);
        }
        self.compile_conditions(&mut wanted);
        let Some(target) = live(&mut self.target) else { return };
        let failures = self.image.patches.sync(target, &wanted);
        for (address, error) in failures {
            // A breakpoint that cannot be inserted is disabled, so the user sees it once, not at every resume.
            let ids = self.breakpoints.enabled_at(address);
            for &id in &ids {
                self.breakpoints.set_enabled(id, false);
                self.notify(Notice::BreakpointNotInserted { id, address, error: error.clone() });
            }
            self.image.internal.retain(|i| i.address() != address);
            if ids.is_empty() {
                self.notify(Notice::InternalBreakpointNotInserted { address, error });
            }
        }
    }

    /// The exception a stop for the user is for, as a dump records it (WinDbg's last event): the fault, the int3
    /// hit, the trap that ended a step, the break-in; none for an event that is no exception.
    fn exception_of(&mut self, tid: Tid, reason: &StopReason) -> Option<Exception> {
        let rip = self.registers(tid).ok().map(|r| r.rip);
        let here = |kind| rip.map(|address| Exception { kind, address, first_chance: true });
        match reason {
            StopReason::Exception(e) => Some(e.clone()),
            StopReason::Breakpoint(_) | StopReason::InitialBreakpoint => {
                let hit = self.last_exception.clone().filter(|e| e.kind == ExceptionKind::Breakpoint);
                hit.or_else(|| here(ExceptionKind::Breakpoint))
            }
            StopReason::Step => here(ExceptionKind::SingleStep { dr6: 0 }),
            StopReason::BreakIn { .. } => here(ExceptionKind::BreakIn),
            _ => None,
        }
    }

    /// Record a stop for the user.
    pub(super) fn stopped(&mut self, tid: Tid, reason: StopReason) -> Stop {
        let temporaries: Vec<Internal> = self.image.internal.iter().copied().filter(|i| i.is_temporary()).collect();
        self.image.internal.retain(|i| !i.is_temporary());
        // What this run was doing, for `gc` (after a breakpoint) and for a front end that carries on after a pause.
        let run = Interrupted {
            step: self.running_step,
            temporaries,
            to_call: self.to_call,
            line_step: self.line_step.clone(),
            break_in: matches!(reason, StopReason::BreakIn { .. }),
        };
        self.interrupted = matches!(reason, StopReason::Breakpoint(_)).then(|| run.clone());
        self.last_run = Some(run);
        self.stops += 1;
        self.rewind_queued_breakpoints();
        if self.state == State::Stopped {
            // No thread is shown inside a copy of an instruction (see `displaced.rs`).
            self.leave_copies();
            self.event_tid = tid;
            self.image.step_off = self.registers(tid).ok().map(|r| (tid, r.rip));
        }
        self.stop_exception = self.exception_of(tid, &reason);
        // Only an exception of the program's is the program's to handle: `gn` at one of the engine's own stops
        // would hand the program an int3 or a trap it never executed (the instruction run twice, the process killed).
        if let StopReason::Exception(e) = &reason {
            self.record_fault(tid, e);
        }
        self.program_exception = match &reason {
            StopReason::Exception(_) if self.on_throw_watch(tid) => None,
            StopReason::Exception(e) => Some(match e.kind {
                ExceptionKind::Breakpoint | ExceptionKind::SingleStep { .. } | ExceptionKind::BreakIn => {
                    ContinueStatus::Handled
                }
                ref kind => self.filters.get(exception_code(kind)).continue_status,
            }),
            _ => None,
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
                self.module_loaded(image_base, image_size, path);
                self.awaiting_initial_breakpoint = self.execution()?.os_initial_breakpoint();
                let rendezvous = self.loader_breakpoint()?;
                // A forked child followed runs its parent's program, long past the entry point; while it runs in
                // its parent's memory (vfork), its int3s would be its parent's too: none goes in until it execs.
                let forked = self.execution()?.forked_copy();
                self.image.patches_suspended = forked == Some(true);
                // A launch on an OS without a loader breakpoint of its own stops at the entry point, where the
                // loader has mapped the startup libraries (static executables too, which have no loader list).
                if forked.is_none() && (rendezvous == Some(None) || (self.launched && rendezvous.is_some())) {
                    self.image.internal.push(Internal::Entry(entry));
                }
                // Attached to a running process, the loader's list is set up already.
                if let Some(Some(brk)) = rendezvous {
                    self.image.internal.push(Internal::LoaderRendezvous(brk));
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
                // Threads do not inherit debug registers: `ba` breakpoints are set on it before it runs.
                self.report_debug_register_failures();
                Ok(self.event_notice(EventCode::CreateThread, Notice::ThreadCreated { pid, tid, index }))
            }
            EventKind::ThreadExited { code } => {
                let index = self.thread_index(tid).unwrap_or(u32::MAX);
                self.threads.retain(|t| t.tid != tid);
                self.image.hardware.thread_gone(tid);
                self.image.guards.stepped(tid);
                self.image.displaced.thread_gone(tid);
                if self.event_tid == tid {
                    self.event_tid = self.threads.first().map(|t| t.tid).unwrap_or(0);
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
            EventKind::ChildProcess { child, shares_memory, followed } => {
                // The child is a copy of the debuggee, int3s and all, so it gets the original bytes back before it
                // runs, or the first breakpoint it reaches would kill it; followed, it starts clean in a session of
                // its own, which puts its own breakpoints in (see `ProcessFamily`). A vfork
                // child runs in the debuggee's own memory: our int3s and guard pages come out of it until the child
                // lets go of it (`SharedMemoryReleased`), as gdb does.
                let restore = if shares_memory {
                    if let Some(target) = live(&mut self.target) {
                        self.image.patches.remove_all(target);
                        self.image.guards.remove_all(target.page_guards());
                    }
                    self.forget_registers();
                    self.image.patches_suspended = true;
                    Vec::new()
                } else {
                    self.image.patches.originals()
                };
                // Said before the child runs, so nothing it prints can come before it.
                let next =
                    self.event_notice(EventCode::CreateProcess, Notice::ChildProcess { pid, tid, child, followed });
                if let Some(c) = self.execution()?.child_processes() {
                    c.release_child(child, &restore)?;
                }
                Ok(next)
            }
            EventKind::SharedMemoryReleased { .. } => {
                // The next resume puts every breakpoint back.
                self.image.patches_suspended = false;
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
        // The patches, debug registers, guard pages and scratch memory went with the old image.
        self.image.forget();
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

    /// Where the OS did not say whether an access violation read or wrote (Linux's siginfo does not), the faulting
    /// instruction does.
    pub(super) fn judge_access(&mut self, e: &mut Exception) {
        if let ExceptionKind::AccessViolation { write: write @ None, .. } = &mut e.kind {
            let mut bytes = [0u8; 16];
            if let Ok(n) = self.read_memory(e.address, &mut bytes) {
                *write = disasm::writes_memory(&bytes[..n], e.address);
            }
        }
    }

    pub(super) fn module_loaded(&mut self, base: u64, size: u64, path: std::path::PathBuf) -> Next {
        self.modules.add(base, size, path.clone());
        self.find_throw_sites(base);
        self.image.compiled.symbols_changed();
        self.resolve_pending_breakpoints();
        self.event_notice(EventCode::LoadModule, Notice::ModuleLoaded { base, end: base + size, path })
    }

    pub(super) fn module_unloaded(&mut self, base: u64) -> Next {
        let Some(module) = self.modules.remove(base) else { return Next::Continue(ContinueStatus::Handled) };
        let end = module.end();
        self.breakpoints.unresolve_range(base, end);
        // The pages are gone: there is nothing to restore.
        self.image.patches.forget_range(base, end);
        self.image.displaced.code_changed(base, end);
        self.image.compiled.symbols_changed();
        self.image.internal.retain(|i| i.address() < base || i.address() >= end);
        self.throw_sites.retain(|a| *a < base || *a >= end);
        self.event_notice(EventCode::UnloadModule, Notice::ModuleUnloaded { base, path: module.path })
    }

    fn exception(&mut self, pid: u32, tid: Tid, mut e: Exception) -> Result<Next> {
        // The int3 of a compiled condition, or a fault of its memory reads: a hit of the breakpoint at its site.
        if let Some(hit) = self.compiled_hit(tid, &e) {
            return self.breakpoint(tid, hit);
        }
        // An exception raised by an instruction running out of line is the original instruction's.
        e.address = self.image.compiled.present(self.image.displaced.present(e.address));
        self.judge_access(&mut e);
        if !matches!(e.kind, ExceptionKind::SingleStep { .. } | ExceptionKind::BreakIn) {
            self.last_exception = Some(e.clone());
        }
        let ours = match e.kind {
            ExceptionKind::SingleStep { dr6 } => self.hardware_hit(tid, dr6),
            ExceptionKind::GuardPage { .. } => self.guard_hit(tid, &e),
            _ => None,
        };
        if let Some(next) = ours {
            return Ok(next);
        }
        match e.kind {
            ExceptionKind::Breakpoint => self.breakpoint(tid, e),
            ExceptionKind::BreakIn => {
                let injected_thread =
                    self.threads_created_running.contains(&tid).then(|| self.thread_index(tid)).flatten();
                // Windows breaks in with an int3 (`DbgBreakPoint`) on a thread of its own: shown on the int3, as
                // WinDbg shows it, and stepped past when the thread runs on. Linux stops the thread where it is.
                let mut byte = [0u8];
                let on_int3 = self.read_memory(e.address, &mut byte).is_ok_and(|n| n == 1 && byte[0] == INT3);
                if on_int3 && self.registers(tid).is_ok_and(|r| r.rip == e.address + 1) {
                    self.set_rip(tid, e.address)?;
                    self.past_int3 = Some((tid, e.address));
                }
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
        if !self.image.patches.contains(address) {
            let mut byte = [0u8];
            let ours_removed = self.read_memory(address, &mut byte).map(|n| n == 1 && byte[0] != INT3).unwrap_or(false);
            if ours_removed {
                // One of our breakpoints, removed after this thread hit it: as if it never had been there.
                self.set_rip(tid, address)?;
                return Ok(Next::Continue(ContinueStatus::Handled));
            }
            let next = if self.awaiting_initial_breakpoint {
                // The OS's loader breakpoint (or the break that ends an attach), continued handled.
                self.awaiting_initial_breakpoint = false;
                match self.filters.action(EventCode::InitialBreakpoint) {
                    Action::Break => Next::Stop(StopReason::InitialBreakpoint),
                    _ => Next::Continue(ContinueStatus::Handled),
                }
            } else {
                // The program's own int3 (`__debugbreak`, `raise(SIGTRAP)`-like traps).
                self.foreign_exception(e)
            };
            if let Next::Stop(_) = next {
                // Shown as WinDbg shows it: the thread on the int3, which it steps past when it runs on.
                self.set_rip(tid, address)?;
                self.past_int3 = Some((tid, address));
            }
            return Ok(next);
        }
        let rsp = self.set_rip(tid, address)?.rsp;
        self.image.step_off = Some((tid, address));
        let mut reason = None;
        for internal in self.image.internal.clone() {
            if internal.address() != address {
                continue;
            }
            match internal {
                Internal::Entry(_) => {
                    self.image.internal.retain(|i| *i != internal);
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
                Internal::Longjmp { tid: t, sp, .. } if t == tid => {
                    self.longjmp_entered(tid, sp, address);
                    reason = Some(StopReason::Step);
                }
                Internal::Longjmp { .. } => {}
                Internal::RunTo(_) => reason = Some(StopReason::Step),
                Internal::CxxThrow(_) => {
                    if let Some(r) = self.cxx_thrown(tid, rsp)? {
                        reason = Some(r);
                    }
                }
            }
        }
        let stopping: Vec<u32> =
            self.breakpoints.enabled_at(address).into_iter().filter(|id| self.count_hit(tid, *id, address)).collect();
        if !stopping.is_empty() {
            reason = Some(StopReason::Breakpoint(stopping));
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
}
