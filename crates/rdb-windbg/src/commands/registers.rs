//! `r`: show or change registers.

use crate::report;
use rdb_engine::regs;
use rdb_engine::{Error, Result};

use super::Cx;
use super::Flow;

/// `r` (all), `r rax` (one), `r rax, rbx`, `r rax=<expr>`, `r eax=1, ebx=2`.
pub fn r(cx: &mut Cx, args: &str) -> Result<Flow> {
    let tid = cx.tid();
    let args = args.trim();
    if args.is_empty() {
        let regs = cx.session().registers(tid)?;
        for line in report::register_dump(&regs) {
            cx.out(line);
        }
        for line in report::location_lines(cx.session(), regs.rip) {
            cx.out(line);
        }
        return Ok(Flow::Next);
    }
    for item in args.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (name, value) = match item.split_once('=') {
            Some((n, v)) => (n.trim(), Some(v.trim())),
            None => (item, None),
        };
        let name = name.trim_start_matches('@');
        if name.starts_with('$') && value.is_none() {
            // A pseudo-register (`$ip`, `$exentry`, `$ra`): shown, not set.
            let v = cx.eval(&format!("@{name}"))?;
            cx.out(format!("{}={v:016x}", name.to_ascii_lowercase()));
            continue;
        }
        let Some(bits) = regs::width(name) else {
            return Err(Error::msg(format!("Bad register error at '{name}'")));
        };
        match value {
            Some(expr) => {
                let v = cx.eval(expr)?;
                cx.session().set_register(tid, name, v)?;
            }
            None => {
                let v = cx.session().register(tid, name)?;
                let digits = (bits as usize).div_ceil(4);
                cx.out(format!("{}={v:0digits$x}", name.to_ascii_lowercase()));
            }
        }
    }
    Ok(Flow::Next)
}
