//! A program's result as a term: what the stack's top is at `end`, written over registers, reads and constants,
//! with a [`Term::Choice`] wherever `if_goto` branched. Built by `symbolic`, written out as MASM by `masm`.
//!
//! The constructors simplify, but never drop a read or a division that could fail: a failing read is part of a
//! program's meaning (it stops), so `0 * poi(x)` stays as it is.

use std::rc::Rc;

use super::bytecode::BinOp;
use super::semantics;

/// The most nodes one term may have (`dup; add` doubles a term): a bigger one is not translated.
pub(super) const MAX_NODES: usize = 2000;
/// The deepest a term may nest: MASM's parser refuses deep nesting, and the walks here recurse.
pub(super) const MAX_HEIGHT: usize = 60;

#[derive(Debug, PartialEq, Eq)]
pub(super) enum Term {
    Const(u64),
    /// gdb's register number.
    Reg(u32),
    /// `size` bytes at the address, zero-extended.
    Read(u8, Rc<Node>),
    LogNot(Rc<Node>),
    BitNot(Rc<Node>),
    Ext(u8, Rc<Node>),
    ZeroExt(u8, Rc<Node>),
    Binary(BinOp, Rc<Node>, Rc<Node>),
    /// `if_goto`: the program goes on with `taken` when the condition is non-zero, else with `not_taken`.
    Choice {
        condition: Rc<Node>,
        taken: Rc<Node>,
        not_taken: Rc<Node>,
    },
    /// A value computed and thrown away (`pop`, or left under the result at `end`), kept for the reads it makes.
    Discard {
        effect: Rc<Node>,
        value: Rc<Node>,
    },
}

#[derive(Debug, PartialEq, Eq)]
pub(super) struct Node {
    pub term: Term,
    /// Nodes in the tree (shared ones counted each time), saturating.
    pub nodes: usize,
    pub height: usize,
    /// Whether evaluating it can fail: a read, or a division by something that may be zero.
    pub fallible: bool,
}

impl Node {
    pub(super) fn constant(&self) -> Option<u64> {
        match self.term {
            Term::Const(v) => Some(v),
            _ => None,
        }
    }

    /// Whether its value is always 0 or 1.
    pub(super) fn is_boolean(&self) -> bool {
        match &self.term {
            Term::Const(v) => *v <= 1,
            Term::LogNot(_) => true,
            Term::Binary(op, _, _) => matches!(op, BinOp::Equal | BinOp::LessSigned | BinOp::LessUnsigned),
            Term::Choice { taken, not_taken, .. } => taken.is_boolean() && not_taken.is_boolean(),
            Term::Discard { value, .. } => value.is_boolean(),
            _ => false,
        }
    }
}

/// Wrap a term, or `None` when it grows past the limits.
fn node(term: Term) -> Option<Rc<Node>> {
    let children: Vec<&Rc<Node>> = match &term {
        Term::Const(_) | Term::Reg(_) => vec![],
        Term::Read(_, a) | Term::LogNot(a) | Term::BitNot(a) | Term::Ext(_, a) | Term::ZeroExt(_, a) => vec![a],
        Term::Binary(_, a, b) => vec![a, b],
        Term::Choice { condition, taken, not_taken } => vec![condition, taken, not_taken],
        Term::Discard { effect, value } => vec![effect, value],
    };
    let nodes = children.iter().fold(1usize, |n, c| n.saturating_add(c.nodes));
    let height = children.iter().map(|c| c.height).max().unwrap_or(0).saturating_add(1);
    let own = match &term {
        Term::Read(..) => true,
        Term::Binary(op, _, divisor) => is_division(*op) && divisor.constant().is_none_or(|d| d == 0),
        _ => false,
    };
    let fallible = own || children.iter().any(|c| c.fallible);
    (nodes <= MAX_NODES && height <= MAX_HEIGHT).then(|| Rc::new(Node { term, nodes, height, fallible }))
}

pub(super) fn is_division(op: BinOp) -> bool {
    matches!(op, BinOp::DivSigned | BinOp::DivUnsigned | BinOp::RemSigned | BinOp::RemUnsigned)
}

pub(super) fn constant(value: u64) -> Option<Rc<Node>> {
    node(Term::Const(value))
}

pub(super) fn register(number: u32) -> Option<Rc<Node>> {
    node(Term::Reg(number))
}

pub(super) fn read(size: u8, address: Rc<Node>) -> Option<Rc<Node>> {
    node(Term::Read(size, address))
}

pub(super) fn log_not(a: Rc<Node>) -> Option<Rc<Node>> {
    match a.constant() {
        Some(v) => constant(u64::from(v == 0)),
        None => node(Term::LogNot(a)),
    }
}

pub(super) fn bit_not(a: Rc<Node>) -> Option<Rc<Node>> {
    match a.constant() {
        Some(v) => constant(!v),
        None => node(Term::BitNot(a)),
    }
}

/// The number of value bits a term can have at most (a read of 4 bytes has 32; a comparison 1).
fn width(a: &Node) -> u32 {
    match &a.term {
        Term::Const(v) => 64 - v.leading_zeros(),
        Term::Read(size, _) => u32::from(*size) * 8,
        Term::ZeroExt(bits, _) => u32::from(*bits).min(64),
        _ if a.is_boolean() => 1,
        _ => 64,
    }
}

pub(super) fn sign_extend(bits: u8, a: Rc<Node>) -> Option<Rc<Node>> {
    if let Some(v) = a.constant() {
        return constant(semantics::sign_extend(v, bits));
    }
    // Nothing to extend: the value's bit `bits - 1` and all above are already 0 (a 4-byte read, `ext 64`).
    if u32::from(bits) >= 64 || width(&a) < u32::from(bits) {
        return Some(a);
    }
    node(Term::Ext(bits, a))
}

pub(super) fn zero_extend(bits: u8, a: Rc<Node>) -> Option<Rc<Node>> {
    if let Some(v) = a.constant() {
        return constant(semantics::zero_extend(v, bits));
    }
    if width(&a) <= u32::from(bits) {
        return Some(a);
    }
    // Only the low bits of a sign extension from at least as many bits survive: they are its operand's.
    if let Term::Ext(from, inner) = &a.term
        && *from >= bits
    {
        return zero_extend(bits, inner.clone());
    }
    node(Term::ZeroExt(bits, a))
}

pub(super) fn binary(op: BinOp, a: Rc<Node>, b: Rc<Node>) -> Option<Rc<Node>> {
    if let (Some(x), Some(y)) = (a.constant(), b.constant()) {
        // A division by zero stays a term: it fails when it runs, and so must the translation.
        if let Some(v) = semantics::binary(op, x, y) {
            return constant(v);
        }
    }
    match op {
        BinOp::Sub => {
            if let Some(y) = b.constant() {
                return binary(BinOp::Add, a, constant(y.wrapping_neg())?);
            }
        }
        BinOp::Add => {
            if let Some(x) = a.constant() {
                return binary(BinOp::Add, b, constant(x)?);
            }
            if let Some(y) = b.constant() {
                if y == 0 {
                    return Some(a);
                }
                // (x + c1) + c2 is x + (c1 + c2): addresses come as frame base + offset + offset.
                if let Term::Binary(BinOp::Add, inner, c1) = &a.term
                    && let Some(c1) = c1.constant()
                {
                    return binary(BinOp::Add, inner.clone(), constant(c1.wrapping_add(y))?);
                }
            }
        }
        BinOp::Equal => {
            if let Some(narrow) = narrow_equal(&a, &b).or_else(|| narrow_equal(&b, &a)) {
                return narrow;
            }
        }
        BinOp::LessSigned => {
            if let Some(narrow) = narrow_less(&a, &b, false).or_else(|| narrow_less(&b, &a, true)) {
                return narrow;
            }
        }
        _ => {}
    }
    node(Term::Binary(op, a, b))
}

/// `ext n (x) == c`, with `c` an `n`-bit signed value, is `zero_ext n (x) == (c's low n bits)`: how gdb compares
/// an `int` to a constant, said without the extension.
fn narrow_equal(extended: &Rc<Node>, other: &Rc<Node>) -> Option<Option<Rc<Node>>> {
    let Term::Ext(bits, x) = &extended.term else { return None };
    let c = other.constant()?;
    if semantics::sign_extend(c, *bits) != c {
        return None;
    }
    Some((|| binary(BinOp::Equal, zero_extend(*bits, x.clone())?, constant(semantics::zero_extend(c, *bits))?))())
}

/// `ext n (x) <s c` (or `c <s ext n (x)` when `flipped`), with `c` an `n`-bit signed value: an unsigned comparison
/// of the two `n`-bit values with their sign bits flipped.
fn narrow_less(extended: &Rc<Node>, other: &Rc<Node>, flipped: bool) -> Option<Option<Rc<Node>>> {
    let Term::Ext(bits, x) = &extended.term else { return None };
    let c = other.constant()?;
    if semantics::sign_extend(c, *bits) != c || *bits >= 64 {
        return None;
    }
    let sign = 1u64 << (bits - 1);
    Some((|| {
        let x = binary(BinOp::BitXor, zero_extend(*bits, x.clone())?, constant(sign)?)?;
        let c = constant(semantics::zero_extend(c, *bits) ^ sign)?;
        if flipped { binary(BinOp::LessUnsigned, c, x) } else { binary(BinOp::LessUnsigned, x, c) }
    })())
}

pub(super) fn choice(condition: Rc<Node>, taken: Rc<Node>, not_taken: Rc<Node>) -> Option<Rc<Node>> {
    match condition.constant() {
        Some(0) => return Some(not_taken),
        Some(_) => return Some(taken),
        None => {}
    }
    // Both ways the same: the condition is computed (and may fail), then the one value.
    if taken == not_taken {
        return discard(condition, taken);
    }
    // gdb's `&&` and `||` end in `1` on one side and `0` on the other.
    if condition.is_boolean() {
        match (taken.constant(), not_taken.constant()) {
            (Some(1), Some(0)) => return Some(condition),
            (Some(0), Some(1)) => return log_not(condition),
            _ => {}
        }
    }
    node(Term::Choice { condition, taken, not_taken })
}

/// `value`, having computed `effect` and thrown it away. An effect that cannot fail is simply dropped.
pub(super) fn discard(effect: Rc<Node>, value: Rc<Node>) -> Option<Rc<Node>> {
    if !effect.fallible {
        return Some(value);
    }
    node(Term::Discard { effect, value })
}
