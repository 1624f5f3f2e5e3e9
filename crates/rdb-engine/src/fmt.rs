//! How the engine writes an address in its own text (error messages, notices, the operands of its disassembly):
//! as WinDbg does, `00007ff6`12340000`, so what the engine says reads the same as what a front end shows.

/// A 64-bit value as WinDbg shows an address: 16 hex digits with a backtick between the halves.
pub fn addr64(value: u64) -> String {
    format!("{:08x}`{:08x}", value >> 32, value & 0xffff_ffff)
}
