//! The parts of PDB reading that need no built PDB (a built one is read in `crates/rdb-engine/tests/pdb.rs`,
//! against `llvm-pdbutil`).

use super::*;

/// The GUID `{97995E75-5677-F5D3-4C4C-44205044422E}` in the record's byte order.
const GUID: [u8; 16] = [
    0x75, 0x5E, 0x99, 0x97, 0x77, 0x56, 0xD3, 0xF5, 0x4C, 0x4C, 0x44, 0x20, 0x50, 0x44, 0x42, 0x2E,
];

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
