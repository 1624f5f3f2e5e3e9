//! Linux's `user_regs_struct` for x86-64, the registers an ELF core's NT_PRSTATUS holds: its 27 words in the
//! kernel's order, read by the core reader and written by the core writer from this one list.

use rdb_engine::regs::Registers;

/// How many words `user_regs_struct` has.
pub(crate) const WORDS: usize = 27;

/// The registers from the words, in the kernel's order.
pub(crate) fn from_words(words: [u64; WORDS]) -> Registers {
    let [
        r15,
        r14,
        r13,
        r12,
        rbp,
        rbx,
        r11,
        r10,
        r9,
        r8,
        rax,
        rcx,
        rdx,
        rsi,
        rdi,
        orig_rax,
        rip,
        cs,
        eflags,
        rsp,
        ss,
        fs_base,
        gs_base,
        ds,
        es,
        fs,
        gs,
    ] = words;
    Registers {
        rax,
        rbx,
        rcx,
        rdx,
        rsi,
        rdi,
        rbp,
        rsp,
        r8,
        r9,
        r10,
        r11,
        r12,
        r13,
        r14,
        r15,
        rip,
        rflags: eflags,
        cs: cs as u16,
        ss: ss as u16,
        ds: ds as u16,
        es: es as u16,
        fs: fs as u16,
        gs: gs as u16,
        fs_base,
        gs_base,
        orig_rax,
    }
}

/// The words of the registers, in the kernel's order.
pub(crate) fn to_words(r: &Registers) -> [u64; WORDS] {
    [
        r.r15,
        r.r14,
        r.r13,
        r.r12,
        r.rbp,
        r.rbx,
        r.r11,
        r.r10,
        r.r9,
        r.r8,
        r.rax,
        r.rcx,
        r.rdx,
        r.rsi,
        r.rdi,
        r.orig_rax,
        r.rip,
        u64::from(r.cs),
        r.rflags,
        r.rsp,
        u64::from(r.ss),
        r.fs_base,
        r.gs_base,
        u64::from(r.ds),
        u64::from(r.es),
        u64::from(r.fs),
        u64::from(r.gs),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_words_read_back_as_written() {
        // The segment selectors (cs, ss, ds, es, fs, gs) are 16 bits; every other word is 64.
        const SELECTORS: [usize; 6] = [17, 20, 23, 24, 25, 26];
        let words: [u64; WORDS] =
            std::array::from_fn(|i| if SELECTORS.contains(&i) { i as u64 } else { 0x1_0000_0000 + i as u64 });
        assert_eq!(to_words(&from_words(words)), words);
        let r = from_words(words);
        assert_eq!((r.r15, r.rip, r.cs, r.gs), (0x1_0000_0000, 0x1_0000_0010, 17, 26));
    }
}
