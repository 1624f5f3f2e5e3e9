//! The compilation units of one module's `.debug_info`, each parsed the first time a question needs it and kept:
//! a stop reads the unit of its pc, a type the unit it is defined in, and nothing else is parsed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use gimli::{AttributeValue, DebugInfoOffset, UnitOffset};

use crate::symbols::file::Reader;

pub(super) type Unit = gimli::Unit<Reader>;

pub(super) struct Units {
    /// Where each unit starts in `.debug_info`, ascending: headers only, read on the first question.
    starts: OnceLock<Vec<usize>>,
    parsed: Mutex<HashMap<usize, Arc<Unit>>>,
}

impl Units {
    pub fn new() -> Units {
        Units { starts: OnceLock::new(), parsed: Mutex::new(HashMap::new()) }
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
