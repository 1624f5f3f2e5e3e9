//! rdb as a gdb remote-protocol server: gdb (`target remote`, `target extended-remote`) and lldb (`gdb-remote`)
//! drive rdb's engine over a socket. The protocol's framing and packets are `gdbstub`'s; this crate only
//! translates its requests into `Session` calls and the engine's data into the protocol's shapes.

pub mod agent;
