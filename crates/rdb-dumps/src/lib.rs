//! Dumps as targets: a core file or a minidump is a process that only reads ([`rdb_engine::target::Target`] with a
//! [`rdb_engine::target::Snapshot`], no `Execution`), whichever OS wrote it and whichever OS rdb runs on. The
//! engine opens it as it opens a live process and judges everything itself (which thread, which module, what went
//! wrong); this crate only translates a file format into the target's data. Nothing here names the OS rdb runs on,
//! and nothing here is `unsafe`: the dump's bytes come mapped from the front end's host.
//!
//! A dump is outside input: every length, offset and count in it is checked, and a dump that is truncated or
//! corrupt opens with what can still be read.

mod core_file;
mod minidump;
pub mod write;

use std::path::Path;

use rdb_engine::symbols::source::FileBytes;
use rdb_engine::target::Target;
use rdb_engine::{Error, Result};

/// Open the dump whose bytes are `bytes` (read from `path`, which only names it in messages).
pub fn open(path: &Path, bytes: FileBytes) -> Result<Box<dyn Target>> {
    match kind(&bytes) {
        Some(Kind::CoreFile) => core_file::open(path, bytes),
        Some(Kind::Minidump) => minidump::open(path, bytes),
        None => Err(Error::msg(format!(
            "{} is neither an ELF core file nor a minidump: -z opens dumps (give a program without -z to launch it)",
            path.display()
        ))),
    }
}

/// The dump formats rdb reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    CoreFile,
    Minidump,
}

/// What kind of dump a file's first bytes say it is.
pub fn kind(head: &[u8]) -> Option<Kind> {
    const ET_CORE: u16 = 4;
    if head.starts_with(b"MDMP") {
        return Some(Kind::Minidump);
    }
    let e_type = head.get(16..18).map(|b| u16::from_le_bytes([b[0], b[1]]));
    (head.starts_with(b"\x7fELF") && e_type == Some(ET_CORE)).then_some(Kind::CoreFile)
}
