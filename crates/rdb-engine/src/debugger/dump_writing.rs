//! `.dump`: a dump of the current process at its stop. The judgement is here: only a live process is dumped (a
//! dump opened with `-z` has nothing more to say), an ELF core only of a Linux process, an existing file only
//! replaced when asked, and a minidump of a process whose OS writes them (Windows) written by that OS.

use std::path::Path;

use super::Debugger;
use crate::dump::DumpKind;
use crate::error::{Error, Result};
use crate::target::SnapshotOs;

impl Debugger {
    /// Write a dump of the current process, stopped, to `path`; an existing file is replaced only when
    /// `overwrite`. The process is left exactly as it was.
    pub fn write_dump(&mut self, kind: DumpKind, path: &Path, overwrite: bool) -> Result<()> {
        let command_line = self.launched.as_ref().map(|l| self.host.command_line(l));
        let session = &mut self.current.session;
        if !session.is_live() {
            return Err(Error::NoProcess);
        }
        if !session.can_run() {
            return Err(crate::err!("the target is a dump, not a live process: there is no process to dump"));
        }
        if path.as_os_str().is_empty() {
            return Err(crate::err!("name the file to write the dump to"));
        }
        if !overwrite && std::fs::symlink_metadata(path).is_ok() {
            return Err(crate::err!("{} already exists: use /o to overwrite it", path.display()));
        }
        let os = session.process_os()?;
        if kind == DumpKind::Core && os != SnapshotOs::Linux {
            return Err(crate::err!("an ELF core file is for Linux processes: write a minidump (/ma or /m)"));
        }
        if kind != DumpKind::Core && session.write_native_minidump(path, kind == DumpKind::FullMinidump, overwrite)? {
            return Ok(());
        }
        let mut view = session.process_view(kind, command_line)?;
        self.host.write_dump(&mut view, kind, path, overwrite)
    }
}
