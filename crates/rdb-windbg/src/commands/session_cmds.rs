//! Commands about the session itself: expressions (`?`), event filters (`sx*`), attach, detach, restart, quit,
//! `.echo`, `.help`.

use rdb_engine::fmt::addr64;
use rdb_engine::session::Action;
use rdb_engine::target::ContinueStatus;
use rdb_engine::{Error, Result};

use super::Flow;
use crate::console::{Console, out};

/// `? <expr>`: `Evaluate expression: 16 = 00000000`00000010`.
pub fn evaluate(console: &mut Console, args: &str) -> Result<Flow> {
    let text = args.trim();
    if text.is_empty() {
        return Err(Error::msg("Syntax error: usage is ? <expression>"));
    }
    let value = console.session.evaluate(text)?;
    out(format!("Evaluate expression: {} = {}", value as i64, addr64(value)));
    Ok(Flow::Next)
}

pub fn sx(console: &mut Console, _args: &str) -> Result<Flow> {
    // rdb.exe debugs Windows processes, which have exceptions, not signals.
    for line in console.session.filters.listing(cfg!(unix)) {
        out(line);
    }
    Ok(Flow::Next)
}

/// `sxe/sxd/sxn/sxi [-h|-n] <event> [<event>...]`.
fn set_filter(console: &mut Console, args: &str, action: Action) -> Result<Flow> {
    let mut words = args.split_whitespace().peekable();
    let mut status = None;
    while let Some(flag) = words.peek().copied().filter(|w| w.starts_with('-')) {
        status = match flag {
            "-h" => Some(ContinueStatus::Handled),
            "-n" => Some(ContinueStatus::NotHandled),
            _ => return Err(Error::msg(format!("Syntax error: unknown option '{flag}'"))),
        };
        words.next();
    }
    let names: Vec<&str> = words.collect();
    if names.is_empty() {
        return Err(Error::msg("Syntax error: name an event (sx lists them)"));
    }
    for name in names {
        match status {
            Some(s) => console.session.filters.set_continue(name, s)?,
            None => console.session.filters.set(name, action)?,
        }
    }
    Ok(Flow::Next)
}

pub fn sxe(console: &mut Console, args: &str) -> Result<Flow> {
    set_filter(console, args, Action::Break)
}

pub fn sxd(console: &mut Console, args: &str) -> Result<Flow> {
    set_filter(console, args, Action::SecondChance)
}

pub fn sxn(console: &mut Console, args: &str) -> Result<Flow> {
    set_filter(console, args, Action::Output)
}

pub fn sxi(console: &mut Console, args: &str) -> Result<Flow> {
    set_filter(console, args, Action::Ignore)
}

/// `.attach <pid>`.
pub fn attach(console: &mut Console, args: &str) -> Result<Flow> {
    if console.session.is_live() {
        return Err(Error::msg("already debugging a process: .detach or q it first"));
    }
    let pid = console.session.evaluate(args.trim())?;
    let pid = u32::try_from(pid).map_err(|_| Error::msg(format!("{pid:#x} is not a process id")))?;
    let target = rdb_host::attach(pid)?;
    let stop = console.start(target)?;
    console.program = None;
    Ok(console.after_stop(stop))
}

pub fn detach(console: &mut Console, _args: &str) -> Result<Flow> {
    console.session.detach()?;
    out("Detached");
    Ok(Flow::Next)
}

/// `.restart`: end the debuggee and launch the same command line again; breakpoints stay.
pub fn restart(console: &mut Console, _args: &str) -> Result<Flow> {
    let Some((program, args)) = console.program.clone() else {
        return Err(Error::msg("nothing to restart: the debuggee was attached, not launched"));
    };
    console.session.kill()?;
    let command_line = std::iter::once(program.display().to_string()).chain(args.iter().cloned()).collect::<Vec<_>>();
    out(format!("CommandLine: {}", command_line.join(" ")));
    let target = rdb_host::launch(&program, &args, console.follow_children)?;
    let stop = console.start(target)?;
    Ok(console.after_stop(stop))
}

/// `.echo text` or `.echo "text; with semicolons"`.
pub fn echo(_console: &mut Console, args: &str) -> Result<Flow> {
    match crate::parse::take_quoted(args) {
        Some(Ok((text, rest))) if rest.trim().is_empty() => out(text),
        _ => out(args.trim()),
    }
    Ok(Flow::Next)
}

pub fn help(_console: &mut Console, args: &str) -> Result<Flow> {
    let topic = args.trim();
    if topic.is_empty() {
        for line in crate::help::summary() {
            out(line);
        }
        return Ok(Flow::Next);
    }
    match crate::help::topic(topic) {
        Some(text) => {
            for line in text.lines() {
                out(line);
            }
            Ok(Flow::Next)
        }
        None => Err(Error::msg(format!("no help for '{topic}' (.help lists the commands)"))),
    }
}

/// End the session: a launched debuggee is killed, an attached one detached (`detach` forces detaching).
pub fn quit(console: &mut Console, detach: bool) -> Flow {
    console.end_family();
    let result = if detach && console.session.is_live() { console.session.detach() } else { console.session.end() };
    if let Err(e) = result {
        out(format!("^ {e} while quitting"));
    }
    out("quit:");
    Flow::Quit
}

pub fn q(console: &mut Console, _args: &str) -> Result<Flow> {
    Ok(quit(console, false))
}

pub fn qd(console: &mut Console, _args: &str) -> Result<Flow> {
    Ok(quit(console, true))
}

/// `.exr -1`: the last exception's record: address, code, flags and parameters.
pub fn exr(console: &mut Console, args: &str) -> Result<Flow> {
    if args.trim() != "-1" {
        return Err(Error::msg(format!(
            "Syntax error at '.exr{args}': only .exr -1 (the last exception) is supported"
        )));
    }
    let Some(e) = console.session.last_exception().cloned() else {
        return Err(Error::msg("no exception has occurred in this debuggee"));
    };
    let session = &console.session;
    for line in crate::report::exception_record_lines(&e, &|a| session.modules.describe(a)) {
        out(line);
    }
    Ok(Flow::Next)
}
