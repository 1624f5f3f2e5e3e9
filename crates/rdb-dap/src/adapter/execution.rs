//! Running: `continue`, `next`/`stepIn`/`stepOut` by line or by instruction, `pause`; and the stop that ends
//! each run as a `stopped` event with a reason of its own (or `exited` and `terminated`). A logpoint's hit
//! writes its message and the run goes on.

use std::time::{Duration, Instant};

use rdb_engine::session::{Resumption, Stop, StopReason};
use rdb_engine::target::{ExceptionKind, ExitStatus};
use serde_json::{Value, json};

use super::references::FrameRef;
use super::{Adapter, Reply};
use crate::arguments::ThreadArguments;

#[derive(Debug, Clone, Copy)]
pub enum Step {
    Over,
    In,
    Out,
}

impl Adapter {
    pub(super) fn continue_(&mut self, args: ThreadArguments) -> Reply {
        self.check_thread_args(&args)?;
        self.check_stopped()?;
        self.resume_after = Some(Resumption::Go { status: None });
        Ok(json!({ "allThreadsContinued": true }))
    }

    pub(super) fn step(&mut self, args: ThreadArguments, step: Step) -> Reply {
        self.check_thread_args(&args)?;
        self.check_stopped()?;
        let tid = self.thread_id(args.thread_id)?;
        let by_instruction = match args.granularity.as_deref() {
            None | Some("statement") | Some("line") => false,
            Some("instruction") => true,
            Some(other) => return Err(format!("unknown granularity '{other}': statement, line or instruction")),
        };
        self.resume_after = Some(match (step, by_instruction) {
            (Step::Over, false) => Resumption::StepLine { tid, over: true, past_prologue: true },
            // As gdb, lldb and every DAP editor step: into a function, onto the first line of its body.
            (Step::In, false) => Resumption::StepLine { tid, over: false, past_prologue: true },
            (Step::Out, false) => Resumption::StepOutToLine { tid },
            (Step::Over, true) => Resumption::StepOver { tid },
            (Step::In, true) => Resumption::StepInto { tid },
            (Step::Out, true) => Resumption::StepOut { tid },
        });
        Ok(Value::Null)
    }

    pub(super) fn pause(&mut self, args: ThreadArguments) -> Reply {
        self.check_thread_args(&args)?;
        let runner = self.runner.as_ref().ok_or("no debuggee: launch or attach first")?;
        if !runner.is_running() {
            // Already stopped: the specification asks for no error, and the client already has the stop.
            return Ok(Value::Null);
        }
        runner.pause();
        Ok(Value::Null)
    }

    /// Arguments the engine cannot honour are refused rather than ignored.
    fn check_thread_args(&self, args: &ThreadArguments) -> Result<(), String> {
        if args.single_thread == Some(true) {
            return Err("singleThread is not supported: rdb runs and stops every thread together".into());
        }
        if args.target_id.is_some() {
            return Err("targetId is not supported: rdb offers no step-in targets".into());
        }
        Ok(())
    }

    fn check_stopped(&self) -> Result<(), String> {
        match &self.runner {
            None => Err("no debuggee: launch or attach first".into()),
            Some(_) if self.ended => Err("the debuggee has ended".into()),
            Some(r) if r.is_running() => Err("the debuggee is running".into()),
            Some(_) if !self.configured => Err("send configurationDone first".into()),
            Some(_) => Ok(()),
        }
    }

    /// A DAP thread id as the engine's thread.
    pub(super) fn thread_id(&self, id: i64) -> Result<u32, String> {
        let tid = u32::try_from(id).map_err(|_| format!("thread {id} does not exist"))?;
        let known = self.with(move |s| Ok(s.threads().iter().any(|t| t.tid == tid)))?;
        if known { Ok(tid) } else { Err(format!("thread {id} does not exist")) }
    }

    /// The frame an expression without a `frameId` is evaluated in: the stopped thread's innermost.
    pub(super) fn current_frame(&self) -> Result<FrameRef, String> {
        let tid = self.with(|s| Ok(s.event_thread()))?;
        Ok(FrameRef { tid, frame: 0 })
    }

    /// Start a run; its stop comes as an update.
    pub(super) fn resume(&mut self, how: Resumption) {
        self.refs.clear();
        if let Some(runner) = &self.runner
            && let Err(e) = runner.resume(how)
        {
            self.wire.output("important", &format!("rdb: {e}\n"));
        }
    }

    /// Break into a running debuggee and wait until the run has ended (its stop, which comes as an update, is not
    /// reported: the request that needed the pause says what happened).
    pub(super) fn wait_for_pause(&mut self) -> Result<(), String> {
        let Some(runner) = &self.runner else { return Ok(()) };
        if !runner.is_running() {
            return Ok(());
        }
        runner.pause();
        let deadline = Instant::now() + Duration::from_secs(10);
        while runner.is_running() {
            if Instant::now() > deadline {
                return Err("the debuggee did not stop".into());
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        self.unreported_stops += 1;
        Ok(())
    }

    /// The stop that ended a run.
    pub(super) fn stopped(&mut self, stop: Stop) {
        if self.unreported_stops > 0 {
            self.unreported_stops -= 1;
            return;
        }
        if self.ended {
            return;
        }
        if let StopReason::Breakpoint(ids) = &stop.reason
            && !ids.is_empty()
            && ids.iter().all(|id| self.breakpoints.logs.contains_key(id))
        {
            for id in ids.clone() {
                let message = self.breakpoints.logs.get(&id).cloned().unwrap_or_default();
                let text = self.log_message(&message, stop.tid);
                self.wire.output("console", &format!("{text}\n"));
            }
            self.resume(Resumption::Go { status: None });
            return;
        }
        self.report_stop(stop, None);
        for (event, body) in std::mem::take(&mut self.after) {
            self.wire.event(&event, body);
        }
    }

    /// A stop as the `stopped` event (queued in `after`), or the debuggee's end.
    pub(super) fn report_stop(&mut self, stop: Stop, reason: Option<&'static str>) {
        self.refs.clear();
        let mut body = json!({ "threadId": stop.tid, "allThreadsStopped": true });
        let reason = match (&stop.reason, reason) {
            (_, Some(reason)) => reason,
            (StopReason::ProcessExited(status), _) => {
                let code = match status {
                    ExitStatus::Code(c) => *c,
                    ExitStatus::Signal(s) => 128 + *s as i64,
                };
                self.debuggee_ended(Some(code));
                return;
            }
            (StopReason::InitialBreakpoint | StopReason::Snapshot, _) => "entry",
            (StopReason::Breakpoint(ids), _) => {
                body["hitBreakpointIds"] = json!(ids);
                let family = ids.iter().find_map(|id| self.breakpoints.family(*id));
                family.map_or("breakpoint", |f| f.reason())
            }
            (StopReason::Step, _) => "step",
            (StopReason::BreakIn { .. } | StopReason::OtherProcess { .. }, _) => "pause",
            (StopReason::Exception(e), _) if matches!(e.kind, ExceptionKind::BreakIn) => "pause",
            (StopReason::Exception(e), _) => {
                let name = self.exception_text(e);
                let chance = if e.first_chance { "first chance" } else { "second chance" };
                body["description"] = json!(format!("{name} at {:#x} ({chance})", e.address));
                body["text"] = json!(name);
                "exception"
            }
            (StopReason::Event(notice), _) => {
                body["description"] = json!(rdb_windbg::report::notice_lines(notice).join(" "));
                "exception"
            }
        };
        body["reason"] = json!(reason);
        self.last_stop = Some(stop);
        self.after.push(("stopped".into(), body));
    }

    /// What an exception is, in words: its name, and the type a C++ exception was thrown with where the engine
    /// knows it.
    pub(super) fn exception_text(&self, e: &rdb_engine::target::Exception) -> String {
        let (name, _) = rdb_windbg::report::exception_name(&e.kind);
        let e = e.clone();
        match self.with(move |s| Ok(s.cxx_exception_type(&e))).ok().flatten() {
            Some(ty) => format!("{name}: {ty}"),
            None => name.to_string(),
        }
    }

    /// A logpoint's message with each `{expression}` replaced by its value in the frame that hit.
    fn log_message(&self, message: &str, tid: u32) -> String {
        let mut out = String::new();
        let mut rest = message;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let Some(close) = rest[open..].find('}') else {
                out.push_str(&rest[open..]);
                return out;
            };
            let expr = rest[open + 1..open + close].to_string();
            let value = self.with(move |s| {
                let v = s.evaluate_cxx(tid, 0, &expr)?;
                let summary = s.summary(&v)?;
                Ok(super::values::text(&summary, &v.ty, false))
            });
            out.push_str(&value.unwrap_or_else(|e| format!("<{e}>")));
            rest = &rest[open + close + 1..];
        }
        out.push_str(rest);
        out
    }
}
