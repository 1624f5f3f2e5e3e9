//! Fuzz target `expressions`: the MASM expression evaluator (`rdb_engine::expr`: evaluate, check, compile,
//! parse_prefix) over a context made from the input: its text up to the first NUL, then the bytes that make the
//! registers, the memory and the symbols' values (`rdb_fuzzkit::expressions`).
//!
//! Besides any panic, readings that disagree are a crash: check and compile accepting differently, check refusing
//! what evaluates or accepting what fails for no value, compiled code computing another value, parse_prefix taking
//! a prefix that evaluates otherwise.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    rdb_fuzzkit::expressions::run(data);
});
