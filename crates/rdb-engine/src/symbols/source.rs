//! Where the bytes of module files come from. A front end installs its OS's file mapping ([`set_file_mapper`]):
//! a mapped debug file costs address space, and memory only for the pages symbol lookups touch, where a file read
//! whole would be resident in full (rdb's own debug build is 30 MB). Without a mapper, files are read.
//!
//! A module file is the debuggee's, and may be anything by the time rdb opens it: only a regular file is read
//! (never a FIFO, whose `open` would block for ever, nor a device such as `/dev/zero`, read without end), and no
//! more of it than its size when opened. The mapper must hold to the same: it is given every file (rdb-host's
//! opens without blocking and checks the file it opened; the read here checks the path first, then the open file,
//! and can only be fooled by a FIFO swapped in between the two).
//!
//! Bytes are kept for the life of rdb, once per version of a file (path, size, modification time), so a module
//! loaded again and again (a `dlopen`/`dlclose` loop) costs nothing more, and every table built over them can hold
//! plain `&'static [u8]` slices.

use std::collections::HashMap;
use std::io::{self, Read};
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::SystemTime;

/// A mapped (or read) file.
pub type FileBytes = Box<dyn Deref<Target = [u8]> + Send + Sync>;

/// Maps a file read-only: only a regular file, opened without blocking, for its size when opened (an empty file is
/// no bytes). Backends provide one (their OS's mmap); it cannot be written without `unsafe`.
pub type MapFile = fn(&Path) -> io::Result<FileBytes>;

static MAPPER: OnceLock<MapFile> = OnceLock::new();

/// The file versions seen so far.
#[derive(Default)]
struct Cache {
    files: HashMap<PathBuf, (u64, Option<SystemTime>, &'static [u8])>,
    /// Decompressed sections, by the address of their compressed bytes (stable: the file bytes are never freed).
    decompressed: HashMap<usize, &'static [u8]>,
}

fn cache() -> &'static Mutex<Cache> {
    static CACHE: OnceLock<Mutex<Cache>> = OnceLock::new();
    CACHE.get_or_init(Mutex::default)
}

/// Use `mapper` for every module file from now on. The first call wins.
pub fn set_file_mapper(mapper: MapFile) {
    let _ = MAPPER.set(mapper);
}

/// The bytes of the file at `path`, mapped (or read) once per version of the file.
pub fn file_bytes(path: &Path) -> io::Result<&'static [u8]> {
    let meta = std::fs::metadata(path)?;
    // Looking does not block: what is no regular file now is refused before anything opens it.
    if !meta.is_file() {
        return Err(not_regular());
    }
    let (len, modified) = (meta.len(), meta.modified().ok());
    let mut cache = cache().lock().unwrap_or_else(|e| e.into_inner());
    if let Some((l, m, bytes)) = cache.files.get(path)
        && *l == len
        && *m == modified
    {
        return Ok(bytes);
    }
    let bytes: &'static [u8] = match MAPPER.get() {
        Some(map) => {
            let mapped: &'static FileBytes = Box::leak(Box::new(map(path)?));
            mapped
        }
        None => Box::leak(read_regular(path)?.into_boxed_slice()),
    };
    cache.files.insert(path.to_path_buf(), (len, modified, bytes));
    Ok(bytes)
}

/// The most a file is read whole, without a mapper: a sparse file can claim any size.
const MAX_READ: u64 = 4 << 30;

/// The file at `path` read whole, if what is opened is a regular file of a size that can be read whole.
fn read_regular(path: &Path) -> io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_regular());
    }
    if meta.len() > MAX_READ {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "too large to read whole"));
    }
    let mut bytes = Vec::new();
    // No more than its size when opened, however it grows meanwhile.
    file.take(meta.len()).read_to_end(&mut bytes)?;
    Ok(bytes)
}

fn not_regular() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, "not a regular file")
}

/// A decompressed copy of the compressed section bytes `compressed` (part of a file's bytes from [`file_bytes`]),
/// made once.
pub fn decompressed(compressed: &[u8], decompress: impl FnOnce() -> Option<Vec<u8>>) -> Option<&'static [u8]> {
    let key = compressed.as_ptr() as usize;
    let mut cache = cache().lock().unwrap_or_else(|e| e.into_inner());
    if let Some(bytes) = cache.decompressed.get(&key) {
        return Some(bytes);
    }
    let bytes: &'static [u8] = Box::leak(decompress()?.into_boxed_slice());
    cache.decompressed.insert(key, bytes);
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_are_read() {
        // No mapper is installed in the engine's tests: these are the engine's own reads. /dev/zero would be read
        // without end, a FIFO (as a path that is one) would block its open.
        for path in ["/dev/zero", "/dev/null", "/"] {
            let error = file_bytes(Path::new(path)).err().unwrap_or_else(|| panic!("{path} read"));
            assert_eq!(error.to_string(), "not a regular file", "{path}");
        }
    }

    #[test]
    fn a_regular_file_is_read_once_per_version() {
        let path = std::env::temp_dir().join(format!("rdb-engine-source-{}", std::process::id()));
        std::fs::write(&path, b"first").unwrap();
        let first = file_bytes(&path).unwrap();
        assert_eq!(first, b"first");
        assert!(std::ptr::eq(first, file_bytes(&path).unwrap()), "the same version is kept");
        std::fs::write(&path, b"second, longer").unwrap();
        assert_eq!(file_bytes(&path).unwrap(), b"second, longer");
        std::fs::write(&path, b"").unwrap();
        assert_eq!(file_bytes(&path).unwrap(), b"");
        let _ = std::fs::remove_file(&path);
    }
}
