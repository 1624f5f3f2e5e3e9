//! Reading a module's file: format, load bias and extent, symbol tables, where the DWARF and CFI sections are,
//! and the separate debug file under `/usr/lib/debug`.

use std::borrow::Cow;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use object::{
    BinaryFormat, CompressionFormat, Object, ObjectSection, ObjectSegment, ObjectSymbol, ObjectSymbolTable,
    SectionKind, SymbolKind, SymbolSection,
};

use super::names::{RawSym, SymbolTable};
use super::{ModuleSymbols, cfi, pdata, pdb};
use crate::err;
use crate::error::Result;

/// The gimli reader every lazily parsed table uses: owned, shared bytes, so `ModuleSymbols` is `Send + Sync`.
pub(super) type Reader = gimli::EndianReader<gimli::RunTimeEndian, &'static [u8]>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    Elf,
    Pe,
}

/// A section's bytes: a range of the file (the usual case) or a decompressed copy.
#[derive(Debug, Clone)]
pub(super) enum Bytes {
    Range(Range<usize>),
    Owned(&'static [u8]),
}

impl Bytes {
    pub(super) fn reader(&self, file: &'static [u8]) -> Reader {
        match self {
            Bytes::Range(r) => Reader::new(file, gimli::RunTimeEndian::Little).range(r.clone()),
            Bytes::Owned(d) => Reader::new(d, gimli::RunTimeEndian::Little),
        }
    }
}

/// A section's contents and its (file, link-time) address.
#[derive(Debug, Clone)]
pub(super) struct SectionData {
    pub address: u64,
    pub bytes: Bytes,
}

/// How many times larger than its compressed bytes a section may say it is.
const MAX_EXPANSION: u64 = 1032;

/// The bytes of `section`, without copying unless the section is compressed. `None` for a section with no data in
/// the file (NOBITS, as in a separate debug file).
pub(super) fn section_bytes<'d>(data: &[u8], section: &object::Section<'d, '_, &'d [u8]>) -> Option<Bytes> {
    if section.kind() == SectionKind::UninitializedData {
        return None;
    }
    let compressed = section.compressed_data().ok()?;
    if compressed.format == CompressionFormat::None {
        let start = (compressed.data.as_ptr() as usize).checked_sub(data.as_ptr() as usize)?;
        let end = start.checked_add(compressed.data.len())?;
        if end > data.len() {
            return None;
        }
        return Some(Bytes::Range(start..end));
    }
    // The decompressor reserves and zeroes the size the header claims before it reads a byte: a claim no compressed
    // data could back (deflate expands at most 1032 times; debug information compresses 3 to 10 times) would cost
    // gigabytes for a few bytes of a corrupt file, so it is refused.
    if compressed.uncompressed_size > (compressed.data.len() as u64).saturating_mul(MAX_EXPANSION) {
        return None;
    }
    let decompressed =
        super::source::decompressed(section.data().ok()?, || compressed.decompress().ok().map(|c| c.into_owned()))?;
    Some(Bytes::Owned(decompressed))
}

pub(super) fn section_data<'d>(data: &[u8], file: &object::File<'d, &'d [u8]>, name: &str) -> Option<SectionData> {
    let section = file.section_by_name(name)?;
    let bytes = section_bytes(data, &section)?;
    Some(SectionData { address: section.address(), bytes })
}

fn has_debug_info<'d>(file: &object::File<'d, &'d [u8]>) -> bool {
    file.section_by_name(".debug_info").is_some_and(|s| s.kind() != SectionKind::UninitializedData && s.size() > 0)
}

pub(super) fn load(path: &Path, base: u64, search: &[PathBuf]) -> Result<ModuleSymbols> {
    let data: &'static [u8] =
        super::source::file_bytes(path).map_err(|e| err!("cannot read symbols from {}: {e}", path.display()))?;
    let obj = object::File::parse(data)
        .map_err(|e| err!("cannot read symbols from {}: not an ELF or PE image ({e})", path.display()))?;
    let format = match obj.format() {
        BinaryFormat::Elf => Format::Elf,
        BinaryFormat::Pe => Format::Pe,
        other => return Err(err!("cannot read symbols from {}: unsupported format {other:?}", path.display())),
    };

    // Load bias and extent.
    let (bias, start, end) = match format {
        Format::Elf => {
            let mut low = u64::MAX;
            let mut high = 0u64;
            for seg in obj.segments() {
                low = low.min(seg.address());
                high = high.max(seg.address().saturating_add(seg.size()));
            }
            if low == u64::MAX {
                // No PT_LOAD (a relocatable object): take the sections' extent.
                low = 0;
                high = obj.sections().map(|s| s.address().saturating_add(s.size())).max().unwrap_or(0);
            }
            let low = low & !0xfff;
            let bias = base.wrapping_sub(low);
            (bias, base, base.wrapping_add(high.saturating_sub(low)).max(base))
        }
        Format::Pe => {
            let image_base = obj.relative_address_base();
            let size = pdata::size_of_image(data).unwrap_or_else(|| {
                obj.sections()
                    .map(|s| s.address().saturating_add(s.size()))
                    .max()
                    .unwrap_or(image_base)
                    .saturating_sub(image_base)
            });
            (base.wrapping_sub(image_base), base, base.wrapping_add(size))
        }
    };

    let image = image_pieces(&obj, format, bias);

    let mut raw = Vec::new();
    let text_ranges: Vec<(u64, u64)> = obj
        .sections()
        .filter(|s| s.kind() == SectionKind::Text)
        .map(|s| (s.address(), s.address().saturating_add(s.size())))
        .collect();
    collect_symbols(obj.symbols(), bias, &text_ranges, &mut raw);
    collect_symbols(obj.dynamic_symbols(), bias, &text_ranges, &mut raw);
    match format {
        Format::Pe => collect_pe_exports(&obj, bias, &text_ranges, &mut raw),
        Format::Elf => collect_plt_symbols(data, &obj, bias, &mut raw),
    }

    // A separate debug file: for its symbol table when the module is stripped, for its DWARF when the module has
    // none.
    let own_dwarf = has_debug_info(&obj);
    let mut debug_file = None;
    if format == Format::Elf
        && (!own_dwarf || obj.symbol_table().is_none())
        && let Some((debug_path, debug_data)) = find_debug_file(path, &obj, search)
        && let Ok(dobj) = object::File::parse(debug_data)
    {
        if obj.symbol_table().is_none() {
            collect_symbols(dobj.symbols(), bias, &text_ranges, &mut raw);
        }
        if !own_dwarf && has_debug_info(&dobj) {
            debug_file = Some((debug_path, debug_data));
        }
    }

    // A PE image's PDB, where its CodeView record names one: its symbols join the table; its lines are read on
    // first use. One that cannot be used leaves the exports (and any DWARF) as they are, with the reason kept.
    let image_base = obj.relative_address_base();
    let mut pdb_file = None;
    let mut pdb_problem = None;
    if format == Format::Pe
        && let Some(record) = codeview(&obj)
    {
        match pdb::find(path, &record, search) {
            pdb::Found::Pdb(found) => match pdb::symbols(found.bytes, image_base, bias) {
                Ok(symbols) => {
                    raw.extend(symbols);
                    pdb_file = Some(found);
                }
                Err(e) => pdb_problem = Some(format!("{}: not a readable PDB ({e})", found.path.display())),
            },
            pdb::Found::Problem(why) => pdb_problem = Some(why),
        }
    }

    let cfi_sections = cfi::CfiSections {
        eh_frame: section_data(data, &obj, ".eh_frame"),
        eh_frame_hdr: section_data(data, &obj, ".eh_frame_hdr"),
        debug_frame: section_data(data, &obj, ".debug_frame"),
        text: obj.section_by_name(".text").map(|s| s.address()),
        got: obj.section_by_name(".got").map(|s| s.address()),
    };
    let pe = match format {
        Format::Pe => pdata::PeInfo::parse(data),
        Format::Elf => None,
    };
    let entry = obj.entry();
    let ifunc_slots = match format {
        Format::Elf => collect_ifunc_slots(data, &obj, bias),
        Format::Pe => Vec::new(),
    };

    Ok(ModuleSymbols {
        path: path.to_path_buf(),
        base,
        bias,
        start,
        end,
        entry,
        format,
        own_dwarf,
        code: text_ranges,
        data,
        debug_file,
        table: SymbolTable::new(raw),
        cfi_sections,
        pe,
        ifunc_slots,
        image,
        image_base,
        pdb: pdb_file,
        pdb_problem,
        pdb_lines: OnceLock::new(),
        pdb_symbols: OnceLock::new(),
        pdb_types: OnceLock::new(),
        dwarf: OnceLock::new(),
        cfi: OnceLock::new(),
    })
}

/// Where the file's bytes lie in the process once the module is mapped: ELF's `PT_LOAD` segments, a PE's
/// sections, each only as far as the file holds it (what lies past a segment's file size, `.bss`, is the program's
/// own and no image says it), at runtime addresses.
fn image_pieces<'d>(obj: &object::File<'d, &'d [u8]>, format: Format, bias: u64) -> Vec<super::ImagePiece> {
    let piece = |address: u64, (offset, size): (u64, u64), limit: u64| super::ImagePiece {
        start: address.wrapping_add(bias),
        offset,
        size: size.min(limit),
    };
    let mut pieces: Vec<super::ImagePiece> = match format {
        Format::Elf => obj.segments().map(|s| piece(s.address(), s.file_range(), s.size())).collect(),
        // A section's raw data is rounded up to the file alignment: past its virtual size the image holds zeros.
        Format::Pe => {
            let sections: Vec<_> =
                obj.sections().filter_map(|s| Some((s.address(), s.file_range()?, s.size()))).collect();
            // The headers (`MZ`, the PE headers, the section table) are mapped at the image's base, up to the first
            // section's bytes in the file.
            let headers = sections.iter().map(|(_, (offset, _), _)| *offset).filter(|o| *o > 0).min().unwrap_or(0);
            let base = obj.relative_address_base();
            std::iter::once(piece(base, (0, headers), headers))
                .chain(sections.into_iter().map(|(address, range, size)| piece(address, range, size)))
                .collect()
        }
    };
    pieces.retain(|p| p.size > 0);
    pieces
}

/// The image's CodeView record (`RSDS`): the PDB it was linked with.
fn codeview<'d>(obj: &object::File<'d, &'d [u8]>) -> Option<pdb::CodeView> {
    let info = obj.pdb_info().ok().flatten()?;
    Some(pdb::CodeView { path: String::from_utf8_lossy(info.path()).into_owned(), guid: info.guid(), age: info.age() })
}

fn collect_symbols<'file>(
    symbols: impl Iterator<Item = object::Symbol<'static, 'file, &'static [u8]>>,
    bias: u64,
    text: &[(u64, u64)],
    out: &mut Vec<RawSym>,
) {
    for sym in symbols {
        let func = match sym.kind() {
            SymbolKind::Text => true,
            SymbolKind::Data => false,
            // Untyped symbols (assembler entry points): code where they lie in an executable section.
            SymbolKind::Unknown => text.iter().any(|&(lo, hi)| sym.address() >= lo && sym.address() < hi),
            _ => continue,
        };
        if !matches!(sym.section(), SymbolSection::Section(_)) {
            continue;
        }
        let Ok(name) = sym.name() else { continue };
        if name.is_empty() || name.starts_with('.') || name.starts_with('$') {
            continue;
        }
        if sym.kind() == SymbolKind::Unknown && sym.is_local() && sym.size() == 0 {
            // Local untyped labels (`.annobin_*`, compiler temporaries) only clutter `ln`.
            continue;
        }
        out.push(RawSym {
            raw: Cow::Borrowed(name),
            address: sym.address().wrapping_add(bias),
            size: sym.size(),
            func,
            global: sym.is_global(),
        });
    }
}

/// `name@plt` for each PLT stub, as gdb and objdump name them: slot i of `.plt.sec` (or i + 1 of `.plt`, after
/// the resolver stub) belongs to the i-th relocation of `.rela.plt`.
/// The indirect functions (`STT_GNU_IFUNC`: `strlen`, `memcpy` in glibc) whose implementation the loader wrote into a
/// GOT slot, from the `R_X86_64_IRELATIVE` relocations of `.rela.dyn` and `.rela.plt`: (resolver, slot), runtime
/// addresses, sorted by resolver. The module's own calls go through those slots once it is relocated.
fn collect_ifunc_slots<'d>(data: &[u8], obj: &object::File<'d, &'d [u8]>, bias: u64) -> Vec<(u64, u64)> {
    const R_X86_64_IRELATIVE: u64 = 37;
    let mut slots = Vec::new();
    for name in [".rela.dyn", ".rela.plt"] {
        let Some(Bytes::Range(range)) = obj.section_by_name(name).and_then(|s| section_bytes(data, &s)) else {
            continue;
        };
        for entry in data[range].chunks_exact(24) {
            let word = |i: usize| u64::from_le_bytes(entry[i..i + 8].try_into().unwrap_or_default());
            if word(8) & 0xffff_ffff == R_X86_64_IRELATIVE {
                slots.push((word(16).wrapping_add(bias), word(0).wrapping_add(bias)));
            }
        }
    }
    slots.sort_unstable();
    slots.dedup_by_key(|(resolver, _)| *resolver);
    slots
}

fn collect_plt_symbols<'d>(data: &[u8], obj: &object::File<'d, &'d [u8]>, bias: u64, out: &mut Vec<RawSym>) {
    const ENTRY: u64 = 16;
    const R_X86_64_JUMP_SLOT: u64 = 7;
    let Some(dynsym) = obj.dynamic_symbol_table() else { return };
    let Some(rela) = obj.section_by_name(".rela.plt").and_then(|s| section_bytes(data, &s)) else { return };
    let (start, first_slot, end) = match (obj.section_by_name(".plt.sec"), obj.section_by_name(".plt")) {
        (Some(sec), _) => (sec.address(), 0, sec.address().checked_add(sec.size())),
        (None, Some(plt)) => (plt.address(), 1, plt.address().checked_add(plt.size())),
        _ => return,
    };
    // A section that would run past the end of the address space (a corrupt header) holds no stubs.
    let Some(end) = end else { return };
    let Bytes::Range(range) = rela else { return };
    for (i, entry) in data[range].chunks_exact(24).enumerate() {
        let info = u64::from_le_bytes(entry[8..16].try_into().unwrap_or_default());
        let (sym, kind) = ((info >> 32) as usize, info & 0xffff_ffff);
        if kind != R_X86_64_JUMP_SLOT || sym == 0 {
            continue;
        }
        let Ok(name) = dynsym.symbol_by_index(object::SymbolIndex(sym)).and_then(|s| s.name().map(str::to_string))
        else {
            continue;
        };
        let Some(address) = start.checked_add(ENTRY * (first_slot + i as u64)) else { continue };
        if name.is_empty() || address.checked_add(ENTRY).is_none_or(|stub_end| stub_end > end) {
            continue;
        }
        out.push(RawSym {
            raw: Cow::Owned(format!("{name}@plt")),
            address: address.wrapping_add(bias),
            size: ENTRY,
            func: true,
            global: false,
        });
    }
}

fn collect_pe_exports<'d>(obj: &object::File<'d, &'d [u8]>, bias: u64, text: &[(u64, u64)], out: &mut Vec<RawSym>) {
    let Ok(exports) = obj.exports() else { return };
    for export in exports.flatten() {
        let object::NameOrOrdinal::Name(name) = export.name() else { continue };
        let object::ExportTarget::Address { address } = export.target() else { continue };
        let Ok(name) = std::str::from_utf8(name) else { continue };
        if name.is_empty() {
            continue;
        }
        let func = text.iter().any(|&(lo, hi)| address >= lo && address < hi);
        let raw = Cow::Owned(name.to_string());
        out.push(RawSym { raw, address: address.wrapping_add(bias), size: 0, func, global: true });
    }
}

/// The separate debug file of an ELF module: first in the user's `search` directories (by build id under
/// `<dir>/.build-id`, by its `.gnu_debuglink` name, as `<file name>.debug` or as a copy of the file with its
/// symbols), then by build id under `/usr/lib/debug/.build-id`, else by `.gnu_debuglink` beside the file, in its
/// `.debug` folder, or under `/usr/lib/debug`. A file found by name must carry the module's build id.
fn find_debug_file<'d>(
    path: &Path,
    obj: &object::File<'d, &'d [u8]>,
    search: &[PathBuf],
) -> Option<(PathBuf, &'static [u8])> {
    let build_id = obj.build_id().ok().flatten().filter(|id| id.len() >= 2);
    let hex: Option<String> = build_id.map(|id| id.iter().map(|b| format!("{b:02x}")).collect());
    let link = obj.gnu_debuglink().ok().flatten().and_then(|(name, _crc)| std::str::from_utf8(name).ok());
    let mut candidates = Vec::new();
    let file_name = path.file_name().map(|f| f.to_string_lossy().into_owned());
    for dir in search {
        if let Some(hex) = &hex {
            candidates.push(dir.join(".build-id").join(&hex[..2]).join(format!("{}.debug", &hex[2..])));
        }
        if let Some(link) = link {
            candidates.push(dir.join(link));
        }
        if let Some(name) = &file_name {
            candidates.push(dir.join(format!("{name}.debug")));
            candidates.push(dir.join(name));
        }
    }
    if let Some(hex) = &hex {
        candidates.push(PathBuf::from(format!("/usr/lib/debug/.build-id/{}/{}.debug", &hex[..2], &hex[2..])));
    }
    if let Some(name) = link {
        let dir = path.parent().unwrap_or(Path::new("/"));
        candidates.push(dir.join(name));
        candidates.push(dir.join(".debug").join(name));
        let rel = dir.strip_prefix("/").unwrap_or(dir);
        candidates.push(Path::new("/usr/lib/debug").join(rel).join(name));
    }
    let judge = |bytes: &'static [u8]| -> std::result::Result<(), String> {
        let dobj = object::File::parse(bytes).map_err(|e| format!("not an ELF file ({e})"))?;
        // A debug file found by name must be the one built with this module.
        match (build_id, dobj.build_id()) {
            (Some(id), Ok(Some(did))) if id != did => Err("another build's debug file".to_string()),
            _ => Ok(()),
        }
    };
    first_accepted(candidates, path, judge).ok()
}

/// The first of `candidates` (never the module itself) that is a regular file `judge` accepts, read once; else the
/// first reason one was refused for (`None` when none was there). The one search of the symbol path's places,
/// for ELF debug files and PDBs alike.
pub(super) fn first_accepted(
    candidates: Vec<PathBuf>,
    module: &Path,
    judge: impl Fn(&'static [u8]) -> std::result::Result<(), String>,
) -> std::result::Result<(PathBuf, &'static [u8]), Option<String>> {
    let mut refused = None;
    for candidate in candidates {
        if candidate == module || !candidate.is_file() {
            continue;
        }
        let verdict = super::source::file_bytes(&candidate)
            .map_err(|e| format!("cannot be read ({e})"))
            .and_then(|bytes| judge(bytes).map(|()| bytes));
        match verdict {
            Ok(bytes) => return Ok((candidate, bytes)),
            Err(why) => {
                refused.get_or_insert_with(|| format!("{}: {why}", candidate.display()));
            }
        }
    }
    Err(refused)
}
