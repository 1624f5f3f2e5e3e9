//! Breakpoint conditions (`bp /w "<expr>"`). A condition is decided here, in the event loop, on the thread that hit:
//! a false one is no hit at all, and the debuggee runs on without the front end ever hearing of it, which is what
//! makes a conditional breakpoint on a hot path affordable.

use super::{EvalContext, Notice, Session};
use crate::error::Result;
use crate::expr::{self, ExprContext};
use crate::regs;
use crate::target::Tid;

impl Session {
    /// Check a condition when it is set: its syntax, its register names and (when `symbols`) its symbols, without
    /// reading a value, so one that can only fail is refused now rather than stopping at every hit. Symbols are
    /// taken on trust for a `bu` still waiting for its module, whose globals cannot be known yet.
    pub fn check_condition(&mut self, text: &str, symbols: bool) -> Result<()> {
        expr::check(text, &mut CheckContext { session: self, symbols })
    }

    /// `bp /w`: set (or clear, with `None`) the condition of breakpoint `id`, checked first.
    pub fn set_condition(&mut self, id: u32, condition: Option<String>) -> Result<()> {
        let resolved = self.breakpoints.get(id).ok_or_else(|| crate::err!("no breakpoint {id}"))?.address.is_some();
        if let Some(c) = &condition {
            self.check_condition(c, resolved)?;
        }
        if let Some(b) = self.breakpoints.get_mut(id) {
            b.condition = condition;
        }
        Ok(())
    }

    /// A hit of breakpoint `id` on `tid`: whether it stops. A false condition is no hit (neither a pass nor a hit
    /// counted); a condition that cannot be evaluated stops, with a note saying why, as gdb does, since silently
    /// running on would hide the very event the user is waiting for.
    pub(super) fn count_hit(&mut self, tid: Tid, id: u32) -> bool {
        match self.condition_holds(tid, id) {
            Ok(false) => false,
            Ok(true) => self.breakpoints.pass(id),
            Err(e) => {
                if let Some(b) = self.breakpoints.get_mut(id) {
                    b.hits += 1;
                }
                self.notify(Notice::Breakpoint {
                    text: format!("Error in testing condition for breakpoint {id}: {e}"),
                });
                true
            }
        }
    }

    /// Whether breakpoint `id`'s condition is true on `tid` (one without a condition always is), counting nothing.
    pub(super) fn condition_holds(&mut self, tid: Tid, id: u32) -> Result<bool> {
        let Some(condition) = self.breakpoints.get(id).and_then(|b| b.condition.clone()) else { return Ok(true) };
        Ok(expr::evaluate(&condition, &mut EvalContext { session: self, tid })? != 0)
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
