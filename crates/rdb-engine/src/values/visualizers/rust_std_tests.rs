//! The Rust standard library's definitions against memory images laid out as rustc 1.95 lays them out (read from
//! the DWARF of `tests/debuggees/rust_values.rs`): a `Vec` claiming 2^60 elements, a `VecDeque` wrapped round its
//! buffer and one whose length exceeds its capacity, a `HashMap`'s control bytes and a corrupt mask, a `BTreeMap`
//! of two levels and one whose internal node is its own child; an `Rc` with its counts and one pointing nowhere, a
//! `Box`, a slice, a `RefCell` borrowed mutably.

use std::collections::HashMap;

use super::super::{children, element, expansion, line};
use crate::values::test_image::{TestImage, base_type as base, id as tid, member as field, pointer, record, words};
use crate::values::{BaseKind, ChildKind, MAX_CONTAINER, Summary, Type, TypeKind, Value, ValueBytes, Variant};

/// The image's memory starts here.
const BASE: u64 = 0x10_0000;

type Fake = TestImage;

fn array(name: &str, of: u64, count: u64, size: u64) -> Type {
    Type { name: name.into(), size: Some(size), kind: TypeKind::Array { element: tid(of), count: Some(count) } }
}

// Numbers and the raw vector every container here is built on.
const I32: u64 = 1;
const USIZE: u64 = 2;
const U8: u64 = 3;
const U8_POINTER: u64 = 4;
const NON_NULL_U8: u64 = 5;
const UNIQUE_U8: u64 = 6;
const CAP: u64 = 7;
const RAW_VEC_INNER: u64 = 8;
const RAW_VEC: u64 = 9;
const VEC: u64 = 10;
const DEQUE: u64 = 11;
// hashbrown.
const TABLE_INNER: u64 = 20;
const RAW_TABLE: u64 = 21;
const PAIR: u64 = 22;
const BROWN_MAP: u64 = 23;
const STD_MAP: u64 = 24;
// BTreeMap<i32, i32>.
const U16: u64 = 30;
const DANGLING_I32: u64 = 31;
const DROP_I32: u64 = 32;
const UNINIT_I32: u64 = 33;
const SLOTS: u64 = 34;
const LEAF: u64 = 35;
const LEAF_POINTER: u64 = 36;
const NON_NULL_LEAF: u64 = 37;
const DANGLING_EDGE: u64 = 38;
const DROP_EDGE: u64 = 39;
const UNINIT_EDGE: u64 = 40;
const EDGES: u64 = 41;
const INTERNAL: u64 = 42;
const NODE_REF: u64 = 43;
const ROOT: u64 = 44;
const ROOT_NONE: u64 = 45;
const ROOT_SOME: u64 = 46;
const BTREE: u64 = 47;
const U64: u64 = 48;

fn fake(bytes: Vec<u8>) -> Fake {
    let mut t = HashMap::new();
    t.insert(I32, base("i32", 4, BaseKind::Signed));
    t.insert(USIZE, base("usize", 8, BaseKind::Unsigned));
    t.insert(U64, base("u64", 8, BaseKind::Unsigned));
    t.insert(U16, base("u16", 2, BaseKind::Unsigned));
    t.insert(U8, base("u8", 1, BaseKind::Unsigned));
    t.insert(U8_POINTER, pointer("*mut u8", U8));
    t.insert(NON_NULL_U8, record("core::ptr::non_null::NonNull<u8>", 8, vec![field("pointer", U8_POINTER, 0)]));
    t.insert(UNIQUE_U8, record("core::ptr::unique::Unique<u8>", 8, vec![field("pointer", NON_NULL_U8, 0)]));
    t.insert(CAP, record("core::num::niche_types::UsizeNoHighBit", 8, vec![field("__0", USIZE, 0)]));
    t.insert(
        RAW_VEC_INNER,
        record(
            "alloc::raw_vec::RawVecInner<alloc::alloc::Global>",
            16,
            vec![field("cap", CAP, 0), field("ptr", UNIQUE_U8, 8)],
        ),
    );
    t.insert(
        RAW_VEC,
        record("alloc::raw_vec::RawVec<i32, alloc::alloc::Global>", 16, vec![field("inner", RAW_VEC_INNER, 0)]),
    );
    t.insert(
        VEC,
        record(
            "alloc::vec::Vec<i32, alloc::alloc::Global>",
            24,
            vec![field("buf", RAW_VEC, 0), field("len", USIZE, 16)],
        ),
    );
    t.insert(
        DEQUE,
        record(
            "alloc::collections::vec_deque::VecDeque<i32, alloc::alloc::Global>",
            32,
            vec![field("buf", RAW_VEC, 0), field("head", USIZE, 16), field("len", USIZE, 24)],
        ),
    );
    t.insert(
        TABLE_INNER,
        record(
            "hashbrown::raw::RawTableInner",
            32,
            vec![
                field("ctrl", NON_NULL_U8, 0),
                field("bucket_mask", USIZE, 8),
                field("growth_left", USIZE, 16),
                field("items", USIZE, 24),
            ],
        ),
    );
    t.insert(
        RAW_TABLE,
        record("hashbrown::raw::RawTable<(i32, i32), alloc::alloc::Global>", 32, vec![field("table", TABLE_INNER, 0)]),
    );
    t.insert(PAIR, record("(i32, i32)", 8, vec![field("__0", I32, 0), field("__1", I32, 4)]));
    t.insert(BROWN_MAP, record("hashbrown::map::HashMap<i32, i32>", 32, vec![field("table", RAW_TABLE, 0)]));
    t.insert(
        STD_MAP,
        record(
            "std::collections::hash::map::HashMap<i32, i32, std::hash::random::RandomState>",
            32,
            vec![field("base", BROWN_MAP, 0)],
        ),
    );
    // A node: `len` at 0x62, keys at 8 and values at 0x34, eleven slots each; an internal node's edges at 0x68.
    t.insert(DANGLING_I32, record("core::mem::maybe_dangling::MaybeDangling<i32>", 4, vec![field("__0", I32, 0)]));
    t.insert(DROP_I32, record("core::mem::manually_drop::ManuallyDrop<i32>", 4, vec![field("value", DANGLING_I32, 0)]));
    t.insert(UNINIT_I32, record("core::mem::maybe_uninit::MaybeUninit<i32>", 4, vec![field("value", DROP_I32, 0)]));
    t.insert(SLOTS, array("core::mem::maybe_uninit::MaybeUninit<i32> [11]", UNINIT_I32, 11, 44));
    t.insert(
        LEAF,
        record(
            "alloc::collections::btree::node::LeafNode<i32, i32>",
            0x68,
            vec![field("keys", SLOTS, 8), field("vals", SLOTS, 0x34), field("len", U16, 0x62)],
        ),
    );
    t.insert(LEAF_POINTER, pointer("*mut LeafNode<i32, i32>", LEAF));
    t.insert(
        NON_NULL_LEAF,
        record("core::ptr::non_null::NonNull<LeafNode<i32, i32>>", 8, vec![field("pointer", LEAF_POINTER, 0)]),
    );
    t.insert(DANGLING_EDGE, record("MaybeDangling<NonNull<LeafNode>>", 8, vec![field("__0", NON_NULL_LEAF, 0)]));
    t.insert(DROP_EDGE, record("ManuallyDrop<NonNull<LeafNode>>", 8, vec![field("value", DANGLING_EDGE, 0)]));
    t.insert(UNINIT_EDGE, record("MaybeUninit<NonNull<LeafNode>>", 8, vec![field("value", DROP_EDGE, 0)]));
    t.insert(EDGES, array("MaybeUninit<NonNull<LeafNode>> [12]", UNINIT_EDGE, 12, 96));
    t.insert(
        INTERNAL,
        record(
            "alloc::collections::btree::node::InternalNode<i32, i32>",
            0xc8,
            vec![field("data", LEAF, 0), field("edges", EDGES, 0x68)],
        ),
    );
    t.insert(
        NODE_REF,
        record(
            "NodeRef<Owned, i32, i32, LeafOrInternal>",
            16,
            vec![field("height", USIZE, 0), field("node", NON_NULL_LEAF, 8)],
        ),
    );
    t.insert(ROOT_NONE, record("None", 16, vec![]));
    t.insert(ROOT_SOME, record("Some", 16, vec![field("__0", NODE_REF, 0)]));
    t.insert(
        ROOT,
        Type {
            name: "core::option::Option<NodeRef<Owned, i32, i32, LeafOrInternal>>".into(),
            size: Some(16),
            kind: TypeKind::Variants {
                discriminant: Some(field("", U64, 8)),
                variants: vec![
                    Variant { name: "None".into(), values: vec![0], fields: tid(ROOT_NONE) },
                    Variant { name: "Some".into(), values: vec![], fields: tid(ROOT_SOME) },
                ],
            },
        },
    );
    t.insert(
        BTREE,
        record(
            "alloc::collections::btree::map::BTreeMap<i32, i32, alloc::alloc::Global>",
            24,
            vec![field("root", ROOT, 0), field("length", USIZE, 16)],
        ),
    );
    let args = HashMap::from([(VEC, vec![tid(I32)]), (DEQUE, vec![tid(I32)]), (RAW_TABLE, vec![tid(PAIR)])]);
    TestImage { types: t, args, base: BASE, bytes }
}

fn object(f: &mut Fake, die: u64, bytes: Vec<u8>) -> Value {
    let ty = f.types[&die].clone();
    Value { ty, type_id: Some(tid(die)), bytes: ValueBytes::Known(bytes), address: None }
}

/// The children's names and (numeric) values.
fn shown(f: &mut Fake, v: &Value, start: u64, count: usize) -> Vec<(String, i64)> {
    children(v, start, count, f)
        .unwrap_or_default()
        .into_iter()
        .map(|c| {
            let n = match &c.value.bytes {
                ValueBytes::Known(b) if b.len() == 4 => {
                    i64::from(i32::from_le_bytes(b[..4].try_into().unwrap_or_default()))
                }
                _ => -1,
            };
            (c.name, n)
        })
        .collect()
}

#[test]
fn a_vec_claiming_2_to_the_60_is_capped_and_read_only_where_asked() {
    // Five i32s at BASE; the Vec says it holds 2^60.
    let mut f = fake([10i32, 20, 30, 40, 50].iter().flat_map(|n| n.to_le_bytes()).collect());
    let v = object(&mut f, VEC, words(&[1 << 60, BASE, 1 << 60]));
    let counted = expansion(&v, &mut f).expect("a Vec visualizer");
    assert_eq!((counted.count, counted.claimed, counted.indexed), (MAX_CONTAINER, Some(1 << 60), true));
    assert_eq!(
        shown(&mut f, &v, 3, 5),
        [("[3]".into(), 40), ("[4]".into(), 50), ("[5]".into(), -1), ("[6]".into(), -1), ("[7]".into(), -1)]
    );
    assert_eq!(line(&v, &mut f, 0), Some(Summary::Line(format!("{{ len={} }}", 1u64 << 60))));
    // An element past what the cap shows is refused, not read.
    assert!(element(&v, (MAX_CONTAINER + 1) as i64, &mut f).is_some_and(|r| r.is_err()));
}

#[test]
fn a_vecdeque_reads_from_its_head_round_the_end_of_its_buffer() {
    // Capacity 4, head 2: slots hold [5, 6, 3, 4], so the ring is 3, 4, 5, 6.
    let mut f = fake([5i32, 6, 3, 4].iter().flat_map(|n| n.to_le_bytes()).collect());
    let ring = object(&mut f, DEQUE, words(&[4, BASE, 2, 4]));
    let names: Vec<(String, i64)> = (3..=6).enumerate().map(|(i, n)| (format!("[{i}]"), n)).collect();
    assert_eq!(shown(&mut f, &ring, 0, 10), names);
    assert_eq!(shown(&mut f, &ring, 3, 10), [("[3]".into(), 6)]);
    // A length beyond the capacity fits no layout: its own members are shown, never a ring read round and round.
    let corrupt = object(&mut f, DEQUE, words(&[4, BASE, 2, 1 << 40]));
    assert!(children(&corrupt, 0, 10, &mut f).is_none());
    assert_eq!(line(&corrupt, &mut f, 0), None);
}

#[test]
fn a_hash_map_is_its_full_buckets_below_the_control_bytes() {
    // Four buckets (mask 3) of (i32, i32) below the control bytes at BASE + 32: buckets 0 and 2 are full.
    let mut bytes = Vec::new();
    for pair in [[0i32, 0], [7, 49], [0, 0], [3, 9]] {
        // Bucket 3 first (lowest address), down to bucket 0 just below ctrl.
        bytes.extend(pair.iter().flat_map(|n| n.to_le_bytes()));
    }
    bytes.extend([0x11, 0xff, 0x22, 0x80]);
    bytes.extend([0xff; 16]);
    let ctrl = BASE + 32;
    let mut f = fake(bytes);
    let map = object(&mut f, STD_MAP, words(&[ctrl, 3, 1, 2]));
    assert_eq!(shown(&mut f, &map, 0, 10), [("[3]".into(), 9), ("[7]".into(), 49)]);
    let first = children(&map, 0, 1, &mut f).unwrap_or_default();
    assert!(
        matches!(&first[0].kind, ChildKind::Entry { key } if key.bytes == ValueBytes::Known(3i32.to_le_bytes().to_vec()))
    );
    assert_eq!(line(&map, &mut f, 0), Some(Summary::Line("{ len=2 }".into())));
    // A mask that is not one less than a power of two is no table: not walked.
    let corrupt = object(&mut f, STD_MAP, words(&[ctrl, 5, 1, 2]));
    assert!(children(&corrupt, 0, 10, &mut f).is_none_or(|c| c.is_empty()));
    // A mask of 2^60 - 1 and 2^60 items: the scan stops at the control bytes it can read, with one clear error.
    let huge = object(&mut f, STD_MAP, words(&[ctrl, (1 << 60) - 1, 1, 1 << 60]));
    assert_eq!(expansion(&huge, &mut f).map(|e| e.claimed), Some(Some(1 << 60)));
    assert!(children(&huge, 0, 10, &mut f).is_none_or(|c| c.len() <= 2));
}

/// A leaf of `keys` (values their squares) at `at` in `bytes`.
fn leaf(bytes: &mut [u8], at: usize, keys: &[i32]) {
    for (i, k) in keys.iter().enumerate() {
        bytes[at + 8 + 4 * i..at + 12 + 4 * i].copy_from_slice(&k.to_le_bytes());
        bytes[at + 0x34 + 4 * i..at + 0x38 + 4 * i].copy_from_slice(&(k * k).to_le_bytes());
    }
    bytes[at + 0x62..at + 0x64].copy_from_slice(&(keys.len() as u16).to_le_bytes());
}

#[test]
fn a_btree_is_walked_in_key_order_and_a_cycle_ends_the_walk() {
    // An internal root at 0 holding key 3 between two leaves: [1, 2] at 0x100 and [4, 5] at 0x200.
    let mut bytes = vec![0u8; 0x300];
    leaf(&mut bytes, 0, &[3]);
    bytes[0x68..0x70].copy_from_slice(&(BASE + 0x100).to_le_bytes());
    bytes[0x70..0x78].copy_from_slice(&(BASE + 0x200).to_le_bytes());
    leaf(&mut bytes, 0x100, &[1, 2]);
    leaf(&mut bytes, 0x200, &[4, 5]);
    let mut f = fake(bytes.clone());
    let tree = object(&mut f, BTREE, words(&[1, BASE, 5]));
    let expected: Vec<(String, i64)> = (1..=5).map(|k| (format!("[{k}]"), k * k)).collect();
    assert_eq!(shown(&mut f, &tree, 0, 10), expected);
    assert_eq!(shown(&mut f, &tree, 3, 1), [("[4]".into(), 16)]);
    assert!(
        element(&tree, 4, &mut f)
            .is_some_and(|v| v.is_ok_and(|v| v.bytes == ValueBytes::Known(25i32.to_le_bytes().to_vec())))
    );
    // The root's first edge is the root itself: the walk stops at the second visit instead of going round.
    bytes[0x68..0x70].copy_from_slice(&BASE.to_le_bytes());
    let mut f = fake(bytes);
    let cyclic = object(&mut f, BTREE, words(&[2, BASE, 5]));
    assert!(children(&cyclic, 0, 10, &mut f).is_none_or(|c| c.len() < 5));
    // A height no real tree has is refused before any node is read.
    let tall = object(&mut f, BTREE, words(&[1 << 40, BASE, 5]));
    assert!(children(&tall, 0, 10, &mut f).is_none_or(|c| c.is_empty()));
    // No root: an empty tree, its length alone.
    let empty = object(&mut f, BTREE, words(&[0, 0, 0]));
    assert_eq!(line(&empty, &mut f, 0), Some(Summary::Line("{ len=0 }".into())));
    assert_eq!(children(&empty, 0, 10, &mut f).map(|c| c.len()), Some(0));
}

// Rc<i32>, Box<i32>, &[i32] and RefCell<i32>.
const UNSAFE_USIZE: u64 = 60;
const CELL_USIZE: u64 = 61;
const RC_INNER: u64 = 62;
const RC_INNER_POINTER: u64 = 63;
const NON_NULL_RC: u64 = 64;
const RC: u64 = 65;
const BOX: u64 = 66;
const I32_POINTER: u64 = 67;
const SLICE: u64 = 68;
const UNSAFE_I32: u64 = 69;
const ISIZE: u64 = 70;
const UNSAFE_ISIZE: u64 = 71;
const CELL_ISIZE: u64 = 72;
const REFCELL: u64 = 73;

fn fake_with_pointers(bytes: Vec<u8>) -> Fake {
    let mut f = fake(bytes);
    let t = &mut f.types;
    t.insert(UNSAFE_USIZE, record("core::cell::UnsafeCell<usize>", 8, vec![field("value", USIZE, 0)]));
    t.insert(CELL_USIZE, record("core::cell::Cell<usize>", 8, vec![field("value", UNSAFE_USIZE, 0)]));
    t.insert(
        RC_INNER,
        record(
            "alloc::rc::RcInner<i32>",
            24,
            vec![field("strong", CELL_USIZE, 0), field("weak", CELL_USIZE, 8), field("value", I32, 16)],
        ),
    );
    t.insert(RC_INNER_POINTER, pointer("*mut alloc::rc::RcInner<i32>", RC_INNER));
    t.insert(
        NON_NULL_RC,
        record("core::ptr::non_null::NonNull<alloc::rc::RcInner<i32>>", 8, vec![field("pointer", RC_INNER_POINTER, 0)]),
    );
    t.insert(RC, record("alloc::rc::Rc<i32, alloc::alloc::Global>", 8, vec![field("ptr", NON_NULL_RC, 0)]));
    t.insert(BOX, pointer("alloc::boxed::Box<i32, alloc::alloc::Global>", I32));
    t.insert(I32_POINTER, pointer("*mut i32", I32));
    t.insert(SLICE, record("&[i32]", 16, vec![field("data_ptr", I32_POINTER, 0), field("length", USIZE, 8)]));
    t.insert(UNSAFE_I32, record("core::cell::UnsafeCell<i32>", 4, vec![field("value", I32, 0)]));
    t.insert(ISIZE, base("isize", 8, BaseKind::Signed));
    t.insert(UNSAFE_ISIZE, record("core::cell::UnsafeCell<isize>", 8, vec![field("value", ISIZE, 0)]));
    t.insert(CELL_ISIZE, record("core::cell::Cell<isize>", 8, vec![field("value", UNSAFE_ISIZE, 0)]));
    t.insert(
        REFCELL,
        record("core::cell::RefCell<i32>", 16, vec![field("borrow", CELL_ISIZE, 0), field("value", UNSAFE_I32, 8)]),
    );
    f
}

#[test]
fn rc_box_slice_and_refcell_show_what_they_hold() {
    // An RcInner at BASE: strong 2, weak 2 (one weak pointer besides the strong ones' own), value 77; then 5, 6, 7.
    let mut bytes = words(&[2, 2]);
    bytes.extend(77i32.to_le_bytes());
    bytes.extend([0; 4]);
    bytes.extend([5i32, 6, 7].iter().flat_map(|n| n.to_le_bytes()));
    let mut f = fake_with_pointers(bytes);
    let rc = object(&mut f, RC, words(&[BASE]));
    assert_eq!(line(&rc, &mut f, 0), Some(Summary::Signed(77)));
    let counts: Vec<(String, Option<Vec<u8>>)> = children(&rc, 0, 10, &mut f)
        .unwrap_or_default()
        .into_iter()
        .map(|c| {
            (
                c.name,
                match c.value.bytes {
                    ValueBytes::Known(b) => Some(b),
                    _ => None,
                },
            )
        })
        .collect();
    let names: Vec<&str> = counts.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["[value]", "[strong]", "[weak]"]);
    // Rc::weak_count: the count kept, less the one the strong pointers share.
    assert_eq!(counts[2].1.as_deref().map(|b| b[0]), Some(1));
    // A Box is a pointer rustc names Box<..>: it shows as what it holds.
    let boxed = object(&mut f, BOX, words(&[BASE + 16]));
    assert_eq!(line(&boxed, &mut f, 0), Some(Summary::Signed(77)));
    // A slice: its length and elements.
    let slice = object(&mut f, SLICE, words(&[BASE + 24, 3]));
    assert_eq!(line(&slice, &mut f, 0), Some(Summary::Line("{ len=3 }".into())));
    assert_eq!(shown(&mut f, &slice, 0, 10), [("[0]".into(), 5), ("[1]".into(), 6), ("[2]".into(), 7)]);
    // A RefCell borrowed mutably (-1): its value and its borrow state.
    let mut cell = (-1i64).to_le_bytes().to_vec();
    cell.extend(42i32.to_le_bytes());
    cell.extend([0; 4]);
    let refcell = object(&mut f, REFCELL, cell);
    assert_eq!(line(&refcell, &mut f, 0), Some(Summary::Signed(42)));
    let borrow = children(&refcell, 0, 10, &mut f).unwrap_or_default();
    assert_eq!(borrow[1].name, "[borrow]");
    assert_eq!(borrow[1].value.bytes, ValueBytes::Known((-1i64).to_le_bytes().to_vec()));
    // An Rc whose pointer leads nowhere: no line of its own, no counts read.
    let dangling = object(&mut f, RC, words(&[0xdead_0000]));
    assert_eq!(line(&dangling, &mut f, 0), Some(Summary::MemoryError(0xdead_0000)));
    assert!(children(&dangling, 0, 10, &mut f).is_none_or(|c| c.is_empty()));
}
