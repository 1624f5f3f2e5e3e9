//! The value model on corrupted memory: a core of a program stopped among its containers (written by rdb's
//! `.dump /core`), its variables' words and what they point to set to lengths of 2^60, all ones, zero, pointers to
//! themselves and to each other, from a fixed seed; then every variable asked for with `dv`, `dx -r3`, `??` and an
//! element. Nothing may panic or read for ever, and every failing command answers in one line.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rdb_fuzzkit::dumps;
use rdb_fuzzkit::rng::Rng;
use rdb_fuzzkit::values::{corrupt, targets};
use rdb_testkit::prelude::*;

/// A core of `program` stopped at `marker` of `source`.
fn core_at(program: &Path, source: &str, marker: &str, name: &str) -> PathBuf {
    let out = debuggee_out_dir().join(name);
    let _ = std::fs::remove_file(&out);
    let run = rdb(
        &[s(program)],
        &format!("bp `{source}:{}`\ng\n.dump /core {}\nq\n", line_of(source, marker), out.display()),
    );
    assert!(out.exists(), "no core written:\n{}", run.dump());
    out
}

/// Each variable `dv /v` lists in the core: its name and address.
fn variables(core: &[u8]) -> Vec<(String, u64)> {
    let answers = dumps::run_asking(core, "dv /v").expect("the core opens");
    answers
        .iter()
        .filter_map(|line| {
            let (place, rest) = line.trim_start().split_once(char::is_whitespace)?;
            let address = u64::from_str_radix(&place.replace('`', ""), 16).ok()?;
            let name = rest.split_once(" = ")?.0.split_whitespace().last()?.to_string();
            Some((name, address))
        })
        .collect()
}

/// Ask every variable of `count` corrupted copies of `core`, each copy in bounded time.
fn survives_corruption(core: &Path, count: usize, seed: u64) {
    let original = std::fs::read(core).unwrap();
    let found = variables(&original);
    assert!(found.len() >= 3, "too few variables in {}: {found:?}", core.display());
    let addresses: Vec<u64> = found.iter().map(|(_, a)| *a).collect();
    let words = targets(&original, &addresses);
    let questions: Vec<String> =
        found.iter().map(|(name, _)| format!("dx -r3 {name}; ?? {name}; dx {name}[3]")).collect();
    let questions = format!("dv; {}", questions.join("; "));
    let mut rng = Rng::new(seed);
    for i in 0..count {
        let copy = corrupt(&original, &words, &mut rng);
        let started = Instant::now();
        let answers = dumps::run_asking(&copy, &questions).expect("a corrupted core still opens");
        assert!(answers.len() > found.len(), "copy {i}: too few answers");
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "copy {i} of {} took {:?}",
            core.display(),
            started.elapsed()
        );
    }
}

#[test]
fn a_vector_and_a_string_on_corrupted_memory() {
    let core = core_at(&debuggee("cxxvars"), "cxxvars.cc", "call", "values-cxxvars.core");
    survives_corruption(&core, 60, 0x5eed_7a10);
}

#[test]
fn rust_enums_and_std_containers_on_corrupted_memory() {
    // Rust's enums (a bad discriminant), Vec, VecDeque, HashMap, BTreeMap, Rc and RefCell with lengths of 2^60,
    // masks of all ones and nodes pointing to themselves.
    let core = core_at(&debuggee("rust_values"), "rust_values.rs", "stop", "values-rust_values.core");
    survives_corruption(&core, 12, 0x5eed_4057);
}

#[test]
fn libstdcxx_containers_and_polymorphic_pointers_on_corrupted_memory() {
    // Maps, sets, lists, hash tables, a deque, smart pointers, a variant, and pointers whose vptr is corrupted.
    let core = core_at(&debuggee("cxx_std"), "cxx_std.cc", "show", "values-cxx_std.core");
    survives_corruption(&core, 30, 0x5eed_c0de);
}
