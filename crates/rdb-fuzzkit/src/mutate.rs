//! Mutated copies of a module file for the property tests: bits flipped anywhere or inside one section's contents
//! (DWARF, CFI, symbol and string tables), the file cut short, and header fields (ELF and program and section
//! headers; PE's COFF and optional headers and section table) set to values that break parsers: zero, all ones,
//! sign boundaries, just past the file's end.

use object::{Object, ObjectSection};

use crate::rng::Rng;

/// A copy of `file` with one to three mutations.
pub fn mutate(file: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut bytes = file.to_vec();
    let sections = section_ranges(file);
    let fields = header_fields(file);
    for _ in 0..1 + rng.below(3) {
        if bytes.is_empty() {
            break;
        }
        match rng.below(4) {
            0 => flip_bits(&mut bytes, 0..file.len(), rng),
            1 if !sections.is_empty() => {
                let range = rng.pick(&sections).clone();
                flip_bits(&mut bytes, range, rng);
            }
            2 if !fields.is_empty() => {
                let (offset, width) = *rng.pick(&fields);
                set_field(&mut bytes, offset, width, rng);
            }
            _ => bytes.truncate(rng.below(bytes.len())),
        }
    }
    bytes
}

/// Flip one to eight bits inside `range` (clipped to the bytes).
fn flip_bits(bytes: &mut [u8], range: std::ops::Range<usize>, rng: &mut Rng) {
    let end = range.end.min(bytes.len());
    if range.start >= end {
        return;
    }
    for _ in 0..1 + rng.below(8) {
        let at = range.start + rng.below(end - range.start);
        bytes[at] ^= 1 << rng.below(8);
    }
}

/// Write a troublesome value (an offset at or just past the file's end among them) into the `width`-byte little-endian field at `offset`.
fn set_field(bytes: &mut [u8], offset: usize, width: usize, rng: &mut Rng) {
    let len = bytes.len() as u64;
    let Some(field) = bytes.get_mut(offset..offset + width) else { return };
    let old = field.iter().rev().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    let top = 1u64 << (8 * width - 1);
    let random = rng.next_u64();
    let value = *rng.pick(&[
        0,
        1,
        u64::MAX,
        top,
        top - 1,
        old.wrapping_add(1),
        old.wrapping_sub(1),
        old.wrapping_mul(2),
        len,
        len + 1,
        random,
    ]);
    field.copy_from_slice(&value.to_le_bytes()[..width]);
}

/// The file ranges of the sections' contents, as `object` reads them from the unmutated file.
fn section_ranges(file: &[u8]) -> Vec<std::ops::Range<usize>> {
    let Ok(obj) = object::File::parse(file) else { return Vec::new() };
    obj.sections()
        .filter_map(|s| s.file_range())
        .filter(|&(_, size)| size > 0)
        .map(|(offset, size)| offset as usize..(offset + size) as usize)
        .collect()
}

/// The (offset, width) of every header field: ELF's file, program and section headers, or PE's COFF header,
/// optional header (data directories included) and section table.
fn header_fields(file: &[u8]) -> Vec<(usize, usize)> {
    let u16_at = |at: usize| file.get(at..at + 2).map(|b| usize::from(u16::from_le_bytes([b[0], b[1]])));
    let u32_at = |at: usize| file.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
    let u64_at = |at: usize| u32_at(at).zip(u32_at(at + 4)).map(|(lo, hi)| lo | (hi << 32));
    let mut fields = Vec::new();
    if file.starts_with(b"\x7fELF") {
        // e_type .. e_shstrndx, then each program header (56 bytes) and section header (64 bytes).
        #[rustfmt::skip]
        const FILE_HEADER: [(usize, usize); 13] = [
            (16, 2), (18, 2), (20, 4), (24, 8), (32, 8), (40, 8), (48, 4), (52, 2), (54, 2), (56, 2), (58, 2),
            (60, 2), (62, 2),
        ];
        const PROGRAM_HEADER: [(usize, usize); 8] =
            [(0, 4), (4, 4), (8, 8), (16, 8), (24, 8), (32, 8), (40, 8), (48, 8)];
        const SECTION_HEADER: [(usize, usize); 10] =
            [(0, 4), (4, 4), (8, 8), (16, 8), (24, 8), (32, 8), (40, 4), (44, 4), (48, 8), (56, 8)];
        fields.extend(FILE_HEADER);
        let table = |offset: Option<usize>, count: Option<usize>, size: usize, layout: &[(usize, usize)]| {
            let (Some(offset), Some(count)) = (offset, count) else { return Vec::new() };
            (0..count.min(64))
                .flat_map(|i| layout.iter().map(move |&(at, width)| (offset + i * size + at, width)))
                .collect::<Vec<_>>()
        };
        fields.extend(table(u64_at(32), u16_at(56), 56, &PROGRAM_HEADER));
        fields.extend(table(u64_at(40), u16_at(60), 64, &SECTION_HEADER));
    } else if let Some(pe) = u32_at(0x3c).filter(|&pe| file.get(pe..pe + 4) == Some(b"PE\0\0")) {
        // The COFF header (20 bytes), the optional header four bytes at a time, then 40-byte section headers.
        let coff = pe + 4;
        const COFF_HEADER: [(usize, usize); 7] = [(0, 2), (2, 2), (4, 4), (8, 4), (12, 4), (16, 2), (18, 2)];
        const SECTION_HEADER: [(usize, usize); 9] =
            [(8, 4), (12, 4), (16, 4), (20, 4), (24, 4), (28, 4), (32, 2), (34, 2), (36, 4)];
        fields.extend(COFF_HEADER.iter().map(|&(at, width)| (coff + at, width)));
        let optional = coff + 20;
        let optional_size = u16_at(coff + 16).unwrap_or(0);
        fields.extend((0..optional_size / 4).map(|i| (optional + 4 * i, 4)));
        let sections = optional + optional_size;
        for i in 0..u16_at(coff + 2).unwrap_or(0).min(96) {
            fields.extend(SECTION_HEADER.iter().map(|&(at, width)| (sections + 40 * i + at, width)));
        }
    }
    fields.retain(|&(at, width)| at + width <= file.len());
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_of_the_in_memory_process_module_are_its_headers() {
        let file = std::fs::read(crate::process::module_path()).unwrap();
        let fields = header_fields(&file);
        // 13 file header fields, 4 PT_LOAD and 9 other program headers of 8 fields, 10 fields per section header.
        let shnum = usize::from(u16::from_le_bytes([file[60], file[61]]));
        assert_eq!(fields.len(), 13 + 13 * 8 + 10 * shnum);
        let mut rng = Rng::new(1);
        let copies: Vec<Vec<u8>> = (0..20).map(|_| mutate(&file, &mut rng)).collect();
        // A mutation can undo another or write a field's own value, rarely.
        assert!(copies.iter().filter(|c| *c != &file).count() >= 18, "the copies are mutated");
    }
}
