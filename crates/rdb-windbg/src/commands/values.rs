//! Source-level values: `dv` (the current frame's parameters and locals) and `.frame` (which frame is current).
//! The engine finds, locates and reads the variables ([`Session::variables`]); this file only chooses and prints.
//!
//! [`Session::variables`]: rdb_engine::session::Session::variables

use rdb_engine::fmt::addr64;
use rdb_engine::wildcard;
use rdb_engine::{Error, Result};

use super::{Cx, Flow};
use crate::report;

/// `dv [/t] [/v] [/i] [pattern]`: the variables in scope in the current frame, or those whose names match the
/// wildcard `pattern`.
pub fn dv(cx: &mut Cx, args: &str) -> Result<Flow> {
    let (mut types, mut locations, mut kinds) = (false, false, false);
    let mut pattern = None;
    for word in args.split_whitespace() {
        match word.to_ascii_lowercase().as_str() {
            "/t" => types = true,
            "/v" => locations = true,
            "/i" => kinds = true,
            "/tv" | "/vt" => (types, locations) = (true, true),
            flag if flag.starts_with('/') => return Err(Error::msg(format!("dv: unknown option '{word}'"))),
            _ if pattern.is_none() => pattern = Some(word.to_string()),
            _ => return Err(Error::msg(format!("dv: one pattern only, not '{word}'"))),
        }
    }
    let (tid, frame) = (cx.tid(), cx.console.frame(cx.dbg));
    let found = cx.session().variables(tid, frame)?;
    let shown: Vec<_> =
        found.variables.iter().filter(|v| pattern.as_deref().is_none_or(|p| wildcard::matches(p, &v.name))).collect();
    for (variable, line) in shown.iter().zip(report::dv_lines(&shown, types, locations)) {
        if kinds {
            let kind = match variable.kind {
                rdb_engine::values::VariableKind::Parameter => "prv param ",
                rdb_engine::values::VariableKind::Local => "prv local ",
            };
            cx.out(format!("{kind} {line}"));
        } else {
            cx.out(line);
        }
    }
    Ok(Flow::Next)
}

/// `.frame [/r] [N]`: show the current frame, or make frame `N` (hex, as `kn` numbers them) current; `/r` adds the
/// frame's registers as the unwinder recovered them.
pub fn frame(cx: &mut Cx, args: &str) -> Result<Flow> {
    let mut args = args.trim();
    let registers = match args.strip_prefix("/r") {
        Some(rest) => {
            args = rest.trim();
            true
        }
        None => false,
    };
    let tid = cx.tid();
    let index = match args {
        "" => cx.console.frame(cx.dbg),
        n => usize::try_from(cx.eval(n)?).map_err(|_| Error::msg(format!("frame {n} does not exist")))?,
    };
    let frames = cx.session().frames(tid, index.saturating_add(1))?;
    let Some(frame) = frames.get(index) else {
        return Err(Error::msg(format!("frame {index:#x} does not exist: the stack has {} frames", frames.len())));
    };
    cx.console.choose_frame(cx.dbg, index);
    let line = format!(
        "{:02x} {} {}     {}",
        frame.index,
        addr64(frame.sp),
        addr64(frame.return_address.unwrap_or(0)),
        report::call_site(frame)
    );
    cx.out(line);
    if registers {
        for line in report::register_dump(&frame.registers) {
            cx.out(line);
        }
    }
    Ok(Flow::Next)
}
