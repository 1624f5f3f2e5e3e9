//! A breakpoint condition compiled into the debuggee: a piece of code in scratch memory that a `jmp` written over
//! the breakpoint's instructions leads to. It saves what it uses, evaluates the condition (postfix code from
//! [`crate::expr::compile`]) on the thread that got there, and then either runs the covered instructions out of
//! line and jumps back (false: the debugger never hears of it, which is what makes a conditional breakpoint in a
//! hot loop cost nanoseconds instead of a stop), or puts every register back and executes an `int3` (true, or
//! anything the engine must decide itself, such as a division by zero: the engine evaluates the condition again at
//! the stop and reports exactly what it would have without the trampoline).
//!
//! Layout, for a site `S` covering `n` bytes of whole instructions:
//!
//! ```text
//! start:  lea rsp,[rsp-128]          ; the red zone belongs to the interrupted code
//!         pushfq / push rax / push rcx / push rdx / push r11
//!         mov r11,rsp                ; the frame: [r11] r11, +8 rdx, +16 rcx, +24 rax, +32 rflags
//!         <the condition, a stack machine on rax and rcx>
//!         pop rax / test rax,rax / jne true
//!         mov rsp,r11 / pop r11 / pop rdx / pop rcx / pop rax / popfq / lea rsp,[rsp+128]
//!         <the covered instructions, relocated>
//!         jmp S+n
//! true:   mov rsp,r11 / pop r11 / pop rdx / pop rcx / pop rax / popfq / lea rsp,[rsp+128]
//! trap:   int3
//!         jmp S                      ; never reached: the engine moves a thread off the trap
//! ```
//!
//! Every instruction address before the copies has a known `State`, so a thread stopped anywhere in the
//! trampoline (another thread's event stopped it there) can be put back at `S` with its own registers: it then
//! evaluates the condition again when it runs on, which is harmless since a condition only reads. A memory read
//! that faults happens where the frame is complete, so its registers can be put back the same way.

use iced_x86::{
    BlockEncoder, BlockEncoderOptions, Code, Decoder, DecoderOptions, FlowControl, Instruction, InstructionBlock,
    MemoryOperand, Register,
};

use crate::expr::{Bin, Op};
use crate::regs::{Location, Registers, Whole};
use crate::relocate;

/// What a register name of a condition is inside the trampoline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Register(Location),
    /// A value known when the condition is compiled (`$ptrsize`, `$exentry`).
    Const(u64),
}

/// The bytes below rsp that the System V ABI lets leaf code use without moving rsp.
const RED_ZONE: u64 = 128;
/// The frame the trampoline saves, from its base up: r11, rdx, rcx, rax, rflags.
const FRAME: u64 = 40;
/// How far below the original rsp the frame's base is.
const FRAME_DEPTH: u64 = RED_ZONE + FRAME;
/// The jump written over the site: `jmp rel32`.
pub const JUMP_LEN: u64 = 5;

/// Where a thread in the trampoline's own code stands, as far as putting its registers back goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Every register is the thread's own but rsp, which is `0` bytes below where it was at the site.
    Below(u64),
    /// The frame is complete and r11 points at it.
    Framed,
    /// Restoring: the first `0` saved registers (r11, rdx, rcx, rax, rflags) are back; the frame starts 8 bytes
    /// below rsp for each.
    Popping(u64),
}

/// A trampoline assembled for one address (see the module's comment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trampoline {
    pub site: u64,
    /// The bytes of whole instructions the jump at the site covers (at least [`JUMP_LEN`]).
    pub covered: u64,
    pub start: u64,
    pub code: Vec<u8>,
    /// The int3 a true condition reaches.
    pub trap: u64,
    /// The state of a thread at each instruction before the copies.
    states: Vec<(u64, State)>,
    /// The copied instructions, each as (address here, address in the original code); last, the jmp back with the
    /// address it goes to.
    copies: Vec<(u64, u64)>,
    /// Where the saved frame is complete (a fault of the condition's memory reads is at or after it).
    framed: (u64, u64),
}

/// Where a thread found in a trampoline belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Back at the site with these registers, to evaluate the condition again (it may not have finished).
    AtSite,
    /// Back at the site, past the condition: it was about to run the copies (its condition was false, or the
    /// engine had handled its hit). It must run on without a second evaluation, which would be a second hit.
    Passed,
    /// In the copies, after the first covered instruction: it must finish them (single steps) before it can be
    /// shown in the original code.
    InCopies,
    /// At the jmp back: it belongs at this address of the original code.
    After(u64),
}

/// The bytes to write over the site: `jmp rel32` to `to`, padded with `int3`s to the covered length (a thread
/// never runs them: nothing jumps into the covered instructions).
pub fn jump(site: u64, covered: u64, to: u64) -> Option<Vec<u8>> {
    let rel = i32::try_from((to as i64).wrapping_sub(site.wrapping_add(JUMP_LEN) as i64)).ok()?;
    let mut bytes = vec![0xe9];
    bytes.extend_from_slice(&rel.to_le_bytes());
    bytes.resize(covered as usize, 0xcc);
    Some(bytes)
}

/// Labels are instruction addresses the block encoder resolves; ours must collide with no real code address.
const LABELS: u64 = 0xf000_0000_0000_0000;

/// What an instruction of the trampoline is, for the tables above.
#[derive(Debug, Clone, Copy)]
enum Tag {
    State(State),
    Copy(u64),
    Back(u64),
    Trap,
    Other,
}

struct Assembler {
    code: Vec<(Instruction, Tag)>,
    next_label: u64,
    /// The tag each new instruction gets.
    tag: Tag,
    failed: bool,
}

fn mem(base: Register, displacement: i64) -> MemoryOperand {
    MemoryOperand::with_base_displ(base, displacement)
}

impl Assembler {
    fn label(&mut self) -> u64 {
        self.next_label += 1;
        LABELS + self.next_label
    }

    fn add(&mut self, made: Result<Instruction, iced_x86::IcedError>) {
        match made {
            Ok(mut i) => {
                let label = self.label();
                i.set_ip(label);
                self.code.push((i, self.tag));
            }
            Err(_) => self.failed = true,
        }
    }

    /// Give the last instruction added `label`, so branches can reach it.
    fn bind_last(&mut self, label: u64) {
        if let Some((i, _)) = self.code.last_mut() {
            i.set_ip(label);
        }
    }

    fn op(&mut self, code: Code) {
        self.add(Ok(Instruction::with(code)))
    }

    fn r(&mut self, code: Code, a: Register) {
        self.add(Instruction::with1(code, a));
    }

    fn rr(&mut self, code: Code, a: Register, b: Register) {
        self.add(Instruction::with2(code, a, b));
    }

    fn rm(&mut self, code: Code, a: Register, m: MemoryOperand) {
        self.add(Instruction::with2(code, a, m));
    }

    fn ri(&mut self, code: Code, a: Register, imm: i32) {
        self.add(Instruction::with2(code, a, imm));
    }

    fn branch(&mut self, code: Code, target: u64) {
        self.add(Instruction::with_branch(code, target));
    }

    fn mov_imm(&mut self, value: u64) {
        self.add(Instruction::with2(Code::Mov_r64_imm64, Register::RAX, value));
    }

    /// `setcc al` then `movzx eax,al`: rax is 1 or 0.
    fn truth(&mut self, setcc: Code) {
        self.r(setcc, Register::AL);
        self.rr(Code::Movzx_r32_rm8, Register::EAX, Register::AL);
    }

    fn push_rax(&mut self) {
        self.r(Code::Push_r64, Register::RAX);
    }

    /// Load a register of the interrupted code into rax, as the expression sees it.
    fn load(&mut self, location: Location, site: u64) {
        match location.whole {
            Whole::Gpr(0) => self.rm(Code::Mov_r64_rm64, Register::RAX, mem(Register::R11, 24)),
            Whole::Gpr(1) => self.rm(Code::Mov_r64_rm64, Register::RAX, mem(Register::R11, 16)),
            Whole::Gpr(2) => self.rm(Code::Mov_r64_rm64, Register::RAX, mem(Register::R11, 8)),
            Whole::Gpr(11) => self.rm(Code::Mov_r64_rm64, Register::RAX, mem(Register::R11, 0)),
            Whole::Gpr(4) => self.rm(Code::Lea_r64_m, Register::RAX, mem(Register::R11, FRAME_DEPTH as i64)),
            Whole::Gpr(n) => match gpr64(n) {
                Some(r) => self.rr(Code::Mov_r64_rm64, Register::RAX, r),
                None => self.failed = true,
            },
            Whole::Rip => self.mov_imm(site),
            Whole::Rflags => self.rm(Code::Mov_r64_rm64, Register::RAX, mem(Register::R11, 32)),
        }
        if location.shift > 0 {
            self.ri(Code::Shr_rm64_imm8, Register::RAX, location.shift as i32);
        }
        match location.bits {
            32 => self.rr(Code::Mov_r32_rm32, Register::EAX, Register::EAX),
            16 => self.rr(Code::Movzx_r32_rm16, Register::EAX, Register::AX),
            8 => self.rr(Code::Movzx_r32_rm8, Register::EAX, Register::AL),
            _ => {}
        }
    }

    /// The restore sequence both ends share, tagged with the state a thread at each instruction is in.
    fn restore(&mut self) {
        self.tag = Tag::State(State::Framed);
        self.rr(Code::Mov_r64_rm64, Register::RSP, Register::R11);
        for (popped, register) in [Register::R11, Register::RDX, Register::RCX, Register::RAX].into_iter().enumerate() {
            self.tag = Tag::State(State::Popping(popped as u64));
            self.r(Code::Pop_r64, register);
        }
        self.tag = Tag::State(State::Popping(4));
        self.op(Code::Popfq);
        self.tag = Tag::State(State::Below(RED_ZONE));
        self.rm(Code::Lea_r64_m, Register::RSP, mem(Register::RSP, RED_ZONE as i64));
    }
}

/// A 64-bit general register by encoding number.
fn gpr64(n: u8) -> Option<Register> {
    const BY_ENCODING: [Register; 16] = [
        Register::RAX,
        Register::RCX,
        Register::RDX,
        Register::RBX,
        Register::RSP,
        Register::RBP,
        Register::RSI,
        Register::RDI,
        Register::R8,
        Register::R9,
        Register::R10,
        Register::R11,
        Register::R12,
        Register::R13,
        Register::R14,
        Register::R15,
    ];
    BY_ENCODING.get(usize::from(n)).copied()
}

/// The instructions a jump at `site` would cover: whole instructions decoded from `bytes` (the original code at
/// `site`), at least [`JUMP_LEN`] bytes of them. `None` if any of them cannot run elsewhere or changes the flow
/// (a branch among them would make the ones after it reachable other than through the site).
pub fn covered_instructions(bytes: &[u8], site: u64) -> Option<Vec<Instruction>> {
    let mut decoder = Decoder::with_ip(64, bytes, site, DecoderOptions::NONE);
    let mut out = Vec::new();
    let mut len = 0u64;
    while len < JUMP_LEN {
        let i = decoder.decode();
        if i.is_invalid() || i.flow_control() != FlowControl::Next || !relocate::movable(&i) {
            return None;
        }
        len += i.len() as u64;
        out.push(i);
    }
    Some(out)
}

/// Assemble the trampoline for a condition at `site`, covering `covered` (from [`covered_instructions`]), to live
/// at `at`. `None` when the condition uses something code cannot read (`resolve` answers `None` for a register
/// name) or the instructions cannot be relocated exactly.
pub fn assemble(
    code: &[Op],
    site: u64,
    covered: &[Instruction],
    at: u64,
    resolve: &dyn Fn(&str) -> Option<Source>,
) -> Option<Trampoline> {
    let mut a = Assembler { code: Vec::new(), next_label: 0, tag: Tag::State(State::Below(0)), failed: false };
    let true_label = LABELS - 1;
    // Prologue: each instruction's state is what holds *before* it runs.
    a.rm(Code::Lea_r64_m, Register::RSP, mem(Register::RSP, -(RED_ZONE as i64)));
    a.tag = Tag::State(State::Below(RED_ZONE));
    a.op(Code::Pushfq);
    for (i, r) in [Register::RAX, Register::RCX, Register::RDX, Register::R11].into_iter().enumerate() {
        a.tag = Tag::State(State::Below(RED_ZONE + 8 * (i as u64 + 1)));
        a.r(Code::Push_r64, r);
    }
    a.tag = Tag::State(State::Below(FRAME_DEPTH));
    a.rr(Code::Mov_r64_rm64, Register::R11, Register::RSP);
    a.tag = Tag::State(State::Framed);
    for op in code {
        match op {
            Op::Const(v) => a.mov_imm(*v),
            Op::Register(name) => match resolve(name)? {
                Source::Const(v) => a.mov_imm(v),
                Source::Register(location) => a.load(location, site),
            },
            Op::Read(size) => {
                a.r(Code::Pop_r64, Register::RAX);
                let m = mem(Register::RAX, 0);
                match size {
                    1 => a.rm(Code::Movzx_r32_rm8, Register::EAX, m),
                    2 => a.rm(Code::Movzx_r32_rm16, Register::EAX, m),
                    4 => a.rm(Code::Mov_r32_rm32, Register::EAX, m),
                    _ => a.rm(Code::Mov_r64_rm64, Register::RAX, m),
                }
            }
            Op::Neg => {
                a.r(Code::Pop_r64, Register::RAX);
                a.r(Code::Neg_rm64, Register::RAX);
            }
            Op::Not => {
                a.r(Code::Pop_r64, Register::RAX);
                a.rr(Code::Test_rm64_r64, Register::RAX, Register::RAX);
                a.truth(Code::Sete_rm8);
            }
            Op::Hi => {
                a.r(Code::Pop_r64, Register::RAX);
                a.ri(Code::Shr_rm64_imm8, Register::RAX, 16);
                a.rr(Code::Movzx_r32_rm16, Register::EAX, Register::AX);
            }
            Op::Low => {
                a.r(Code::Pop_r64, Register::RAX);
                a.rr(Code::Movzx_r32_rm16, Register::EAX, Register::AX);
            }
            Op::Binary(op) => {
                a.r(Code::Pop_r64, Register::RCX);
                a.r(Code::Pop_r64, Register::RAX);
                binary(&mut a, *op, true_label);
            }
        }
        a.push_rax();
    }
    a.r(Code::Pop_r64, Register::RAX);
    a.rr(Code::Test_rm64_r64, Register::RAX, Register::RAX);
    a.branch(Code::Jne_rel32_64, true_label);
    // False: put everything back, then the covered instructions out of line.
    a.restore();
    for i in covered {
        a.code.push((*i, Tag::Copy(i.ip())));
    }
    let back = site + covered.iter().map(|i| i.len() as u64).sum::<u64>();
    a.tag = Tag::Back(back);
    a.branch(Code::Jmp_rel32_64, back);
    // True (or for the engine to decide): put everything back and trap.
    let first_true = a.code.len();
    a.restore();
    if let Some((i, _)) = a.code.get_mut(first_true) {
        i.set_ip(true_label);
    }
    a.tag = Tag::Trap;
    a.op(Code::Int3);
    a.tag = Tag::Other;
    a.branch(Code::Jmp_rel32_64, site);
    if a.failed || covered.is_empty() {
        return None;
    }
    encode(a, site, back - site, at)
}

/// One binary operator on rax (left) and rcx (right), result in rax, exactly as [`Bin::apply`] computes it.
fn binary(a: &mut Assembler, op: Bin, engine: u64) {
    use Register::{AL, CL, EAX, ECX, EDX, RAX, RCX};
    let compare = |a: &mut Assembler, setcc: Code| {
        a.rr(Code::Cmp_rm64_r64, RAX, RCX);
        a.truth(setcc);
    };
    match op {
        Bin::LogOr => {
            a.rr(Code::Or_rm64_r64, RAX, RCX);
            a.truth(Code::Setne_rm8);
        }
        Bin::LogAnd => {
            a.rr(Code::Test_rm64_r64, RAX, RAX);
            a.r(Code::Setne_rm8, AL);
            a.rr(Code::Test_rm64_r64, RCX, RCX);
            a.r(Code::Setne_rm8, CL);
            a.rr(Code::And_rm8_r8, AL, CL);
            a.rr(Code::Movzx_r32_rm8, EAX, AL);
        }
        Bin::Or => a.rr(Code::Or_rm64_r64, RAX, RCX),
        Bin::Xor => a.rr(Code::Xor_rm64_r64, RAX, RCX),
        Bin::And => a.rr(Code::And_rm64_r64, RAX, RCX),
        Bin::Add => a.rr(Code::Add_rm64_r64, RAX, RCX),
        Bin::Sub => a.rr(Code::Sub_rm64_r64, RAX, RCX),
        Bin::Mul => a.rr(Code::Imul_r64_rm64, RAX, RCX),
        Bin::Eq => compare(a, Code::Sete_rm8),
        Bin::Ne => compare(a, Code::Setne_rm8),
        Bin::Lt => compare(a, Code::Setb_rm8),
        Bin::Gt => compare(a, Code::Seta_rm8),
        Bin::Le => compare(a, Code::Setbe_rm8),
        Bin::Ge => compare(a, Code::Setae_rm8),
        Bin::Div | Bin::Mod => {
            // Dividing by zero is an error the engine reports: let it evaluate this one.
            a.rr(Code::Test_rm64_r64, RCX, RCX);
            a.branch(Code::Je_rel32_64, engine);
            a.rr(Code::Xor_r32_rm32, EDX, EDX);
            a.r(Code::Div_rm64, RCX);
            if op == Bin::Mod {
                a.rr(Code::Mov_r64_rm64, RAX, Register::RDX);
            }
        }
        Bin::Shl | Bin::Shr => {
            // A count of 64 or more gives 0 (the CPU would take it modulo 64).
            let (shift, done) = (a.label(), a.label());
            a.ri(Code::Cmp_rm64_imm8, RCX, 64);
            a.branch(Code::Jb_rel32_64, shift);
            a.rr(Code::Xor_r32_rm32, EAX, EAX);
            a.branch(Code::Jmp_rel32_64, done);
            a.r(if op == Bin::Shl { Code::Shl_rm64_CL } else { Code::Shr_rm64_CL }, RAX);
            a.bind_last(shift);
            a.op(Code::Nopd);
            a.bind_last(done);
        }
        Bin::Sar => {
            // A count above 63 is 63 (the sign fills the value).
            let ok = a.label();
            a.ri(Code::Cmp_rm64_imm8, RCX, 63);
            a.branch(Code::Jbe_rel32_64, ok);
            a.ri(Code::Mov_r32_imm32, ECX, 63);
            a.r(Code::Sar_rm64_CL, RAX);
            a.bind_last(ok);
        }
    }
}

/// Encode at `at` and read the addresses of the tagged instructions back; the copies are checked to be the same
/// instructions as the originals (same mnemonic, same rip-relative address), as [`relocate::copy`] checks.
fn encode(a: Assembler, site: u64, covered: u64, at: u64) -> Option<Trampoline> {
    let instructions: Vec<Instruction> = a.code.iter().map(|(i, _)| *i).collect();
    let block = InstructionBlock::new(&instructions, at);
    let encoded = BlockEncoder::encode(64, block, BlockEncoderOptions::RETURN_NEW_INSTRUCTION_OFFSETS).ok()?;
    let offsets = encoded.new_instruction_offsets;
    let code = encoded.code_buffer;
    let mut t = Trampoline {
        site,
        covered,
        start: at,
        code,
        trap: 0,
        states: Vec::new(),
        copies: Vec::new(),
        framed: (u64::MAX, 0),
    };
    for ((instr, tag), offset) in a.code.iter().zip(&offsets) {
        // An offset of u32::MAX: the encoder dropped the instruction (it never drops ours).
        if *offset == u32::MAX {
            return None;
        }
        let address = at + u64::from(*offset);
        match tag {
            Tag::State(s) => {
                if *s == State::Framed && t.framed.0 == u64::MAX {
                    t.framed.0 = address;
                }
                if *s == State::Framed {
                    t.framed.1 = address;
                }
                t.states.push((address, *s));
            }
            Tag::Copy(original) => {
                let copied = relocate::decode(t.code.get((address - at) as usize..)?, address)?;
                let same = copied.mnemonic() == instr.mnemonic()
                    && copied.is_ip_rel_memory_operand() == instr.is_ip_rel_memory_operand()
                    && (!instr.is_ip_rel_memory_operand()
                        || copied.ip_rel_memory_address() == instr.ip_rel_memory_address());
                if !same {
                    return None;
                }
                t.copies.push((address, *original));
            }
            Tag::Back(to) => t.copies.push((address, *to)),
            Tag::Trap => t.trap = address,
            Tag::Other => {}
        }
    }
    (t.trap != 0 && t.copies.len() >= 2).then_some(t)
}

impl Trampoline {
    /// Where the out-of-line copies of the covered instructions start (the false path, registers restored).
    pub fn copies_start(&self) -> u64 {
        self.copies[0].0
    }

    pub fn contains(&self, address: u64) -> bool {
        address >= self.start && address < self.start + self.code.len() as u64
    }

    /// Whether `address` is where a memory read of the condition may fault (the frame is complete there).
    pub fn in_condition(&self, address: u64) -> bool {
        address >= self.framed.0 && address <= self.framed.1
    }

    /// Where a thread at `regs.rip`, inside this trampoline, belongs, with its registers put back as they were at
    /// the site when that is where it belongs. `read` reads 8 bytes of the thread's stack. `None` when rip is not
    /// at one of this trampoline's instructions.
    pub fn place(&self, regs: &mut Registers, read: &mut dyn FnMut(u64) -> Option<u64>) -> Option<Placement> {
        let rip = regs.rip;
        // At the trap, or just past it (a hit whose event is still queued).
        if rip == self.trap || rip == self.trap + 1 {
            // Everything is restored already.
            regs.rip = self.site;
            return Some(Placement::AtSite);
        }
        if let Some(i) = self.copies.iter().position(|(here, _)| *here == rip) {
            let (_, original) = self.copies[i];
            return Some(match i {
                0 => {
                    regs.rip = self.site;
                    Placement::Passed
                }
                _ if i == self.copies.len() - 1 => {
                    regs.rip = original;
                    Placement::After(original)
                }
                _ => Placement::InCopies,
            });
        }
        let state = self.states.iter().find(|(a, _)| *a == rip)?.1;
        let restore_from = |regs: &mut Registers, base: u64, from: u64, read: &mut dyn FnMut(u64) -> Option<u64>| {
            // Saved slots `from..5` at base + 8*slot: r11, rdx, rcx, rax, rflags.
            for slot in from..5 {
                let value = read(base + 8 * slot)?;
                match slot {
                    0 => regs.r11 = value,
                    1 => regs.rdx = value,
                    2 => regs.rcx = value,
                    3 => regs.rax = value,
                    _ => regs.rflags = value,
                }
            }
            regs.rsp = base + FRAME_DEPTH;
            Some(())
        };
        match state {
            State::Below(below) => regs.rsp += below,
            State::Framed => restore_from(regs, regs.r11, 0, read)?,
            State::Popping(popped) => restore_from(regs, regs.rsp - 8 * popped, popped, read)?,
        }
        regs.rip = self.site;
        Some(Placement::AtSite)
    }

    /// The address in the original code an exception raised at `address` in the copies belongs to.
    pub fn original_of_copy(&self, address: u64) -> Option<u64> {
        self.copies.iter().find(|(here, _)| *here == address).map(|(_, original)| *original)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::{ExprContext, compile};
    use iced_x86::Mnemonic;

    const SITE: u64 = 0x40_1139;
    const AT: u64 = 0x7000_0000;
    /// push rbp; mov rbp,rsp; mov [rbp-8],rdi: the first instructions of an `-O0` function.
    const PROLOGUE: [u8; 8] = [0x55, 0x48, 0x89, 0xe5, 0x48, 0x89, 0x7d, 0xf8];

    struct Names;
    impl ExprContext for Names {
        fn register(&mut self, name: &str) -> Option<u64> {
            crate::regs::is_register(name).then_some(0)
        }
        fn symbol(&mut self, _: &str) -> crate::Result<Option<u64>> {
            Ok(Some(0x1234))
        }
        fn read_memory(&mut self, _: u64, _: usize) -> crate::Result<u64> {
            Ok(0)
        }
    }

    fn resolve(name: &str) -> Option<Source> {
        crate::regs::location(name).map(Source::Register)
    }

    fn build(condition: &str) -> Option<Trampoline> {
        let code = compile(condition, &mut Names).unwrap();
        let covered = covered_instructions(&PROLOGUE, SITE)?;
        assemble(&code, SITE, &covered, AT, &resolve)
    }

    fn decoded(t: &Trampoline) -> Vec<Instruction> {
        Decoder::with_ip(64, &t.code, t.start, DecoderOptions::NONE).into_iter().collect()
    }

    #[test]
    fn a_prologue_is_covered_by_whole_instructions() {
        let covered = covered_instructions(&PROLOGUE, SITE).unwrap();
        assert_eq!(covered.len(), 3, "1 + 3 bytes are not enough for the jump; 1 + 3 + 4 are");
        assert_eq!(covered_instructions(&[0xe8, 0, 0, 0, 0], SITE), None, "a call pushes the copy's address");
        assert_eq!(covered_instructions(&[0x74, 0x03, 0x90, 0x90, 0x90], SITE), None, "a branch among them");
        assert_eq!(jump(SITE, 8, SITE + 0x100).unwrap(), vec![0xe9, 0xfb, 0, 0, 0, 0xcc, 0xcc, 0xcc]);
        assert_eq!(jump(SITE, 5, SITE + (1 << 33)), None, "out of a rel32's reach");
    }

    #[test]
    fn the_false_path_runs_the_copies_and_jumps_back_the_true_path_traps() {
        let t = build("@rdi == 0n42").unwrap();
        let code = decoded(&t);
        assert!(code.iter().all(|i| !i.is_invalid()));
        let trap = code.iter().find(|i| i.mnemonic() == Mnemonic::Int3).unwrap();
        assert_eq!(trap.ip(), t.trap);
        let back = code.iter().find(|i| i.ip() == t.copies.last().unwrap().0).unwrap();
        assert_eq!((back.mnemonic(), back.near_branch_target()), (Mnemonic::Jmp, SITE + 8));
        let copies: Vec<Mnemonic> =
            t.copies[..3].iter().map(|(a, _)| code.iter().find(|i| i.ip() == *a).unwrap().mnemonic()).collect();
        assert_eq!(copies, [Mnemonic::Push, Mnemonic::Mov, Mnemonic::Mov]);
        assert_eq!(t.copies[1].1, SITE + 1);
        // The red zone is stepped over before anything is pushed.
        assert_eq!(code[0].mnemonic(), Mnemonic::Lea);
        assert_eq!(code[0].memory_displacement64() as i64, -128);
    }

    #[test]
    fn conditions_on_what_code_cannot_read_are_not_compiled() {
        let code = compile("@fs == 0", &mut Names).unwrap();
        let covered = covered_instructions(&PROLOGUE, SITE).unwrap();
        assert_eq!(assemble(&code, SITE, &covered, AT, &resolve), None);
    }

    #[test]
    fn a_thread_anywhere_in_the_trampoline_is_put_back_with_its_registers() {
        let t = build("poi(@rsp) == 1").unwrap();
        let own =
            Registers { rax: 1, rcx: 2, rdx: 3, r11: 4, rflags: 0x246, rsp: 0x8000, rip: SITE, ..Default::default() };
        // Simulate the prologue: the frame as the pushes leave it.
        let base = own.rsp - FRAME_DEPTH;
        let stack = |a: u64| -> Option<u64> {
            Some(match a - base {
                0 => own.r11,
                8 => own.rdx,
                16 => own.rcx,
                24 => own.rax,
                32 => own.rflags,
                _ => return None,
            })
        };
        for (address, state) in t.states.clone() {
            let mut regs = Registers { rax: 0xdead, rcx: 0xdead, rdx: 0xdead, rflags: 0x202, rip: address, ..own };
            match state {
                State::Below(b) => regs = Registers { rsp: own.rsp - b, rip: address, ..own },
                State::Framed => {
                    regs.r11 = base;
                    regs.rsp = base - 16;
                }
                State::Popping(p) => {
                    regs.rsp = base + 8 * p;
                    // What is popped already is the thread's own.
                    for slot in 0..p {
                        match slot {
                            0 => regs.r11 = own.r11,
                            1 => regs.rdx = own.rdx,
                            2 => regs.rcx = own.rcx,
                            _ => regs.rax = own.rax,
                        }
                    }
                }
            }
            assert_eq!(t.place(&mut regs, &mut |a| stack(a)), Some(Placement::AtSite), "{state:?}");
            assert_eq!(regs, own, "at {address:#x} ({state:?})");
        }
        let mut at_trap = Registers { rip: t.trap, ..own };
        assert_eq!(t.place(&mut at_trap, &mut |_| None), Some(Placement::AtSite));
        assert_eq!(at_trap, own);
        let mut before = Registers { rip: t.copies[0].0, ..own };
        assert_eq!(t.place(&mut before, &mut |_| None), Some(Placement::Passed));
        assert_eq!(before.rip, SITE);
        let mut mid = Registers { rip: t.copies[1].0, ..own };
        assert_eq!(t.place(&mut mid, &mut |_| None), Some(Placement::InCopies));
        let mut done = Registers { rip: t.copies[3].0, ..own };
        assert_eq!(t.place(&mut done, &mut |_| None), Some(Placement::After(SITE + 8)));
        assert!(t.in_condition(t.framed.0) && !t.in_condition(t.start));
    }
}
