//! What rdb's fuzz targets (the `fuzz/` package, outside the workspace) and its bounded property tests (`tests/`
//! here, run by `cargo test`) share, so an input means the same to both and a crash the fuzzer finds is replayed by
//! a test:
//!
//! - `process`: an in-memory process (a snapshot target: memory, two threads, one module) for the command language;
//! - `commands`: a line of commands run against it, checking that every failing command answers in one line;
//! - `expressions`: MASM expressions over a context made from the input, checked against each other (evaluate,
//!   check, compile, prefix);
//! - `cxx`: C++ expressions over a program made from the input, evaluated and, lowered to MASM for a breakpoint site,
//!   checked against each other;
//! - `dumps`: a dump file made from the input, opened as `rdb -z` opens one and asked what a user asks of a dump;
//! - `gdb`: gdb remote-protocol traffic made from the input, served by rdb's gdb server over the in-memory process;
//! - `symbols`: a module file made from the input, loaded through rdb's symbol layer, and every question asked of it;
//! - `values`: a core file whose variables' memory is corrupted as containers break (lengths of 2^60, cycles),
//!   for the value model's visualizers;
//! - `mutate` and `rng`: mutated copies of the suite's debuggees, from a fixed seed, for the property tests.
//!
//! Every entry point panics only when a property fails: a panic anywhere else is a defect of rdb.

pub mod commands;
pub mod cxx;
pub mod dumps;
pub mod expressions;
#[cfg(unix)]
pub mod gdb;
pub mod mutate;
pub mod process;
pub mod rng;
pub mod symbols;
pub mod values;
