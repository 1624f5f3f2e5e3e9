//! Minidumps (Windows' `MiniDumpWriteDump`, Breakpad's and Crashpad's Linux ones, rdb's own) as targets.

use std::path::Path;

use rdb_engine::symbols::source::FileBytes;
use rdb_engine::target::Target;
use rdb_engine::{Error, Result};

pub(crate) fn open(path: &Path, _bytes: FileBytes) -> Result<Box<dyn Target>> {
    Err(Error::msg(format!("{}: minidumps are not read yet", path.display())))
}
