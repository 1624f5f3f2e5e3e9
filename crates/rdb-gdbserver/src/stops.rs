//! The engine's stops as gdb's stop replies: a breakpoint of the client's as `swbreak`/`hwbreak`/`watch`, a step as
//! SIGTRAP, an exception as its signal, the end of the process as `W`/`X`, each naming its thread.

use gdbstub::common::Signal;
use gdbstub::stub::MultiThreadStopReason;
use gdbstub::target::ext::breakpoints::WatchKind;
use rdb_engine::session::{Resumption, Stop, StopReason};
use rdb_engine::target::ExitStatus;

use crate::breakpoints::Key;
use crate::conditions::{Conditions, any_holds};
use crate::signals;
use crate::target::{Server, gdb_tid};

pub type Reason = MultiThreadStopReason<u64>;

impl Server {
    /// A stop the engine reported: `None` when the client should not hear of it (every breakpoint it hit has a
    /// condition the server runs, and none holds: the run carries on).
    pub(crate) fn stopped(&mut self, stop: Stop) -> Option<Reason> {
        if let StopReason::Breakpoint(ids) = &stop.reason
            && !self.any_condition_holds(&stop, ids)
        {
            return None;
        }
        let reason = self.reason(&stop);
        if let StopReason::ProcessExited(_) = stop.reason {
            self.exited = true;
            self.breakpoints.clear();
        }
        self.stop = Some(stop);
        self.question.borrow_mut().start = start_of(&reason);
        Some(reason)
    }

    /// Whether a breakpoint stop stands: some breakpoint it hit is not the client's, has no server-run condition,
    /// or has one that holds.
    fn any_condition_holds(&mut self, stop: &Stop, ids: &[u32]) -> bool {
        let mut checks = Vec::new();
        for id in ids {
            match self.breakpoints.by_id(*id).map(|b| &b.conditions) {
                Some(Conditions::Server(programs)) => checks.push(programs.clone()),
                _ => return true,
            }
        }
        let (tid, flavour) = (stop.tid, self.flavour);
        self.runner.call(move |d| checks.iter().any(|programs| any_holds(d, tid, programs, flavour))).unwrap_or(true)
    }

    /// A run ended: the stop to tell the client, `None` when the run carries on unseen.
    pub(crate) fn run_ended(&mut self, stopped: rdb_engine::Result<Stop>) -> Option<Reason> {
        match stopped {
            Ok(stop) => {
                let tid = stop.tid;
                match self.stopped(stop) {
                    Some(reason) => Some(reason),
                    None => match self.runner.resume(Resumption::GoConditional) {
                        Ok(()) => None,
                        Err(e) => {
                            eprintln!("rdb: {e}");
                            gdb_tid(tid).map(|tid| Reason::SignalWithThread { tid, signal: Signal::SIGTRAP })
                        }
                    },
                }
            }
            Err(e) => {
                // The run could not go on (the process vanished under it, a resume failed): the client hears of a
                // stop where the last one was, or of the end of the process.
                eprintln!("rdb: {e}");
                let live = self.call(|d| Ok(d.session().is_live())).unwrap_or(false);
                if !live {
                    self.exited = true;
                    return Some(Reason::Exited(0));
                }
                Some(self.repeat_stop())
            }
        }
    }

    /// The signal the last stop was shown with.
    pub(crate) fn repeat_stop_signal(&self) -> Option<Signal> {
        signal_of(&self.repeat_stop())
    }

    /// The last stop, told again.
    pub(crate) fn repeat_stop(&self) -> Reason {
        match &self.stop {
            Some(stop) => self.reason(stop),
            None => Reason::Signal(Signal::SIGTRAP),
        }
    }

    /// A process was launched or attached (`stop` is its first stop, shown as the initial stop whatever the
    /// engine's reason: an attach's break-in is no Ctrl-C of the client's).
    pub(crate) fn started(&mut self, mut stop: Stop, launched: bool) {
        stop.reason = StopReason::InitialBreakpoint;
        self.pid = stop.pid;
        self.launched = launched;
        self.exited = false;
        self.stop = Some(stop);
        self.question.borrow_mut().start = start_of(&self.repeat_stop());
    }

    fn reason(&self, stop: &Stop) -> Reason {
        let Some(tid) = gdb_tid(stop.tid) else { return Reason::Signal(Signal::SIGTRAP) };
        let trap = Reason::SignalWithThread { tid, signal: Signal::SIGTRAP };
        match &stop.reason {
            StopReason::Breakpoint(ids) => {
                let ours = ids.iter().find_map(|id| self.breakpoints.by_id(*id));
                match ours.map(|b| b.key) {
                    Some(Key::Software(_)) => Reason::SwBreak(tid),
                    Some(Key::Hardware(_)) => Reason::HwBreak(tid),
                    Some(Key::Watch { address, kind, .. }) => {
                        let kind = match kind {
                            2 => WatchKind::Write,
                            3 => WatchKind::Read,
                            _ => WatchKind::ReadWrite,
                        };
                        Reason::Watch { tid, kind, addr: address }
                    }
                    None => trap,
                }
            }
            StopReason::Exception(e) => Reason::SignalWithThread { tid, signal: signals::of_exception(&e.kind) },
            StopReason::BreakIn { .. } => Reason::SignalWithThread { tid, signal: Signal::SIGINT },
            // A launch or attach stops the process as gdbserver's attach does. Not SIGTRAP: lldb takes a SIGTRAP
            // at an address where it puts a breakpoint (it puts one on the entry point, where a launch stops) as
            // that breakpoint's hit, and continues past it.
            StopReason::InitialBreakpoint => Reason::SignalWithThread { tid, signal: Signal::SIGSTOP },
            StopReason::ProcessExited(ExitStatus::Code(code)) => Reason::Exited(*code as u8),
            StopReason::ProcessExited(ExitStatus::Signal(signo)) => Reason::Terminated(signals::from_linux(*signo)),
            StopReason::Step | StopReason::Event(_) | StopReason::Snapshot | StopReason::OtherProcess { .. } => trap,
        }
    }
}

/// How a stop reply for `reason` starts (`T13`, `W03`, `X09`), for mending gdbstub's answer to `?`.
fn start_of(reason: &Reason) -> Option<String> {
    match reason {
        Reason::Exited(code) => Some(format!("W{code:02x}")),
        Reason::Terminated(signal) => Some(format!("X{:02x}", signal.0)),
        _ => signal_of(reason).map(|signal| format!("T{:02x}", signal.0)),
    }
}

/// The signal a stop reply for `reason` shows a thread stopped with (a breakpoint's is SIGTRAP); `None` for the
/// end of the process.
fn signal_of(reason: &Reason) -> Option<Signal> {
    match reason {
        Reason::SignalWithThread { signal, .. } | Reason::Signal(signal) => Some(*signal),
        Reason::SwBreak(_) | Reason::HwBreak(_) | Reason::Watch { .. } => Some(Signal::SIGTRAP),
        _ => None,
    }
}
