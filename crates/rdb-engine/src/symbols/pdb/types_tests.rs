//! The type stream's records as the value model's types, from records made by hand: forward references, bitfields,
//! base classes, arrays of arrays, modifiers, simple types and pointers to them, and records that are damaged
//! (a cycle, a missing field list, an index that names nothing).

use std::collections::HashMap;

use super::types::{Field, Leaf, PDB_TYPE, PdbTypes, id, index_of, parseable, simple};
use crate::values::{BaseKind, Member, TypeKind};

const MODULE: u64 = 0x1_4000_0000;

fn record(name: &str, size: u64, fields: Option<u32>, forward: bool) -> Leaf {
    Leaf::Record { keyword: "struct", name: name.into(), unique: Some(format!(".?AU{name}@@")), size, fields, forward }
}

/// struct point { int x; int y; struct inner in; } by a forward reference, struct inner { short s; char c; },
/// struct flags { unsigned a:3; unsigned b:5; int c:4; }, int [3][4], const char *, and a modifier of itself.
fn types(cplusplus: bool) -> PdbTypes {
    let leaves: HashMap<u32, Leaf> = [
        (0x1000, record("point", 0, None, true)),
        (0x1001, record("inner", 0, None, true)),
        (
            0x1002,
            Leaf::FieldList {
                fields: vec![
                    Field::Member { name: "x".into(), ty: 0x74, offset: 0 },
                    Field::Member { name: "y".into(), ty: 0x74, offset: 4 },
                ],
                continuation: Some(0x1003),
            },
        ),
        (
            0x1003,
            Leaf::FieldList {
                fields: vec![Field::Member { name: "in".into(), ty: 0x1001, offset: 8 }],
                continuation: None,
            },
        ),
        (0x1004, record("point", 12, Some(0x1002), false)),
        (
            0x1005,
            Leaf::FieldList {
                fields: vec![
                    Field::Member { name: "s".into(), ty: 0x11, offset: 0 },
                    Field::Member { name: "c".into(), ty: 0x70, offset: 2 },
                ],
                continuation: None,
            },
        ),
        (0x1006, record("inner", 4, Some(0x1005), false)),
        (0x1007, Leaf::Bitfield { target: 0x75, length: 3, position: 0 }),
        (0x1008, Leaf::Bitfield { target: 0x75, length: 5, position: 3 }),
        (0x1009, Leaf::Bitfield { target: 0x74, length: 4, position: 10 }),
        (
            0x100a,
            Leaf::FieldList {
                fields: vec![
                    Field::Member { name: "a".into(), ty: 0x1007, offset: 0 },
                    Field::Member { name: "b".into(), ty: 0x1008, offset: 0 },
                    Field::Member { name: "c".into(), ty: 0x1009, offset: 0 },
                ],
                continuation: None,
            },
        ),
        (0x100b, record("flags", 4, Some(0x100a), false)),
        (0x100c, Leaf::Array { element: 0x74, size: 16 }),
        (0x100d, Leaf::Array { element: 0x100c, size: 48 }),
        (0x100e, Leaf::Modifier { target: 0x70, constant: true, volatile: false }),
        (0x100f, Leaf::Pointer { target: 0x100e, mark: "*", constant: false, member: false }),
        // A modifier of itself, and a field list continued by itself.
        (0x1010, Leaf::Modifier { target: 0x1010, constant: true, volatile: false }),
        (0x1011, Leaf::FieldList { fields: vec![Field::Base { ty: 0x1004, offset: 0 }], continuation: Some(0x1011) }),
        (0x1012, record("looped", 12, Some(0x1011), false)),
        (0x1013, Leaf::Pointer { target: 0x1004, mark: "&", constant: false, member: false }),
        (0x1014, record("nolist", 8, Some(0x7777), false)),
        (
            0x1015,
            Leaf::FieldList {
                fields: vec![Field::Member { name: "far".into(), ty: 0x1009, offset: u64::MAX }],
                continuation: None,
            },
        ),
        (0x1016, record("far", 8, Some(0x1015), false)),
    ]
    .into_iter()
    .collect();
    PdbTypes::new(MODULE, leaves, cplusplus)
}

#[test]
fn ids_carry_the_pdb_tag_and_give_the_index_back() {
    let t = id(MODULE, 0x1004);
    assert_eq!(t.die, PDB_TYPE | 0x1004);
    assert_eq!(index_of(t), Some(0x1004));
    assert_eq!(index_of(crate::values::TypeId::new(MODULE, 0x1004)), None, "a DWARF offset is not a PDB type");
}

#[test]
fn a_forward_reference_is_read_as_its_definition_with_its_continued_field_list() {
    let t = types(false);
    let point = t.type_of(id(MODULE, 0x1000)).expect("point");
    assert_eq!(point.name, "struct point");
    assert_eq!(point.size, Some(12));
    let TypeKind::Record { members } = &point.kind else { panic!("{point:?}") };
    let names: Vec<(&str, u64)> = members.iter().map(|m| (m.name.as_str(), m.offset)).collect();
    assert_eq!(names, [("x", 0), ("y", 4), ("in", 8)]);
    // The member's type is the forward reference, read as inner's definition.
    let inner = t.type_of(members[2].ty).expect("inner");
    assert_eq!((inner.name.as_str(), inner.size), ("struct inner", Some(4)));
    assert_eq!(t.named("point"), Some(0x1004));
    assert_eq!(t.named("struct point"), Some(0x1004));
    // C++ names records without their keyword.
    assert_eq!(types(true).type_of(id(MODULE, 0x1000)).map(|p| p.name), Some("point".into()));
}

#[test]
fn bitfields_are_members_with_their_bits() {
    let flags = types(false).type_of(id(MODULE, 0x100b)).expect("flags");
    let TypeKind::Record { members } = flags.kind else { panic!() };
    let bits: Vec<(u64, Option<(u64, u64)>)> = members.iter().map(|m| (m.offset, m.bits)).collect();
    // c's bit 10 is bit 2 of the second byte.
    assert_eq!(bits, [(0, Some((0, 3))), (0, Some((3, 5))), (1, Some((2, 4)))]);
    assert_eq!(members[2].ty, id(MODULE, 0x74), "a bitfield's type is what it is cut from");
}

#[test]
fn arrays_pointers_and_qualifiers_are_named_as_c_writes_them() {
    let t = types(false);
    let matrix = t.type_of(id(MODULE, 0x100d)).expect("int [3][4]");
    assert_eq!(matrix.name, "int [3][4]");
    assert_eq!(matrix.kind, TypeKind::Array { element: id(MODULE, 0x100c), count: Some(3) });
    let s = t.type_of(id(MODULE, 0x100f)).expect("const char *");
    assert_eq!(s.name, "const char *");
    assert_eq!(s.kind, TypeKind::Pointer { target: Some(id(MODULE, 0x100e)), reference: false });
    let c = t.type_of(id(MODULE, 0x100e)).expect("const char");
    assert_eq!((c.name.as_str(), c.kind), ("const char", TypeKind::Base(BaseKind::Char { signed: true })));
    let r = t.type_of(id(MODULE, 0x1013)).expect("a reference");
    assert_eq!(r.name, "struct point &");
    assert!(matches!(r.kind, TypeKind::Pointer { reference: true, .. }));
}

#[test]
fn simple_types_and_pointers_to_them() {
    assert_eq!(simple(0x74, MODULE).map(|t| (t.name, t.size)), Some(("int".into(), Some(4))));
    assert_eq!(simple(0x13, MODULE).map(|t| t.name), Some("long long".into()));
    assert_eq!(simple(0x41, MODULE).map(|t| t.kind), Some(TypeKind::Base(BaseKind::Float)));
    let p = simple(0x670, MODULE).expect("char *");
    assert_eq!((p.name.as_str(), p.size), ("char *", Some(8)));
    assert_eq!(p.kind, TypeKind::Pointer { target: Some(id(MODULE, 0x70)), reference: false });
    let v = simple(0x603, MODULE).expect("void *");
    assert_eq!((v.name.as_str(), v.kind), ("void *", TypeKind::Pointer { target: None, reference: false }));
    assert_eq!(simple(0xff, MODULE), None);
    assert_eq!(simple(0xf74, MODULE), None, "an unknown pointer mode");
}

#[test]
fn damaged_records_end_without_a_hang() {
    let t = types(false);
    // A modifier of itself: bounded, no type.
    assert_eq!(t.type_of(id(MODULE, 0x1010)), None);
    assert!(t.name_of(0x1010, 0).contains("<unknown type>"));
    // A field list continued by itself: read a bounded number of times.
    let looped = t.type_of(id(MODULE, 0x1012)).expect("looped");
    let TypeKind::Record { members } = looped.kind else { panic!() };
    assert!(!members.is_empty() && members.len() <= 64);
    assert!(members.iter().all(|m: &Member| m.base && m.name == "struct point"));
    // A field list that is not there, an index that names nothing, a module that is not this one.
    assert_eq!(t.type_of(id(MODULE, 0x1014)).map(|r| r.kind), Some(TypeKind::Record { members: Vec::new() }));
    assert_eq!(t.type_of(id(MODULE, 0x9999)), None);
    // A bitfield at the last offset there is: its byte does not wrap.
    let far = t.type_of(id(MODULE, 0x1016)).expect("far");
    let TypeKind::Record { members } = far.kind else { panic!() };
    assert_eq!(members[0].offset, u64::MAX);
    assert_eq!(t.type_of(id(MODULE + 0x1000, 0x1004)), None);
}

#[test]
fn records_pdb2_would_panic_or_over_reserve_on_are_not_parsed() {
    // LF_POINTER to int, a plain 64-bit pointer (kind 0x0c, mode 0, size 8).
    let pointer = |mode: u32| {
        let mut r = vec![0x02, 0x10, 0x74, 0, 0, 0];
        r.extend((0x0c | (mode << 5) | (8 << 13)).to_le_bytes());
        r
    };
    assert!(parseable(&pointer(0)));
    assert!(parseable(&pointer(4)), "an rvalue reference");
    assert!(!parseable(&pointer(5)), "a mode CodeView does not define");
    assert!(!parseable(&pointer(0)[..8]), "cut short");
    // LF_ARGLIST claiming 2^32-1 arguments: not a kind the value model reads.
    assert!(!parseable(&[0x01, 0x12, 0xff, 0xff, 0xff, 0xff]));
    assert!(parseable(&[0x05, 0x15]), "LF_STRUCTURE (pdb2 returns an error for one cut short)");
    assert!(!parseable(&[0x05]));
}
