//! Where the bytes of module files come from. A front end installs its OS's file mapping ([`set_file_mapper`]):
//! a mapped debug file costs address space, and memory only for the pages symbol lookups touch, where a file read
//! whole would be resident in full (rdb's own debug build is 30 MB). Without a mapper, files are read.
//!
//! Bytes are kept for the life of rdb, once per version of a file (path, size, modification time), so a module
//! loaded again and again (a `dlopen`/`dlclose` loop) costs nothing more, and every table built over them can hold
//! plain `&'static [u8]` slices.

use std::collections::HashMap;
use std::io;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::SystemTime;

/// A mapped (or read) file.
pub type FileBytes = Box<dyn Deref<Target = [u8]> + Send + Sync>;

/// Maps a file read-only. Backends provide one (their OS's mmap); it cannot be written without `unsafe`.
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
    let (len, modified) = (meta.len(), meta.modified().ok());
    let mut cache = cache().lock().unwrap_or_else(|e| e.into_inner());
    if let Some((l, m, bytes)) = cache.files.get(path)
        && *l == len
        && *m == modified
    {
        return Ok(bytes);
    }
    let bytes: &'static [u8] = match MAPPER.get() {
        // An empty file cannot be mapped.
        Some(map) if len > 0 => {
            let mapped: &'static FileBytes = Box::leak(Box::new(map(path)?));
            mapped
        }
        _ => Box::leak(std::fs::read(path)?.into_boxed_slice()),
    };
    cache.files.insert(path.to_path_buf(), (len, modified, bytes));
    Ok(bytes)
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
