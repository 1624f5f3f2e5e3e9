//! A linked list's elements (libstdc++'s `std::list`, doubly linked around a sentinel node, and a hash table's
//! singly linked node list from `_M_before_begin`): from the head node's `next` link, node after node, until the
//! head again, a null link, the count, or a node seen before (a corrupt list's cycle).

use std::collections::HashSet;

use super::super::context::ObjectContext;
use super::super::{Arg, EntryParts, capped};
use super::{element_child, element_type, find_member, word};
use crate::error::{Error, Result};
use crate::values::MAX_CONTAINER;
use crate::values::TypeKind;
use crate::values::children::RawChild;

/// A list as a definition names it (see [`Children::List`](super::super::Children::List)).
pub(crate) struct List<'a> {
    pub head: &'a str,
    pub next: &'a str,
    pub count: &'a str,
    pub value: &'a Arg,
    pub entry: EntryParts,
}

/// Elements `start..start + count` of the list.
pub(crate) fn children(cx: &mut ObjectContext<'_>, list: &List<'_>, start: u64, count: usize) -> Result<Vec<RawChild>> {
    let head = cx.value(list.head)?;
    let head_at = head.address.ok_or_else(|| Error::msg(format!("'{}' is not in memory", list.head)))?;
    let (next_at, next_id) = find_member(cx.reader(), &head.ty, list.next, 0)
        .ok_or_else(|| Error::msg(format!("'{}' has no link '{}'", list.head, list.next)))?;
    // A node is its links (the type the link points to) and then the element.
    let link = cx.reader().type_of(next_id);
    let node_size = match link.map(|t| t.kind) {
        Some(TypeKind::Pointer { target: Some(target), .. }) => cx.reader().type_of(target).and_then(|t| t.size),
        _ => None,
    }
    .ok_or_else(|| Error::msg(format!("the link '{}' is not a pointer to a node", list.next)))?;
    // A list that does not count its nodes (the old ABI's `std::list`) ends at its head.
    let len = if list.count.is_empty() { MAX_CONTAINER } else { capped(cx.number(list.count)?, true).count };
    let (ty, id) = element_type(cx, list.value)?;
    let end = len.min(start.saturating_add(count as u64));
    let reader = cx.reader();
    let mut node = word(reader, head_at.wrapping_add(next_at))?;
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let mut index = 0u64;
    while index < end && node != head_at && node != 0 && seen.insert(node) {
        if index >= start {
            out.push(element_child(reader, &ty, id, node.wrapping_add(node_size), index, list.entry));
        }
        index += 1;
        match reader.word(node.wrapping_add(next_at)) {
            Some(next) => node = next,
            None => break,
        }
    }
    Ok(out)
}

/// The most nodes a list that does not count them is walked to count (a corrupt one's chain through memory ends
/// here rather than after [`MAX_CONTAINER`] reads).
const MAX_COUNTED: u64 = 1 << 20;

/// How many nodes a list that does not count them has: walked to its head (at most [`MAX_COUNTED`], each node
/// once).
pub(crate) fn length(cx: &mut ObjectContext<'_>, list: &List<'_>) -> Result<u64> {
    let head = cx.value(list.head)?;
    let head_at = head.address.ok_or_else(|| Error::msg(format!("'{}' is not in memory", list.head)))?;
    let (next_at, _) = find_member(cx.reader(), &head.ty, list.next, 0)
        .ok_or_else(|| Error::msg(format!("'{}' has no link '{}'", list.head, list.next)))?;
    let reader = cx.reader();
    let mut node = word(reader, head_at.wrapping_add(next_at))?;
    let mut seen = HashSet::new();
    while node != head_at && node != 0 && (seen.len() as u64) < MAX_COUNTED && seen.insert(node) {
        match reader.word(node.wrapping_add(next_at)) {
            Some(next) => node = next,
            None => break,
        }
    }
    Ok(seen.len() as u64)
}
