//! The files a core says were mapped (`NT_FILE`), and the modules they make: a file mapped from its first byte is
//! a module loaded there.

use std::path::PathBuf;

use rdb_engine::target::ModuleRecord;

/// One mapping of a file: `[start, end)` in the process, from byte `offset` of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct MappedFile {
    pub start: u64,
    pub end: u64,
    pub offset: u64,
    /// The path as the kernel gave it (bytes: a Linux path need not be UTF-8), " (deleted)" taken off.
    pub path: Vec<u8>,
}

/// The kernel's mark on a mapping whose file was deleted (or replaced) after it was mapped.
const DELETED: &[u8] = b" (deleted)";

/// `NT_FILE`: a count and the page size, `count` triples (start, end, offset in pages), then `count`
/// NUL-terminated paths. `None` when the counts do not fit the note.
pub(super) fn parse(desc: &[u8]) -> Option<Vec<MappedFile>> {
    let word = |i: usize| -> Option<u64> {
        let at = i.checked_mul(8)?;
        Some(u64::from_le_bytes(desc.get(at..at.checked_add(8)?)?.try_into().ok()?))
    };
    let count = usize::try_from(word(0)?).ok()?;
    let page_size = word(1)?;
    // Each mapping takes 24 bytes and at least one for its path's NUL: a count the note cannot hold is corrupt.
    if count > desc.len() / 25 {
        return None;
    }
    let mut paths = desc.get(16 + count * 24..)?;
    let mut files = Vec::with_capacity(count);
    for i in 0..count {
        let (start, end, pages) = (word(2 + 3 * i)?, word(3 + 3 * i)?, word(4 + 3 * i)?);
        // Each path ends in a NUL: one that does not was cut off.
        let nul = paths.iter().position(|&b| b == 0)?;
        let mut path = &paths[..nul];
        paths = &paths[nul + 1..];
        if let Some(kept) = path.strip_suffix(DELETED) {
            path = kept;
        }
        files.push(MappedFile { start, end, offset: pages.saturating_mul(page_size), path: path.to_vec() });
    }
    // The kernel lists them in address order; a core that does not is put in it, for the searches below.
    files.sort_by_key(|f| f.start);
    Some(files)
}

/// The file mapped at `address`, if one is (`files` in address order).
pub(super) fn file_at(files: &[MappedFile], address: u64) -> Option<&MappedFile> {
    let after = files.partition_point(|f| f.start <= address);
    files[..after].last().filter(|f| address < f.end)
}

/// One module per file mapped from its first byte: based where that mapping starts, extending to the end of the
/// file's last mapping after it. `is_image(mappings)` says whether the file so mapped is an executable image (a data
/// file mapped whole, as a locale archive is, is not a module). The executable comes first: the module whose range
/// holds `entry` (the auxiliary vector's AT_ENTRY), else the one whose file name begins with `program_name`
/// (`pr_fname`, cut at 15 bytes), else the first.
pub(super) fn modules(
    files: &[MappedFile],
    entry: Option<u64>,
    program_name: Option<&[u8]>,
    is_image: &mut dyn FnMut(&[&MappedFile]) -> bool,
) -> Vec<ModuleRecord> {
    let mut found: Vec<(u64, u64, &[u8])> = Vec::new();
    for head in files.iter().filter(|f| f.offset == 0) {
        if found.iter().any(|(base, end, path)| *path == head.path.as_slice() && (*base..*end).contains(&head.start)) {
            continue;
        }
        // The file's mappings from this one on, up to where the file is mapped from its start again.
        let mappings: Vec<&MappedFile> = files
            .iter()
            .filter(|f| f.path == head.path && f.start >= head.start)
            .take_while(|f| f.start == head.start || f.offset != 0)
            .collect();
        if !is_image(&mappings) {
            continue;
        }
        let end = mappings.iter().map(|f| f.end).max().unwrap_or(head.end);
        found.push((head.start, end, &head.path));
    }
    let by_entry = entry.and_then(|e| found.iter().position(|(base, end, _)| (*base..*end).contains(&e)));
    let by_name = || {
        let name = program_name.filter(|n| !n.is_empty())?;
        found.iter().position(|(_, _, path)| file_name(path).starts_with(name))
    };
    if let Some(exe) = by_entry.or_else(by_name) {
        let module = found.remove(exe);
        found.insert(0, module);
    }
    found
        .into_iter()
        .map(|(base, end, path)| ModuleRecord { base, size: end.saturating_sub(base), path: path_of(path) })
        .collect()
}

fn file_name(path: &[u8]) -> &[u8] {
    path.rsplit(|&b| b == b'/').next().unwrap_or(path)
}

/// A path from a Linux core as this OS holds paths: as it is on Unix; elsewhere as text (a byte that is not UTF-8
/// becomes U+FFFD), since the file is not on this machine under that name anyway.
fn path_of(bytes: &[u8]) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
    }
}

/// A region's name, as text the engine keeps (the console prints it through `printable`).
pub(super) fn region_name(file: &MappedFile) -> String {
    String::from_utf8_lossy(&file.path).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(maps: &[(u64, u64, u64, &str)]) -> Vec<u8> {
        let mut d = Vec::new();
        d.extend((maps.len() as u64).to_le_bytes());
        d.extend(0x1000u64.to_le_bytes());
        for (s, e, o, _) in maps {
            for w in [s, e, o] {
                d.extend(w.to_le_bytes());
            }
        }
        for (_, _, _, p) in maps {
            d.extend(p.as_bytes());
            d.push(0);
        }
        d
    }

    #[test]
    fn modules_from_files_mapped_at_their_start() {
        let desc = note(&[
            (0x1000, 0x2000, 0, "/bin/prog"),
            (0x2000, 0x5000, 1, "/bin/prog"),
            (0x7000, 0x8000, 0, "/usr/lib/locale/locale-archive"),
            (0x10000, 0x11000, 0, "/lib/libc.so.6 (deleted)"),
            (0x11000, 0x19000, 1, "/lib/libc.so.6 (deleted)"),
        ]);
        let files = parse(&desc).unwrap();
        assert_eq!(files[3].path, b"/lib/libc.so.6");
        let mut images = |mappings: &[&MappedFile]| mappings[0].start != 0x7000;
        let m = modules(&files, Some(0x10100), None, &mut images);
        assert_eq!(m.len(), 2, "{m:?}");
        assert_eq!((m[0].base, m[0].size, m[0].path.clone()), (0x10000, 0x9000, PathBuf::from("/lib/libc.so.6")));
        assert_eq!((m[1].base, m[1].size), (0x1000, 0x4000));
        let by_name = modules(&files, None, Some(b"prog"), &mut images);
        assert_eq!(by_name[0].base, 0x1000);
        assert_eq!(file_at(&files, 0x2800).map(region_name).as_deref(), Some("/bin/prog"));
    }

    #[test]
    fn counts_the_note_cannot_hold() {
        let mut desc = note(&[(0x1000, 0x2000, 0, "/bin/prog")]);
        desc[0] = 0xff;
        assert_eq!(parse(&desc), None);
        assert_eq!(parse(&desc[..20]), None);
        assert_eq!(parse(&note(&[(0x1000, 0x2000, 0, "/bin/prog")])[..40]), None);
    }
}
