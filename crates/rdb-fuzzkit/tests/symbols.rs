//! rdb's symbol layer (ELF, PE, DWARF, CFI, `.pdata`) on mutated copies of the suite's debuggees, as the `symbols`
//! fuzz target loads and questions its inputs, from a fixed seed: bits flipped anywhere and inside sections,
//! files cut short, header fields broken. No load or question may panic.
//!
//! Every copy stays in memory until the test process ends (see `rdb_fuzzkit::symbols`), and a large file's DWARF
//! takes long to read: the counts keep the memory to a few tens of megabytes and the time to a few seconds, the
//! large files (the Rust program's standard library, mingw's C runtime) getting the fewest copies. The fuzz target
//! runs the same loads and questions without end, on small seeds.

use std::path::{Path, PathBuf};
use std::process::Command;

use rdb_fuzzkit::mutate::mutate;
use rdb_fuzzkit::rng::Rng;
use rdb_fuzzkit::symbols::{self, BASE};
use rdb_testkit::prelude::*;

/// `hello` built as the suite builds it, with its debug sections compressed (`SHF_COMPRESSED`, zlib).
fn compressed_hello() -> PathBuf {
    let src = debuggee_sources().join("hello.c");
    built_once("hello-gz", || {
        compile_once(&src, &debuggee_out_dir().join("hello-gz"), |out| {
            let mut gcc = Command::new("gcc");
            gcc.args(["-g", "-gz=zlib", "-O0", "-fno-omit-frame-pointer", "-o"]).arg(out).arg(&src);
            gcc
        })
    })
}

/// Load `count` mutated copies of `file` and question them: none may panic, and a fifth at least still load (the
/// mutations reach past the headers).
fn survives_mutations(file: &Path, count: usize, seed: u64) {
    let original = std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let mut rng = Rng::new(seed);
    let mut loaded = 0;
    for i in 0..count {
        let copy = mutate(&original, &mut rng);
        let outcome = std::panic::catch_unwind(|| symbols::load(&copy).map(|module| symbols::query(&module, &copy)));
        match outcome {
            Ok(result) => loaded += usize::from(result.is_ok()),
            Err(panic) => {
                // Keep the copy that panicked: replay it (`scripts/fuzz.sh symbols <file>`), and keep it in
                // tests/reproducers/symbols with its fix.
                let name = file.file_name().unwrap_or_default().to_string_lossy();
                let kept = debuggee_out_dir().join(format!("symbols-panic-{name}-{i}"));
                std::fs::write(&kept, &copy).unwrap();
                eprintln!("copy {i} of {} panicked; kept as {}", file.display(), kept.display());
                std::panic::resume_unwind(panic);
            }
        }
    }
    assert!(loaded >= count / 5, "{loaded} of {count} mutated copies of {} loaded", file.display());
}

/// The file loads whole and answers as its source says: `add` has an address, and (with DWARF) a line in `file`.
fn answers(file: &Path, add: &str, source: Option<&str>) {
    let bytes = std::fs::read(file).unwrap();
    let module = symbols::load(&bytes).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let address = *module.lookup(add).first().unwrap_or_else(|| panic!("no {add} in {}", file.display()));
    assert!(module.contains(address) && address >= BASE, "{add} at {address:#x}");
    if let Some(source) = source {
        let line = module.source_line(address).unwrap_or_else(|| panic!("no line for {add} in {}", file.display()));
        assert!(line.file.ends_with(source), "{add} is in {}", line.file.display());
    }
    symbols::query(&module, &bytes);
}

/// `file` answers as its source says, and survives `copies` mutations (from `seed`).
fn check(file: PathBuf, add: &str, source: Option<&str>, copies: usize, seed: u64) {
    answers(&file, add, source);
    survives_mutations(&file, copies, seed);
}

#[test]
fn elf_from_gcc_with_dwarf() {
    check(debuggee("hello"), "add", Some("hello.c"), 1200, 0x5eed_0003);
}

#[test]
fn elf_with_compressed_dwarf() {
    check(compressed_hello(), "add", Some("hello.c"), 400, 0x5eed_0004);
}

#[test]
fn elf_from_gxx_with_mangled_names() {
    check(debuggee("cxx"), "Dog::speak", Some("cxx.cc"), 400, 0x5eed_0005);
}

#[test]
fn elf_with_variables_of_every_c_kind() {
    check(debuggee("vars"), "walk", Some("vars.c"), 300, 0x5eed_0009);
}

#[test]
fn elf_with_optimised_locations() {
    check(debuggee("optvars"), "mix", Some("optvars.c"), 200, 0x5eed_000a);
}

#[test]
fn elf_with_cxx_classes_and_namespaces() {
    check(debuggee("cxxvars"), "geo::Shape::area", Some("cxxvars.cc"), 100, 0x5eed_000b);
}

#[test]
fn elf_from_rustc() {
    check(debuggee("rust_demo"), "rust_demo::add", Some("rust_demo.rs"), 3, 0x5eed_0006);
}

#[test]
fn pe_from_mingw_with_dwarf() {
    check(windows_debuggee("hello"), "add", Some("hello.c"), 60, 0x5eed_0007);
}

#[test]
fn pe_dll_exports() {
    check(windows_debuggee("wplugin"), "plugin_answer", None, 150, 0x5eed_0008);
}

/// `wpdb` (clang and lld-link, its symbols and lines in a PDB) loads with its PDB and answers from it, and survives
/// mutations of the PDB (the image kept whole, so the PDB is found and read each time), and of the pair as the fuzz
/// target takes it.
#[test]
fn pe_with_its_pdb() {
    let exe = windows_debuggee("wpdb");
    let image = std::fs::read(&exe).unwrap();
    let pdb = std::fs::read(exe.with_extension("pdb")).unwrap();
    let module = symbols::load_with_pdb(&image, &pdb).unwrap();
    assert!(module.has_pdb(), "{:?}", module.pdb_problem());
    let add = *module.lookup("add").first().expect("add, from the PDB");
    let line = module.source_line(add).expect("add's line, from the PDB");
    assert!(line.file.ends_with("wpdb.c"), "{}", line.file.display());

    let mut pair = symbols::PDB_PAIR_TAG.to_vec();
    pair.extend_from_slice(&(image.len() as u32).to_le_bytes());
    pair.extend_from_slice(&image);
    pair.extend_from_slice(&pdb);
    assert_eq!(symbols::split_pdb_pair(&pair), Some((&image[..], &pdb[..])));
    symbols::run(&pair);

    let mut rng = Rng::new(0x5eed_000c);
    let mut read = 0;
    for i in 0..400 {
        let damaged = mutate(&pdb, &mut rng);
        let outcome = std::panic::catch_unwind(|| {
            symbols::load_with_pdb(&image, &damaged).map(|module| {
                symbols::query(&module, &damaged);
                module.has_pdb()
            })
        });
        match outcome {
            Ok(result) => read += usize::from(result.unwrap_or(false)),
            Err(panic) => {
                let kept = debuggee_out_dir().join(format!("symbols-panic-wpdb.pdb-{i}"));
                std::fs::write(&kept, &damaged).unwrap();
                eprintln!("damaged PDB {i} panicked; kept as {}", kept.display());
                std::panic::resume_unwind(panic);
            }
        }
    }
    assert!(read >= 40, "{read} of 400 damaged PDBs still read");
}
