//! Rust enums and tuples decoded from memory images laid out as rustc 1.95 lays them out (read from the DWARF of
//! `tests/debuggees/rust_values.rs`): a tagged enum, a niche (`Option<&T>`), a bad discriminant, a tuple.

use std::collections::HashMap;

use super::*;
use crate::values::test_image::TestImage;

/// Types by id, and no memory (the values are held whole).
type Table = TestImage;

const U32: u64 = 1;
const I32: u64 = 2;
const F64: u64 = 3;
const U64: u64 = 4;
const PTR: u64 = 5;
const CIRCLE: u64 = 10;
const RECT: u64 = 11;
const UNIT: u64 = 12;
const NONE: u64 = 13;
const SOME: u64 = 14;

fn id(die: u64) -> TypeId {
    TypeId::new(0x1000, die)
}

fn field(name: &str, ty: u64, offset: u64) -> Member {
    Member { name: name.into(), ty: id(ty), offset, bits: None, base: false }
}

fn record(name: &str, size: u64, members: Vec<Member>) -> Type {
    Type { name: name.into(), size: Some(size), kind: TypeKind::Record { members } }
}

fn base(name: &str, size: u64, kind: BaseKind) -> Type {
    Type { name: name.into(), size: Some(size), kind: TypeKind::Base(kind) }
}

fn table() -> Table {
    let mut t = HashMap::new();
    t.insert(U32, base("u32", 4, BaseKind::Unsigned));
    t.insert(I32, base("i32", 4, BaseKind::Signed));
    t.insert(F64, base("f64", 8, BaseKind::Float));
    t.insert(U64, base("u64", 8, BaseKind::Unsigned));
    t.insert(
        PTR,
        Type { name: "&i32".into(), size: Some(8), kind: TypeKind::Pointer { target: None, reference: false } },
    );
    t.insert(CIRCLE, record("rust_values::Shape::Circle", 16, vec![field("radius", F64, 8)]));
    t.insert(RECT, record("rust_values::Shape::Rect", 16, vec![field("__0", U32, 4), field("__1", U32, 8)]));
    t.insert(UNIT, record("rust_values::Shape::Unit", 16, vec![]));
    t.insert(NONE, record("None", 8, vec![]));
    t.insert(SOME, record("Some", 8, vec![field("__0", PTR, 0)]));
    TestImage { types: t, ..TestImage::default() }
}

fn variant(name: &str, values: &[u64], fields: u64) -> Variant {
    Variant { name: name.into(), values: values.to_vec(), fields: id(fields) }
}

/// `rust_values::Shape`: a u32 tag at 0; Circle 0, Rect 1, Unit 2.
fn shape(bytes: Vec<u8>) -> Value {
    let kind = TypeKind::Variants {
        discriminant: Some(field("", U32, 0)),
        variants: vec![variant("Circle", &[0], CIRCLE), variant("Rect", &[1], RECT), variant("Unit", &[2], UNIT)],
    };
    Value {
        ty: Type { name: "rust_values::Shape".into(), size: Some(16), kind },
        type_id: None,
        bytes: ValueBytes::Known(bytes),
        address: None,
    }
}

/// `Option<&i32>`: the pointer itself is the niche; None is 0, Some the default.
fn option_ref(pointer: u64) -> Value {
    let kind = TypeKind::Variants {
        discriminant: Some(field("", U64, 0)),
        variants: vec![variant("None", &[0], NONE), variant("Some", &[], SOME)],
    };
    let ty = Type { name: "core::option::Option<&i32>".into(), size: Some(8), kind };
    Value { ty, type_id: None, bytes: ValueBytes::Known(pointer.to_le_bytes().to_vec()), address: None }
}

fn image(tag: u32, rest: &[u8]) -> Vec<u8> {
    let mut bytes = tag.to_le_bytes().to_vec();
    bytes.extend_from_slice(rest);
    bytes.resize(16, 0);
    bytes
}

fn line_of(value: &Value) -> Option<Summary> {
    line(value, &mut table(), 0)
}

#[test]
fn tagged_variants_as_rust_writes_them() {
    let mut circle = image(0, &[]);
    circle[8..].copy_from_slice(&2.5f64.to_le_bytes());
    assert_eq!(line_of(&shape(circle)), Some(Summary::Line("Circle { radius: 2.5 }".into())));
    let mut rect = image(1, &3u32.to_le_bytes());
    rect[8..12].copy_from_slice(&4u32.to_le_bytes());
    let rect = shape(rect);
    assert_eq!(line_of(&rect), Some(Summary::Line("Rect(3, 4)".into())));
    assert_eq!(line_of(&shape(image(2, &[]))), Some(Summary::Line("Unit".into())));
    // The children are the active variant's fields, named as Rust names them.
    let fields = decoded(&rect, &mut |i| table().type_of(i)).and_then(Result::ok).map(|(_, f)| f).unwrap_or_default();
    let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["0", "1"]);
    assert_eq!(fields[1].1.bytes, ValueBytes::Known(4u32.to_le_bytes().to_vec()));
}

#[test]
fn a_niche_chooses_the_default_variant() {
    assert_eq!(line_of(&option_ref(0)), Some(Summary::Line("None".into())));
    assert_eq!(line_of(&option_ref(0x7ffc_1000)), Some(Summary::Line("Some(0x7ffc1000)".into())));
}

#[test]
fn a_bad_discriminant_is_one_clear_line_and_no_children() {
    let bad = shape(image(7, &[]));
    assert_eq!(
        line_of(&bad),
        Some(Summary::Line("<invalid discriminant 0x7: no variant of rust_values::Shape has it>".into()))
    );
    assert_eq!(decoded(&bad, &mut |i| table().type_of(i)), Some(Err(Unmatched::Invalid(7))));
    // Bytes cut short (a value read past its end) and bytes gone are not guessed at.
    let mut short = shape(vec![1, 0]);
    short.ty.size = Some(2);
    assert_eq!(line_of(&short), None);
    let mut gone = shape(Vec::new());
    gone.bytes = ValueBytes::OptimizedOut;
    assert_eq!(line_of(&gone), None);
}

#[test]
fn discriminants_compare_at_their_own_width() {
    // A one-byte tag whose variant value DWARF wrote sign-extended (as an Sdata of -1).
    let kind = TypeKind::Variants {
        discriminant: Some(field("", U32, 0)),
        variants: vec![variant("A", &[u64::MAX], UNIT), variant("B", &[0], UNIT)],
    };
    let mut t = table();
    t.types.insert(U32, base("u8", 1, BaseKind::Unsigned));
    let v = Value {
        ty: Type { name: "E".into(), size: Some(1), kind },
        type_id: None,
        bytes: ValueBytes::Known(vec![0xff]),
        address: None,
    };
    assert_eq!(line(&v, &mut t, 0), Some(Summary::Line("A".into())));
}

#[test]
fn tuples_and_field_names() {
    let ty = record("(i32, f64)", 16, vec![field("__0", I32, 0), field("__1", F64, 8)]);
    assert!(is_tuple(&ty));
    let mut bytes = (-1i32).to_le_bytes().to_vec();
    bytes.extend([0; 4]);
    bytes.extend(2.5f64.to_le_bytes());
    let v = Value { ty, type_id: None, bytes: ValueBytes::Known(bytes), address: None };
    assert_eq!(line_of(&v), Some(Summary::Line("(-1, 2.5)".into())));
    assert!(!is_tuple(&record("struct pair", 8, vec![field("a", I32, 0)])));
    assert_eq!(field_name("__12"), "12");
    assert_eq!(field_name("__x"), "__x");
    assert_eq!(short_name("rust_values::Point"), "Point");
    assert_eq!(short_name("alloc::vec::Vec<core::option::Option<i32>>"), "Vec");
    assert_eq!(short_name("Wrapper<i32>"), "Wrapper");
}

#[test]
fn rust_text_of_summaries() {
    let ch = base("char", 4, BaseKind::Char { signed: false });
    assert_eq!(text(&ch, &Summary::Char(0xe9)), "'é'");
    assert_eq!(text(&ch, &Summary::Char(0x27)), "'\\''");
    assert_eq!(text(&base("f32", 4, BaseKind::Float), &Summary::Float(f64::from(0.1f32))), "0.1");
    assert_eq!(text(&base("f64", 8, BaseKind::Float), &Summary::Float(1.0)), "1.0");
    assert_eq!(text(&base("bool", 1, BaseKind::Bool), &Summary::Bool(true)), "true");
}
