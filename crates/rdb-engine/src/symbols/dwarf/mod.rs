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

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use gimli::{Reader as _, Section as _};

use super::SourceLine;
use super::file::{Reader, section_data};
use lines::{LineRow, LineTable};

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
            units: units::Units::new(),
            module,
            names: OnceLock::new(),
            scopes: Mutex::new(HashMap::new()),
        })
    }

    fn lines(&self) -> &LineTable {
        self.lines.get_or_init(|| LineTable::build(&self.dwarf, &self.code))
    }

    /// The line a file address is at (see `lines.rs` for which row wins).
    pub fn source_line(&self, file_address: u64) -> Option<SourceLine> {
        let table = self.lines();
        let row = table.row_at(file_address)?;
        Some(SourceLine { file: PathBuf::from(&table.files[row.file as usize]), line: row.line })
    }

    /// The line whose statement begins exactly at a file address: where a step by line stops.
    pub fn statement_at(&self, file_address: u64) -> Option<SourceLine> {
        let table = self.lines();
        let row = table.statement_at(file_address)?;
        Some(SourceLine { file: PathBuf::from(&table.files[row.file as usize]), line: row.line })
    }

    /// Whether the line table names a file that `file` can stand for (as [`Dwarf::line_addresses`] matches it).
    pub fn has_file(&self, file: &str) -> bool {
        let table = self.lines();
        let named = |exact| table.files.iter().any(|f| path_ends_with(f, file, exact));
        named(false) || named(true)
    }

    /// The file addresses where `file:line` (or the next line with code) begins: the lowest `is_stmt` address of
    /// each instance, an instance being a (sequence, function) pair; `function_of` names the function of an
    /// address (any key).
    pub fn line_addresses(&self, file: &str, line: u32, function_of: &dyn Fn(u64) -> Option<u64>) -> Vec<u64> {
        let table = self.lines();
        let mut files: Vec<u32> =
            (0..table.files.len() as u32).filter(|&i| path_ends_with(&table.files[i as usize], file, false)).collect();
        if files.is_empty() {
            files = (0..table.files.len() as u32)
                .filter(|&i| path_ends_with(&table.files[i as usize], file, true))
                .collect();
        }
        let rows_of = |f: u32, l: u32| {
            let lo = table.by_line.partition_point(|r| (r.file, r.line) < (f, l));
            let hi = table.by_line.partition_point(|r| (r.file, r.line) <= (f, l));
            &table.by_line[lo..hi]
        };
        let mut chosen: Vec<LineRow> = files.iter().flat_map(|&f| rows_of(f, line).iter().copied()).collect();
        if chosen.is_empty() {
            // The next line that has code, in any of the matching files.
            let next = files
                .iter()
                .filter_map(|&f| {
                    let i = table.by_line.partition_point(|r| (r.file, r.line) <= (f, line));
                    table.by_line.get(i).filter(|r| r.file == f).map(|r| r.line)
                })
                .min();
            if let Some(next) = next {
                chosen = files.iter().flat_map(|&f| rows_of(f, next).iter().copied()).collect();
            }
        }
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        // Rows are sorted by address within (file, line, sequence): the first of each instance is its lowest.
        for r in chosen {
            if seen.insert((r.file, r.line, r.seq, function_of(r.address))) {
                out.push(r.address);
            }
        }
        out.sort_unstable();
        out.dedup();
        out
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

/// Whether `path` ends with the components of `suffix` (`demo.c` matches `/src/x/demo.c`, `x/demo.c` too, but
/// `o.c` does not).
pub(super) fn path_ends_with(path: &str, suffix: &str, ignore_case: bool) -> bool {
    let components = |s: &str| -> Vec<String> {
        s.split(['/', '\\']).filter(|c| !c.is_empty() && *c != ".").map(str::to_string).collect()
    };
    let p = components(path);
    let s = components(suffix);
    if s.is_empty() || s.len() > p.len() {
        return false;
    }
    p[p.len() - s.len()..].iter().zip(&s).all(|(a, b)| if ignore_case { a.eq_ignore_ascii_case(b) } else { a == b })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_suffixes_match_by_component() {
        assert!(path_ends_with("/src/x/demo.c", "demo.c", false));
        assert!(path_ends_with("/src/x/./demo.c", "x/demo.c", false));
        assert!(path_ends_with("C:\\src\\demo.c", "src/demo.c", false));
        assert!(!path_ends_with("/src/x/odemo.c", "demo.c", false));
        assert!(!path_ends_with("/src/x/Demo.c", "demo.c", false));
        assert!(path_ends_with("/src/x/Demo.c", "demo.c", true));
        assert!(!path_ends_with("demo.c", "x/demo.c", false));
    }

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
