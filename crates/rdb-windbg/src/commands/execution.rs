//! Commands that let the debuggee run: `g`, `gh`, `gn`, `gc`, `t`, `p`, `gu`, `pc`, `tc`.

use rdb_engine::session::{Stop, StopReason};
use rdb_engine::target::ContinueStatus;
use rdb_engine::{Error, Result};

use super::{Flow, Resume, ResumeKind, print_stop};
use crate::console::Console;

fn resume(kind: ResumeKind, text: String) -> Result<Flow> {
    Ok(Flow::Resume(Resume { kind, text }))
}

fn go_with(console: &mut Console, args: &str, status: Option<ContinueStatus>, name: &str) -> Result<Flow> {
    let args = args.trim();
    if args.is_empty() {
        return resume(ResumeKind::Go(status), name.to_string());
    }
    let address = console.session.evaluate(args)?;
    resume(ResumeKind::GoTo(address, status), format!("{name} {args}"))
}

/// `g [where]`: continue; exceptions as their filter says.
pub fn go(console: &mut Console, args: &str) -> Result<Flow> {
    go_with(console, args, None, "g")
}

/// `gc`: after a breakpoint, continue the way the run that hit it was going (a step goes on stepping, a `p` over a
/// call still stops at its return); after any other stop, as `g`.
pub fn go_conditional(_console: &mut Console, args: &str) -> Result<Flow> {
    if !args.trim().is_empty() {
        return Err(Error::msg(format!("Syntax error at '{}': gc takes no arguments", args.trim())));
    }
    resume(ResumeKind::GoConditional, "gc".to_string())
}

/// `gh`: continue, the exception handled (the signal is not delivered).
pub fn go_handled(console: &mut Console, args: &str) -> Result<Flow> {
    go_with(console, args, Some(ContinueStatus::Handled), "gh")
}

/// `gn`: continue, the exception not handled (the signal is delivered to the debuggee).
pub fn go_not_handled(console: &mut Console, args: &str) -> Result<Flow> {
    go_with(console, args, Some(ContinueStatus::NotHandled), "gn")
}

fn count(console: &mut Console, args: &str) -> Result<u64> {
    let args = args.trim();
    if args.is_empty() {
        return Ok(1);
    }
    match console.session.evaluate(args)? {
        n if n == 0 || (n as i64) < 0 => {
            Err(Error::msg(format!("the count must be a positive number, not {}", n as i64)))
        }
        n => Ok(n),
    }
}

/// `t [count]`: step into.
pub fn trace(console: &mut Console, args: &str) -> Result<Flow> {
    let n = count(console, args)?;
    resume(ResumeKind::StepInto(n), format!("t{args}"))
}

/// `p [count]`: step over calls.
pub fn step(console: &mut Console, args: &str) -> Result<Flow> {
    let n = count(console, args)?;
    resume(ResumeKind::StepOver(n), format!("p{args}"))
}

/// `gu`: go up, to the return of the current function.
pub fn go_up(_console: &mut Console, _args: &str) -> Result<Flow> {
    resume(ResumeKind::StepOut, "gu".into())
}

pub fn step_to_call(_console: &mut Console, _args: &str) -> Result<Flow> {
    resume(ResumeKind::ToCall { over: true }, "pc".into())
}

pub fn trace_to_call(_console: &mut Console, _args: &str) -> Result<Flow> {
    resume(ResumeKind::ToCall { over: false }, "tc".into())
}

/// Carry out a resumption. Intermediate steps of `t <n>`/`p <n>` are printed here; the final stop is returned
/// for the console to show.
pub fn perform(console: &mut Console, r: &Resume) -> Result<Option<Stop>> {
    let session = &mut console.session;
    match r.kind {
        ResumeKind::Go(status) => session.go(status).map(Some),
        ResumeKind::GoConditional => session.go_conditional().map(Some),
        ResumeKind::GoTo(address, status) => session.go_to(address, status).map(Some),
        ResumeKind::StepOut => session.step_out().map(Some),
        ResumeKind::ToCall { over } => session.step_to_call(over).map(Some),
        ResumeKind::StepInto(n) | ResumeKind::StepOver(n) => {
            let over = matches!(r.kind, ResumeKind::StepOver(_));
            let mut last = None;
            for i in 0..n {
                let stop = if over { console.session.step_over()? } else { console.session.step_into()? };
                let done = stop.reason != StopReason::Step || i + 1 == n;
                if done {
                    last = Some(stop);
                    break;
                }
                print_stop(console, &stop);
            }
            Ok(last)
        }
    }
}
