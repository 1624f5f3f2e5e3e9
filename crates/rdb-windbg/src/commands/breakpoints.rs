//! Breakpoint commands: `bp`, `bu`, `bm`, `ba`, `bpm`, `bl`, `bc`, `bd`, `be`. Each one parses WinDbg's syntax
//! into a `Spec`, asks the engine, and shows the data it gets back; no judgement of the engine's is made here. The
//! console's breakpoints are its own (`Owner::Console`): `bl`, `bc`, `bd` and `be` see no other front end's.

use rdb_engine::fmt::addr64;
use rdb_engine::session::{Breakpoints, Condition, HwAccess, Kind, Location, MemAccess, Owner, Spec};
use rdb_engine::target::Tid;
use rdb_engine::{Error, Result};

use super::Cx;
use super::Flow;
use crate::parse::{length_word, take_quoted, take_word};

/// Parse a location word: `` `file.c:12` ``, `` `module!file.c:12` ``, or an expression (the engine's reading, which
/// every front end shares).
pub(super) fn location(word: &str) -> Result<Location> {
    Location::parse(word)
}

/// Drop a breakpoint id written against the command's name (`bp1 main`, `ba0 w4 x`): ids are assigned. Digits
/// after a blank are the address (`bp 401000`).
fn skip_id(args: &str) -> &str {
    match args.find(char::is_whitespace) {
        Some(end) if end > 0 && args[..end].bytes().all(|b| b.is_ascii_digit()) => args[end..].trim(),
        _ => args.trim(),
    }
}

/// The options before a breakpoint's address. rdb has WinDbg's `/w "<condition>"` ("when"): the breakpoint
/// stops only where the MASM expression is non-zero. Options may come several times; the last `/w` counts.
fn options(text: &str) -> Result<(Option<String>, &str)> {
    let mut rest = text.trim_start();
    let mut condition = None;
    while let Some(after) = rest.strip_prefix('/') {
        let end = after.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(after.len());
        let (flag, tail) = after.split_at(end);
        if flag != "w" {
            return Err(Error::msg(format!("Unknown breakpoint option '/{flag}' (rdb has /w \"<condition>\")")));
        }
        match take_quoted(tail) {
            Some(Ok((c, tail))) => {
                condition = Some(c);
                rest = tail.trim_start();
            }
            Some(Err(e)) => return Err(Error::msg(e)),
            None => return Err(Error::msg("Syntax error: /w takes a quoted condition: bp /w \"@rcx == 7\" <where>")),
        }
    }
    Ok((condition, rest))
}

/// A console breakpoint of `kind` at `location`, with the condition `/w` gave.
fn spec(kind: Kind, location: Location, condition: Option<String>) -> Spec {
    Spec { condition: condition.map(Condition::windbg), ..Spec::new(Owner::Console, kind, location) }
}

/// Add a console breakpoint. WinDbg's rule: a `bp` that resolves where a console breakpoint of its kind already
/// is redefines it ("breakpoint 0 redefined"): one breakpoint per address, keeping the old one's id and hits.
/// A `bu` never does. The rule is the console's, not the engine's (another front end's breakpoint at the same
/// address stays), and it goes to the engine as a replacement in the same call as the add, so a `bp` that fails
/// (a bad condition, data rather than code) leaves the old breakpoint in place.
fn add(cx: &mut Cx, spec: Spec) -> Result<u32> {
    let tid = cx.tid();
    let redefines = spec.kind == Kind::Software && !spec.deferred;
    let mut replaced = Vec::new();
    let id = cx.session().add_breakpoint_replacing(tid, spec, |table: &Breakpoints, addresses: &[u64]| {
        if !redefines {
            return Vec::new();
        }
        let at = |b: &&rdb_engine::session::Breakpoint| b.sites.iter().any(|s| addresses.contains(&s.address));
        let console = table.owned_by(Owner::Console).filter(|b| b.spec.kind == Kind::Software);
        replaced = console.filter(at).map(|b| b.id).collect();
        replaced.clone()
    })?;
    for old in replaced {
        cx.out(format!("breakpoint {old} redefined"));
    }
    Ok(id)
}

/// `bp`/`bu` arguments: `[/w "condition"] <where> [passes] ["commands"]`.
fn add_code(cx: &mut Cx, args: &str, deferred: bool) -> Result<Flow> {
    let (condition, rest) = options(skip_id(args))?;
    let (word, after) = take_word(rest);
    let mut spec = match word {
        "" => spec(Kind::Software, Location::Expr(format!("{:#x}", cx.rip()?)), condition),
        word => {
            let spec = spec(Kind::Software, location(word)?, condition);
            let (passes, commands) = passes_and_commands(cx, after)?;
            Spec { passes, commands, ..spec }
        }
    };
    spec.deferred = deferred;
    add(cx, spec)?;
    Ok(Flow::Next)
}

/// What follows a breakpoint's address in every breakpoint command: `[passes] ["commands"]`.
fn passes_and_commands(cx: &mut Cx, rest: &str) -> Result<(u32, Option<String>)> {
    let mut rest = rest.trim_start();
    let mut passes = 1u32;
    if !rest.is_empty() && !rest.starts_with('"') {
        let (value, used) = cx.eval_prefix(rest)?;
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
    Ok((passes, commands))
}

pub fn bp(cx: &mut Cx, args: &str) -> Result<Flow> {
    add_code(cx, args, false)
}

pub fn bu(cx: &mut Cx, args: &str) -> Result<Flow> {
    add_code(cx, args, true)
}

/// `bm [/w "condition"] module!pattern`: a breakpoint on every matching symbol.
pub fn bm(cx: &mut Cx, args: &str) -> Result<Flow> {
    let (condition, rest) = options(args)?;
    let (pattern, rest) = take_word(rest);
    if pattern.is_empty() || !rest.trim().is_empty() {
        return Err(Error::msg("Syntax error: usage is bm [/w \"condition\"] module!pattern"));
    }
    // Said once, rather than as no symbol matching: a dump takes no breakpoint.
    cx.session().check_can_change()?;
    // Said once, rather than as no symbol matching: every breakpoint below would refuse it.
    if let Some(c) = condition.clone().map(Condition::windbg) {
        cx.session().check_condition(&c, true).map_err(|e| Error::msg(format!("Bad condition: {e}")))?;
    }
    let matches = cx.dbg.session().modules.matching_symbols(pattern);
    if matches.is_empty() {
        return Err(Error::msg(format!("No matching code symbols found for '{pattern}'")));
    }
    let mut set = 0;
    // Functions of one name (static functions in several files) are one breakpoint, at each of them: its name
    // resolves to them all.
    let mut seen = std::collections::HashSet::new();
    let names: Vec<String> = matches.iter().map(|m| m.qualified()).filter(|n| seen.insert(n.clone())).collect();
    for name in names {
        // Quoted, so names with blanks and parentheses (`Dog::speak() const`) resolve again after a restart.
        // Data symbols that match are passed over: bm is for code.
        let location = Location::Expr(format!("@!\"{name}\""));
        if let Ok(id) = add(cx, spec(Kind::Software, location, condition.clone())) {
            let sites = cx.session().breakpoints().get(id).map(|b| b.sites.clone()).unwrap_or_default();
            for site in sites {
                cx.out(format!("{id:>3}: {} @!\"{name}\"", addr64(site.address)));
            }
            set += 1;
        }
    }
    if set == 0 {
        return Err(Error::msg(format!("No matching code symbols found for '{pattern}'")));
    }
    Ok(Flow::Next)
}

/// `ba [~<thread>] [/w "condition"] <access><size> <address> [passes] ["commands"]`: a hardware breakpoint. The access is `e`
/// (execute), `w` (write) or `r` (read or write); the size 1, 2, 4 or 8, written against the letter (`w4`) or
/// apart (`w 4`).
pub fn ba(cx: &mut Cx, args: &str) -> Result<Flow> {
    const USAGE: &str =
        "Syntax error: usage is ba [~thread] [/w \"condition\"] e|r|w 1|2|4|8 <address> [passes] [\"commands\"]";
    let (mut condition, mut rest) = options(skip_id(args))?;
    let mut thread = None;
    if let Some(after) = rest.strip_prefix('~') {
        let (word, after) = take_word(after);
        thread = Some(thread_id(cx, word)?);
        let (more, after) = options(after)?;
        condition = more.or(condition);
        rest = after.trim_start();
    }
    let (word, after) = take_word(rest);
    let mut letters = word.chars();
    let access = match letters.next().map(|c| c.to_ascii_lowercase()) {
        Some('e') => HwAccess::Execute,
        Some('w') => HwAccess::Write,
        Some('r') => HwAccess::ReadWrite,
        Some('i') => return Err(Error::msg("I/O breakpoints (ba i) do not exist in user mode")),
        Some(c) => {
            return Err(Error::msg(format!("Bad access '{c}' for ba: e (execute), r (read/write) or w (write)")));
        }
        None => return Err(Error::msg(USAGE)),
    };
    let (size_word, after) = match letters.as_str() {
        "" => take_word(after),
        attached => (attached, after),
    };
    if size_word.is_empty() {
        return Err(Error::msg(USAGE));
    }
    let size = size_word
        .parse::<u8>()
        .map_err(|_| Error::msg(format!("Bad size '{size_word}' for ba: it is 1, 2, 4 or 8")))?;
    let (word, after) = take_word(after);
    if word.is_empty() {
        return Err(Error::msg(USAGE));
    }
    let loc = location(word)?;
    let (passes, commands) = passes_and_commands(cx, after)?;
    let spec = spec(Kind::Hardware { access, size }, loc, condition);
    add(cx, Spec { thread, passes, commands, ..spec })?;
    Ok(Flow::Next)
}

/// The thread `~<n>` names, by its cx index.
fn thread_id(cx: &Cx, word: &str) -> Result<Tid> {
    let index = word.parse::<u32>().map_err(|_| Error::msg(format!("Syntax error: bad thread '~{word}'")))?;
    let thread = cx.dbg.session().threads().iter().find(|t| t.index == index);
    thread.map(|t| t.tid).ok_or_else(|| Error::msg(format!("Illegal thread error: no thread {index}")))
}

/// `bpm [/w "condition"] <address> <size> [r|w|x|a] [passes] ["commands"]`: a memory breakpoint on any range,
/// through guard pages.
pub fn bpm(cx: &mut Cx, args: &str) -> Result<Flow> {
    const USAGE: &str =
        "Syntax error: usage is bpm [/w \"condition\"] <address> <size> [r|w|x|a] [passes] [\"commands\"]";
    let (condition, rest) = options(args)?;
    let (word, after) = take_word(rest);
    let (size_word, after) = take_word(after);
    if word.is_empty() || size_word.is_empty() {
        return Err(Error::msg(USAGE));
    }
    let loc = location(word)?;
    let size = cx.eval(length_word(size_word).unwrap_or(size_word))?;
    let (access_word, tail) = take_word(after);
    // A lone letter after the size is the access; anything else is the pass count.
    let (access, after) = match access_word.to_ascii_lowercase().as_str() {
        "r" => (MemAccess::Read, tail),
        "w" => (MemAccess::Write, tail),
        "x" | "e" => (MemAccess::Execute, tail),
        "a" => (MemAccess::Any, tail),
        w if w.len() == 1 && w.chars().all(|c| c.is_ascii_alphabetic()) => {
            return Err(Error::msg(format!("Bad access '{w}' for bpm: r (read), w (write), x (execute) or a (any)")));
        }
        _ => (MemAccess::Any, after),
    };
    let (passes, commands) = passes_and_commands(cx, after)?;
    let spec = spec(Kind::Memory { access, size }, loc, condition);
    add(cx, Spec { passes, commands, ..spec })?;
    Ok(Flow::Next)
}

/// `bl`: the console's breakpoints, then, under a heading each, those other front ends own (a gdb client's through
/// `monitor bl`, a DAP client's), listed only: `bc`, `bd` and `be` reach the console's own alone.
pub fn bl(cx: &mut Cx, _args: &str) -> Result<Flow> {
    list_breakpoints(cx, Owner::Console);
    for owner in [Owner::GdbRemote, Owner::Dap, Owner::Python, Owner::Library] {
        if cx.session().breakpoints().owned_by(owner).next().is_some() {
            cx.out(format!("Breakpoints of {owner}:"));
            list_breakpoints(cx, owner);
        }
    }
    Ok(Flow::Next)
}

fn list_breakpoints(cx: &mut Cx, owner: Owner) {
    let rows: Vec<_> = cx.session().breakpoints().owned_by(owner).cloned().collect();
    for b in rows {
        // One row per breakpoint, at its first site; a breakpoint on a name several functions answer to has a
        // line for each further site under it.
        let site = b.sites.first().map(|s| s.address);
        let state = match (b.enabled, site.is_some()) {
            (true, true) => "e",
            (false, true) => "d",
            (true, false) => "eu",
            (false, false) => "du",
        };
        let toggle = if b.enabled { "Disable" } else { "Enable" };
        let (address, name) = match site {
            Some(a) => (addr64(a), cx.session().describe(a)),
            None => (" ".repeat(17), format!("({})", b.spec.location)),
        };
        // What it watches, between the address and the pass count: `w 4` for `ba w4`, `bpm w 0x100` for memory.
        let what = match b.spec.kind {
            Kind::Software => "   ".to_string(),
            Kind::Hardware { access, size } => format!("{} {size}", access.letter()),
            Kind::Memory { access, size } => format!("bpm {} {size:#x}", access.letter()),
        };
        let thread = match b.spec.thread.and_then(|t| cx.session().thread_index(t)) {
            Some(i) => format!("~{i:03}"),
            None => "****".to_string(),
        };
        let mut line = format!(
            "{:>2} {state} {toggle} Clear  {address} {what} {:04x} ({:04x})  0:{thread} {name}",
            b.id, b.remaining, b.spec.passes
        );
        if let Some(c) = &b.spec.condition {
            line.push_str(&format!(" /w \"{}\"", c.text));
            // Evaluated inside the debuggee: a false hit costs no stop (see the engine's `session/compiled.rs`).
            if cx.session().condition_compiled(b.id) {
                line.push_str(" (in-process)");
            }
        }
        line.push_str(&format!(" hits={}", b.hits));
        if let Some(c) = &b.spec.commands {
            line.push_str(&format!(" \"{c}\""));
        }
        cx.out(line);
        for further in b.sites.iter().skip(1) {
            let name = cx.session().describe(further.address);
            cx.out(format!("{:>2} {state}               {} {what} {name}", "", addr64(further.address)));
        }
    }
}

/// Breakpoint ids from `0`, `0 2 5`, `1-3`, `*`.
fn ids(cx: &mut Cx, args: &str) -> Result<Vec<u32>> {
    let args = args.trim();
    if args.is_empty() {
        return Err(Error::msg("Syntax error: give breakpoint ids, a range like 1-3, or *"));
    }
    let all: Vec<u32> = cx.session().breakpoints().owned_by(Owner::Console).map(|b| b.id).collect();
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

pub fn bc(cx: &mut Cx, args: &str) -> Result<Flow> {
    for id in ids(cx, args)? {
        cx.session().remove_breakpoint(id);
    }
    Ok(Flow::Next)
}

pub fn bd(cx: &mut Cx, args: &str) -> Result<Flow> {
    for id in ids(cx, args)? {
        cx.session().enable_breakpoint(id, false)?;
    }
    Ok(Flow::Next)
}

pub fn be(cx: &mut Cx, args: &str) -> Result<Flow> {
    for id in ids(cx, args)? {
        cx.session().enable_breakpoint(id, true)?;
    }
    Ok(Flow::Next)
}
