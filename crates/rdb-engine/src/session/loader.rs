//! The dynamic loader's rendezvous ([`LoaderRendezvous`]): the function the loader calls after each change of its
//! module list, where the engine keeps an internal breakpoint, and the list itself, which the target reads from the
//! debuggee's own memory. A program can make either unreadable (a dynamic section that points nowhere, a list it
//! overwrote): the session then goes on without the rendezvous for the rest of that image, after one notice, as gdb
//! does. The modules seen so far stay; later loads and unloads go unseen; a launch still stops at the entry point.
//!
//! [`LoaderRendezvous`]: crate::target::LoaderRendezvous

use super::filters::{Action, EventCode};
use super::run::Next;
use super::{Internal, Notice, Session, StopReason};
use crate::error::{Error, Result};
use crate::target::{ContinueStatus, EventKind, LinkMapEntry};

impl Session {
    /// The loader's list as it stands, executable first, for a front end whose client reads the list itself (gdb's
    /// `qXfer:libraries-svr4:read`); `None` where the target has no rendezvous or it was given up.
    pub fn link_map(&mut self) -> Result<Option<Vec<LinkMapEntry>>> {
        let lost = self.image.loader_lost;
        match self.execution()?.loader_rendezvous() {
            Some(r) if !lost => r.link_map().map(Some),
            _ => Ok(None),
        }
    }

    /// Where the loader calls after a change of its list: `None` when the target has no rendezvous, `Some(None)`
    /// while none is known (a static executable, a loader that has not run yet, a rendezvous given up).
    pub(super) fn loader_breakpoint(&mut self) -> Result<Option<Option<u64>>> {
        let lost = self.image.loader_lost;
        let asked = match self.execution()?.loader_rendezvous() {
            None => return Ok(None),
            Some(_) if lost => return Ok(Some(None)),
            Some(r) => r.breakpoint_address(),
        };
        match asked {
            Ok(brk) => Ok(Some(brk)),
            Err(e) => {
                self.lose_loader(e)?;
                Ok(Some(None))
            }
        }
    }

    /// The executable's entry point: the loader has mapped the startup libraries. Read its list, watch it for
    /// later changes, and stop as the loader breakpoint does.
    pub(super) fn entry_reached(&mut self) -> Result<Option<StopReason>> {
        if let Some(Some(brk)) = self.loader_breakpoint()?
            && !self.image.internal.contains(&Internal::LoaderRendezvous(brk))
        {
            self.image.internal.push(Internal::LoaderRendezvous(brk));
        }
        // Module loads before the initial breakpoint are shown but never stop.
        let _ = self.sync_loader_modules()?;
        Ok(match self.filters.action(EventCode::InitialBreakpoint) {
            Action::Break => Some(StopReason::InitialBreakpoint),
            _ => None,
        })
    }

    /// The loader changed its module list: turn the change into module events.
    pub(super) fn sync_loader_modules(&mut self) -> Result<Option<StopReason>> {
        let lost = self.image.loader_lost;
        let read = match self.execution()?.loader_rendezvous() {
            Some(r) if !lost => r.sync_modules(),
            _ => Ok(Vec::new()),
        };
        let changes = match read {
            Ok(changes) => changes,
            Err(e) => {
                self.lose_loader(e)?;
                Vec::new()
            }
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

    /// The rendezvous could not be read (`error`): go on without it, and say so once. A process that is gone is
    /// no reason to: that error stands.
    fn lose_loader(&mut self, error: Error) -> Result<()> {
        if error == Error::NoProcess {
            return Err(error);
        }
        self.image.loader_lost = true;
        // Its breakpoint comes out at the next resume; a thread standing on it runs the original instruction.
        self.image.internal.retain(|i| !matches!(i, Internal::LoaderRendezvous(_)));
        self.notify(Notice::LoaderListUnreadable { error });
        Ok(())
    }
}
