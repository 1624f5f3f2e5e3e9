//! Script files (`$$<`, `$$><`, cdb's `-cf`): read whole, bounded, as text. What their lines mean is the console's.

use std::io::Read;
use std::path::Path;

use rdb_engine::{Error, Result};

/// Larger than any script a person writes; a bound so `$$< /dev/zero`'s like cannot exhaust memory.
const MAX_BYTES: u64 = 1 << 20;

/// A script file's text. Only a regular file is read (see [`read_regular`]).
pub(crate) fn read(path: &Path) -> Result<String> {
    let fail = |why: String| Error::msg(format!("Unable to read script file '{}': {why}", path.display()));
    let bytes = read_regular(path, MAX_BYTES + 1).map_err(|e| fail(e.to_string()))?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(fail(format!("larger than {MAX_BYTES} bytes")));
    }
    String::from_utf8(bytes).map_err(|e| fail(format!("not UTF-8 at byte {}", e.utf8_error().valid_up_to())))
}

/// At most `limit` bytes of the regular file at `path`, for the console's own file commands (`$$<`, `.foreach /f`).
/// A FIFO or a device could block the console for good, and opening a FIFO already blocks: the path is checked
/// before the open, and what was opened after it (the path may have changed in between).
pub(crate) fn read_regular(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    let not_regular = || std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file");
    if !std::fs::metadata(path)?.is_file() {
        return Err(not_regular());
    }
    let file = std::fs::File::open(path)?;
    if !file.metadata()?.is_file() {
        return Err(not_regular());
    }
    let mut bytes = Vec::new();
    file.take(limit).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// `$$><`'s one line: the file's lines joined with `;`, as WinDbg condenses them, so a block may span lines.
pub(crate) fn joined(text: &str) -> String {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_join_with_semicolons() {
        assert_eq!(joined(".if (1) {\r\n  .echo a\n}\n\n.echo b\n"), ".if (1) {; .echo a; }; .echo b");
        assert_eq!(joined(""), "");
    }
}
