//! `Session::frames` against the fake target: a frame-pointer stack two callers deep, as the unwinder's own tests
//! build one, read through the session.

use super::*;
use crate::memory::MemorySnapshot;

const STACK: u64 = 0x7ffe_0000;

#[test]
fn frames_give_pc_sp_cfa_and_return_address() {
    let (mut session, state, _) = started(&[], VecDeque::new());
    // Frame 0 (rsp = STACK, rbp = STACK+0x10): [rbp] = the caller's rbp, [rbp+8] = the return address.
    // Frame 1 (rsp = STACK+0x20, rbp = STACK+0x30): it returns to ENTRY+0x80, and rbp 0 there ends the chain.
    let mut words = [0u64; 12];
    (words[2], words[3], words[6], words[7]) = (STACK + 0x30, ENTRY + 0x40, 0, ENTRY + 0x80);
    let stack = MemorySnapshot::from_words(STACK, &words);
    {
        let mut s = state.borrow_mut();
        s.regs.insert(TID, Registers { rip: ENTRY + 0x10, rsp: STACK, rbp: STACK + 0x10, ..Default::default() });
        s.memory.extend(stack.bytes.iter().enumerate().map(|(i, b)| (STACK + i as u64, *b)));
    }
    session.forget_registers();

    let frames = session.frames(TID, 16).unwrap();
    let shape: Vec<_> = frames.iter().map(|f| (f.index, f.pc, f.sp, f.cfa, f.return_address)).collect();
    assert_eq!(
        shape,
        [
            (0, ENTRY + 0x10, STACK, Some(STACK + 0x20), Some(ENTRY + 0x40)),
            (1, ENTRY + 0x40, STACK + 0x20, Some(STACK + 0x40), Some(ENTRY + 0x80)),
            (2, ENTRY + 0x80, STACK + 0x40, None, None),
        ]
    );
    assert_eq!(frames[1].registers.rbp, STACK + 0x30, "the caller's rbp, recovered from the chain");
    assert_eq!(frames[1].registers.rip, frames[1].pc);
    // The fake's executable has no symbol file: the module, and the offset into it.
    let place = frames[0].place.as_ref().unwrap();
    assert_eq!((place.module.as_str(), place.module_offset), ("demo", ENTRY + 0x10 - EXE_BASE));
    assert_eq!(place.symbol, None);
    assert_eq!(frames[0].source, None);
    // A count cuts the walk short, and the last frame shown still knows where it returns to.
    let two = session.frames(TID, 2).unwrap();
    assert_eq!(two.len(), 2);
    assert_eq!((two[1].return_address, two[1].cfa), (Some(ENTRY + 0x80), Some(STACK + 0x40)));
}
