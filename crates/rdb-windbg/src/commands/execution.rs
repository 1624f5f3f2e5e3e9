//! Commands that let the debuggee run: `g`, `gh`, `gn`, `gc`, `t`, `p`, `gu`, `pc`, `tc`.

use rdb_engine::session::{Resumption, Stop, StopReason};
use rdb_engine::target::ContinueStatus;
use rdb_engine::{Error, Result};

use super::Cx;
use super::{Flow, Resume, ResumeKind, print_stop};

fn resume(kind: ResumeKind, text: String) -> Result<Flow> {
    Ok(Flow::Resume(Resume { kind, text }))
}

fn go_with(cx: &mut Cx, args: &str, status: Option<ContinueStatus>, name: &str) -> Result<Flow> {
    let args = args.trim();
    if args.is_empty() {
        return resume(ResumeKind::Go(status), name.to_string());
    }
    if args.starts_with('`') {
        let tid = cx.tid();
        let place = super::breakpoints::location(args)?;
        let addresses = cx.session().resolve(tid, &place)?;
        return resume(ResumeKind::GoToAny(addresses, status), format!("{name} {args}"));
    }
    let address = cx.eval(args)?;
    resume(ResumeKind::GoTo(address, status), format!("{name} {args}"))
}

/// `g [where]`: continue; exceptions as their filter says.
pub fn go(cx: &mut Cx, args: &str) -> Result<Flow> {
    go_with(cx, args, None, "g")
}

/// `gc`: after a breakpoint, continue the way the run that hit it was going (a step goes on stepping, a `p` over a
/// call still stops at its return); after any other stop, as `g`.
pub fn go_conditional(_cx: &mut Cx, args: &str) -> Result<Flow> {
    if !args.trim().is_empty() {
        return Err(Error::msg(format!("Syntax error at '{}': gc takes no arguments", args.trim())));
    }
    resume(ResumeKind::GoConditional, "gc".to_string())
}

/// `gh`: continue, the exception handled (the signal is not delivered).
pub fn go_handled(cx: &mut Cx, args: &str) -> Result<Flow> {
    go_with(cx, args, Some(ContinueStatus::Handled), "gh")
}

/// `gn`: continue, the exception not handled (the signal is delivered to the debuggee).
pub fn go_not_handled(cx: &mut Cx, args: &str) -> Result<Flow> {
    go_with(cx, args, Some(ContinueStatus::NotHandled), "gn")
}

fn count(cx: &mut Cx, args: &str) -> Result<u64> {
    let args = args.trim();
    if args.is_empty() {
        return Ok(1);
    }
    match cx.eval(args)? {
        n if n == 0 || (n as i64) < 0 => {
            Err(Error::msg(format!("the count must be a positive number, not {}", n as i64)))
        }
        n => Ok(n),
    }
}

/// `t [count]`: step into.
pub fn trace(cx: &mut Cx, args: &str) -> Result<Flow> {
    let n = count(cx, args)?;
    resume(ResumeKind::StepInto(n), format!("t{args}"))
}

/// `p [count]`: step over calls.
pub fn step(cx: &mut Cx, args: &str) -> Result<Flow> {
    let n = count(cx, args)?;
    resume(ResumeKind::StepOver(n), format!("p{args}"))
}

/// `gu`: go up, to the return of the current function.
pub fn go_up(_cx: &mut Cx, _args: &str) -> Result<Flow> {
    resume(ResumeKind::StepOut, "gu".into())
}

pub fn step_to_call(_cx: &mut Cx, _args: &str) -> Result<Flow> {
    resume(ResumeKind::ToCall { over: true }, "pc".into())
}

pub fn trace_to_call(_cx: &mut Cx, _args: &str) -> Result<Flow> {
    resume(ResumeKind::ToCall { over: false }, "tc".into())
}

/// Carry out a resumption. Intermediate steps of `t <n>`/`p <n>` are printed here; the final stop is returned
/// for the console to show.
pub fn perform(cx: &mut Cx, r: &Resume) -> Result<Option<Stop>> {
    let tid = cx.tid();
    // In source mode (`l+t`) the engine steps by source line.
    let by_line = cx.console.source.source_mode();
    let how = match r.kind.clone() {
        ResumeKind::Go(status) => Resumption::Go { status },
        ResumeKind::GoConditional => Resumption::GoConditional,
        ResumeKind::GoTo(address, status) => Resumption::GoTo { address, status },
        ResumeKind::GoToAny(addresses, status) => Resumption::GoToAny { addresses, status },
        ResumeKind::StepOut if by_line => Resumption::StepOutToLine { tid },
        ResumeKind::StepOut => Resumption::StepOut { tid },
        ResumeKind::ToCall { over } => Resumption::ToCall { tid, over },
        ResumeKind::StepInto(n) | ResumeKind::StepOver(n) => {
            let over = matches!(r.kind, ResumeKind::StepOver(_));
            let mut last = None;
            for i in 0..n {
                let tid = cx.tid();
                let how = match (by_line, over) {
                    // WinDbg's `t` stops where a function begins: its `{` line.
                    (true, _) => Resumption::StepLine { tid, over, past_prologue: false },
                    (false, true) => Resumption::StepOver { tid },
                    (false, false) => Resumption::StepInto { tid },
                };
                cx.flush();
                let stop = cx.dbg.run(how)?;
                let done = stop.reason != StopReason::Step || i + 1 == n;
                if done {
                    last = Some(stop);
                    break;
                }
                print_stop(cx, &stop);
            }
            return Ok(last);
        }
    };
    cx.flush();
    cx.dbg.run(how).map(Some)
}
