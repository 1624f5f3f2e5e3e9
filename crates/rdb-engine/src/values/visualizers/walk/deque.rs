//! A double-ended queue's elements (libstdc++'s `std::deque`): fixed-size buffers, pointed to by a map of buffer
//! pointers; element `i` is `skip + i` elements after the start of the first buffer the queue uses. No pointer is
//! followed more than once per element, and the length is capped.

use super::super::capped;
use super::super::context::ObjectContext;
use super::word;
use crate::error::{Error, Result};
use crate::values::children::RawChild;
use crate::values::{ChildKind, TypeKind};

/// A deque as a definition names it (see [`Children::Deque`](super::super::Children::Deque)).
pub(crate) struct Deque<'a> {
    pub map_node: &'a str,
    pub first: &'a str,
    pub skip: &'a str,
    pub per_buffer: &'a str,
    pub len: &'a str,
}

/// Elements `start..start + count` of the deque.
pub(crate) fn children(
    cx: &mut ObjectContext<'_>,
    deque: &Deque<'_>,
    start: u64,
    count: usize,
) -> Result<Vec<RawChild>> {
    let first = cx.value(deque.first)?;
    let TypeKind::Pointer { target: Some(element), .. } = first.ty.kind else {
        return Err(Error::msg(format!("'{}' is not a typed pointer", deque.first)));
    };
    let ty = cx.reader().type_of(element).ok_or_else(|| Error::msg("the deque's element type is unknown"))?;
    let size = ty.size.unwrap_or(0);
    let map_node = cx.number(deque.map_node)?;
    let skip = cx.number(deque.skip)?;
    let per_buffer = cx.number(deque.per_buffer)?;
    if per_buffer == 0 {
        return Err(Error::msg("a deque's buffers hold no elements"));
    }
    let len = capped(cx.number(deque.len)?, true).count;
    let end = len.min(start.saturating_add(count as u64));
    let reader = cx.reader();
    let mut out = Vec::new();
    for index in start..end {
        let k = skip.saturating_add(index);
        let buffer = word(reader, map_node.wrapping_add((k / per_buffer).wrapping_mul(8)))?;
        let at = buffer.wrapping_add((k % per_buffer).wrapping_mul(size));
        out.push(RawChild {
            name: format!("[{index}]"),
            offset: None,
            bits: None,
            value: reader.object(ty.clone(), Some(element), at),
            kind: ChildKind::Element(index),
        });
    }
    Ok(out)
}
