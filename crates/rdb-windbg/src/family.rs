//! The debuggee's family: the processes debugged together when children are followed (`.childdbg 1`, `-o`).
//! Each process has a session of its own and WinDbg's process number (`|`). The console's current session is one
//! of them; the others wait here. When one process stops, every other is held; `g` releases them all, and the
//! session that is driven hands over (`StopReason::OtherProcess`) when another process has an event.

use rdb_engine::Result;
use rdb_engine::session::{Session, State, Stop, StopReason};

use crate::console::{Console, out, print_notice};

/// A process of the family other than the current one.
pub struct Member {
    pub number: u32,
    pub session: Session,
}

/// How a process came to be debugged, for `|`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Create,
    Attach,
    Child,
}

impl Origin {
    pub fn name(self) -> &'static str {
        match self {
            Origin::Create => "create",
            Origin::Attach => "attach",
            Origin::Child => "child",
        }
    }
}

pub struct Family {
    /// The current session's process number.
    pub current: u32,
    pub current_origin: Origin,
    pub others: Vec<(Member, Origin)>,
    next: u32,
}

impl Family {
    pub fn new(origin: Origin) -> Family {
        Family { current: 0, current_origin: origin, others: Vec::new(), next: 1 }
    }
}

impl Console {
    /// Let every other process of the family run (before the current one is resumed). A process that stops
    /// before it can run on becomes the current one, and its stop is returned.
    pub fn release_family(&mut self) -> Option<Stop> {
        for i in 0..self.family.others.len() {
            let session = &mut self.family.others[i].0.session;
            if session.state() != State::Stopped || !session.is_live() {
                continue;
            }
            match session.release() {
                Ok(None) => {}
                Ok(Some(stop)) => {
                    let number = self.family.others[i].0.number;
                    self.switch_process(number);
                    return Some(stop);
                }
                Err(e) => out(format!("^ {e} while resuming process {i}")),
            }
        }
        None
    }

    /// Hold every other process where it is (the current one has stopped).
    pub fn hold_family(&mut self) {
        for (member, _) in &mut self.family.others {
            if let Err(e) = member.session.hold() {
                out(format!("^ {e} while stopping process {}", member.number));
            }
        }
    }

    /// A run of the current session ended: while it ended because another process of the family has an event,
    /// hand over to that process's session (a new one for a new child) and go on with it.
    pub fn follow_family(&mut self, mut result: Result<Option<Stop>>) -> Result<Option<Stop>> {
        loop {
            let pid = match &result {
                Ok(Some(Stop { reason: StopReason::OtherProcess { pid }, .. })) => *pid,
                _ => return result,
            };
            let known = self.family.others.iter().find(|(m, _)| m.session.pid() == pid).map(|(m, _)| m.number);
            let number = match known {
                Some(number) => number,
                None => {
                    // A new child: a session of its own, released, whose first event (its creation) is waiting.
                    let child = self.session.adopt(pid, Box::new(print_notice))?;
                    let number = self.family.next;
                    self.family.next += 1;
                    self.family.others.push((Member { number, session: child }, Origin::Child));
                    number
                }
            };
            self.switch_process(number);
            // The process left behind runs on, as the whole family does while one process is driven (a parent may
            // be in the middle of creating the child, which cannot start while the parent is held).
            if let Some(stop) = self.release_previous() {
                result = Ok(Some(stop));
                continue;
            }
            result = self.session.drive().map(Some);
        }
    }

    /// Release the process that was current before the last switch (the last one put among the others).
    fn release_previous(&mut self) -> Option<Stop> {
        let i = self.family.others.len().checked_sub(1)?;
        match self.family.others[i].0.session.release() {
            Ok(Some(stop)) => {
                let number = self.family.others[i].0.number;
                self.switch_process(number);
                Some(stop)
            }
            _ => None,
        }
    }

    /// Make process `number` the current one. The previous one goes last among the others.
    pub fn switch_process(&mut self, number: u32) -> bool {
        let Some(i) = self.family.others.iter().position(|(m, _)| m.number == number) else { return false };
        let (member, origin) = self.family.others.remove(i);
        let previous = std::mem::replace(&mut self.session, member.session);
        let previous_number = std::mem::replace(&mut self.family.current, number);
        let previous_origin = std::mem::replace(&mut self.family.current_origin, origin);
        self.family.others.push((Member { number: previous_number, session: previous }, previous_origin));
        true
    }

    /// The current process has exited: forget it, and make another live process of the family current.
    pub fn leave_exited_process(&mut self) {
        let Some(i) = self.family.others.iter().position(|(m, _)| m.session.is_live()) else { return };
        let number = self.family.others[i].0.number;
        self.switch_process(number);
        // The exited process is now last among the others.
        self.family.others.pop();
        out(format!("Process {} is now the current process (|{}s)", number, number));
    }

    /// End every other process of the family (quit).
    pub fn end_family(&mut self) {
        for (mut member, _) in std::mem::take(&mut self.family.others) {
            if let Err(e) = member.session.end() {
                out(format!("^ {e} while ending process {}", member.number));
            }
        }
    }
}
