//! What each arithmetic bytecode computes, in one place: the evaluator runs these and the translation folds
//! constants with them, so the two cannot drift apart.
//!
//! Values are 64-bit, as in gdbserver (`ULONGEST`), and arithmetic wraps. Where gdbserver leaves C's undefined
//! behaviour to the host, the choice here is the mathematical one, which is also MASM's: a shift by 64 or more
//! gives 0 (`lsh`, `rsh_unsigned`) or the sign (`rsh_signed`); `i64::MIN / -1` wraps to `i64::MIN` (gdbserver
//! would die of SIGFPE); `ext n` works for every width (gdbserver's `1 << (n - 1)` is an `int` shift).

use super::bytecode::BinOp;

/// `a op b` (`a` was pushed first); `None` for a division or remainder by zero.
pub(super) fn binary(op: BinOp, a: u64, b: u64) -> Option<u64> {
    let truth = |c: bool| u64::from(c);
    Some(match op {
        BinOp::Add => a.wrapping_add(b),
        BinOp::Sub => a.wrapping_sub(b),
        BinOp::Mul => a.wrapping_mul(b),
        BinOp::DivSigned => (b != 0).then(|| (a as i64).wrapping_div(b as i64) as u64)?,
        BinOp::DivUnsigned => a.checked_div(b)?,
        BinOp::RemSigned => (b != 0).then(|| (a as i64).wrapping_rem(b as i64) as u64)?,
        BinOp::RemUnsigned => a.checked_rem(b)?,
        BinOp::Lsh => a.checked_shl(shift(b)?).unwrap_or(0),
        BinOp::RshUnsigned => a.checked_shr(shift(b)?).unwrap_or(0),
        BinOp::RshSigned => ((a as i64) >> b.min(63)) as u64,
        BinOp::BitAnd => a & b,
        BinOp::BitOr => a | b,
        BinOp::BitXor => a ^ b,
        BinOp::Equal => truth(a == b),
        BinOp::LessSigned => truth((a as i64) < (b as i64)),
        BinOp::LessUnsigned => truth(a < b),
    })
}

/// A shift count as `checked_shl` takes it: counts past `u32` are as good as 64 (the result is 0 either way).
fn shift(b: u64) -> Option<u32> {
    Some(u32::try_from(b).unwrap_or(u32::MAX))
}

/// `ext n`: sign-extend from bit `n - 1` (`n` ≥ 64 leaves the value as it is).
pub(super) fn sign_extend(value: u64, bits: u8) -> u64 {
    match bits {
        0 | 64.. => value,
        n => {
            let unused = 64 - u32::from(n);
            (((value << unused) as i64) >> unused) as u64
        }
    }
}

/// `zero_ext n`: keep the low `n` bits (`n` ≥ 64 leaves the value as it is).
pub(super) fn zero_extend(value: u64, bits: u8) -> u64 {
    if bits >= 64 { value } else { value & low_mask(bits) }
}

/// The low `bits` bits set (`bits` < 64).
pub(super) fn low_mask(bits: u8) -> u64 {
    1u64.checked_shl(u32::from(bits)).map_or(u64::MAX, |b| b.wrapping_sub(1))
}
