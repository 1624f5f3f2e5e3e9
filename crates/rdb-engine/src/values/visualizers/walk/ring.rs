//! A ring buffer (Rust's `VecDeque`): `len` elements from slot `head` of a `cap`-slot buffer, wrapping round to
//! its first slot.

use super::super::capped;
use super::super::context::ObjectContext;
use crate::error::{Error, Result};
use crate::values::children::RawChild;
use crate::values::cxx;
use crate::values::{ChildKind, TypeKind};

/// The paths of a ring: the buffer's typed pointer, its capacity in elements, the first element's slot, the
/// length.
pub(crate) struct Ring {
    pub data: &'static str,
    pub cap: &'static str,
    pub head: &'static str,
    pub len: &'static str,
}

/// How many elements the ring holds (its length, capped; a length beyond the capacity is a corrupt ring).
pub(crate) fn length(cx: &mut ObjectContext<'_>, ring: &Ring) -> Result<u64> {
    let (len, cap) = (cx.number(ring.len)?, cx.number(ring.cap)?);
    if len > cap {
        return Err(Error::msg(format!("a ring of {cap} slots cannot hold {len} elements")));
    }
    Ok(len)
}

/// Elements `start..start + count` of the ring, in order from its head.
pub(crate) fn children(cx: &mut ObjectContext<'_>, ring: &Ring, start: u64, count: usize) -> Result<Vec<RawChild>> {
    let pointer = cx.value(ring.data)?;
    let TypeKind::Pointer { target: Some(element), .. } = pointer.ty.kind else {
        return Err(Error::msg(format!("'{}' is not a typed pointer", ring.data)));
    };
    let address = cxx::as_number(&pointer)?;
    let len = capped(length(cx, ring)?, true).count;
    let (cap, head) = (cx.number(ring.cap)?, cx.number(ring.head)?);
    let ty = cx.reader().type_of(element).ok_or_else(|| Error::msg("the ring's element type is unknown"))?;
    let size = ty.size.unwrap_or(0);
    let end = len.min(start.saturating_add(count as u64));
    Ok((start..end)
        .map(|i| {
            // cap > 0 here: len <= cap and i < len.
            let slot = (head % cap + i) % cap;
            RawChild {
                name: format!("[{i}]"),
                offset: None,
                bits: None,
                value: cx.reader().object(ty.clone(), Some(element), address.wrapping_add(slot.wrapping_mul(size))),
                kind: ChildKind::Element(i),
            }
        })
        .collect())
}
