//! A B-tree (Rust's `BTreeMap` and `BTreeSet`): nodes of up to eleven keys (and values), an internal node's
//! edges between them; walked in order from the root, to the height the tree says. Each node is visited once
//! (a cycle ends the walk) and the height and the entries shown are capped, so a corrupt tree is never read for
//! ever.

use std::collections::HashSet;

use super::super::context::ObjectContext;
use super::super::{MAX_CONTAINER_SCAN, capped};
use crate::error::{Error, Result};
use crate::values::children::RawChild;
use crate::values::summary::summary_of;
use crate::values::{ChildKind, Type, TypeId, TypeKind, Value, cxx, language_text};

/// Where a tree and its nodes keep what the walk needs, as paths: over the object, its root node's pointer, the
/// root's height and the entry count; over a node, its key count, its key and value slot arrays, its edges (an
/// internal node's), and the path from a slot to what it holds (`MaybeUninit<K>` → `K`). An internal node's type
/// is named as its leaf type is, with `leaf` replaced by `internal` (`LeafNode<` → `InternalNode<`).
pub(crate) struct BTree {
    pub root: &'static str,
    pub height: &'static str,
    pub len: &'static str,
    pub node_len: &'static str,
    pub keys: &'static str,
    /// `None` for a set (its values take no space).
    pub vals: Option<&'static str>,
    pub edges: &'static str,
    pub slot: &'static str,
    pub edge_slot: &'static str,
    pub leaf: &'static str,
    pub internal: &'static str,
}

/// The most levels a tree is followed down (a tree of 2^24 entries is about ten deep).
const MAX_HEIGHT: u64 = 48;

/// How many entries the tree holds, as it says.
pub(crate) fn length(cx: &mut ObjectContext<'_>, tree: &BTree) -> Result<u64> {
    cx.number(tree.len)
}

/// Entries `start..start + count` of the tree, in key order.
pub(crate) fn children(cx: &mut ObjectContext<'_>, tree: &BTree, start: u64, count: usize) -> Result<Vec<RawChild>> {
    let root = cx.value(tree.root)?;
    let TypeKind::Pointer { target: Some(leaf_id), .. } = root.ty.kind else {
        return Err(Error::msg(format!("'{}' is not a typed pointer", tree.root)));
    };
    let height = cx.number(tree.height)?;
    if height > MAX_HEIGHT {
        return Err(Error::msg(format!("a B-tree {height} levels high is corrupt")));
    }
    let total = capped(length(cx, tree)?, tree.vals.is_none()).count;
    let leaf = cx.reader().type_of(leaf_id).ok_or_else(|| Error::msg("a B-tree's node type is unknown"))?;
    let internal_name = leaf.name.replacen(tree.leaf, tree.internal, 1);
    let internal = cx
        .reader()
        .named_type(&internal_name, Some(leaf_id))
        .ok_or_else(|| Error::msg(format!("no type '{internal_name}' for a B-tree's internal nodes")))?;
    let mut walk = Walk {
        tree,
        leaf: (leaf, leaf_id),
        internal,
        start,
        wanted: total.min(start.saturating_add(count as u64)),
        seen: 0,
        visited: HashSet::new(),
        out: Vec::new(),
    };
    walk.node(cx, cxx::as_number(&root)?, height)?;
    Ok(walk.out)
}

struct Walk<'t> {
    tree: &'t BTree,
    leaf: (Type, TypeId),
    internal: (Type, TypeId),
    start: u64,
    wanted: u64,
    /// Entries passed so far, in order.
    seen: u64,
    visited: HashSet<u64>,
    out: Vec<RawChild>,
}

impl Walk<'_> {
    /// The entries of the node at `address`, `height` levels above the leaves, in order.
    fn node(&mut self, cx: &mut ObjectContext<'_>, address: u64, height: u64) -> Result<()> {
        if self.seen >= self.wanted {
            return Ok(());
        }
        // A node met twice is a cycle; too many nodes a corrupt tree.
        if !self.visited.insert(address) || self.visited.len() as u64 > MAX_CONTAINER_SCAN {
            return Err(Error::msg(format!("a B-tree's node {address:#x} is reached twice: the tree is corrupt")));
        }
        let (ty, id) = if height > 0 { self.internal.clone() } else { self.leaf.clone() };
        let node = cx.reader().object(ty, Some(id), address);
        let mut on = ObjectContext::new(&node, cx.reader());
        // An internal node starts with its leaf part (`data`), whose fields the paths name.
        let base = if height > 0 { "data." } else { "" };
        let len = on.number(&format!("{base}{}", self.tree.node_len))?.min(64);
        for i in 0..=len {
            if height > 0 {
                let edge = on.number(&format!("{}[{i}].{}", self.tree.edges, self.tree.edge_slot))?;
                let mut cx = ObjectContext::new(&node, on.reader());
                self.node(&mut cx, edge, height - 1)?;
            }
            if i == len || self.seen >= self.wanted {
                break;
            }
            if self.seen >= self.start {
                let key = on.value(&format!("{base}{}[{i}].{}", self.tree.keys, self.tree.slot))?;
                let child = match self.tree.vals {
                    Some(vals) => {
                        let value = on.value(&format!("{base}{vals}[{i}].{}", self.tree.slot))?;
                        let text = language_text(&summary_of(&key, on.reader(), 1));
                        entry(format!("[{text}]"), value, key)
                    }
                    None => RawChild {
                        name: format!("[{}]", self.seen),
                        offset: None,
                        bits: None,
                        value: key,
                        kind: ChildKind::Element(self.seen),
                    },
                };
                self.out.push(child);
            }
            self.seen += 1;
        }
        Ok(())
    }
}

fn entry(name: String, value: Value, key: Value) -> RawChild {
    RawChild { name, offset: None, bits: None, value, kind: ChildKind::Entry { key: Box::new(key) } }
}
