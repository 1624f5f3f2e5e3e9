//! A stopped thread for the tests: rdb-fuzzkit's MASM context (registers and memory from one byte string; the
//! memory is mapped at 0x1000) as a [`Machine`] for the program, and the same context for the MASM.

use rdb_engine::expr::{self, ExprContext};
use rdb_fuzzkit::expressions::{Context, MEMORY};

use crate::agent::{AgentError, Machine, Program};

/// gdb's x86-64 register numbers 0–17 as MASM names them.
pub fn register_name(number: u32) -> Option<&'static str> {
    const NAMES: [&str; 18] = [
        "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
        "rip", "eflags",
    ];
    NAMES.get(usize::try_from(number).ok()?).copied()
}

/// The context's registers by gdb's numbers, its memory as the program reads it.
pub struct Thread(pub Context);

impl Machine for Thread {
    fn register(&mut self, number: u32) -> Result<u64, AgentError> {
        let name = register_name(number).ok_or_else(|| AgentError::new(format!("no register {number}")))?;
        self.0.register(name).ok_or_else(|| AgentError::new(format!("no register {name}")))
    }

    fn read_memory(&mut self, address: u64, buf: &mut [u8]) -> Result<(), AgentError> {
        let value = self.0.read_memory(address, buf.len()).map_err(|e| AgentError::new(e.to_string()))?;
        let bytes = value.to_le_bytes();
        for (to, from) in buf.iter_mut().zip(bytes) {
            *to = from;
        }
        Ok(())
    }
}

/// The state a test sets up: the context bytes (register words first, in gdb's order 0–15, then rip and rflags;
/// all of it readable at [`MEMORY`]).
pub struct State(pub Vec<u8>);

impl State {
    pub fn new(len: usize) -> State {
        State(vec![0; len])
    }

    pub fn set_register(&mut self, number: usize, value: u64) -> &mut State {
        self.write(number * 8, &value.to_le_bytes())
    }

    /// Write `bytes` at memory address `address` (which must be inside the state).
    pub fn write_at(&mut self, address: u64, bytes: &[u8]) -> &mut State {
        let offset = usize::try_from(address - MEMORY).expect("inside the state");
        self.write(offset, bytes)
    }

    fn write(&mut self, offset: usize, bytes: &[u8]) -> &mut State {
        self.0[offset..offset + bytes.len()].copy_from_slice(bytes);
        self
    }
}

/// What the program and its translation give on `state`, when they agree (both fail, or the same truth):
/// `Err` when both fail, `Ok(truth)` otherwise. Panics when they disagree, naming the texts. Also runs the
/// translation through rdb-fuzzkit's MASM checks, which compare its compiled form (the code run inside the
/// debuggee) with `evaluate`.
pub fn agree(program: &Program, masm: &str, state: &[u8]) -> Result<bool, ()> {
    let evaluated = program.evaluate(&mut Thread(Context::new(state)));
    let translated = expr::evaluate(masm, &mut Context::new(state));
    let mut input = masm.as_bytes().to_vec();
    input.push(0);
    input.extend_from_slice(state);
    rdb_fuzzkit::expressions::run(&input);
    match (&evaluated, &translated) {
        (Err(_), Err(_)) => Err(()),
        (Ok(v), Ok(m)) if (*v != 0) == (*m != 0) => Ok(*v != 0),
        _ => panic!("{program:?}\nMASM {masm}\nprogram gives {evaluated:?}, MASM gives {translated:?}"),
    }
}

/// Bytes from hex text.
pub fn unhex(text: &str) -> Vec<u8> {
    (0..text.len() / 2).map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).expect("hex")).collect()
}
