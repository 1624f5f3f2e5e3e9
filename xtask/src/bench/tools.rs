//! The other debuggers, found on PATH: the bench installs nothing, and a missing one is a cell that says so.

use std::path::PathBuf;

/// lldb under its plain name or Debian's versioned ones.
const LLDB_NAMES: [&str; 5] = ["lldb", "lldb-16", "lldb-15", "lldb-14", "lldb-13"];

pub fn gdb() -> Option<PathBuf> {
    which("gdb")
}

pub fn gdbserver() -> Option<PathBuf> {
    which("gdbserver")
}

pub fn lldb() -> Option<PathBuf> {
    LLDB_NAMES.iter().find_map(|name| which(name))
}

pub fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(program)).find(|p| p.is_file())
}
