//! The one place that decides how numbers and addresses look, for the console and every later front end.
//! 64-bit values print as WinDbg prints them: `00007ff6`12340000`.

/// A 64-bit value as WinDbg shows an address: 16 hex digits with a backtick between the halves.
pub fn addr64(value: u64) -> String {
    format!("{:08x}`{:08x}", value >> 32, value & 0xffff_ffff)
}

/// A 64-bit value as 16 plain hex digits (register dumps).
pub fn hex64(value: u64) -> String {
    format!("{value:016x}")
}
