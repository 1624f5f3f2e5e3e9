//! Every input a fuzz target or a property test crashed on, once its defect was fixed, run again through the same
//! harness (`reproducers/<target>/`). A new crash's input goes there with its fix (a target without one yet has no
//! test here); the test names the file that fails.

use std::path::{Path, PathBuf};

fn inputs(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reproducers").join(target);
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(&dir).map(|entries| entries.map(|e| e.unwrap().path()).collect()).unwrap_or_default();
    files.sort();
    files
}

fn replay(target: &str, run: fn(&[u8])) -> usize {
    let files = inputs(target);
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        if std::panic::catch_unwind(|| run(&bytes)).is_err() {
            panic!("{} crashes again", file.display());
        }
    }
    files.len()
}

#[test]
fn commands() {
    assert!(replay("commands", |b| drop(rdb_fuzzkit::commands::run_bytes(b))) > 0);
}

#[test]
fn symbols() {
    assert!(replay("symbols", rdb_fuzzkit::symbols::run) > 0);
}

#[test]
fn expressions() {
    assert!(replay("expressions", rdb_fuzzkit::expressions::run) > 0);
}
