//! gdb's agent expressions: the bytecode a `Z0,addr,kind;X<len>,<bytes>` packet carries as a breakpoint's
//! condition (`set breakpoint condition-evaluation target`). A program is parsed and checked once
//! ([`Program::parse`]), then either translated into a MASM condition with the same meaning ([`Program::to_masm`]),
//! which rdb compiles into the debuggee so a false hit costs no stop, or, when MASM cannot say it faithfully, run
//! by the server at each hit ([`Program::evaluate`]), as gdbserver runs it.
//!
//! What "the same meaning" is: for every register and memory state, the MASM condition fails to evaluate exactly
//! when the program fails (a read that faults, a division by zero), and otherwise is non-zero exactly when the
//! program's result is. A condition that fails stops the debuggee, in rdb as in gdbserver, so both stop on the
//! same hits. MASM evaluates every operand (its `&&` does not short-circuit), so a read the program makes only on
//! one side of a branch is *guarded* in the MASM: when the branch is not taken, it reads an address the program
//! read on every path instead (see `masm`).
//!
//! This module only reads bytes and computes; it never touches a process (a [`Machine`] does that for it).

mod bytecode;
mod evaluate;
mod masm;
mod semantics;
mod symbolic;
mod term;
mod validate;

#[cfg(test)]
mod tests;

use std::fmt;

/// One parsed, validated bytecode program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    /// The instructions in order; a jump's target is an index into this list.
    insns: Vec<bytecode::Insn>,
    /// Each instruction's byte offset in the program, for messages.
    offsets: Vec<usize>,
}

/// Why a program was refused or could not run, as one line a user can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentError(String);

impl AgentError {
    pub fn new(message: impl Into<String>) -> AgentError {
        AgentError(message.into())
    }
}

impl fmt::Display for AgentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "agent expression: {}", self.0)
    }
}

impl std::error::Error for AgentError {}

/// The stopped thread a program reads: its registers by gdb's numbers, and its process's memory.
pub trait Machine {
    fn register(&mut self, number: u32) -> Result<u64, AgentError>;
    /// Fill `buf` from `address`, all of it or an error.
    fn read_memory(&mut self, address: u64, buf: &mut [u8]) -> Result<(), AgentError>;
}

impl Program {
    /// Parse and validate (every jump in range, every opcode known, stack depth bounded, `end` reached).
    pub fn parse(bytes: &[u8]) -> Result<Program, AgentError> {
        validate::parse(bytes)
    }

    /// The condition as a MASM expression rdb compiles into the debuggee, non-zero exactly when the program's
    /// result is non-zero (and failing exactly when it fails); `None` when MASM cannot say it with the same meaning
    /// (the caller then evaluates). `register` names gdb's register number n as MASM names it (`"rax"`, `"rip"`,
    /// `"eflags"`...), `None` if unknown.
    pub fn to_masm(&self, register: &dyn Fn(u32) -> Option<&'static str>) -> Option<String> {
        // A register the caller cannot name cannot be read (gdbserver fails the condition): no translation, even
        // where the program throws the value away.
        let named = |insn: &bytecode::Insn| match insn {
            bytecode::Insn::Reg(n) => register(u32::from(*n)).is_some(),
            _ => true,
        };
        if !self.insns.iter().all(named) {
            return None;
        }
        let term = symbolic::execute(self)?;
        masm::condition(&term, register)
    }

    /// Run the program; the value on top of the stack at `end`.
    pub fn evaluate(&self, machine: &mut dyn Machine) -> Result<u64, AgentError> {
        evaluate::run(self, machine)
    }
}
