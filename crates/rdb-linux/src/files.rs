//! Opening a module's file, which may be anything by the time rdb opens it: the debuggee, or anyone, may have put a
//! FIFO at its path (whose `open` would block for ever, deaf to every signal, whose handlers return into the
//! restarted call), or a device such as `/dev/zero` (read without end). rdb-host's mapping opens module files
//! this way too.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Open `path` for reading without blocking, and keep it only if what was opened is a regular file: its type is
/// checked on the open file, not the path, which may have changed in between. Read it no further than the size
/// its metadata gives then.
pub fn open_regular(path: &Path) -> io::Result<File> {
    // O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer; O_NOCTTY: a terminal does not
    // become rdb's controlling terminal. Neither changes how a regular file reads.
    let file = OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY).open(path)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a regular file"));
    }
    Ok(file)
}
