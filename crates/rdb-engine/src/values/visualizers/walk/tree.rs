//! A red-black tree's elements in order (libstdc++'s `_Rb_tree`: `std::map`, `std::set` and their multi- kinds).
//! Each node starts with its links (colour, parent, left, right) and its element follows them; the header node
//! is the end: its parent is the root, its left the first node. The successor of a node is found as libstdc++'s
//! `_Rb_tree_increment` finds it, through parent links, with a budget of steps: a corrupt tree (a cycle, a link
//! into nowhere) ends the walk early instead of running on.

use std::collections::HashSet;

use super::super::context::ObjectContext;
use super::super::{Arg, EntryParts, capped};
use super::{element_child, element_type, find_member, word};
use crate::error::{Error, Result};
use crate::values::children::{RawChild, Reader};

/// A tree as a definition names it (see [`Children::Tree`](super::super::Children::Tree)).
pub(crate) struct Tree<'a> {
    pub header: &'a str,
    pub links: (&'a str, &'a str, &'a str),
    pub count: &'a str,
    pub value: &'a Arg,
    pub entry: EntryParts,
}

/// The offsets of a node's parent, left and right links.
#[derive(Clone, Copy)]
struct Links {
    parent: u64,
    left: u64,
    right: u64,
}

/// Elements `start..start + count` of the tree, in order.
pub(crate) fn children(cx: &mut ObjectContext<'_>, tree: &Tree<'_>, start: u64, count: usize) -> Result<Vec<RawChild>> {
    let header = cx.value(tree.header)?;
    let head = header.address.ok_or_else(|| Error::msg(format!("'{}' is not in memory", tree.header)))?;
    let (parent, left, right) = tree.links;
    let mut link = |name: &str| {
        find_member(cx.reader(), &header.ty, name, 0)
            .map(|(offset, _)| offset)
            .ok_or_else(|| Error::msg(format!("'{}' has no link '{name}'", tree.header)))
    };
    let links = Links { parent: link(parent)?, left: link(left)?, right: link(right)? };
    // The element follows the node's links: a node is the header's type and then the element.
    let node_size = header.ty.size.unwrap_or(0);
    let len = capped(cx.number(tree.count)?, true).count;
    let (ty, id) = element_type(cx, tree.value)?;
    let end = len.min(start.saturating_add(count as u64));
    let reader = cx.reader();
    let mut budget = Budget(4u64.saturating_mul(end).saturating_add(256));
    let mut node = word(reader, head.wrapping_add(links.left))?;
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let mut index = 0u64;
    while index < end && node != head && node != 0 && seen.insert(node) {
        if index >= start {
            out.push(element_child(reader, &ty, id, node.wrapping_add(node_size), index, tree.entry));
        }
        index += 1;
        match successor(reader, node, links, &mut budget) {
            Some(next) => node = next,
            None => break,
        }
    }
    Ok(out)
}

/// Steps a walk may still take.
struct Budget(u64);

impl Budget {
    fn step(&mut self) -> Option<()> {
        self.0 = self.0.checked_sub(1)?;
        Some(())
    }
}

/// The node after `node` in order (the header after the last), as `_Rb_tree_increment` finds it.
fn successor(reader: &mut dyn Reader, node: u64, links: Links, budget: &mut Budget) -> Option<u64> {
    let mut x = node;
    let right = reader.word(x.wrapping_add(links.right))?;
    if right != 0 {
        x = right;
        loop {
            budget.step()?;
            let left = reader.word(x.wrapping_add(links.left))?;
            if left == 0 {
                return Some(x);
            }
            x = left;
        }
    }
    let mut y = reader.word(x.wrapping_add(links.parent))?;
    while y != 0 && x == reader.word(y.wrapping_add(links.right))? {
        budget.step()?;
        x = y;
        y = reader.word(y.wrapping_add(links.parent))?;
    }
    // At the root of a tree whose header is its parent's right: the header itself is next (the end).
    if reader.word(x.wrapping_add(links.right))? != y { Some(y) } else { Some(x) }
}
