//! Script files (`$$<`, `$$><`, cdb's `-cf`): read whole, bounded, as text. What their lines mean is the console's.

use std::io::Read;
use std::path::Path;

use rdb_engine::{Error, Result};

/// Larger than any script a person writes; a bound so `$$< /dev/zero`'s like cannot exhaust memory.
const MAX_BYTES: u64 = 1 << 20;

/// A script file's text. Only a regular file is read (a FIFO or a device could block the console for good).
pub(crate) fn read(path: &Path) -> Result<String> {
    let fail = |why: String| Error::msg(format!("Unable to read script file '{}': {why}", path.display()));
    let file = std::fs::File::open(path).map_err(|e| fail(e.to_string()))?;
    let meta = file.metadata().map_err(|e| fail(e.to_string()))?;
    if !meta.is_file() {
        return Err(fail("not a regular file".into()));
    }
    let mut bytes = Vec::new();
    file.take(MAX_BYTES + 1).read_to_end(&mut bytes).map_err(|e| fail(e.to_string()))?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(fail(format!("larger than {MAX_BYTES} bytes")));
    }
    String::from_utf8(bytes).map_err(|e| fail(format!("not UTF-8 at byte {}", e.utf8_error().valid_up_to())))
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
