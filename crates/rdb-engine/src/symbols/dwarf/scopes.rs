//! The variables in scope at a pc: the function's parameters, then the locals of the function and of each lexical
//! block whose ranges hold the pc, outermost first. A variable's location is chosen for that pc: its single
//! expression, the entry of its location list that covers the pc, or its constant value; none at all when the
//! compiler left nothing for the pc (optimised out).

use std::sync::Arc;

use gimli::{AttributeValue, DwTag, UnitOffset, constants as dw};

use super::types::children;
use super::units::{Unit, reference, start_of};
use super::{DwarfInfo, attr_name};
use crate::symbols::SourceLine;
use crate::symbols::expression::{self, ExpressionFrame, Piece, Unanswered};
use crate::symbols::file::Reader;
use crate::values::{TypeId, VariableKind};

/// How many pcs' scopes are kept.
const MAX_CACHED_SCOPES: usize = 1024;

/// How deeply blocks may nest before the rest is ignored (malformed DWARF must not exhaust the stack).
const MAX_NESTING: usize = 64;

/// One variable of a scope, located for the scope's pc.
pub(crate) struct ScopeVariable {
    pub name: String,
    pub kind: VariableKind,
    pub ty: Option<TypeId>,
    pub location: VariableLocation,
}

/// Where a variable is at the scope's pc, before the frame is asked.
pub(crate) enum VariableLocation {
    Expression(gimli::Expression<Reader>),
    /// `DW_AT_const_value`: the value itself, little-endian.
    Constant(Vec<u8>),
    /// Nothing for this pc.
    None,
}

/// Where a variable is, in terms of registers only (see `DwarfInfo::static_place`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaticPlace {
    /// In a DWARF register.
    Register(u16),
    /// In memory at a DWARF register's value plus `offset`.
    Memory { register: u16, offset: i64 },
    /// In memory at this runtime address.
    Absolute(u64),
}

/// The variables in scope at a pc, with what evaluating their locations needs.
pub(crate) struct Scope {
    /// The function's name.
    pub function: Option<String>,
    /// Where the function's body starts once its prologue has run: the first address whose line is not the
    /// function's opening line (gdb's rule); before it, parameters may not be in their homes yet.
    pub prologue_end: Option<u64>,
    /// Whether the frame base is the CFA (`DW_OP_call_frame_cfa`, gcc's), which is right at every instruction;
    /// a frame base in rbp (clang's) is right only once the prologue has set rbp.
    pub frame_base_is_cfa: bool,
    pub variables: Vec<ScopeVariable>,
    frame_base: Option<gimli::Expression<Reader>>,
    unit: std::sync::Arc<Unit>,
}

impl Scope {
    /// The language of the unit the scope's function is in.
    pub fn language(&self) -> crate::values::Language {
        super::units::language(&self.unit)
    }
}

impl DwarfInfo {
    /// The scope at file address `pc`: the innermost function (not inlined) whose ranges hold it. Kept per pc:
    /// a stop is asked about again and again (each `dv`, a condition at every hit).
    ///
    /// `inlined` chooses among the calls inlined at `pc`: 0 is the real function's own scope, 1 the call inlined
    /// into it, 2 a call inlined into that one, and so on; each sees its own parameters and locals only.
    pub fn scope_at(&self, pc: u64, inlined: u32) -> Option<Arc<Scope>> {
        let mut cache = self.scopes.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(scope) = cache.get(&(pc, inlined)) {
            return scope.clone();
        }
        let scope = self.find_scope(pc, inlined).map(Arc::new);
        // A bounded memory: a program stopped at many places starts again.
        if cache.len() >= MAX_CACHED_SCOPES {
            cache.clear();
        }
        cache.insert((pc, inlined), scope.clone());
        scope
    }

    /// The inlined calls at `pc`, innermost first: each one's function and the source line it is at (the
    /// innermost's the line of `pc`, each other's the line of the call inlined into it), then the real
    /// function's line (the outermost inlined call's site). Empty where nothing is inlined at `pc`.
    ///
    /// With `about_to_run` (the pc of a thread's innermost frame, not a return address), a call whose first
    /// instruction is `pc` has not begun yet: as gdb does, the thread is shown in the function that makes it (a
    /// breakpoint on that function stops there, and a step enters the call).
    pub fn inlined_at(&self, pc: u64, about_to_run: bool) -> Vec<(String, Option<SourceLine>)> {
        let mut calls = self.inline_calls(pc);
        if about_to_run && calls.len() > 1 {
            let starting = self.inline_chain_at(pc).iter().rev().take_while(|(_, entry)| *entry == Some(pc)).count();
            calls.drain(..starting.min(calls.len() - 1));
        }
        if calls.len() < 2 { Vec::new() } else { calls }
    }

    /// The inlined calls at `pc` as addr2line finds them, innermost first, then the real function.
    fn inline_calls(&self, pc: u64) -> Vec<(String, Option<SourceLine>)> {
        let ctx = self.ctx.lock().unwrap_or_else(|e| e.into_inner());
        let Ok(mut frames) = ctx.find_frames(pc).skip_all_loads() else { return Vec::new() };
        let mut out = Vec::new();
        while let Ok(Some(frame)) = frames.next() {
            let name = frame
                .function
                .as_ref()
                .and_then(|f| f.demangle().ok().map(|n| n.into_owned()))
                .unwrap_or_else(|| "<inlined>".into());
            let line = frame.location.as_ref().and_then(|l| Some(SourceLine { file: l.file?.into(), line: l.line? }));
            out.push((name, line));
            if out.len() > MAX_NESTING {
                break;
            }
        }
        out
    }

    /// The inlined calls holding `pc`, outermost first, each with its first instruction (`DW_AT_entry_pc`, else
    /// its lowest address).
    fn inline_chain_at(&self, pc: u64) -> Vec<(UnitOffset<usize>, Option<u64>)> {
        let start = {
            let ctx = self.ctx.lock().unwrap_or_else(|e| e.into_inner());
            let Some(unit) = ctx.find_dwarf_and_unit(pc).skip_all_loads() else { return Vec::new() };
            let Some(start) = start_of(unit.unit) else { return Vec::new() };
            start
        };
        let Some(unit) = self.units.unit(&self.dwarf, start) else { return Vec::new() };
        let Some(root) = unit.entries_tree(None).ok().and_then(|mut t| t.root().ok().map(|r| r.entry().offset()))
        else {
            return Vec::new();
        };
        let Some(function) = self.function_at(&unit, root, pc, 0) else { return Vec::new() };
        self.inline_chain(&unit, function, pc).into_iter().map(|call| (call, self.entry_of(&unit, call))).collect()
    }

    /// Where an inlined call begins: its `DW_AT_entry_pc`, else the lowest address of its ranges.
    fn entry_of(&self, unit: &Unit, offset: UnitOffset<usize>) -> Option<u64> {
        let entry = unit.entry(offset).ok()?;
        match entry.attr_value(dw::DW_AT_entry_pc) {
            Some(AttributeValue::Addr(a)) => return Some(a),
            Some(AttributeValue::DebugAddrIndex(i)) => return self.dwarf.address(unit, i).ok(),
            _ => {}
        }
        let mut ranges = self.dwarf.die_ranges(unit, &entry).ok()?;
        let mut lowest: Option<u64> = None;
        while let Ok(Some(range)) = ranges.next() {
            lowest = Some(lowest.map_or(range.begin, |l| l.min(range.begin)));
        }
        lowest
    }

    fn find_scope(&self, pc: u64, inlined: u32) -> Option<Scope> {
        let start = {
            let ctx = self.ctx.lock().unwrap_or_else(|e| e.into_inner());
            let unit = ctx.find_dwarf_and_unit(pc).skip_all_loads()?;
            start_of(unit.unit)?
        };
        let unit = self.units.unit(&self.dwarf, start)?;
        let root = unit.entries_tree(None).ok()?.root().ok()?.entry().offset();
        let function = self.function_at(&unit, root, pc, 0)?;
        let entry = unit.entry(function).ok()?;
        let frame_base = match entry.attr_value(dw::DW_AT_frame_base) {
            Some(AttributeValue::Exprloc(expr)) => Some(expr),
            Some(AttributeValue::LocationListsRef(offset)) => self.location_for(&unit, offset, pc),
            Some(AttributeValue::DebugLocListsIndex(index)) => {
                self.dwarf.locations_offset(&unit, index).ok().and_then(|offset| self.location_for(&unit, offset, pc))
            }
            _ => None,
        };
        // An inlined call's variables are its inlined_subroutine's; the frame base stays the real function's.
        let (scope, named) = match inlined {
            0 => (function, entry.clone()),
            depth => {
                let chain = self.inline_chain(&unit, function, pc);
                let call = *chain.get(depth as usize - 1)?;
                (call, unit.entry(call).ok()?)
            }
        };
        let mut variables = Vec::new();
        self.collect(&unit, scope, pc, &mut variables, 0);
        // Parameters first (in declaration order), then the locals, outermost block first.
        variables.sort_by_key(|v| v.kind != VariableKind::Parameter);
        let entry_pc = match entry.attr_value(dw::DW_AT_low_pc) {
            Some(AttributeValue::Addr(a)) => Some(a),
            Some(AttributeValue::DebugAddrIndex(i)) => self.dwarf.address(&unit, i).ok(),
            _ => None,
        };
        let frame_base_is_cfa = frame_base
            .as_ref()
            .is_some_and(|e| e.0.to_slice().is_ok_and(|b| b.as_ref() == [gimli::constants::DW_OP_call_frame_cfa.0]));
        Some(Scope {
            function: attr_name(&self.dwarf, &unit, &named),
            // Only the real function has a prologue.
            prologue_end: if inlined == 0 { entry_pc.and_then(|e| self.prologue_end(e)) } else { None },
            frame_base_is_cfa,
            variables,
            frame_base,
            unit,
        })
    }

    /// The inlined calls under `offset` whose ranges hold `pc`, outermost first (through lexical blocks).
    fn inline_chain(&self, unit: &Unit, offset: UnitOffset<usize>, pc: u64) -> Vec<UnitOffset<usize>> {
        let mut chain = Vec::new();
        let mut at = offset;
        'deeper: while chain.len() < MAX_NESTING {
            let mut pending = vec![at];
            while let Some(scope) = pending.pop() {
                for (tag, child) in children(unit, scope) {
                    match tag {
                        dw::DW_TAG_inlined_subroutine if self.holds(unit, child, pc) => {
                            chain.push(child);
                            at = child;
                            continue 'deeper;
                        }
                        dw::DW_TAG_lexical_block if self.holds(unit, child, pc) => pending.push(child),
                        _ => {}
                    }
                }
            }
            break;
        }
        chain
    }

    /// The first address after `entry` whose line differs from the entry's own (within 4 KiB).
    fn prologue_end(&self, entry: u64) -> Option<u64> {
        let ctx = self.ctx.lock().unwrap_or_else(|e| e.into_inner());
        let mut rows = ctx.find_location_range(entry, entry.saturating_add(0x1000)).ok()?;
        let (first, _, location) = rows.next()?;
        if first != entry {
            return None;
        }
        let line = location.line;
        rows.find(|(address, _, l)| *address > entry && l.line != line).map(|(address, _, _)| address)
    }

    /// Evaluate `variable`'s location in a frame whose registers, CFA and memory `frame` gives.
    pub fn locate(
        &self,
        scope: &Scope,
        variable: &ScopeVariable,
        frame: &mut ExpressionFrame<'_>,
    ) -> Result<Vec<Piece>, Unanswered> {
        let VariableLocation::Expression(expr) = &variable.location else { return Err(Unanswered::Unavailable) };
        self.evaluate_in(scope, *expr, frame)
    }

    /// Evaluate `expr` (from `scope`'s unit) in a frame of `scope`: its frame base, its unit's base types and
    /// addresses.
    fn evaluate_in(
        &self,
        scope: &Scope,
        expr: gimli::Expression<Reader>,
        frame: &mut ExpressionFrame<'_>,
    ) -> Result<Vec<Piece>, Unanswered> {
        let unit = &scope.unit;
        let base_type = |offset: UnitOffset<usize>| {
            let entry = unit.entry(offset).ok()?;
            let encoding = match entry.attr_value(dw::DW_AT_encoding)? {
                AttributeValue::Encoding(e) => e,
                _ => return None,
            };
            let size = entry.attr_value(dw::DW_AT_byte_size)?.udata_value()?;
            gimli::ValueType::from_encoding(encoding, size)
        };
        let indexed = |index| self.dwarf.address(unit, index).ok();
        let mut inner = ExpressionFrame {
            register: frame.register,
            mem: &mut *frame.mem,
            bias: frame.bias,
            frame_base: None,
            cfa: frame.cfa,
            base_type: &base_type,
            indexed_address: &indexed,
            entry_value: frame.entry_value,
        };
        if let Some(base) = &scope.frame_base {
            let pieces = expression::evaluate(*base, unit.encoding(), &mut inner, None)?;
            inner.frame_base = expression::as_address(&pieces, frame.register);
        }
        expression::evaluate(expr, unit.encoding(), &mut inner, None)
    }

    /// The values a caller passed in registers at the call that returns to file address `return_pc`, as its call
    /// site says (`DW_TAG_call_site_parameter`'s `DW_AT_call_value`, evaluated in the caller's `frame`): what a
    /// callee's `DW_OP_entry_value` asks for. Only values the caller's frame still knows are given.
    pub fn call_site_values(&self, return_pc: u64, frame: &mut ExpressionFrame<'_>) -> Vec<(u16, u64)> {
        let Some(scope) = self.scope_at(return_pc.wrapping_sub(1), 0) else { return Vec::new() };
        let unit = scope.unit.clone();
        let Ok(mut entries) = unit.entries_tree(None) else { return Vec::new() };
        let Ok(root) = entries.root() else { return Vec::new() };
        let root = root.entry().offset();
        let Some(function) = self.function_at(&unit, root, return_pc.wrapping_sub(1), 0) else { return Vec::new() };
        let Some(site) = self.call_site(&unit, function, return_pc, 0) else { return Vec::new() };
        let mut out = Vec::new();
        for (tag, child) in children(&unit, site) {
            if tag != dw::DW_TAG_call_site_parameter && tag != dw::DW_TAG_GNU_call_site_parameter {
                continue;
            }
            let Ok(entry) = unit.entry(child) else { continue };
            let Some(AttributeValue::Exprloc(location)) = entry.attr_value(dw::DW_AT_location) else { continue };
            let mut ops = location.operations(unit.encoding());
            let Ok(Some(gimli::Operation::Register { register })) = ops.next() else { continue };
            let value =
                entry.attr_value(dw::DW_AT_call_value).or_else(|| entry.attr_value(dw::DW_AT_GNU_call_site_value));
            let Some(AttributeValue::Exprloc(value)) = value else { continue };
            // The value computed (`DW_OP_stack_value`), or without it the address the expression computes.
            if let Ok(pieces) = self.evaluate_in(&scope, value, frame)
                && let Some(v) = expression::as_address(&pieces, frame.register)
            {
                out.push((register.0, v));
            }
        }
        out
    }

    /// The call site under `offset` (through blocks and inlined calls) that returns to `return_pc`.
    fn call_site(
        &self,
        unit: &Unit,
        offset: UnitOffset<usize>,
        return_pc: u64,
        depth: usize,
    ) -> Option<UnitOffset<usize>> {
        if depth > MAX_NESTING {
            return None;
        }
        for (tag, child) in children(unit, offset) {
            match tag {
                dw::DW_TAG_call_site | dw::DW_TAG_GNU_call_site => {
                    let Ok(entry) = unit.entry(child) else { continue };
                    let at = match tag {
                        dw::DW_TAG_call_site => entry.attr_value(dw::DW_AT_call_return_pc),
                        _ => entry.attr_value(dw::DW_AT_low_pc),
                    };
                    let at = match at {
                        Some(AttributeValue::Addr(a)) => Some(a),
                        Some(AttributeValue::DebugAddrIndex(i)) => self.dwarf.address(unit, i).ok(),
                        _ => None,
                    };
                    if at == Some(return_pc) {
                        return Some(child);
                    }
                }
                dw::DW_TAG_lexical_block | dw::DW_TAG_inlined_subroutine => {
                    if let Some(found) = self.call_site(unit, child, return_pc, depth + 1) {
                        return Some(found);
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// Where `variable` is at the scope's pc in terms of registers alone, for code that reads it inside the
    /// debuggee: a register, a register plus an offset (the frame base, from `cfa` when that is the CFA), or a
    /// fixed address. `None` for any other location (pieces, computed values, entry values).
    pub fn static_place(
        &self,
        scope: &Scope,
        variable: &ScopeVariable,
        cfa: Option<(u16, i64)>,
        bias: u64,
    ) -> Option<StaticPlace> {
        let VariableLocation::Expression(expr) = &variable.location else { return None };
        let encoding = scope.unit.encoding();
        let one = |e: &gimli::Expression<Reader>| -> Option<gimli::Operation<Reader>> {
            let mut ops = e.operations(encoding);
            let op = ops.next().ok()??;
            ops.next().ok()?.is_none().then_some(op)
        };
        match one(expr)? {
            gimli::Operation::Register { register } => Some(StaticPlace::Register(register.0)),
            gimli::Operation::RegisterOffset { register, offset, base_type } if base_type.0 == 0 => {
                Some(StaticPlace::Memory { register: register.0, offset })
            }
            gimli::Operation::Address { address } => Some(StaticPlace::Absolute(address.wrapping_add(bias))),
            gimli::Operation::FrameOffset { offset } => match one(scope.frame_base.as_ref()?)? {
                gimli::Operation::CallFrameCFA => {
                    let (register, at) = cfa?;
                    Some(StaticPlace::Memory { register, offset: at.checked_add(offset)? })
                }
                gimli::Operation::Register { register } => Some(StaticPlace::Memory { register: register.0, offset }),
                gimli::Operation::RegisterOffset { register, offset: base, base_type } if base_type.0 == 0 => {
                    Some(StaticPlace::Memory { register: register.0, offset: base.checked_add(offset)? })
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// The subprogram under `offset` whose ranges hold `pc`, searching through namespaces, classes and nested
    /// functions, innermost first.
    fn function_at(&self, unit: &Unit, offset: UnitOffset<usize>, pc: u64, depth: usize) -> Option<UnitOffset<usize>> {
        if depth > MAX_NESTING {
            return None;
        }
        for (tag, child) in children(unit, offset) {
            match tag {
                dw::DW_TAG_subprogram if self.holds(unit, child, pc) => {
                    return Some(self.function_at(unit, child, pc, depth + 1).unwrap_or(child));
                }
                dw::DW_TAG_namespace | dw::DW_TAG_structure_type | dw::DW_TAG_class_type | dw::DW_TAG_module => {
                    if let Some(found) = self.function_at(unit, child, pc, depth + 1) {
                        return Some(found);
                    }
                }
                dw::DW_TAG_lexical_block if self.holds(unit, child, pc) => {
                    if let Some(found) = self.function_at(unit, child, pc, depth + 1) {
                        return Some(found);
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// The parameters and variables of the entry at `offset`, and of the blocks within it that hold `pc`. The
    /// variables of inlined calls belong to their own frames, not this one.
    fn collect(&self, unit: &Unit, offset: UnitOffset<usize>, pc: u64, out: &mut Vec<ScopeVariable>, depth: usize) {
        if depth > MAX_NESTING {
            return;
        }
        for (tag, child) in children(unit, offset) {
            match tag {
                dw::DW_TAG_formal_parameter | dw::DW_TAG_variable => {
                    if let Some(v) = self.variable(unit, child, tag, pc) {
                        out.push(v);
                    }
                }
                dw::DW_TAG_lexical_block if self.holds(unit, child, pc) => {
                    self.collect(unit, child, pc, out, depth + 1)
                }
                _ => {}
            }
        }
    }

    fn variable(&self, unit: &Unit, offset: UnitOffset<usize>, tag: DwTag, pc: u64) -> Option<ScopeVariable> {
        let entry = unit.entry(offset).ok()?;
        // A declaration (`extern int x;` inside a function) has no storage of its own here.
        if matches!(entry.attr_value(dw::DW_AT_declaration), Some(AttributeValue::Flag(true))) {
            return None;
        }
        let origin = match entry.attr_value(dw::DW_AT_abstract_origin) {
            Some(AttributeValue::UnitRef(o)) => unit.entry(o).ok(),
            _ => None,
        };
        let name = attr_name(&self.dwarf, unit, &entry)?;
        let ty = entry
            .attr_value(dw::DW_AT_type)
            .or_else(|| origin.as_ref()?.attr_value(dw::DW_AT_type))
            .and_then(|v| reference(unit, v))
            .map(|t| self.id(t));
        let location = match entry.attr_value(dw::DW_AT_location) {
            Some(AttributeValue::Exprloc(expr)) => VariableLocation::Expression(expr),
            // DWARF 5's indexed form (clang's `DW_FORM_loclistx`) names the same lists.
            Some(AttributeValue::DebugLocListsIndex(index)) => {
                match self.dwarf.locations_offset(unit, index).ok().and_then(|list| self.location_for(unit, list, pc)) {
                    Some(expr) => VariableLocation::Expression(expr),
                    None => VariableLocation::None,
                }
            }
            Some(AttributeValue::LocationListsRef(list)) => match self.location_for(unit, list, pc) {
                Some(expr) => VariableLocation::Expression(expr),
                None => VariableLocation::None,
            },
            Some(_) => VariableLocation::None,
            None => match entry.attr_value(dw::DW_AT_const_value) {
                Some(AttributeValue::Block(bytes)) => VariableLocation::Constant(bytes.to_slice().ok()?.to_vec()),
                Some(AttributeValue::Sdata(v)) => VariableLocation::Constant(v.to_le_bytes().to_vec()),
                Some(v) => match v.udata_value() {
                    Some(u) => VariableLocation::Constant(u.to_le_bytes().to_vec()),
                    None => VariableLocation::None,
                },
                None => VariableLocation::None,
            },
        };
        let kind = if tag == dw::DW_TAG_formal_parameter { VariableKind::Parameter } else { VariableKind::Local };
        Some(ScopeVariable { name, kind, ty, location })
    }

    /// The expression of location list `list` that covers `pc`.
    fn location_for(
        &self,
        unit: &Unit,
        list: gimli::LocationListsOffset<usize>,
        pc: u64,
    ) -> Option<gimli::Expression<Reader>> {
        let mut entries = self.dwarf.locations(unit, list).ok()?;
        while let Ok(Some(entry)) = entries.next() {
            if entry.range.begin <= pc && pc < entry.range.end {
                return Some(entry.data);
            }
        }
        None
    }

    /// Whether the ranges of the entry at `offset` hold `pc`.
    fn holds(&self, unit: &Unit, offset: UnitOffset<usize>, pc: u64) -> bool {
        let Ok(entry) = unit.entry(offset) else { return false };
        let Ok(mut ranges) = self.dwarf.die_ranges(unit, &entry) else { return false };
        while let Ok(Some(range)) = ranges.next() {
            if range.begin <= pc && pc < range.end {
                return true;
            }
        }
        false
    }
}

use gimli::Reader as _;
