//! A tagged union's active alternative (libstdc++'s `std::variant`): every alternative starts at the storage (a
//! union of them), and the index names which is alive as a position among the type's template arguments.

use super::super::Alternative;
use super::super::context::ObjectContext;
use crate::error::{Error, Result};
use crate::values::children::RawChild;
use crate::values::{ChildKind, Value};

/// The index and value of the alternative alive; `None` when none is (an index past the alternatives:
/// `valueless_by_exception`).
pub(crate) fn active(cx: &mut ObjectContext<'_>, alternative: &Alternative) -> Result<Option<(u64, Value)>> {
    let index = cx.number(alternative.index)?;
    let storage = cx.value(alternative.storage)?;
    let address = storage.address.ok_or_else(|| Error::msg(format!("'{}' is not in memory", alternative.storage)))?;
    let Some(n) = usize::try_from(index).ok().and_then(|i| i.checked_add(1)) else { return Ok(None) };
    let Some((ty, id)) = cx.template_arg(n) else { return Ok(None) };
    Ok(Some((index, cx.reader().object(ty, Some(id), address))))
}

/// `[index]` and the alive alternative's `[value]`, from `start`, at most `count`.
pub(crate) fn children(
    cx: &mut ObjectContext<'_>,
    alternative: &Alternative,
    start: u64,
    count: usize,
) -> Result<Vec<RawChild>> {
    let index = cx.value(alternative.index)?;
    let item =
        |name: &str, value| RawChild { name: name.into(), offset: None, bits: None, value, kind: ChildKind::Item };
    let mut out = vec![item("[index]", index)];
    if let Some((_, value)) = active(cx, alternative)? {
        out.push(item("[value]", value));
    }
    Ok(out.into_iter().skip(start as usize).take(count).collect())
}
