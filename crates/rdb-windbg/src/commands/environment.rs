//! `!peb` and `!teb`: the Windows process and thread environment blocks, as WinDbg's extensions show them.

use crate::report;
use rdb_engine::{Error, Result};

use super::Flow;
use crate::console::{Console, out};

/// The optional address argument of both commands, after checking the target has the blocks at all (so on
/// Linux every form of the command gives the same one line).
fn address(console: &mut Console, command: &str, args: &str) -> Result<Option<u64>> {
    if !console.session.has_environment_blocks() {
        return Err(Error::msg(format!("{command} is only available on Windows targets")));
    }
    match args.trim() {
        "" => Ok(None),
        text => console.session.evaluate(text).map(Some),
    }
}

/// `!peb [address]`.
pub fn peb(console: &mut Console, args: &str) -> Result<Flow> {
    let address = address(console, "!peb", args)?;
    for line in report::peb_lines(&console.session.peb(address)?) {
        out(line);
    }
    Ok(Flow::Next)
}

/// `!teb [address]`: the current thread's TEB without an address.
pub fn teb(console: &mut Console, args: &str) -> Result<Flow> {
    let address = address(console, "!teb", args)?;
    for line in report::teb_lines(&console.session.teb(address)?) {
        out(line);
    }
    Ok(Flow::Next)
}
