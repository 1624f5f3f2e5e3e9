//! A PE module's PDB (MSVC's program database), read with `pdb2`: where it is ([`find`]), whether it is the one
//! the image was linked with (its GUID and age against the image's CodeView record), its function, data and public
//! symbols ([`symbols`]) and its line table ([`lines::build`]). Addresses handed out are file (link-time)
//! addresses, image base + RVA, as DWARF's are, so the module's bias applies to both alike.
//!
//! The PDB is never kept open: `pdb2`'s reader is neither `Send` nor `Sync`, and opening one over bytes already
//! mapped costs only its stream directory. Each question that needs it ([`symbols`] at load, the line table on
//! first use) opens it again over the same `&'static` bytes.
//!
//! The value model's side, read on first use: procedures with their blocks, parameters and locals, data with types
//! and type names (`scopes.rs`), the type stream (`types.rs`), CodeView's register numbers (`registers.rs`), and
//! the questions `ModuleSymbols` asks of them (`values.rs`).

pub(super) mod lines;
mod registers;
pub(super) mod scopes;
pub(crate) mod types;
mod values;

use std::borrow::Cow;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use pdb2::{FallibleIterator, PDB, SymbolData};

use super::names::RawSym;

/// An open PDB over mapped bytes.
type Pdb = PDB<'static, Cursor<&'static [u8]>>;

/// What an image's CodeView debug directory entry (`RSDS`) says of its PDB.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct CodeView {
    /// The path the linker wrote (often a Windows path, or only a file name).
    pub path: String,
    /// The GUID, in the byte order of the record (and of the PDB's info stream).
    pub guid: [u8; 16],
    pub age: u32,
}

/// A PDB found and accepted for a module.
pub(super) struct PdbFile {
    pub path: PathBuf,
    pub bytes: &'static [u8],
}

/// What looking for a module's PDB found.
pub(super) enum Found {
    Pdb(PdbFile),
    /// No usable PDB, and why (a file that did not match, or none found): one line for `lm v`.
    Problem(String),
}

/// Where a module's PDB may be, in order: in the user's symbol path (the file itself, and WinDbg's symbol-store
/// layout `<dir>/<name>/<GUID><age>/<name>`), at the path the image records, beside the module by that path's file
/// name (a Windows path on another machine), and beside the module by the module's own name.
fn candidates(module: &Path, record: &CodeView, search: &[PathBuf]) -> Vec<PathBuf> {
    // The file name of the recorded path, whichever separator it uses.
    let recorded_name = record.path.rsplit(['/', '\\']).next().filter(|n| !n.is_empty()).map(str::to_string);
    let own_name = module.file_stem().map(|s| format!("{}.pdb", s.to_string_lossy()));
    let names: Vec<&String> = recorded_name.iter().chain(own_name.iter()).collect();
    let mut out = Vec::new();
    for dir in search {
        for name in &names {
            out.push(dir.join(name));
            out.push(dir.join(name).join(store_key(record)).join(name));
        }
    }
    if !record.path.is_empty() && Path::new(&record.path).is_absolute() {
        out.push(PathBuf::from(&record.path));
    }
    let folder = module.parent().unwrap_or(Path::new("."));
    for name in names {
        out.push(folder.join(name));
    }
    out.dedup();
    out
}

/// A symbol store's folder name for a PDB: the GUID as text (its first three fields as numbers), then the age.
fn store_key(record: &CodeView) -> String {
    let g = &record.guid;
    let mut key = format!(
        "{:08X}{:04X}{:04X}",
        u32::from_le_bytes([g[0], g[1], g[2], g[3]]),
        u16::from_le_bytes([g[4], g[5]]),
        u16::from_le_bytes([g[6], g[7]])
    );
    for b in &g[8..] {
        key.push_str(&format!("{b:02X}"));
    }
    key.push_str(&format!("{:X}", record.age));
    key
}

/// The module's PDB: the first candidate (see [`candidates`]) that is a PDB with the record's GUID and age, found
/// by the same search as an ELF module's debug file. A file that is not a PDB, or another build's, is passed over;
/// if no candidate is accepted, the problem with the first one found, else that none was found.
pub(super) fn find(module: &Path, record: &CodeView, search: &[PathBuf]) -> Found {
    let judge = |bytes: &'static [u8]| match identity(bytes) {
        Ok((guid, age)) if guid == record.guid && age == record.age => Ok(()),
        Ok((guid, age)) => Err(format!(
            "mismatched PDB (GUID {} age {age}; the image wants GUID {} age {})",
            guid_text(&guid),
            guid_text(&record.guid),
            record.age
        )),
        Err(e) => Err(format!("not a readable PDB ({e})")),
    };
    match super::file::first_accepted(candidates(module, record, search), module, judge) {
        Ok((path, bytes)) => Found::Pdb(PdbFile { path, bytes }),
        Err(Some(problem)) => Found::Problem(problem),
        Err(None) => {
            let name = record.path.rsplit(['/', '\\']).next().unwrap_or(&record.path);
            Found::Problem(format!(
                "{name} not found (beside the module, at its recorded path, or along the symbol path)"
            ))
        }
    }
}

/// `{97995E75-5677-F5D3-4C4C-44205044422E}`, as `llvm-pdbutil` and WinDbg write a GUID.
fn guid_text(g: &[u8; 16]) -> String {
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02X}")).collect::<String>();
    format!(
        "{{{:08X}-{:04X}-{:04X}-{}-{}}}",
        u32::from_le_bytes([g[0], g[1], g[2], g[3]]),
        u16::from_le_bytes([g[4], g[5]]),
        u16::from_le_bytes([g[6], g[7]]),
        hex(&g[8..10]),
        hex(&g[10..])
    )
}

/// Open the PDB in `bytes`, refusing one whose stream-name map `pdb2` would index out of bounds.
fn open(bytes: &'static [u8]) -> pdb2::Result<Pdb> {
    let mut pdb = PDB::open(Cursor::new(bytes))?;
    let info = pdb.raw_stream(pdb2::StreamIndex(1))?.ok_or(pdb2::Error::StreamNotFound(1))?;
    if !names_map_in_bounds(info.as_slice()) {
        return Err(pdb2::Error::InvalidStreamLength("the PDB info stream's name map"));
    }
    Ok(pdb)
}

/// Whether every name offset of the PDB info stream's name map lies within its names. `pdb2` 0.11 slices the names
/// at each offset without a check (`StreamNames::parse`), so a damaged map would panic in every question that
/// looks a stream up by name (the string table of file names, first of all); it is read here as `pdb2` reads it,
/// and refused. A map too short to read is left to `pdb2`, which returns an error for it.
fn names_map_in_bounds(info: &[u8]) -> bool {
    let u32_at = |at: usize| info.get(at..at.checked_add(4)?).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    // Version, signature, age and GUID (28 bytes), then the size of the names and the names.
    let Some(names_size) = u32_at(28) else { return true };
    let mut at = 32usize.saturating_add(names_size as usize);
    let (Some(count), Some(ok_words)) = (u32_at(at), u32_at(at.saturating_add(8))) else { return true };
    at = at.saturating_add(12).saturating_add((ok_words as usize).saturating_mul(4));
    let Some(deleted_words) = u32_at(at) else { return true };
    at = at.saturating_add(4).saturating_add((deleted_words as usize).saturating_mul(4));
    for _ in 0..count {
        let (Some(offset), Some(_stream)) = (u32_at(at), u32_at(at.saturating_add(4))) else { return true };
        if offset > names_size {
            return false;
        }
        at = at.saturating_add(8);
    }
    true
}

/// The PDB's GUID (in the record's byte order) and its age as the debug information stream gives it (the one the
/// linker writes into the image; the info stream's own age may have grown since).
fn identity(bytes: &'static [u8]) -> pdb2::Result<([u8; 16], u32)> {
    let mut pdb = open(bytes)?;
    let info = pdb.pdb_information()?;
    let age = pdb.debug_information()?.age().unwrap_or(info.age);
    Ok((info.guid.to_bytes_le(), age))
}

/// The PDB's symbols at their runtime addresses (file address + `bias`): each procedure with its extent, the
/// data symbols, and the public symbols at addresses no procedure names (a function's public name is its linkage
/// name, which the procedure's display name stands for). Whatever a damaged stream holds after its first error is
/// left out.
pub(super) fn symbols(bytes: &'static [u8], image_base: u64, bias: u64) -> pdb2::Result<Vec<RawSym>> {
    let mut pdb = open(bytes)?;
    let map = pdb.address_map()?;
    let runtime = |offset: pdb2::PdbInternalSectionOffset| {
        offset.to_rva(&map).map(|rva| image_base.wrapping_add(u64::from(rva.0)).wrapping_add(bias))
    };
    let name = |raw: pdb2::RawString<'_>| -> Cow<'static, str> { Cow::Owned(raw.to_string().into_owned()) };
    // A global or file-static variable, from a module's stream or the global one alike.
    let data = |d: pdb2::DataSymbol<'_>| {
        let raw = name(d.name);
        let address = runtime(d.offset).filter(|_| !raw.is_empty())?;
        Some(RawSym { raw, address, size: 0, func: false, global: d.global })
    };
    let mut out = Vec::new();

    // Procedures and module-local data, from each compiland's own symbols.
    let dbi = pdb.debug_information()?;
    let mut modules = dbi.modules()?;
    while let Ok(Some(module)) = modules.next() {
        let Ok(Some(info)) = pdb.module_info(&module) else { continue };
        let Ok(mut iter) = info.symbols() else { continue };
        while let Ok(Some(symbol)) = iter.next() {
            match symbol.parse() {
                Ok(SymbolData::Procedure(p)) => {
                    let Some(address) = runtime(p.offset) else { continue };
                    let raw = name(p.name);
                    if !raw.is_empty() {
                        out.push(RawSym { raw, address, size: u64::from(p.len), func: true, global: p.global });
                    }
                }
                Ok(SymbolData::Data(d)) => out.extend(data(d)),
                _ => {}
            }
        }
    }

    // Global data and public symbols, from the global symbol stream.
    let procedures: std::collections::HashSet<u64> = out.iter().filter(|s| s.func).map(|s| s.address).collect();
    let globals = pdb.global_symbols()?;
    let mut iter = globals.iter();
    while let Ok(Some(symbol)) = iter.next() {
        match symbol.parse() {
            Ok(SymbolData::Public(p)) => {
                let Some(address) = runtime(p.offset) else { continue };
                let raw = name(p.name);
                if raw.is_empty() || (p.function && procedures.contains(&address)) {
                    continue;
                }
                out.push(RawSym { raw, address, size: 0, func: p.function || p.code, global: true });
            }
            Ok(SymbolData::Data(d)) => out.extend(data(d)),
            _ => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod scopes_tests;
#[cfg(test)]
pub(super) mod tests;
#[cfg(test)]
mod types_tests;
