//! x86-64 disassembly with iced-x86, in WinDbg's MASM syntax, with call and jump targets symbolized.
//!
//! The text follows what WinDbg prints: lowercase mnemonics and registers, the mnemonic padded to 7 columns and
//! one space, no space after operand commas, MASM hex numbers (`28h`, `0FFFFFFF0h`), `dword ptr` on every sized
//! memory operand, `int     3` for `cc`, no `short`/`near ptr` on branches. A direct branch target prints as
//! `demo!add (00000000`00401126)` when it has a symbol and as `00000000`00401126` otherwise; RIP-relative memory
//! operands show their absolute address the same way (`qword ptr [demo!gvar (00000000`00404028)]`).

use std::cell::RefCell;
use std::rc::Rc;

use iced_x86::{
    Decoder, DecoderError, DecoderOptions, Formatter, FormatterOutput, FormatterTextKind, MasmFormatter,
    MemorySizeOptions, Mnemonic, OpKind, Register, SymbolResolver, SymbolResult,
};

use crate::fmt::addr64;
use crate::memory::ReadMemory;

/// One decoded instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    pub address: u64,
    pub bytes: Vec<u8>,
    /// Mnemonic and operands as WinDbg prints them, e.g. `call    demo!add (00000000`00401126)`.
    pub text: String,
    pub is_call: bool,
    pub is_ret: bool,
    /// The target of a direct branch or call.
    pub branch_target: Option<u64>,
}

impl Instruction {
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether the instruction has no bytes (never true for what [`decode`] returns).
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The address just past the instruction (where a call returns to).
    pub fn next_address(&self) -> u64 {
        self.address.wrapping_add(self.bytes.len() as u64)
    }
}

/// Symbol texts computed before formatting one instruction, shared with the formatter's resolver (which must be
/// `'static` and so cannot borrow the caller's `symbolize`).
type Pending = Rc<RefCell<Vec<(u64, String)>>>;

struct Resolver {
    pending: Pending,
}

impl SymbolResolver for Resolver {
    fn symbol(
        &mut self,
        instruction: &iced_x86::Instruction,
        _operand: u32,
        instruction_operand: Option<u32>,
        address: u64,
        _address_size: u32,
    ) -> Option<SymbolResult<'_>> {
        let op = instruction_operand?;
        if op >= instruction.op_count() {
            return None;
        }
        let wanted = match instruction.op_kind(op) {
            OpKind::NearBranch64 => true,
            OpKind::Memory => is_absolute_memory(instruction),
            _ => false,
        };
        if !wanted {
            return None;
        }
        let pending = self.pending.borrow();
        let text = pending.iter().find(|(a, _)| *a == address).map(|(_, t)| t.clone())?;
        Some(SymbolResult::with_string(address, text))
    }
}

/// Whether the memory operand names a fixed address: RIP-relative, or a bare displacement with no base or index
/// register (`mov rax,[moffs64]`, `mov eax,[disp32]`) outside `fs`/`gs` (whose offsets, `fs:[28h]`, stay numbers).
fn is_absolute_memory(instr: &iced_x86::Instruction) -> bool {
    match instr.memory_base() {
        Register::RIP => true,
        Register::None => {
            instr.memory_index() == Register::None && !matches!(instr.segment_prefix(), Register::FS | Register::GS)
        }
        _ => false,
    }
}

fn absolute_memory_address(instr: &iced_x86::Instruction) -> Option<u64> {
    let has_memory = (0..instr.op_count()).any(|i| instr.op_kind(i) == OpKind::Memory);
    if !has_memory || !is_absolute_memory(instr) {
        return None;
    }
    Some(if instr.is_ip_rel_memory_operand() { instr.ip_rel_memory_address() } else { instr.memory_displacement64() })
}

struct Text(String);

impl FormatterOutput for Text {
    fn write(&mut self, text: &str, _kind: FormatterTextKind) {
        self.0.push_str(text);
    }
}

fn formatter(pending: Pending) -> MasmFormatter {
    let mut f = MasmFormatter::with_options(Some(Box::new(Resolver { pending })), None);
    let o = f.options_mut();
    o.set_uppercase_all(false);
    o.set_uppercase_hex(true);
    o.set_hex_suffix("h");
    o.set_hex_prefix("");
    o.set_add_leading_zero_to_hex_numbers(true);
    o.set_first_operand_char_index(8);
    o.set_tab_size(0);
    o.set_space_after_operand_separator(false);
    o.set_space_between_memory_add_operators(false);
    o.set_space_between_memory_mul_operators(false);
    o.set_show_branch_size(false);
    o.set_rip_relative_addresses(false);
    o.set_memory_size_options(MemorySizeOptions::Always);
    o.set_show_symbol_address(false);
    o.set_signed_memory_displacements(true);
    o.set_signed_immediate_operands(false);
    // WinDbg prints prefixes the CPU ignores: `nop     word ptr cs:[rax+rax]`, `rep ret`.
    o.set_show_useless_prefixes(true);
    f
}

/// How a branch target or RIP-relative address prints: `demo!add (00000000`00401126)` or `00000000`00401126`.
fn symbol_text(address: u64, symbolize: &dyn Fn(u64) -> Option<String>) -> String {
    match symbolize(address) {
        Some(s) if !s.is_empty() => format!("{s} ({})", addr64(address)),
        _ => addr64(address),
    }
}

/// Decode up to `count` instructions from `bytes`, which sit at `address`. `symbolize` turns an address into
/// `module!symbol+0xoff` where it can. Stops early at bytes that do not decode into a whole instruction.
pub fn decode(bytes: &[u8], address: u64, count: usize, symbolize: &dyn Fn(u64) -> Option<String>) -> Vec<Instruction> {
    if count == 0 || bytes.is_empty() {
        return Vec::new();
    }
    FORMATTER.with(|(pending, fmt)| match fmt.try_borrow_mut() {
        Ok(mut fmt) => decode_with(bytes, address, count, symbolize, pending, &mut fmt),
        // Only a `symbolize` that disassembles itself gets here: it gets a formatter of its own.
        Err(_) => {
            let pending: Pending = Rc::new(RefCell::new(Vec::new()));
            decode_with(bytes, address, count, symbolize, &pending, &mut formatter(pending.clone()))
        }
    })
}

thread_local! {
    /// One formatter a thread, made once: building iced's formatter with its options cost more than formatting the
    /// instruction at every step of `t 0n20000`.
    static FORMATTER: (Pending, RefCell<MasmFormatter>) = {
        let pending: Pending = Rc::new(RefCell::new(Vec::new()));
        (pending.clone(), RefCell::new(formatter(pending)))
    };
}

fn decode_with(
    bytes: &[u8],
    address: u64,
    count: usize,
    symbolize: &dyn Fn(u64) -> Option<String>,
    pending: &Pending,
    fmt: &mut MasmFormatter,
) -> Vec<Instruction> {
    let mut out = Vec::new();
    let mut decoder = Decoder::with_ip(64, bytes, address, DecoderOptions::NONE);
    let mut instr = iced_x86::Instruction::default();
    while out.len() < count && decoder.can_decode() {
        let start = decoder.position();
        decoder.decode_out(&mut instr);
        if instr.is_invalid() || decoder.last_error() != DecoderError::None {
            break;
        }
        let end = decoder.position();
        let Some(raw) = bytes.get(start..end) else { break };

        let branch_target = (instr.op_count() > 0
            && (0..instr.op_count()).any(|i| instr.op_kind(i) == OpKind::NearBranch64))
        .then(|| instr.near_branch_target());
        {
            let mut p = pending.borrow_mut();
            p.clear();
            if let Some(t) = branch_target {
                p.push((t, symbol_text(t, symbolize)));
            }
            if let Some(a) = absolute_memory_address(&instr) {
                p.push((a, symbol_text(a, symbolize)));
            }
        }
        let text = match string_instruction_text(&instr) {
            Some(t) => t,
            None => {
                let mut text = Text(String::new());
                fmt.format(&instr, &mut text);
                windbg_fixups(text.0)
            }
        };

        let mnemonic = instr.mnemonic();
        out.push(Instruction {
            address: instr.ip(),
            bytes: raw.to_vec(),
            text,
            is_call: matches!(mnemonic, Mnemonic::Call),
            is_ret: matches!(
                mnemonic,
                Mnemonic::Ret | Mnemonic::Retf | Mnemonic::Iret | Mnemonic::Iretd | Mnemonic::Iretq
            ),
            branch_target,
        });
    }
    out
}

/// Where the run of `count` instructions that ends exactly at `end` begins. x86 cannot be decoded backwards, so
/// this decodes forward from a little before `end`, trying starts from the farthest (15 bytes an instruction, the
/// longest there is) to the nearest, and takes the first whose instructions land exactly on `end`, as WinDbg's `ub`
/// does. `None` when no start does, or the bytes before `end` cannot be read.
pub fn start_of_instructions_ending_at(mem: &mut dyn ReadMemory, end: u64, count: usize) -> Option<u64> {
    let count = count as u64;
    for back in (count..=15 * count).rev() {
        let start = end.saturating_sub(back);
        let mut bytes = vec![0u8; back as usize];
        if mem.read_exact(start, &mut bytes).is_err() {
            continue;
        }
        let insns = decode(&bytes, start, usize::MAX, &|_| None);
        if insns.last().is_some_and(|i| i.next_address() == end) && insns.len() as u64 >= count {
            return Some(insns[insns.len() - count as usize].address);
        }
    }
    None
}

fn lower_name(value: impl std::fmt::Debug) -> String {
    format!("{value:?}").to_ascii_lowercase()
}

/// String instructions as WinDbg prints them, with explicit operands: `rep stos qword ptr [rdi]`,
/// `rep movs byte ptr [rdi],byte ptr [rsi]`, `repne scas byte ptr [rdi]`, `lods dword ptr [rsi]`,
/// `outs dx,byte ptr [rsi]` (iced's MASM formatter prints `rep stosq`). `None` for any other instruction.
fn string_instruction_text(instr: &iced_x86::Instruction) -> Option<String> {
    let kinds: Vec<OpKind> = (0..instr.op_count()).map(|i| instr.op_kind(i)).collect();
    let is_string = kinds.iter().any(|k| {
        matches!(
            k,
            OpKind::MemorySegSI
                | OpKind::MemorySegESI
                | OpKind::MemorySegRSI
                | OpKind::MemoryESDI
                | OpKind::MemoryESEDI
                | OpKind::MemoryESRDI
        )
    });
    if !is_string {
        return None;
    }
    let mut name = lower_name(instr.mnemonic());
    name.pop()?; // the size letter: stosq -> stos
    let size = match instr.memory_size().size() {
        1 => "byte",
        2 => "word",
        4 => "dword",
        8 => "qword",
        _ => return None,
    };
    let seg = match instr.segment_prefix() {
        Register::None => String::new(),
        r => format!("{}:", lower_name(r)),
    };
    let mut operands = Vec::new();
    for (i, kind) in kinds.iter().enumerate() {
        let op = match kind {
            OpKind::MemorySegSI => format!("{size} ptr {seg}[si]"),
            OpKind::MemorySegESI => format!("{size} ptr {seg}[esi]"),
            OpKind::MemorySegRSI => format!("{size} ptr {seg}[rsi]"),
            OpKind::MemoryESDI => format!("{size} ptr [di]"),
            OpKind::MemoryESEDI => format!("{size} ptr [edi]"),
            OpKind::MemoryESRDI => format!("{size} ptr [rdi]"),
            OpKind::Register => match instr.op_register(i as u32) {
                Register::AL | Register::AX | Register::EAX | Register::RAX => continue,
                r => lower_name(r),
            },
            _ => return None,
        };
        operands.push(op);
    }
    let rep = if instr.has_repne_prefix() {
        "repne "
    } else if instr.has_rep_prefix() {
        if matches!(name.as_str(), "cmps" | "scas") { "repe " } else { "rep " }
    } else {
        ""
    };
    let mnemonic = format!("{rep}{name}");
    Some(format!("{mnemonic:<7} {}", operands.join(",")))
}

/// Where iced's MASM text differs from WinDbg's.
fn windbg_fixups(text: String) -> String {
    // iced prints `cc` as `int3`; WinDbg prints `int     3`.
    if text == "int3" {
        return "int     3".to_string();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(_: u64) -> Option<String> {
        None
    }

    fn one(bytes: &[u8], address: u64) -> Instruction {
        let v = decode(bytes, address, 1, &none);
        assert_eq!(v.len(), 1, "{bytes:02x?}");
        v.into_iter().next().unwrap()
    }

    #[test]
    fn simple_instructions() {
        let i = one(&[0x55], 0x401126);
        assert_eq!(i.text, "push    rbp");
        assert!(!i.is_call && !i.is_ret && i.branch_target.is_none());

        let i = one(&[0x48, 0x83, 0xec, 0x10], 0x401126);
        assert_eq!(i.text, "sub     rsp,10h");

        let i = one(&[0xc3], 0x1000);
        assert_eq!(i.text, "ret");
        assert!(i.is_ret && !i.is_call);

        let i = one(&[0xcc], 0x1000);
        assert_eq!(i.text, "int     3");

        // mov eax,dword ptr [rbp-4]
        assert_eq!(one(&[0x8b, 0x45, 0xfc], 0).text, "mov     eax,dword ptr [rbp-4]");
        // mov qword ptr [rsp+0A0h],rax
        assert_eq!(one(&[0x48, 0x89, 0x84, 0x24, 0xa0, 0, 0, 0], 0).text, "mov     qword ptr [rsp+0A0h],rax");
        // and rsp,0FFFFFFFFFFFFFFF0h
        assert_eq!(one(&[0x48, 0x83, 0xe4, 0xf0], 0).text, "and     rsp,0FFFFFFFFFFFFFFF0h");
        // lea rax,[rbp-10h]
        assert_eq!(one(&[0x48, 0x8d, 0x45, 0xf0], 0).text, "lea     rax,[rbp-10h]");
        // xor eax,eax
        assert_eq!(one(&[0x31, 0xc0], 0).text, "xor     eax,eax");
        // nop word ptr cs:[rax+rax]
        assert_eq!(one(&[0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0], 0).text, "nop     word ptr cs:[rax+rax]");
        // rep ret (f3 c3), as gcc emits it
        let i = one(&[0xf3, 0xc3], 0);
        assert_eq!(i.text, "rep ret");
        assert!(i.is_ret);
        // movzx eax,byte ptr [rdi]; movsxd rax,dword ptr [rbp-14h]; call qword ptr [rax+10h]
        assert_eq!(one(&[0x0f, 0xb6, 0x07], 0).text, "movzx   eax,byte ptr [rdi]");
        assert_eq!(one(&[0x48, 0x63, 0x45, 0xec], 0).text, "movsxd  rax,dword ptr [rbp-14h]");
        assert_eq!(one(&[0xff, 0x50, 0x10], 0).text, "call    qword ptr [rax+10h]");
        // mov dword ptr [rbp-4],0C0000005h ; lea rcx,[rax+rbx*8+8]
        assert_eq!(one(&[0xc7, 0x45, 0xfc, 0x05, 0, 0, 0xc0], 0).text, "mov     dword ptr [rbp-4],0C0000005h");
        assert_eq!(one(&[0x48, 0x8d, 0x4c, 0xd8, 0x08], 0).text, "lea     rcx,[rax+rbx*8+8]");
        // endbr64; syscall; cvttsd2si (long mnemonic: one space)
        assert_eq!(one(&[0xf3, 0x0f, 0x1e, 0xfa], 0).text, "endbr64");
        assert_eq!(one(&[0x0f, 0x05], 0).text, "syscall");
        assert_eq!(one(&[0xf2, 0x0f, 0x2c, 0xc0], 0).text, "cvttsd2si eax,xmm0");
        // rep stos qword ptr [rdi]
        assert_eq!(one(&[0xf3, 0x48, 0xab], 0).text, "rep stos qword ptr [rdi]");
        assert_eq!(one(&[0xf3, 0xa4], 0).text, "rep movs byte ptr [rdi],byte ptr [rsi]");
        assert_eq!(one(&[0xf2, 0xae], 0).text, "repne scas byte ptr [rdi]");
        assert_eq!(one(&[0xf3, 0xa6], 0).text, "repe cmps byte ptr [rsi],byte ptr [rdi]");
        assert_eq!(one(&[0xad], 0).text, "lods    dword ptr [rsi]");
        assert_eq!(one(&[0x6e], 0).text, "outs    dx,byte ptr [rsi]");
        assert_eq!(one(&[0x67, 0xaa], 0).text, "stos    byte ptr [edi]");
        // movsd the SSE instruction is no string instruction.
        assert_eq!(one(&[0xf2, 0x0f, 0x10, 0xc1], 0).text, "movsd   xmm0,xmm1");
        // iretq, retf
        assert!(one(&[0x48, 0xcf], 0).is_ret);
        assert!(one(&[0xcb], 0).is_ret);
    }

    #[test]
    fn calls_and_jumps_are_symbolized() {
        let sym = |a: u64| (a == 0x401126).then(|| "demo!add".to_string());
        // call rel32 at 0x401150: target = 0x401155 + rel
        let rel = (0x401126i64 - 0x401155i64) as i32;
        let mut b = vec![0xe8];
        b.extend_from_slice(&rel.to_le_bytes());
        let v = decode(&b, 0x401150, 1, &sym);
        assert_eq!(v.len(), 1);
        let i = &v[0];
        assert_eq!(i.text, "call    demo!add (00000000`00401126)");
        assert!(i.is_call && !i.is_ret);
        assert_eq!(i.branch_target, Some(0x401126));
        assert_eq!(i.next_address(), 0x401155);
        assert_eq!(i.bytes, [0xe8, 0xd1, 0xff, 0xff, 0xff]);

        // Same call without a symbol.
        let i = &decode(&b, 0x401150, 1, &none)[0];
        assert_eq!(i.text, "call    00000000`00401126");

        // jmp short and je short: no `short`.
        let i = one(&[0xeb, 0x00], 0x1000);
        assert_eq!(i.text, "jmp     00000000`00001002");
        assert_eq!(i.branch_target, Some(0x1002));
        assert!(!i.is_call);
        let i = one(&[0x74, 0xfe], 0x1000);
        assert_eq!(i.text, "je      00000000`00001000");

        // Indirect call: a call, no direct target.
        let i = one(&[0xff, 0xd0], 0);
        assert_eq!(i.text, "call    rax");
        assert!(i.is_call);
        assert_eq!(i.branch_target, None);
    }

    #[test]
    fn rip_relative_operands_show_absolute_addresses() {
        // mov rax,qword ptr [rip+0x2ed1] at 0x401150 -> 0x401157 + 0x2ed1 = 0x404028
        let b = [0x48, 0x8b, 0x05, 0xd1, 0x2e, 0x00, 0x00];
        let i = &decode(&b, 0x401150, 1, &none)[0];
        assert_eq!(i.text, "mov     rax,qword ptr [00000000`00404028]");
        let sym = |a: u64| (a == 0x404028).then(|| "demo!gvar".to_string());
        let i = &decode(&b, 0x401150, 1, &sym)[0];
        assert_eq!(i.text, "mov     rax,qword ptr [demo!gvar (00000000`00404028)]");
        assert_eq!(i.branch_target, None);
        // lea rdi,[rip+0x2ed1]
        let b = [0x48, 0x8d, 0x3d, 0xd1, 0x2e, 0x00, 0x00];
        assert_eq!(decode(&b, 0x401150, 1, &sym)[0].text, "lea     rdi,[demo!gvar (00000000`00404028)]");
        // call qword ptr [rip+...] (an import thunk)
        let b = [0xff, 0x15, 0xd2, 0x2e, 0x00, 0x00];
        let i = &decode(&b, 0x401150, 1, &none)[0];
        assert_eq!(i.text, "call    qword ptr [00000000`00404028]");
        // mov rax,qword ptr [moffs64]: an absolute address, shown like one; fs:[28h] stays a number.
        let b = [0x48, 0xa1, 0x28, 0x40, 0x40, 0, 0, 0, 0, 0];
        assert_eq!(decode(&b, 0, 1, &sym)[0].text, "mov     rax,qword ptr [demo!gvar (00000000`00404028)]");
        let b = [0x64, 0x48, 0x8b, 0x04, 0x25, 0x28, 0, 0, 0];
        assert_eq!(decode(&b, 0, 1, &sym)[0].text, "mov     rax,qword ptr fs:[28h]");
        let b = [0x8b, 0x04, 0x25, 0x28, 0x40, 0x40, 0x00];
        assert_eq!(decode(&b, 0, 1, &none)[0].text, "mov     eax,dword ptr [00000000`00404028]");
        // mov eax,dword ptr [rax*4+601040h] has a register: no address form.
        let b = [0x8b, 0x04, 0x85, 0x40, 0x10, 0x60, 0x00];
        assert_eq!(decode(&b, 0, 1, &none)[0].text, "mov     eax,dword ptr [rax*4+601040h]");
        assert!(i.is_call);
        assert_eq!(i.branch_target, None);
    }

    #[test]
    fn stops_at_count_truncation_and_garbage() {
        let code = [0x55, 0x48, 0x89, 0xe5, 0x48, 0x83, 0xec, 0x10, 0xc3];
        let v = decode(&code, 0x1000, 10, &none);
        assert_eq!(
            v.iter().map(|i| i.text.as_str()).collect::<Vec<_>>(),
            ["push    rbp", "mov     rbp,rsp", "sub     rsp,10h", "ret"]
        );
        assert_eq!(v.iter().map(|i| i.address).collect::<Vec<_>>(), [0x1000, 0x1001, 0x1004, 0x1008]);
        assert_eq!(decode(&code, 0x1000, 2, &none).len(), 2);
        assert!(decode(&code, 0x1000, 0, &none).is_empty());
        assert!(decode(&[], 0x1000, 5, &none).is_empty());
        // Truncated: the sub is cut short.
        let v = decode(&code[..6], 0x1000, 10, &none);
        assert_eq!(v.len(), 2);
        // Garbage: 0x06 (push es) is invalid in 64-bit mode.
        assert!(decode(&[0x06, 0x90], 0, 5, &none).is_empty());
        let v = decode(&[0x90, 0x06, 0x90], 0, 5, &none);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].text, "nop");
        // Addresses near the top wrap without panicking.
        let _ = decode(&[0xe8, 0xff, 0xff, 0xff, 0x7f, 0xeb, 0x7f], u64::MAX - 3, 5, &none);
    }

    #[test]
    fn backwards_decoding_finds_the_run_that_lands_on_the_address() {
        use crate::memory::MemorySnapshot;
        // push rbp; mov rbp,rsp; sub rsp,10h; ret at 0x1000, after 0x20 bytes of nops.
        let code = [0x55, 0x48, 0x89, 0xe5, 0x48, 0x83, 0xec, 0x10, 0xc3];
        let mut bytes = vec![0x90; 0x20];
        bytes.extend_from_slice(&code);
        let mut mem = MemorySnapshot { base: 0x0fe0, bytes };
        assert_eq!(start_of_instructions_ending_at(&mut mem, 0x1008, 2), Some(0x1001), "mov, sub: up to the ret");
        assert_eq!(start_of_instructions_ending_at(&mut mem, 0x1009, 1), Some(0x1008));
        // Nothing readable before the code: the starts there are skipped, the code itself still found.
        let mut mem = MemorySnapshot { base: 0x1000, bytes: code.to_vec() };
        assert_eq!(start_of_instructions_ending_at(&mut mem, 0x1008, 3), Some(0x1000));
        assert_eq!(start_of_instructions_ending_at(&mut mem, 0x1009, 5), None, "only four instructions are there");
        // Bytes that decode to nothing (0x06 is invalid in 64-bit mode).
        let mut mem = MemorySnapshot { base: 0x1000, bytes: vec![0x06; 4] };
        assert_eq!(start_of_instructions_ending_at(&mut mem, 0x1004, 1), None);
    }

    #[test]
    fn fuzzish_inputs_never_panic() {
        let mut seed = 0x1234_5678_9abc_def0u64;
        for _ in 0..2000 {
            let mut b = [0u8; 24];
            for x in b.iter_mut() {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                *x = seed as u8;
            }
            for i in decode(&b, seed, 8, &|a| Some(format!("m!f+{a:#x}"))) {
                assert!(!i.bytes.is_empty());
                assert!(!i.text.is_empty());
            }
        }
    }
}

/// Whether the instruction at the start of `bytes` writes memory (`Some(true)`), only reads it (`Some(false)`), or
/// touches none or cannot be decoded (`None`). Tells an access violation's read from its write where the OS does
/// not (Linux's siginfo does not).
pub fn writes_memory(bytes: &[u8], address: u64) -> Option<bool> {
    let mut decoder = iced_x86::Decoder::with_ip(64, bytes, address, iced_x86::DecoderOptions::NONE);
    let insn = decoder.decode();
    if insn.is_invalid() {
        return None;
    }
    let mut factory = iced_x86::InstructionInfoFactory::new();
    let info = factory.info(&insn);
    let accesses = info.used_memory();
    if accesses.is_empty() {
        return None;
    }
    Some(accesses.iter().any(|m| {
        matches!(
            m.access(),
            iced_x86::OpAccess::Write
                | iced_x86::OpAccess::CondWrite
                | iced_x86::OpAccess::ReadWrite
                | iced_x86::OpAccess::ReadCondWrite
        )
    }))
}

/// What the plain store at the start of `code` (at `address`) wrote, read from the registers it stored from:
/// `Some(value)` when it is a `mov` of `size` bytes to `target` from a general register or an immediate, given
/// `regs` as they are just after it (a store changes no register). `None` for any other instruction: a
/// read-modify-write (`add`, `xadd`, `inc`) leaves no register with the value it wrote.
pub fn stored_value(code: &[u8], address: u64, regs: &crate::regs::Registers, target: u64, size: u8) -> Option<u64> {
    use iced_x86::{Mnemonic, OpKind, Register};
    let mut decoder = iced_x86::Decoder::with_ip(64, code, address, iced_x86::DecoderOptions::NONE);
    let insn = decoder.decode();
    if insn.is_invalid() || insn.mnemonic() != Mnemonic::Mov || insn.op_count() != 2 {
        return None;
    }
    if insn.op0_kind() != OpKind::Memory || insn.memory_size().size() != usize::from(size) {
        return None;
    }
    // A general register by iced's name, as `Registers::get` knows it (`R8L` is `r8b`).
    let value_of = |reg: Register| -> Option<u64> {
        let name = format!("{reg:?}").to_ascii_lowercase();
        let name = match name.strip_suffix('l') {
            Some(r) if r.starts_with('r') && r[1..].parse::<u8>().is_ok() => format!("{r}b"),
            _ => name,
        };
        regs.get(&name)
    };
    let written = insn.try_virtual_address(0, 0, |reg, _, _| match reg {
        Register::FS => Some(regs.fs_base),
        Register::GS => Some(regs.gs_base),
        Register::ES | Register::CS | Register::SS | Register::DS => Some(0),
        r => value_of(r),
    })?;
    if written != target {
        return None;
    }
    let mask = if size >= 8 { u64::MAX } else { (1u64 << (8 * size)) - 1 };
    let value = match insn.op1_kind() {
        OpKind::Register => value_of(insn.op1_register())?,
        OpKind::Immediate8 | OpKind::Immediate16 | OpKind::Immediate32 | OpKind::Immediate32to64 => insn.immediate(1),
        _ => return None,
    };
    Some(value & mask)
}

/// Where the PLT stub at `address` (`bytes` its code) reads its destination from: the slot of its first indirect
/// `jmp qword ptr [rip+x]` within its first three instructions (`endbr64; bnd jmp` in `.plt.sec`, a bare `jmp` in
/// `.plt`). `None` for code that is no such stub.
pub fn stub_slot(bytes: &[u8], address: u64) -> Option<u64> {
    let mut decoder = iced_x86::Decoder::with_ip(64, bytes, address, iced_x86::DecoderOptions::NONE);
    for _ in 0..3 {
        if !decoder.can_decode() {
            return None;
        }
        let insn = decoder.decode();
        if insn.is_invalid() {
            return None;
        }
        if insn.flow_control() == iced_x86::FlowControl::IndirectBranch {
            return (insn.mnemonic() == Mnemonic::Jmp && insn.is_ip_rel_memory_operand())
                .then(|| insn.ip_rel_memory_address());
        }
        if insn.flow_control() != iced_x86::FlowControl::Next {
            return None;
        }
    }
    None
}

/// Whether `bytes`, the code just before `address`, end with a call instruction (of any length from 2 to 7 bytes)
/// that ends exactly at `address`: whether `address` is a return address.
pub fn call_ends_at(bytes: &[u8], address: u64) -> bool {
    (2..=bytes.len().min(7)).any(|len| {
        let start = bytes.len() - len;
        let mut decoder = iced_x86::Decoder::with_ip(
            64,
            &bytes[start..],
            address.wrapping_sub(len as u64),
            iced_x86::DecoderOptions::NONE,
        );
        let insn = decoder.decode();
        !insn.is_invalid()
            && insn.len() == len
            && matches!(insn.flow_control(), iced_x86::FlowControl::Call | iced_x86::FlowControl::IndirectCall)
    })
}

/// The general registers a function's code may change, as a mask over DWARF's numbering (bit 0 rax, 1 rdx, 2 rcx,
/// 3 rbx, 4 rsi, 5 rdi, 6 rbp, 7 rsp, 8–15 r8–r15), from every instruction of `code` (the whole function, so no
/// path through it is missed): explicit and implicit writes, a partial write counting for the whole register.
/// `None` when the code may change anything: it calls, makes a system call, jumps out of itself (a tail call or
/// an indirect jump), or does not decode.
pub fn registers_written(code: &[u8], address: u64) -> Option<u32> {
    let end = address.wrapping_add(code.len() as u64);
    let mut decoder = iced_x86::Decoder::with_ip(64, code, address, iced_x86::DecoderOptions::NONE);
    let mut factory = iced_x86::InstructionInfoFactory::new();
    let mut written = 0u32;
    let mut insn = iced_x86::Instruction::default();
    while decoder.can_decode() {
        decoder.decode_out(&mut insn);
        if insn.is_invalid() {
            return None;
        }
        use iced_x86::FlowControl as F;
        match insn.flow_control() {
            F::Call | F::IndirectCall | F::Interrupt | F::IndirectBranch | F::XbeginXabortXend | F::Exception => {
                return None;
            }
            F::UnconditionalBranch | F::ConditionalBranch => {
                let target = insn.near_branch_target();
                if target < address || target >= end {
                    return None;
                }
            }
            _ => {}
        }
        if matches!(insn.mnemonic(), Mnemonic::Syscall | Mnemonic::Sysenter) {
            return None;
        }
        for used in factory.info(&insn).used_registers() {
            let writes = !matches!(
                used.access(),
                iced_x86::OpAccess::Read
                    | iced_x86::OpAccess::CondRead
                    | iced_x86::OpAccess::NoMemAccess
                    | iced_x86::OpAccess::None
            );
            if writes && let Some(n) = dwarf_number(used.register().full_register()) {
                written |= 1 << n;
            }
        }
    }
    Some(written)
}

/// DWARF's number of a 64-bit general register.
fn dwarf_number(r: Register) -> Option<u32> {
    Some(match r {
        Register::RAX => 0,
        Register::RDX => 1,
        Register::RCX => 2,
        Register::RBX => 3,
        Register::RSI => 4,
        Register::RDI => 5,
        Register::RBP => 6,
        Register::RSP => 7,
        Register::R8 => 8,
        Register::R9 => 9,
        Register::R10 => 10,
        Register::R11 => 11,
        Register::R12 => 12,
        Register::R13 => 13,
        Register::R14 => 14,
        Register::R15 => 15,
        _ => return None,
    })
}

#[cfg(test)]
mod access_tests {
    use super::writes_memory;

    #[test]
    fn plt_stubs_name_their_slot() {
        use super::stub_slot;
        // .plt.sec: endbr64; bnd jmp qword ptr [rip+0x2fe2]; nop
        let sec = [0xf3, 0x0f, 0x1e, 0xfa, 0xf2, 0xff, 0x25, 0xe2, 0x2f, 0, 0, 0x0f, 0x1f, 0x44, 0, 0];
        assert_eq!(stub_slot(&sec, 0x1030), Some(0x1030 + 11 + 0x2fe2));
        // .plt: jmp qword ptr [rip+0x2fe2]; push 0; jmp .plt
        let plt = [0xff, 0x25, 0xe2, 0x2f, 0, 0, 0x68, 0, 0, 0, 0, 0xe9, 0xe0, 0xff, 0xff, 0xff];
        assert_eq!(stub_slot(&plt, 0x1030), Some(0x1030 + 6 + 0x2fe2));
        // Ordinary code (push rbp; mov rbp,rsp; ...) and a jump through a register are no stubs.
        assert_eq!(stub_slot(&[0x55, 0x48, 0x89, 0xe5, 0xc3], 0x1000), None);
        assert_eq!(stub_slot(&[0xff, 0xe0], 0x1000), None);
    }

    #[test]
    fn return_addresses_follow_calls() {
        use super::call_ends_at;
        // call rel32 (e8 + 4 bytes) before 0x1007; call qword ptr [rip+x] (ff 15 + 4); call rax (ff d0).
        assert!(call_ends_at(&[0x90, 0x90, 0xe8, 1, 2, 3, 4], 0x1007));
        assert!(call_ends_at(&[0x90, 0xff, 0x15, 1, 2, 3, 4], 0x1007));
        assert!(call_ends_at(&[0x90, 0x90, 0x90, 0x90, 0x90, 0xff, 0xd0], 0x1007));
        // test rax,rax; nops: no call.
        assert!(!call_ends_at(&[0x90, 0x90, 0x90, 0x90, 0x48, 0x85, 0xc0], 0x1007));
        assert!(!call_ends_at(&[0; 7], 0x1007));
    }

    #[test]
    fn registers_a_function_writes() {
        use super::registers_written;
        // lea eax,[rdi+1]; ret: writes rax (and rsp, by the ret), reads rdi.
        assert_eq!(registers_written(&[0x8d, 0x47, 0x01, 0xc3], 0x1000), Some(1 << 0 | 1 << 7));
        // xor ecx,ecx; cpuid; ret: cpuid writes eax, ebx, ecx, edx.
        assert_eq!(registers_written(&[0x31, 0xc9, 0x0f, 0xa2, 0xc3], 0x1000), Some(0b1111 | 1 << 7));
        // call +0; ret / syscall / jmp out of the function: anything may change.
        assert_eq!(registers_written(&[0xe8, 0, 0, 0, 0, 0xc3], 0x1000), None);
        assert_eq!(registers_written(&[0x0f, 0x05, 0xc3], 0x1000), None);
        assert_eq!(registers_written(&[0xe9, 0x00, 0x10, 0, 0], 0x1000), None);
        // A loop inside the function is no exit: dec r9; jnz -5; ret.
        assert_eq!(registers_written(&[0x49, 0xff, 0xc9, 0x75, 0xfb, 0xc3], 0x1000), Some(1 << 9 | 1 << 7));
    }

    #[test]
    fn reads_and_writes_are_told_apart() {
        // mov dword ptr [rax],2Ah
        assert_eq!(writes_memory(&[0xc7, 0x00, 0x2a, 0, 0, 0], 0x1000), Some(true));
        // mov eax,dword ptr [rax]
        assert_eq!(writes_memory(&[0x8b, 0x00], 0x1000), Some(false));
        // add dword ptr [rax],1: read and write
        assert_eq!(writes_memory(&[0x83, 0x00, 0x01], 0x1000), Some(true));
        // nop: no memory
        assert_eq!(writes_memory(&[0x90], 0x1000), None);
        assert_eq!(writes_memory(&[], 0x1000), None);
    }
}

#[cfg(test)]
mod stored_value_tests {
    use super::stored_value;
    use crate::regs::Registers;

    #[test]
    fn a_plain_store_tells_what_it_wrote() {
        let regs = Registers { rax: 0x1122_3344_5566_7788, rbx: 0x2000, r8: 0xab, ..Default::default() };
        // mov dword ptr [rip+10h], eax at 0x1000 (6 bytes): writes 0x1016.
        let mov = [0x89, 0x05, 0x10, 0, 0, 0];
        assert_eq!(stored_value(&mov, 0x1000, &regs, 0x1016, 4), Some(0x5566_7788));
        assert_eq!(stored_value(&mov, 0x1000, &regs, 0x1018, 4), None, "another address");
        assert_eq!(stored_value(&mov, 0x1000, &regs, 0x1016, 8), None, "another size");
        // mov qword ptr [rbx+8], -2
        let imm = [0x48, 0xc7, 0x43, 0x08, 0xfe, 0xff, 0xff, 0xff];
        assert_eq!(stored_value(&imm, 0, &regs, 0x2008, 8), Some(u64::MAX - 1));
        // mov byte ptr [rbx], r8b
        assert_eq!(stored_value(&[0x44, 0x88, 0x03], 0, &regs, 0x2000, 1), Some(0xab));
        // add dword ptr [rip+10h], eax: what it wrote is in no register.
        assert_eq!(stored_value(&[0x01, 0x05, 0x10, 0, 0, 0], 0x1000, &regs, 0x1016, 4), None);
    }
}
