//! The framework against memory images: libstdc++'s `std::vector<int>` and `std::string` laid out by hand, a
//! corrupt vector (its end before its start), and a type no definition fits.

use std::collections::HashMap;

use super::{element, expansion, line};
use crate::values::children::{Reader, children};
use crate::values::summary::summary_of;
use crate::values::test_image::{TestImage, id, member, record, words};
use crate::values::{BaseKind, ChildKind, MAX_CONTAINER, Summary, Type, TypeKind, ValueBytes};

type Fake = TestImage;

const INT: u64 = 1;
const INT_POINTER: u64 = 2;
const IMPL: u64 = 3;
const VECTOR: u64 = 4;
const CHAR: u64 = 5;
const CHAR_POINTER: u64 = 6;
const DATAPLUS: u64 = 7;
const STRING: u64 = 8;
const BASE: u64 = 0x1000;

fn fake(bytes: Vec<u8>) -> Fake {
    let types = HashMap::from([
        (INT, Type { name: "int".into(), size: Some(4), kind: TypeKind::Base(BaseKind::Signed) }),
        (
            INT_POINTER,
            Type {
                name: "int *".into(),
                size: Some(8),
                kind: TypeKind::Pointer { target: Some(id(INT)), reference: false },
            },
        ),
        (
            IMPL,
            record(
                "std::_Vector_base<int>::_Vector_impl",
                24,
                vec![member("_M_start", INT_POINTER, 0), member("_M_finish", INT_POINTER, 8)],
            ),
        ),
        (VECTOR, record("std::vector<int, std::allocator<int> >", 24, vec![member("_M_impl", IMPL, 0)])),
        (CHAR, Type { name: "char".into(), size: Some(1), kind: TypeKind::Base(BaseKind::Char { signed: true }) }),
        (
            CHAR_POINTER,
            Type {
                name: "char *".into(),
                size: Some(8),
                kind: TypeKind::Pointer { target: Some(id(CHAR)), reference: false },
            },
        ),
        (DATAPLUS, record("std::__cxx11::basic_string<char>::_Alloc_hider", 8, vec![member("_M_p", CHAR_POINTER, 0)])),
        (
            STRING,
            record(
                "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >",
                32,
                vec![member("_M_dataplus", DATAPLUS, 0), member("_M_string_length", INT, 8)],
            ),
        ),
    ]);
    let args = HashMap::from([(VECTOR, vec![id(INT)])]);
    TestImage { types, args, base: BASE, bytes }
}

/// A vector of three ints at 0x1000 whose elements are at 0x1100, and a string "hello" at 0x1020 (text at 0x1200).
fn image() -> Fake {
    let mut bytes = vec![0u8; 0x300];
    bytes[..16].copy_from_slice(&words(&[BASE + 0x100, BASE + 0x10c]));
    bytes[0x20..0x30].copy_from_slice(&words(&[BASE + 0x200, 5]));
    for (i, v) in [10i32, -20, 30].iter().enumerate() {
        bytes[0x100 + 4 * i..0x104 + 4 * i].copy_from_slice(&v.to_le_bytes());
    }
    bytes[0x200..0x205].copy_from_slice(b"hello");
    fake(bytes)
}

#[test]
fn a_vector_shows_its_size_and_its_elements() {
    let mut mem = image();
    let ty = mem.type_of(id(VECTOR)).unwrap();
    let vector = mem.object(ty, Some(id(VECTOR)), BASE);
    assert_eq!(line(&vector, &mut mem, 0), Some(Summary::Line("{ size=3 }".into())));
    let found = expansion(&vector, &mut mem).unwrap();
    assert_eq!((found.count, found.indexed, found.claimed), (3, true, None));
    let elements = children(&vector, "v", 1, 5, &mut mem);
    let names: Vec<_> = elements.iter().map(|c| (c.name.as_str(), c.kind.clone())).collect();
    assert_eq!(names, [("[1]", ChildKind::Element(1)), ("[2]", ChildKind::Element(2))]);
    assert_eq!(summary_of(&elements[0].value, &mut mem, 0), Summary::Signed(-20));
    let third = element(&vector, 2, &mut mem).unwrap().unwrap();
    assert_eq!(summary_of(&third, &mut mem, 0), Summary::Signed(30));
    let outside = element(&vector, 3, &mut mem).unwrap().unwrap_err().to_string();
    assert!(outside.contains("index 3 is outside"), "{outside}");
}

#[test]
fn a_string_shows_its_text() {
    let mut mem = image();
    let ty = mem.type_of(id(STRING)).unwrap();
    let string = mem.object(ty, Some(id(STRING)), BASE + 0x20);
    assert_eq!(summary_of(&string, &mut mem, 0), Summary::Text("hello".into()));
    // `s[1]` is a character of the text, not the string's `[size]` item; past its length it is refused.
    let e = element(&string, 1, &mut mem).unwrap().unwrap();
    assert_eq!(summary_of(&e, &mut mem, 0), Summary::Char(i64::from(b'e')));
    let outside = element(&string, 5, &mut mem).unwrap().unwrap_err().to_string();
    assert!(outside.contains("which is 5 long"), "{outside}");
}

#[test]
fn a_corrupt_vector_is_capped_and_its_unreadable_elements_say_so() {
    let mut bytes = image().bytes;
    // The end 2^40 ints after the start: far more than any real vector in this image.
    bytes[8..16].copy_from_slice(&(BASE + 0x100 + (4 << 40)).to_le_bytes());
    let mut mem = fake(bytes);
    let ty = mem.type_of(id(VECTOR)).unwrap();
    let vector = mem.object(ty, Some(id(VECTOR)), BASE);
    let found = expansion(&vector, &mut mem).unwrap();
    assert_eq!((found.count, found.claimed), (MAX_CONTAINER, Some(1 << 40)));
    let far = children(&vector, "v", 1000, 1, &mut mem);
    assert_eq!(far.len(), 1);
    assert!(matches!(far[0].value.bytes, ValueBytes::MemoryError(_)));
}

#[test]
fn a_type_no_definition_fits_shows_plainly() {
    let mut mem = image();
    // Named as a vector, laid out as something else: the definition's paths fail, so no visualizer applies.
    let odd = record("std::vector<odd>", 4, vec![member("x", INT, 0)]);
    let value = mem.object(odd, None, BASE);
    assert_eq!(line(&value, &mut mem, 0), None);
    assert!(expansion(&value, &mut mem).is_none());
    assert_eq!(children(&value, "v", 0, 10, &mut mem).len(), 1);
}
