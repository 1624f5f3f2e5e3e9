//! Commands about the program's structure: modules (`lm`), symbols (`x`, `ln`), stacks (`k`, `kn`, `kb`), threads
//! (`~`).

use rdb_engine::fmt::addr64;
use rdb_engine::memory::ReadMemory;
use rdb_engine::session::{ThreadEntry, ThreadInfo};
use rdb_engine::{Error, Result};

use super::Cx;
use super::Flow;
use crate::parse::take_word;
use crate::{Output, report};

/// What `lm`'s options ask for: `v` (details), `m <pattern>` (names), `1m` (names alone), `a <address>`.
#[derive(Default)]
struct LmOptions {
    verbose: bool,
    names_only: bool,
    pattern: Option<String>,
    address: Option<String>,
}

/// Parse `lm`'s options, WinDbg's way: letters run together (`lmvm prog`), `m` and `a` take the next word.
/// `f`, `o`, `u` and `l` are accepted for scripts written for WinDbg: rdb's rows already have the full path and
/// list only loaded user-mode modules (`l` lists those whose symbols are read).
fn lm_options(args: &str) -> Result<(LmOptions, bool)> {
    let mut options = LmOptions::default();
    let mut symbols_read = false;
    let mut rest = args.trim_start();
    while let Some(c) = rest.chars().next() {
        rest = &rest[c.len_utf8()..];
        match c {
            'v' | 'V' => options.verbose = true,
            'm' | 'M' | 'a' => {
                let (word, after) = take_word(rest);
                if word.is_empty() {
                    return Err(Error::msg(format!(
                        "Syntax error: lm {c} takes a {}",
                        if c == 'a' { "address" } else { "pattern" }
                    )));
                }
                if c == 'a' {
                    options.address = Some(word.to_string())
                } else {
                    options.pattern = Some(word.to_string())
                }
                rest = after;
            }
            '1' if rest.starts_with(['m', 'M']) => {
                options.names_only = true;
                rest = &rest[1..];
            }
            'l' => symbols_read = true,
            'f' | 'o' | 'u' => {}
            c if c.is_whitespace() => {}
            c => {
                return Err(Error::msg(format!(
                    "Syntax error at '{c}': lm takes v, m <pattern>, 1m, a <address> (and f, o, u, l)"
                )));
            }
        }
    }
    Ok((options, symbols_read))
}

/// `lm [v] [l] [1m] [m <pattern>] [a <address>]`: the modules, in load order.
pub fn lm(cx: &mut Cx, args: &str) -> Result<Flow> {
    let (options, symbols_read) = lm_options(args)?;
    let address = options.address.as_deref().map(|a| cx.eval(a)).transpose()?;
    let bases: Vec<u64> = cx
        .dbg
        .session()
        .modules
        .iter()
        .filter(|m| options.pattern.as_deref().is_none_or(|p| m.matches(p)))
        .filter(|m| address.is_none_or(|a| m.contains(a)))
        .filter(|m| !symbols_read || m.symbol_file().is_some())
        .map(|m| m.base)
        .collect();
    if options.names_only {
        for base in bases {
            let name = cx.dbg.session().modules.iter().find(|m| m.base == base).map(|m| m.name.clone());
            cx.out(name.unwrap_or_default());
        }
        return Ok(Flow::Next);
    }
    cx.out("start             end                 module name");
    for base in bases {
        // A PE's time stamp is read from its headers in the debuggee's memory.
        let live = options.verbose && cx.session().is_live();
        let timestamp = if live { cx.session().image_timestamp(base) } else { None };
        let session = cx.dbg.session();
        let Some(m) = session.modules.iter().find(|m| m.base == base) else { continue };
        let mut lines = vec![report::module_row(m)];
        if options.verbose {
            lines.extend(report::module_details(&report::ModuleDetails { module: m, timestamp }));
        }
        for line in lines {
            cx.out.line(&line);
        }
    }
    Ok(Flow::Next)
}

/// `x module!pattern`.
pub fn x(cx: &mut Cx, args: &str) -> Result<Flow> {
    let pattern = args.trim();
    if pattern.is_empty() {
        return Err(Error::msg("Syntax error: usage is x module!pattern"));
    }
    if let Some((module, _)) = pattern.split_once('!')
        && !module.contains(['*', '?'])
        && cx.session().modules.by_name(module).is_none()
    {
        return Err(Error::msg(format!("no module named '{module}' (lm lists them)")));
    }
    for s in cx.dbg.session().modules.matching_symbols(pattern) {
        cx.out(format!("{} {}", addr64(s.address), s.qualified()));
    }
    Ok(Flow::Next)
}

/// `ln <addr>`: the nearest symbols around an address.
pub fn ln(cx: &mut Cx, args: &str) -> Result<Flow> {
    let address = if args.trim().is_empty() { cx.rip()? } else { cx.eval(args.trim())? };
    let session = cx.dbg.session();
    let Some((module, symbol, next)) = session.modules.symbols_around(address) else {
        return Err(Error::msg(format!("no symbol near {}", addr64(address))));
    };
    let here = session.describe(address);
    let mut line = format!("({})   {here}", addr64(symbol.address));
    if let Some(next) = next {
        line.push_str(&format!("   |  ({})   {}!{}", addr64(next.address), module.name, next.name));
    }
    let exact = (symbol.address == address).then(|| format!("    {}!{}", module.name, symbol.name));
    cx.out(line);
    if let Some(exact) = exact {
        cx.out("Exact matches:");
        cx.out(exact);
    }
    Ok(Flow::Next)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum StackStyle {
    Plain,
    Numbered,
    Args,
    /// `kp` (one line a frame) and `kP` (a line a parameter): each frame's parameters with their values.
    Params {
        lines: bool,
    },
}

/// The most frames a `k` shows: a bound on the work of a stack that loops, far above any real one.
const MAX_FRAMES: u64 = 0x10000;

fn stack(cx: &mut Cx, args: &str, style: StackStyle) -> Result<Flow> {
    let max = match args.trim() {
        "" => 0x14,
        n => cx.eval(n)?,
    };
    if max > MAX_FRAMES {
        cx.out(format!("Frame count {max:#x} is more than k shows: showing at most {MAX_FRAMES:#x} frames"));
    }
    let tid = cx.tid();
    print_stack(cx, tid, max.clamp(1, MAX_FRAMES) as usize, style)
}

fn print_stack(cx: &mut Cx, tid: u32, max: usize, style: StackStyle) -> Result<Flow> {
    let frames = cx.session().frames(tid, max)?;
    match style {
        StackStyle::Plain => cx.out("Child-SP          RetAddr               Call Site"),
        StackStyle::Numbered => cx.out(" # Child-SP          RetAddr               Call Site"),
        StackStyle::Args => cx.out(
            "Child-SP          RetAddr           : Args to Child                                                           : Call Site",
        ),
        StackStyle::Params { .. } => cx.out(" # Child-SP          RetAddr               Call Site"),
    }
    for frame in &frames {
        let site = report::call_site(frame);
        let (sp, ret) = report::frame_columns(frame);
        match style {
            StackStyle::Plain => cx.out(format!("{sp} {ret}     {site}")),
            StackStyle::Numbered => cx.out(format!("{:02x} {sp} {ret}     {site}", frame.index)),
            StackStyle::Params { lines } => {
                let parameters = cx.session().variables(tid, frame.index).ok().map(|found| {
                    found
                        .variables
                        .iter()
                        .filter(|v| v.kind == rdb_engine::values::VariableKind::Parameter)
                        .map(|v| {
                            format!("{} {} = {}", v.value.ty.name, v.name, report::value_text(&v.value.ty, &v.summary))
                        })
                        .collect::<Vec<_>>()
                });
                let lead = format!("{:02x} {sp} {ret}     ", frame.index);
                for line in report::call_site_with_parameters(frame, parameters.as_deref(), lines) {
                    cx.out(if line.starts_with('\t') { line } else { format!("{lead}{line}") });
                }
            }
            StackStyle::Args => {
                // The four home slots above the return address, as WinDbg's x64 kb shows.
                let mut mem = cx.session().memory()?;
                let args: Vec<String> = (1..=4)
                    .map(|k| mem.read_u64(frame.sp + 8 * k).map(addr64).unwrap_or_else(|_| "????????`????????".into()))
                    .collect();
                cx.out(format!("{sp} {ret} : {} : {site}", args.join(" ")));
            }
        }
    }
    Ok(Flow::Next)
}

pub fn k(cx: &mut Cx, args: &str) -> Result<Flow> {
    stack(cx, args, StackStyle::Plain)
}

pub fn kn(cx: &mut Cx, args: &str) -> Result<Flow> {
    stack(cx, args, StackStyle::Numbered)
}

pub fn kb(cx: &mut Cx, args: &str) -> Result<Flow> {
    stack(cx, args, StackStyle::Args)
}

pub fn kp(cx: &mut Cx, args: &str) -> Result<Flow> {
    stack(cx, args, StackStyle::Params { lines: false })
}

/// `kP`: as `kp`, each parameter on its own line.
pub fn k_params_lines(cx: &mut Cx, args: &str) -> Result<Flow> {
    stack(cx, args, StackStyle::Params { lines: true })
}

/// One `~` line: `.  0  Id: 4d2.4d2 Suspend: 0 Teb: 00007fff`f7d8a740 Unfrozen`, the TEB column showing the
/// thread's environment block (the thread pointer outside Windows).
fn thread_line(cx: &mut Cx, thread: &ThreadInfo) -> String {
    let marker = if thread.tid == cx.tid() {
        '.'
    } else if thread.tid == cx.session().event_thread() {
        '#'
    } else {
        ' '
    };
    let (tid, index) = (thread.tid, thread.index);
    let teb = addr64(thread.environment_block.unwrap_or(0));
    format!("{marker}{index:>3}  Id: {:x}.{tid:x} Suspend: 0 Teb: {teb} Unfrozen", cx.session().pid())
}

/// The `~` lines of some of the threads.
fn thread_lines(cx: &mut Cx, threads: &[ThreadEntry]) -> Vec<String> {
    threads
        .iter()
        .map(|&thread| {
            let thread = cx.session().thread_info(thread);
            thread_line(cx, &thread)
        })
        .collect()
}

/// `~` (list), `~<n>s` (switch), `~<n|*|.|#> <command>` (run a command on threads).
pub fn threads(cx: &mut Cx, args: &str) -> Result<Flow> {
    if !cx.session().is_live() {
        return Err(Error::NoProcess);
    }
    let args = args.trim();
    if args.is_empty() {
        for thread in cx.session().threads_info() {
            let line = thread_line(cx, &thread);
            cx.out(line);
        }
        return Ok(Flow::Next);
    }
    let all: Vec<ThreadEntry> = cx.session().threads().to_vec();
    // Which threads: `*`, `.`, `#`, or an index.
    let (selector, command) = match args.chars().next() {
        Some('*') | Some('.') | Some('#') => args.split_at(1),
        _ => {
            let end = args.find(|c: char| !c.is_ascii_digit()).unwrap_or(args.len());
            args.split_at(end)
        }
    };
    let selected: Vec<ThreadEntry> = match selector {
        "*" => all.clone(),
        "." => all.iter().copied().filter(|t| t.tid == cx.tid()).collect(),
        "#" => all.iter().copied().filter(|t| t.tid == cx.session().event_thread()).collect(),
        n => {
            let index = n.parse::<u32>().map_err(|_| Error::msg(format!("Syntax error at '~{args}'")))?;
            let t = all
                .iter()
                .copied()
                .find(|t| t.index == index)
                .ok_or_else(|| Error::msg(format!("Illegal thread error: no thread {index}")))?;
            vec![t]
        }
    };
    let command = command.trim();
    // `~<threads>e <command>` runs any debugger command per thread, without the thread lines `~*k` prints.
    let (command, plain) = match command.strip_prefix(['e', 'E']) {
        Some(rest) if rest.is_empty() || rest.starts_with(char::is_whitespace) => (rest.trim(), true),
        _ => (command, false),
    };
    if plain && command.is_empty() {
        return Err(Error::msg(format!("Syntax error: ~{selector}e takes a command: ~{selector}e r rip")));
    }
    // `~` runs its command itself, not through the queue: a `~` under a `~` would recurse once per prefix of a long
    // line (`~0 ~0 ~0 ...`), and under `~*` multiply the runs by the thread count at each level.
    if command.starts_with('~') {
        return Err(Error::msg(format!("~{selector} runs one command on each thread, and that cannot be another ~")));
    }
    if command.eq_ignore_ascii_case("s") {
        let [ThreadEntry { index, .. }] = selected[..] else {
            return Err(Error::msg("~s switches to one thread"));
        };
        let tid = cx.session().thread_by_index(index)?;
        cx.console.choose_thread(cx.dbg, tid);
        // A thread chosen by the user has its own registers again, even the exception's after `.ecxr`.
        cx.session().reset_context();
        let rip = cx.session().register(tid, "rip")?;
        for line in crate::report::location_lines(cx.session(), rip) {
            cx.out(line);
        }
        return Ok(Flow::Next);
    }
    if command.is_empty() {
        for line in thread_lines(cx, &selected) {
            cx.out(line);
        }
        return Ok(Flow::Next);
    }
    // Run the command once per selected thread, with that thread current, then restore the current thread.
    let current = cx.tid();
    let saved = cx.session().thread_index(current).map(|_| current);
    // The headers are taken before switching, so `.` marks the thread that was current.
    let headers = thread_lines(cx, &selected);
    for (ThreadEntry { tid, .. }, header) in selected.into_iter().zip(headers) {
        cx.console.choose_thread(cx.dbg, tid);
        // The command's text waits until the command is known not to run the debuggee, which one thread cannot do
        // alone: that fails in one line, the current thread as it was.
        let mut text: Vec<String> = Vec::new();
        let flow = super::execute(&mut Cx::new(cx.console, cx.dbg, &mut text), command);
        if let super::Flow::Resume(_) = flow {
            if let Some(tid) = saved {
                cx.console.choose_thread(cx.dbg, tid);
            }
            return Err(Error::msg("execution commands cannot be run per thread"));
        }
        if !plain && (all.len() > 1 || selector == "*") {
            cx.out("");
            cx.out(header);
        }
        for line in text {
            cx.out(line);
        }
    }
    if let Some(tid) = saved {
        cx.console.choose_thread(cx.dbg, tid);
    }
    Ok(Flow::Next)
}
