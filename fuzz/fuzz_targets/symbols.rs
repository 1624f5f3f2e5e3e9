//! Fuzz target `symbols`: ELF, PE, DWARF and CFI through rdb's own symbol layer. The input is a module file, loaded
//! as a debuggee's module is (`ModuleSymbols::load`) and asked every question the engine asks of one: symbols by
//! address and by name, wildcards, source lines both ways, function extents, IFUNC slots, and stack unwinding
//! with its CFI and `.pdata` over a memory made from the input (`rdb_fuzzkit::symbols`). An input that starts with
//! `rdb_fuzzkit::symbols::PDB_PAIR_TAG` is a PE image and its PDB, loaded together (no seed has that shape: a PDB is
//! 70 kB at least, past the target's `-max_len`; `crates/rdb-fuzzkit/tests/symbols.rs` mutates one instead).
//!
//! Memory: the symbol layer keeps every version of every module file it reads, and every section it decompresses,
//! for the life of the process (`rdb_engine::symbols::source`: rdb maps each module once and its tables hold
//! `&'static [u8]`), so each input run here stays in memory until the process ends. That design is kept; the leak
//! is bounded by ending the process: `scripts/fuzz.sh symbols` runs this target as a series of libFuzzer processes
//! of `RECYCLE_RUNS` inputs each (30,000 by default), each starting from the corpus the last one left, so a process
//! keeps at most 30,000 inputs of at most `-max_len` bytes (the largest seed's size, 20 kB, by default), and the
//! compressed sections among them decompressed, on top of the corpus it loads. (libFuzzer's fork mode ends its
//! children by time, not by count, and its children run longer the longer it runs: up to 300 s, some 600,000
//! inputs, here.) The README's "Fuzzing" section gives the memory measured over an hour.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    rdb_fuzzkit::symbols::run(data);
});
