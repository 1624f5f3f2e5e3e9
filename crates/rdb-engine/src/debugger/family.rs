//! The family of processes as one debuggee: while the current process is driven the others run, and when it stops
//! every other is held, as WinDbg does with `.childdbg 1`. The targets of a family share one event stream, so a run
//! of the current process ends with `StopReason::OtherProcess` when another process has an event: the debugger then
//! hands over to that process's session (a new one for a new child) and goes on with it.

use super::{Debugger, Origin, Process, forward};
use crate::error::Result;
use crate::session::{Notice, State, Stop, StopReason};

impl Debugger {
    /// Let every other process run (before the current one is resumed). A process that stops before it can run on
    /// becomes the current one, and its stop is returned.
    pub(super) fn release_others(&mut self) -> Option<Stop> {
        for i in 0..self.others.len() {
            let p = &mut self.others[i];
            if p.session.state() != State::Stopped || !p.session.is_live() {
                continue;
            }
            match p.session.release() {
                Ok(None) => {}
                Ok(Some(stop)) => {
                    let number = p.number;
                    self.switch_to(number);
                    return Some(stop);
                }
                Err(error) => {
                    let notice = Notice::ProcessError { number: p.number, resuming: true, error };
                    (self.listener.borrow_mut())(&notice);
                }
            }
        }
        None
    }

    /// Hold every other process where it is (the current one has stopped).
    pub(super) fn hold_others(&mut self) {
        for p in &mut self.others {
            if let Err(error) = p.session.hold() {
                (self.listener.borrow_mut())(&Notice::ProcessError { number: p.number, resuming: false, error });
            }
        }
    }

    /// A run of the current process ended: while it ended because another process of the family has an event,
    /// hand over to that process's session (a new one for a new child) and go on with it.
    pub(super) fn follow(&mut self, mut result: Result<Option<Stop>>) -> Result<Option<Stop>> {
        loop {
            let pid = match &result {
                Ok(Some(Stop { reason: StopReason::OtherProcess { pid }, .. })) => *pid,
                _ => return result,
            };
            let known = self.others.iter().find(|p| p.session.pid() == pid).map(|p| p.number);
            let number = match known {
                Some(number) => number,
                None => {
                    // A new child: a session of its own, released, whose first event (its creation) is waiting.
                    let session = self.current.session.adopt(pid, forward(&self.listener))?;
                    let number = self.next_number;
                    self.next_number += 1;
                    self.others.push(Process { number, origin: Origin::Child, session });
                    number
                }
            };
            self.switch_to(number);
            // The process left behind runs on, as the whole family does while one process is driven (a parent may
            // be in the middle of creating the child, which cannot start while the parent is held).
            if let Some(stop) = self.release_previous() {
                result = Ok(Some(stop));
                continue;
            }
            self.breaker.set(&mut self.current.session);
            result = self.current.session.drive().map(Some);
        }
    }

    /// Release the process that was current before the last switch (the last one among the others).
    fn release_previous(&mut self) -> Option<Stop> {
        let p = self.others.last_mut()?;
        match p.session.release() {
            Ok(Some(stop)) => {
                let number = p.number;
                self.switch_to(number);
                Some(stop)
            }
            _ => None,
        }
    }

    /// Make process `number` current; the previous one goes last among the others.
    pub(super) fn switch_to(&mut self, number: u32) {
        let Some(i) = self.others.iter().position(|p| p.number == number) else { return };
        let next = self.others.remove(i);
        let previous = std::mem::replace(&mut self.current, next);
        self.others.push(previous);
    }
}
