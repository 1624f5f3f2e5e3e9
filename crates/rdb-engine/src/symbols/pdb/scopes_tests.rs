//! Where a PDB's variable is at a pc, from records made by hand: its `S_DEFRANGE_*` ranges and their gaps, the
//! frame pointer `S_FRAMEPROC` names for locals and for parameters, a variable held field by field in registers.

use super::scopes::{DefRange, PdbVariable, Place, Procedure, RangePlace, Whereabouts, locate, whereabouts};
use crate::symbols::{Piece, PieceLocation, Unanswered};

fn procedure(variables: Vec<PdbVariable>) -> Procedure {
    // Locals from rsp (7), parameters from rbp (6).
    Procedure { name: "f".into(), start: 0x1000, end: 0x1100, module: 0, locals_base: 7, params_base: 6, variables }
}

fn variable(name: &str, parameter: bool, ranges: Vec<DefRange>) -> PdbVariable {
    PdbVariable { name: name.into(), ty: 0x74, parameter, scope: (0x1000, 0x1100), place: Place::Ranges(ranges) }
}

fn range(start: u64, end: u64, gaps: &[(u64, u64)], place: RangePlace) -> DefRange {
    DefRange { start, end, gaps: gaps.to_vec(), place }
}

#[test]
fn the_range_holding_the_pc_outside_its_gaps_says_where_a_variable_is() {
    // In ecx (CodeView 18) over [0x1010, 0x1040) but for [0x1020, 0x1028); on the stack from 0x1040.
    let v = variable(
        "x",
        false,
        vec![
            range(0x1010, 0x1040, &[(0x1020, 0x1028)], RangePlace::Register(18)),
            range(0x1040, 0x1080, &[], RangePlace::FrameRelative(0x2c)),
        ],
    );
    let p = procedure(vec![v.clone()]);
    assert_eq!(whereabouts(&p, &v, 0x1010), Some(Whereabouts::Register(2)));
    assert_eq!(whereabouts(&p, &v, 0x1020), None, "in the gap");
    assert_eq!(whereabouts(&p, &v, 0x1028), Some(Whereabouts::Register(2)), "after the gap");
    assert_eq!(whereabouts(&p, &v, 0x1040), Some(Whereabouts::Relative { register: 7, offset: 0x2c }));
    assert_eq!(whereabouts(&p, &v, 0x1080), None, "past its last range");
    assert_eq!(whereabouts(&p, &v, 0x1000), None, "before its first");
    let rsp = |n: u16| (n == 7).then_some(0x8000u64);
    assert_eq!(
        locate(&p, &v, 0x1050, Some(4), &rsp, 0),
        Ok(vec![Piece { location: PieceLocation::Memory(0x802c), size_bits: None, bit_offset: None }])
    );
    // A frame that does not know the register: unavailable, not guessed.
    assert_eq!(locate(&p, &v, 0x1050, Some(4), &|_| None, 0), Err(Unanswered::Unavailable));
}

#[test]
fn parameters_count_from_the_parameters_frame_pointer() {
    let v = variable("a", true, vec![range(0x1000, 0x1100, &[], RangePlace::FrameRelative(16))]);
    let p = procedure(vec![v.clone()]);
    assert_eq!(whereabouts(&p, &v, 0x1004), Some(Whereabouts::Relative { register: 6, offset: 16 }));
    let r = variable(
        "b",
        false,
        vec![range(0x1000, 0x1100, &[], RangePlace::RegisterRelative { register: 334, offset: -8 })],
    );
    assert_eq!(whereabouts(&p, &r, 0x1004), Some(Whereabouts::Relative { register: 6, offset: -8 }));
    // A register CodeView numbers but DWARF cannot name (ah): no place.
    let h = variable("h", false, vec![range(0x1000, 0x1100, &[], RangePlace::Register(5))]);
    assert_eq!(whereabouts(&p, &h, 0x1004), None);
}

#[test]
fn a_variable_held_field_by_field_is_pieces_in_offset_order() {
    // A 12-byte struct: bytes 8..12 in r8d (CodeView 360), bytes 0..8 in rax; nothing for a moment at 0x1030.
    let v = variable(
        "s",
        false,
        vec![
            range(0x1000, 0x1040, &[], RangePlace::Field { register: 360, offset: 8 }),
            range(0x1000, 0x1030, &[], RangePlace::Field { register: 328, offset: 0 }),
        ],
    );
    let p = procedure(vec![v.clone()]);
    let pieces = locate(&p, &v, 0x1010, Some(12), &|_| None, 0).expect("pieces");
    assert_eq!(
        pieces,
        [
            Piece { location: PieceLocation::Register(0), size_bits: Some(64), bit_offset: None },
            Piece { location: PieceLocation::Register(8), size_bits: Some(32), bit_offset: None },
        ]
    );
    // Once rax no longer holds the first field, its bytes are gone and the rest is still in r8.
    let pieces = locate(&p, &v, 0x1030, Some(12), &|_| None, 0).expect("pieces");
    assert_eq!(
        pieces,
        [
            Piece { location: PieceLocation::Unavailable, size_bits: Some(64), bit_offset: None },
            Piece { location: PieceLocation::Register(8), size_bits: Some(32), bit_offset: None },
        ]
    );
}

#[test]
fn whole_procedure_places_need_no_range() {
    let p = procedure(Vec::new());
    let rel = PdbVariable { place: Place::Relative { register: 7, offset: 0x40 }, ..variable("r", true, Vec::new()) };
    assert_eq!(whereabouts(&p, &rel, 0x10ff), Some(Whereabouts::Relative { register: 7, offset: 0x40 }));
    let reg = PdbVariable { place: Place::Register(3), ..variable("g", false, Vec::new()) };
    assert_eq!(whereabouts(&p, &reg, 0x1000), Some(Whereabouts::Register(3)));
    // An S_LOCAL with no range at all is optimised out everywhere.
    let none = variable("n", false, Vec::new());
    assert_eq!(locate(&p, &none, 0x1000, Some(4), &|_| Some(0), 0), Err(Unanswered::Unavailable));
}

#[test]
fn sizes_and_addresses_at_the_ends_of_their_ranges_do_not_overflow() {
    let v = variable("s", false, vec![range(0x1000, 0x1040, &[], RangePlace::Field { register: 328, offset: 0 })]);
    let p = procedure(vec![v.clone()]);
    let pieces = locate(&p, &v, 0x1000, Some(u64::MAX), &|_| None, 0).expect("pieces");
    assert_eq!(pieces.last().and_then(|p| p.size_bits), Some(u64::MAX));
    let high = PdbVariable { place: Place::Relative { register: 7, offset: -16 }, ..variable("h", false, Vec::new()) };
    assert_eq!(
        locate(&p, &high, 0x1000, Some(4), &|_| Some(8), 0),
        Ok(vec![Piece { location: PieceLocation::Memory(8u64.wrapping_sub(16)), size_bits: None, bit_offset: None }])
    );
}

#[test]
fn a_functions_static_is_at_its_address_in_the_whole_function() {
    let p = procedure(Vec::new());
    let s = PdbVariable { place: Place::Static(0x1_4000_3000), ..variable("calls", false, Vec::new()) };
    assert_eq!(whereabouts(&p, &s, 0x1000), Some(Whereabouts::Static(0x1_4000_3000)));
    assert_eq!(
        locate(&p, &s, 0x1000, Some(4), &|_| None, 0x1000),
        Ok(vec![Piece { location: PieceLocation::Memory(0x1_4000_4000), size_bits: None, bit_offset: None }])
    );
}
