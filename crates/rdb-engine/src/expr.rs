//! WinDbg's MASM expressions: numbers in the current radix (16; `0n` decimal, `0x` hex, `0y` binary, backticks
//! ignored), registers (`@rax`, or bare where the name is no number), pseudo-registers (`$ip`), symbols
//! (`module!symbol`, `symbol`), `poi`/`by`/`wo`/`dwo`/`qwo`/`hi`/`low`, arithmetic, bitwise, shifts, comparisons
//! and `and`/`or`/`not`.

use crate::error::Result;

/// What an expression may look at.
pub trait ExprContext {
    /// A register or pseudo-register by name, without `@` (`rax`, `eax`, `$ip`, `$exentry`). `None` if unknown.
    fn register(&mut self, name: &str) -> Option<u64>;
    /// A symbol (`module!name`, `name`, or a module name alone for its base). `Ok(None)` if unknown.
    fn symbol(&mut self, name: &str) -> Result<Option<u64>>;
    /// Read a `size`-byte little-endian value (1, 2, 4 or 8).
    fn read_memory(&mut self, address: u64, size: usize) -> Result<u64>;
}

/// Evaluate `text` to a 64-bit value.
pub fn evaluate(text: &str, ctx: &mut dyn ExprContext) -> Result<u64> {
    let _ = (text, ctx);
    todo!("expr helper")
}
