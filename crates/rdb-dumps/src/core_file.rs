//! ELF core files (the kernel's, gdb's `gcore`, rdb's own) as targets.

use std::path::Path;

use rdb_engine::symbols::source::FileBytes;
use rdb_engine::target::Target;
use rdb_engine::{Error, Result};

pub(crate) fn open(path: &Path, _bytes: FileBytes) -> Result<Box<dyn Target>> {
    Err(Error::msg(format!("{}: core files are not read yet", path.display())))
}
