//! Opening a target that only reads (a core file, a minidump): no event will ever come, so what a live target
//! reports as events — its threads, its modules, the exception that stopped it — is taken from the snapshot at
//! once, and the session stands stopped where the snapshot was taken.

use super::{Notice, Session, State, Stop, StopReason, ThreadEntry};
use crate::target::{EventKind, Target};

impl Session {
    /// Take in a target without execution and stop at the moment it recorded.
    pub(super) fn open_snapshot(&mut self, mut target: Box<dyn Target>) -> Stop {
        let threads = target.threads();
        let (modules, event, opened) = match target.snapshot() {
            Some(s) => (
                s.modules(),
                s.event(),
                Some(Notice::SnapshotOpened { os: s.os(), format: s.format(), warnings: s.warnings() }),
            ),
            None => (Vec::new(), None, None),
        };
        self.take_target(target);
        self.modules.find_images = true;
        self.threads = threads.iter().enumerate().map(|(i, &tid)| ThreadEntry { tid, index: i as u32 }).collect();
        self.next_thread_index = self.threads.len() as u32;
        self.exe_path = modules.first().map(|m| m.path.clone());
        if let Some(notice) = opened {
            self.notify(notice);
        }
        for m in modules {
            self.module_loaded(m.base, m.size, m.path);
        }
        self.tell_missing_images();
        let first = threads.first().copied().unwrap_or(0);
        let (tid, reason) = match event {
            Some(e) => match e.kind {
                EventKind::Exception(mut exception) => {
                    // Read from the snapshot (and the module images found) as a live stop reads the process.
                    self.judge_access(&mut exception);
                    self.last_exception = Some(exception.clone());
                    self.record_fault(e.tid, &exception);
                    (e.tid, StopReason::Exception(exception))
                }
                _ => (e.tid, StopReason::Snapshot),
            },
            None => (first, StopReason::Snapshot),
        };
        self.state = State::Stopped;
        self.event_tid = tid;
        self.stops += 1;
        Stop { pid: self.pid, tid, reason }
    }
}
