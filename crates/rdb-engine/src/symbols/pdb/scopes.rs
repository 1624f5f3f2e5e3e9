//! A PDB's procedures with their variables, its data symbols with their types and its type names (`S_UDT`): what
//! the value model asks of a module's symbols, read from each compiland's symbols and the global symbol stream.
//!
//! A procedure (`S_GPROC32`, `S_LPROC32`) holds its blocks (`S_BLOCK32`, nested) and its variables: `S_LOCAL`
//! followed by the `S_DEFRANGE_*` records that say where it is over which ranges of code (a register, the frame
//! pointer plus an offset, a register plus an offset, a register for one field), each with gaps where it is not;
//! or, the older way, `S_REGREL32`, `S_BPREL32` and `S_REGISTER` for the whole procedure. `S_FRAMEPROC` says which
//! register the frame pointer of its locals and of its parameters is.
//!
//! Read whole on the first question about variables (never at load); addresses are file addresses (image base +
//! RVA). Records `pdb2` cannot parse are passed over.

use std::collections::HashMap;

use pdb2::{FallibleIterator, SymbolData};

use super::registers::{dwarf_register, frame_base};
use crate::symbols::{Piece, PieceLocation, Unanswered};

/// How deeply scopes may nest before the rest of a procedure's blocks are read as its own.
const MAX_NESTING: usize = 64;

/// Where a variable is over one range of code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RangePlace {
    /// In CodeView register `n`.
    Register(u16),
    /// In memory at the procedure's frame pointer (for locals or parameters, as `S_FRAMEPROC` says) + offset.
    FrameRelative(i32),
    /// In memory at CodeView register `register` + offset.
    RegisterRelative { register: u16, offset: i32 },
    /// The field at `offset` in the variable is in CodeView register `register`.
    Field { register: u16, offset: u32 },
}

/// One `S_DEFRANGE_*` record: a place, and the code `[start, end)` (less its gaps) where the variable is there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DefRange {
    pub start: u64,
    pub end: u64,
    /// `[start, end)` file addresses inside the range where the variable is not at the place.
    pub gaps: Vec<(u64, u64)>,
    pub place: RangePlace,
}

impl DefRange {
    fn holds(&self, pc: u64) -> bool {
        pc >= self.start && pc < self.end && !self.gaps.iter().any(|&(s, e)| pc >= s && pc < e)
    }
}

/// Where a variable is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Place {
    /// `S_LOCAL`'s ranges (none: optimised out everywhere).
    Ranges(Vec<DefRange>),
    /// `S_REGREL32`/`S_BPREL32`: in memory at a DWARF register + offset, in the whole procedure.
    Relative { register: u16, offset: i64 },
    /// `S_REGISTER`: in a DWARF register, in the whole procedure.
    Register(u16),
    /// `S_LDATA32` inside a procedure (a `static` of the function): at this file address.
    Static(u64),
}

/// A parameter or local of a procedure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PdbVariable {
    pub name: String,
    pub ty: u32,
    pub parameter: bool,
    /// The block it is declared in (the procedure's own extent for its outermost locals).
    pub scope: (u64, u64),
    pub place: Place,
}

/// A procedure, its frame and its variables (in the order the PDB lists them: outer blocks first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Procedure {
    pub name: String,
    pub start: u64,
    pub end: u64,
    /// Its compiland, for the statics of its file.
    pub module: usize,
    /// The DWARF registers its locals' and parameters' frame-relative places count from.
    pub locals_base: u16,
    pub params_base: u16,
    pub variables: Vec<PdbVariable>,
}

/// A global or static variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DataEntry {
    pub address: u64,
    pub ty: u32,
    /// The compiland a file-static belongs to (`None`: from the global stream).
    pub module: Option<usize>,
    pub global: bool,
}

/// A PDB's procedures, data and type names.
#[derive(Default)]
pub(crate) struct PdbSymbols {
    /// Sorted by start.
    pub procedures: Vec<Procedure>,
    pub data: HashMap<String, Vec<DataEntry>>,
    /// `S_UDT`: typedef and tag names → type index.
    pub udts: HashMap<String, u32>,
    /// Whether any compiland is C++.
    pub cplusplus: bool,
}

impl PdbSymbols {
    /// Read the PDB in `bytes`; file addresses are `image_base` + RVA.
    pub fn read(bytes: &'static [u8], image_base: u64) -> Option<PdbSymbols> {
        let mut pdb = super::open(bytes).ok()?;
        let map = pdb.address_map().ok()?;
        let file_address = |offset: pdb2::PdbInternalSectionOffset| {
            offset.to_rva(&map).map(|rva| image_base.wrapping_add(u64::from(rva.0)))
        };
        let mut out = PdbSymbols::default();
        let dbi = pdb.debug_information().ok()?;
        let mut modules = dbi.modules().ok()?;
        let mut module_index = 0usize;
        while let Ok(Some(module)) = modules.next() {
            let this = module_index;
            module_index += 1;
            let Ok(Some(info)) = pdb.module_info(&module) else { continue };
            let Ok(mut iter) = info.symbols() else { continue };
            let mut reader = ProcedureReader::default();
            while let Ok(Some(symbol)) = iter.next() {
                let Ok(data) = symbol.parse() else { continue };
                match data {
                    SymbolData::CompileFlags(c) => out.cplusplus |= c.language == pdb2::SourceLanguage::Cpp,
                    SymbolData::Data(d) if reader.current.is_none() => {
                        if let Some(address) = file_address(d.offset) {
                            out.data.entry(d.name.to_string().into_owned()).or_default().push(DataEntry {
                                address,
                                ty: d.type_index.0,
                                module: Some(this),
                                global: d.global,
                            });
                        }
                    }
                    SymbolData::UserDefinedType(u) => {
                        out.udts.entry(u.name.to_string().into_owned()).or_insert(u.type_index.0);
                    }
                    other => {
                        if let Some(done) = reader.symbol(other, this, &file_address) {
                            out.procedures.push(done);
                        }
                    }
                }
            }
            out.procedures.extend(reader.current.take().map(|(p, _)| p));
        }
        if let Ok(globals) = pdb.global_symbols() {
            let mut iter = globals.iter();
            while let Ok(Some(symbol)) = iter.next() {
                match symbol.parse() {
                    Ok(SymbolData::Data(d)) => {
                        let Some(address) = file_address(d.offset) else { continue };
                        let entries = out.data.entry(d.name.to_string().into_owned()).or_default();
                        if !entries.iter().any(|e| e.address == address) {
                            entries.push(DataEntry { address, ty: d.type_index.0, module: None, global: d.global });
                        }
                    }
                    Ok(SymbolData::UserDefinedType(u)) => {
                        out.udts.entry(u.name.to_string().into_owned()).or_insert(u.type_index.0);
                    }
                    _ => {}
                }
            }
        }
        out.procedures.sort_by_key(|p| p.start);
        Some(out)
    }

    /// The procedure whose code holds file address `pc`.
    pub fn procedure_at(&self, pc: u64) -> Option<&Procedure> {
        let after = self.procedures.partition_point(|p| p.start <= pc);
        self.procedures[..after].iter().rev().take(4).find(|p| pc < p.end)
    }

    /// The global or static named `name`: a static of compiland `near` first, then a global, then any.
    pub fn data(&self, name: &str, near: Option<usize>) -> Option<&DataEntry> {
        let entries = self.data.get(name)?;
        entries
            .iter()
            .find(|e| near.is_some() && e.module == near && !e.global)
            .or_else(|| entries.iter().find(|e| e.global))
            .or_else(|| entries.first())
    }
}

/// The extents of the scopes open in a procedure: its own first; `None` for a scope whose variables are not its
/// own (an inlined call's).
type OpenScopes = Vec<Option<(u64, u64)>>;

/// `[start, end)` ranges of code (file addresses).
type Extents = Vec<(u64, u64)>;

/// The procedure being read and the blocks open in it.
#[derive(Default)]
struct ProcedureReader {
    /// The procedure, and the scopes open in it.
    current: Option<(Procedure, OpenScopes)>,
}

impl ProcedureReader {
    /// Take one symbol of a compiland; returns a procedure when its end is read.
    fn symbol(
        &mut self,
        data: SymbolData<'_>,
        module: usize,
        file_address: &dyn Fn(pdb2::PdbInternalSectionOffset) -> Option<u64>,
    ) -> Option<Procedure> {
        let range = |r: &pdb2::AddressRange, gaps: &[pdb2::AddressGap]| -> Option<(u64, u64, Extents)> {
            let start = file_address(r.offset)?;
            let end = start.saturating_add(u64::from(r.cb_range));
            let gaps = gaps
                .iter()
                .map(|g| {
                    let s = start.saturating_add(u64::from(g.gap_start_offset));
                    (s, s.saturating_add(u64::from(g.cb_range)))
                })
                .collect();
            Some((start, end, gaps))
        };
        if let SymbolData::Procedure(p) = &data {
            let start = file_address(p.offset)?;
            let end = start.saturating_add(u64::from(p.len));
            let procedure = Procedure {
                name: p.name.to_string().into_owned(),
                start,
                end,
                module,
                locals_base: 7,
                params_base: 7,
                variables: Vec::new(),
            };
            // A procedure inside another (malformed): the outer one ends here.
            let previous = self.current.replace((procedure, vec![Some((start, end))]));
            return previous.map(|(p, _)| p);
        }
        let (procedure, scopes) = self.current.as_mut()?;
        let scope = scopes.last().copied().flatten();
        match data {
            SymbolData::Block(b) => {
                let start = file_address(b.offset).unwrap_or(0);
                if scopes.len() < MAX_NESTING {
                    scopes.push(scope.map(|_| (start, start.saturating_add(u64::from(b.len)))));
                }
            }
            SymbolData::InlineSite(_) | SymbolData::Thunk(_) | SymbolData::SeparatedCode(_) => {
                if scopes.len() < MAX_NESTING {
                    scopes.push(None);
                }
            }
            SymbolData::ScopeEnd | SymbolData::InlineSiteEnd | SymbolData::ProcedureEnd => {
                scopes.pop();
                if scopes.is_empty() {
                    return self.current.take().map(|(p, _)| p);
                }
            }
            SymbolData::FrameProcedure(f) => {
                procedure.locals_base = frame_base(f.flags.encoded_local_base_pointer);
                procedure.params_base = frame_base(f.flags.encoded_param_base_pointer);
            }
            SymbolData::Local(l) => {
                if let Some(scope) = scope {
                    procedure.variables.push(PdbVariable {
                        name: l.name.to_string().into_owned(),
                        ty: l.type_index.0,
                        parameter: l.flags.isparam,
                        scope,
                        place: Place::Ranges(Vec::new()),
                    });
                }
            }
            SymbolData::RegisterRelative(r) => {
                if let (Some(scope), Some(register)) = (scope, dwarf_register(r.register.0)) {
                    procedure.variables.push(PdbVariable {
                        name: r.name.to_string().into_owned(),
                        ty: r.type_index.0,
                        // MSVC lists a procedure's parameters first, as S_REGREL32 off rsp above the frame.
                        parameter: false,
                        scope,
                        place: Place::Relative { register, offset: i64::from(r.offset) },
                    });
                }
            }
            SymbolData::BasePointerRelative(b) => {
                if let Some(scope) = scope {
                    procedure.variables.push(PdbVariable {
                        name: b.name.to_string().into_owned(),
                        ty: b.type_index.0,
                        parameter: false,
                        scope,
                        place: Place::Relative { register: 6, offset: i64::from(b.offset) },
                    });
                }
            }
            SymbolData::Data(d) => {
                // clang names a function's static `f::calls`; it is in scope in the whole function.
                if let Some(address) = file_address(d.offset) {
                    let full = d.name.to_string();
                    let name = full.rsplit("::").next().unwrap_or(&full).to_string();
                    procedure.variables.push(PdbVariable {
                        name,
                        ty: d.type_index.0,
                        parameter: false,
                        scope: (procedure.start, procedure.end),
                        place: Place::Static(address),
                    });
                }
            }
            SymbolData::RegisterVariable(r) => {
                if let (Some(scope), Some(register)) = (scope, dwarf_register(r.register.0)) {
                    procedure.variables.push(PdbVariable {
                        name: r.name.to_string().into_owned(),
                        ty: r.type_index.0,
                        parameter: false,
                        scope,
                        place: Place::Register(register),
                    });
                }
            }
            other => {
                let found = match &other {
                    SymbolData::DefRangeRegister(d) => {
                        range(&d.range, &d.gaps).map(|r| (r, RangePlace::Register(d.register.0)))
                    }
                    SymbolData::DefRangeFramePointerRelative(d) => {
                        range(&d.range, &d.gaps).map(|r| (r, RangePlace::FrameRelative(d.offset)))
                    }
                    SymbolData::DefRangeFramePointerRelativeFullScope(d) => scope
                        .map(|_| ((procedure.start, procedure.end, Vec::new()), RangePlace::FrameRelative(d.offset))),
                    SymbolData::DefRangeRegisterRelative(d) => range(&d.range, &d.gaps).map(|r| {
                        (r, RangePlace::RegisterRelative { register: d.base_register.0, offset: d.offset_base_pointer })
                    }),
                    SymbolData::DefRangeSubFieldRegister(d) => range(&d.range, &d.gaps)
                        .map(|r| (r, RangePlace::Field { register: d.register.0, offset: d.offset })),
                    _ => None,
                };
                // A range belongs to the S_LOCAL just before it.
                if let Some(((start, end, gaps), place)) = found
                    && let Some(PdbVariable { place: Place::Ranges(ranges), .. }) = procedure.variables.last_mut()
                {
                    ranges.push(DefRange { start, end, gaps, place });
                }
            }
        }
        None
    }
}

/// Where a variable is at one pc, in DWARF registers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Whereabouts {
    Register(u16),
    /// In memory at a register + offset.
    Relative {
        register: u16,
        offset: i64,
    },
    /// By field: each field's offset in the variable and the CodeView register holding it.
    Fields(Vec<(u32, u16)>),
    /// In memory at this file address.
    Static(u64),
}

/// Where `variable` of `procedure` is at file address `pc`: the place of the first of its ranges that holds `pc`
/// outside its gaps (every such range, for a variable held by field).
pub(crate) fn whereabouts(procedure: &Procedure, variable: &PdbVariable, pc: u64) -> Option<Whereabouts> {
    let ranges = match &variable.place {
        Place::Register(r) => return Some(Whereabouts::Register(*r)),
        Place::Relative { register, offset } => {
            return Some(Whereabouts::Relative { register: *register, offset: *offset });
        }
        Place::Static(address) => return Some(Whereabouts::Static(*address)),
        Place::Ranges(ranges) => ranges,
    };
    let here: Vec<&DefRange> = ranges.iter().filter(|r| r.holds(pc)).collect();
    let fields: Vec<(u32, u16)> = here
        .iter()
        .filter_map(|r| match r.place {
            RangePlace::Field { register, offset } => Some((offset, register)),
            _ => None,
        })
        .collect();
    if !fields.is_empty() {
        return Some(Whereabouts::Fields(fields));
    }
    Some(match here.first()?.place {
        RangePlace::Register(cv) => Whereabouts::Register(dwarf_register(cv)?),
        RangePlace::FrameRelative(offset) => Whereabouts::Relative {
            register: if variable.parameter { procedure.params_base } else { procedure.locals_base },
            offset: i64::from(offset),
        },
        RangePlace::RegisterRelative { register, offset } => {
            Whereabouts::Relative { register: dwarf_register(register)?, offset: i64::from(offset) }
        }
        RangePlace::Field { .. } => return None,
    })
}

/// Where `variable` of `procedure` is at file address `pc`, in a frame whose DWARF registers `register` gives;
/// `size` is its type's size (a variable held in several registers by field needs it), `bias` the module's
/// runtime address less its file address.
pub(crate) fn locate(
    procedure: &Procedure,
    variable: &PdbVariable,
    pc: u64,
    size: Option<u64>,
    register: &dyn Fn(u16) -> Option<u64>,
    bias: u64,
) -> Result<Vec<Piece>, Unanswered> {
    let whole = |location| vec![Piece { location, size_bits: None, bit_offset: None }];
    match whereabouts(procedure, variable, pc).ok_or(Unanswered::Unavailable)? {
        Whereabouts::Register(r) => Ok(whole(PieceLocation::Register(r))),
        Whereabouts::Relative { register: r, offset } => match register(r) {
            Some(base) => Ok(whole(PieceLocation::Memory(base.wrapping_add_signed(offset)))),
            None => Err(Unanswered::Unavailable),
        },
        Whereabouts::Fields(mut fields) => Ok(field_pieces(&mut fields, size)),
        Whereabouts::Static(address) => Ok(whole(PieceLocation::Memory(address.wrapping_add(bias)))),
    }
}

/// A variable held by field in registers as DWARF pieces: each field from its offset to the next one's (the last
/// to the end of the variable, at most a register's 8 bytes), what no field covers unavailable.
fn field_pieces(fields: &mut [(u32, u16)], size: Option<u64>) -> Vec<Piece> {
    fields.sort_unstable();
    let total = size.unwrap_or(0);
    let mut pieces = Vec::new();
    let mut at = 0u64;
    for (i, &(offset, cv)) in fields.iter().enumerate() {
        let offset = u64::from(offset);
        if offset < at {
            continue;
        }
        if offset > at {
            pieces.push(Piece {
                location: PieceLocation::Unavailable,
                size_bits: Some((offset - at) * 8),
                bit_offset: None,
            });
        }
        let next = fields.get(i + 1).map(|&(o, _)| u64::from(o)).unwrap_or(total.max(offset + 1));
        let bytes = (next - offset).clamp(1, 8);
        let location = match dwarf_register(cv) {
            Some(r) => PieceLocation::Register(r),
            None => PieceLocation::Unavailable,
        };
        pieces.push(Piece { location, size_bits: Some(bytes * 8), bit_offset: None });
        at = offset + bytes;
    }
    if at < total {
        pieces.push(Piece {
            location: PieceLocation::Unavailable,
            size_bits: Some((total - at).saturating_mul(8)),
            bit_offset: None,
        });
    }
    pieces
}
