//! A dump file made from the input, opened as `rdb -z` opens one (`rdb_dumps::open`, then the debugger's snapshot
//! session) and asked what a user asks of a dump: threads, registers, stacks, modules, the address space, the
//! exception, memory and code, each through the console so every command keeps the one-line rule for its errors.
//! A dump is outside input from another machine: no length, offset or count in it may make rdb panic or read for
//! ever.

use std::path::Path;

use crate::commands;

/// What is asked of every dump that opens (commands a dump cannot run are asked too: each must refuse in one line).
pub const QUESTIONS: &str = "~; r; k; kn 5; ~* k; lm; !address; .lastevent; .exr -1; !analyze -v; .ecxr; r; k; \
                             u @rip L4; db @rsp L40; dd @rip L4; dv; .frame 1; dv; !peb; !teb; g; t; bp @rip; eb @rsp 0";

/// Open `input` as a dump file; `None` if it is refused (which must be one clean error), else every line the
/// questions printed.
pub fn run(input: &[u8]) -> Option<Vec<String>> {
    run_asking(input, QUESTIONS)
}

/// Open `input` as [`run`] does and ask `questions` (commands separated by `;`).
pub fn run_asking(input: &[u8], questions: &str) -> Option<Vec<String>> {
    let target = rdb_dumps::open(Path::new("input.dmp"), Box::new(input.to_vec())).ok()?;
    Some(commands::run_on(target, questions))
}
