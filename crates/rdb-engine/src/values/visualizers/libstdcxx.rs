//! The C++ standard library's types as libstdc++ (gcc's, also mingw-w64's) lays them out, as data: which types,
//! and the member paths of their layouts (read from gcc 12's DWARF). A layout of another libstdc++ version is one
//! more entry, tried after the first.

use super::{Alternative, Arg, Children, Line, Visualizer};

/// A map's element is a `std::pair<const K, V>`: its entry's key and value.
const PAIR: Option<(&str, &str)> = Some(("first", "second"));

/// The number of elements of a `std::deque` from its start and finish iterators (each: the element, its buffer's
/// first and end, and its place in the map of buffers).
const DEQUE_LEN: &str = "(_M_impl._M_finish._M_node - _M_impl._M_start._M_node - 1) * (_M_impl._M_start._M_last - \
                         _M_impl._M_start._M_first) + (_M_impl._M_finish._M_cur - _M_impl._M_finish._M_first) + \
                         (_M_impl._M_start._M_last - _M_impl._M_start._M_cur)";

/// The number of bits of a `std::vector<bool>`: whole words between its iterators and their bit offsets (a word
/// is an `unsigned long`: 64 bits on Linux, 32 on Windows).
const BITS_LEN: &str = "(_M_impl._M_finish._M_p - _M_impl._M_start._M_p) * 8 * sizeof(*_M_impl._M_start._M_p) + \
                        _M_impl._M_finish._M_offset - _M_impl._M_start._M_offset";

pub(super) const LIBSTDCXX: &[Visualizer] = &[
    // The C++11 ABI's string: a pointer (to a local buffer while short) and a length.
    Visualizer {
        types: &["std::string", "std::__cxx11::basic_string<char, *", "std::__cxx11::string"],
        line: Line::Text { data: "_M_dataplus._M_p", len: "_M_string_length" },
        children: Children::Items(&[("[size]", "_M_string_length")]),
    },
    // The old copy-on-write string (before gcc 5, or built with _GLIBCXX_USE_CXX11_ABI=0): only a pointer to the
    // text, preceded by its `_Rep` (length, capacity, reference count).
    Visualizer {
        types: &["std::string", "std::basic_string<char, *"],
        line: Line::Text { data: "_M_dataplus._M_p", len: "((size_t *)_M_dataplus._M_p)[-3]" },
        children: Children::Items(&[("[size]", "((size_t *)_M_dataplus._M_p)[-3]")]),
    },
    Visualizer {
        types: &["std::vector<bool, *", "std::vector<bool>"],
        line: Line::Format(
            "{{ size={(_M_impl._M_finish._M_p - _M_impl._M_start._M_p) * 8 * sizeof(*_M_impl._M_start._M_p) + _M_impl._M_finish._M_offset - _M_impl._M_start._M_offset} }}",
        ),
        children: Children::Bits { data: "_M_impl._M_start._M_p", offset: "_M_impl._M_start._M_offset", len: BITS_LEN },
    },
    Visualizer {
        types: &["std::vector<*>"],
        line: Line::Format("{{ size={_M_impl._M_finish - _M_impl._M_start} }}"),
        children: Children::Array { data: "_M_impl._M_start", len: "_M_impl._M_finish - _M_impl._M_start" },
    },
    // `std::array<T, N>`: a C array member.
    Visualizer {
        types: &["std::array<*>"],
        line: Line::Format("{{ size={sizeof(_M_elems) / sizeof(_M_elems[0])} }}"),
        children: Children::Through("_M_elems"),
    },
    // A red-black tree (`_Rb_tree`): the header's links, the count; the element type is the tree's second
    // template argument (a map's `std::pair<const K, V>`, a set's key).
    Visualizer {
        types: &["std::map<*>", "std::multimap<*>"],
        line: Line::Format("{{ size={_M_t._M_impl._M_node_count} }}"),
        children: Children::Tree {
            header: "_M_t._M_impl._M_header",
            links: ("_M_parent", "_M_left", "_M_right"),
            count: "_M_t._M_impl._M_node_count",
            value: Arg { of: "_M_t", n: 2 },
            entry: PAIR,
        },
    },
    Visualizer {
        types: &["std::set<*>", "std::multiset<*>"],
        line: Line::Format("{{ size={_M_t._M_impl._M_node_count} }}"),
        children: Children::Tree {
            header: "_M_t._M_impl._M_header",
            links: ("_M_parent", "_M_left", "_M_right"),
            count: "_M_t._M_impl._M_node_count",
            value: Arg { of: "_M_t", n: 2 },
            entry: None,
        },
    },
    // A hash table (`_Hashtable`): every node on one singly linked list from `_M_before_begin`.
    Visualizer {
        types: &["std::unordered_map<*>", "std::unordered_multimap<*>"],
        line: Line::Format("{{ size={_M_h._M_element_count} }}"),
        children: Children::List {
            head: "_M_h._M_before_begin",
            next: "_M_nxt",
            count: "_M_h._M_element_count",
            value: Arg { of: "_M_h", n: 2 },
            entry: PAIR,
        },
    },
    Visualizer {
        types: &["std::unordered_set<*>", "std::unordered_multiset<*>"],
        line: Line::Format("{{ size={_M_h._M_element_count} }}"),
        children: Children::List {
            head: "_M_h._M_before_begin",
            next: "_M_nxt",
            count: "_M_h._M_element_count",
            value: Arg { of: "_M_h", n: 2 },
            entry: None,
        },
    },
    // A doubly linked list around a sentinel node, which also holds the size (gcc 5 and later).
    Visualizer {
        types: &["std::__cxx11::list<*>", "std::list<*>"],
        line: Line::Format("{{ size={_M_impl._M_node._M_size} }}"),
        children: Children::List {
            head: "_M_impl._M_node",
            next: "_M_next",
            count: "_M_impl._M_node._M_size",
            value: Arg { of: "", n: 1 },
            entry: None,
        },
    },
    // The old ABI's list (_GLIBCXX_USE_CXX11_ABI=0): no size kept, so its nodes are counted by walking them.
    Visualizer {
        types: &["std::list<*>"],
        line: Line::Plain,
        children: Children::List {
            head: "_M_impl._M_node",
            next: "_M_next",
            count: "",
            value: Arg { of: "", n: 1 },
            entry: None,
        },
    },
    // A singly linked list from its head node, which holds no element and no size.
    Visualizer {
        types: &["std::forward_list<*>"],
        line: Line::Plain,
        children: Children::List {
            head: "_M_impl._M_head",
            next: "_M_next",
            count: "",
            value: Arg { of: "", n: 1 },
            entry: None,
        },
    },
    // The container adaptors: shown as the container they wrap.
    Visualizer {
        types: &["std::stack<*>", "std::queue<*>", "std::priority_queue<*>"],
        line: Line::Child("c"),
        children: Children::Through("c"),
    },
    Visualizer {
        types: &["std::deque<*>"],
        line: Line::Format(
            "{{ size={(_M_impl._M_finish._M_node - _M_impl._M_start._M_node - 1) * (_M_impl._M_start._M_last - _M_impl._M_start._M_first) + (_M_impl._M_finish._M_cur - _M_impl._M_finish._M_first) + (_M_impl._M_start._M_last - _M_impl._M_start._M_cur)} }}",
        ),
        children: Children::Deque {
            map_node: "_M_impl._M_start._M_node",
            first: "_M_impl._M_start._M_first",
            skip: "_M_impl._M_start._M_cur - _M_impl._M_start._M_first",
            per_buffer: "_M_impl._M_start._M_last - _M_impl._M_start._M_first",
            len: DEQUE_LEN,
        },
    },
    // `unique_ptr<T>`: a tuple of the deleter and the pointer, the pointer first in memory where the deleter is
    // empty (`default_delete`: its `_M_head_impl` member shares the pointer's name, so the pointer is read by
    // place); shown as the pointer, its children what it points to.
    Visualizer {
        types: &["std::unique_ptr<*>"],
        line: Line::Child("($T1 *)*(size_t *)&_M_t"),
        children: Children::Through("($T1 *)*(size_t *)&_M_t"),
    },
    // `shared_ptr<T>` and `weak_ptr<T>`: the pointer and the control block's counts (the weak count holds one
    // more while any shared owner is left, as gdb's printer says).
    Visualizer {
        types: &["std::shared_ptr<*>", "std::weak_ptr<*>"],
        line: Line::When {
            test: "_M_refcount._M_pi",
            then: &Line::Format(
                "{_M_ptr} [use count {_M_refcount._M_pi->_M_use_count}, weak count {_M_refcount._M_pi->_M_weak_count - (_M_refcount._M_pi->_M_use_count > 0 ? 1 : 0)}]",
            ),
            otherwise: &Line::Format("empty"),
        },
        children: Children::When {
            test: "_M_refcount._M_pi",
            then: &Children::Items(&[
                ("[ptr]", "_M_ptr"),
                ("[use count]", "_M_refcount._M_pi->_M_use_count"),
                ("[weak count]", "_M_refcount._M_pi->_M_weak_count - (_M_refcount._M_pi->_M_use_count > 0 ? 1 : 0)"),
            ]),
            otherwise: &Children::Items(&[]),
        },
    },
    Visualizer {
        types: &["std::optional<*>"],
        line: Line::When {
            test: "_M_payload._M_engaged",
            then: &Line::Child("_M_payload._M_payload._M_value"),
            otherwise: &Line::Format("nullopt"),
        },
        children: Children::When {
            test: "_M_payload._M_engaged",
            then: &Children::Items(&[("[value]", "_M_payload._M_payload._M_value")]),
            otherwise: &Children::Items(&[]),
        },
    },
    // `variant<T...>`: the alternatives share the storage `_M_u` (a union); `_M_index` says which is alive.
    Visualizer {
        types: &["std::variant<*>"],
        line: Line::Alternative(Alternative { index: "_M_index", storage: "_M_u" }),
        children: Children::Alternative(Alternative { index: "_M_index", storage: "_M_u" }),
    },
];
