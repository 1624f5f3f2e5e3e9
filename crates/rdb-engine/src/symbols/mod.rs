//! Symbols of one module, read from its file: ELF `.symtab`/`.dynsym` or PE exports, DWARF line tables, and the
//! call-frame information the unwinder needs. Names are demangled (Rust and C++). All addresses taken and returned
//! are runtime addresses in the debuggee: the module is told where it is loaded.
//!
//! This module reads files only; it never touches the debuggee.

use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::memory::ReadMemory;
use crate::regs::Registers;

/// One symbol, at its runtime address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    /// Demangled name.
    pub name: String,
    pub address: u64,
    /// Size in bytes; 0 where the file does not say.
    pub size: u64,
}

/// A source position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLine {
    pub file: PathBuf,
    pub line: u32,
}

/// The symbols of one loaded module.
pub struct ModuleSymbols {
    _private: (),
}

impl ModuleSymbols {
    /// Read the file at `path` (ELF or PE, with DWARF if present). `base` is the lowest address the module
    /// occupies in the debuggee (what `ModuleLoaded` reported); the load bias is derived from it.
    pub fn load(path: &Path, base: u64) -> Result<ModuleSymbols> {
        let _ = (path, base);
        todo!("symbols helper")
    }

    /// The symbol containing `address`, or else the nearest one before it within the module.
    pub fn symbol_at(&self, address: u64) -> Option<Symbol> {
        let _ = address;
        todo!()
    }

    /// The runtime addresses of the symbols named exactly `name` (demangled name, or the raw linkage name; for a
    /// Rust or C++ name also the name without its hash or parameter list, e.g. `demo::main`).
    pub fn lookup(&self, name: &str) -> Vec<u64> {
        let _ = name;
        todo!()
    }

    /// Symbols whose name matches a wildcard pattern (`*` any run, `?` one character), case-insensitively as
    /// WinDbg's `x` does, sorted by address.
    pub fn matching(&self, pattern: &str) -> Vec<Symbol> {
        let _ = pattern;
        todo!()
    }

    /// The source file and line of `address`, from DWARF.
    pub fn source_line(&self, address: u64) -> Option<SourceLine> {
        let _ = address;
        todo!()
    }

    /// The addresses where code for `file:line` begins (`is_stmt` rows), `file` matched by its path's tail
    /// (`demo.c` matches `/src/demo.c`). Where the line has no code, the next line that has code.
    pub fn line_addresses(&self, file: &str, line: u32) -> Vec<u64> {
        let _ = (file, line);
        todo!()
    }

    /// Unwind one frame with the module's CFI (`.eh_frame`, `.debug_frame`; `.pdata` for PE): given the registers
    /// of a frame whose pc lies in this module, the caller's registers (rip = return address, rsp = CFA, and the
    /// callee-saved registers the CFI recovers). `None` when the module has no CFI for that pc.
    /// `first_frame` is false for caller frames, whose pc is a return address (look up pc - 1).
    pub fn unwind_frame(&self, regs: &Registers, first_frame: bool, mem: &mut dyn ReadMemory) -> Option<Registers> {
        let _ = (regs, first_frame, mem);
        todo!()
    }
}
