//! Fuzz target `gdb_packets`: gdb remote-protocol traffic made from the input, served by rdb's gdb server over the
//! in-memory process (`rdb_fuzzkit::gdb`): the first byte chooses framed packets (one body per line, checksums
//! right) or raw bytes.
//!
//! Besides any panic, a session that does not end once the client has closed is a crash.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    rdb_fuzzkit::gdb::run(data);
});
