//! `!peb` and `!teb`: the Windows process and thread environment blocks, as WinDbg's extensions show them.

use crate::report;
use rdb_engine::{Error, Result};

use super::Cx;
use super::Flow;

/// The optional address argument of both commands, after checking the target has the blocks at all (so on
/// Linux every form of the command gives the same one line).
fn address(cx: &mut Cx, command: &str, args: &str) -> Result<Option<u64>> {
    if !cx.session().has_environment_blocks() {
        return Err(Error::msg(format!("{command} is only available on Windows targets")));
    }
    match args.trim() {
        "" => Ok(None),
        text => cx.eval(text).map(Some),
    }
}

/// `!peb [address]`.
pub fn peb(cx: &mut Cx, args: &str) -> Result<Flow> {
    let address = address(cx, "!peb", args)?;
    for line in report::peb_lines(&cx.session().peb(address)?) {
        cx.out(line);
    }
    Ok(Flow::Next)
}

/// `!teb [address]`: the current thread's TEB without an address.
pub fn teb(cx: &mut Cx, args: &str) -> Result<Flow> {
    let address = address(cx, "!teb", args)?;
    let tid = cx.tid();
    for line in report::teb_lines(&cx.session().teb(address, tid)?) {
        cx.out(line);
    }
    Ok(Flow::Next)
}
