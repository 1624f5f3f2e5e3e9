//! DWARF, parsed on first use: line information (`lines`: address → line as gdb finds it, line → addresses from
//! the line programs' `is_stmt` rows), and the variables and types of the value model, read unit by
//! unit as questions need them (`units`, `scopes`, `types`). Addresses here are file (link-time) addresses.

mod index;
mod lines;
mod scopes;
mod types;
mod units;

pub use scopes::StaticPlace;
pub(crate) use scopes::{Scope, VariableLocation};

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use gimli::{Reader as _, Section as _};

use super::file::{Reader, section_data};
use super::lines::LineTable;

/// The scopes found, by pc and inlined call (`scopes::scope_at`); `None` where there is none.
type ScopeCache = HashMap<(u64, u32), Option<Arc<scopes::Scope>>>;

pub(super) struct DwarfInfo {
    /// addr2line's context (the unit of a pc, for variables) caches with `OnceCell`s (not `Sync`): one lookup at a
    /// time.
    ctx: Mutex<addr2line::Context<Reader>>,
    dwarf: Arc<gimli::Dwarf<Reader>>,
    /// The module's code ranges (file addresses): rows elsewhere belong to discarded functions.
    code: Vec<(u64, u64)>,
    lines: OnceLock<LineTable>,
    /// Single units' line tables, by the unit's offset, for questions about one address while the whole module's
    /// table is not built (a stack's frames need a few units of a large library, not all of them).
    unit_lines: Mutex<HashMap<usize, Arc<LineTable>>>,
    units: units::Units,
    /// The module's base address, which the [`TypeId`](crate::values::TypeId)s handed out carry.
    module: u64,
    names: OnceLock<index::NameIndex>,
    /// The scopes found, by pc (`scopes::scope_at`).
    scopes: Mutex<ScopeCache>,
}

impl DwarfInfo {
    /// Parse the DWARF of the ELF or PE file `data` (its unit headers only; line programs wait for a question).
    pub fn new(data: &'static [u8], code: Vec<(u64, u64)>, module: u64) -> Option<DwarfInfo> {
        let obj = object::File::parse(data).ok()?;
        let empty = Reader::new(&[][..], gimli::RunTimeEndian::Little);
        let dwarf = gimli::Dwarf::load(|id: gimli::SectionId| -> Result<Reader, gimli::Error> {
            Ok(section_data(data, &obj, id.name()).map(|s| s.bytes.reader(data)).unwrap_or_else(|| empty))
        })
        .ok()?;
        if dwarf.debug_info.reader().is_empty() {
            return None;
        }
        let dwarf = Arc::new(dwarf);
        let ctx = addr2line::Context::from_arc_dwarf(dwarf.clone()).ok()?;
        Some(DwarfInfo {
            ctx: Mutex::new(ctx),
            dwarf,
            code,
            lines: OnceLock::new(),
            unit_lines: Mutex::new(HashMap::new()),
            units: units::Units::new(),
            module,
            names: OnceLock::new(),
            scopes: Mutex::new(HashMap::new()),
        })
    }

    /// The line table of every unit, read on first use.
    pub fn lines(&self) -> &LineTable {
        self.lines.get_or_init(|| lines::build(&self.dwarf, &self.code))
    }

    /// `question` asked of the line table that answers for file address `address`: the whole module's once it is
    /// built (a question about a file's lines builds it), else that of the unit whose code holds `address`, read
    /// alone, as addr2line reads lines; the whole module's where no unit claims the address.
    pub fn with_lines_at<T>(&self, address: u64, question: impl Fn(&LineTable) -> Option<T>) -> Option<T> {
        if let Some(all) = self.lines.get() {
            return question(all);
        }
        let table = {
            let ctx = self.ctx.lock().unwrap_or_else(|e| e.into_inner());
            let found = ctx.find_dwarf_and_unit(address).skip_all_loads();
            match found.and_then(|unit| Some((units::start_of(unit.unit)?, unit))) {
                None => None,
                Some((key, unit)) => {
                    let mut cache = self.unit_lines.lock().unwrap_or_else(|e| e.into_inner());
                    let table = cache
                        .entry(key)
                        .or_insert_with(|| Arc::new(lines::build_unit(&self.dwarf, unit.unit, &self.code)));
                    Some(table.clone())
                }
            }
        };
        match table {
            Some(table) => question(&table),
            None => question(self.lines()),
        }
    }
}

/// An entry's name: its own `DW_AT_name`, else that of the entry it completes (`DW_AT_abstract_origin` for a
/// concrete instance of an inlined function's variable, `DW_AT_specification` for a member function defined out of
/// its class), within the same unit.
fn attr_name(
    dwarf: &gimli::Dwarf<Reader>,
    unit: &gimli::Unit<Reader>,
    entry: &gimli::DebuggingInformationEntry<Reader>,
) -> Option<String> {
    let mut entry = entry.clone();
    for _ in 0..4 {
        if let Some(name) = entry.attr_value(gimli::DW_AT_name) {
            return Some(dwarf.attr_string(unit, name).ok()?.to_string_lossy().ok()?.into_owned());
        }
        let next = [gimli::DW_AT_abstract_origin, gimli::DW_AT_specification].into_iter().find_map(|at| {
            match entry.attr_value(at) {
                Some(gimli::AttributeValue::UnitRef(o)) => unit.entry(o).ok(),
                _ => None,
            }
        });
        entry = next?;
    }
    None
}

/// The full path of file `index` of a line program, as addr2line renders it.
fn render_file(
    dwarf: &gimli::Dwarf<Reader>,
    unit: &gimli::Unit<Reader>,
    header: &gimli::LineProgramHeader<Reader>,
    index: u64,
) -> Option<String> {
    let file = header.file(index)?;
    let mut path = match &unit.comp_dir {
        Some(dir) => dir.to_string_lossy().ok()?.into_owned(),
        None => String::new(),
    };
    if file.directory_index() != 0
        && let Some(directory) = file.directory(header)
    {
        path_push(&mut path, &dwarf.attr_string(unit, directory).ok()?.to_string_lossy().ok()?);
    }
    path_push(&mut path, &dwarf.attr_string(unit, file.path_name()).ok()?.to_string_lossy().ok()?);
    Some(path)
}

fn is_absolute(p: &str) -> bool {
    p.starts_with('/') || p.starts_with('\\') || p.get(1..3) == Some(":/") || p.get(1..3) == Some(":\\")
}

fn path_push(path: &mut String, p: &str) {
    if is_absolute(p) {
        *path = p.to_string();
    } else {
        let sep = if path.starts_with('\\') || path.get(1..3) == Some(":\\") { '\\' } else { '/' };
        if !path.is_empty() && !path.ends_with(sep) {
            path.push(sep);
        }
        path.push_str(p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_join_like_addr2line() {
        let mut p = String::from("/build");
        path_push(&mut p, "src");
        path_push(&mut p, "a.c");
        assert_eq!(p, "/build/src/a.c");
        path_push(&mut p, "/abs/b.c");
        assert_eq!(p, "/abs/b.c");
    }
}
