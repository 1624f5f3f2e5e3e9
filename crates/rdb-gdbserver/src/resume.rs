//! `vCont`, `c`, `s`: the client's resume actions gathered, then one engine resumption. The engine steps a thread
//! with every other thread held (WinDbg's `t`), which is what gdb's scheduler locking asks and a correct answer to
//! its `vCont;s:tid;c` too (gdb cannot tell the other threads did not run for one instruction).

use gdbstub::common::{Signal, Tid as GdbTid};
use gdbstub::target::ext::base::multithread::{
    MultiThreadResume, MultiThreadSchedulerLocking, MultiThreadSchedulerLockingOps, MultiThreadSingleStep,
    MultiThreadSingleStepOps,
};
use rdb_engine::session::{Resumption, StopReason};
use rdb_engine::target::{ContinueStatus, Tid};

use crate::signals;
use crate::target::{Server, engine_tid};

/// What the client asked of each thread since the last resume.
#[derive(Debug, Default)]
pub struct Actions {
    step: Option<(Tid, Option<Signal>)>,
    /// Threads told to continue with a signal (gdb's `C`): the signal of the stop, passed to the program.
    signals: Vec<(Tid, Signal)>,
}

impl Server {
    /// How the thread that stopped continues: its signal or exception delivered when the client passes it back
    /// (`C sig` after a stop for `sig`), swallowed otherwise (`c`, or gdb's `handle ... nopass`).
    fn continue_status(&self, given: Option<Signal>) -> Result<ContinueStatus, String> {
        let Some(given) = given.filter(|s| *s != Signal(0)) else { return Ok(ContinueStatus::Handled) };
        match self.stop.as_ref().map(|s| &s.reason) {
            Some(StopReason::Exception(e)) if signals::of_exception(&e.kind) == given => Ok(ContinueStatus::NotHandled),
            // A stop of rdb's own (a breakpoint, a step, the initial stop, a break-in) has no signal pending to
            // pass: the client passing back the signal it was shown for it changes nothing.
            Some(reason) if !matches!(reason, StopReason::Exception(_)) && self.repeat_stop_signal() == Some(given) => {
                Ok(ContinueStatus::Handled)
            }
            // Another signal: the stop's own is swallowed and the thread gets this one as it runs on.
            _ => Ok(ContinueStatus::Handled),
        }
    }

    /// Whether `signal`, given back for the stopped thread, is the one it stopped for (passed on by the continue's
    /// status) rather than a new one to raise.
    fn passes_on(&self, signal: Signal) -> bool {
        signal == Signal(0) || self.repeat_stop_signal() == Some(signal)
    }

    /// The resumption the gathered actions ask for; a signal the client gives a thread that is not the one its stop
    /// was for is raised in it first (gdb's `signal SIGUSR2`).
    fn resumption(&self) -> Result<Resumption, String> {
        let stopped = self.stop.as_ref().map(|s| s.tid);
        let mut raise: Vec<(Tid, Signal)> =
            self.actions.signals.iter().filter(|(t, s)| Some(*t) != stopped || !self.passes_on(*s)).copied().collect();
        if let Some((tid, Some(signal))) = self.actions.step
            && !self.passes_on(signal)
        {
            raise.push((tid, signal));
        }
        for (tid, signal) in raise {
            let signo = signals::to_linux(signal).ok_or_else(|| format!("rdb knows no signal {signal} to raise"))?;
            self.call(move |d| d.session_mut().raise_signal(tid, signo)).map_err(|e| e.to_string())?;
        }
        if let Some((tid, _)) = self.actions.step {
            return Ok(Resumption::StepInto { tid });
        }
        let given = self.actions.signals.iter().find(|(t, _)| Some(*t) == stopped).map(|(_, s)| *s);
        Ok(Resumption::Go { status: Some(self.continue_status(given)?) })
    }
}

impl MultiThreadResume for Server {
    fn resume(&mut self) -> Result<(), String> {
        let how = match self.resumption() {
            Ok(how) => how,
            // The client is told with a stop for the signal it could not send (see `server.rs`), not a fatal error.
            Err(e) => {
                self.refused_resume = Some(e);
                return Ok(());
            }
        };
        self.runner.resume(how).map_err(|e| e.to_string())
    }

    fn clear_resume_actions(&mut self) -> Result<(), String> {
        self.actions = Actions::default();
        Ok(())
    }

    fn set_resume_action_continue(&mut self, tid: GdbTid, signal: Option<Signal>) -> Result<(), String> {
        if let Some(signal) = signal {
            self.actions.signals.push((engine_tid(tid), signal));
        }
        Ok(())
    }

    fn support_single_step(&mut self) -> Option<MultiThreadSingleStepOps<'_, Self>> {
        Some(self)
    }

    fn support_scheduler_locking(&mut self) -> Option<MultiThreadSchedulerLockingOps<'_, Self>> {
        Some(self)
    }
}

impl MultiThreadSingleStep for Server {
    fn set_resume_action_step(&mut self, tid: GdbTid, signal: Option<Signal>) -> Result<(), String> {
        self.actions.step = Some((engine_tid(tid), signal));
        Ok(())
    }
}

impl MultiThreadSchedulerLocking for Server {
    fn set_resume_action_scheduler_lock(&mut self) -> Result<(), String> {
        // Only a step can be locked to one thread here, and the engine's step always is.
        Ok(())
    }
}
