//! Source files as a user reads them (WinDbg's `ls`, `l+s`; DAP's `source`): the file the debug information names,
//! else one found under the source path's directories (the build tree moved, or the program was built elsewhere),
//! read as lines. A file is read as the module files are (`symbols::source`): only a regular file, so a debug path
//! naming a FIFO or a device cannot block or flood rdb.

use std::path::{Component, Path, PathBuf};

use crate::error::Result;
use crate::symbols::source::file_bytes;

/// Where source files are looked for when the path in the debug information does not exist.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourcePath {
    dirs: Vec<PathBuf>,
}

impl SourcePath {
    /// Directories separated by `;` (WinDbg's `.srcpath`); blanks around each are dropped.
    pub fn parse(text: &str) -> SourcePath {
        let dirs = text.split(';').map(str::trim).filter(|d| !d.is_empty()).map(PathBuf::from).collect();
        SourcePath { dirs }
    }

    /// Add the directories of `text` after the ones there are (`.srcpath+`).
    pub fn extend(&mut self, text: &str) {
        self.dirs.extend(SourcePath::parse(text).dirs);
    }

    pub fn dirs(&self) -> &[PathBuf] {
        &self.dirs
    }

    /// The file to read for `path` (as the debug information names it): itself if it is a file, else the first
    /// `<dir>/<tail>` that is, for each directory in order, the longest tail of `path` first (`/build/src/a.c`
    /// under `/home/me/src` is looked for as `/home/me/src/build/src/a.c`, then `.../src/a.c`, then `.../a.c`).
    /// Not found: one line naming the path tried and the directories.
    pub fn find(&self, path: &Path) -> Result<PathBuf> {
        if path.is_file() {
            return Ok(path.to_path_buf());
        }
        let parts: Vec<&std::ffi::OsStr> = path
            .components()
            .filter_map(|c| match c {
                Component::Normal(p) => Some(p),
                _ => None,
            })
            .collect();
        for dir in &self.dirs {
            for start in 0..parts.len() {
                let candidate: PathBuf = parts[start..].iter().fold(dir.clone(), |p, part| p.join(part));
                if candidate.is_file() {
                    return Ok(candidate);
                }
            }
        }
        let where_else = if self.dirs.is_empty() {
            "no .srcpath to look in".to_string()
        } else {
            format!("nor under the .srcpath directories {}", self.joined())
        };
        Err(crate::err!("Source file {} not found ({where_else})", path.display()))
    }

    /// The lines of the source file for `path` (see [`SourcePath::find`]), without their line endings; bytes
    /// that are no UTF-8 read as U+FFFD. Returns the file read too.
    pub fn lines(&self, path: &Path) -> Result<(PathBuf, Vec<String>)> {
        let found = self.find(path)?;
        let bytes =
            file_bytes(&found).map_err(|e| crate::err!("Source file {} cannot be read: {e}", found.display()))?;
        let text = String::from_utf8_lossy(bytes);
        let lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l).to_string()).collect::<Vec<_>>();
        // A file ending in a newline has no line after it.
        let lines = match lines.split_last() {
            Some((last, rest)) if last.is_empty() => rest.to_vec(),
            _ => lines,
        };
        Ok((found, lines))
    }

    /// The directories as `.srcpath` takes them.
    pub fn joined(&self) -> String {
        self.dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(";")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_is_split_at_semicolons() {
        let p = SourcePath::parse(" /a ; ;/b c;");
        assert_eq!(p.dirs(), [PathBuf::from("/a"), PathBuf::from("/b c")]);
        assert_eq!(p.joined(), "/a;/b c");
        assert!(SourcePath::parse("").dirs().is_empty());
    }

    #[test]
    fn a_moved_file_is_found_by_its_longest_tail_under_a_directory() {
        let root = std::env::temp_dir().join(format!("rdb-sources-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("tree/src")).unwrap();
        std::fs::write(root.join("tree/src/a.c"), "one\r\ntwo\n").unwrap();
        std::fs::write(root.join("tree/a.c"), "shorter tail\n").unwrap();
        let gone = Path::new("/nonexistent/build/src/a.c");
        let mut path = SourcePath::default();
        let error = path.find(gone).unwrap_err().to_string();
        assert_eq!(error, "Source file /nonexistent/build/src/a.c not found (no .srcpath to look in)");
        path.extend(&format!("/nonexistent-dir;{}", root.join("tree").display()));
        let (found, lines) = path.lines(gone).unwrap();
        assert_eq!(found, root.join("tree/src/a.c"), "src/a.c is a longer tail than a.c");
        assert_eq!(lines, ["one", "two"]);
        let error = SourcePath::parse("/nowhere").find(gone).unwrap_err().to_string();
        assert!(error.ends_with("(nor under the .srcpath directories /nowhere)"), "{error}");
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn what_is_no_regular_file_is_not_read() {
        let error = SourcePath::default().lines(Path::new("/dev/zero")).unwrap_err().to_string();
        assert_eq!(error, "Source file /dev/zero not found (no .srcpath to look in)");
    }
}
