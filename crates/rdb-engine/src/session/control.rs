//! Run control as a front end asks for it. A [`Resumption`] starts the debuggee running ([`Session::resume`]) and
//! [`Session::wait`] blocks until the run ends in a stop; [`Session::run`] does both. The halves are apart so that a
//! front end that must answer requests while the debuggee runs (a DAP or gdb server, Python) can wait on a thread
//! of its own (`crate::runner`). Every resumption that steps names its thread: the front end keeps its own idea of
//! the current thread.
//!
//! `gc` carries on with the run a breakpoint interrupted, as WinDbg documents it: a step goes on stepping, a `p`
//! over a call or a `gu` still stops where it was going, a `g` runs freely. [`Resumption::Again`] carries on with
//! the run any stop interrupted, for a front end that paused the debuggee briefly (to change breakpoints while it
//! runs) without showing the pause. [`Resumption::StepLine`] and [`Resumption::StepOutToLine`] step by source line:
//! one instruction step (or run over a call) at a time, each judged by `source_step.rs`, as `pc`/`tc` are driven
//! here step by step.

use super::source_step::{self, LineStep};
use super::{Internal, Session, Stop, StopReason};
use crate::error::Result;
use crate::target::{ContinueStatus, Tid};

/// How the debuggee is to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resumption {
    /// `g`, `gh`, `gn`: run until something stops. `status` overrides how the current exception is continued
    /// (by default, as its filter says) when the program raised it; a stop of the engine's own (a breakpoint, a
    /// step, the initial breakpoint, a break-in) always continues handled.
    Go { status: Option<ContinueStatus> },
    /// `g <where>`: as `Go`, and stop when any thread reaches `address`.
    GoTo { address: u64, status: Option<ContinueStatus> },
    /// ``g `file.c:12` ``: as `GoTo`, to whichever of `addresses` a thread reaches first (a source line can be in
    /// several places: each function it was inlined into).
    GoToAny { addresses: Vec<u64>, status: Option<ContinueStatus> },
    /// `gc`: after a breakpoint stop, carry on the way the run that hit it was going; after any other stop, `Go`.
    GoConditional,
    /// Carry on with the run the last stop interrupted, whatever the stop, as if it had not happened.
    Again,
    /// `t`: execute one instruction of `tid`, every other thread held.
    StepInto { tid: Tid },
    /// `p`: as `StepInto`, but a call runs to its return (every thread runs meanwhile).
    StepOver { tid: Tid },
    /// `gu`: run until `tid`'s current function returns to its caller.
    StepOut { tid: Tid },
    /// `tc` and (`over`) `pc`: step `tid` until it stands on a call instruction.
    ToCall { tid: Tid, over: bool },
    /// `t` (and, `over` calls, `p`) in source mode: step `tid` until it stands where another source line begins
    /// (see `source_step.rs`). Where `tid` has no line information, one instruction as `StepInto`/`StepOver`.
    /// Into a function with lines, it stops at its entry (WinDbg's `{` line), or `past_prologue` on the first line
    /// of its body (gdb's, lldb's and DAP editors' `step`).
    StepLine { tid: Tid, over: bool, past_prologue: bool },
    /// `gu` in source mode: run until `tid`'s function returns, then step on to the next line boundary in the
    /// caller (at once, when the return lands on one).
    StepOutToLine { tid: Tid },
}

/// What a run was doing when it stopped, for carrying on with it (`gc`, [`Resumption::Again`]).
#[derive(Debug, Clone, Default)]
pub(super) struct Interrupted {
    /// The thread a `t` (or a `p` on an instruction that is no call) was stepping.
    pub step: Option<Tid>,
    /// The temporary breakpoints of a `p` over a call, a `gu` or a `g <where>` that had not arrived yet.
    pub temporaries: Vec<Internal>,
    /// The `pc`/`tc` the run was part of.
    pub to_call: Option<ToCall>,
    /// The stop was a break-in: its thread hit nothing, so it has no breakpoint to step off.
    pub break_in: bool,
    /// The step by source line the run was part of.
    pub line_step: Option<LineStep>,
}

/// Where a stop leaves a step by line.
enum LineStepped {
    /// The stop ends it: shown to the user.
    Done(Stop),
    /// It goes on: the next step's stop, if it came at once (`None`: the debuggee runs).
    Next(Option<Stop>),
}

/// A `pc`/`tc` under way: `tid` steps (over calls with `over`) until it stands on a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ToCall {
    pub tid: Tid,
    pub over: bool,
}

impl Session {
    /// Run as `how` says until something stops.
    pub fn run(&mut self, how: Resumption) -> Result<Stop> {
        match self.resume(how)? {
            Some(stop) => Ok(stop),
            None => self.wait(),
        }
    }

    /// `g`, `gh`, `gn`: [`Resumption::Go`].
    pub fn go(&mut self, status: Option<ContinueStatus>) -> Result<Stop> {
        self.run(Resumption::Go { status })
    }

    /// Start running as `how` says. `None`: the debuggee runs ([`Session::wait`] for its stop); `Some`: it stopped
    /// before it could (a step that completed at once, a breakpoint met stepping off another).
    pub fn resume(&mut self, how: Resumption) -> Result<Option<Stop>> {
        self.target()?;
        self.to_call = None;
        self.unwinding = None;
        self.line_step = None;
        let stop = match how {
            Resumption::Go { status } => self.start_run(self.continuing(status), None)?,
            Resumption::GoTo { address, status } => {
                self.image.internal.push(Internal::RunTo(address));
                self.start_run(self.continuing(status), None)?
            }
            Resumption::GoToAny { addresses, status } => {
                self.image.internal.extend(addresses.into_iter().map(Internal::RunTo));
                self.start_run(self.continuing(status), None)?
            }
            Resumption::GoConditional => match self.interrupted.take() {
                Some(run) => {
                    self.line_step = run.line_step.clone();
                    self.carry(run)?
                }
                None => self.start_run(self.continuing(None), None)?,
            },
            Resumption::Again => match self.last_run.take() {
                Some(run) => {
                    if run.break_in {
                        self.image.step_off = None;
                    }
                    self.to_call = run.to_call;
                    self.line_step = run.line_step.clone();
                    self.carry(run)?
                }
                None => self.start_run(self.continuing(None), None)?,
            },
            Resumption::StepInto { tid } => self.start_run(self.continuing(None), Some(tid))?,
            Resumption::StepOver { tid } => self.begin_step(tid, true)?,
            Resumption::StepOut { tid } => self.step_out(tid)?,
            Resumption::StepLine { tid, over, past_prologue } => match self.line_step_from(tid, over, false)? {
                Some(step) => {
                    self.line_step = Some(LineStep { past_prologue, ..step });
                    self.line_step_once()?
                }
                None => self.begin_step(tid, over)?,
            },
            Resumption::StepOutToLine { tid } => {
                // Its stop at the return is judged as a step by line whose frame has just returned (from code with
                // no line too: the caller's line is still to be finished).
                self.line_step = self.line_step_from(tid, true, true)?;
                self.step_out(tid)?
            }
            Resumption::ToCall { tid, over } => {
                self.to_call = Some(ToCall { tid, over });
                // The first step is taken wherever the thread stands, on a call or not.
                self.begin_step(tid, over)?
            }
        };
        self.carry_on(stop)
    }

    /// Wait for the stop of the run [`Session::resume`] started.
    pub fn wait(&mut self) -> Result<Stop> {
        loop {
            let stop = self.wait_for_stop()?;
            if let Some(stop) = self.carry_on(Some(stop))? {
                return Ok(stop);
            }
        }
    }

    /// How the current stop's exception is continued: an exception the program raised as `asked` (`gh`, `gn`) or
    /// else as its filter says; anything else is the engine's own and never the program's to see, whatever is
    /// asked (WinDbg's `gn` at a breakpoint of its own continues it handled).
    pub(super) fn continuing(&self, asked: Option<ContinueStatus>) -> ContinueStatus {
        match self.program_exception {
            Some(filter) => asked.unwrap_or(filter),
            None => ContinueStatus::Handled,
        }
    }

    /// Start the run `run` describes again: the step it was taking, or its temporary breakpoints.
    fn carry(&mut self, run: Interrupted) -> Result<Option<Stop>> {
        match run.step {
            Some(tid) if self.thread_index(tid).is_some() => self.start_run(self.continuing(None), Some(tid)),
            _ => {
                self.image.internal.extend(run.temporaries);
                self.start_run(self.continuing(None), None)
            }
        }
    }

    /// One step of `tid`: over a call (to its return, every thread running) when `over` and it stands on one,
    /// else one instruction with every other thread held.
    fn begin_step(&mut self, tid: Tid, over: bool) -> Result<Option<Stop>> {
        if over {
            let regs = self.registers(tid)?;
            if let Some(i) = self.instruction_at(regs.rip).filter(|i| i.is_call) {
                let address = regs.rip + i.len() as u64;
                self.image.internal.push(Internal::Return { address, tid, sp: regs.rsp });
                self.image.internal.extend(self.longjmp_watches(tid, regs.rsp));
                return self.start_run(self.continuing(None), None);
            }
        }
        self.start_run(self.continuing(None), Some(tid))
    }

    /// Run until `tid`'s current function returns to its caller.
    fn step_out(&mut self, tid: Tid) -> Result<Option<Stop>> {
        let frames = self.stack(tid, 2)?;
        let caller = frames.get(1).ok_or_else(|| crate::err!("cannot find the caller of the current function"))?;
        self.image.internal.push(Internal::Return { address: caller.regs.rip, tid, sp: caller.regs.rsp });
        // A longjmp out of the frame is followed too (`longjmp.rs`).
        self.image.internal.extend(self.longjmp_watches(tid, caller.regs.rsp));
        self.start_run(self.continuing(None), None)
    }

    /// A step by line of `tid` from where it stands; `None` where it stands in no line, unless `anywhere` (then
    /// the line left is line 0 of no file, which no line equals).
    fn line_step_from(&mut self, tid: Tid, over: bool, anywhere: bool) -> Result<Option<LineStep>> {
        let pc = self.registers(tid)?.rip;
        let line = match self.modules.source_line(pc) {
            Some(line) => line,
            None if anywhere => crate::symbols::SourceLine { file: Default::default(), line: 0 },
            None => return Ok(None),
        };
        let frames = self.stack(tid, 1)?;
        let frame = frames.first();
        Ok(Some(LineStep {
            tid,
            over,
            line,
            cfa: frame.and_then(|f| f.cfa),
            return_address: frame.and_then(|f| f.return_address),
            function: self.modules.function_extent(pc),
            call: None,
            past_prologue: false,
        }))
    }

    /// One instruction of the step by line under way: a call run to its return (`p`), or stepped into (`t`).
    fn line_step_once(&mut self) -> Result<Option<Stop>> {
        let Some(step) = self.line_step.clone() else { return Ok(None) };
        let regs = self.registers(step.tid)?;
        if let Some(call) = self.instruction_at(regs.rip).filter(|i| i.is_call) {
            let return_address = regs.rip + call.len() as u64;
            if step.over {
                self.image.internal.push(Internal::Return { address: return_address, tid: step.tid, sp: regs.rsp });
                return self.start_run(self.continuing(None), None);
            }
            if let Some(s) = &mut self.line_step {
                s.call = Some((return_address, regs.rsp));
            }
        }
        self.start_run(self.continuing(None), Some(step.tid))
    }

    /// A stop of a step by line: the end of the step, or the next step taken.
    fn carry_line_step(&mut self, step: LineStep, stop: Stop) -> Result<LineStepped> {
        if stop.reason != StopReason::Step || stop.tid != step.tid || self.thread_index(step.tid).is_none() {
            return Ok(LineStepped::Done(stop));
        }
        let regs = self.registers(step.tid)?;
        let next = source_step::decide(&step, regs.rip, regs.rsp, &self.modules);
        let entered = step.call;
        let mut step = LineStep { call: None, ..step };
        Ok(LineStepped::Next(match next {
            source_step::Next::Stop => return Ok(LineStepped::Done(stop)),
            source_step::Next::Step => {
                self.line_step = Some(step);
                self.line_step_once()?
            }
            // Entered a function with lines, to stop past its prologue: its first line stepped over, in its frame.
            source_step::Next::ThroughPrologue(line) => {
                step.over = true;
                step.past_prologue = false;
                self.line_step_in_frame(step, line, regs.rip)?
            }
            source_step::Next::StepInCaller(line) => self.line_step_in_frame(step, line, regs.rip)?,
            // `t` into a PLT stub whose slot already holds a function with lines (the loader bound it): on to that
            // function, where the step ends as at any callee with lines (gdb steps through the stub too).
            // (A stub not bound yet leads to the loader's resolver first: on to the function its name finds, the
            // call's return watched too, in case the loader binds the name elsewhere.)
            source_step::Next::RunTo { address, sp }
                if entered.is_some()
                    && let Some(target) = self.stub_destination(regs.rip) =>
            {
                self.image.internal.push(Internal::RunTo(target));
                self.image.internal.push(Internal::Return { address, tid: step.tid, sp });
                self.line_step = Some(LineStep { call: entered, ..step });
                self.start_run(self.continuing(None), None)?
            }
            source_step::Next::RunTo { address, sp } => {
                self.image.internal.push(Internal::Return { address, tid: step.tid, sp });
                self.line_step = Some(step);
                self.start_run(self.continuing(None), None)?
            }
        }))
    }

    /// Go on stepping by line from `line` in the frame the thread is in now at `pc` (a function just entered, or
    /// the caller a return came back to): that frame's CFA, return address and function are the step's.
    fn line_step_in_frame(
        &mut self,
        mut step: LineStep,
        line: crate::symbols::SourceLine,
        pc: u64,
    ) -> Result<Option<Stop>> {
        let frames = self.stack(step.tid, 1)?;
        let frame = frames.first();
        step.line = line;
        step.cfa = frame.and_then(|f| f.cfa);
        step.return_address = frame.and_then(|f| f.return_address);
        step.function = self.modules.function_extent(pc);
        self.line_step = Some(step);
        self.line_step_once()
    }

    /// The function a PLT stub at `pc` jumps to, where its slot holds one with line information already (bound by
    /// the loader); `None` for anything else (a lazy slot still points at the resolver, which has no lines).
    fn stub_destination(&mut self, pc: u64) -> Option<u64> {
        let mut code = [0u8; 16];
        let n = self.read_memory(pc, &mut code).ok()?;
        let slot = crate::disasm::stub_slot(&code[..n], pc)?;
        let mut target = [0u8; 8];
        if self.read_memory(slot, &mut target).ok()? != 8 {
            return None;
        }
        let bound = u64::from_le_bytes(target);
        if self.modules.source_line(bound).is_some() {
            return Some(bound);
        }
        // Lazily bound: the function the stub is named for (`printf@plt`), as the loader will find it.
        let place = self.modules.place(pc)?;
        let name = place.symbol.as_ref().filter(|s| s.offset < 16)?.name.strip_suffix("@plt")?.to_string();
        self.modules.resolve_all(&name).into_iter().find(|&a| {
            self.modules.source_line(a).is_some()
                && !self
                    .modules
                    .place(a)
                    .is_some_and(|p| p.module == place.module && p.symbol.is_some_and(|s| s.name.ends_with("@plt")))
        })
    }

    /// A stop of the run as it stands: the final one, or for a `pc`/`tc` whose thread is not on a call yet or a
    /// step by line not at a line's start yet, the start of its next step (`None`: the debuggee runs again).
    fn carry_on(&mut self, mut stop: Option<Stop>) -> Result<Option<Stop>> {
        loop {
            let Some(s) = stop else { return Ok(None) };
            if let Some(next) = self.follow_longjmp(&s)? {
                stop = next;
                continue;
            }
            if let Some(step) = self.line_step.take() {
                match self.carry_line_step(step, s)? {
                    LineStepped::Next(next) => stop = next,
                    LineStepped::Done(s) => {
                        self.line_step = None;
                        if let Some(run) = &mut self.last_run {
                            run.line_step = None;
                        }
                        return Ok(Some(s));
                    }
                }
                continue;
            }
            let Some(to_call) = self.to_call else { return Ok(Some(s)) };
            if s.reason != StopReason::Step || self.thread_index(to_call.tid).is_none() {
                self.to_call = None;
                return Ok(Some(s));
            }
            let rip = self.registers(to_call.tid)?.rip;
            if self.instruction_at(rip).is_some_and(|i| i.is_call) {
                self.to_call = None;
                if let Some(run) = &mut self.last_run {
                    run.to_call = None;
                }
                return Ok(Some(s));
            }
            stop = self.begin_step(to_call.tid, to_call.over)?;
        }
    }
}
