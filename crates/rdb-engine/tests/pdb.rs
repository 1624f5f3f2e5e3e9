//! A PE module's symbols and lines from its PDB: `tests/debuggees-windows/wpdb.c` built here by clang-14 for the
//! MSVC target and linked by lld-link-14, read by `ModuleSymbols` and checked against `llvm-pdbutil-14`'s reading
//! of the same PDB; a PDB of another build refused with its reason, and a damaged one never a panic.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use rdb_engine::symbols::ModuleSymbols;

/// Where lld-link places an x64 image by default; loading it there makes runtime and file addresses equal.
const IMAGE_BASE: u64 = 0x1_4000_0000;

fn source() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/debuggees-windows/wpdb.c")
}

fn out_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rdb-engine-pdb-{}", std::process::id()));
    fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

/// Builds `wpdb.c` into `dir/<name>.exe` and `dir/<name>.pdb`, the image recording only the PDB's file name.
/// `define` changes the code (another build, another GUID).
fn build(dir: &Path, name: &str, define: &str) -> PathBuf {
    let exe = dir.join(format!("{name}.exe"));
    let out = Command::new("clang-14")
        .args(["--target=x86_64-pc-windows-msvc", "-gcodeview", "-g", "-O0", "-fuse-ld=lld", "-nostdlib"])
        .arg(format!("-D{define}"))
        .arg(format!("-Wl,/pdb:{}", dir.join(format!("{name}.pdb")).display()))
        .arg(format!("-Wl,/pdbaltpath:{name}.pdb"))
        .args(["-Wl,/entry:start", "-Wl,/subsystem:console", "/usr/x86_64-w64-mingw32/lib/libkernel32.a"])
        .arg(source())
        .arg("-o")
        .arg(&exe)
        .output()
        .expect("clang-14 (scripts/setup.sh installs clang-14, lld-14 and mingw-w64)");
    assert!(out.status.success(), "building wpdb failed:\n{}", String::from_utf8_lossy(&out.stderr));
    exe
}

/// The one build most tests read.
fn built() -> &'static Path {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| build(&out_dir(), "wpdb", "UNUSED"))
}

fn pdbutil(pdb: &Path, args: &[&str]) -> String {
    let out = Command::new("llvm-pdbutil-14").args(args).arg(pdb).output().expect("llvm-pdbutil-14");
    assert!(out.status.success(), "llvm-pdbutil-14 {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The RVA of each section, by its 1-based number, as the PDB's section headers give them.
fn section_rvas(pdb: &Path) -> Vec<u64> {
    pdbutil(pdb, &["dump", "--section-headers"])
        .lines()
        .filter_map(|l| l.trim().strip_suffix(" virtual address"))
        .filter_map(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        .collect()
}

/// `llvm-pdbutil dump --symbols`: each procedure's name and runtime address.
fn oracle_procedures(pdb: &Path) -> Vec<(String, u64)> {
    let rvas = section_rvas(pdb);
    let text = pdbutil(pdb, &["dump", "--symbols"]);
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(l) = lines.next() {
        let Some(name) = l.split("S_GPROC32 ").nth(1).or_else(|| l.split("S_LPROC32 ").nth(1)) else { continue };
        let name = name.split('`').nth(1).expect("a quoted name").to_string();
        let next = lines.next().expect("the procedure's second line");
        let addr = next.split("addr = ").nth(1).expect("addr = ").split(',').next().expect("a section:offset");
        let (section, offset) = addr.split_once(':').expect("section:offset");
        let section: usize = section.parse().expect("a section number");
        // The symbol dump writes offsets in decimal (the line dump in hex).
        let offset: u64 = offset.parse().expect("an offset");
        out.push((name, IMAGE_BASE + rvas[section - 1] + offset));
    }
    out
}

/// `llvm-pdbutil dump -l`: the first compiland's (line, runtime address) pairs (its later compilands are the
/// import library's, which have none).
fn oracle_lines(pdb: &Path) -> Vec<(u32, u64)> {
    let rvas = section_rvas(pdb);
    let text = pdbutil(pdb, &["dump", "-l"]);
    let first = text.split("Mod 0001").next().expect("the first module");
    let mut out = Vec::new();
    let mut section = 0usize;
    for l in first.lines().map(str::trim) {
        if let Some((s, _)) = l.split_once(':').filter(|(s, _)| s.len() == 4 && s.chars().all(|c| c.is_ascii_digit())) {
            section = s.parse().expect("a section number");
            continue;
        }
        let words: Vec<&str> = l.split_whitespace().filter(|w| *w != "!").collect();
        if words.len() < 2 || !words[0].chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        for pair in words.chunks(2) {
            if let [line, offset] = pair {
                let offset = u64::from_str_radix(offset, 16).expect("an offset");
                out.push((line.parse().expect("a line"), IMAGE_BASE + rvas[section - 1] + offset));
            }
        }
    }
    out
}

fn marker_line(marker: &str) -> u32 {
    let text = fs::read_to_string(source()).expect("wpdb.c");
    let at = text.lines().position(|l| l.contains(&format!("@{marker} "))).expect("the marker");
    at as u32 + 1
}

#[test]
fn procedures_are_named_at_the_addresses_llvm_pdbutil_reads_with_their_extents() {
    let exe = built();
    let m = ModuleSymbols::load(exe, IMAGE_BASE).expect("the image loads");
    assert!(m.has_pdb(), "the PDB beside it is taken: {:?}", m.pdb_problem());
    assert_eq!(m.debug_file(), Some(exe.with_extension("pdb").as_path()));
    let procedures = oracle_procedures(&exe.with_extension("pdb"));
    let names: Vec<&str> = procedures.iter().map(|(n, _)| n.as_str()).collect();
    assert!(["add", "twice", "start"].iter().all(|n| names.contains(n)), "{procedures:?}");
    for (name, address) in &procedures {
        assert_eq!(m.lookup(name), vec![*address], "{name}");
        let symbol = m.symbol_at(address + 1).expect("a symbol inside it");
        assert_eq!(&symbol.name, name);
        assert!(symbol.size > 1, "a procedure's extent: {symbol:?}");
        assert_eq!(m.function_extent(address + 1), Some((*address, address + symbol.size)));
    }
    // Data, and wildcards over every kind.
    assert_eq!(m.lookup("counter").len(), 1);
    let matched: Vec<String> = m.matching("*a*").into_iter().map(|s| s.name).collect();
    assert!(matched.contains(&"add".to_string()) && matched.contains(&"start".to_string()), "{matched:?}");
    // The import is named as the import library's public symbol calls it.
    assert_eq!(m.lookup("ExitProcess").len(), 1, "{:?}", m.symbols());
}

#[test]
fn lines_both_ways_agree_with_llvm_pdbutil() {
    let exe = built();
    let m = ModuleSymbols::load(exe, IMAGE_BASE).expect("the image loads");
    let rows = oracle_lines(&exe.with_extension("pdb"));
    assert!(rows.len() >= 10, "{rows:?}");
    for &(line, address) in &rows {
        let at = m.source_line(address).unwrap_or_else(|| panic!("no line at {address:#x}"));
        assert_eq!(at.line, line, "{address:#x}");
        assert!(at.file.ends_with("wpdb.c"), "{:?}", at.file);
        assert_eq!(m.statement_at(address).map(|s| s.line), Some(line), "a statement starts at {address:#x}");
        assert_eq!(m.line_addresses("wpdb.c", line), vec![address], "line {line}");
        // Within the row's code the line holds, without a statement starting there.
        assert_eq!(m.source_line(address + 1).map(|s| s.line), Some(line));
        assert_eq!(m.statement_at(address + 1), None);
    }
    assert!(m.has_source_file("wpdb.c"));
    assert!(!m.has_source_file("other.c"));
    // The marked lines are where the PDB says they are.
    let body = marker_line("add_body");
    let add = m.lookup("add")[0];
    assert!(rows.contains(&(body, m.line_addresses("wpdb.c", body)[0])));
    assert!(m.line_addresses("wpdb.c", body)[0] > add, "after the prologue's own line");
    // Past a procedure's end, no line.
    let (_, end) = m.function_extent(add).expect("add's extent");
    if m.symbol_at(end).is_none_or(|s| s.address != end) {
        assert_eq!(m.source_line(end), None);
    }
}

#[test]
fn a_pdb_of_another_build_is_refused_with_its_reason_and_the_image_keeps_its_other_symbols() {
    let dir = out_dir().join("mismatch");
    fs::create_dir_all(&dir).expect("a scratch directory");
    let exe = build(&dir, "wpdb", "UNUSED");
    // Another build's PDB (other code: another GUID) where this image's should be.
    let other = build(&dir, "other", "OTHER_BUILD=1");
    fs::copy(other.with_extension("pdb"), exe.with_extension("pdb")).expect("copy the PDB");
    let m = ModuleSymbols::load(&exe, IMAGE_BASE).expect("the image still loads");
    assert!(!m.has_pdb());
    let why = m.pdb_problem().expect("a reason");
    assert!(why.contains("wpdb.pdb") && why.contains("mismatched PDB"), "{why}");
    assert!(m.lookup("add").is_empty() && m.source_line(IMAGE_BASE + 0x1000).is_none());

    // Without any PDB: found nowhere, said once.
    fs::remove_file(exe.with_extension("pdb")).expect("remove the PDB");
    let m = ModuleSymbols::load(&exe, IMAGE_BASE).expect("the image still loads");
    assert!(m.pdb_problem().is_some_and(|w| w.contains("wpdb.pdb not found")), "{:?}", m.pdb_problem());

    // Along the symbol path, the right one is found.
    let store = dir.join("store");
    fs::create_dir_all(&store).expect("a symbol directory");
    let right = built().with_extension("pdb");
    let exe_copy = dir.join("right.exe");
    fs::copy(built(), &exe_copy).expect("copy the image");
    fs::copy(&right, store.join("wpdb.pdb")).expect("copy the PDB");
    let m = ModuleSymbols::load_searching(&exe_copy, IMAGE_BASE, std::slice::from_ref(&store)).expect("loads");
    assert!(m.has_pdb(), "{:?}", m.pdb_problem());
    assert_eq!(m.debug_file(), Some(store.join("wpdb.pdb").as_path()));
}

#[test]
fn a_damaged_pdb_is_never_a_panic() {
    let exe = built();
    let good = fs::read(exe.with_extension("pdb")).expect("the PDB");
    let dir = out_dir().join("damaged");
    fs::create_dir_all(&dir).expect("a scratch directory");
    let copy = dir.join("wpdb.exe");
    fs::copy(exe, &copy).expect("copy the image");
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for round in 0..200 {
        let mut bytes = good.clone();
        match round % 3 {
            // Truncated anywhere.
            0 => bytes.truncate((next() % good.len() as u64) as usize),
            // A few bytes anywhere changed.
            1 => {
                for _ in 0..8 {
                    let i = (next() % bytes.len() as u64) as usize;
                    bytes[i] = next() as u8;
                }
            }
            // A run of bytes in the streams (past the superblock and directory) overwritten.
            _ => {
                let i = 4096 + (next() % (bytes.len() as u64 - 4096)) as usize;
                let end = (i + 64).min(bytes.len());
                bytes[i..end].fill(next() as u8);
            }
        }
        // A new file each round: the file cache keeps one version per (path, size, time).
        let pdb = dir.join(format!("r{round}.pdb"));
        fs::write(&pdb, &bytes).expect("write the damaged PDB");
        let image = dir.join(format!("r{round}.exe"));
        fs::copy(&copy, &image).expect("copy the image");
        fs::rename(&pdb, image.with_extension("pdb")).ok();
        // The image records `wpdb.pdb`; the image's own name finds `r<n>.pdb`.
        let Ok(m) = ModuleSymbols::load(&image, IMAGE_BASE) else { continue };
        let _ = (m.lookup("add"), m.matching("*"), m.source_line(IMAGE_BASE + 0x1010), m.line_addresses("wpdb.c", 12));
        let _ = fs::remove_file(&image);
        let _ = fs::remove_file(image.with_extension("pdb"));
    }
}

#[test]
fn a_mingw_image_answers_from_its_pdb_for_its_own_code_and_from_dwarf_for_the_runtime() {
    let dir = out_dir().join("mingw");
    fs::create_dir_all(&dir).expect("a scratch directory");
    let exe = dir.join("wpdbmingw.exe");
    let src = source().with_file_name("wpdbmingw.c");
    let out = Command::new("clang-14")
        .args(["--target=x86_64-w64-mingw32", "-gcodeview", "-g", "-O0", "-fuse-ld=lld-14"])
        .arg("-L/usr/lib/gcc/x86_64-w64-mingw32/12-win32")
        .arg(format!("-Wl,--pdb={}", exe.with_extension("pdb").display()))
        .arg(&src)
        .arg("-o")
        .arg(&exe)
        .output()
        .expect("clang-14");
    assert!(out.status.success(), "building wpdbmingw failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let m = ModuleSymbols::load(&exe, IMAGE_BASE).expect("the image loads");
    assert!(m.has_pdb() && m.has_dwarf(), "{:?}", m.pdb_problem());
    let procedures = oracle_procedures(&exe.with_extension("pdb"));
    let add = procedures.iter().find(|(n, _)| n == "add").expect("add in the PDB").1;
    assert_eq!(m.lookup("add"), vec![add]);
    assert!(m.source_line(add).is_some_and(|l| l.file.ends_with("wpdbmingw.c")));
    // mingw's entry point is the runtime's, described by its DWARF only.
    let entry = m.lookup("mainCRTStartup")[0];
    assert!(m.source_line(entry + 4).is_some_and(|l| l.file.ends_with("crtexe.c")), "{:?}", m.source_line(entry));
    assert!(m.has_source_file("wpdbmingw.c") && m.has_source_file("crtexe.c"));
}
