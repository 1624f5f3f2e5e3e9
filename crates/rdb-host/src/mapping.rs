//! Module files mapped rather than read, for the engine's symbol loading (`rdb_engine::symbols::source`).

use std::fs::File;
use std::io;
use std::path::Path;

use rdb_engine::symbols::source::FileBytes;

/// Map `path` read-only.
pub fn map_file(path: &Path) -> io::Result<FileBytes> {
    let file = File::open(path)?;
    // SAFETY: a mapped file changed by another process would change under rdb's feet; rdb only reads it as symbol
    // and debug data, every parser of which treats what it reads as untrusted input, as gdb and lldb do with
    // the files they map.
    let map = unsafe { memmap2::Mmap::map(&file)? };
    Ok(Box::new(map))
}
