//! Commands about the session itself: expressions (`?`), event filters (`sx*`), attach, detach, restart, quit,
//! `.echo`, `.help`.

use rdb_engine::fmt::addr64;
use rdb_engine::session::Action;
use rdb_engine::target::ContinueStatus;
use rdb_engine::{Error, Result};

use super::Cx;
use super::Flow;

/// `? <expr>`: `Evaluate expression: 16 = 00000000`00000010`.
pub fn evaluate(cx: &mut Cx, args: &str) -> Result<Flow> {
    let text = args.trim();
    if text.is_empty() {
        return Err(Error::msg("Syntax error: usage is ? <expression>"));
    }
    let value = cx.eval(text)?;
    cx.out(format!("Evaluate expression: {} = {}", value as i64, addr64(value)));
    Ok(Flow::Next)
}

pub fn sx(cx: &mut Cx, _args: &str) -> Result<Flow> {
    // rdb.exe debugs Windows processes, which have exceptions, not signals.
    for line in crate::report::filter_lines(&cx.session().filters, cfg!(unix)) {
        cx.out(line);
    }
    Ok(Flow::Next)
}

/// `sxe/sxd/sxn/sxi [-h|-n] <event> [<event>...]`.
fn set_filter(cx: &mut Cx, args: &str, action: Action) -> Result<Flow> {
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
            Some(s) => cx.session().filters.set_continue(name, s)?,
            None => cx.session().filters.set(name, action)?,
        }
    }
    Ok(Flow::Next)
}

pub fn sxe(cx: &mut Cx, args: &str) -> Result<Flow> {
    set_filter(cx, args, Action::Break)
}

pub fn sxd(cx: &mut Cx, args: &str) -> Result<Flow> {
    set_filter(cx, args, Action::SecondChance)
}

pub fn sxn(cx: &mut Cx, args: &str) -> Result<Flow> {
    set_filter(cx, args, Action::Output)
}

pub fn sxi(cx: &mut Cx, args: &str) -> Result<Flow> {
    set_filter(cx, args, Action::Ignore)
}

/// `.attach <pid>`.
pub fn attach(cx: &mut Cx, args: &str) -> Result<Flow> {
    if cx.session().is_live() {
        return Err(Error::msg("already debugging a process: .detach or q it first"));
    }
    let pid = cx.eval(args.trim())?;
    let pid = u32::try_from(pid).map_err(|_| Error::msg(format!("{pid:#x} is not a process id")))?;
    let stop = cx.dbg.attach(pid)?;
    Ok(cx.console.after_stop(cx.dbg, stop, cx.out.out))
}

pub fn detach(cx: &mut Cx, _args: &str) -> Result<Flow> {
    cx.session().detach()?;
    cx.out("Detached");
    Ok(Flow::Next)
}

/// `.restart`: end the debuggee and launch the same command line again; breakpoints stay.
pub fn restart(cx: &mut Cx, _args: &str) -> Result<Flow> {
    cx.session().check_can_change()?;
    let Some(launch) = cx.dbg.launched().cloned() else {
        return Err(Error::msg("nothing to restart: the debuggee was attached, not launched"));
    };
    cx.session().kill()?;
    cx.out(format!("CommandLine: {}{}", cx.dbg.command_line(&launch), launch.stdio.describe()));
    cx.flush();
    let stop = cx.dbg.launch(launch)?;
    Ok(cx.console.after_stop(cx.dbg, stop, cx.out.out))
}

/// `.echo text` or `.echo "text; with semicolons"`.
/// `.lastevent`: the last event the session stopped for, and the time now.
pub fn lastevent(cx: &mut Cx, _args: &str) -> Result<Flow> {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    for line in crate::report::last_event_lines(cx.console.last_stop.as_ref(), (now.as_secs(), now.subsec_millis())) {
        cx.out(line);
    }
    Ok(Flow::Next)
}

pub fn echo(cx: &mut Cx, args: &str) -> Result<Flow> {
    match crate::parse::take_quoted(args) {
        Some(Ok((text, rest))) if rest.trim().is_empty() => cx.out(text),
        _ => cx.out(args.trim()),
    }
    Ok(Flow::Next)
}

pub fn help(cx: &mut Cx, args: &str) -> Result<Flow> {
    let topic = args.trim();
    if topic.is_empty() {
        for line in crate::help::summary() {
            cx.out(line);
        }
        return Ok(Flow::Next);
    }
    match crate::help::topic(topic) {
        Some(text) => {
            for line in text.lines() {
                cx.out(line);
            }
            Ok(Flow::Next)
        }
        None => Err(Error::msg(format!("no help for '{topic}' (.help lists the commands)"))),
    }
}

pub fn q(cx: &mut Cx, _args: &str) -> Result<Flow> {
    Ok(cx.console.quit(cx.dbg, false, cx.out.out))
}

pub fn qd(cx: &mut Cx, _args: &str) -> Result<Flow> {
    Ok(cx.console.quit(cx.dbg, true, cx.out.out))
}

/// `.exr -1`: the last exception's record: address, code, flags and parameters.
pub fn exr(cx: &mut Cx, args: &str) -> Result<Flow> {
    if args.trim() != "-1" {
        return Err(Error::msg(format!(
            "Syntax error at '.exr{args}': only .exr -1 (the last exception) is supported"
        )));
    }
    let Some(e) = cx.session().last_exception().cloned() else {
        return Err(Error::msg("no exception has occurred in this debuggee"));
    };
    let session = cx.dbg.session();
    let lines = crate::report::exception_record_lines(&e, &|a| session.modules.describe(a));
    for line in lines {
        cx.out(line);
    }
    Ok(Flow::Next)
}
