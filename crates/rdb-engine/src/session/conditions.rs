//! Breakpoint conditions (`bp /w "<expr>"`). A condition is decided here, in the event loop, on the thread that hit:
//! a false one is no hit at all, and the debuggee runs on without the front end ever hearing of it, which is what
//! makes a conditional breakpoint on a hot path affordable.

use super::breakpoints::{Condition, Language};
use super::{EvalContext, Notice, Session};
use crate::error::Result;
use crate::expr::{self, ExprContext};
use crate::regs;
use crate::target::Tid;
use crate::values::cxx;

impl Session {
    /// Check a condition when it is set: its syntax, its register names and (when `symbols`) its symbols, without
    /// reading a value, so one that can only fail is refused now rather than stopping at every hit. Symbols are
    /// taken on trust for a `bu` still waiting for its module, whose globals cannot be known yet.
    pub fn check_condition(&mut self, condition: &Condition, symbols: bool) -> Result<()> {
        self.check_condition_at(condition, symbols, &[])
    }

    /// Check a condition for a breakpoint at `sites` (whose scopes name the variables a C++ condition may read).
    pub(super) fn check_condition_at(&mut self, condition: &Condition, symbols: bool, sites: &[u64]) -> Result<()> {
        match condition.language {
            Language::Masm => expr::check(&condition.text, &mut CheckContext { session: self, symbols }),
            Language::Cxx => self.check_cxx(&condition.text, symbols, sites),
            Language::Windbg => {
                let settled = self.settle_language(condition, sites);
                self.check_condition_at(&settled, symbols, sites)
            }
        }
    }

    /// A WinDbg condition read as C++ where it names the program's variables (in scope at one of `sites`, or
    /// global), as MASM otherwise; a condition of a set language as it is.
    pub(super) fn settle_language(&self, condition: &Condition, sites: &[u64]) -> Condition {
        if condition.language != Language::Windbg {
            return condition.clone();
        }
        // `@@c++(...)` marks MASM holding C++ (WinDbg's way of mixing the two).
        if condition.text.contains("@@") {
            return Condition::masm(condition.text.clone());
        }
        let language = match cxx::parse(&condition.text, &|n| self.find_type(n, sites.first().copied()).is_some()) {
            Ok(e) if e.names().iter().any(|n| !n.starts_with('@') && self.names_variable(n, sites)) => Language::Cxx,
            _ => Language::Masm,
        };
        Condition { text: condition.text.clone(), language }
    }

    /// Whether `name` is a variable at one of `sites` or a global of some module.
    fn names_variable(&self, name: &str, sites: &[u64]) -> bool {
        if let Some((module, bare)) = name.split_once('!') {
            return self
                .modules
                .by_name(module)
                .and_then(|m| m.symbols())
                .is_some_and(|s| s.global(bare, None).is_some());
        }
        sites.iter().any(|&a| {
            self.modules
                .at(a)
                .and_then(|m| m.symbols())
                .and_then(|s| s.scope_names(a))
                .is_some_and(|n| n.iter().any(|v| v == name))
        }) || self.modules.iter().any(|m| m.symbols().is_some_and(|s| s.global(name, sites.first().copied()).is_some()))
    }

    /// A C++ condition parses, and (where its sites are known) every name it reads is a register, a variable in
    /// scope at a site, or a global.
    fn check_cxx(&mut self, text: &str, symbols: bool, sites: &[u64]) -> Result<()> {
        let expr = cxx::parse(text, &|n| self.find_type(n, sites.first().copied()).is_some())?;
        for name in expr.names() {
            if let Some(register) = name.strip_prefix('@') {
                if !regs::is_register(&register.to_ascii_lowercase()) {
                    return Err(crate::err!("no register named '{register}'"));
                }
            } else if symbols && !sites.is_empty() && !self.names_variable(name, sites) {
                return Err(crate::err!("no variable named '{name}' where the breakpoint is"));
            }
        }
        Ok(())
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
        // A deferred breakpoint's WinDbg condition is settled at its first hit, where its site is known, and kept.
        let condition = if condition.language == Language::Windbg {
            let address = self.registers(tid).map(|r| r.rip).unwrap_or(0);
            let settled = self.settle_language(&condition, &[address]);
            if let Some(b) = self.breakpoints.get_mut(id) {
                b.spec.condition = Some(settled.clone());
            }
            settled
        } else {
            condition
        };
        Ok(match condition.language {
            Language::Masm | Language::Windbg => {
                expr::evaluate(&condition.text, &mut EvalContext { session: self, tid })? != 0
            }
            // The frame that hit is frame 0: its variables are the ones the condition names.
            Language::Cxx => cxx::truth(&self.evaluate_cxx(tid, 0, &condition.text)?)?,
        })
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
