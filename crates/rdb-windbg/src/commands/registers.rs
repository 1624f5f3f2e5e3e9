//! `r`: show or change registers: the general ones and their parts, the flags by name (`zf`), `mxcsr`, the wide
//! ones (`xmm0`, `ymm0`, `st0`, with a lane format `r xmm0:uq`), and pseudo-registers (`$ip` shown, `$t0`–`$t19`
//! also set).

use crate::report::{self, Lanes};
use rdb_engine::regs;
use rdb_engine::wide_regs::{Wide, f64_to_x87};
use rdb_engine::{Error, Result};

use super::Cx;
use super::Flow;

/// What one item of `r`'s list names.
enum Name {
    /// A general, partial, flag, segment, debug register or `mxcsr`: a number of `bits`.
    Plain(u32),
    /// A wide register, shown (and written) in lanes.
    Wide(Wide, Lanes),
    /// A pseudo-register (`$ip`, `$t0`).
    Pseudo,
}

/// `name[:format]`, checked: a bad name or format is the error of the whole command.
fn name_of(item: &str) -> Result<Name> {
    let (name, format) = match item.split_once(':') {
        Some((n, f)) => (n, Some(f.trim())),
        None => (item, None),
    };
    let bad = || Error::msg(format!("Bad register error at '{item}'"));
    if let Some(wide) = Wide::parse(name) {
        let lanes = match (format, wide) {
            (None, _) => Lanes::Float,
            (Some(_), Wide::St(_)) => return Err(bad()),
            (Some(f), _) => Lanes::parse(f).ok_or_else(bad)?,
        };
        return Ok(Name::Wide(wide, lanes));
    }
    if format.is_some() {
        return Err(bad());
    }
    if name.starts_with('$') {
        return Ok(Name::Pseudo);
    }
    regs::width(name).map(Name::Plain).ok_or_else(bad)
}

/// `r` (all), `r rax` (one), `r rax, rbx`, `r rax=<expr>`, `r eax=1, ebx=2`, `r zf=1`, `r xmm0=1 2 3 4`,
/// `r st0=1.5`, `r $t0=5`.
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
    let names = items.iter().map(|(n, _)| name_of(n)).collect::<Result<Vec<_>>>()?;
    let mut shown = Vec::new();
    for ((item, value), kind) in items.into_iter().zip(names) {
        let name = item.split(':').next().unwrap_or(item).to_ascii_lowercase();
        match (kind, value) {
            (Name::Pseudo, None) => {
                // A pseudo-register (`$ip`, `$exentry`, `$ra`, `$t0`): shown.
                let v = cx.eval(&format!("@{name}"))?;
                shown.push(format!("{name}={v:016x}"));
            }
            (Name::Pseudo, Some(expr)) => {
                let v = cx.eval(expr)?;
                cx.session().set_user_register(&name, v)?;
            }
            (Name::Plain(bits), None) => {
                let v = cx.session().register(tid, &name)?;
                let digits = (bits as usize).div_ceil(4);
                shown.push(format!("{name}={v:0digits$x}"));
            }
            (Name::Plain(_), Some(expr)) => {
                let v = cx.eval(expr)?;
                cx.session().set_register(tid, &name, v)?;
            }
            (Name::Wide(wide, lanes), None) => {
                let bytes = cx.session().wide_register(tid, wide)?;
                shown.push(match <[u8; 10]>::try_from(bytes.as_slice()) {
                    Ok(st) if matches!(wide, Wide::St(_)) => report::x87_line(&name, &st),
                    _ => report::vector_line(&name, &bytes, lanes),
                });
            }
            (Name::Wide(wide, lanes), Some(text)) => {
                let bytes = wide_value(cx, wide, lanes, text)?;
                cx.session().set_wide_register(tid, wide, &bytes)?;
            }
        }
    }
    for line in shown {
        cx.out(line);
    }
    Ok(Flow::Next)
}

/// The bytes a wide register is set to from the user's text: for `st<n>` one number, for a vector one value per
/// lane, the highest lane first (as `r` shows them), floats for `f`/`d`, expressions for the hex formats.
fn wide_value(cx: &mut Cx, wide: Wide, lanes: Lanes, text: &str) -> Result<Vec<u8>> {
    let float = |word: &str| {
        word.parse::<f64>().map_err(|_| Error::msg(format!("Syntax error: '{word}' is not a floating-point number")))
    };
    if let Wide::St(_) = wide {
        return Ok(f64_to_x87(float(text)?).to_vec());
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    let count = wide.size() / lanes.size();
    if words.len() != count {
        return Err(Error::msg(format!(
            "Syntax error: give {count} values for the {count} lanes, the highest first (as r shows them)"
        )));
    }
    let mut bytes = Vec::with_capacity(wide.size());
    for word in words.iter().rev() {
        let lane: Vec<u8> = match lanes {
            Lanes::Float => (float(word)? as f32).to_le_bytes().to_vec(),
            Lanes::Double => float(word)?.to_le_bytes().to_vec(),
            Lanes::Hex(n) => {
                let v = cx.eval(word)?;
                if n < 8 && v >> (8 * n) != 0 {
                    return Err(Error::msg(format!("{v:#x} does not fit in a lane of {n} byte(s)")));
                }
                v.to_le_bytes()[..n].to_vec()
            }
        };
        bytes.extend(lane);
    }
    Ok(bytes)
}
