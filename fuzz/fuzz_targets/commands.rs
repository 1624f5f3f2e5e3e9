//! Fuzz target `commands`: WinDbg's command language, as the console runs it, against the in-memory process of
//! `rdb_fuzzkit::process` (a snapshot of `hello` stopped in `add`: memory, two threads, one module), so every
//! reading command (`db`, `u`, `uf`, `k`, `r`, `?`, `s`, `x`, `ln`, `lm`, `~`, `bl`, `.if`, `j`, `.echo`...) runs
//! for real and every command that would run or change the process takes its error path.
//!
//! The input is a line of commands, its bytes read as the console reads a pipe (invalid UTF-8 replaced). Besides
//! any panic, a failing command that answers in more than one line is a crash (`rdb_fuzzkit::commands`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    rdb_fuzzkit::commands::run_bytes(data);
});
