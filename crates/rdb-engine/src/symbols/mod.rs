//! Symbols of one module, read from its file: ELF `.symtab`/`.dynsym` or PE exports, DWARF line tables, and the
//! call-frame information the unwinder needs. Names are demangled (Rust and C++). All addresses taken and returned
//! are runtime addresses in the debuggee: the module is told where it is loaded.
//!
//! This module reads files only; it never touches the debuggee.
//!
//! Loading is cheap: only the symbol tables are read up front. The DWARF line tables and the unwind tables are
//! parsed on first use (each behind a `OnceLock`), so loading the symbols of every shared library of a process
//! costs little.

mod cfi;
mod dwarf;
mod expression;
mod file;
mod lines;
mod names;
mod pdata;
mod pdb;
pub mod source;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::error::Result;
use crate::memory::ReadMemory;
use crate::regs::Registers;
use crate::values::{Type, TypeId, VariableKind};

pub(crate) use cfi::dwarf_reg;
pub use dwarf::StaticPlace;
pub(crate) use expression::{Piece, PieceLocation, Unanswered};

/// A variable in scope at a frame's pc, its location evaluated in that frame.
pub struct LocatedVariable {
    pub name: String,
    pub kind: VariableKind,
    /// Its type, for [`ModuleSymbols::type_of`]; `None` where the debug information gives none.
    pub ty: Option<TypeId>,
    pub(crate) located: Located,
}

/// Where a variable's value is, as its location expression says for the frame.
pub(crate) enum Located {
    Pieces(Vec<Piece>),
    /// The debug information holds the value itself (`DW_AT_const_value`).
    Constant(Vec<u8>),
    Unanswered(Unanswered),
}

/// What a frame gives the evaluation of a location: its registers (those it knows), its CFA.
pub struct FrameAccess<'a> {
    pub register: &'a dyn Fn(u16) -> Option<u64>,
    pub cfa: Option<u64>,
    /// Whether this is the innermost frame, whose pc may be inside the function's prologue.
    pub innermost: bool,
    /// Which of the calls inlined at the pc the frame is: 0 the real function, 1 the call inlined into it, ...
    pub inlined: u32,
    /// The values DWARF registers had at the function's entry, as the caller's call site gives them
    /// ([`ModuleSymbols::call_site_values`]), for `DW_OP_entry_value`.
    pub entry: &'a [(u16, u64)],
}

impl FrameAccess<'_> {
    /// The value DWARF register `n` had at the function's entry, where the caller's call site gives it.
    fn entry_value(&self, n: u16) -> Option<u64> {
        self.entry.iter().find(|(r, _)| *r == n).map(|(_, v)| *v)
    }
}

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

/// A run of the module's file mapped into the process: `size` bytes of the file from `offset`, at runtime address
/// `start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ImagePiece {
    pub start: u64,
    pub offset: u64,
    pub size: u64,
}

/// The symbols of one loaded module.
pub struct ModuleSymbols {
    path: PathBuf,
    base: u64,
    /// runtime address = file address + bias (wrapping).
    bias: u64,
    /// The runtime extent of the module's image: `[start, end)`.
    start: u64,
    end: u64,
    entry: u64,
    format: file::Format,
    /// Whether the file itself has DWARF.
    own_dwarf: bool,
    /// The executable sections' file-address ranges.
    code: Vec<(u64, u64)>,
    /// The file's bytes, shared with the lazily built DWARF and CFI readers.
    data: &'static [u8],
    /// A separate debug file (`/usr/lib/debug/.build-id/...`), read when the module itself has no DWARF.
    debug_file: Option<(PathBuf, &'static [u8])>,
    table: names::SymbolTable,
    /// Where the unwind sections are (file addresses), taken at load time.
    cfi_sections: cfi::CfiSections,
    pe: Option<pdata::PeInfo>,
    /// Indirect functions' resolvers and the GOT slots their implementations are written to (runtime addresses).
    ifunc_slots: Vec<(u64, u64)>,
    /// Where the file's bytes lie in the process (see [`ModuleSymbols::read_image`]).
    image: Vec<ImagePiece>,
    /// Where file addresses start: a PE image's preferred base (the PDB's RVAs are made file addresses with it).
    image_base: u64,
    /// The PE image's PDB, accepted (its GUID and age are the image's).
    pdb: Option<pdb::PdbFile>,
    /// Why the image's PDB is not used, where it names one.
    pdb_problem: Option<String>,
    pdb_lines: OnceLock<Option<lines::LineTable>>,
    /// The PDB's procedures, variables, data and type names, and its types: read on the first question about values.
    pdb_symbols: OnceLock<Option<pdb::scopes::PdbSymbols>>,
    pdb_types: OnceLock<Option<pdb::types::PdbTypes>>,
    dwarf: OnceLock<Option<dwarf::DwarfInfo>>,
    cfi: OnceLock<cfi::Cfi>,
}

impl std::fmt::Debug for ModuleSymbols {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModuleSymbols")
            .field("path", &self.path)
            .field("base", &format_args!("{:#x}", self.base))
            .field("bias", &format_args!("{:#x}", self.bias))
            .field("symbols", &self.table.len())
            .finish_non_exhaustive()
    }
}

impl ModuleSymbols {
    /// Read the file at `path` (ELF or PE, with DWARF if present). `base` is the lowest address the module
    /// occupies in the debuggee (what `ModuleLoaded` reported); the load bias is derived from it.
    pub fn load(path: &Path, base: u64) -> Result<ModuleSymbols> {
        file::load(path, base, &[])
    }

    /// As [`ModuleSymbols::load`], looking for a separate debug file in `search` first (the user's `.sympath`).
    pub fn load_searching(path: &Path, base: u64, search: &[PathBuf]) -> Result<ModuleSymbols> {
        file::load(path, base, search)
    }

    /// The symbol containing `address`, or else the nearest one before it within the module.
    pub fn symbol_at(&self, address: u64) -> Option<Symbol> {
        if !self.contains(address) {
            return None;
        }
        self.table.symbol_at(address)
    }

    /// The extent `[start, end)` of the function that holds `address`: its symbol's, where the symbol has a size
    /// (ELF), else its `.pdata` entry's (PE symbols and exports have no size). `None` when neither knows.
    pub fn function_extent(&self, address: u64) -> Option<(u64, u64)> {
        if let Some(s) = self.symbol_at(address).filter(|s| s.size > 0 && address - s.address < s.size) {
            // A size past the end of the address space (a corrupt symbol table) ends there.
            return Some((s.address, s.address.saturating_add(s.size)));
        }
        let rva = u32::try_from(address.checked_sub(self.base)?).ok()?;
        let (begin, end) = self.pe.as_ref()?.function_range(rva)?;
        Some((self.base + u64::from(begin), self.base + u64::from(end)))
    }

    /// Where the implementation of the indirect function whose resolver is at `resolver` is written once the
    /// module is relocated (a GOT slot), if `resolver` is one.
    pub fn ifunc_slot(&self, resolver: u64) -> Option<u64> {
        let i = self.ifunc_slots.binary_search_by_key(&resolver, |(r, _)| *r).ok()?;
        Some(self.ifunc_slots[i].1)
    }

    /// The runtime addresses of the symbols named exactly `name` (demangled name, or the raw linkage name; for a
    /// Rust or C++ name also the name without its hash or parameter list, e.g. `demo::main`).
    pub fn lookup(&self, name: &str) -> Vec<u64> {
        self.table.lookup(name)
    }

    /// Symbols whose name matches a wildcard pattern (`*` any run, `?` one character), case-insensitively as
    /// WinDbg's `x` does, sorted by address.
    pub fn matching(&self, pattern: &str) -> Vec<Symbol> {
        self.table.matching(pattern)
    }

    /// The source file and line of `address`, from the PDB or the DWARF, whichever covers it.
    pub fn source_line(&self, address: u64) -> Option<SourceLine> {
        if !self.contains(address) {
            return None;
        }
        let file_address = address.wrapping_sub(self.bias);
        self.pdb_lines()
            .and_then(|t| t.source_line(file_address))
            .or_else(|| self.dwarf()?.with_lines_at(file_address, |t| t.source_line(file_address)))
    }

    /// The line whose statement begins exactly at `address` (an `is_stmt` row of the line table starts there):
    /// the places where a step by source line stops.
    pub fn statement_at(&self, address: u64) -> Option<SourceLine> {
        if !self.contains(address) {
            return None;
        }
        let file_address = address.wrapping_sub(self.bias);
        self.pdb_lines()
            .and_then(|t| t.statement_line(file_address))
            .or_else(|| self.dwarf()?.with_lines_at(file_address, |t| t.statement_line(file_address)))
    }

    /// The source files the module's line information has code from (DAP's `loadedSources`); reading them reads
    /// the whole module's line programs.
    pub fn source_files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> =
            self.line_tables().flat_map(|t| t.files_with_lines()).map(PathBuf::from).collect();
        files.dedup();
        files
    }

    /// Whether the module's line information names `file` (`a.c`, `src/a.c`, a full path).
    pub fn has_source_file(&self, file: &str) -> bool {
        self.line_tables().any(|t| t.has_file(file))
    }

    /// The addresses where code for `file:line` begins (`is_stmt` rows), `file` matched by its path's tail
    /// (`demo.c` matches `/src/demo.c`). Where the line has no code, the next line that has code.
    pub fn line_addresses(&self, file: &str, line: u32) -> Vec<u64> {
        // One address per (sequence, function) instance of the line: the function is the symbol containing the
        // address, so a line inlined into three functions yields three breakpoints, a loop header one.
        let function_of = |file_addr: u64| self.table.symbol_at(file_addr.wrapping_add(self.bias)).map(|s| s.address);
        let mut found: Vec<u64> = self
            .line_tables()
            .flat_map(|t| t.line_addresses(file, line, &function_of))
            .map(|a| a.wrapping_add(self.bias))
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    /// The module's line tables: its PDB's first (a PE image's own code, where a PDB was accepted), then its
    /// DWARF's (mingw's runtime objects bring DWARF into an image whose own code has only a PDB). The two cover
    /// different code; each question takes the first answer. The seam where a format's lines plug in.
    fn line_tables(&self) -> impl Iterator<Item = &lines::LineTable> {
        self.pdb_lines().into_iter().chain(self.dwarf().map(|d| d.lines()))
    }

    /// The PDB's line table, where the image has an accepted PDB.
    fn pdb_lines(&self) -> Option<&lines::LineTable> {
        let pdb = self.pdb.as_ref()?;
        self.pdb_lines.get_or_init(|| pdb::lines::build(pdb.bytes, self.image_base)).as_ref()
    }

    /// Unwind one frame with the module's CFI (`.eh_frame`, `.debug_frame`; `.pdata` for PE): given the registers
    /// of a frame whose pc lies in this module, the caller's registers (rip = return address, rsp = CFA, and the
    /// callee-saved registers the CFI recovers). `None` when the module has no CFI for that pc.
    /// `first_frame` is false for caller frames, whose pc is a return address (look up pc - 1).
    pub fn unwind_frame(&self, regs: &Registers, first_frame: bool, mem: &mut dyn ReadMemory) -> Option<Registers> {
        if let Some(pe) = &self.pe
            && let Some(caller) = pe.unwind(self.data, regs, first_frame, self.base, mem)
        {
            return Some(caller);
        }
        let cfi = self.cfi.get_or_init(|| cfi::Cfi::new(self.data, &self.cfi_sections));
        cfi.unwind(regs, first_frame, self.bias, mem)
    }

    /// The function holding runtime `address` and the variables in scope there (parameters first, then locals
    /// outermost block first), each located in `frame`. `None` without debug information for the address.
    pub fn frame_variables(
        &self,
        address: u64,
        frame: &FrameAccess<'_>,
        mem: &mut dyn ReadMemory,
    ) -> Option<(Option<String>, Vec<LocatedVariable>)> {
        if !self.contains(address) {
            return None;
        }
        if let Some(found) = self.pdb_frame_variables(address, frame) {
            return Some(found);
        }
        let dwarf = self.dwarf()?;
        let file_pc = address.wrapping_sub(self.bias);
        let scope = dwarf.scope_at(file_pc, frame.inlined)?;
        // In the prologue the parameters' homes are not written yet: they are read from the registers the calling
        // convention passed them in (where that is certain), and locals only where the frame base is already right.
        let in_prologue = frame.innermost && scope.prologue_end.is_some_and(|end| file_pc < end);
        let entry_registers = self.entry_registers(dwarf, &scope);
        let mut located = Vec::with_capacity(scope.variables.len());
        for (variable, &entry_register) in scope.variables.iter().zip(&entry_registers) {
            let place = match &variable.location {
                _ if in_prologue && variable.kind == VariableKind::Parameter => match entry_register {
                    Some(r) => Located::Pieces(vec![Piece {
                        location: PieceLocation::Register(r),
                        size_bits: None,
                        bit_offset: None,
                    }]),
                    None => Located::Unanswered(Unanswered::Unavailable),
                },
                _ if in_prologue && !scope.frame_base_is_cfa => Located::Unanswered(Unanswered::Unavailable),
                dwarf::VariableLocation::Constant(bytes) => Located::Constant(bytes.clone()),
                dwarf::VariableLocation::None => Located::Unanswered(Unanswered::Unavailable),
                dwarf::VariableLocation::Expression(_) => {
                    let entry = |n: u16| frame.entry_value(n);
                    let mut eval = expression::ExpressionFrame {
                        register: frame.register,
                        mem: &mut *mem,
                        bias: self.bias,
                        frame_base: None,
                        cfa: frame.cfa,
                        base_type: &|_| None,
                        indexed_address: &|_| None,
                        entry_value: &entry,
                    };
                    match dwarf.locate(&scope, variable, &mut eval) {
                        Ok(pieces) => Located::Pieces(pieces),
                        Err(why) => Located::Unanswered(why),
                    }
                }
            };
            located.push(LocatedVariable {
                name: variable.name.clone(),
                kind: variable.kind,
                ty: variable.ty,
                located: place,
            });
        }
        Some((scope.function.clone(), located))
    }

    /// The parameters and locals in scope at runtime `address` whose places there are fixed in terms of
    /// registers (see [`StaticPlace`]): what code running inside the debuggee at that address can read. A variable
    /// with any other location is absent. In a function's prologue the parameters are in the registers the calling
    /// convention passed them in.
    pub fn static_places(&self, address: u64) -> Option<Vec<(String, Option<TypeId>, StaticPlace)>> {
        if !self.contains(address) {
            return None;
        }
        if let Some(places) = self.pdb_static_places(address) {
            return Some(places);
        }
        let dwarf = self.dwarf()?;
        let file_pc = address.wrapping_sub(self.bias);
        let scope = dwarf.scope_at(file_pc, innermost_call(dwarf, file_pc))?;
        let cfa = self.cfi.get_or_init(|| cfi::Cfi::new(self.data, &self.cfi_sections)).cfa_rule(file_pc);
        let in_prologue = scope.prologue_end.is_some_and(|end| file_pc < end);
        let entry_registers = self.entry_registers(dwarf, &scope);
        let mut out = Vec::new();
        for (v, &entry) in scope.variables.iter().zip(&entry_registers) {
            let place = if in_prologue && v.kind == VariableKind::Parameter {
                entry.map(StaticPlace::Register)
            } else if in_prologue && !scope.frame_base_is_cfa {
                None
            } else {
                dwarf.static_place(&scope, v, cfa, self.bias)
            };
            if let Some(place) = place {
                out.push((v.name.clone(), v.ty, place));
            }
        }
        Some(out)
    }

    /// Whether a variable in scope at runtime `address` (in the `inlined` call there) may ask for an entry value
    /// (`DW_OP_entry_value`): whether the callers' call sites are worth reading. A byte of its opcode inside
    /// another operand answers yes too; that costs time, never a wrong value.
    pub fn asks_entry_values(&self, address: u64, inlined: u32) -> bool {
        let Some(dwarf) = self.dwarf().filter(|_| self.contains(address)) else { return false };
        let Some(scope) = dwarf.scope_at(address.wrapping_sub(self.bias), inlined) else { return false };
        scope.variables.iter().any(|v| match &v.location {
            dwarf::VariableLocation::Expression(e) => gimli::Reader::to_slice(&e.0).is_ok_and(|bytes| {
                bytes.iter().any(|&b| b == gimli::DW_OP_entry_value.0 || b == gimli::DW_OP_GNU_entry_value.0)
            }),
            _ => false,
        })
    }

    /// What the caller whose frame `caller` describes passed in registers at its call returning to runtime
    /// `return_address` (its call site's parameters, evaluated in its frame): the callee's entry values.
    pub fn call_site_values(
        &self,
        return_address: u64,
        caller: &FrameAccess<'_>,
        mem: &mut dyn ReadMemory,
    ) -> Vec<(u16, u64)> {
        let Some(dwarf) = self.dwarf().filter(|_| self.contains(return_address.wrapping_sub(1))) else {
            return Vec::new();
        };
        let entry = |n: u16| caller.entry_value(n);
        let mut frame = expression::ExpressionFrame {
            register: caller.register,
            mem,
            bias: self.bias,
            frame_base: None,
            cfa: caller.cfa,
            base_type: &|_| None,
            indexed_address: &|_| None,
            entry_value: &entry,
        };
        dwarf.call_site_values(return_address.wrapping_sub(self.bias), &mut frame)
    }

    /// The calls inlined at runtime `address`, innermost first, each with its function and the line it is at,
    /// then the real function's line (at the outermost inlined call); empty where nothing is inlined there.
    ///
    /// `about_to_run`: `address` is the instruction a thread runs next (its innermost frame), not a return address:
    /// a call inlined there whose first instruction it is has not begun (gdb's rule).
    pub fn inlined_at(&self, address: u64, about_to_run: bool) -> Vec<(String, Option<SourceLine>)> {
        match self.dwarf() {
            Some(dwarf) if self.contains(address) => dwarf.inlined_at(address.wrapping_sub(self.bias), about_to_run),
            _ => Vec::new(),
        }
    }

    /// The names of the parameters and locals in scope at runtime `address` (no frame is needed to name them).
    pub fn scope_names(&self, address: u64) -> Option<Vec<String>> {
        if !self.contains(address) {
            return None;
        }
        if let Some(names) = self.pdb_scope_names(address) {
            return Some(names);
        }
        let dwarf = self.dwarf()?;
        let file_pc = address.wrapping_sub(self.bias);
        let scope = dwarf.scope_at(file_pc, innermost_call(dwarf, file_pc))?;
        Some(scope.variables.iter().map(|v| v.name.clone()).collect())
    }

    /// The language of the function holding runtime `address` (its unit's), where the debug information says.
    pub fn language_at(&self, address: u64) -> Option<crate::values::Language> {
        if !self.contains(address) {
            return None;
        }
        Some(self.dwarf()?.scope_at(address.wrapping_sub(self.bias), 0)?.language())
    }

    /// The global or file-static variable `name` of this module (a static of the file holding runtime address
    /// `near` first): its runtime address and type.
    pub fn global(&self, name: &str, near: Option<u64>) -> Option<(u64, Option<TypeId>)> {
        let near = near.filter(|a| self.contains(*a));
        if let Some(found) = self.pdb_global(name, near) {
            return Some(found);
        }
        let near = near.map(|a| a.wrapping_sub(self.bias));
        let g = self.dwarf()?.global(name, near, self.bias)?;
        Some((g.address, g.ty))
    }

    /// The concrete type of the Rust trait objects whose vtable is at runtime address `address`.
    pub fn vtable_type(&self, address: u64) -> Option<TypeId> {
        self.dwarf()?.vtable_type(address, self.bias)
    }

    /// The type named `name` in this module's debug information (`point`, `struct point`, `counter_t`).
    pub fn named_type(&self, name: &str) -> Option<TypeId> {
        self.pdb_named_type(name).or_else(|| self.dwarf()?.named_type(name))
    }

    /// The names of this module's named types that `matches` accepts, sorted.
    pub fn type_names(&self, matches: &dyn Fn(&str) -> bool) -> Vec<String> {
        let mut names = self.pdb_type_names(matches).unwrap_or_default();
        names.extend(self.dwarf().map(|d| d.type_names(matches)).unwrap_or_default());
        names.sort();
        names.dedup();
        names
    }

    /// For each variable of `scope`, the register the calling convention passes it in when it is a parameter whose
    /// place that makes certain (see `values::abi`), else `None`.
    fn entry_registers(&self, dwarf: &dwarf::DwarfInfo, scope: &dwarf::Scope) -> Vec<Option<u16>> {
        let parameters: Vec<Option<Type>> = scope
            .variables
            .iter()
            .filter(|v| v.kind == VariableKind::Parameter)
            .map(|v| v.ty.and_then(|id| dwarf.type_of(id)))
            .collect();
        let mut registers = crate::values::entry_registers(&parameters, self.is_pe()).into_iter();
        scope
            .variables
            .iter()
            .map(|v| if v.kind == VariableKind::Parameter { registers.next().flatten() } else { None })
            .collect()
    }

    /// The type `id` (handed out by this module's [`frame_variables`](Self::frame_variables) or another type).
    pub fn type_of(&self, id: TypeId) -> Option<Type> {
        // A PDB's type ids have their top bit set (see `pdb::types::PDB_TYPE`); DWARF's are section offsets.
        match self.pdb_type_of(id) {
            Some(ty) => ty,
            None => self.dwarf()?.type_of(id),
        }
    }

    /// The template arguments of the record type `id` names, in order (for a visualizer's `$T1`).
    pub fn template_args(&self, id: TypeId) -> Vec<TypeId> {
        // A PDB writes a template's arguments only into its class's name: none to hand out.
        if pdb::types::index_of(id).is_some() {
            return Vec::new();
        }
        self.dwarf().map(|d| d.template_args(id)).unwrap_or_default()
    }

    /// Whether the module has call-frame information at all (`.eh_frame`, `.debug_frame`, `.pdata`).
    pub fn has_cfi(&self) -> bool {
        self.pe.is_some() || self.cfi_sections.any()
    }

    /// Whether the module's CFI covers runtime `address` (an FDE or `.pdata` entry holds it).
    pub fn covers_with_cfi(&self, address: u64) -> bool {
        if let Some(pe) = &self.pe {
            return u32::try_from(address.wrapping_sub(self.base)).is_ok_and(|rva| pe.function_range(rva).is_some());
        }
        let cfi = self.cfi.get_or_init(|| cfi::Cfi::new(self.data, &self.cfi_sections));
        cfi.covers(address.wrapping_sub(self.bias))
    }

    /// Whether the pc of `regs` lies in a signal trampoline (its CFI says so: augmentation `S`), so that the frame
    /// it returns to was interrupted by a signal rather than making a call. `first_frame` as for
    /// [`ModuleSymbols::unwind_frame`].
    pub fn is_signal_trampoline(&self, regs: &Registers, first_frame: bool) -> bool {
        let cfi = self.cfi.get_or_init(|| cfi::Cfi::new(self.data, &self.cfi_sections));
        cfi.is_signal_trampoline(regs.rip, first_frame, self.bias)
    }

    // ---- Additions to the contract ----

    /// Read the module's code and read-only data from its file, as the loader mapped it (ELF's `PT_LOAD` segments,
    /// a PE's sections), for a snapshot that left them out (a core file's text pages, a small minidump): as gdb and
    /// WinDbg serve them. Only what the file holds; returns how many bytes from the start of `buf` it served (0
    /// where the file has nothing at `address`).
    /// The pages of the module's file as the loader maps them (each ELF segment or PE section rounded out to whole
    /// pages): runtime start, end and the file offset at the start, as `/proc/<pid>/maps` and a core's `NT_FILE`
    /// note list a file's mappings.
    pub fn file_mappings(&self) -> Vec<(u64, u64, u64)> {
        const PAGE: u64 = 0x1000;
        self.image
            .iter()
            .filter_map(|p| {
                let start = p.start & !(PAGE - 1);
                let offset = p.offset.checked_sub(p.start - start)?;
                let end = p.start.checked_add(p.size)?.checked_next_multiple_of(PAGE)?;
                Some((start, end, offset))
            })
            .collect()
    }

    pub fn read_image(&self, address: u64, buf: &mut [u8]) -> usize {
        let Some(piece) = self.image.iter().find(|p| address >= p.start && address - p.start < p.size) else {
            return 0;
        };
        let into = address - piece.start;
        let n = (buf.len() as u64).min(piece.size - into);
        let Some(from) = piece.offset.checked_add(into).and_then(|o| usize::try_from(o).ok()) else { return 0 };
        let Some(bytes) = usize::try_from(n).ok().and_then(|n| self.data.get(from..from.checked_add(n)?)) else {
            return 0;
        };
        buf[..bytes.len()].copy_from_slice(bytes);
        bytes.len()
    }

    /// The file the symbols were read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The separate debug file whose DWARF (and symbol table) was used, or the PDB whose symbols and lines were,
    /// if any.
    pub fn debug_file(&self) -> Option<&Path> {
        self.debug_file.as_ref().map(|(p, _)| p.as_path()).or_else(|| self.pdb.as_ref().map(|p| p.path.as_path()))
    }

    /// Whether the module's symbols and lines come from a PDB (its GUID and age matched the image's).
    pub fn has_pdb(&self) -> bool {
        self.pdb.is_some()
    }

    /// Why the PDB the image names is not used (mismatched, unreadable, not found); `None` when it is, or when the
    /// image names none. Text from the image and the file system: a front end shows it as such.
    pub fn pdb_problem(&self) -> Option<&str> {
        self.pdb_problem.as_deref()
    }

    /// The load address the module was given.
    pub fn base(&self) -> u64 {
        self.base
    }

    /// runtime address − file (link-time) address.
    pub fn bias(&self) -> u64 {
        self.bias
    }

    /// The module's runtime extent `[start, end)`, from its program headers (ELF) or `SizeOfImage` (PE).
    pub fn range(&self) -> (u64, u64) {
        (self.start, self.end)
    }

    /// Whether `address` lies within the module's image.
    pub fn contains(&self, address: u64) -> bool {
        address >= self.start && address < self.end
    }

    /// The runtime entry point (0 for a library without one).
    pub fn entry(&self) -> u64 {
        if self.entry == 0 { 0 } else { self.entry.wrapping_add(self.bias) }
    }

    /// Whether the file is a PE image (else ELF).
    pub fn is_pe(&self) -> bool {
        self.format == file::Format::Pe
    }

    /// Whether DWARF debug information (in the file or a separate debug file) is available. Cheap: it does not
    /// parse the DWARF.
    pub fn has_dwarf(&self) -> bool {
        self.own_dwarf || self.debug_file.is_some()
    }

    /// How many symbols the module has.
    pub fn symbol_count(&self) -> usize {
        self.table.len()
    }

    /// The first symbol that starts after `address` (for `ln`'s "following symbol").
    pub fn symbol_after(&self, address: u64) -> Option<Symbol> {
        self.table.symbol_after(address)
    }

    /// Every symbol, sorted by address (one per address and name).
    pub fn symbols(&self) -> Vec<Symbol> {
        self.table.all()
    }

    fn dwarf(&self) -> Option<&dwarf::DwarfInfo> {
        self.dwarf
            .get_or_init(|| {
                let data = match &self.debug_file {
                    Some((_, d)) => d,
                    None => self.data,
                };
                dwarf::DwarfInfo::new(data, self.code.clone(), self.base)
            })
            .as_ref()
    }
}

/// How deeply calls are inlined at file address `pc` (0: not at all): the scope code at `pc` sees.
fn innermost_call(dwarf: &dwarf::DwarfInfo, pc: u64) -> u32 {
    dwarf.inlined_at(pc, true).len().saturating_sub(1) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn module_symbols_is_send_and_sync() {
        assert_send_sync::<ModuleSymbols>();
    }

    /// A PE32+ image of one section, `.text` at RVA 0x1000 (0x10 bytes of code, 0x200 in the file at 0x200).
    fn tiny_pe() -> Vec<u8> {
        let mut f = vec![0u8; 0x400];
        let mut put = |at: usize, bytes: &[u8]| f[at..at + bytes.len()].copy_from_slice(bytes);
        put(0, b"MZ");
        put(0x3c, &0x40u32.to_le_bytes());
        put(0x40, b"PE\0\0");
        // The file header: x86-64, one section, an optional header of 0xf0 bytes, an executable image.
        put(0x44, &0x8664u16.to_le_bytes());
        put(0x46, &1u16.to_le_bytes());
        put(0x54, &0xf0u16.to_le_bytes());
        put(0x56, &0x22u16.to_le_bytes());
        // The optional header (PE32+) at 0x58.
        put(0x58, &0x20bu16.to_le_bytes());
        put(0x58 + 16, &0x1000u32.to_le_bytes()); // AddressOfEntryPoint
        put(0x58 + 24, &0x1_4000_0000u64.to_le_bytes()); // ImageBase
        put(0x58 + 32, &0x1000u32.to_le_bytes()); // SectionAlignment
        put(0x58 + 36, &0x200u32.to_le_bytes()); // FileAlignment
        put(0x58 + 56, &0x2000u32.to_le_bytes()); // SizeOfImage
        put(0x58 + 60, &0x200u32.to_le_bytes()); // SizeOfHeaders
        put(0x58 + 68, &3u16.to_le_bytes()); // Subsystem: console
        put(0x58 + 108, &16u32.to_le_bytes()); // NumberOfRvaAndSizes
        // The section table at 0x148.
        put(0x148, b".text\0\0\0");
        put(0x150, &0x10u32.to_le_bytes()); // VirtualSize
        put(0x154, &0x1000u32.to_le_bytes()); // VirtualAddress
        put(0x158, &0x200u32.to_le_bytes()); // SizeOfRawData
        put(0x15c, &0x200u32.to_le_bytes()); // PointerToRawData
        put(0x16c, &0x6000_0020u32.to_le_bytes()); // code, executable, readable
        put(0x200, &[0x55, 0x48, 0x89, 0xe5, 0xc3]);
        f
    }

    #[test]
    fn a_pe_image_is_read_as_the_loader_maps_it() {
        let path = std::env::temp_dir().join(format!("rdb-tiny-pe-{}.exe", std::process::id()));
        std::fs::write(&path, tiny_pe()).unwrap();
        let base = 0x7ff6_0000_0000;
        let module = ModuleSymbols::load(&path, base).unwrap();
        let mut buf = [0u8; 8];
        // The section at base + its RVA, from its bytes in the file.
        assert_eq!(module.read_image(base + 0x1000, &mut buf[..5]), 5);
        assert_eq!(buf[..5], [0x55, 0x48, 0x89, 0xe5, 0xc3]);
        // Only its virtual size: what the file rounds it up to is no part of the image.
        assert_eq!(module.read_image(base + 0x100c, &mut buf), 4);
        assert_eq!(module.read_image(base + 0x1010, &mut buf), 0);
        // The headers at the base.
        assert_eq!(module.read_image(base, &mut buf[..2]), 2);
        assert_eq!(&buf[..2], b"MZ");
        assert_eq!(module.read_image(base + 0x200, &mut buf), 0, "past the headers, before the section");
        let _ = std::fs::remove_file(&path);
    }
}
