//! A core file of a stopped program with its variables' memory corrupted as a hostile or broken program leaves it:
//! the words of each variable and of what its first words point to set to the values that break containers (a
//! length of 2^60, all ones, zero, a pointer to itself or to another variable: a cycle). The value model and its
//! visualizers must answer every question on such memory in bounded time, without a panic, and every failing
//! command in one line.

use object::elf::PT_LOAD;
use object::read::elf::{ElfFile64, ProgramHeader};

use crate::rng::Rng;

/// The file ranges of a core's memory segments: (address, file offset, length).
fn segments(core: &[u8]) -> Vec<(u64, usize, usize)> {
    let Ok(elf) = ElfFile64::<object::Endianness>::parse(core) else { return Vec::new() };
    let endian = elf.endian();
    elf.elf_program_headers()
        .iter()
        .filter(|h| h.p_type(endian) == PT_LOAD && h.p_filesz(endian) > 0)
        .map(|h| (h.p_vaddr(endian), h.p_offset(endian) as usize, h.p_filesz(endian) as usize))
        .collect()
}

/// The file offset of the word at `address`, where the core holds it.
fn offset_of(segments: &[(u64, usize, usize)], address: u64) -> Option<usize> {
    segments.iter().find_map(|&(start, offset, len)| {
        let inside = address.checked_sub(start).filter(|&d| d + 8 <= len as u64)?;
        Some(offset + inside as usize)
    })
}

fn word_at(core: &[u8], offset: usize) -> u64 {
    core.get(offset..offset + 8).map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default())).unwrap_or(0)
}

/// The addresses worth corrupting: each variable's first words, and the first words of what they point to.
pub fn targets(core: &[u8], variables: &[u64]) -> Vec<u64> {
    let segments = segments(core);
    let mut out = Vec::new();
    for &address in variables {
        for k in 0..6 {
            let at = address + 8 * k;
            out.push(at);
            if let Some(offset) = offset_of(&segments, at) {
                let pointee = word_at(core, offset);
                if offset_of(&segments, pointee).is_some() {
                    out.extend((0..6).map(|j| pointee + 8 * j));
                }
            }
        }
    }
    out.retain(|&a| offset_of(&segments, a).is_some());
    out
}

/// A copy of `core` with one to four of `targets`' words set to a breaking value.
pub fn corrupt(core: &[u8], targets: &[u64], rng: &mut Rng) -> Vec<u8> {
    let segments = segments(core);
    let mut bytes = core.to_vec();
    if targets.is_empty() {
        return bytes;
    }
    for _ in 0..1 + rng.below(4) {
        let at = *rng.pick(targets);
        let Some(offset) = offset_of(&segments, at) else { continue };
        let value = match rng.below(9) {
            0 => 0,
            1 => u64::MAX,
            2 => 1 << 60,
            3 => i64::MAX as u64,
            4 => at,                 // a pointer to itself: a cycle of one
            5 => *rng.pick(targets), // a pointer to another variable's words
            6 => word_at(core, offset).wrapping_add(8 * (1 + rng.below(4) as u64)),
            7 => rng.below(1 << 16) as u64,
            _ => rng.next_u64(),
        };
        bytes[offset..offset + 8].copy_from_slice(&value.to_le_bytes());
    }
    bytes
}
