//! A module's GNU build id read from its image in the process (its program headers, then its PT_NOTE segments), for
//! the CodeView record Breakpad gives each module of a Linux minidump (`BpEL` and the id): what symbol servers and
//! `minidump-stackwalk` identify a module's file by. The image is the debuggee's memory, so every field is checked.

use rdb_engine::memory::ReadMemory;

const PT_LOAD: u32 = 1;
const PT_NOTE: u32 = 4;
const NT_GNU_BUILD_ID: u32 = 3;
/// How much of a note segment is read at most.
const MAX_NOTES: u64 = 0x1000;

/// The build id of the ELF image mapped at `base`, if it has one.
pub(super) fn build_id(memory: &mut dyn ReadMemory, base: u64) -> Option<Vec<u8>> {
    let mut header = [0u8; 64];
    memory.read_exact(base, &mut header).ok()?;
    if &header[..4] != b"\x7fELF" || header[4] != 2 || header[5] != 1 {
        return None;
    }
    let phoff = u64_at(&header, 0x20)?;
    let phentsize = u64::from(u16_at(&header, 0x36)?);
    let phnum = u64::from(u16_at(&header, 0x38)?);
    if phentsize < 56 || phnum > 256 {
        return None;
    }
    let mut table = vec![0u8; (phentsize * phnum) as usize];
    memory.read_exact(base.checked_add(phoff)?, &mut table).ok()?;
    let headers: Vec<(u32, u64, u64)> = table
        .chunks_exact(phentsize as usize)
        .filter_map(|h| Some((u32_at(h, 0)?, u64_at(h, 0x10)?, u64_at(h, 0x28)?)))
        .collect();
    // Where the image's addresses are: the first PT_LOAD's page is at `base`.
    let first = headers.iter().find(|h| h.0 == PT_LOAD)?.1 & !0xfff;
    let bias = base.wrapping_sub(first);
    for &(_, vaddr, memsz) in headers.iter().filter(|h| h.0 == PT_NOTE) {
        let mut notes = vec![0u8; memsz.min(MAX_NOTES) as usize];
        let n = memory.read(bias.wrapping_add(vaddr), &mut notes).ok()?;
        notes.truncate(n);
        if let Some(id) = gnu_build_id(&notes) {
            return Some(id);
        }
    }
    None
}

/// The NT_GNU_BUILD_ID note's descriptor among `notes`.
fn gnu_build_id(notes: &[u8]) -> Option<Vec<u8>> {
    let align = |n: usize| n.checked_add(3).map(|n| n & !3);
    let mut at = 0usize;
    while at + 12 <= notes.len() {
        let namesz = u32_at(notes, at)? as usize;
        let descsz = u32_at(notes, at + 4)? as usize;
        let kind = u32_at(notes, at + 8)?;
        let name_at = at + 12;
        let desc_at = name_at.checked_add(align(namesz)?)?;
        let end = desc_at.checked_add(align(descsz)?)?;
        let name = notes.get(name_at..name_at.checked_add(namesz)?)?;
        if kind == NT_GNU_BUILD_ID && name == b"GNU\0" {
            return notes.get(desc_at..desc_at.checked_add(descsz)?).map(<[u8]>::to_vec);
        }
        at = end;
    }
    None
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::gnu_build_id;

    #[test]
    fn the_gnu_note_is_found_among_others_and_bad_sizes_end_the_search() {
        let mut notes = Vec::new();
        for (name, kind, desc) in [(&b"XYZ\0"[..], 3u32, &[9u8, 9][..]), (b"GNU\0", 3, &[1, 2, 3, 4, 5])] {
            notes.extend((name.len() as u32).to_le_bytes());
            notes.extend((desc.len() as u32).to_le_bytes());
            notes.extend(kind.to_le_bytes());
            notes.extend(name);
            notes.extend(desc);
            notes.resize(notes.len().div_ceil(4) * 4, 0);
        }
        assert_eq!(gnu_build_id(&notes), Some(vec![1, 2, 3, 4, 5]));
        assert_eq!(gnu_build_id(&notes[..20]), None, "cut short");
        let mut huge = notes.clone();
        huge[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(gnu_build_id(&huge), None);
    }
}
