//! A module's line table, whichever debug format it was read from (DWARF's line programs in `dwarf/lines.rs`, a
//! PDB's C13 line blocks in `pdb/lines.rs`), and the questions asked of it: line → addresses (the statement rows,
//! for `bp `file.c:12``) and address → line (every row, for stops, stacks and stepping by line). Addresses are file
//! (link-time) addresses.
//!
//! The address → line rule is gdb's, not addr2line's: of the rows at the address a pc falls in, an `is_stmt` row
//! wins over the rows after it. Optimised code often has several rows at one address (a statement row for line
//! 787, then a non-statement row for line 790); addr2line keeps the last, so a breakpoint set on 787 at that
//! address would stop "at 790". A line is *entered* only at an `is_stmt` row ([`LineTable::statement_at`]): that
//! is where stepping by line stops.

use std::collections::HashSet;
use std::path::PathBuf;

use super::SourceLine;

pub(in crate::symbols) struct LineTable {
    pub files: Vec<String>,
    /// The `is_stmt` rows, sorted by (file, line, sequence, address).
    pub by_line: Vec<LineRow>,
    /// Every row, sorted by address, a sequence's end before a row at the same address, rows at one address in
    /// the order of their program.
    by_address: Vec<AddressRow>,
}

#[derive(Debug, Clone, Copy)]
pub(in crate::symbols) struct LineRow {
    pub file: u32,
    pub line: u32,
    pub seq: u32,
    pub address: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::symbols) struct AddressRow {
    pub address: u64,
    pub file: u32,
    pub line: u32,
    pub is_stmt: bool,
    /// The end of a sequence: no line from here on (until another row starts).
    pub end: bool,
}

/// The line an address is at: its file (an index into [`LineTable::files`]) and line, and the address of the row
/// that says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::symbols) struct RowAt {
    pub file: u32,
    pub line: u32,
    pub address: u64,
    pub is_stmt: bool,
}

impl LineTable {
    pub fn with_rows(files: Vec<String>, by_line: Vec<LineRow>, mut by_address: Vec<AddressRow>) -> LineTable {
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

    /// The line a file address is at (see [`LineTable::row_at`] for which row wins).
    pub fn source_line(&self, file_address: u64) -> Option<SourceLine> {
        let row = self.row_at(file_address)?;
        Some(SourceLine { file: PathBuf::from(&self.files[row.file as usize]), line: row.line })
    }

    /// The line whose statement begins exactly at a file address: where a step by line stops.
    pub fn statement_line(&self, file_address: u64) -> Option<SourceLine> {
        let row = self.statement_at(file_address)?;
        Some(SourceLine { file: PathBuf::from(&self.files[row.file as usize]), line: row.line })
    }

    /// The files some row of the table is in (a line program's header also names files no code comes from: the
    /// headers a unit includes), each once, in the table's order.
    pub fn files_with_lines(&self) -> Vec<&str> {
        let mut used = vec![false; self.files.len()];
        for row in &self.by_line {
            if let Some(u) = used.get_mut(row.file as usize) {
                *u = true;
            }
        }
        let mut seen = std::collections::HashSet::new();
        self.files.iter().zip(used).filter(|(f, u)| *u && seen.insert(f.as_str())).map(|(f, _)| f.as_str()).collect()
    }

    /// Whether the table names a file that `file` can stand for (as [`LineTable::line_addresses`] matches it).
    pub fn has_file(&self, file: &str) -> bool {
        let named = |exact| self.files.iter().any(|f| path_ends_with(f, file, exact));
        named(false) || named(true)
    }

    /// The file addresses where `file:line` (or the next line with code) begins: the lowest `is_stmt` address of
    /// each instance, an instance being a (sequence, function) pair; `function_of` names the function of an
    /// address (any key).
    pub fn line_addresses(&self, file: &str, line: u32, function_of: &dyn Fn(u64) -> Option<u64>) -> Vec<u64> {
        let mut files: Vec<u32> =
            (0..self.files.len() as u32).filter(|&i| path_ends_with(&self.files[i as usize], file, false)).collect();
        if files.is_empty() {
            files =
                (0..self.files.len() as u32).filter(|&i| path_ends_with(&self.files[i as usize], file, true)).collect();
        }
        let rows_of = |f: u32, l: u32| {
            let lo = self.by_line.partition_point(|r| (r.file, r.line) < (f, l));
            let hi = self.by_line.partition_point(|r| (r.file, r.line) <= (f, l));
            &self.by_line[lo..hi]
        };
        let mut chosen: Vec<LineRow> = files.iter().flat_map(|&f| rows_of(f, line).iter().copied()).collect();
        if chosen.is_empty() {
            // The next line that has code, in any of the matching files.
            let next = files
                .iter()
                .filter_map(|&f| {
                    let i = self.by_line.partition_point(|r| (r.file, r.line) <= (f, line));
                    self.by_line.get(i).filter(|r| r.file == f).map(|r| r.line)
                })
                .min();
            if let Some(next) = next {
                chosen = files.iter().flat_map(|&f| rows_of(f, next).iter().copied()).collect();
            }
        }
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        // Rows are sorted by address within (file, line, sequence): the first of each instance is its lowest.
        for r in chosen {
            if seen.insert((r.file, r.line, r.seq, function_of(r.address))) {
                out.push(r.address);
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Whether `path` ends with the components of `suffix` (`demo.c` matches `/src/x/demo.c`, `x/demo.c` too, but
/// `o.c` does not). A `..` takes away the component before it, as an editor's normalized path has it
/// (compilers record `src/../include/x.h` as they were given it).
pub(super) fn path_ends_with(path: &str, suffix: &str, ignore_case: bool) -> bool {
    let components = |s: &str| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for c in s.split(['/', '\\']).filter(|c| !c.is_empty() && *c != ".") {
            if c == ".." && out.last().is_some_and(|last| last != "..") {
                out.pop();
            } else {
                out.push(c.to_string());
            }
        }
        out
    };
    let p = components(path);
    let s = components(suffix);
    if s.is_empty() || s.len() > p.len() {
        return false;
    }
    p[p.len() - s.len()..].iter().zip(&s).all(|(a, b)| if ignore_case { a.eq_ignore_ascii_case(b) } else { a == b })
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
    fn the_files_with_lines_leave_out_headers_without_code_and_repeats() {
        let files = vec!["/src/a.c".into(), "/usr/include/stdio.h".into(), "/src/b.h".into(), "/src/a.c".into()];
        let by_line = [0, 2, 3]
            .into_iter()
            .map(|file| LineRow { file, line: 1, seq: 0, address: 0x100 })
            .chain([LineRow { file: 99, line: 1, seq: 0, address: 0 }])
            .collect();
        let t = LineTable::with_rows(files, by_line, Vec::new());
        assert_eq!(t.files_with_lines(), ["/src/a.c", "/src/b.h"]);
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
    fn a_sequence_that_starts_where_another_ends_is_found() {
        // The end of the first sequence sorts before the start of the next at the same address.
        let t = table(vec![row(0x200, 9, true), end(0x210), row(0x100, 5, true), end(0x200)]);
        assert_eq!(line_at(&t, 0x200), Some(9));
        assert_eq!(line_at(&t, 0x1f0), Some(5));
    }

    #[test]
    fn path_suffixes_match_by_component() {
        assert!(path_ends_with("/src/x/demo.c", "demo.c", false));
        assert!(path_ends_with("/src/x/./demo.c", "x/demo.c", false));
        assert!(path_ends_with("/w/crates/kit/../../tests/demo.c", "/w/tests/demo.c", false));
        assert!(path_ends_with("/w/tests/demo.c", "/w/crates/kit/../../tests/demo.c", false));
        assert!(!path_ends_with("/w/crates/tests/demo.c", "/w/crates/kit/../../tests/demo.c", false));
        assert!(path_ends_with("C:\\src\\demo.c", "src/demo.c", false));
        assert!(!path_ends_with("/src/x/odemo.c", "demo.c", false));
        assert!(!path_ends_with("/src/x/Demo.c", "demo.c", false));
        assert!(path_ends_with("/src/x/Demo.c", "demo.c", true));
        assert!(!path_ends_with("demo.c", "x/demo.c", false));
    }
}
