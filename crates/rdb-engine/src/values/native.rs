//! A value as a scripting language holds one (Python's `locals()`; a Rust program's own data): a number, a string,
//! a list of elements, a map of entries, a record's fields by name. Decided once here from the value's [`Summary`]
//! and its children, so every front end that hands out plain values agrees on which value becomes which (a
//! `char *`, a `char[16]`, a `String` and a `std::string` a string; an array, a `Vec` and a `std::vector` a list; a
//! `HashMap` and a `std::map` a map; a struct its fields, a Rust enum its variant's; a Rust tuple a tuple; a Rust
//! `char` a one-character string; a pointer to anything else its address).

use super::{Child, ChildKind, Expansion, Summary, Value};

/// Where [`native`] gets a value's children and their keys' summaries (the session's memory).
pub trait Source {
    fn children(&mut self, value: &Value) -> Vec<Child>;
    fn summary(&mut self, value: &Value) -> Summary;
    /// How the value's children are counted (an empty `Vec` is still a list, an empty map still a map).
    fn expansion(&mut self, value: &Value) -> Expansion;
    /// The variant a Rust enum holds (`Some`, `Circle`); `None` for any other value.
    fn variant(&mut self, _value: &Value) -> Option<String> {
        None
    }
}

/// How deep records and arrays nest before the rest is left out (a hostile or cyclic type cannot recurse forever).
pub const MAX_DEPTH: usize = 8;

/// A value as plain data.
#[derive(Debug, Clone, PartialEq)]
pub enum Native {
    Signed(i64),
    Unsigned(u64),
    Bool(bool),
    Float(f64),
    /// A C or C++ character's code (`char`, `unsigned char`); a Rust `char` (a Unicode scalar value) is a [`Str`]
    /// of that one character.
    ///
    /// [`Str`]: Native::Str
    Char(i64),
    /// A string: what a character pointer points to, or a character array's text up to its first NUL.
    Str(String),
    /// A pointer to anything but characters (or to an unreadable string): its address.
    Pointer(u64),
    /// An enumeration's value and the enumerator that has it.
    Enum {
        value: i64,
        name: Option<String>,
    },
    /// An array's or a container's elements.
    List(Vec<Native>),
    /// A map's entries, keys and values, in the container's order.
    Map(Vec<(Native, Native)>),
    /// A Rust tuple's fields in order.
    Tuple(Vec<Native>),
    /// A struct, class or union: its type's name and its data members in order (an anonymous member's own
    /// members are the record's). A Rust enum is the record of the variant it holds: `variant` names it, `fields`
    /// are that variant's (`0`, `1`, … for a tuple variant; none for `None`).
    Record {
        type_name: String,
        fields: Vec<(String, Native)>,
        variant: Option<String>,
    },
    /// No value: optimised out, unreadable memory, a function, a type rdb does not model, or nested too deep.
    /// Why, in words.
    Unavailable(String),
}

/// `value` (whose one-line meaning is `summary`) as plain data, records and arrays followed `depth` levels deep;
/// `children` gives a value's members or elements (the session's `children`).
pub fn native(value: &Value, summary: &Summary, depth: usize, source: &mut dyn Source) -> Native {
    match summary {
        Summary::Signed(v) => Native::Signed(*v),
        Summary::Unsigned(v) => Native::Unsigned(*v),
        Summary::Bool(v) => Native::Bool(*v),
        // Rust's `char` is four bytes and a character, not a number; C's are one byte (or C++'s wider ones).
        Summary::Char(v) if value.ty.name == "char" && value.ty.size == Some(4) => {
            match u32::try_from(*v).ok().and_then(char::from_u32) {
                Some(c) => Native::Str(c.to_string()),
                None => Native::Unavailable(format!("{v:#x} is not a character")),
            }
        }
        Summary::Char(v) => Native::Char(*v),
        Summary::Float(v) => Native::Float(*v),
        Summary::Pointer { string: Some(s), .. } | Summary::Array { string: Some(s) } | Summary::Text(s) => {
            Native::Str(s.clone())
        }
        Summary::Pointer { address, string: None } => Native::Pointer(*address),
        Summary::Enum { value, name } => Native::Enum { value: *value, name: name.clone() },
        Summary::Array { string: None } | Summary::Record | Summary::Line(_) if depth == 0 => {
            Native::Unavailable(format!("{}: nested too deep", value.ty.name))
        }
        Summary::Array { string: None } | Summary::Record | Summary::Line(_) => composite(value, depth, source),
        Summary::Opaque => Native::Unavailable(format!("{}: no value to show", value.ty.name)),
        Summary::OptimizedOut => Native::Unavailable("optimized out".into()),
        Summary::MemoryError(address) => Native::Unavailable(crate::Error::MemoryAccess(*address).to_string()),
    }
}

/// A value with children: a list where they are elements, a map where they are entries, else a record of fields
/// (an anonymous struct or union member contributes its own members, as C names them).
fn composite(value: &Value, depth: usize, source: &mut dyn Source) -> Native {
    let children = source.children(value);
    if children.is_empty() {
        let counted = source.expansion(value);
        if counted.indexed {
            return Native::List(Vec::new());
        }
        if counted.entries {
            return Native::Map(Vec::new());
        }
    }
    if !children.is_empty() && children.iter().all(|c| matches!(c.kind, ChildKind::Element(_))) {
        return Native::List(children.iter().map(|c| native(&c.value, &c.summary, depth - 1, source)).collect());
    }
    if !children.is_empty() && children.iter().all(|c| matches!(c.kind, ChildKind::Entry { .. })) {
        let entries = children
            .iter()
            .map(|c| {
                let key = match &c.kind {
                    ChildKind::Entry { key } => {
                        let summary = source.summary(key);
                        native(key, &summary, depth - 1, source)
                    }
                    _ => Native::Unavailable("no key".into()),
                };
                (key, native(&c.value, &c.summary, depth - 1, source))
            })
            .collect();
        return Native::Map(entries);
    }
    if matches!(value.ty.kind, super::TypeKind::Array { .. }) {
        return Native::List(Vec::new());
    }
    let mut fields = Vec::new();
    for child in children {
        match native(&child.value, &child.summary, depth - 1, source) {
            Native::Record { fields: inner, variant: None, .. } if child.name.is_empty() => fields.extend(inner),
            field => fields.push((child.name, field)),
        }
    }
    if super::rust::is_tuple(&value.ty) {
        return Native::Tuple(fields.into_iter().map(|(_, field)| field).collect());
    }
    Native::Record { type_name: value.ty.name.clone(), fields, variant: source.variant(value) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::test_image::member;
    use crate::values::{Type, TypeKind, ValueBytes};

    fn value(name: &str, kind: TypeKind) -> Value {
        Value {
            ty: Type { name: name.into(), size: Some(8), kind },
            type_id: None,
            bytes: ValueBytes::Known(vec![]),
            address: None,
        }
    }

    fn child(name: &str, summary: Summary, kind: TypeKind) -> Child {
        let role = match name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
            Some(n) => ChildKind::Element(n.parse().unwrap_or(0)),
            None => ChildKind::Member,
        };
        Child { name: name.into(), offset: None, bits: None, value: value(name, kind), summary, kind: role }
    }

    /// Children handed out by a function; keys summarized as unsigned 1.
    struct Fake(fn(&Value) -> Vec<Child>);

    impl Source for Fake {
        fn children(&mut self, value: &Value) -> Vec<Child> {
            (self.0)(value)
        }
        fn summary(&mut self, _: &Value) -> Summary {
            Summary::Unsigned(1)
        }
        fn expansion(&mut self, value: &Value) -> Expansion {
            let map = value.ty.name.starts_with("std::map");
            Expansion { count: 0, indexed: !map && !value.ty.name.starts_with("core::"), entries: map, claimed: None }
        }
        fn variant(&mut self, value: &Value) -> Option<String> {
            value
                .ty
                .name
                .starts_with("core::option")
                .then(|| if value.ty.name.ends_with("some") { "Some" } else { "None" }.into())
        }
    }

    /// A struct point { int x; int y; } whose children the closure hands out, and an array of two of them.
    fn point_children(v: &Value) -> Vec<Child> {
        match v.ty.name.as_str() {
            "struct point" => vec![
                child("x", Summary::Signed(3), TypeKind::Other),
                child("y", Summary::Signed(-4), TypeKind::Other),
                child("", Summary::Record, TypeKind::Record { members: vec![] }),
            ],
            // The anonymous member's own members.
            "" => vec![child("z", Summary::Unsigned(9), TypeKind::Other)],
            "struct point [2]" => vec![
                Child {
                    value: value("struct point", TypeKind::Other),
                    ..child("[0]", Summary::Record, TypeKind::Other)
                },
                child("[1]", Summary::OptimizedOut, TypeKind::Other),
            ],
            _ => Vec::new(),
        }
    }

    #[test]
    fn numbers_and_strings_come_from_the_summary() {
        let v = value("int", TypeKind::Other);
        let none = &mut Fake(|_| Vec::new());
        assert_eq!(native(&v, &Summary::Signed(-2), 4, none), Native::Signed(-2));
        assert_eq!(native(&v, &Summary::Float(0.5), 4, none), Native::Float(0.5));
        let text = Summary::Pointer { address: 0x1000, string: Some("label".into()) };
        assert_eq!(native(&v, &text, 4, none), Native::Str("label".into()));
        let array = Summary::Array { string: Some("deep".into()) };
        assert_eq!(native(&v, &array, 4, none), Native::Str("deep".into()));
        let plain = Summary::Pointer { address: 0x1000, string: None };
        assert_eq!(native(&v, &plain, 4, none), Native::Pointer(0x1000));
        assert_eq!(
            native(&v, &Summary::MemoryError(0x10), 4, none),
            Native::Unavailable("Memory access error at 00000000`00000010".into())
        );
    }

    #[test]
    fn records_give_their_fields_and_arrays_their_elements() {
        let array = value("struct point [2]", TypeKind::Other);
        let got = native(&array, &Summary::Array { string: None }, 4, &mut Fake(point_children));
        let point = Native::Record {
            type_name: "struct point".into(),
            fields: vec![
                ("x".into(), Native::Signed(3)),
                ("y".into(), Native::Signed(-4)),
                ("z".into(), Native::Unsigned(9)),
            ],
            variant: None,
        };
        assert_eq!(got, Native::List(vec![point, Native::Unavailable("optimized out".into())]));
    }

    #[test]
    fn containers_of_entries_are_maps_and_text_is_a_string() {
        let map = value("std::map<int, int>", TypeKind::Record { members: vec![] });
        let entries = |_: &Value| {
            vec![Child {
                kind: ChildKind::Entry { key: Box::new(value("int", TypeKind::Other)) },
                ..child("[1]", Summary::Signed(10), TypeKind::Other)
            }]
        };
        let got = native(&map, &Summary::Line("{ size=1 }".into()), 4, &mut Fake(entries));
        assert_eq!(got, Native::Map(vec![(Native::Unsigned(1), Native::Signed(10))]));
        let text = native(&map, &Summary::Text("hi".into()), 4, &mut Fake(|_| Vec::new()));
        assert_eq!(text, Native::Str("hi".into()));
        // Empty containers keep their kind.
        let empty = native(&map, &Summary::Line("{ size=0 }".into()), 4, &mut Fake(|_| Vec::new()));
        assert_eq!(empty, Native::Map(Vec::new()));
        let vector = value("std::vector<int>", TypeKind::Record { members: vec![] });
        let empty = native(&vector, &Summary::Line("{ size=0 }".into()), 4, &mut Fake(|_| Vec::new()));
        assert_eq!(empty, Native::List(Vec::new()));
    }

    #[test]
    fn rust_enums_tuples_and_chars() {
        // `Some(7)`: the variant's fields, named as Rust names them, and the variant's name.
        let some = value("core::option::Option<i32> some", TypeKind::Record { members: vec![] });
        let fields = |_: &Value| vec![child("0", Summary::Signed(7), TypeKind::Other)];
        let got = native(&some, &Summary::Line("Some(7)".into()), 4, &mut Fake(fields));
        let expected = Native::Record {
            type_name: "core::option::Option<i32> some".into(),
            fields: vec![("0".into(), Native::Signed(7))],
            variant: Some("Some".into()),
        };
        assert_eq!(got, expected);
        let none = value("core::option::Option<i32>", TypeKind::Record { members: vec![] });
        let got = native(&none, &Summary::Line("None".into()), 4, &mut Fake(|_| Vec::new()));
        let expected = Native::Record {
            type_name: "core::option::Option<i32>".into(),
            fields: vec![],
            variant: Some("None".into()),
        };
        assert_eq!(got, expected);
        // `(1, 2.5)`: a tuple.
        let members = vec![member("__0", 1, 0), member("__1", 2, 8)];
        let tuple = value("(i32, f64)", TypeKind::Record { members });
        let fields = |_: &Value| {
            vec![child("0", Summary::Signed(1), TypeKind::Other), child("1", Summary::Float(2.5), TypeKind::Other)]
        };
        let got = native(&tuple, &Summary::Line("(1, 2.5)".into()), 4, &mut Fake(fields));
        assert_eq!(got, Native::Tuple(vec![Native::Signed(1), Native::Float(2.5)]));
        // A Rust `char` is a character; C's `char` its code.
        let mut rust_char = value("char", TypeKind::Other);
        rust_char.ty.size = Some(4);
        assert_eq!(native(&rust_char, &Summary::Char(0xe9), 4, &mut Fake(|_| Vec::new())), Native::Str("é".into()));
        let mut c_char = value("char", TypeKind::Other);
        c_char.ty.size = Some(1);
        assert_eq!(native(&c_char, &Summary::Char(97), 4, &mut Fake(|_| Vec::new())), Native::Char(97));
    }

    #[test]
    fn nesting_stops_at_the_depth_given() {
        let array = value("struct point [2]", TypeKind::Other);
        let got = native(&array, &Summary::Array { string: None }, 1, &mut Fake(point_children));
        let Native::List(elements) = got else { panic!("{got:?}") };
        assert_eq!(elements[0], Native::Unavailable("struct point: nested too deep".into()));
    }
}
