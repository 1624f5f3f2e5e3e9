//! Reading a PDB's line information (the C13 `DEBUG_S_LINES` blocks of each compiland) into a [`LineTable`]: one
//! sequence per procedure, its rows in address order, ended at the procedure's end.

use std::collections::HashMap;

use pdb2::{FallibleIterator, SymbolData};

use crate::symbols::lines::{AddressRow, LineRow, LineTable};

/// What MSVC and clang write for code that has no line of its own (`0xfeefee`, `0xf00f00`): line 0 here, as DWARF
/// says it.
pub(super) fn real_line(line: u32) -> u32 {
    if line >= 0xf0_0000 { 0 } else { line }
}

/// Whether `pdb2` 0.11 can read a compiland's C13 line information without indexing out of bounds: it slices the
/// module stream at the sizes the DBI gives (`ModuleInfo::lines_data`) and each line block at the line count it
/// claims (`DebugLinesBlockIterator`) without a check, so a damaged stream would panic. Read here as `pdb2` reads
/// it; a compiland that fails is left without lines. What `pdb2` itself refuses with an error is let through.
pub(super) fn c13_in_bounds(stream: &[u8], symbols_size: u32, c11_size: u32, c13_size: u32) -> bool {
    const DEBUG_S_LINES: u32 = 0xf2;
    const HAS_COLUMNS: u16 = 1;
    let size = if c11_size > 0 { c11_size } else { c13_size };
    let Some(data) = (symbols_size as usize).checked_add(size as usize).and_then(|end| stream.get(..end)) else {
        return false;
    };
    if c11_size > 0 {
        return true;
    }
    let data = &data[symbols_size as usize..];
    let u32_at = |d: &[u8], at: usize| d.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    let mut at = 0usize;
    // Subsections: kind, length, data.
    while let (Some(kind), Some(len)) = (u32_at(data, at), u32_at(data, at + 4)) {
        let Some(sub) = data.get(at + 8..).and_then(|d| d.get(..len as usize)) else { return true };
        at = at + 8 + len as usize;
        if kind != DEBUG_S_LINES || sub.len() < 12 {
            continue;
        }
        let columns = u16::from_le_bytes([sub[6], sub[7]]) & HAS_COLUMNS != 0;
        // Each line's offset is the subsection's plus its own, and each line ends where the next begins, the last
        // where the subsection's code ends: an offset that wraps, or one before the line it ends, trips `pdb2`'s
        // overflow checks and debug assertions where they are on (a fuzzing build).
        let (Some(start), Some(code_size)) = (u32_at(sub, 0), u32_at(sub, 8)) else { continue };
        let Some(code_end) = start.checked_add(code_size) else { return false };
        let mut previous = start;
        // Blocks: file, line count, block size (its 12-byte header included), then the entries.
        let mut block = 12usize;
        while let (Some(lines), Some(block_size)) = (u32_at(sub, block + 4), u32_at(sub, block + 8)) {
            let data_size = (block_size as usize).wrapping_sub(12);
            if sub.len() - (block + 12) < data_size {
                break;
            }
            let entries = (lines as usize).saturating_mul(if columns { 12 } else { 8 });
            if entries > data_size {
                return false;
            }
            for entry in sub[block + 12..].chunks_exact(8).take(lines as usize) {
                let (offset, flags) = (u32_at(entry, 0).unwrap_or(0), u32_at(entry, 4).unwrap_or(0));
                if matches!(flags & 0xff_ffff, 0xfe_efee | 0xf0_0f00) {
                    continue;
                }
                match start.checked_add(offset) {
                    Some(at) if at >= previous => previous = at,
                    _ => return false,
                }
            }
            block += 12 + data_size;
        }
        if previous > code_end {
            return false;
        }
    }
    true
}

/// The line table of every compiland, at file addresses (`image_base` + RVA). `None` if the PDB cannot be opened;
/// a compiland whose streams are damaged is left out.
pub(in crate::symbols) fn build(bytes: &'static [u8], image_base: u64) -> Option<LineTable> {
    let mut pdb = super::open(bytes).ok()?;
    let map = pdb.address_map().ok()?;
    let strings = pdb.string_table().ok()?;
    let dbi = pdb.debug_information().ok()?;
    let mut modules = dbi.modules().ok()?;

    let mut files: Vec<String> = Vec::new();
    let mut file_ids: HashMap<String, u32> = HashMap::new();
    let mut by_line = Vec::new();
    let mut by_address = Vec::new();
    let mut seq = 0u32;
    while let Ok(Some(module)) = modules.next() {
        let sizes = module.info();
        let Ok(Some(stream)) = pdb.raw_stream(sizes.stream) else { continue };
        if !c13_in_bounds(stream.as_slice(), sizes.symbols_size, sizes.lines_size, sizes.c13_lines_size) {
            continue;
        }
        let Ok(Some(info)) = pdb.module_info(&module) else { continue };
        let Ok(program) = info.line_program() else { continue };
        let Ok(mut symbols) = info.symbols() else { continue };
        while let Ok(Some(symbol)) = symbols.next() {
            let Ok(SymbolData::Procedure(procedure)) = symbol.parse() else { continue };
            let Some(start) = procedure.offset.to_rva(&map) else { continue };
            let mut kept = false;
            let mut lines = program.lines_for_symbol(procedure.offset);
            while let Ok(Some(row)) = lines.next() {
                let Some(rva) = row.offset.to_rva(&map) else { continue };
                let Ok(file_info) = program.get_file_info(row.file_index) else { continue };
                let Ok(path) = file_info.name.to_string_lossy(&strings) else { continue };
                let file = match file_ids.get(path.as_ref()) {
                    Some(&id) => id,
                    None => {
                        files.push(path.clone().into_owned());
                        let id = (files.len() - 1) as u32;
                        file_ids.insert(path.into_owned(), id);
                        id
                    }
                };
                let address = image_base.wrapping_add(u64::from(rva.0));
                let line = real_line(row.line_start);
                // Every entry begins a line, as WinDbg and Visual Studio read them: CodeView's statement flag is no
                // DWARF `is_stmt` (clang sets it on none, MSVC on all).
                by_address.push(AddressRow { address, file, line, is_stmt: true, end: false });
                if line != 0 {
                    by_line.push(LineRow { file, line, seq, address });
                }
                kept = true;
            }
            if kept {
                let end = image_base.wrapping_add(u64::from(start.0)).wrapping_add(u64::from(procedure.len));
                by_address.push(AddressRow { address: end, file: 0, line: 0, is_stmt: false, end: true });
            }
            seq += 1;
        }
    }
    by_line.sort_unstable_by_key(|r| (r.file, r.line, r.seq, r.address));
    Some(LineTable::with_rows(files, by_line, by_address))
}
