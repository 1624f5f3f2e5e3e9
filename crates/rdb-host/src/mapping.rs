//! Module files mapped rather than read, for the engine's symbol loading (`rdb_engine::symbols::source`). A module
//! file belongs to the debuggee's world, and anyone (the program itself, a `cp` over a library) may change it while
//! rdb reads it, so:
//! - it is opened without blocking, and kept only if the opened file is a regular file (`rdb_linux::open_regular`):
//!   a FIFO put in its place would block `open` for ever (deaf to every signal, whose handlers return into the
//!   restarted call), and a device (a symlink to `/dev/zero`) would be read without end;
//! - it is mapped for the size it has when opened, so nothing past that is ever read;
//! - on Unix, a file truncated after it was mapped makes a read of its lost pages a SIGBUS, which would kill rdb and
//!   the program it launched: those pages read as zeros instead ([`truncation`]). The engine's parsers take a
//!   module file as untrusted input already, zeros included. Copying each file into memory would avoid the signal
//!   too, but would make every byte of every debug file resident where a mapping costs only the pages symbol
//!   lookups touch (rdb's own debug build is 36 MB, and launch-to-main reads a fraction of it).
//!
//! On Windows a file mapped by anyone cannot be truncated (the system refuses with `ERROR_USER_MAPPED_FILE`), and
//! no FIFO can stand at a file's path, so the mapping needs no more there.

#[cfg(unix)]
mod truncation;

#[cfg(windows)]
use std::fs::File;
use std::io;
use std::path::Path;

use rdb_engine::symbols::source::FileBytes;
// On Linux, without blocking and for regular files only, as the backend opens module files.
#[cfg(target_os = "linux")]
pub use rdb_linux::open_regular;

/// Map the regular file at `path` read-only, for its size when opened (an empty file is no bytes).
pub fn map_file(path: &Path) -> io::Result<FileBytes> {
    let file = open_regular(path)?;
    let len = usize::try_from(file.metadata()?.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "too large to map"))?;
    if len == 0 {
        // A mapping cannot be empty.
        return Ok(Box::new(Vec::new()));
    }
    // SAFETY: the file may change under rdb's feet while mapped: rdb only reads it as symbol and debug data, every
    // parser of which treats what it reads as untrusted input, and on Unix a read past a truncation reads zeros
    // (`truncation`) rather than raising SIGBUS. The length is the open file's own size.
    let map = unsafe { memmap2::MmapOptions::new().len(len).map(&file)? };
    #[cfg(unix)]
    let map = truncation::Guarded::new(map);
    Ok(Box::new(map))
}

/// Open `path` for reading, and keep it only if what was opened is a regular file (Windows has no FIFO at a
/// file's path for the open to block on).
#[cfg(windows)]
pub fn open_regular(path: &Path) -> io::Result<File> {
    let file = File::open(path)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a regular file"));
    }
    Ok(file)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    use std::path::PathBuf;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("rdb-host-mapping-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_fifo_is_refused_without_waiting_for_a_writer() {
        let dir = scratch("fifo");
        let fifo = dir.join("libplugin.so");
        let name = CString::new(fifo.as_os_str().as_bytes()).unwrap();
        // SAFETY: mkfifo reads a NUL-terminated path that lives across the call.
        assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
        let error = map_file(&fifo).err().expect("a FIFO is no module file");
        assert_eq!(error.to_string(), "not a regular file");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn devices_and_directories_are_refused() {
        let dir = scratch("devices");
        let zero = dir.join("libzero.so");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        for path in [zero.as_path(), Path::new("/dev/zero"), Path::new("/dev/null"), dir.as_path()] {
            let error = map_file(path).err().unwrap_or_else(|| panic!("{} mapped", path.display()));
            assert_eq!(error.to_string(), "not a regular file", "{}", path.display());
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_regular_file_maps_whole_and_an_empty_one_is_no_bytes() {
        let dir = scratch("regular");
        let file = dir.join("data");
        std::fs::write(&file, b"\x7fELF and more").unwrap();
        assert_eq!(&map_file(&file).unwrap()[..], b"\x7fELF and more");
        std::fs::write(&file, b"").unwrap();
        assert!(map_file(&file).unwrap().is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
