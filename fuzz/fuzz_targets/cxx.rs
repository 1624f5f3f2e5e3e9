//! Fuzz target `cxx`: WinDbg's C++ evaluator (`rdb_engine::values::cxx`: parse, evaluate, and the lowering of a
//! condition to MASM for a breakpoint site) over a program made from the input: its text up to the first NUL, then
//! the bytes of the machine (rdi, the frame's memory) (`rdb_fuzzkit::cxx`).
//!
//! Besides any panic, a lowered condition whose MASM answers otherwise than the C++ evaluator is a crash.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    rdb_fuzzkit::cxx::run(data);
});
