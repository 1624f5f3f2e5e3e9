//! Fuzz target `symbols`: ELF, PE, DWARF and CFI through rdb's own symbol layer. The input is a module file, loaded
//! as a debuggee's module is (`ModuleSymbols::load`) and asked every question the engine asks of one: symbols by
//! address and by name, wildcards, source lines both ways, function extents, IFUNC slots, and stack unwinding
//! with its CFI and `.pdata` over a memory made from the input (`rdb_fuzzkit::symbols`).
//!
//! Memory: the symbol layer keeps every version of every module file it reads, and every section it decompresses,
//! for the life of the process (`rdb_engine::symbols::source`: rdb maps each module once and its tables hold
//! `&'static [u8]`), so each input run here stays in memory. That design is kept; the leak is bounded by running
//! this target in libFuzzer's fork mode (`scripts/fuzz.sh symbols` passes `-fork=1`): each child process fuzzes
//! for at most 300 seconds and exits, taking what it kept with it, while the parent merges the corpus and keeps
//! nothing of the inputs. The README's "Fuzzing" section gives the memory measured over a long run.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    rdb_fuzzkit::symbols::run(data);
});
