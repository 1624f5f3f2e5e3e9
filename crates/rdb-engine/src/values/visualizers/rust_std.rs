//! The Rust standard library's types as Rust shows them, as data: which types, and the member paths of their
//! layouts as rustc lays them out. Where rustc changed a layout, the newer one comes first and the older one is
//! one more entry.

use super::walk::btree::BTree;
use super::walk::hash_table::HashTable;
use super::walk::ring::Ring;
use super::{Children, Line, Visualizer};

pub(super) const RUST_STD: &[Visualizer] = &[
    // `&str`: a fat pointer, `{ data_ptr, length }`.
    Visualizer {
        types: &["&str", "&mut str"],
        line: Line::Text { data: "data_ptr", len: "length" },
        children: Children::Items(&[("[len]", "length")]),
    },
    // `String { vec: Vec<u8> }`; `Vec { buf: RawVec { inner: RawVecInner { ptr, cap, .. } }, len }` (rustc 1.80
    // and later: the buffer's pointer is untyped).
    Visualizer {
        types: &["alloc::string::String"],
        line: Line::Text { data: "vec.buf.inner.ptr.pointer.pointer", len: "vec.len" },
        children: Children::Items(&[("[len]", "vec.len"), ("[capacity]", "vec.buf.inner.cap.__0")]),
    },
    // Before rustc 1.80: `RawVec { ptr: Unique<T>, cap, alloc }`.
    Visualizer {
        types: &["alloc::string::String"],
        line: Line::Text { data: "vec.buf.ptr.pointer.pointer", len: "vec.len" },
        children: Children::Items(&[("[len]", "vec.len"), ("[capacity]", "vec.buf.cap")]),
    },
    Visualizer {
        types: &["alloc::vec::Vec<*>"],
        line: Line::Format("{{ len={len} }}"),
        children: Children::Array { data: "($T1 *)buf.inner.ptr.pointer.pointer", len: "len" },
    },
    Visualizer {
        types: &["alloc::vec::Vec<*>"],
        line: Line::Format("{{ len={len} }}"),
        children: Children::Array { data: "buf.ptr.pointer.pointer", len: "len" },
    },
    // `Cell<T> { value: UnsafeCell<T> { value: T } }`: shown as what it holds.
    Visualizer {
        types: &["core::cell::Cell<*>"],
        line: Line::Child("value.value"),
        children: Children::Through("value.value"),
    },
    // A slice, `&[T] { data_ptr, length }`: its elements.
    Visualizer {
        types: &["&[*]", "&mut [*]"],
        line: Line::Format("{{ len={length} }}"),
        children: Children::Array { data: "data_ptr", len: "length" },
    },
    // `VecDeque { buf: RawVec, head, len }` (rustc 1.67 and later), its buffer as `Vec`'s: a ring from `head`.
    Visualizer {
        types: &["alloc::collections::vec_deque::VecDeque<*>"],
        line: Line::Format("{{ len={len} }}"),
        children: Children::Ring(Ring {
            data: "($T1 *)buf.inner.ptr.pointer.pointer",
            cap: "buf.inner.cap.__0",
            head: "head",
            len: "len",
        }),
    },
    Visualizer {
        types: &["alloc::collections::vec_deque::VecDeque<*>"],
        line: Line::Format("{{ len={len} }}"),
        children: Children::Ring(Ring { data: "buf.ptr.pointer.pointer", cap: "buf.cap", head: "head", len: "len" }),
    },
    // `Box<T>` is a pointer rustc names `alloc::boxed::Box<T, A>`: shown as what it holds.
    Visualizer { types: &["alloc::boxed::Box<*>"], line: Line::Child("*$this"), children: Children::Through("*$this") },
    // `Rc<T> { ptr: NonNull<RcInner<T> { strong: Cell<usize>, weak: Cell<usize>, value: T }> }` (`RcBox` before
    // rustc 1.84, with the same fields). The weak count kept counts the strong ones' shared weak reference too.
    Visualizer {
        types: &["alloc::rc::Rc<*>"],
        line: Line::Child("ptr.pointer->value"),
        children: Children::Items(&[
            ("[value]", "ptr.pointer->value"),
            ("[strong]", "ptr.pointer->strong.value.value"),
            ("[weak]", "ptr.pointer->weak.value.value - 1"),
        ]),
    },
    Visualizer {
        types: &["alloc::rc::Weak<*>"],
        line: Line::Format("{{ strong={ptr.pointer->strong.value.value}, weak={ptr.pointer->weak.value.value - 1} }}"),
        children: Children::Items(&[
            ("[strong]", "ptr.pointer->strong.value.value"),
            ("[weak]", "ptr.pointer->weak.value.value - 1"),
        ]),
    },
    // `Arc<T> { ptr: NonNull<ArcInner<T> { strong: AtomicUsize, weak: AtomicUsize, data: T }> }`.
    Visualizer {
        types: &["alloc::sync::Arc<*>"],
        line: Line::Child("ptr.pointer->data"),
        children: Children::Items(&[
            ("[value]", "ptr.pointer->data"),
            ("[strong]", "ptr.pointer->strong.v.value"),
            ("[weak]", "ptr.pointer->weak.v.value - 1"),
        ]),
    },
    Visualizer {
        types: &["alloc::sync::Weak<*>"],
        line: Line::Format("{{ strong={ptr.pointer->strong.v.value}, weak={ptr.pointer->weak.v.value - 1} }}"),
        children: Children::Items(&[
            ("[strong]", "ptr.pointer->strong.v.value"),
            ("[weak]", "ptr.pointer->weak.v.value - 1"),
        ]),
    },
    // A `Weak` made by `Weak::new()` points nowhere (`usize::MAX`): as `{:?}` writes every `Weak`.
    Visualizer {
        types: &["alloc::rc::Weak<*>", "alloc::sync::Weak<*>"],
        line: Line::Format("(Weak)"),
        children: Children::Items(&[]),
    },
    // `RefCell<T> { borrow: Cell<isize>, value: UnsafeCell<T> }`: its value, and its borrow state (0 free, n > 0
    // that many shared borrows, negative borrowed mutably).
    Visualizer {
        types: &["core::cell::RefCell<*>"],
        line: Line::Child("value.value"),
        children: Children::Items(&[("[value]", "value.value"), ("[borrow]", "borrow.value.value")]),
    },
    // A borrow, `Ref<T>` or `RefMut<T> { value: NonNull<T>, borrow }`: what it borrows.
    Visualizer {
        types: &["core::cell::Ref<*>", "core::cell::RefMut<*>"],
        line: Line::Child("*value.pointer"),
        children: Children::Through("*value.pointer"),
    },
    // `HashMap { base: hashbrown::HashMap { table: RawTable<(K, V)> { table: RawTableInner { ctrl, bucket_mask,
    // growth_left, items } } } }` (hashbrown 0.11 and later).
    Visualizer {
        types: &["std::collections::hash::map::HashMap<*>"],
        line: Line::Format("{{ len={base.table.table.items} }}"),
        children: Children::HashTable(HashTable {
            ctrl: "base.table.table.ctrl.pointer",
            mask: "base.table.table.bucket_mask",
            items: "base.table.table.items",
            bucket: "base.table",
            map: true,
        }),
    },
    // Before hashbrown 0.11 `RawTable` held the fields itself.
    Visualizer {
        types: &["std::collections::hash::map::HashMap<*>"],
        line: Line::Format("{{ len={base.table.items} }}"),
        children: Children::HashTable(HashTable {
            ctrl: "base.table.ctrl.pointer",
            mask: "base.table.bucket_mask",
            items: "base.table.items",
            bucket: "base.table",
            map: true,
        }),
    },
    // `HashSet<T> { base: hashbrown::HashSet { map: HashMap<T, ()> } }`.
    Visualizer {
        types: &["std::collections::hash::set::HashSet<*>"],
        line: Line::Format("{{ len={base.map.table.table.items} }}"),
        children: Children::HashTable(HashTable {
            ctrl: "base.map.table.table.ctrl.pointer",
            mask: "base.map.table.table.bucket_mask",
            items: "base.map.table.table.items",
            bucket: "base.map.table",
            map: false,
        }),
    },
    Visualizer {
        types: &["std::collections::hash::set::HashSet<*>"],
        line: Line::Format("{{ len={base.map.table.items} }}"),
        children: Children::HashTable(HashTable {
            ctrl: "base.map.table.ctrl.pointer",
            mask: "base.map.table.bucket_mask",
            items: "base.map.table.items",
            bucket: "base.map.table",
            map: false,
        }),
    },
    // `BTreeMap { root: Option<NodeRef { height, node: NonNull<LeafNode<K, V>> }>, length }`; a node
    // `LeafNode { parent, parent_idx, len: u16, keys: [MaybeUninit<K>; 11], vals: [MaybeUninit<V>; 11] }`, an
    // internal one `InternalNode { data: LeafNode, edges: [MaybeUninit<NonNull<LeafNode>>; 12] }`; a slot
    // `MaybeUninit<T> { value: ManuallyDrop<T> { value: MaybeDangling<T>(T) } }` (as rustc 1.95 lays it out).
    Visualizer {
        types: &["alloc::collections::btree::map::BTreeMap<*>"],
        line: Line::Format("{{ len={length} }}"),
        children: Children::BTree(MAP_TREE),
    },
    // `BTreeSet<T> { map: BTreeMap<T, SetValZST> }`: its keys.
    Visualizer {
        types: &["alloc::collections::btree::set::BTreeSet<*>"],
        line: Line::Format("{{ len={map.length} }}"),
        children: Children::BTree(SET_TREE),
    },
    // Before `MaybeDangling`, `ManuallyDrop<T> { value: T }`: the same trees, one step shorter to each slot.
    Visualizer {
        types: &["alloc::collections::btree::map::BTreeMap<*>"],
        line: Line::Format("{{ len={length} }}"),
        children: Children::BTree(BTree { slot: "value.value", edge_slot: "value.value.pointer", ..MAP_TREE }),
    },
    Visualizer {
        types: &["alloc::collections::btree::set::BTreeSet<*>"],
        line: Line::Format("{{ len={map.length} }}"),
        children: Children::BTree(BTree { slot: "value.value", edge_slot: "value.value.pointer", ..SET_TREE }),
    },
    // An empty tree has no root: its length alone.
    Visualizer {
        types: &["alloc::collections::btree::map::BTreeMap<*>"],
        line: Line::Format("{{ len={length} }}"),
        children: Children::Items(&[]),
    },
    Visualizer {
        types: &["alloc::collections::btree::set::BTreeSet<*>"],
        line: Line::Format("{{ len={map.length} }}"),
        children: Children::Items(&[]),
    },
];

/// A `BTreeMap`'s tree as rustc 1.95 lays it out (see its entry above).
const MAP_TREE: BTree = BTree {
    root: "root.0.node.pointer",
    height: "root.0.height",
    len: "length",
    node_len: "len",
    keys: "keys",
    vals: Some("vals"),
    edges: "edges",
    slot: "value.value.0",
    edge_slot: "value.value.0.pointer",
    leaf: "LeafNode<",
    internal: "InternalNode<",
};

/// A `BTreeSet`'s: its map's tree, keys only.
const SET_TREE: BTree =
    BTree { root: "map.root.0.node.pointer", height: "map.root.0.height", len: "map.length", vals: None, ..MAP_TREE };

#[cfg(test)]
#[path = "rust_std_tests.rs"]
mod tests;
