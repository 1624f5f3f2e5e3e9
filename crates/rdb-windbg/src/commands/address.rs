//! `!address`: the debuggee's address space, or the one region an address is in.

use crate::report;
use rdb_engine::Result;

use super::{Cx, Flow};

/// `!address [address]`.
pub fn address(cx: &mut Cx, args: &str) -> Result<Flow> {
    let lines = match args.trim() {
        "" => report::address_map_lines(&cx.session().address_map()?),
        text => {
            let at = cx.eval(text)?;
            report::address_region_lines(&cx.session().address_region(at)?)
        }
    };
    for line in lines {
        cx.out(line);
    }
    Ok(Flow::Next)
}
