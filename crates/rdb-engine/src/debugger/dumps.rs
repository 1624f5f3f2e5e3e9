//! A dump given where a program is expected (`rdb core.1234`): told apart from a program by its first bytes, so
//! the user hears what the file is rather than the OS's refusal to run it ("Permission denied"). Opening dumps is
//! the host's (`Host::open_dump`, for `-z`); this only names them.

use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};

/// The files of dumps: what `rdb_dumps` opens, and what a launch refuses to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DumpFile {
    CoreFile,
    Minidump,
}

impl DumpFile {
    /// What the file is, in a sentence: `a core file`.
    pub fn described(self) -> &'static str {
        match self {
            DumpFile::CoreFile => "a core file",
            DumpFile::Minidump => "a minidump",
        }
    }
}

/// What kind of dump a file's first bytes say it is, if any: an ELF core file or a minidump.
pub fn dump_file(head: &[u8]) -> Option<DumpFile> {
    const ET_CORE: u16 = 4;
    if head.starts_with(b"MDMP") {
        return Some(DumpFile::Minidump);
    }
    let e_type = head.get(16..18).map(|b| u16::from_le_bytes([b[0], b[1]]));
    (head.starts_with(b"\x7fELF") && e_type == Some(ET_CORE)).then_some(DumpFile::CoreFile)
}

/// Refuse to launch a dump, saying what it is. A file that cannot be read is left for the launch to report.
pub(super) fn refuse_dump(program: &Path) -> Result<()> {
    let mut head = Vec::with_capacity(18);
    let Ok(file) = std::fs::File::open(program) else { return Ok(()) };
    if file.metadata().map(|m| !m.is_file()).unwrap_or(true) || file.take(18).read_to_end(&mut head).is_err() {
        return Ok(());
    }
    match dump_file(&head) {
        Some(kind) => Err(Error::msg(format!(
            "{} is {}, not a program: open it with -z <file>",
            program.display(),
            kind.described()
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::{DumpFile, dump_file};

    #[test]
    fn cores_and_minidumps_are_told_from_programs() {
        let mut elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0".to_vec();
        assert_eq!(dump_file(&[elf.as_slice(), &[4, 0]].concat()), Some(DumpFile::CoreFile));
        elf.extend([3, 0]);
        assert_eq!(dump_file(&elf), None, "a position-independent executable");
        assert_eq!(dump_file(b"MDMP\x93\xa7"), Some(DumpFile::Minidump));
        assert_eq!(dump_file(b"MZ"), None);
        assert_eq!(dump_file(b"\x7fELF"), None, "too short to say");
    }
}
