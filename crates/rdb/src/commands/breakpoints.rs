//! Breakpoint commands: `bp`, `bu`, `bm`, `bl`, `bc`, `bd`, `be`.

use rdb_engine::fmt::addr64;
use rdb_engine::session::Location;
use rdb_engine::{Error, Result};

use super::Flow;
use crate::console::{Console, out};
use crate::parse::{take_quoted, take_word};

/// Parse a location word: `` `file.c:12` ``, `` `module!file.c:12` ``, or an expression.
fn location(word: &str) -> Result<Location> {
    let Some(inner) = word.strip_prefix('`').and_then(|w| w.strip_suffix('`')) else {
        return Ok(Location::Expr(word.to_string()));
    };
    let (module, spec) = match inner.split_once('!') {
        Some((m, s)) => (Some(m.to_string()), s),
        None => (None, inner),
    };
    let (file, line) =
        spec.rsplit_once(':').ok_or_else(|| Error::msg(format!("Syntax error: expected `file:line`, got {word}")))?;
    let line =
        line.trim().parse::<u32>().map_err(|_| Error::msg(format!("Syntax error: bad line number in {word}")))?;
    Ok(Location::Line { module, file: file.trim().to_string(), line })
}

/// `bp`/`bu` arguments: `[/1] <where> [passes] ["commands"]`.
fn add(console: &mut Console, args: &str, deferred: bool) -> Result<Flow> {
    // A breakpoint id written against the name (`bp1 main`) is accepted and ignored: ids are assigned. Digits
    // after a blank are the address (`bp 401000`).
    let mut rest = match args.find(char::is_whitespace) {
        Some(end) if end > 0 && args[..end].bytes().all(|b| b.is_ascii_digit()) => args[end..].trim(),
        _ => args.trim(),
    };
    if rest.starts_with("/w") {
        return Err(Error::msg("conditional breakpoints (/w) are not supported yet"));
    }
    let (word, after) = take_word(rest);
    if word.is_empty() {
        let rip = console.session.register(console.session.current_thread(), "rip")?;
        return add_location(console, Location::Expr(format!("{rip:#x}")), deferred, 1, None);
    }
    let loc = location(word)?;
    rest = after.trim_start();
    let mut passes = 1u32;
    if !rest.is_empty() && !rest.starts_with('"') {
        let (value, used) = console.session.evaluate_prefix(rest)?;
        passes = u32::try_from(value).map_err(|_| Error::msg("pass count too large"))?;
        rest = rest[used..].trim_start();
    }
    let commands = match take_quoted(rest) {
        Some(Ok((text, tail))) => {
            if !tail.trim().is_empty() {
                return Err(Error::msg(format!("Syntax error at '{}'", tail.trim())));
            }
            Some(text)
        }
        Some(Err(e)) => return Err(Error::msg(e)),
        None if rest.is_empty() => None,
        None => return Err(Error::msg(format!("Syntax error at '{rest}'"))),
    };
    add_location(console, loc, deferred, passes, commands)
}

fn add_location(
    console: &mut Console,
    loc: Location,
    deferred: bool,
    passes: u32,
    commands: Option<String>,
) -> Result<Flow> {
    console.session.add_breakpoint(loc, deferred, passes, commands)?;
    Ok(Flow::Next)
}

pub fn bp(console: &mut Console, args: &str) -> Result<Flow> {
    add(console, args, false)
}

pub fn bu(console: &mut Console, args: &str) -> Result<Flow> {
    add(console, args, true)
}

/// `bm module!pattern`: a breakpoint on every matching symbol.
pub fn bm(console: &mut Console, args: &str) -> Result<Flow> {
    let (pattern, rest) = take_word(args);
    if pattern.is_empty() || !rest.trim().is_empty() {
        return Err(Error::msg("Syntax error: usage is bm module!pattern"));
    }
    let matches = super::program::matching_symbols(console, pattern);
    if matches.is_empty() {
        return Err(Error::msg(format!("No matching code symbols found for '{pattern}'")));
    }
    let mut set = 0;
    for (name, address) in matches {
        // Quoted, so names with blanks and parentheses (`Dog::speak() const`) resolve again after a restart.
        // Data symbols that match are passed over: bm is for code.
        if let Ok(id) = console.session.add_breakpoint(Location::Expr(format!("@!\"{name}\"")), false, 1, None) {
            out(format!("{id:>3}: {} @!\"{name}\"", addr64(address)));
            set += 1;
        }
    }
    if set == 0 {
        return Err(Error::msg(format!("No matching code symbols found for '{pattern}'")));
    }
    Ok(Flow::Next)
}

pub fn bl(console: &mut Console, _args: &str) -> Result<Flow> {
    let rows: Vec<_> = console.session.breakpoints.iter().cloned().collect();
    for b in rows {
        let state = match (b.enabled, b.address.is_some()) {
            (true, true) => "e",
            (false, true) => "d",
            (true, false) => "eu",
            (false, false) => "du",
        };
        let toggle = if b.enabled { "Disable" } else { "Enable" };
        let (address, name) = match b.address {
            Some(a) => (addr64(a), console.session.describe(a)),
            None => (" ".repeat(17), format!("({})", b.location)),
        };
        let mut line = format!(
            "{:>2} {state} {toggle} Clear  {address}     {:04x} ({:04x})  0:**** {name}",
            b.id, b.remaining, b.passes
        );
        line.push_str(&format!(" hits={}", b.hits));
        if let Some(c) = &b.commands {
            line.push_str(&format!(" \"{c}\""));
        }
        out(line);
    }
    Ok(Flow::Next)
}

/// Breakpoint ids from `0`, `0 2 5`, `1-3`, `*`.
fn ids(console: &mut Console, args: &str) -> Result<Vec<u32>> {
    let args = args.trim();
    if args.is_empty() {
        return Err(Error::msg("Syntax error: give breakpoint ids, a range like 1-3, or *"));
    }
    let all = console.session.breakpoints.ids();
    if args == "*" {
        return Ok(all);
    }
    let mut out = Vec::new();
    for part in args.split([' ', ',']).filter(|p| !p.is_empty()) {
        let number = |s: &str| {
            let s = s.trim();
            // `bl` shows ids in decimal; `0x` asks for hex.
            let (digits, radix) = match s.strip_prefix("0x") {
                Some(h) => (h, 16),
                None => (s.strip_prefix("0n").unwrap_or(s), 10),
            };
            u32::from_str_radix(digits, radix).map_err(|_| Error::msg(format!("Syntax error: bad breakpoint id '{s}'")))
        };
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (number(a)?, number(b)?);
                out.extend(all.iter().copied().filter(|id| (a..=b).contains(id)));
            }
            None => {
                let id = number(part)?;
                if !all.contains(&id) {
                    return Err(Error::msg(format!("no breakpoint {id}")));
                }
                out.push(id);
            }
        }
    }
    Ok(out)
}

pub fn bc(console: &mut Console, args: &str) -> Result<Flow> {
    for id in ids(console, args)? {
        console.session.breakpoints.remove(id);
    }
    Ok(Flow::Next)
}

pub fn bd(console: &mut Console, args: &str) -> Result<Flow> {
    for id in ids(console, args)? {
        console.session.breakpoints.set_enabled(id, false);
    }
    Ok(Flow::Next)
}

pub fn be(console: &mut Console, args: &str) -> Result<Flow> {
    for id in ids(console, args)? {
        console.session.breakpoints.set_enabled(id, true);
    }
    Ok(Flow::Next)
}
