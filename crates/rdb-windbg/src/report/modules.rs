//! `lm`'s lines in WinDbg's shapes: the row of each module and, with `v`, its details.

use rdb_engine::fmt::addr64;
use rdb_engine::session::Module;

use super::date::date_time;
use super::symbol_state;
use crate::output::printable;

/// What `lm v` says of a module beyond its row, as the engine found it.
pub struct ModuleDetails<'a> {
    pub module: &'a Module,
    /// A PE image's link time stamp; ELF records none.
    pub timestamp: Option<u32>,
}

/// One `lm` row: `00005555`55554000 00005555`55559000   hello            (deferred)       /path/hello`.
pub fn module_row(m: &Module) -> String {
    format!(
        "{} {}   {:<16} {:<16} {}",
        addr64(m.base),
        addr64(m.end()),
        m.name,
        symbol_state(m.symbol_state()),
        m.path.display()
    )
}

/// `lm v`'s lines under a module's row, indented four blanks as WinDbg's are.
pub fn module_details(d: &ModuleDetails) -> Vec<String> {
    let m = d.module;
    let file = m.path.file_name().map_or_else(|| m.path.display().to_string(), |f| f.to_string_lossy().into_owned());
    let timestamp = match d.timestamp {
        Some(t) => format!("{} ({t:08X})", date_time(u64::from(t))),
        None => "unavailable (the image records none)".to_string(),
    };
    let symbol_file = match m.symbol_file() {
        Some(path) => path.display().to_string(),
        None => format!("none loaded {}", symbol_state(m.symbol_state())),
    };
    let mut lines = vec![
        format!("    Image path: {}", m.path.display()),
        format!("    Image name: {file}"),
        format!("    Timestamp:        {timestamp}"),
        format!("    ImageSize:        {:08X}", m.size),
        format!("    Symbol file:      {symbol_file}"),
    ];
    // The path in it is the image's and the file system's: shown printable.
    if let Some(problem) = m.pdb_problem() {
        lines.push(format!("    PDB not used:     {}", printable(problem)));
    }
    lines
}
