//! `r`: show or change registers.

use crate::report;
use rdb_engine::{Error, Result};
use rdb_engine::{regs, session};

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
    let items: Vec<(&str, Option<&str>)> = args
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|item| match item.split_once('=') {
            Some((n, v)) => (n.trim().trim_start_matches('@'), Some(v.trim())),
            None => (item.trim_start_matches('@'), None),
        })
        .collect();
    // Every name is checked before any register is shown or set, and what is shown waits for the command to end
    // well: a command that fails answers with its error alone.
    if let Some((name, _)) = items.iter().find(|(n, v)| {
        !(n.starts_with('$') && v.is_none()) && regs::width(n).is_none() && session::user_register(n).is_none()
    }) {
        return Err(Error::msg(format!("Bad register error at '{name}'")));
    }
    let mut shown = Vec::new();
    for (name, value) in items {
        if name.starts_with('$') && value.is_none() {
            // A pseudo-register (`$ip`, `$exentry`, `$ra`): shown, not set.
            let v = cx.eval(&format!("@{name}"))?;
            shown.push(format!("{}={v:016x}", name.to_ascii_lowercase()));
            continue;
        }
        let bits = regs::width(name).unwrap_or(64);
        match value {
            Some(expr) => {
                let v = cx.eval(expr)?;
                cx.session().set_register(tid, name, v)?;
            }
            None => {
                let v = cx.session().register(tid, name)?;
                let digits = (bits as usize).div_ceil(4);
                shown.push(format!("{}={v:0digits$x}", name.to_ascii_lowercase()));
            }
        }
    }
    for line in shown {
        cx.out(line);
    }
    Ok(Flow::Next)
}
