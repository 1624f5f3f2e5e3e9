//! Reading DWARF's line programs into a [`LineTable`], in one pass over every unit.

use std::collections::HashMap;

use super::render_file;
use crate::symbols::file::Reader;
use crate::symbols::lines::{AddressRow, LineRow, LineTable};

/// gdb's rule for rows that repeat a line (`dwarf_record_line_p`): a row of the same file and line as the row before
/// it, in a run of that line that has had a non-zero discriminator (code in a loop: basic blocks the compiler
/// told apart), does not start a line of its own. So a return into the middle of `total += leaf(i);` in a loop
/// body (a row of its own at the return address, for the `+=`) steps on to the next line, as gdb does, while the
/// same return outside a loop stops on the line again, as gdb does too.
#[derive(Default)]
struct SameLine {
    last: Option<(u32, u32)>,
    discriminated: bool,
}

impl SameLine {
    /// Whether a row of `file:line` with `discriminator` only continues the line of the row before it.
    fn continues(&mut self, file: u32, line: u32, discriminator: u64) -> bool {
        let same = self.last == Some((file, line));
        self.discriminated = if same { self.discriminated || discriminator != 0 } else { discriminator != 0 };
        self.last = Some((file, line));
        same && self.discriminated
    }
}

/// Every unit's line program, rows outside the module's `code` ranges (discarded functions) dropped.
pub(super) fn build(dwarf: &gimli::Dwarf<Reader>, code: &[(u64, u64)]) -> LineTable {
    let mut rows = Rows::default();
    let mut units = dwarf.units();
    while let Ok(Some(header)) = units.next() {
        let Ok(unit) = dwarf.unit(header) else { continue };
        rows.add_unit(dwarf, &unit, code);
    }
    rows.table()
}

/// One unit's line program alone, as [`build`] reads each: what a question about one address needs.
pub(super) fn build_unit(dwarf: &gimli::Dwarf<Reader>, unit: &gimli::Unit<Reader>, code: &[(u64, u64)]) -> LineTable {
    let mut rows = Rows::default();
    rows.add_unit(dwarf, unit, code);
    rows.table()
}

/// The rows read so far, files numbered once across units.
#[derive(Default)]
struct Rows {
    files: Vec<String>,
    file_ids: HashMap<String, u32>,
    by_line: Vec<LineRow>,
    by_address: Vec<AddressRow>,
    seq: u32,
}

impl Rows {
    fn add_unit(&mut self, dwarf: &gimli::Dwarf<Reader>, unit: &gimli::Unit<Reader>, code: &[(u64, u64)]) {
        let in_code = |a: u64| code.is_empty() || code.iter().any(|&(lo, hi)| a >= lo && a < hi);
        let Some(program) = unit.line_program.clone() else { return };
        let mut unit_files: HashMap<u64, u32> = HashMap::new();
        let mut program_rows = program.rows();
        // Whether the sequence under way has kept a row: its end is kept with it (the end address itself is
        // past the code, so the code-range check would drop it).
        let mut kept = false;
        let mut same_line = SameLine::default();
        while let Ok(Some((header, row))) = program_rows.next_row() {
            let address = row.address();
            if row.end_sequence() {
                if kept {
                    self.by_address.push(AddressRow { address, file: 0, line: 0, is_stmt: false, end: true });
                }
                kept = false;
                same_line = SameLine::default();
                self.seq += 1;
                continue;
            }
            if !in_code(address) {
                continue;
            }
            let line = row.line().map_or(0, |l| u32::try_from(l.get()).unwrap_or(u32::MAX));
            let index = row.file_index();
            let file = match unit_files.get(&index) {
                Some(&id) => id,
                None => {
                    let path = render_file(dwarf, unit, header, index).unwrap_or_default();
                    let files = &mut self.files;
                    let id = *self.file_ids.entry(path.clone()).or_insert_with(|| {
                        files.push(path);
                        (files.len() - 1) as u32
                    });
                    unit_files.insert(index, id);
                    id
                }
            };
            kept = true;
            if same_line.continues(file, line, row.discriminator()) {
                // Not a line of its own for lookups and steps; still a statement for breakpoints.
            } else {
                self.by_address.push(AddressRow { address, file, line, is_stmt: row.is_stmt(), end: false });
            }
            if row.is_stmt() && line != 0 {
                self.by_line.push(LineRow { file, line, seq: self.seq, address });
            }
        }
        self.seq += 1;
    }

    fn table(mut self) -> LineTable {
        self.by_line.sort_unstable_by_key(|r| (r.file, r.line, r.seq, r.address));
        LineTable::with_rows(self.files, self.by_line, self.by_address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_line_with_a_discriminator_is_no_line_of_its_own() {
        let mut rows = SameLine::default();
        assert!(!rows.continues(0, 21, 1), "a new line");
        assert!(!rows.continues(0, 22, 0));
        assert!(!rows.continues(0, 22, 0), "a repeat without a discriminator is a row of its own");
        assert!(rows.continues(0, 22, 3), "with one it is not");
        assert!(rows.continues(0, 22, 0), "nor is any later repeat of the run");
        assert!(!rows.continues(1, 22, 0), "another file");
    }
}
