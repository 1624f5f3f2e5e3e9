//! The exception's register context (WinDbg's `.ecxr`): the thread of the last exception stop, with the registers
//! it had when the exception was raised. A live process stands at its exception, so those are its registers; a
//! minidump written by a handler inside the process records the thread inside that handler and the crash's own
//! registers apart (`Snapshot::exception_context`). Those then stand in for the thread's own in every register read
//! of the session ([`Session::registers`]: `r`, unwinding, a frame's variables) until the user chooses a thread or
//! a context again ([`Session::reset_context`]).

use super::{Session, State};
use crate::error::Result;
use crate::regs::Registers;
use crate::target::{Exception, Tid};

/// The last stop for an exception: its thread, the exception, and the stop it was (a live process's context is
/// its registers only while it still stands there).
#[derive(Debug, Clone)]
pub(super) struct Fault {
    pub tid: Tid,
    pub exception: Exception,
    pub stop: u64,
}

/// Registers that stand in for a thread's own (see the module's comment).
#[derive(Debug, Clone, Copy)]
pub(super) struct ContextOverride {
    pub tid: Tid,
    pub registers: Registers,
}

impl Session {
    /// Remember the stop being made as the last exception stop.
    pub(super) fn record_fault(&mut self, tid: Tid, exception: &Exception) {
        self.fault = Some(Fault { tid, exception: exception.clone(), stop: self.stops });
    }

    /// The last exception stop, while the process still stands there (a snapshot always does).
    pub(super) fn current_fault(&mut self) -> Result<Fault> {
        let fault = self.fault.clone().ok_or_else(|| crate::err!("no exception: the last event was not one"))?;
        if self.state != State::Stopped {
            return Err(crate::Error::NoProcess);
        }
        if self.can_run() && fault.stop != self.stops {
            return Err(crate::err!("the exception's context is gone: the program ran on since it was raised"));
        }
        Ok(fault)
    }

    /// The registers of the exception's thread when it was raised, and that thread: a snapshot's recorded context
    /// where it has one apart from the thread's own, else the thread's registers (without switching to them).
    pub(super) fn fault_registers(&mut self) -> Result<(Tid, Registers)> {
        let fault = self.current_fault()?;
        let recorded = self.target()?.snapshot().and_then(|s| s.exception_context());
        match recorded {
            Some(registers) => Ok((fault.tid, registers)),
            None => Ok((fault.tid, self.thread_registers(fault.tid)?)),
        }
    }

    /// `.ecxr`: make the exception's context the current one. Returns the exception's thread, which the front end
    /// makes its current thread; every register read of that thread sees the exception's registers until
    /// [`Session::reset_context`].
    pub fn use_exception_context(&mut self) -> Result<Tid> {
        let fault = self.current_fault()?;
        // A live thread's own registers are the exception's: nothing stands in for them (and `r rax=1` writes them).
        let recorded = self.target()?.snapshot().and_then(|s| s.exception_context());
        self.context = recorded.map(|registers| ContextOverride { tid: fault.tid, registers });
        Ok(fault.tid)
    }

    /// The user chose a thread or a context of their own (`~Ns`, `.cxr`): each thread's registers are its own again.
    pub fn reset_context(&mut self) {
        self.context = None;
    }

    /// Whether thread `tid`'s registers are the exception's context rather than its own.
    pub fn in_exception_context(&self, tid: Tid) -> bool {
        self.context.is_some_and(|c| c.tid == tid)
    }

    /// The registers that stand in for `tid`'s own, if any.
    pub(super) fn context_registers(&self, tid: Tid) -> Option<Registers> {
        self.context.filter(|c| c.tid == tid).map(|c| c.registers)
    }
}
