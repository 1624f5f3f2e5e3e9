//! `.dump`'s lines, as WinDbg prints them.

use rdb_engine::dump::DumpKind;

/// What WinDbg says as it writes a dump and once it has.
pub fn dump_written_lines(path: &str, kind: DumpKind) -> [String; 2] {
    let words = match kind {
        DumpKind::FullMinidump | DumpKind::SmallMinidump => "mini user dump",
        DumpKind::Core => "ELF core file",
    };
    [format!("Creating {path} - {words}"), "Dump successfully written".to_string()]
}
