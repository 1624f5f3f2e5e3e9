//! Getting a thread past one instruction without executing it where it lives, so the int3 of a breakpoint on it
//! can stay in place while every thread runs: either the engine does what the instruction does by editing
//! registers (and the stack), or the instruction is copied elsewhere, relocated, and followed by a jump back.
//!
//! Only what is certain is accepted. Anything the engine cannot reproduce exactly (an instruction whose effect
//! depends on its own address other than through a rip-relative operand or a relative branch, a system call, an
//! interrupt, a relocation iced-x86 can only make by expanding the instruction into several) gets `None`, and the
//! caller falls back to removing the int3 for a single step.

use iced_x86::{
    BlockEncoder, BlockEncoderOptions, Code, Decoder, DecoderOptions, FlowControl, Instruction, InstructionBlock,
    Mnemonic, OpKind, Register,
};

use crate::regs::Registers;

/// The longest an x86-64 instruction can be.
pub const MAX_INSTRUCTION: usize = 15;
/// The most bytes a copy takes: a relative branch grows from rel8 to rel32 (at most 4 bytes more), then a 5-byte jmp.
pub const MAX_COPY: usize = MAX_INSTRUCTION + 4 + 5;

/// What the instruction at a breakpoint does, when the engine can do it itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Emulation {
    /// Nothing but moving on (`nop`, `endbr64`, the usual first instruction of a function built for CET).
    Skip { next: u64 },
    /// `jmp rel`: rip goes to the target.
    Jump { target: u64 },
    /// `call rel32`: the return address is pushed, rip goes to the target.
    Call { target: u64, next: u64 },
    /// `push r64` (`push rbp`): the register's value is pushed.
    Push { register: u8, next: u64 },
    /// `mov r64,r64` (`mov rbp,rsp`).
    Move { to: u8, from: u8, next: u64 },
}

/// A write the emulation makes to memory: 8 bytes at an address (the stack).
pub type StackWrite = (u64, [u8; 8]);

impl Emulation {
    /// Do it to `regs`; returns what must be written to memory, which the caller writes before the registers.
    /// Flags are untouched: none of these instructions changes them.
    pub fn apply(self, regs: &mut Registers) -> Option<StackWrite> {
        let push = |regs: &mut Registers, value: u64| {
            regs.rsp = regs.rsp.wrapping_sub(8);
            (regs.rsp, value.to_le_bytes())
        };
        match self {
            Emulation::Skip { next } => {
                regs.rip = next;
                None
            }
            Emulation::Jump { target } => {
                regs.rip = target;
                None
            }
            Emulation::Call { target, next } => {
                let write = push(regs, next);
                regs.rip = target;
                Some(write)
            }
            Emulation::Push { register, next } => {
                // `push rsp` pushes the value rsp had before the push: read first.
                let value = regs.by_encoding(register)?;
                let write = push(regs, value);
                regs.rip = next;
                Some(write)
            }
            Emulation::Move { to, from, next } => {
                let value = regs.by_encoding(from)?;
                regs.set_by_encoding(to, value);
                regs.rip = next;
                None
            }
        }
    }

    /// Whether it writes memory (which a data or memory breakpoint might be watching).
    pub fn writes_memory(self) -> bool {
        matches!(self, Emulation::Call { .. } | Emulation::Push { .. })
    }
}

/// The instruction at `address` whose bytes start `bytes`, if it decodes.
pub fn decode(bytes: &[u8], address: u64) -> Option<Instruction> {
    let mut decoder = Decoder::with_ip(64, bytes, address, DecoderOptions::NONE);
    let instr = decoder.decode();
    (!instr.is_invalid()).then_some(instr)
}

/// The number of a 64-bit general register in the instruction encoding (rax 0 … r15 15).
fn gpr64(register: Register) -> Option<u8> {
    register.is_gpr64().then(|| register.number() as u8)
}

/// How to emulate `instr`, if it is one of the few instructions worth it (a function's first instructions).
pub fn emulation(instr: &Instruction) -> Option<Emulation> {
    let next = instr.next_ip();
    match instr.code() {
        Code::Nopd | Code::Nopq | Code::Nopw | Code::Nop_rm16 | Code::Nop_rm32 | Code::Nop_rm64 | Code::Endbr64 => {
            Some(Emulation::Skip { next })
        }
        Code::Jmp_rel8_64 | Code::Jmp_rel32_64 => Some(Emulation::Jump { target: instr.near_branch_target() }),
        Code::Call_rel32_64 => Some(Emulation::Call { target: instr.near_branch_target(), next }),
        Code::Push_r64 => Some(Emulation::Push { register: gpr64(instr.op0_register())?, next }),
        Code::Mov_rm64_r64 | Code::Mov_r64_rm64
            if instr.op0_kind() == OpKind::Register && instr.op1_kind() == OpKind::Register =>
        {
            Some(Emulation::Move { to: gpr64(instr.op0_register())?, from: gpr64(instr.op1_register())?, next })
        }
        _ => None,
    }
}

/// An instruction copied to run at another address, followed by a jmp back to the instruction after the original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copy {
    pub code: Vec<u8>,
    /// Where the jmp back starts in `code`: a thread stopped there has executed the copied instruction.
    pub jump: usize,
}

/// Whether `instr` may run at another address once relocated: its effect must not depend on where it is, except
/// through what the relocation fixes (rip-relative operands, relative branches). A call would push the copy's
/// address as its return address; system calls, interrupts and transactions are left to the real thing.
pub fn movable(instr: &Instruction) -> bool {
    let refused_flow = matches!(
        instr.flow_control(),
        FlowControl::Call | FlowControl::IndirectCall | FlowControl::Interrupt | FlowControl::XbeginXabortXend
    );
    let refused_mnemonic = matches!(
        instr.mnemonic(),
        Mnemonic::Syscall
            | Mnemonic::Sysenter
            | Mnemonic::Int
            | Mnemonic::Int1
            | Mnemonic::Int3
            | Mnemonic::Into
            | Mnemonic::Jmpe
            | Mnemonic::Loop
            | Mnemonic::Loope
            | Mnemonic::Loopne
            | Mnemonic::Jrcxz
            | Mnemonic::Jecxz
    );
    // A far jump through memory changes cs: not ours to reproduce.
    let far = matches!(instr.op0_kind(), OpKind::FarBranch16 | OpKind::FarBranch32)
        || matches!(instr.code(), Code::Jmp_m1616 | Code::Jmp_m1632 | Code::Jmp_m1664);
    !refused_flow && !refused_mnemonic && !far
}

/// Copy `instr` to run at `at`, followed by a jmp to the instruction after it, or `None` when that cannot be done
/// exactly. The result is checked by decoding it: the copy must be one instruction doing the same thing (the same
/// mnemonic, the same branch target or rip-relative address) and then the jmp, nothing in between, so a thread
/// stopped in a copy is either before the instruction or at the jmp.
pub fn copy(instr: &Instruction, at: u64) -> Option<Copy> {
    if !movable(instr) {
        return None;
    }
    let back = Instruction::with_branch(Code::Jmp_rel32_64, instr.next_ip()).ok()?;
    let instructions = [*instr, back];
    let block = InstructionBlock::new(&instructions, at);
    let encoded = BlockEncoder::encode(64, block, BlockEncoderOptions::RETURN_NEW_INSTRUCTION_OFFSETS).ok()?;
    let code = encoded.code_buffer;
    let jump = *encoded.new_instruction_offsets.get(1)? as usize;
    if code.len() > MAX_COPY || jump == 0 || jump >= code.len() {
        return None;
    }
    let copied = decode(&code, at)?;
    let same = copied.mnemonic() == instr.mnemonic()
        && copied.len() == jump
        && copied.is_ip_rel_memory_operand() == instr.is_ip_rel_memory_operand()
        && (!instr.is_ip_rel_memory_operand() || copied.ip_rel_memory_address() == instr.ip_rel_memory_address())
        && branch_target(&copied) == branch_target(instr);
    let jmp = decode(code.get(jump..)?, at + jump as u64)?;
    let back_ok = jmp.code() == Code::Jmp_rel32_64
        && jmp.near_branch_target() == instr.next_ip()
        && jump + jmp.len() == code.len();
    (same && back_ok).then_some(Copy { code, jump })
}

fn branch_target(instr: &Instruction) -> Option<u64> {
    matches!(instr.op0_kind(), OpKind::NearBranch16 | OpKind::NearBranch32 | OpKind::NearBranch64)
        .then(|| instr.near_branch_target())
}

#[cfg(test)]
mod tests {
    use super::*;

    const AT: u64 = 0x40_1000;
    const SCRATCH: u64 = 0x7000_0000;

    fn instr(bytes: &[u8]) -> Instruction {
        decode(bytes, AT).expect("decodes")
    }

    #[test]
    fn function_prologues_are_emulated() {
        assert_eq!(emulation(&instr(&[0x55])), Some(Emulation::Push { register: 5, next: AT + 1 }));
        assert_eq!(emulation(&instr(&[0x41, 0x57])), Some(Emulation::Push { register: 15, next: AT + 2 }));
        assert_eq!(emulation(&instr(&[0x48, 0x89, 0xe5])), Some(Emulation::Move { to: 5, from: 4, next: AT + 3 }));
        assert_eq!(emulation(&instr(&[0xf3, 0x0f, 0x1e, 0xfa])), Some(Emulation::Skip { next: AT + 4 }));
        assert_eq!(
            emulation(&instr(&[0xe8, 0x10, 0, 0, 0])),
            Some(Emulation::Call { target: AT + 0x15, next: AT + 5 })
        );
        assert_eq!(emulation(&instr(&[0xeb, 0xfe])), Some(Emulation::Jump { target: AT }));
        assert_eq!(emulation(&instr(&[0x48, 0x83, 0xec, 0x10])), None, "sub rsp,10h changes the flags");
        assert_eq!(emulation(&instr(&[0x89, 0xe5])), None, "mov ebp,esp zero-extends: not emulated");
        assert_eq!(emulation(&instr(&[0x48, 0x8b, 0x07])), None, "mov rax,[rdi] reads memory");
    }

    #[test]
    fn emulations_do_what_the_instruction_does() {
        let mut r = Registers { rbp: 0x1111, rsp: 0x8000, rip: AT, ..Default::default() };
        assert_eq!(
            Emulation::Push { register: 5, next: AT + 1 }.apply(&mut r),
            Some((0x7ff8, 0x1111u64.to_le_bytes()))
        );
        assert_eq!((r.rsp, r.rip), (0x7ff8, AT + 1));
        let mut r = Registers { rsp: 0x8000, ..Default::default() };
        assert_eq!(Emulation::Push { register: 4, next: 0 }.apply(&mut r), Some((0x7ff8, 0x8000u64.to_le_bytes())));
        let mut r = Registers { rsp: 0x8000, rbp: 1, ..Default::default() };
        assert_eq!(Emulation::Move { to: 5, from: 4, next: 9 }.apply(&mut r), None);
        assert_eq!((r.rbp, r.rip), (0x8000, 9));
        let mut r = Registers { rsp: 0x8000, ..Default::default() };
        assert_eq!(
            Emulation::Call { target: 0x500, next: 0x405 }.apply(&mut r),
            Some((0x7ff8, 0x405u64.to_le_bytes()))
        );
        assert_eq!(r.rip, 0x500);
    }

    #[test]
    fn a_rip_relative_load_is_copied_with_its_operand_fixed() {
        // mov rax,qword ptr [rip+2EE0h]
        let original = instr(&[0x48, 0x8b, 0x05, 0xe0, 0x2e, 0x00, 0x00]);
        let c = copy(&original, SCRATCH).expect("copies");
        assert_eq!(c.jump, 7);
        let copied = decode(&c.code, SCRATCH).unwrap();
        assert_eq!(copied.ip_rel_memory_address(), AT + 7 + 0x2ee0);
        let back = decode(&c.code[c.jump..], SCRATCH + 7).unwrap();
        assert_eq!((back.code(), back.near_branch_target()), (Code::Jmp_rel32_64, AT + 7));
        assert_eq!(c.code.len(), 12);
    }

    #[test]
    fn position_independent_instructions_are_copied_as_they_are() {
        let c = copy(&instr(&[0x48, 0x83, 0xc0, 0x01]), SCRATCH).expect("add rax,1");
        assert_eq!(&c.code[..4], &[0x48, 0x83, 0xc0, 0x01]);
        assert!(copy(&instr(&[0xc3]), SCRATCH).is_some(), "ret returns wherever it is");
    }

    #[test]
    fn a_conditional_branch_keeps_its_target() {
        // je +0x10 (short): relocated to a near je to the same target.
        let original = instr(&[0x74, 0x10]);
        let c = copy(&original, SCRATCH).expect("copies");
        let copied = decode(&c.code, SCRATCH).unwrap();
        assert_eq!((copied.mnemonic(), copied.near_branch_target()), (Mnemonic::Je, AT + 0x12));
        assert_eq!(c.jump, copied.len());
    }

    #[test]
    fn what_cannot_move_is_refused() {
        assert_eq!(copy(&instr(&[0xe8, 0x10, 0, 0, 0]), SCRATCH), None, "call pushes the copy's address");
        assert_eq!(copy(&instr(&[0xff, 0xd0]), SCRATCH), None, "call rax");
        assert_eq!(copy(&instr(&[0x0f, 0x05]), SCRATCH), None, "syscall");
        assert_eq!(copy(&instr(&[0xcc]), SCRATCH), None, "the program's own int3");
        assert_eq!(copy(&instr(&[0xe2, 0xfe]), SCRATCH), None, "loop is expanded into several instructions");
        // A rip-relative operand more than 2 GiB from the copy cannot be reached.
        let far = instr(&[0x48, 0x8b, 0x05, 0xe0, 0x2e, 0x00, 0x00]);
        assert_eq!(copy(&far, 0x7fff_0000_0000), None);
    }

    #[test]
    fn garbage_never_panics() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let bytes = seed.to_le_bytes();
            let mut buf = [0u8; 16];
            buf[..8].copy_from_slice(&bytes);
            buf[8..].copy_from_slice(&bytes.map(|b| b.rotate_left(3)));
            if let Some(i) = decode(&buf, AT) {
                let _ = emulation(&i);
                if let Some(c) = copy(&i, SCRATCH) {
                    assert!(c.code.len() <= MAX_COPY);
                }
            }
        }
    }
}
