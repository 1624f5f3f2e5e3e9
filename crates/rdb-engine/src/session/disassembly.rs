//! Disassembly as data, for every front end (WinDbg's `u`, `ub` and `uf`, DAP's `disassemble`): the instructions
//! of a range, the run that ends at an address, or a whole function, each with where it lies among the symbols and
//! whether a name starts there, decided from symbol data. The bytes are read through the patch mask, so the
//! engine's int3s never show. It shapes no lines: the instruction text is the decoder's MASM.

use super::{Place, Session};
use crate::disasm::{self, Instruction};
use crate::error::{Error, Result};
use crate::fmt::addr64;

/// The most instructions one disassembly decodes (`uf` of the largest function there is).
const MAX_INSTRUCTIONS: usize = 0x10000;

/// The most instructions `ub` finds: the search tries up to 15 bytes for each, and decodes them all for every try.
const MAX_BACKWARDS: usize = 0x100;

/// One instruction of a disassembly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisassemblyLine {
    pub instruction: Instruction,
    /// The module and symbol of the instruction's address; `None` outside every module.
    pub place: Option<Place>,
    /// Whether a name starts at the instruction: a symbol's address, or a module's base where no symbol covers it
    /// (where WinDbg puts a `module!symbol:` line).
    pub starts_symbol: bool,
}

impl Session {
    /// At most `count` instructions from `start`, stopping before `end` when one is given. Nothing to decode at
    /// `start` is an error; a count of 0, or an `end` at or before `start`, gives none.
    pub fn disassemble(&mut self, start: u64, count: usize, end: Option<u64>) -> Result<Vec<DisassemblyLine>> {
        let count = count.min(MAX_INSTRUCTIONS);
        if count == 0 {
            return Ok(Vec::new());
        }
        let mut bytes = vec![0u8; count * 15];
        let n = self.read_memory(start, &mut bytes)?;
        let modules = &self.modules;
        let instructions = disasm::decode(&bytes[..n], start, count, &|a| modules.describe(a));
        if instructions.is_empty() {
            return Err(Error::MemoryAccess(start));
        }
        let lines = instructions.into_iter().take_while(|i| end.is_none_or(|e| i.address < e)).map(|instruction| {
            let place = modules.place(instruction.address);
            DisassemblyLine { starts_symbol: place.as_ref().is_some_and(Place::starts_name), place, instruction }
        });
        Ok(lines.collect())
    }

    /// The `count` instructions that end exactly at `address` (at most 0x100), as `ub` shows them.
    pub fn instructions_ending_at(&mut self, address: u64, count: usize) -> Result<Vec<DisassemblyLine>> {
        let count = count.min(MAX_BACKWARDS);
        let start = disasm::start_of_instructions_ending_at(&mut self.memory()?, address, count)
            .ok_or_else(|| crate::err!("no instructions decode to end at {}", addr64(address)))?;
        self.disassemble(start, count, Some(address))
    }

    /// The whole function that holds `address`, as `uf` shows it: its extent comes from its symbol's size (ELF) or
    /// its `.pdata` entry (PE).
    pub fn disassemble_function(&mut self, address: u64) -> Result<Vec<DisassemblyLine>> {
        let Some((start, end)) = self.modules.function_extent(address) else {
            return Err(crate::err!("no function with a known size at {}", addr64(address)));
        };
        self.disassemble(start, (end - start) as usize, Some(end))
    }
}
