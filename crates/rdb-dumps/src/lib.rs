//! Dumps as targets: a core file or a minidump is a process that only reads ([`rdb_engine::target::Target`] with a
//! [`rdb_engine::target::Snapshot`], no `Execution`), whichever OS wrote it and whichever OS rdb runs on. The
//! engine opens it as it opens a live process and judges everything itself (which thread, which module, what went
//! wrong); this crate only translates a file format into the target's data. Nothing here names the OS rdb runs on,
//! and nothing here is `unsafe`: the dump's bytes come mapped from the front end's host.
//!
//! A dump is outside input: every length, offset and count in it is checked, and a dump that is truncated or
//! corrupt opens with what can still be read.

mod core_file;
mod linux_signal;
mod minidump;
mod user_regs;
pub mod write;

use std::path::Path;

use rdb_engine::debugger::{DumpFile, dump_file};
use rdb_engine::symbols::source::FileBytes;
use rdb_engine::target::Target;
use rdb_engine::{Error, Result};

/// Open the dump whose bytes are `bytes` (read from `path`, which only names it in messages).
pub fn open(path: &Path, bytes: FileBytes) -> Result<Box<dyn Target>> {
    match dump_file(&bytes) {
        Some(DumpFile::CoreFile) => core_file::open(path, bytes),
        Some(DumpFile::Minidump) => minidump::open(path, bytes),
        None => Err(Error::msg(format!(
            "{} is neither an ELF core file nor a minidump: -z opens dumps (give a program without -z to launch it)",
            path.display()
        ))),
    }
}
