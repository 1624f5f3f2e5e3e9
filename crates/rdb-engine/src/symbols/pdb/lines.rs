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
