//! Stepping by source line (WinDbg's `t` and `p` in source mode, `gu` back to a line; DAP's `stepIn`, `next` and
//! `stepOut`): the thread takes instruction steps (over calls, with `over`, by running to their return) until it
//! stands where a line begins, then stops. The rules are gdb's:
//! - a line is left only at an `is_stmt` row of another line (a line with several rows, or rows of other lines
//!   that are no statements, is stepped through), or when the frame returns;
//! - a frame that returns into the middle of its caller's line steps on through that line (a return onto a
//!   statement of another line stops there);
//! - `t` into a function with line information stops at its first instruction (WinDbg's `{` line); asked to go
//!   `past_prologue` (gdb, lldb and every DAP editor), it steps over that first line in the callee's frame, so it
//!   stops where the next line begins: the body's first line (gdb's prologue analysis by line: the function's
//!   second line-table line); into one without (a PLT stub, a library without debug information) runs to its return
//!   and steps on through the line;
//! - the frame is told by its CFA, so a recursive call run over by `p` does not stop in the inner activation
//!   (the return breakpoint checks the stack pointer, see `Internal::Return`).
//!
//! [`decide`] is the judgement, on line lookups alone; the session drives it from `control.rs`.

use crate::symbols::SourceLine;
use crate::target::Tid;

/// A step by line under way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct LineStep {
    pub tid: Tid,
    /// Over calls (`p`) rather than into them (`t`).
    pub over: bool,
    /// The line being left.
    pub line: SourceLine,
    /// The stepped frame's CFA: the thread's stack pointer at or above it means the frame has returned.
    pub cfa: Option<u64>,
    /// Where the stepped frame returns to.
    pub return_address: Option<u64>,
    /// The extent of the stepped frame's function: code without lines inside it is stepped through.
    pub function: Option<(u64, u64)>,
    /// The call `t` has just stepped into: its return address and the stack pointer at the call.
    pub call: Option<(u64, u64)>,
    /// Into a function with lines, stop after its prologue (on the body's first line), not at its entry.
    pub past_prologue: bool,
}

/// What the engine knows of lines, for [`decide`].
pub(super) trait Lines {
    /// The line `pc` is in.
    fn line_at(&self, pc: u64) -> Option<SourceLine>;
    /// The line whose statement begins exactly at `pc`.
    fn statement_at(&self, pc: u64) -> Option<SourceLine>;
}

impl Lines for super::Modules {
    fn line_at(&self, pc: u64) -> Option<SourceLine> {
        self.source_line(pc)
    }
    fn statement_at(&self, pc: u64) -> Option<SourceLine> {
        super::Modules::statement_at(self, pc)
    }
}

/// What to do after one step (or a run to a return) of a step by line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Next {
    /// The step is over: stop here.
    Stop,
    /// Take one more step through the line.
    Step,
    /// The frame returned into the middle of `line` of its caller: step on through it, in the caller's frame.
    StepInCaller(SourceLine),
    /// The thread entered a function with lines at its first line `line` (its prologue): step over that line in
    /// the callee's frame, to the body's first line.
    ThroughPrologue(SourceLine),
    /// The thread is in code without line information it called or jumped into: run until it is back at
    /// `address` with its stack pointer at or above `sp`.
    RunTo { address: u64, sp: u64 },
}

/// Where the thread of `step` now stands (`pc`, `sp`): the end of the step, or the way on.
pub(super) fn decide(step: &LineStep, pc: u64, sp: u64, lines: &dyn Lines) -> Next {
    if let Some((return_address, call_sp)) = step.call
        && sp < call_sp
    {
        // `t` stepped into a call: a function with lines is where the user wanted to go.
        return match lines.line_at(pc) {
            Some(line) if step.past_prologue => Next::ThroughPrologue(line),
            Some(_) => Next::Stop,
            None => Next::RunTo { address: return_address, sp: call_sp },
        };
    }
    if step.cfa.is_some_and(|cfa| sp >= cfa) {
        // Returned: a statement of another line stops; the middle of a line is stepped through in the caller.
        return match (lines.statement_at(pc), lines.line_at(pc)) {
            (Some(statement), _) if statement != step.line => Next::Stop,
            (_, Some(line)) => Next::StepInCaller(line),
            (_, None) => Next::Stop,
        };
    }
    if let Some(statement) = lines.statement_at(pc)
        && statement != step.line
    {
        return Next::Stop;
    }
    let in_function = step.function.is_some_and(|(start, end)| pc >= start && pc < end);
    if !in_function
        && lines.line_at(pc).is_none()
        && let (Some(address), Some(sp)) = (step.return_address, step.cfa)
    {
        // Jumped out of the function into code without lines (a tail call through a PLT stub): its return is
        // the frame's.
        return Next::RunTo { address, sp };
    }
    Next::Step
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::path::PathBuf;

    use super::*;

    /// Lines by address: (line, whether a statement begins there); addresses without an entry have no line.
    struct Table(HashMap<u64, (u32, bool)>);

    fn line(n: u32) -> SourceLine {
        SourceLine { file: PathBuf::from("/src/f.c"), line: n }
    }

    impl Lines for Table {
        fn line_at(&self, pc: u64) -> Option<SourceLine> {
            self.0.get(&pc).map(|&(n, _)| line(n))
        }
        fn statement_at(&self, pc: u64) -> Option<SourceLine> {
            self.0.get(&pc).filter(|(_, s)| *s).map(|&(n, _)| line(n))
        }
    }

    fn table(rows: &[(u64, u32, bool)]) -> Table {
        Table(rows.iter().map(|&(a, n, s)| (a, (n, s))).collect())
    }

    /// Stepping line 10 of a function at 0x100..0x200 whose frame's CFA is 0x8000.
    fn stepping(n: u32) -> LineStep {
        LineStep {
            tid: 1,
            over: true,
            line: line(n),
            cfa: Some(0x8000),
            return_address: Some(0x5000),
            function: Some((0x100, 0x200)),
            call: None,
            past_prologue: false,
        }
    }

    const IN_FRAME: u64 = 0x7f00;

    #[test]
    fn a_line_is_left_only_at_a_statement_of_another_line() {
        let t = table(&[(0x110, 10, true), (0x114, 12, false), (0x118, 10, true), (0x120, 11, true)]);
        let s = stepping(10);
        assert_eq!(decide(&s, 0x114, IN_FRAME, &t), Next::Step, "a row of line 12 that is no statement");
        assert_eq!(decide(&s, 0x118, IN_FRAME, &t), Next::Step, "another row of the same line");
        assert_eq!(decide(&s, 0x11a, IN_FRAME, &t), Next::Step, "inside a row (no line known here, in the function)");
        assert_eq!(decide(&s, 0x120, IN_FRAME, &t), Next::Stop);
    }

    #[test]
    fn a_return_into_the_middle_of_a_line_steps_on_through_the_callers_line() {
        let t = table(&[(0x5000, 26, false), (0x5010, 27, true)]);
        let s = stepping(7);
        assert_eq!(decide(&s, 0x5000, 0x8000, &t), Next::StepInCaller(line(26)));
        // A return onto the start of a statement of another line stops there.
        let t = table(&[(0x5000, 13, true)]);
        assert_eq!(decide(&s, 0x5000, 0x8000, &t), Next::Stop);
        // A return into code without lines stops: there is no line to finish.
        assert_eq!(decide(&s, 0x5000, 0x8000, &table(&[])), Next::Stop);
    }

    #[test]
    fn t_stops_in_a_callee_with_lines_and_runs_out_of_one_without() {
        let t = table(&[(0x300, 5, true)]);
        let s = LineStep { over: false, call: Some((0x150, 0x7f00)), ..stepping(10) };
        assert_eq!(decide(&s, 0x300, 0x7ef8, &t), Next::Stop);
        assert_eq!(decide(&s, 0x900, 0x7ef8, &t), Next::RunTo { address: 0x150, sp: 0x7f00 }, "a PLT stub");
    }

    #[test]
    fn past_the_prologue_t_steps_on_over_the_callees_first_line() {
        let t = table(&[(0x300, 5, true), (0x308, 6, true)]);
        let s = LineStep { over: false, call: Some((0x150, 0x7f00)), past_prologue: true, ..stepping(10) };
        assert_eq!(decide(&s, 0x300, 0x7ef8, &t), Next::ThroughPrologue(line(5)));
        assert_eq!(decide(&s, 0x900, 0x7ef8, &t), Next::RunTo { address: 0x150, sp: 0x7f00 }, "a PLT stub still");
        // Once in the callee, stepping its first line over stops where the next line begins.
        let through = LineStep { over: true, line: line(5), call: None, past_prologue: false, ..stepping(5) };
        assert_eq!(decide(&through, 0x304, IN_FRAME, &table(&[(0x304, 5, false)])), Next::Step);
        assert_eq!(decide(&through, 0x308, IN_FRAME, &t), Next::Stop);
    }

    #[test]
    fn a_jump_out_of_the_function_into_code_without_lines_runs_to_the_frames_return() {
        let s = stepping(10);
        assert_eq!(decide(&s, 0x900, IN_FRAME, &table(&[])), Next::RunTo { address: 0x5000, sp: 0x8000 });
        assert_eq!(decide(&s, 0x1f0, IN_FRAME, &table(&[])), Next::Step, "inside the function it steps on");
    }
}
