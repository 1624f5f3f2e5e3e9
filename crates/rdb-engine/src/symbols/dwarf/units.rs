//! The compilation units of one module's `.debug_info`, each parsed the first time a question needs it and kept:
//! a stop reads the unit of its pc, a type the unit it is defined in, and nothing else is parsed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use gimli::{AttributeValue, DebugInfoOffset, Reader as _, UnitOffset};

use crate::symbols::file::Reader;
use crate::values::Language;

pub(super) type Unit = gimli::Unit<Reader>;

pub(super) struct Units {
    /// Where each unit starts in `.debug_info`, ascending: headers only, read on the first question.
    starts: OnceLock<Vec<usize>>,
    parsed: Mutex<HashMap<usize, Arc<Unit>>>,
    scopes: Mutex<HashMap<usize, Arc<UnitScopes>>>,
}

/// What naming an entry of a unit needs beyond the entry itself: the language (C++ and Rust name types without
/// `struct`),
/// and the scope each entry is declared in (`geo::`, `geo::Shape::`), which DWARF says only by nesting.
pub(super) struct UnitScopes {
    pub cplusplus: bool,
    /// The qualifying prefix of every entry declared inside a namespace, class, struct or union.
    prefixes: HashMap<usize, String>,
}

impl UnitScopes {
    /// The prefix qualifying the entry at `offset` (`geo::Shape::`), empty at file scope.
    pub fn prefix(&self, offset: UnitOffset<usize>) -> &str {
        self.prefixes.get(&offset.0).map(String::as_str).unwrap_or("")
    }

    pub fn build(dwarf: &gimli::Dwarf<Reader>, unit: &Unit) -> UnitScopes {
        // Rust names its types by their modules as C++ does by its namespaces (`alloc::string::String`).
        let cplusplus = matches!(language(unit), Language::Cxx | Language::Rust);
        let mut prefixes = HashMap::new();
        // (depth, prefix for children) of each open scope.
        let mut stack: Vec<(isize, String)> = Vec::new();
        let mut entries = unit.entries();
        while let Ok(Some(entry)) = entries.next_dfs() {
            let depth = entry.depth();
            while stack.last().is_some_and(|(d, _)| *d >= depth) {
                stack.pop();
            }
            let prefix = stack.last().map(|(_, p)| p.clone()).unwrap_or_default();
            if !prefix.is_empty() {
                prefixes.insert(entry.offset().0, prefix.clone());
            }
            let scope = matches!(
                entry.tag(),
                gimli::DW_TAG_namespace
                    | gimli::DW_TAG_class_type
                    | gimli::DW_TAG_structure_type
                    | gimli::DW_TAG_union_type
            );
            if scope && stack.len() < 32 {
                let name = entry
                    .attr_value(gimli::DW_AT_name)
                    .and_then(|n| dwarf.attr_string(unit, n).ok())
                    .and_then(|n| n.to_string_lossy().ok().map(|s| s.into_owned()));
                let name = name.unwrap_or_else(|| {
                    if entry.tag() == gimli::DW_TAG_namespace {
                        "(anonymous namespace)".into()
                    } else {
                        "<unnamed-tag>".into()
                    }
                });
                stack.push((depth, format!("{prefix}{name}::")));
            }
        }
        UnitScopes { cplusplus, prefixes }
    }
}

impl Units {
    pub fn new() -> Units {
        Units { starts: OnceLock::new(), parsed: Mutex::new(HashMap::new()), scopes: Mutex::new(HashMap::new()) }
    }

    /// The unit that starts at `start`.
    pub fn unit(&self, dwarf: &gimli::Dwarf<Reader>, start: usize) -> Option<Arc<Unit>> {
        let mut parsed = self.parsed.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(unit) = parsed.get(&start) {
            return Some(unit.clone());
        }
        let header = dwarf.debug_info.header_from_offset(DebugInfoOffset(start)).ok()?;
        let unit = Arc::new(dwarf.unit(header).ok()?);
        parsed.insert(start, unit.clone());
        Some(unit)
    }

    /// The scopes of the unit that starts at `start` (built on the first question, kept).
    pub fn scopes(&self, dwarf: &gimli::Dwarf<Reader>, unit: &Unit, start: usize) -> Arc<UnitScopes> {
        let mut scopes = self.scopes.lock().unwrap_or_else(|e| e.into_inner());
        scopes.entry(start).or_insert_with(|| Arc::new(UnitScopes::build(dwarf, unit))).clone()
    }

    /// The unit holding the DIE at `.debug_info` offset `global`, and the DIE's offset within it.
    pub fn die(&self, dwarf: &gimli::Dwarf<Reader>, global: u64) -> Option<(Arc<Unit>, UnitOffset<usize>)> {
        let global = usize::try_from(global).ok()?;
        let starts = self.starts.get_or_init(|| {
            let mut starts = Vec::new();
            let mut headers = dwarf.units();
            while let Ok(Some(header)) = headers.next() {
                if let Some(start) = header.offset().to_debug_info_offset(&header) {
                    starts.push(start.0);
                }
            }
            starts
        });
        let i = starts.partition_point(|&s| s <= global).checked_sub(1)?;
        let unit = self.unit(dwarf, starts[i])?;
        let offset = DebugInfoOffset(global).to_unit_offset(&unit.header)?;
        Some((unit, offset))
    }
}

/// The language a unit is written in (its root's `DW_AT_language`): the one place it is read.
pub(super) fn language(unit: &Unit) -> Language {
    let mut entries = unit.entries();
    let Ok(Some(root)) = entries.next_dfs() else { return Language::Other };
    match root.attr_value(gimli::DW_AT_language) {
        Some(AttributeValue::Language(l)) => match l {
            gimli::DW_LANG_Rust => Language::Rust,
            gimli::DW_LANG_C_plus_plus
            | gimli::DW_LANG_C_plus_plus_03
            | gimli::DW_LANG_C_plus_plus_11
            | gimli::DW_LANG_C_plus_plus_14 => Language::Cxx,
            gimli::DW_LANG_C89 | gimli::DW_LANG_C | gimli::DW_LANG_C99 | gimli::DW_LANG_C11 => Language::C,
            _ => Language::Other,
        },
        _ => Language::Other,
    }
}

/// Where a unit starts in `.debug_info`.
pub(super) fn start_of(unit: &Unit) -> Option<usize> {
    unit.header.offset().to_debug_info_offset(&unit.header).map(|o| o.0)
}

/// The `.debug_info` offset a reference attribute names (within the unit, or anywhere in the section).
pub(super) fn reference(unit: &Unit, value: AttributeValue<Reader>) -> Option<u64> {
    match value {
        AttributeValue::UnitRef(offset) => Some(offset.to_debug_info_offset(&unit.header)?.0 as u64),
        AttributeValue::DebugInfoRef(offset) => Some(offset.0 as u64),
        _ => None,
    }
}
