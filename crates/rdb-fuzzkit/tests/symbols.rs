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

/// Load `count` mutated copies of `file`; how many of them still loaded.
fn mutated_copies(file: &Path, count: usize, seed: u64) -> usize {
    let original = std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let mut rng = Rng::new(seed);
    let mut loaded = 0;
    for i in 0..count {
        let copy = mutate(&original, &mut rng);
        let outcome = std::panic::catch_unwind(|| symbols::load(&copy).map(|module| symbols::query(&module, &copy)));
        match outcome {
            Ok(result) => loaded += usize::from(result.is_ok()),
            Err(panic) => {
                // Keep the copy that panicked, to replay it (`scripts/fuzz.sh symbols <file>`) and keep it.
                let name = file.file_name().unwrap_or_default().to_string_lossy();
                let kept = debuggee_out_dir().join(format!("symbols-panic-{name}-{i}"));
                std::fs::write(&kept, &copy).unwrap();
                eprintln!("copy {i} of {} panicked; kept as {}", file.display(), kept.display());
                std::panic::resume_unwind(panic);
            }
        }
    }
    loaded
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

#[test]
fn elf_from_gcc_with_dwarf() {
    let file = debuggee("hello");
    answers(&file, "add", Some("hello.c"));
    assert!(mutated_copies(&file, 1200, 0x5eed_0003) > 240);
}

#[test]
fn elf_with_compressed_dwarf() {
    let file = compressed_hello();
    answers(&file, "add", Some("hello.c"));
    assert!(mutated_copies(&file, 400, 0x5eed_0004) > 80);
}

#[test]
fn elf_from_gxx_with_mangled_names() {
    let file = debuggee("cxx");
    let bytes = std::fs::read(&file).unwrap();
    assert!(symbols::load(&bytes).unwrap().symbol_count() > 0);
    assert!(mutated_copies(&file, 400, 0x5eed_0005) > 80);
}

#[test]
fn elf_from_rustc() {
    let file = debuggee("rust_demo");
    answers(&file, "rust_demo::add", Some("rust_demo.rs"));
    assert!(mutated_copies(&file, 3, 0x5eed_0006) > 0);
}

#[test]
fn pe_from_mingw_with_dwarf() {
    let file = windows_debuggee("hello");
    answers(&file, "add", Some("hello.c"));
    assert!(mutated_copies(&file, 60, 0x5eed_0007) > 12);
}

#[test]
fn pe_dll_exports() {
    let file = windows_debuggee("wplugin");
    answers(&file, "plugin_answer", None);
    assert!(mutated_copies(&file, 150, 0x5eed_0008) > 30);
}
