//! Visualizers: how the types of a language's libraries show (a Rust `Vec` as its elements, a `std::string` as its
//! text), as natvis describes them for WinDbg and Visual Studio. The knowledge of each library's layout lives here
//! alone, as data (`rust_std.rs`, `libstdcxx.rs`): which types a definition serves, and member paths and types
//! written as C++ expressions over the object. The code that walks each kind of container is in `walk/`; the value
//! model asks [`line`], [`children`], [`expansion`] and [`element`], so every front end (the console's `dx`, DAP's
//! `variables`, Python's values) shows the same.
//!
//! A library's layout differs between its versions (rustc's `RawVec` gained a `RawVecInner`): a second layout is one
//! more definition for the same types, tried when the first one's paths do not evaluate.

mod context;
mod libstdcxx;
mod rust_std;
mod walk;

use super::children::{RawChild, Reader};
use super::summary::{read_string, summary_of};
use super::{ChildKind, Expansion, MAX_CONTAINER, Summary, TypeKind, Value, ValueBytes, language_text};
use crate::error::{Error, Result};
use context::ObjectContext;

/// One library type's visualizer: which types it serves and how their values show.
pub(crate) struct Visualizer {
    /// Patterns over the type's name as the debug information writes it (`*` any text): `alloc::vec::Vec<*>`.
    pub types: &'static [&'static str],
    /// What a value shows as on one line.
    pub line: Line,
    /// What its children are.
    pub children: Children,
}

/// A visualized value's one line.
pub(crate) enum Line {
    /// As the value shows without a visualizer (a record: its type), for a definition that only gives children.
    Plain,
    /// Text: `len` bytes of UTF-8 at the pointer `data` (a `String`, a `std::string`).
    Text { data: &'static str, len: &'static str },
    /// A line made from a format: each `{expression}` is replaced by that value as the language writes it
    /// (`{ len={len} }`); `{{` and `}}` are braces.
    Format(&'static str),
    /// The line of the value an expression gives (a `Box` shows as what it holds).
    Child(&'static str),
    /// One line or another, as the expression `test` is true (non-zero) or not (`std::optional`: its value, or
    /// `nullopt`).
    When { test: &'static str, then: &'static Line, otherwise: &'static Line },
    /// The line of a tagged union's active alternative (`std::variant`), or `valueless`.
    Alternative(Alternative),
}

/// A tagged union whose alternatives all start at `storage` (a `union` of them): the one alive is template argument
/// `index + 1` of the type (`std::variant<int, std::string>`: `$T2` when `index` is 1); `index` at or past the
/// type's template arguments (libstdc++'s `variant_npos` in the index's width) is none.
pub(crate) struct Alternative {
    pub index: &'static str,
    pub storage: &'static str,
}

/// The type of a container's elements, as one of the template arguments of the type of a member (`_M_t`'s second,
/// for a `std::map`: its `std::pair<const K, V>`); `of` empty: of the visualized type itself.
pub(crate) struct Arg {
    pub of: &'static str,
    pub n: usize,
}

/// Which members of an element are a map entry's key and value (`first`, `second`); `None`: the element is shown
/// whole (a set's, a list's).
pub(crate) type EntryParts = Option<(&'static str, &'static str)>;

/// A visualized value's children.
pub(crate) enum Children {
    /// The record's own members, for a definition that only gives a line.
    #[allow(dead_code)]
    Members,
    /// `len` elements at the pointer `data`, of the type it points to.
    Array { data: &'static str, len: &'static str },
    /// Named children, each an expression (`("[strong]", "ptr.pointer->strong.value.value")`); one that does not
    /// evaluate (a weak pointer's value once dropped) is left out.
    Items(&'static [(&'static str, &'static str)]),
    /// The children of the value an expression gives (a `Box`'s: those of what it holds).
    Through(&'static str),
    /// A ring buffer's elements in order from its head (`VecDeque`): `walk/ring.rs`.
    Ring(walk::ring::Ring),
    /// A SwissTable's full buckets (hashbrown's, `HashMap`, `HashSet`): `walk/hash_table.rs`.
    HashTable(walk::hash_table::HashTable),
    /// A B-tree's entries in key order (`BTreeMap`, `BTreeSet`): `walk/btree.rs`.
    BTree(walk::btree::BTree),
    /// One set of children or another, as the expression `test` is true or not.
    When { test: &'static str, then: &'static Children, otherwise: &'static Children },
    /// A red-black tree's nodes in order (`std::map`, `std::set`), walked by `walk/tree.rs`: `header` the tree's
    /// header node (its `parent` the root, its `left` the first node, itself the end), `count` how many nodes;
    /// each node's element follows its links, of type `value`.
    Tree {
        header: &'static str,
        links: (&'static str, &'static str, &'static str),
        count: &'static str,
        value: Arg,
        entry: EntryParts,
    },
    /// A linked list's nodes (`std::list`, a hash table's node list), walked by `walk/list.rs`: from the node
    /// `head`'s `next` link, one node after another until `head` again (a list with a sentinel) or a null link,
    /// at most `count`; each node's element follows its link part, of type `value`.
    List { head: &'static str, next: &'static str, count: &'static str, value: Arg, entry: EntryParts },
    /// A double-ended queue's elements in buffers (`std::deque`), walked by `walk/deque.rs`: the buffer pointers
    /// from `map_node` on, `per_buffer` elements each, the first element `skip` into the first buffer, whose
    /// start is the element pointer `first`.
    Deque {
        map_node: &'static str,
        first: &'static str,
        skip: &'static str,
        per_buffer: &'static str,
        len: &'static str,
    },
    /// `len` bits from the word pointer `data`, as booleans (`std::vector<bool>`); the first at bit `offset`.
    Bits { data: &'static str, offset: &'static str, len: &'static str },
    /// A tagged union's `[index]` and its active alternative's `[value]` (`std::variant`).
    Alternative(Alternative),
}

/// Every library's definitions, tried in this order.
const TABLES: &[&[Visualizer]] = &[rust_std::RUST_STD, libstdcxx::LIBSTDCXX];

/// How many visualized lines are composed inside one another before the rest shows as `...` (a list that
/// contains itself ends).
const MAX_NESTING: usize = 4;

/// The most control bytes or nodes a walk reads of one container.
pub(super) const MAX_CONTAINER_SCAN: u64 = MAX_CONTAINER * 4;

/// The definitions whose patterns match the type of `value` (a record, or a pointer a library names: Rust's
/// `Box`), in the order they are tried.
fn candidates(value: &Value) -> impl Iterator<Item = &'static Visualizer> + use<'_> {
    let name = match value.ty.kind {
        // A `const std::string` (a map's key) is a string too; a `Box` is a pointer in rustc's DWARF.
        TypeKind::Record { .. } | TypeKind::Pointer { .. } => {
            value.ty.name.trim_start_matches("const ").trim_start_matches("volatile ")
        }
        _ => "",
    };
    TABLES
        .iter()
        .flat_map(|table| table.iter())
        .filter(move |v| !name.is_empty() && v.types.iter().any(|p| crate::wildcard::matches(p, name)))
}

/// The line of `value` by the first definition that knows its type and whose paths evaluate; `None` where none
/// does. `depth` counts the lines being composed around this one.
pub(crate) fn line(value: &Value, reader: &mut dyn Reader, depth: usize) -> Option<Summary> {
    for visualizer in candidates(value) {
        if depth > MAX_NESTING {
            return Some(Summary::Line("...".into()));
        }
        // A definition whose paths fail is not this value's layout: the next one is tried, and a type no
        // definition fits keeps its plain line.
        if let Ok(line) = line_by(visualizer, value, reader, depth) {
            return line;
        }
    }
    None
}

/// The value whose line `value`'s line is, where a visualizer shows it as another (a `Box`, an `Rc`: what they
/// hold); a language writing a value inside a line writes that one's fields, not the holder's.
pub(crate) fn line_value(value: &Value, reader: &mut dyn Reader) -> Option<Value> {
    candidates(value).find_map(|visualizer| {
        let Line::Child(expr) = &visualizer.line else { return None };
        fits(visualizer, value, reader).ok()?;
        ObjectContext::new(value, reader).value(expr).ok()
    })
}

fn line_by(visualizer: &Visualizer, value: &Value, reader: &mut dyn Reader, depth: usize) -> Result<Option<Summary>> {
    // Check that the definition's children paths fit this layout too, so the line and the children come from the
    // same definition.
    fits(visualizer, value, reader)?;
    chosen_line(&visualizer.line, &mut ObjectContext::new(value, reader), depth)
}

/// A visualizer's line over the object of `cx`; one that depends on the object's state (`When`, `Alternative`)
/// is chosen by it.
fn chosen_line(line: &Line, cx: &mut ObjectContext<'_>, depth: usize) -> Result<Option<Summary>> {
    Ok(Some(match line {
        Line::Plain => return Ok(None),
        Line::Text { data, len } => {
            let address = cx.number(data)?;
            let len = cx.number(len)?;
            Summary::Text(text_at(cx.reader(), address, len))
        }
        Line::Format(format) => Summary::Line(formatted(format, cx, depth)?),
        Line::Child(expr) => {
            let child = cx.value(expr)?;
            summary_of(&child, cx.reader(), depth + 1)
        }
        Line::When { test, then, otherwise } => {
            let chosen = if cx.number(test)? != 0 { then } else { otherwise };
            return chosen_line(chosen, cx, depth);
        }
        Line::Alternative(alternative) => match walk::alternative::active(cx, alternative)? {
            Some((index, value)) => {
                let text = language_text(&summary_of(&value, cx.reader(), depth + 1));
                Summary::Line(format!("[index {index}] {text}"))
            }
            None => Summary::Line("valueless".into()),
        },
    }))
}

/// Whether the paths `visualizer`'s children need evaluate on `value`.
fn fits(visualizer: &Visualizer, value: &Value, reader: &mut dyn Reader) -> Result<()> {
    let mut cx = ObjectContext::new(value, reader);
    match &visualizer.children {
        Children::Members | Children::Items(_) => Ok(()),
        Children::Array { data, len } => {
            cx.value(data)?;
            cx.value(len).map(|_| ())
        }
        Children::Through(expr) => cx.value(expr).map(|_| ()),
        Children::Ring(ring) => walk::ring::length(&mut cx, ring).map(|_| ()),
        Children::HashTable(table) => walk::hash_table::length(&mut cx, table).map(|_| ()),
        Children::BTree(tree) => walk::btree::length(&mut cx, tree).and_then(|_| cx.value(tree.root)).map(|_| ()),
        Children::When { test, .. } => cx.value(test).map(|_| ()),
        Children::Tree { header, count, .. } => {
            cx.value(header)?;
            cx.value(count).map(|_| ())
        }
        Children::List { head, count, .. } => {
            cx.value(head)?;
            if count.is_empty() { Ok(()) } else { cx.value(count).map(|_| ()) }
        }
        Children::Deque { map_node, first, len, .. } => {
            cx.value(map_node)?;
            cx.value(first)?;
            cx.value(len).map(|_| ())
        }
        Children::Bits { data, len, .. } => {
            cx.value(data)?;
            cx.value(len).map(|_| ())
        }
        Children::Alternative(a) => cx.value(a.index).map(|_| ()),
    }
}

/// The text of `len` bytes at `address`, cut at [`MAX_STRING`](super::summary::MAX_STRING) bytes as a long C
/// string is.
fn text_at(reader: &mut dyn Reader, address: u64, len: u64) -> String {
    let shown = len.min(super::summary::MAX_STRING as u64) as usize;
    let mut bytes = vec![0u8; shown];
    if shown > 0 && reader.memory().read_exact(address, &mut bytes).is_err() {
        // Unreadable at once: what a C string read finds there (up to the page it can read).
        return read_string(reader.memory(), address).unwrap_or_default();
    }
    let mut text = String::from_utf8_lossy(&bytes).into_owned();
    if (shown as u64) < len {
        text.push_str("...");
    }
    text
}

/// A format with each `{expression}` replaced by its value's text.
fn formatted(format: &str, cx: &mut ObjectContext<'_>, depth: usize) -> Result<String> {
    let mut out = String::new();
    let mut rest = format;
    while let Some(at) = rest.find(['{', '}']) {
        out.push_str(&rest[..at]);
        let brace = rest.as_bytes()[at];
        rest = &rest[at + 1..];
        if rest.as_bytes().first() == Some(&brace) {
            out.push(char::from(brace));
            rest = &rest[1..];
            continue;
        }
        if brace == b'}' {
            return Err(Error::msg(format!("a visualizer's format has a stray '}}': {format}")));
        }
        let end = rest.find('}').ok_or_else(|| Error::msg(format!("a visualizer's format is not closed: {format}")))?;
        let value = cx.value(&rest[..end])?;
        let summary = summary_of(&value, cx.reader(), depth + 1);
        out.push_str(&language_text(&summary));
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The children of `value` from `start`, at most `count`, by the first definition that knows its type and whose
/// paths evaluate; `None` where none does (the value's own members are shown).
pub(crate) fn children(value: &Value, start: u64, count: usize, reader: &mut dyn Reader) -> Option<Vec<RawChild>> {
    by_first_fitting(value, reader, |children, cx| children_by(children, cx, start, count))
}

/// What `question` answers of the children definition of the first visualizer that knows `value`'s type and
/// whose paths evaluate over it; `None` where none does, or where that definition shows the value's own members
/// (`question`'s `Ok(None)`).
fn by_first_fitting<T>(
    value: &Value,
    reader: &mut dyn Reader,
    mut question: impl FnMut(&Children, &mut ObjectContext<'_>) -> Result<Option<T>>,
) -> Option<T> {
    for visualizer in candidates(value) {
        if fits(visualizer, value, reader).is_err() {
            continue;
        }
        // A definition whose paths fail on this object is not its layout: the next one is tried.
        if let Ok(found) = question(&visualizer.children, &mut ObjectContext::new(value, reader)) {
            return found;
        }
    }
    None
}

/// The children `children` defines over the object of `cx`; `Ok(None)`: the object's own members.
fn children_by(
    children: &Children,
    cx: &mut ObjectContext<'_>,
    start: u64,
    count: usize,
) -> Result<Option<Vec<RawChild>>> {
    Ok(Some(match children {
        Children::Members => return Ok(None),
        Children::Array { data, len } => walk::array::children(cx, data, len, start, count)?,
        Children::Items(items) => items_of(cx, items, start, count),
        Children::Through(expr) => {
            let inner = cx.value(expr)?;
            let mut found = super::children::children(&inner, expr, start as usize, count, cx.reader());
            // What a pointer that is not to a record points to is named as the object's value, not by the path.
            for child in found.iter_mut().filter(|c| matches!(c.kind, ChildKind::Pointee)) {
                child.name = "[value]".into();
            }
            found
        }
        Children::When { test, then, otherwise } => {
            let chosen = if cx.number(test)? != 0 { then } else { otherwise };
            return children_by(chosen, cx, start, count);
        }
        Children::Tree { header, links, count: n, value, entry } => walk::tree::children(
            cx,
            &walk::tree::Tree { header, links: *links, count: n, value, entry: *entry },
            start,
            count,
        )?,
        Children::List { head, next, count: n, value, entry } => {
            walk::list::children(cx, &walk::list::List { head, next, count: n, value, entry: *entry }, start, count)?
        }
        Children::Deque { map_node, first, skip, per_buffer, len } => {
            let deque = walk::deque::Deque { map_node, first, skip, per_buffer, len };
            walk::deque::children(cx, &deque, start, count)?
        }
        Children::Bits { data, offset, len } => walk::bits::children(cx, data, offset, len, start, count)?,
        Children::Alternative(alternative) => walk::alternative::children(cx, alternative, start, count)?,
        Children::Ring(ring) => walk::ring::children(cx, ring, start, count)?,
        Children::HashTable(table) => walk::hash_table::children(cx, table, start, count)?,
        Children::BTree(tree) => walk::btree::children(cx, tree, start, count)?,
    }))
}

/// How many children `children` defines over the object of `cx`; `Ok(None)`: the object's own members.
fn expansion_by(children: &Children, cx: &mut ObjectContext<'_>) -> Result<Option<Expansion>> {
    Ok(Some(match children {
        Children::Members => return Ok(None),
        Children::Array { len, .. } | Children::Deque { len, .. } | Children::Bits { len, .. } => {
            capped(cx.number(len)?, true)
        }
        Children::Items(items) => {
            let n = items_of(cx, items, 0, items.len()).len() as u64;
            Expansion { count: n, indexed: false, entries: false, claimed: None }
        }
        Children::Through(expr) => {
            let inner = cx.value(expr)?;
            super::children::expansion(&inner, cx.reader())
        }
        Children::When { test, then, otherwise } => {
            let chosen = if cx.number(test)? != 0 { then } else { otherwise };
            return expansion_by(chosen, cx);
        }
        Children::List { head, next, count: "", value, entry } => {
            let list = walk::list::List { head, next, count: "", value, entry: *entry };
            let n = walk::list::length(cx, &list)?;
            Expansion { count: n, indexed: entry.is_none(), entries: entry.is_some(), claimed: None }
        }
        Children::Tree { count, entry, .. } | Children::List { count, entry, .. } => {
            capped(cx.number(count)?, entry.is_none())
        }
        Children::Alternative(alternative) => {
            let n = if walk::alternative::active(cx, alternative)?.is_some() { 2 } else { 1 };
            Expansion { count: n, indexed: false, entries: false, claimed: None }
        }
        Children::Ring(ring) => capped(walk::ring::length(cx, ring)?, true),
        Children::HashTable(table) => capped(walk::hash_table::length(cx, table)?, !table.map),
        Children::BTree(tree) => capped(walk::btree::length(cx, tree)?, tree.vals.is_none()),
    }))
}

/// How many children `value` has by the first definition that knows its type; `None` where none does.
pub(crate) fn expansion(value: &Value, reader: &mut dyn Reader) -> Option<Expansion> {
    by_first_fitting(value, reader, expansion_by)
}

/// Element `index` of a container a visualizer shows (`v[5000]`); `None` where no visualizer knows `value`.
pub(crate) fn element(value: &Value, index: i64, reader: &mut dyn Reader) -> Option<Result<Value>> {
    let counted = expansion(value, reader)?;
    // A value shown as named items (a `String`'s `[len]` and `[capacity]`, an `Rc`'s `[strong]`) has no elements
    // of its own: a string's index is a character of its text (`s[0]`), anything else's is refused.
    if !counted.indexed && !counted.entries {
        return Some(
            text_element(value, index, reader)
                .unwrap_or_else(|| Err(Error::msg(format!("'{}' cannot be indexed", value.ty.name)))),
        );
    }
    let Some(index) = u64::try_from(index).ok().filter(|&i| i < counted.count) else {
        return Some(Err(Error::msg(format!(
            "index {index} is outside '{}', which has {} elements",
            value.ty.name, counted.count
        ))));
    };
    let mut found = children(value, index, 1, reader)?;
    Some(if found.is_empty() {
        Err(Error::msg(format!("element {index} of '{}' cannot be read", value.ty.name)))
    } else {
        Ok(found.swap_remove(0).value)
    })
}

/// Character `index` of a value a visualizer shows as text (`std::string`, `String`, `&str`), within its length;
/// `None` where no such visualizer fits.
fn text_element(value: &Value, index: i64, reader: &mut dyn Reader) -> Option<Result<Value>> {
    candidates(value).find_map(|visualizer| {
        let Line::Text { data, len } = visualizer.line else { return None };
        fits(visualizer, value, reader).ok()?;
        let mut cx = ObjectContext::new(value, reader);
        let len = cx.number(len).ok()?;
        Some(match u64::try_from(index).ok().filter(|&i| i < len) {
            Some(i) => cx.value(&format!("({data})[{i}]")),
            None => Err(Error::msg(format!("index {index} is outside '{}', which is {len} long", value.ty.name))),
        })
    })
}

/// A container's length as shown: at most [`MAX_CONTAINER`], with the length it claimed where that was more; a
/// container's children are its elements (`indexed`) or else its entries.
pub(super) fn capped(len: u64, indexed: bool) -> Expansion {
    if len > MAX_CONTAINER {
        Expansion { count: MAX_CONTAINER, indexed, entries: !indexed, claimed: Some(len) }
    } else {
        Expansion { count: len, indexed, entries: !indexed, claimed: None }
    }
}

/// The named children of `items` that evaluate, from `start`, at most `count`.
fn items_of(
    cx: &mut ObjectContext<'_>,
    items: &[(&'static str, &'static str)],
    start: u64,
    count: usize,
) -> Vec<RawChild> {
    items
        .iter()
        .filter_map(|(name, expr)| {
            // A value that cannot be read (what a dangling `Weak` points to) is left out as one that does not
            // evaluate is.
            let value = cx.value(expr).ok().filter(|v| !matches!(v.bytes, ValueBytes::MemoryError(_)))?;
            Some(RawChild { name: (*name).into(), offset: None, bits: None, value, kind: ChildKind::Item })
        })
        .skip(start as usize)
        .take(count)
        .collect()
}

#[cfg(test)]
mod tests;
