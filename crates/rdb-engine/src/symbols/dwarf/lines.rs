//! One module's line programs, read in one pass into two indexes: line → addresses (the `is_stmt` rows, for
//! `bp `file.c:12``) and address → line (every row, for stops, stacks and stepping by line).
//!
//! The address → line rule is gdb's, not addr2line's: of the rows at the address a pc falls in, an `is_stmt` row
//! wins over the rows after it. Optimised code often has several rows at one address (a statement row for line
//! 787, then a non-statement row for line 790); addr2line keeps the last, so a breakpoint set on 787 at that
//! address would stop "at 790". A line is *entered* only at an `is_stmt` row ([`LineTable::statement_at`]): that
//! is where stepping by line stops.

use std::collections::HashMap;

use super::render_file;
use crate::symbols::file::Reader;

pub(super) struct LineTable {
    pub files: Vec<String>,
    /// The `is_stmt` rows, sorted by (file, line, sequence, address).
    pub by_line: Vec<LineRow>,
    /// Every row, sorted by address, a sequence's end before a row at the same address, rows at one address in
    /// the order of their program.
    by_address: Vec<AddressRow>,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct LineRow {
    pub file: u32,
    pub line: u32,
    pub seq: u32,
    pub address: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct AddressRow {
    address: u64,
    file: u32,
    line: u32,
    is_stmt: bool,
    /// The end of a sequence: no line from here on (until another row starts).
    end: bool,
}

/// The line an address is at: its file (an index into [`LineTable::files`]) and line, and the address of the row
/// that says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct RowAt {
    pub file: u32,
    pub line: u32,
    pub address: u64,
    pub is_stmt: bool,
}

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

impl LineTable {
    pub fn build(dwarf: &gimli::Dwarf<Reader>, code: &[(u64, u64)]) -> LineTable {
        let mut files: Vec<String> = Vec::new();
        let mut file_ids: HashMap<String, u32> = HashMap::new();
        let mut by_line = Vec::new();
        let mut by_address = Vec::new();
        let mut seq = 0u32;
        let in_code = |a: u64| code.is_empty() || code.iter().any(|&(lo, hi)| a >= lo && a < hi);
        let mut units = dwarf.units();
        while let Ok(Some(header)) = units.next() {
            let Ok(unit) = dwarf.unit(header) else { continue };
            let Some(program) = unit.line_program.clone() else { continue };
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
                        by_address.push(AddressRow { address, file: 0, line: 0, is_stmt: false, end: true });
                    }
                    kept = false;
                    same_line = SameLine::default();
                    seq += 1;
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
                        let path = render_file(dwarf, &unit, header, index).unwrap_or_default();
                        let id = *file_ids.entry(path.clone()).or_insert_with(|| {
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
                    by_address.push(AddressRow { address, file, line, is_stmt: row.is_stmt(), end: false });
                }
                if row.is_stmt() && line != 0 {
                    by_line.push(LineRow { file, line, seq, address });
                }
            }
            seq += 1;
        }
        by_line.sort_unstable_by_key(|r| (r.file, r.line, r.seq, r.address));
        LineTable::with_rows(files, by_line, by_address)
    }

    fn with_rows(files: Vec<String>, by_line: Vec<LineRow>, mut by_address: Vec<AddressRow>) -> LineTable {
        // Stable: rows at one address keep their program's order, which the lookup's preference depends on.
        by_address.sort_by_key(|r| (r.address, !r.end));
        LineTable { files, by_line, by_address }
    }

    /// The line `address` is at, as gdb finds it: the last row at or before it, unless an `is_stmt` row shares
    /// that row's address, which wins. `None` past a sequence's end, before every row, or on line 0 (code the
    /// compiler gave no line).
    pub fn row_at(&self, address: u64) -> Option<RowAt> {
        let i = self.by_address.partition_point(|r| r.address <= address).checked_sub(1)?;
        let last = self.by_address[i];
        if last.end {
            return None;
        }
        let same = self.by_address[..=i].iter().rev().take_while(|r| r.address == last.address && !r.end);
        let row = same.clone().find(|r| r.is_stmt).unwrap_or(&last);
        (row.line != 0).then_some(RowAt { file: row.file, line: row.line, address: row.address, is_stmt: row.is_stmt })
    }

    /// The line whose statement begins exactly at `address`, if one does: where stepping by line stops.
    pub fn statement_at(&self, address: u64) -> Option<RowAt> {
        self.row_at(address).filter(|r| r.address == address && r.is_stmt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(address: u64, line: u32, is_stmt: bool) -> AddressRow {
        AddressRow { address, file: 0, line, is_stmt, end: false }
    }

    fn end(address: u64) -> AddressRow {
        AddressRow { address, file: 0, line: 0, is_stmt: false, end: true }
    }

    fn table(rows: Vec<AddressRow>) -> LineTable {
        LineTable::with_rows(vec!["/src/f.c".into()], Vec::new(), rows)
    }

    fn line_at(t: &LineTable, address: u64) -> Option<u32> {
        t.row_at(address).map(|r| r.line)
    }

    #[test]
    fn a_statement_row_wins_over_later_rows_at_its_address() {
        // gcc -O2: 787 is a statement at 0x100, and a non-statement row for 790 follows at the same address.
        let t = table(vec![row(0x100, 787, true), row(0x100, 790, false), row(0x108, 791, true), end(0x110)]);
        assert_eq!(line_at(&t, 0x100), Some(787), "the breakpoint on 787 reports 787");
        assert_eq!(line_at(&t, 0x104), Some(787));
        assert_eq!(line_at(&t, 0x108), Some(791));
        assert_eq!(t.statement_at(0x100).map(|r| r.line), Some(787));
        assert_eq!(t.statement_at(0x104), None, "no row begins there");
    }

    #[test]
    fn a_non_statement_row_alone_still_gives_its_line() {
        // As in gdb: a pc in the range of a non-statement row is at that row's line, but no line begins there.
        let t = table(vec![row(0x100, 10, true), row(0x106, 12, false), row(0x10c, 11, true), end(0x120)]);
        assert_eq!(line_at(&t, 0x107), Some(12));
        assert_eq!(t.statement_at(0x106), None);
        assert_eq!(t.statement_at(0x10c).map(|r| r.line), Some(11));
    }

    #[test]
    fn no_line_past_a_sequence_or_before_the_first_row_or_on_line_zero() {
        let t = table(vec![row(0x100, 5, true), row(0x104, 0, true), end(0x110), row(0x200, 7, true), end(0x210)]);
        assert_eq!(line_at(&t, 0xff), None);
        assert_eq!(line_at(&t, 0x105), None, "line 0: code with no line");
        assert_eq!(line_at(&t, 0x110), None);
        assert_eq!(line_at(&t, 0x1ff), None);
        assert_eq!(line_at(&t, 0x200), Some(7));
        assert_eq!(line_at(&t, 0x210), None);
    }

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

    #[test]
    fn a_sequence_that_starts_where_another_ends_is_found() {
        // The end of the first sequence sorts before the start of the next at the same address.
        let t = table(vec![row(0x200, 9, true), end(0x210), row(0x100, 5, true), end(0x200)]);
        assert_eq!(line_at(&t, 0x200), Some(9));
        assert_eq!(line_at(&t, 0x1f0), Some(5));
    }
}
