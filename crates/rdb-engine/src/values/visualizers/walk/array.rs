//! `len` elements laid out one after another from a pointer (a `Vec`, a slice, a `std::vector`).

use super::super::capped;
use super::super::context::ObjectContext;
use crate::error::{Error, Result};
use crate::values::children::RawChild;
use crate::values::cxx;
use crate::values::{ChildKind, TypeKind};

/// Elements `start..start + count` of the array at the pointer `data` (of the type it points to), `len` long.
pub(crate) fn children(
    cx: &mut ObjectContext<'_>,
    data: &str,
    len: &str,
    start: u64,
    count: usize,
) -> Result<Vec<RawChild>> {
    let pointer = cx.value(data)?;
    let TypeKind::Pointer { target: Some(element), .. } = pointer.ty.kind else {
        return Err(Error::msg(format!("'{data}' is not a typed pointer")));
    };
    let address = cxx::as_number(&pointer)?;
    let len = capped(cx.number(len)?, true).count;
    let ty =
        cx.reader().type_of(element).ok_or_else(|| Error::msg(format!("the type '{data}' points to is unknown")))?;
    let size = ty.size.unwrap_or(0);
    let end = len.min(start.saturating_add(count as u64));
    Ok((start..end)
        .map(|i| {
            let at = address.wrapping_add(i.wrapping_mul(size));
            RawChild {
                name: format!("[{i}]"),
                offset: None,
                bits: None,
                value: cx.reader().object(ty.clone(), Some(element), at),
                kind: ChildKind::Element(i),
            }
        })
        .collect())
}
