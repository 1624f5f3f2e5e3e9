//! A term written as a MASM condition for rdb (`crates/rdb-engine/src/expr.rs`) with the program's meaning,
//! failures included.
//!
//! MASM has no short-circuit: `&&`, `||` and every operator evaluate both operands, and a read that faults fails
//! the whole condition (rdb then stops, as it stops for any condition that fails; compiled into the debuggee, the
//! fault sends the hit to the engine, which evaluates it the same way). So what the program computes only on one
//! side of an `if_goto` cannot be written as it is when it can fail:
//!
//! - a read there becomes a *guarded* read: `dwo(S + (A - S) * g)`, where `g` is 1 exactly when the program takes
//!   that side (0 otherwise) and `S` is the address of a read the program makes on every path, at least as wide.
//!   When the side is taken it reads `A`, as the program does; when not, it reads `S` again, which cannot fail
//!   unless the program failed already (a read on both sides of a choice is on every path too). A read wider
//!   than every such `S` is read in pieces that fit. A program with a read on one side only and no read on every
//!   path has no MASM (`$rdi && *(int *)$rdi`, with no variable read first).
//! - a divisor there becomes `d | (g == 0)`: itself when the side is taken, never 0 when not.
//!
//! Numbers are written `0x...` (MASM's default radix is 16, but nothing here relies on it), registers `@name`,
//! and every operation is bracketed, so MASM's precedence never matters. The text is checked by rdb's own MASM
//! parser before it is handed out: one it would refuse (too long, too deeply nested) is no translation.

use std::rc::Rc;

use rdb_engine::expr::{self, ExprContext};

use super::bytecode::BinOp;
use super::term::{Node, Term, is_division};

/// The longest condition written: past this, running the program at each hit is the better deal anyway.
const MAX_TEXT: usize = 4096;
const SIGN: u64 = 1 << 63;

/// The condition: non-zero exactly when `root` is, failing exactly when it fails.
pub(super) fn condition(root: &Rc<Node>, register: &dyn Fn(u32) -> Option<&'static str>) -> Option<String> {
    let mut everywhere = Vec::new();
    unconditional_reads(root, &mut everywhere);
    let text = Writer { register, everywhere }.truth(root, None)?;
    expr::compile(&text, &mut Syntax).ok()?;
    Some(text)
}

/// Reads the program makes on every path: outside every choice, or on both sides of one (at the narrower width).
fn unconditional_reads(n: &Rc<Node>, out: &mut Vec<(Rc<Node>, u8)>) {
    match &n.term {
        Term::Const(_) | Term::Reg(_) => {}
        Term::Read(size, a) => {
            out.push((a.clone(), *size));
            unconditional_reads(a, out);
        }
        Term::LogNot(a) | Term::BitNot(a) | Term::Ext(_, a) | Term::ZeroExt(_, a) => unconditional_reads(a, out),
        Term::Binary(_, a, b) | Term::Discard { effect: a, value: b } => {
            unconditional_reads(a, out);
            unconditional_reads(b, out);
        }
        Term::Choice { condition, taken, not_taken } => {
            unconditional_reads(condition, out);
            let (mut one, mut other) = (Vec::new(), Vec::new());
            unconditional_reads(taken, &mut one);
            unconditional_reads(not_taken, &mut other);
            for (address, width) in one {
                let widest = other.iter().filter(|(a, _)| *a == address).map(|(_, w)| *w).max();
                if let Some(w) = widest {
                    out.push((address, width.min(w)));
                }
            }
        }
    }
}

/// What rdb's MASM parser is asked when checking the text: register names rdb knows, nothing else.
struct Syntax;

impl ExprContext for Syntax {
    fn register(&mut self, name: &str) -> Option<u64> {
        rdb_engine::regs::is_register(name).then_some(0)
    }

    fn symbol(&mut self, _name: &str) -> rdb_engine::Result<Option<u64>> {
        Ok(None)
    }

    fn read_memory(&mut self, _address: u64, _size: usize) -> rdb_engine::Result<u64> {
        Ok(0)
    }
}

struct Writer<'a> {
    register: &'a dyn Fn(u32) -> Option<&'static str>,
    /// The addresses (and widths) of the reads made on every path: what a guarded read falls back on.
    everywhere: Vec<(Rc<Node>, u8)>,
}

fn hex(v: u64) -> String {
    format!("0x{v:x}")
}

/// `text`, unless it is too long to be worth it.
fn fit(text: String) -> Option<String> {
    (text.len() <= MAX_TEXT).then_some(text)
}

/// The guard of one side of a choice: 1 exactly when the program is inside `outer` and takes that side.
fn and_guard(outer: Option<&str>, side: String) -> Option<String> {
    fit(match outer {
        None => side,
        Some(g) => format!("({g} * {side})"),
    })
}

fn keyword(size: u8) -> &'static str {
    match size {
        1 => "by",
        2 => "wo",
        4 => "dwo",
        _ => "qwo",
    }
}

/// A term as a base and a constant offset (`@rbp - 0x14` is `@rbp` and -0x14).
fn split_offset(n: &Rc<Node>) -> (&Rc<Node>, u64) {
    match &n.term {
        Term::Binary(BinOp::Add, base, offset) => match offset.constant() {
            Some(c) => (base, c),
            None => (n, 0),
        },
        _ => (n, 0),
    }
}

impl Writer<'_> {
    /// Text whose value is `n`'s, evaluated only where `guard` (text worth 0 or 1; `None` is always) says the
    /// program evaluates `n`.
    fn value(&self, n: &Rc<Node>, guard: Option<&str>) -> Option<String> {
        fit(match &n.term {
            Term::Const(v) => hex(*v),
            Term::Reg(r) => format!("@{}", (self.register)(*r)?),
            Term::Read(size, a) => self.read(*size, a, guard)?,
            Term::LogNot(a) => format!("({} == 0x0)", self.value(a, guard)?),
            Term::BitNot(a) => format!("({} ^ {})", self.value(a, guard)?, hex(u64::MAX)),
            Term::Ext(bits, a) => {
                let unused = 64u8.checked_sub(*bits).filter(|&u| u > 0)?;
                format!("(({} << 0n{unused}) >>> 0n{unused})", self.value(a, guard)?)
            }
            Term::ZeroExt(bits, a) => {
                format!("({} & {})", self.value(a, guard)?, hex(super::semantics::low_mask(*bits)))
            }
            Term::Binary(op, a, b) => self.binary(*op, a, b, guard)?,
            Term::Choice { condition, taken, not_taken } => {
                let (truth, taken_guard, not_taken_guard) = self.sides(condition, taken, not_taken, guard)?;
                let t = self.value(taken, taken_guard.as_deref())?;
                let e = self.value(not_taken, not_taken_guard.as_deref())?;
                match (taken.constant(), not_taken.constant()) {
                    (_, Some(0)) => format!("({truth} * {t})"),
                    (Some(0), _) => format!("(({truth} == 0x0) * {e})"),
                    _ => format!("(({truth} * {t}) + (({truth} == 0x0) * {e}))"),
                }
            }
            Term::Discard { effect, value } => {
                format!("({} + (0x0 * {}))", self.value(value, guard)?, self.value(effect, guard)?)
            }
        })
    }

    /// Text that is non-zero exactly when `n` is (nicer than its value for choices: `&&` and `||`).
    fn truth(&self, n: &Rc<Node>, guard: Option<&str>) -> Option<String> {
        fit(match &n.term {
            Term::Choice { condition, taken, not_taken } => {
                let (truth, taken_guard, not_taken_guard) = self.sides(condition, taken, not_taken, guard)?;
                let t = || self.truth(taken, taken_guard.as_deref());
                let e = || self.truth(not_taken, not_taken_guard.as_deref());
                match (taken.constant(), not_taken.constant()) {
                    (Some(1..), Some(0)) => truth,
                    (Some(0), Some(1..)) => format!("({truth} == 0x0)"),
                    (_, Some(0)) => format!("({truth} && {})", t()?),
                    (Some(0), _) => format!("(({truth} == 0x0) && {})", e()?),
                    (_, Some(_)) => format!("(({truth} == 0x0) || {})", t()?),
                    (Some(_), _) => format!("({truth} || {})", e()?),
                    _ => format!("(({truth} && {}) || (({truth} == 0x0) && {}))", t()?, e()?),
                }
            }
            Term::LogNot(a) => format!("({} == 0x0)", self.truth(a, guard)?),
            Term::Discard { effect, value } => {
                format!("({} + (0x0 * {}))", self.truth(value, guard)?, self.value(effect, guard)?)
            }
            _ => self.value(n, guard)?,
        })
    }

    /// A choice's condition as 0 or 1, and the guards of its two sides (`None` where a side cannot fail, so
    /// needs none).
    fn sides(
        &self,
        condition: &Rc<Node>,
        taken: &Rc<Node>,
        not_taken: &Rc<Node>,
        guard: Option<&str>,
    ) -> Option<(String, Option<String>, Option<String>)> {
        let c = self.value(condition, guard)?;
        let truth = if condition.is_boolean() { c } else { fit(format!("({c} != 0x0)"))? };
        let taken_guard = if taken.fallible { Some(and_guard(guard, truth.clone())?) } else { None };
        let not_taken_guard =
            if not_taken.fallible { Some(and_guard(guard, format!("({truth} == 0x0)"))?) } else { None };
        Some((truth, taken_guard, not_taken_guard))
    }

    fn read(&self, size: u8, address: &Rc<Node>, guard: Option<&str>) -> Option<String> {
        let a = self.value(address, guard)?;
        let made_everywhere = self.everywhere.iter().any(|(s, width)| s == address && *width >= size);
        let Some(g) = guard.filter(|_| !made_everywhere) else {
            return fit(format!("{}({a})", keyword(size)));
        };
        // The read to fall back on: one at a constant distance if there is one (shorter text), the widest else.
        let (safe, width) = self
            .everywhere
            .iter()
            .filter(|(_, width)| *width >= size)
            .find(|(s, _)| split_offset(s).0 == split_offset(address).0)
            .or_else(|| self.everywhere.iter().max_by_key(|(_, width)| *width))?;
        let s = self.value(safe, None)?;
        let piece = size.min(*width);
        let (address_base, address_offset) = split_offset(address);
        let (safe_base, safe_offset) = split_offset(safe);
        let mut text = String::new();
        for k in 0..size / piece.max(1) {
            let offset = u64::from(k) * u64::from(piece);
            let moved = if address_base == safe_base {
                let distance = address_offset.wrapping_add(offset).wrapping_sub(safe_offset);
                format!("({s} + ({} * {g}))", hex(distance))
            } else if offset == 0 {
                format!("({s} + (({a} - {s}) * {g}))")
            } else {
                format!("({s} + ((({a} + {}) - {s}) * {g}))", hex(offset))
            };
            let one = format!("{}({moved})", keyword(piece));
            text = if k == 0 { one } else { format!("({text} | ({one} << 0n{}))", offset * 8) };
            text = fit(text)?;
        }
        Some(text)
    }

    fn binary(&self, op: BinOp, a: &Rc<Node>, b: &Rc<Node>, guard: Option<&str>) -> Option<String> {
        let l = self.value(a, guard)?;
        if let (BinOp::Add, Some(c)) = (op, b.constant())
            && (c as i64) < 0
            && c != SIGN
        {
            return fit(format!("({l} - {})", hex(c.wrapping_neg())));
        }
        let r = if is_division(op) { self.divisor(b, guard)? } else { self.value(b, guard)? };
        let symbol = match op {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::DivUnsigned => "/",
            BinOp::RemUnsigned => "%",
            BinOp::Lsh => "<<",
            BinOp::RshUnsigned => ">>",
            BinOp::RshSigned => ">>>",
            BinOp::BitAnd => "&",
            BinOp::BitOr => "|",
            BinOp::BitXor => "^",
            BinOp::Equal => "==",
            BinOp::LessUnsigned => "<",
            BinOp::LessSigned => {
                let flip = |n: &Rc<Node>, text: &str| match n.constant() {
                    Some(c) => hex(c ^ SIGN),
                    None => format!("({text} ^ {})", hex(SIGN)),
                };
                return fit(format!("({} < {})", flip(a, &l), flip(b, &r)));
            }
            BinOp::DivSigned | BinOp::RemSigned => return fit(signed_division(op, &l, &r)),
        };
        fit(format!("({l} {symbol} {r})"))
    }

    /// A divisor that is never 0 where the program does not divide (so only the program's own division by zero
    /// fails).
    fn divisor(&self, d: &Rc<Node>, guard: Option<&str>) -> Option<String> {
        let text = self.value(d, guard)?;
        match guard {
            Some(g) if d.constant().is_none_or(|c| c == 0) => fit(format!("({text} | ({g} == 0x0))")),
            _ => Some(text),
        }
    }
}

/// C's signed `/` and `%` (truncating) from MASM's unsigned ones: divide the magnitudes, then give the quotient
/// the sign of the operands' product and the remainder the dividend's. `i64::MIN / -1` wraps to `i64::MIN`, as the
/// evaluator's does.
fn signed_division(op: BinOp, l: &str, r: &str) -> String {
    let sign_l = format!("({l} >>> 0n63)");
    let sign_r = format!("({r} >>> 0n63)");
    let magnitude = |v: &str, s: &str| format!("(({v} ^ {s}) - {s})");
    let (ml, mr) = (magnitude(l, &sign_l), magnitude(r, &sign_r));
    if op == BinOp::DivSigned {
        let sign = format!("({sign_l} ^ {sign_r})");
        format!("((({ml} / {mr}) ^ {sign}) - {sign})")
    } else {
        format!("((({ml} % {mr}) ^ {sign_l}) - {sign_l})")
    }
}
