//! The walkers against memory images laid out by hand as libstdc++ lays its containers out: a `std::list`, a
//! `std::set` and a `std::map` (red-black trees), a `std::deque`, a `std::vector<bool>`, a `std::variant`; and
//! corrupt ones (a list whose last node links back into it, a tree whose links make a cycle, a length of 2^60),
//! which end, capped, instead of being read for ever.

use std::collections::HashMap;

use crate::values::children::{Reader, children};
use crate::values::summary::summary_of;
use crate::values::test_image::{TestImage, id, member, pointer, record};
use crate::values::visualizers::{expansion, line};
use crate::values::{BaseKind, ChildKind, MAX_CONTAINER, Member, Summary, Type, TypeId, TypeKind, Value};

/// The image's memory starts here.
const BASE: u64 = 0x10_000;

type Image = TestImage;

fn base(ty: u64) -> Member {
    Member { name: "base".into(), ty: id(ty), offset: 0, bits: None, base: true }
}

const INT: u64 = 1;
const ULONG: u64 = 2;
// std::list<int>
const LIST_NODE: u64 = 10;
const LIST_NODE_POINTER: u64 = 11;
const LIST_HEADER: u64 = 12;
const LIST_IMPL: u64 = 13;
const LIST: u64 = 14;
// std::set<int>, std::map<int, int>
const TREE_NODE: u64 = 20;
const TREE_NODE_POINTER: u64 = 21;
const TREE_IMPL: u64 = 22;
const SET_TREE: u64 = 23;
const SET: u64 = 24;
const PAIR: u64 = 25;
const MAP_TREE: u64 = 26;
const MAP: u64 = 27;

fn types() -> (HashMap<u64, Type>, HashMap<u64, Vec<TypeId>>) {
    let types = HashMap::from([
        (INT, Type { name: "int".into(), size: Some(4), kind: TypeKind::Base(BaseKind::Signed) }),
        (ULONG, Type { name: "unsigned long".into(), size: Some(8), kind: TypeKind::Base(BaseKind::Unsigned) }),
        (
            LIST_NODE,
            record(
                "std::__detail::_List_node_base",
                16,
                vec![member("_M_next", LIST_NODE_POINTER, 0), member("_M_prev", LIST_NODE_POINTER, 8)],
            ),
        ),
        (LIST_NODE_POINTER, pointer("std::__detail::_List_node_base *", LIST_NODE)),
        (
            LIST_HEADER,
            record("std::__detail::_List_node_header", 24, vec![base(LIST_NODE), member("_M_size", ULONG, 16)]),
        ),
        (LIST_IMPL, record("std::__cxx11::_List_base<int>::_List_impl", 24, vec![member("_M_node", LIST_HEADER, 0)])),
        (LIST, record("std::__cxx11::list<int, std::allocator<int> >", 24, vec![member("_M_impl", LIST_IMPL, 0)])),
        (
            TREE_NODE,
            record(
                "std::_Rb_tree_node_base",
                32,
                vec![
                    member("_M_color", INT, 0),
                    member("_M_parent", TREE_NODE_POINTER, 8),
                    member("_M_left", TREE_NODE_POINTER, 16),
                    member("_M_right", TREE_NODE_POINTER, 24),
                ],
            ),
        ),
        (TREE_NODE_POINTER, pointer("std::_Rb_tree_node_base *", TREE_NODE)),
        (
            TREE_IMPL,
            record(
                "std::_Rb_tree_impl",
                48,
                vec![member("_M_header", TREE_NODE, 8), member("_M_node_count", ULONG, 40)],
            ),
        ),
        (SET_TREE, record("std::_Rb_tree<int, int>", 48, vec![member("_M_impl", TREE_IMPL, 0)])),
        (SET, record("std::set<int, std::less<int>, std::allocator<int> >", 48, vec![member("_M_t", SET_TREE, 0)])),
        (PAIR, record("std::pair<const int, int>", 8, vec![member("first", INT, 0), member("second", INT, 4)])),
        (MAP_TREE, record("std::_Rb_tree<int, std::pair<const int, int> >", 48, vec![member("_M_impl", TREE_IMPL, 0)])),
        (MAP, record("std::map<int, int, std::less<int> >", 48, vec![member("_M_t", MAP_TREE, 0)])),
    ]);
    let args = HashMap::from([
        (LIST, vec![id(INT)]),
        (SET_TREE, vec![id(INT), id(INT)]),
        (SET, vec![id(INT)]),
        (MAP_TREE, vec![id(INT), id(PAIR)]),
        (MAP, vec![id(INT), id(INT)]),
    ]);
    (types, args)
}

/// Memory of 0x1000 bytes with `words` written at their offsets.
fn image(words: &[(u64, u64)]) -> Image {
    let mut bytes = vec![0u8; 0x1000];
    for &(offset, word) in words {
        bytes[offset as usize..offset as usize + 8].copy_from_slice(&word.to_le_bytes());
    }
    let (types, args) = types();
    TestImage { types, args, base: BASE, bytes }
}

fn object(image: &mut Image, ty: u64, offset: u64) -> Value {
    let t = image.type_of(id(ty)).expect("a type");
    image.object(t, Some(id(ty)), BASE + offset)
}

/// The children's names and their values' summaries.
fn shown(image: &mut Image, value: &Value, start: usize, count: usize) -> Vec<(String, Summary)> {
    children(value, "v", start, count, image)
        .into_iter()
        .map(|c| {
            let summary = summary_of(&c.value, image, 0);
            (c.name, summary)
        })
        .collect()
}

/// A list at 0x0 (its sentinel) of nodes at 0x100, 0x200, 0x300 holding 7, 8, 9; the size `size`.
fn list(size: u64, last_next: u64) -> Image {
    let mut words = vec![(0x0, BASE + 0x100), (0x8, BASE + 0x300), (0x10, size)];
    for (i, node) in [0x100u64, 0x200, 0x300].iter().enumerate() {
        let next = if i == 2 { last_next } else { BASE + node + 0x100 };
        words.push((*node, next));
        words.push((node + 16, 7 + i as u64));
    }
    image(&words)
}

#[test]
fn a_list_walks_from_its_sentinel_back_to_it() {
    let mut mem = list(3, BASE);
    let value = object(&mut mem, LIST, 0);
    assert_eq!(line(&value, &mut mem, 0), Some(Summary::Line("{ size=3 }".into())));
    let items = shown(&mut mem, &value, 0, 10);
    let want: Vec<_> = (0..3).map(|i| (format!("[{i}]"), Summary::Signed(7 + i))).collect();
    assert_eq!(items, want);
    assert_eq!(shown(&mut mem, &value, 2, 10), want[2..]);
}

#[test]
fn a_cyclic_list_or_a_huge_size_ends() {
    // The last node links back to the second: each node is shown once.
    let mut mem = list(5, BASE + 0x200);
    let value = object(&mut mem, LIST, 0);
    assert_eq!(shown(&mut mem, &value, 0, 100).len(), 3);
    // A size of 2^60: capped, with the size it claimed; the walk still ends at the sentinel.
    let mut mem = list(1 << 60, BASE);
    let value = object(&mut mem, LIST, 0);
    let found = expansion(&value, &mut mem).expect("a visualizer");
    assert_eq!((found.count, found.claimed), (MAX_CONTAINER, Some(1 << 60)));
    assert_eq!(shown(&mut mem, &value, 0, 100).len(), 3);
    // A node that cannot be read ends the walk too, one at the top of the address space as well.
    for wild in [0xdead_0000, u64::MAX - 3] {
        let mut mem = list(5, wild);
        let value = object(&mut mem, LIST, 0);
        assert_eq!(shown(&mut mem, &value, 0, 100).len(), 4);
    }
}

/// A tree at 0x0 (its header at 0x8) of nodes B (root, 0x200) with A (0x100) on its left and C (0x300) on its
/// right, holding `values`; `count` nodes claimed.
fn tree(count: u64, values: [u64; 3]) -> Vec<(u64, u64)> {
    let (header, a, b, c) = (BASE + 0x8, BASE + 0x100, BASE + 0x200, BASE + 0x300);
    vec![
        // The header: parent = root, left = first, right = last.
        (0x10, b),
        (0x18, a),
        (0x20, c),
        (0x28, count),
        (0x108, b),
        (0x120, values[0]),
        (0x208, header),
        (0x210, a),
        (0x218, c),
        (0x220, values[1]),
        (0x308, b),
        (0x320, values[2]),
    ]
}

#[test]
fn a_tree_walks_in_order_and_a_map_names_entries_by_key() {
    let mut mem = image(&tree(3, [1, 2, 3]));
    let set = object(&mut mem, SET, 0);
    assert_eq!(line(&set, &mut mem, 0), Some(Summary::Line("{ size=3 }".into())));
    let items = shown(&mut mem, &set, 0, 10);
    assert_eq!(items, (0..3).map(|i| (format!("[{i}]"), Summary::Signed(i + 1))).collect::<Vec<_>>());
    assert_eq!(shown(&mut mem, &set, 1, 1), [("[1]".to_string(), Summary::Signed(2))]);
    // A map's element is a pair: key 10 → 100 and so on, in the low and high halves of each word.
    let pairs = [10 | (100 << 32), 20 | (200 << 32), 30 | (300 << 32)];
    let mut mem = image(&tree(3, pairs));
    let map = object(&mut mem, MAP, 0);
    let entries = children(&map, "m", 0, 10, &mut mem);
    let names: Vec<_> = entries.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["[10]", "[20]", "[30]"]);
    assert!(
        matches!(&entries[1].kind, ChildKind::Entry { key } if summary_of(key, &mut mem, 0) == Summary::Signed(20))
    );
    assert_eq!(summary_of(&entries[2].value, &mut mem, 0), Summary::Signed(300));
    assert!(!expansion(&map, &mut mem).expect("a visualizer").indexed);
}

#[test]
fn a_corrupt_tree_ends() {
    // C's right link points back to the root: its successor would be A again, seen before.
    let mut words = tree(1 << 60, [1, 2, 3]);
    words.push((0x318, BASE + 0x200));
    let mut mem = image(&words);
    let set = object(&mut mem, SET, 0);
    assert_eq!(expansion(&set, &mut mem).expect("a visualizer").claimed, Some(1 << 60));
    assert_eq!(shown(&mut mem, &set, 0, 100).len(), 3);
    // A node whose left link is itself: the walk down to the leftmost node runs out of steps.
    let mut words = tree(1 << 60, [1, 2, 3]);
    words.push((0x318, BASE + 0x400));
    words.push((0x410, BASE + 0x400));
    let mut mem = image(&words);
    let set = object(&mut mem, SET, 0);
    assert_eq!(shown(&mut mem, &set, 0, 100).len(), 3);
    // A right link to the top of the address space: the walk ends there.
    let mut words = tree(3, [1, 2, 3]);
    words.push((0x318, u64::MAX - 7));
    let mut mem = image(&words);
    let set = object(&mut mem, SET, 0);
    assert_eq!(shown(&mut mem, &set, 0, 100).len(), 3);
    // An unreadable root link: nothing to show, and no error.
    let mut mem = image(&[(0x18, 0xdead_0000), (0x28, 3)]);
    let set = object(&mut mem, SET, 0);
    assert!(shown(&mut mem, &set, 0, 100).len() <= 1);
}

const INT_POINTER: u64 = 30;
const INT_POINTER_POINTER: u64 = 31;
const DEQUE_ITERATOR: u64 = 32;
const DEQUE_IMPL: u64 = 33;
const DEQUE: u64 = 34;
const BIT_ITERATOR: u64 = 35;
const BIT_IMPL: u64 = 36;
const BITS: u64 = 37;
const ULONG_POINTER: u64 = 38;

fn more_types(mem: &mut Image) {
    mem.types.insert(INT_POINTER, pointer("int *", INT));
    mem.types.insert(INT_POINTER_POINTER, pointer("int * *", INT_POINTER));
    mem.types.insert(ULONG_POINTER, pointer("unsigned long *", ULONG));
    mem.types.insert(
        DEQUE_ITERATOR,
        record(
            "std::_Deque_iterator<int>",
            32,
            vec![
                member("_M_cur", INT_POINTER, 0),
                member("_M_first", INT_POINTER, 8),
                member("_M_last", INT_POINTER, 16),
                member("_M_node", INT_POINTER_POINTER, 24),
            ],
        ),
    );
    mem.types.insert(
        DEQUE_IMPL,
        record(
            "std::_Deque_impl",
            80,
            vec![member("_M_start", DEQUE_ITERATOR, 16), member("_M_finish", DEQUE_ITERATOR, 48)],
        ),
    );
    mem.types
        .insert(DEQUE, record("std::deque<int, std::allocator<int> >", 80, vec![member("_M_impl", DEQUE_IMPL, 0)]));
    mem.types.insert(
        BIT_ITERATOR,
        record("std::_Bit_iterator", 16, vec![member("_M_p", ULONG_POINTER, 0), member("_M_offset", INT, 8)]),
    );
    mem.types.insert(
        BIT_IMPL,
        record(
            "std::_Bvector_impl",
            40,
            vec![member("_M_start", BIT_ITERATOR, 0), member("_M_finish", BIT_ITERATOR, 16)],
        ),
    );
    mem.types
        .insert(BITS, record("std::vector<bool, std::allocator<bool> >", 40, vec![member("_M_impl", BIT_IMPL, 0)]));
}

#[test]
fn a_deque_reads_across_its_buffers() {
    // Buffers of 4 ints at 0x400 and 0x500 (map at 0x300); the deque starts at the third element of the first
    // buffer and ends after the second of the second: 0..3 as 10, 11, 12, 13.
    let (b1, b2) = (BASE + 0x400, BASE + 0x500);
    let mut words = vec![
        (0x300, b1),
        (0x308, b2),
        (0x10, b1 + 8),
        (0x18, b1),
        (0x20, b1 + 16),
        (0x28, BASE + 0x300),
        (0x30, b2 + 8),
        (0x38, b2),
        (0x40, b2 + 16),
        (0x48, BASE + 0x308),
    ];
    words.push((0x408, 10 | (11 << 32)));
    words.push((0x500, 12 | (13 << 32)));
    let mut mem = image(&words);
    more_types(&mut mem);
    let deque = object(&mut mem, DEQUE, 0);
    assert_eq!(line(&deque, &mut mem, 0), Some(Summary::Line("{ size=4 }".into())));
    let items = shown(&mut mem, &deque, 0, 10);
    assert_eq!(items, (0..4).map(|i| (format!("[{i}]"), Summary::Signed(10 + i))).collect::<Vec<_>>());
}

#[test]
fn a_vector_of_bools_reads_its_bits() {
    // Bits 0b1101 from a word at 0x100, offset 0 to offset 3 of the next word: 67 bits.
    let mut mem = image(&[(0x0, BASE + 0x100), (0x10, BASE + 0x108), (0x18, 3), (0x100, 0b1101), (0x108, 0b100)]);
    more_types(&mut mem);
    let bits = object(&mut mem, BITS, 0);
    assert_eq!(expansion(&bits, &mut mem).expect("a visualizer").count, 67);
    let first: Vec<_> = shown(&mut mem, &bits, 0, 4).into_iter().map(|(_, s)| s).collect();
    assert_eq!(first, [true, false, true, true].map(Summary::Bool));
    assert_eq!(shown(&mut mem, &bits, 66, 10), [("[66]".to_string(), Summary::Bool(true))]);
}
