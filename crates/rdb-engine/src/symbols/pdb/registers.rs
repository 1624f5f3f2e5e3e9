//! CodeView's x64 register numbers (`CV_AMD64_*` in cvconst.h) as the DWARF register numbers a frame is asked for
//! ([`FrameAccess::register`](crate::symbols::FrameAccess)): a PDB names the register a variable lives in, or
//! its place is relative to, by CodeView's number.

/// The DWARF register that holds CodeView register `cv` (or its low part: `eax`, `r8d`, `xmm0l` are read from
/// `rax`, `r8`, `xmm0`'s low bytes); `None` for one with no DWARF number or one not at the low end of its register
/// (`ah`), which a little-endian read of the whole register would get wrong.
pub(crate) fn dwarf_register(cv: u16) -> Option<u16> {
    // The order of DWARF's first eight: rax rdx rcx rbx rsi rdi rbp rsp, against CodeView's a c d b sp bp si di.
    const LEGACY: [u16; 8] = [0, 2, 1, 3, 7, 6, 4, 5];
    Some(match cv {
        // al cl dl bl
        1..=4 => LEGACY[usize::from(cv - 1)],
        // ax cx dx bx sp bp si di; eax ecx edx ebx esp ebp esi edi
        9..=16 => LEGACY[usize::from(cv - 9)],
        17..=24 => LEGACY[usize::from(cv - 17)],
        33 => 16,
        // xmm0–xmm7, and their low halves and singles (xmm0l)
        154..=161 => 17 + (cv - 154),
        194..=201 => 17 + (cv - 194),
        // xmm8–xmm15 and their low parts
        252..=259 => 25 + (cv - 252),
        292..=299 => 25 + (cv - 292),
        // sil dil bpl spl
        324 => 4,
        325 => 5,
        326 => 6,
        327 => 7,
        // rax rbx rcx rdx rsi rdi rbp rsp
        328 => 0,
        329 => 3,
        330 => 2,
        331 => 1,
        332 => 4,
        333 => 5,
        334 => 6,
        335 => 7,
        // r8–r15, then their byte, word and dword parts
        336..=343 => 8 + (cv - 336),
        344..=351 => 8 + (cv - 344),
        352..=359 => 8 + (cv - 352),
        360..=367 => 8 + (cv - 360),
        _ => return None,
    })
}

/// The register `S_FRAMEPROC`'s two-bit encoding names as the base of a procedure's locals or parameters
/// (`S_DEFRANGE_FRAMEPOINTER_REL` offsets are from it): 1 rsp, 2 rbp, 3 r13; 0 (none) read as rsp, what x64 code
/// without a frame pointer addresses its frame from.
pub(crate) fn frame_base(encoded: u8) -> u16 {
    match encoded {
        2 => 6,
        3 => 13,
        _ => 7,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codeview_registers_map_to_dwarfs() {
        assert_eq!(dwarf_register(328), Some(0), "rax");
        assert_eq!(dwarf_register(331), Some(1), "rdx");
        assert_eq!(dwarf_register(335), Some(7), "rsp");
        assert_eq!(dwarf_register(17), Some(0), "eax");
        assert_eq!(dwarf_register(18), Some(2), "ecx");
        assert_eq!(dwarf_register(24), Some(5), "edi");
        assert_eq!(dwarf_register(343), Some(15), "r15");
        assert_eq!(dwarf_register(360), Some(8), "r8d");
        assert_eq!(dwarf_register(154), Some(17), "xmm0");
        assert_eq!(dwarf_register(259), Some(32), "xmm15");
        assert_eq!(dwarf_register(5), None, "ah is not the low byte of rax");
        assert_eq!(dwarf_register(0), None);
        assert_eq!(frame_base(2), 6);
        assert_eq!(frame_base(1), 7);
    }
}
