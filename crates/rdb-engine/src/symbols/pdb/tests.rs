//! The parts of PDB reading that need no built PDB (a built one is read in `crates/rdb-engine/tests/pdb.rs`,
//! against `llvm-pdbutil`).

use super::*;

/// The GUID `{97995E75-5677-F5D3-4C4C-44205044422E}` in the record's byte order.
const GUID: [u8; 16] = [0x75, 0x5E, 0x99, 0x97, 0x77, 0x56, 0xD3, 0xF5, 0x4C, 0x4C, 0x44, 0x20, 0x50, 0x44, 0x42, 0x2E];

fn record(path: &str) -> CodeView {
    CodeView { path: path.to_string(), guid: GUID, age: 1 }
}

#[test]
fn guids_are_written_as_llvm_pdbutil_and_windbg_write_them() {
    assert_eq!(guid_text(&GUID), "{97995E75-5677-F5D3-4C4C-44205044422E}");
    assert_eq!(store_key(&record("x.pdb")), "97995E755677F5D34C4C44205044422E1");
}

#[test]
fn a_windows_path_is_looked_for_by_its_file_name_beside_the_module_and_along_the_symbol_path() {
    let search = [PathBuf::from("/syms")];
    let found = candidates(Path::new("/run/app.exe"), &record(r"C:\build\out\prog.pdb"), &search);
    assert_eq!(
        found,
        [
            "/syms/prog.pdb",
            "/syms/prog.pdb/97995E755677F5D34C4C44205044422E1/prog.pdb",
            "/syms/app.pdb",
            "/syms/app.pdb/97995E755677F5D34C4C44205044422E1/app.pdb",
            "/run/prog.pdb",
            "/run/app.pdb",
        ]
        .map(PathBuf::from)
    );
    // A path valid here is tried as it is, after the symbol path.
    let found = candidates(Path::new("/run/app.exe"), &record("/build/app.pdb"), &[]);
    assert_eq!(found, ["/build/app.pdb", "/run/app.pdb"].map(PathBuf::from));
}

#[test]
fn bytes_that_are_no_pdb_are_an_error_not_a_panic() {
    for bytes in [&b""[..], b"Microsoft C/C++ MSF 7.00\r\n\x1aDS\0\0\0", &[0xffu8; 4096]] {
        let bytes: &'static [u8] = Box::leak(bytes.to_vec().into_boxed_slice());
        assert!(identity(bytes).is_err());
        assert!(symbols(bytes, 0x1_4000_0000, 0).is_err());
        assert!(lines::build(bytes, 0x1_4000_0000).is_none());
    }
}

#[test]
fn hidden_lines_are_line_zero() {
    assert_eq!(lines::real_line(0xfeefee), 0);
    assert_eq!(lines::real_line(0xf00f00), 0);
    assert_eq!(lines::real_line(42), 42);
}

/// A PDB info stream: version, signature, age, GUID, then its name map with `entries` (name offset, stream).
fn info_stream(names: &[u8], entries: &[(u32, u32)]) -> Vec<u8> {
    let mut v = vec![0u8; 28];
    v.extend_from_slice(&(names.len() as u32).to_le_bytes());
    v.extend_from_slice(names);
    for word in [entries.len() as u32, entries.len() as u32 * 8, 1, 0b11, 0] {
        v.extend_from_slice(&word.to_le_bytes());
    }
    for (offset, stream) in entries {
        v.extend_from_slice(&offset.to_le_bytes());
        v.extend_from_slice(&stream.to_le_bytes());
    }
    v
}

#[test]
fn a_name_map_pointing_past_its_names_is_refused_before_pdb2_slices_it() {
    assert!(names_map_in_bounds(&info_stream(b"/names\0/LinkInfo\0", &[(0, 5), (7, 6)])));
    assert!(!names_map_in_bounds(&info_stream(b"/names\0", &[(0, 5), (4096, 6)])));
    // Cut short: pdb2 returns an error of its own for it.
    assert!(names_map_in_bounds(&info_stream(b"/names\0", &[(0, 5)])[..40]));
    assert!(names_map_in_bounds(&[]));
}

/// A module stream: 4 bytes of symbols, then one `DEBUG_S_LINES` subsection at offset 0x10 (0x20 bytes of code)
/// holding one block that claims `count` lines, with `lines` (offset, line) as its entries.
fn module_stream(count: u32, lines: &[(u32, u32)]) -> (Vec<u8>, u32) {
    let mut sub = Vec::new();
    for word in [0x10u32, 1, 0x20] {
        sub.extend_from_slice(&word.to_le_bytes());
    }
    for word in [0u32, count, 12 + 8 * lines.len() as u32] {
        sub.extend_from_slice(&word.to_le_bytes());
    }
    for &(offset, line) in lines {
        sub.extend_from_slice(&offset.to_le_bytes());
        sub.extend_from_slice(&(line | 0x8000_0000).to_le_bytes());
    }
    let mut stream = vec![0u8; 4];
    stream.extend_from_slice(&0xf2u32.to_le_bytes());
    stream.extend_from_slice(&(sub.len() as u32).to_le_bytes());
    stream.extend_from_slice(&sub);
    let c13 = stream.len() as u32 - 4;
    (stream, c13)
}

#[test]
fn line_blocks_pdb2_would_slice_or_order_wrongly_are_refused() {
    let (good, size) = module_stream(2, &[(0, 5), (8, 6)]);
    assert!(lines::c13_in_bounds(&good, 4, 0, size));
    assert!(!lines::c13_in_bounds(&good, 4, 0, size + 1), "the DBI's sizes run past the stream");
    let (too_many, size) = module_stream(3, &[(0, 5), (8, 6)]);
    assert!(!lines::c13_in_bounds(&too_many, 4, 0, size), "more lines claimed than the block holds");
    let (backwards, size) = module_stream(2, &[(8, 5), (0, 6)]);
    assert!(!lines::c13_in_bounds(&backwards, 4, 0, size), "a line before the one it ends");
    let (past_end, size) = module_stream(2, &[(0, 5), (0x40, 6)]);
    assert!(!lines::c13_in_bounds(&past_end, 4, 0, size), "a line past the code's end");
    let (hidden, size) = module_stream(2, &[(8, 5), (0, 0xfeefee)]);
    assert!(lines::c13_in_bounds(&hidden, 4, 0, size), "pdb2 skips hidden-line markers");
}
