//! A value as a scripting language holds one (Python's `locals()`; a Rust program's own data): a number, a string,
//! a list of elements, a record's fields by name. Decided once here from the value's [`Summary`] and its
//! children, so every front end that hands out plain values agrees on which C value becomes which (a `char *` and a
//! `char[16]` a string, an array a list, a struct its fields, a pointer to anything else its address).

use super::{Child, Summary, Value};

/// How deep records and arrays nest before the rest is left out (a hostile or cyclic type cannot recurse forever).
pub const MAX_DEPTH: usize = 8;

/// A value as plain data.
#[derive(Debug, Clone, PartialEq)]
pub enum Native {
    Signed(i64),
    Unsigned(u64),
    Bool(bool),
    Float(f64),
    /// A character's code (`char`, `unsigned char`).
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
    /// An array's elements.
    List(Vec<Native>),
    /// A struct, class or union: its type's name and its data members in order (an anonymous member's own
    /// members are the record's).
    Record {
        type_name: String,
        fields: Vec<(String, Native)>,
    },
    /// No value: optimised out, unreadable memory, a function, a type rdb does not model, or nested too deep.
    /// Why, in words.
    Unavailable(String),
}

/// `value` (whose one-line meaning is `summary`) as plain data, records and arrays followed `depth` levels deep;
/// `children` gives a value's members or elements (the session's `children`).
pub fn native(
    value: &Value,
    summary: &Summary,
    depth: usize,
    children: &mut dyn FnMut(&Value) -> Vec<Child>,
) -> Native {
    match summary {
        Summary::Signed(v) => Native::Signed(*v),
        Summary::Unsigned(v) => Native::Unsigned(*v),
        Summary::Bool(v) => Native::Bool(*v),
        Summary::Char(v) => Native::Char(*v),
        Summary::Float(v) => Native::Float(*v),
        Summary::Pointer { string: Some(s), .. } | Summary::Array { string: Some(s) } => Native::Str(s.clone()),
        Summary::Pointer { address, string: None } => Native::Pointer(*address),
        Summary::Enum { value, name } => Native::Enum { value: *value, name: name.clone() },
        Summary::Array { string: None } | Summary::Record if depth == 0 => {
            Native::Unavailable(format!("{}: nested too deep", value.ty.name))
        }
        Summary::Array { string: None } => {
            Native::List(children(value).iter().map(|c| native(&c.value, &c.summary, depth - 1, children)).collect())
        }
        Summary::Record => Native::Record { type_name: value.ty.name.clone(), fields: fields(value, depth, children) },
        Summary::Opaque => Native::Unavailable(format!("{}: no value to show", value.ty.name)),
        Summary::OptimizedOut => Native::Unavailable("optimized out".into()),
        Summary::MemoryError(address) => Native::Unavailable(crate::Error::MemoryAccess(*address).to_string()),
    }
}

/// A record's fields; an anonymous struct or union member contributes its own members, as C names them.
fn fields(value: &Value, depth: usize, children: &mut dyn FnMut(&Value) -> Vec<Child>) -> Vec<(String, Native)> {
    let mut out = Vec::new();
    for child in children(value) {
        match native(&child.value, &child.summary, depth - 1, children) {
            Native::Record { fields, .. } if child.name.is_empty() => out.extend(fields),
            field => out.push((child.name, field)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
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
        Child { name: name.into(), offset: None, bits: None, value: value(name, kind), summary }
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
        let mut none = |_: &Value| Vec::new();
        assert_eq!(native(&v, &Summary::Signed(-2), 4, &mut none), Native::Signed(-2));
        assert_eq!(native(&v, &Summary::Float(0.5), 4, &mut none), Native::Float(0.5));
        let text = Summary::Pointer { address: 0x1000, string: Some("label".into()) };
        assert_eq!(native(&v, &text, 4, &mut none), Native::Str("label".into()));
        let array = Summary::Array { string: Some("deep".into()) };
        assert_eq!(native(&v, &array, 4, &mut none), Native::Str("deep".into()));
        let plain = Summary::Pointer { address: 0x1000, string: None };
        assert_eq!(native(&v, &plain, 4, &mut none), Native::Pointer(0x1000));
        assert_eq!(
            native(&v, &Summary::MemoryError(0x10), 4, &mut none),
            Native::Unavailable("Memory access error at 00000000`00000010".into())
        );
    }

    #[test]
    fn records_give_their_fields_and_arrays_their_elements() {
        let array = value("struct point [2]", TypeKind::Other);
        let got = native(&array, &Summary::Array { string: None }, 4, &mut point_children);
        let point = Native::Record {
            type_name: "struct point".into(),
            fields: vec![
                ("x".into(), Native::Signed(3)),
                ("y".into(), Native::Signed(-4)),
                ("z".into(), Native::Unsigned(9)),
            ],
        };
        assert_eq!(got, Native::List(vec![point, Native::Unavailable("optimized out".into())]));
    }

    #[test]
    fn nesting_stops_at_the_depth_given() {
        let array = value("struct point [2]", TypeKind::Other);
        let got = native(&array, &Summary::Array { string: None }, 1, &mut point_children);
        let Native::List(elements) = got else { panic!("{got:?}") };
        assert_eq!(elements[0], Native::Unavailable("struct point: nested too deep".into()));
    }
}
