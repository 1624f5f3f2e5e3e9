//! Breakpoint conditions (`bp /w "<expr>"`). A condition is decided here, in the event loop, on the thread that hit:
//! a false one is no hit at all, and the debuggee runs on without the front end ever hearing of it, which is what
//! makes a conditional breakpoint on a hot path affordable.

use super::breakpoints::{Condition, Language};
use super::{EvalContext, Notice, Session};
use crate::error::Result;
use crate::expr::{self, ExprContext};
use crate::regs;
use crate::target::Tid;

impl Session {
    /// Check a condition when it is set: its syntax, its register names and (when `symbols`) its symbols, without
    /// reading a value, so one that can only fail is refused now rather than stopping at every hit. Symbols are
    /// taken on trust for a `bu` still waiting for its module, whose globals cannot be known yet.
    pub fn check_condition(&mut self, condition: &Condition, symbols: bool) -> Result<()> {
        match condition.language {
            Language::Masm => expr::check(&condition.text, &mut CheckContext { session: self, symbols }),
        }
    }

    /// Change (or clear, with `None`) the condition of breakpoint `id`, checked first. A new breakpoint gets its
    /// condition with the rest of its [`super::Spec`].
    pub fn set_condition(&mut self, id: u32, condition: Option<Condition>) -> Result<()> {
        let resolved = self.breakpoints.get(id).ok_or_else(|| crate::err!("no breakpoint {id}"))?.is_resolved();
        if let Some(c) = &condition {
            self.check_condition(c, resolved)?;
        }
        if let Some(b) = self.breakpoints.get_mut(id) {
            b.spec.condition = condition;
        }
        Ok(())
    }

    /// A hit of breakpoint `id` at its site `address` on `tid`: whether it stops. A false condition is no hit
    /// (neither a pass nor a hit counted); a condition that cannot be evaluated stops, with a note saying why, as
    /// gdb does, since silently running on would hide the very event the user is waiting for.
    pub(super) fn count_hit(&mut self, tid: Tid, id: u32, address: u64) -> bool {
        match self.condition_holds(tid, id) {
            Ok(false) => false,
            Ok(true) => self.breakpoints.pass(id, address),
            Err(error) => {
                self.breakpoints.hit_regardless(id, address);
                self.notify(Notice::ConditionFailed { id, error });
                true
            }
        }
    }

    /// Whether breakpoint `id`'s condition is true on `tid` (one without a condition always is), counting nothing.
    /// A breakpoint for one thread is false on every other.
    pub(super) fn condition_holds(&mut self, tid: Tid, id: u32) -> Result<bool> {
        let Some(b) = self.breakpoints.get(id) else { return Ok(true) };
        if b.spec.thread.is_some_and(|t| t != tid) {
            return Ok(false);
        }
        let Some(condition) = b.spec.condition.clone() else { return Ok(true) };
        let value = match condition.language {
            Language::Masm => expr::evaluate(&condition.text, &mut EvalContext { session: self, tid })?,
        };
        Ok(value != 0)
    }
}

/// What a condition sees when it is checked: real symbols, and registers and memory that are all there.
pub(super) struct CheckContext<'a> {
    pub session: &'a mut Session,
    pub symbols: bool,
}

impl ExprContext for CheckContext<'_> {
    fn register(&mut self, name: &str) -> Option<u64> {
        let lower = name.to_ascii_lowercase();
        // Pseudo-registers every target has: their value at a hit may not be readable when the condition is set
        // (`$ra` needs a stack), so checking takes their names on trust. `$peb` and `$teb` exist only where the
        // target has them.
        let everywhere = self.session.pseudo_register(&lower).is_some() && !matches!(lower.as_str(), "$peb" | "$teb");
        if regs::is_register(&lower) || everywhere {
            return Some(0);
        }
        let tid = self.session.event_tid;
        EvalContext { session: self.session, tid }.register(&lower)
    }

    fn symbol(&mut self, name: &str) -> Result<Option<u64>> {
        if !self.symbols {
            return Ok(Some(0));
        }
        Ok(self.session.modules.resolve(name))
    }

    fn read_memory(&mut self, _address: u64, _size: usize) -> Result<u64> {
        Ok(0)
    }
}
