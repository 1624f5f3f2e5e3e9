//! The value model's questions ([`ModuleSymbols::frame_variables`], `type_of`, `named_type`, `type_names`,
//! `global`, `static_places`, `scope_names`) answered from a module's PDB, where it has one: each of those asks
//! here first and falls back on DWARF (a mingw image's own code is described by its PDB, its runtime's objects by
//! DWARF). The PDB's symbols and types are read on the first such question ([`PdbSymbols`], [`PdbTypes`]).

use super::scopes::{self, PdbSymbols, PdbVariable, Place, Procedure, Whereabouts};
use super::types::{self, PdbTypes};
use crate::symbols::{
    FrameAccess, Located, LocatedVariable, ModuleSymbols, Piece, PieceLocation, StaticPlace, Unanswered,
};
use crate::values::{Type, TypeId, VariableKind};

impl ModuleSymbols {
    /// The PDB's procedures, data and type names, read on first use.
    pub(in crate::symbols) fn pdb_symbols(&self) -> Option<&PdbSymbols> {
        let pdb = self.pdb.as_ref()?;
        self.pdb_symbols.get_or_init(|| PdbSymbols::read(pdb.bytes, self.image_base)).as_ref()
    }

    /// The PDB's types, read on first use.
    pub(in crate::symbols) fn pdb_types(&self) -> Option<&PdbTypes> {
        let pdb = self.pdb.as_ref()?;
        let cplusplus = self.pdb_symbols().is_some_and(|s| s.cplusplus);
        self.pdb_types.get_or_init(|| PdbTypes::read(pdb.bytes, self.base, cplusplus)).as_ref()
    }

    /// The PDB's procedure holding runtime `address`, and `address` as a file address.
    fn pdb_procedure(&self, address: u64) -> Option<(&Procedure, u64)> {
        let file_pc = address.wrapping_sub(self.bias);
        Some((self.pdb_symbols()?.procedure_at(file_pc)?, file_pc))
    }

    /// The id of PDB type index `index` (none for index 0, "no type").
    fn pdb_type_id(&self, index: u32) -> Option<TypeId> {
        (index != 0).then(|| types::id(self.base, index))
    }

    /// [`ModuleSymbols::frame_variables`] from the PDB: `None` where no PDB procedure holds `address`.
    pub(in crate::symbols) fn pdb_frame_variables(
        &self,
        address: u64,
        frame: &FrameAccess<'_>,
    ) -> Option<(Option<String>, Vec<LocatedVariable>)> {
        let (procedure, file_pc) = self.pdb_procedure(address)?;
        let variables = in_scope(procedure, file_pc);
        let in_prologue = frame.innermost && before_body(procedure, file_pc);
        let entry_registers = self.pdb_entry_registers(&variables);
        let types = self.pdb_types();
        let located = variables
            .iter()
            .zip(entry_registers)
            .map(|(v, entry)| {
                let place = if in_prologue && v.parameter {
                    match entry {
                        Some(r) => Located::Pieces(vec![Piece {
                            location: PieceLocation::Register(r),
                            size_bits: None,
                            bit_offset: None,
                        }]),
                        None => Located::Unanswered(Unanswered::Unavailable),
                    }
                } else {
                    let size = types.and_then(|t| t.type_at(v.ty, 0)).and_then(|t| t.size);
                    match scopes::locate(procedure, v, file_pc, size, frame.register, self.bias) {
                        Ok(pieces) => Located::Pieces(pieces),
                        Err(why) => Located::Unanswered(why),
                    }
                };
                LocatedVariable {
                    name: v.name.clone(),
                    kind: if v.parameter { VariableKind::Parameter } else { VariableKind::Local },
                    ty: self.pdb_type_id(v.ty),
                    located: place,
                }
            })
            .collect();
        Some((Some(procedure.name.clone()), located))
    }

    /// For each variable, the register the calling convention passed it in, where it is a parameter whose place
    /// that makes certain (see `values::abi`).
    fn pdb_entry_registers(&self, variables: &[&PdbVariable]) -> Vec<Option<u16>> {
        let types = self.pdb_types();
        let parameters: Vec<Option<Type>> =
            variables.iter().filter(|v| v.parameter).map(|v| types.and_then(|t| t.type_at(v.ty, 0))).collect();
        let mut registers = crate::values::entry_registers(&parameters, true).into_iter();
        variables.iter().map(|v| if v.parameter { registers.next().flatten() } else { None }).collect()
    }

    /// [`ModuleSymbols::static_places`] from the PDB.
    pub(in crate::symbols) fn pdb_static_places(
        &self,
        address: u64,
    ) -> Option<Vec<(String, Option<TypeId>, StaticPlace)>> {
        let (procedure, file_pc) = self.pdb_procedure(address)?;
        let variables = in_scope(procedure, file_pc);
        let in_prologue = before_body(procedure, file_pc);
        let entry_registers = self.pdb_entry_registers(&variables);
        let mut out = Vec::new();
        for (v, entry) in variables.iter().zip(entry_registers) {
            let place = if in_prologue && v.parameter {
                entry.map(StaticPlace::Register)
            } else {
                static_place(procedure, v, file_pc, self.bias)
            };
            if let Some(place) = place {
                out.push((v.name.clone(), self.pdb_type_id(v.ty), place));
            }
        }
        Some(out)
    }

    /// [`ModuleSymbols::scope_names`] from the PDB.
    pub(in crate::symbols) fn pdb_scope_names(&self, address: u64) -> Option<Vec<String>> {
        let (procedure, file_pc) = self.pdb_procedure(address)?;
        Some(in_scope(procedure, file_pc).iter().map(|v| v.name.clone()).collect())
    }

    /// [`ModuleSymbols::global`] from the PDB: the static of the compiland of runtime `near` first.
    pub(in crate::symbols) fn pdb_global(&self, name: &str, near: Option<u64>) -> Option<(u64, Option<TypeId>)> {
        let symbols = self.pdb_symbols()?;
        let compiland = near.and_then(|a| self.pdb_procedure(a)).map(|(p, _)| p.module);
        let entry = symbols.data(name, compiland)?;
        Some((entry.address.wrapping_add(self.bias), self.pdb_type_id(entry.ty)))
    }

    /// [`ModuleSymbols::named_type`] from the PDB: a record's or enumeration's definition, a typedef (`S_UDT`), or
    /// a simple type by its C name.
    pub(in crate::symbols) fn pdb_named_type(&self, name: &str) -> Option<TypeId> {
        let types = self.pdb_types()?;
        if let Some(index) = types.named(name) {
            return Some(types.id(index));
        }
        if let Some(&index) = self.pdb_symbols().and_then(|s| s.udts.get(name.trim())) {
            return Some(types.id(index));
        }
        (0x01..0x80u32)
            .find(|&i| types::simple(i, self.base).is_some_and(|t| t.name == name.trim()))
            .map(|i| types.id(i))
    }

    /// [`ModuleSymbols::type_names`] from the PDB.
    pub(in crate::symbols) fn pdb_type_names(&self, matches: &dyn Fn(&str) -> bool) -> Option<Vec<String>> {
        let types = self.pdb_types()?;
        let mut names = types.names();
        if let Some(symbols) = self.pdb_symbols() {
            names.extend(symbols.udts.keys().cloned());
        }
        names.retain(|n| matches(n));
        names.sort();
        names.dedup();
        Some(names)
    }

    /// [`ModuleSymbols::type_of`] for a PDB type id; `None` for a DWARF one.
    pub(in crate::symbols) fn pdb_type_of(&self, id: TypeId) -> Option<Option<Type>> {
        types::index_of(id)?;
        Some(self.pdb_types().and_then(|t| t.type_of(id)))
    }
}

/// The variables of `procedure` in scope at file address `pc`: parameters first, then locals, outer blocks first.
fn in_scope(procedure: &Procedure, pc: u64) -> Vec<&PdbVariable> {
    let mut variables: Vec<&PdbVariable> =
        procedure.variables.iter().filter(|v| pc >= v.scope.0 && pc < v.scope.1).collect();
    variables.sort_by_key(|v| !v.parameter);
    variables
}

/// Whether file address `pc` comes before any variable of `procedure` has a place: the prologue, where the
/// parameters are still in the registers they were passed in.
fn before_body(procedure: &Procedure, pc: u64) -> bool {
    let body = procedure
        .variables
        .iter()
        .filter_map(|v| match &v.place {
            Place::Ranges(ranges) => ranges.iter().map(|r| r.start).min(),
            _ => None,
        })
        .min();
    body.is_some_and(|b| pc < b)
}

/// Where `v` is at `pc` in terms of registers alone (for code run inside the debuggee).
fn static_place(procedure: &Procedure, v: &PdbVariable, pc: u64, bias: u64) -> Option<StaticPlace> {
    match scopes::whereabouts(procedure, v, pc)? {
        Whereabouts::Register(r) => Some(StaticPlace::Register(r)),
        Whereabouts::Relative { register, offset } => Some(StaticPlace::Memory { register, offset }),
        Whereabouts::Fields(_) => None,
        Whereabouts::Static(address) => Some(StaticPlace::Absolute(address.wrapping_add(bias))),
    }
}
