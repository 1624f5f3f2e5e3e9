//! Fuzz target `dumps`: ELF core files and minidumps through rdb's readers (`rdb_dumps`), opened as `rdb -z` opens
//! them and asked what a user asks of a dump (`rdb_fuzzkit::dumps`). The seeds are made by `scripts/fuzz.sh dumps`
//! from real producers (the kernel's core of a crashing program, gdb's gcore, rdb's own minidump), cut to the
//! headers, notes and streams that matter.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = rdb_fuzzkit::dumps::run(data);
});
