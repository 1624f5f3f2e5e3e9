//! The names a module's DWARF defines at file scope: its global and file-static variables, and its named types
//! (structs, classes, unions, enums, typedefs, base types), namespaces written out (`ns::name`). Built on the first
//! question that needs one (a name that is no local, `dt`), by one pass over the units' top levels; the units
//! themselves are not kept.

use std::collections::HashMap;

use gimli::{AttributeValue, UnitOffset, constants as dw};

use super::types::{children, keyword};
use super::units::{Unit, reference, start_of};
use super::{DwarfInfo, attr_name};
use crate::symbols::expression::{self, ExpressionFrame, PieceLocation};
use crate::values::TypeId;

/// How deeply namespaces may nest before the rest is ignored.
const MAX_NESTING: usize = 32;

#[derive(Default)]
pub(super) struct NameIndex {
    variables: HashMap<String, Vec<GlobalEntry>>,
    types: HashMap<String, Vec<u64>>,
    /// Rust's vtables (`<T as Trait>::{vtable}`), whose type names the concrete type `T`.
    vtables: Vec<GlobalEntry>,
}

#[derive(Clone, Copy)]
struct GlobalEntry {
    die: u64,
    unit: usize,
    /// `DW_AT_external`: visible from other files (else a file static).
    external: bool,
}

/// A global variable found by name: where it is and its type.
pub(crate) struct Global {
    pub address: u64,
    pub ty: Option<TypeId>,
}

impl NameIndex {
    fn build(info: &DwarfInfo) -> NameIndex {
        let mut index = NameIndex::default();
        let mut headers = info.dwarf.units();
        while let Ok(Some(header)) = headers.next() {
            let Ok(unit) = info.dwarf.unit(header) else { continue };
            let Some(start) = start_of(&unit) else { continue };
            let Ok(mut tree) = unit.entries_tree(None) else { continue };
            let Ok(root) = tree.root() else { continue };
            let root = root.entry().offset();
            let scopes = super::units::UnitScopes::build(&info.dwarf, &unit);
            index.scan(info, &unit, &scopes, start, root, "", 0);
        }
        index
    }

    #[allow(clippy::too_many_arguments)]
    fn scan(
        &mut self,
        info: &DwarfInfo,
        unit: &Unit,
        scopes: &super::units::UnitScopes,
        start: usize,
        offset: UnitOffset<usize>,
        prefix: &str,
        depth: usize,
    ) {
        if depth > MAX_NESTING {
            return;
        }
        for (tag, child) in children(unit, offset) {
            let Ok(entry) = unit.entry(child) else { continue };
            let Some(global) = child.to_debug_info_offset(&unit.header).map(|o| o.0 as u64) else { continue };
            let declaration = matches!(entry.attr_value(dw::DW_AT_declaration), Some(AttributeValue::Flag(true)));
            match tag {
                dw::DW_TAG_namespace => {
                    let name = attr_name(&info.dwarf, unit, &entry).unwrap_or_else(|| "(anonymous namespace)".into());
                    self.scan(info, unit, scopes, start, child, &format!("{prefix}{name}::"), depth + 1);
                }
                dw::DW_TAG_variable if entry.attr_value(dw::DW_AT_location).is_some() => {
                    let Some(name) = attr_name(&info.dwarf, unit, &entry) else { continue };
                    // A static member defined outside its class is named by its declaration's place in it.
                    let full = match entry.attr_value(dw::DW_AT_specification) {
                        Some(AttributeValue::UnitRef(declaration)) => format!("{}{name}", scopes.prefix(declaration)),
                        _ => format!("{prefix}{name}"),
                    };
                    let external = matches!(entry.attr_value(dw::DW_AT_external), Some(AttributeValue::Flag(true)))
                        || entry.attr_value(dw::DW_AT_specification).is_some();
                    let entry = GlobalEntry { die: global, unit: start, external };
                    if full.ends_with("::{vtable}") {
                        self.vtables.push(entry);
                    }
                    self.variables.entry(full).or_default().push(entry);
                }
                dw::DW_TAG_structure_type
                | dw::DW_TAG_class_type
                | dw::DW_TAG_union_type
                | dw::DW_TAG_enumeration_type
                | dw::DW_TAG_typedef
                | dw::DW_TAG_base_type
                    if !declaration =>
                {
                    let Some(name) = attr_name(&info.dwarf, unit, &entry) else { continue };
                    let keyword = keyword(tag);
                    let full = format!("{prefix}{name}");
                    if let Some(keyword) = keyword {
                        self.types.entry(format!("{keyword} {full}")).or_default().push(global);
                    }
                    self.types.entry(full).or_default().push(global);
                }
                _ => {}
            }
        }
    }
}

impl DwarfInfo {
    fn names(&self) -> &NameIndex {
        self.names.get_or_init(|| NameIndex::build(self))
    }

    /// The global or file-static variable `name`, read at file address `near` if given: a static of the unit
    /// holding `near` comes before a global of the same name, which comes before another file's static.
    pub fn global(&self, name: &str, near: Option<u64>, bias: u64) -> Option<Global> {
        let entries = self.names().variables.get(name)?;
        let here = near.and_then(|pc| {
            let ctx = self.ctx.lock().unwrap_or_else(|e| e.into_inner());
            let unit = ctx.find_dwarf_and_unit(pc).skip_all_loads()?;
            start_of(unit.unit)
        });
        let mut ranked: Vec<GlobalEntry> = entries.clone();
        ranked.sort_by_key(|e| (Some(e.unit) != here, !e.external));
        ranked.into_iter().find_map(|e| self.global_at(e, bias))
    }

    /// Every name of a named type, and of a global variable, that matches `matches` (for `dt` and `x` patterns).
    pub fn type_names(&self, matches: &dyn Fn(&str) -> bool) -> Vec<String> {
        let mut names: Vec<String> = self.names().types.keys().filter(|n| matches(n)).cloned().collect();
        names.sort();
        names
    }

    /// The type named `name` (`point`, `struct point`, `ns::Pair`, a typedef's or a base type's name): its
    /// complete definition where there are several entries.
    pub fn named_type(&self, name: &str) -> Option<TypeId> {
        let dies = self.names().types.get(name)?;
        dies.iter()
            .copied()
            .map(|d| self.id(d))
            .find(|id| self.type_of(*id).is_some_and(|t| t.size.is_some()))
            .or_else(|| dies.first().map(|d| self.id(*d)))
    }

    /// The concrete type behind the Rust vtable at runtime address `address` (a `&dyn Trait`'s): its
    /// `{vtable}` variable's type is the vtable's layout, whose `DW_AT_containing_type` is the type.
    pub fn vtable_type(&self, address: u64, bias: u64) -> Option<TypeId> {
        let vtable = self.names().vtables.iter().find_map(|e| {
            let g = self.global_at(*e, bias)?;
            (g.address == address).then_some(g.ty).flatten()
        })?;
        let (unit, offset) = self.units.die(&self.dwarf, vtable.die)?;
        let entry = unit.entry(offset).ok()?;
        let concrete = reference(&unit, entry.attr_value(dw::DW_AT_containing_type)?)?;
        Some(self.id(concrete))
    }

    fn global_at(&self, e: GlobalEntry, bias: u64) -> Option<Global> {
        let (unit, offset) = self.units.die(&self.dwarf, e.die)?;
        let entry = unit.entry(offset).ok()?;
        let AttributeValue::Exprloc(expr) = entry.attr_value(dw::DW_AT_location)? else { return None };
        let spec = match entry.attr_value(dw::DW_AT_specification) {
            Some(AttributeValue::UnitRef(o)) => unit.entry(o).ok(),
            _ => None,
        };
        let ty = entry
            .attr_value(dw::DW_AT_type)
            .or_else(|| spec.as_ref()?.attr_value(dw::DW_AT_type))
            .and_then(|v| reference(&unit, v))
            .map(|t| self.id(t));
        // A file-scope location is an address (`DW_OP_addr`, `DW_OP_addrx`): no frame, no registers.
        let indexed = |index| self.dwarf.address(&unit, index).ok();
        let mut nothing = crate::memory::MemorySnapshot { base: 0, bytes: Vec::new() };
        let mut frame = ExpressionFrame {
            register: &|_| None,
            mem: &mut nothing,
            bias,
            frame_base: None,
            cfa: None,
            base_type: &|_| None,
            indexed_address: &indexed,
            entry_value: &|_| None,
        };
        let pieces = expression::evaluate(expr, unit.encoding(), &mut frame, None).ok()?;
        match pieces.first()?.location {
            PieceLocation::Memory(address) => Some(Global { address, ty }),
            _ => None,
        }
    }
}
