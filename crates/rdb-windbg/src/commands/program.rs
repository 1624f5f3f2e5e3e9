//! Commands about the program's structure: modules (`lm`), symbols (`x`, `ln`), stacks (`k`, `kn`, `kb`), threads
//! (`~`).

use rdb_engine::fmt::addr64;
use rdb_engine::memory::ReadMemory;
use rdb_engine::wildcard;
use rdb_engine::{Error, Result};

use super::Flow;
use crate::console::{Console, out};

pub fn lm(console: &mut Console, _args: &str) -> Result<Flow> {
    out("start             end                 module name");
    for m in console.session.modules.iter() {
        out(format!(
            "{} {}   {:<16} {:<16} {}",
            addr64(m.base),
            addr64(m.end()),
            m.name,
            m.symbol_state(),
            m.path.display()
        ));
    }
    Ok(Flow::Next)
}

/// `module!pattern` (module may be a pattern too; no `!` means every module): `(module!name, address)` pairs.
pub fn matching_symbols(console: &Console, pattern: &str) -> Vec<(String, u64)> {
    let (module_pattern, symbol_pattern) = pattern.split_once('!').unwrap_or(("*", pattern));
    let mut found = Vec::new();
    for m in console.session.modules.iter().filter(|m| wildcard::matches(module_pattern, &m.name)) {
        if let Some(symbols) = m.symbols() {
            for s in symbols.matching(symbol_pattern) {
                found.push((format!("{}!{}", m.name, s.name), s.address));
            }
        }
    }
    found
}

/// `x module!pattern`.
pub fn x(console: &mut Console, args: &str) -> Result<Flow> {
    let pattern = args.trim();
    if pattern.is_empty() {
        return Err(Error::msg("Syntax error: usage is x module!pattern"));
    }
    if let Some((module, _)) = pattern.split_once('!')
        && !module.contains(['*', '?'])
        && console.session.modules.by_name(module).is_none()
    {
        return Err(Error::msg(format!("no module named '{module}' (lm lists them)")));
    }
    for (name, address) in matching_symbols(console, pattern) {
        out(format!("{} {name}", addr64(address)));
    }
    Ok(Flow::Next)
}

/// `ln <addr>`: the nearest symbols around an address.
pub fn ln(console: &mut Console, args: &str) -> Result<Flow> {
    let address = if args.trim().is_empty() {
        console.session.register(console.session.current_thread(), "rip")?
    } else {
        console.session.evaluate(args.trim())?
    };
    let Some((module, Some(symbol))) = console.session.modules.symbol_at(address) else {
        return Err(Error::msg(format!("no symbol near {}", addr64(address))));
    };
    let here = console.session.describe(address);
    let mut line = format!("({})   {here}", addr64(symbol.address));
    let next_start = symbol.address + symbol.size.max(1);
    if let Some(next) = module.symbols().and_then(|s| s.symbol_at(next_start)).filter(|n| n.address > symbol.address)
        && module.contains(next.address)
    {
        line.push_str(&format!("   |  ({})   {}!{}", addr64(next.address), module.name, next.name));
    }
    out(line);
    if symbol.address == address {
        out("Exact matches:");
        out(format!("    {}!{}", module.name, symbol.name));
    }
    Ok(Flow::Next)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum StackStyle {
    Plain,
    Numbered,
    Args,
}

/// `[file @ line]` for a frame's pc.
fn source_suffix(console: &Console, pc: u64, first: bool) -> String {
    // A caller's pc is a return address: the call is the instruction before it.
    let lookup = if first { pc } else { pc.saturating_sub(1) };
    console
        .session
        .modules
        .at(lookup)
        .and_then(|m| m.symbols())
        .and_then(|s| s.source_line(lookup))
        .map(|l| format!(" [{} @ {}]", l.file.display(), l.line))
        .unwrap_or_default()
}

fn stack(console: &mut Console, args: &str, style: StackStyle) -> Result<Flow> {
    let max = match args.trim() {
        "" => 0x14,
        n => console.session.evaluate(n)? as usize,
    };
    let tid = console.session.current_thread();
    print_stack(console, tid, max.clamp(1, 0x10000), style)
}

fn print_stack(console: &mut Console, tid: u32, max: usize, style: StackStyle) -> Result<Flow> {
    let frames = console.session.stack(tid, max)?;
    match style {
        StackStyle::Plain => out("Child-SP          RetAddr               Call Site"),
        StackStyle::Numbered => out(" # Child-SP          RetAddr               Call Site"),
        StackStyle::Args => out(
            "Child-SP          RetAddr           : Args to Child                                                           : Call Site",
        ),
    }
    for (i, frame) in frames.iter().enumerate() {
        let pc = frame.regs.rip;
        let site = format!("{}{}", console.session.describe(pc), source_suffix(console, pc, i == 0));
        let sp = addr64(frame.regs.rsp);
        let ret = addr64(frame.return_address.unwrap_or(0));
        match style {
            StackStyle::Plain => out(format!("{sp} {ret}     {site}")),
            StackStyle::Numbered => out(format!("{i:02x} {sp} {ret}     {site}")),
            StackStyle::Args => {
                // The four home slots above the return address, as WinDbg's x64 kb shows.
                let mut mem = SessionMemory(&mut console.session);
                let args: Vec<String> = (1..=4)
                    .map(|k| {
                        mem.read_u64(frame.regs.rsp + 8 * k).map(addr64).unwrap_or_else(|_| "????????`????????".into())
                    })
                    .collect();
                out(format!("{sp} {ret} : {} : {site}", args.join(" ")));
            }
        }
    }
    Ok(Flow::Next)
}

struct SessionMemory<'a>(&'a mut rdb_engine::session::Session);

impl ReadMemory for SessionMemory<'_> {
    fn read(&mut self, address: u64, buf: &mut [u8]) -> Result<usize> {
        self.0.read_memory(address, buf)
    }
}

pub fn k(console: &mut Console, args: &str) -> Result<Flow> {
    stack(console, args, StackStyle::Plain)
}

pub fn kn(console: &mut Console, args: &str) -> Result<Flow> {
    stack(console, args, StackStyle::Numbered)
}

pub fn kb(console: &mut Console, args: &str) -> Result<Flow> {
    stack(console, args, StackStyle::Args)
}

/// One `~` line: `.  0  Id: 4d2.4d2 Suspend: 0 Teb: 00007fff`f7d8a740 Unfrozen`.
fn thread_line(console: &mut Console, tid: u32, index: u32) -> String {
    let marker = if tid == console.session.current_thread() {
        '.'
    } else if tid == console.session.event_thread() {
        '#'
    } else {
        ' '
    };
    // Windows: the thread's TEB. Elsewhere the thread pointer plays its part (glibc's `struct pthread`).
    let teb = if console.session.has_environment_blocks() {
        console.session.teb_address(tid).unwrap_or(0)
    } else {
        console.session.register(tid, "fs_base").unwrap_or(0)
    };
    format!("{marker}{index:>3}  Id: {:x}.{tid:x} Suspend: 0 Teb: {} Unfrozen", console.session.pid(), addr64(teb))
}

/// `~` (list), `~<n>s` (switch), `~<n|*|.|#> <command>` (run a command on threads).
pub fn threads(console: &mut Console, args: &str) -> Result<Flow> {
    if !console.session.is_live() {
        return Err(Error::NoProcess);
    }
    let args = args.trim();
    let all: Vec<(u32, u32)> = console.session.threads().iter().map(|t| (t.tid, t.index)).collect();
    if args.is_empty() {
        for (tid, index) in all {
            out(thread_line(console, tid, index));
        }
        return Ok(Flow::Next);
    }
    // Which threads: `*`, `.`, `#`, or an index.
    let (selector, command) = match args.chars().next() {
        Some('*') | Some('.') | Some('#') => args.split_at(1),
        _ => {
            let end = args.find(|c: char| !c.is_ascii_digit()).unwrap_or(args.len());
            args.split_at(end)
        }
    };
    let selected: Vec<(u32, u32)> = match selector {
        "*" => all.clone(),
        "." => all.iter().copied().filter(|t| t.0 == console.session.current_thread()).collect(),
        "#" => all.iter().copied().filter(|t| t.0 == console.session.event_thread()).collect(),
        n => {
            let index = n.parse::<u32>().map_err(|_| Error::msg(format!("Syntax error at '~{args}'")))?;
            let t = all
                .iter()
                .copied()
                .find(|t| t.1 == index)
                .ok_or_else(|| Error::msg(format!("Illegal thread error: no thread {index}")))?;
            vec![t]
        }
    };
    let command = command.trim();
    if command.eq_ignore_ascii_case("s") {
        let [(_, index)] = selected[..] else {
            return Err(Error::msg("~s switches to one thread"));
        };
        let tid = console.session.switch_thread(index)?;
        let rip = console.session.register(tid, "rip")?;
        for line in crate::report::location_lines(&mut console.session, rip) {
            out(line);
        }
        return Ok(Flow::Next);
    }
    if command.is_empty() {
        for (tid, index) in selected {
            out(thread_line(console, tid, index));
        }
        return Ok(Flow::Next);
    }
    // Run the command once per selected thread, with that thread current, then restore the current thread.
    let saved = console.session.thread_index(console.session.current_thread());
    // The headers are taken before switching, so `.` marks the thread that was current.
    let headers: Vec<String> = selected.iter().map(|&(tid, index)| thread_line(console, tid, index)).collect();
    for ((_, index), header) in selected.into_iter().zip(headers) {
        if all.len() > 1 || selector == "*" {
            out("");
            out(header);
        }
        console.session.switch_thread(index)?;
        if let super::Flow::Resume(_) = super::execute(console, command) {
            return Err(Error::msg("execution commands cannot be run per thread"));
        }
    }
    if let Some(i) = saved {
        console.session.switch_thread(i)?;
    }
    Ok(Flow::Next)
}
