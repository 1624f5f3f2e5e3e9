//! rdb's dump readers on mutated copies of real dumps, as the `dumps` fuzz target opens and questions its inputs,
//! from a fixed seed: bits flipped anywhere, files cut short, header fields broken. No open and no command may
//! panic, and every command that fails answers in one line (`rdb_fuzzkit::commands::check_answer`).

use std::path::Path;

use rdb_fuzzkit::dumps;
use rdb_fuzzkit::mutate::mutate;
use rdb_fuzzkit::rng::Rng;
use rdb_testkit::prelude::*;

/// Open `count` mutated copies of `file` and question them: none may panic, and a fifth at least still open.
fn survives_mutations(file: &Path, count: usize, seed: u64) {
    let original = std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let mut rng = Rng::new(seed);
    let mut opened = 0;
    for i in 0..count {
        let copy = mutate(&original, &mut rng);
        match std::panic::catch_unwind(|| dumps::run(&copy)) {
            Ok(answers) => opened += usize::from(answers.is_some()),
            Err(panic) => {
                // Keep the copy that panicked: replay it (`scripts/fuzz.sh dumps <file>`), and keep it in
                // tests/reproducers/dumps with its fix.
                let name = file.file_name().unwrap_or_default().to_string_lossy();
                let kept = debuggee_out_dir().join(format!("dumps-panic-{name}-{i}"));
                std::fs::write(&kept, &copy).unwrap();
                eprintln!("copy {i} of {} panicked; kept as {}", file.display(), kept.display());
                std::panic::resume_unwind(panic);
            }
        }
    }
    assert!(opened >= count / 5, "{opened} of {count} mutated copies of {} opened", file.display());
}

/// The dump opens whole and its stack names `function`.
fn answers(file: &Path, function: &str) {
    let bytes = std::fs::read(file).unwrap();
    let text = dumps::run(&bytes).unwrap_or_else(|| panic!("{} does not open", file.display())).join("\n");
    assert!(text.contains(function), "no {function} in what {} answers:\n{text}", file.display());
}

#[test]
fn the_fuzz_seed_a_kernel_core_of_a_static_program() {
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/dumps/core-kernel-static-nostdlib");
    survives_mutations(&seed, 200, 0x5eed_d001);
}

#[test]
fn the_fuzz_seed_rdbs_own_small_minidump_of_a_static_program() {
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/dumps/minidump-rdb-small-static-nostdlib");
    survives_mutations(&seed, 300, 0x5eed_d003);
}

#[test]
fn a_kernel_core_of_a_crash() {
    let core = kernel_core(&debuggee("crash"), "fuzzkit-kernel-core");
    answers(&core, "crash_here");
    survives_mutations(&core, 40, 0x5eed_d002);
}
