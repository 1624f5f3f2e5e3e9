//! Stepping by source line where the fake target's modules have no line information (their files do not exist):
//! `StepLine` is then the instruction step of `t` or `p`, and `StepOutToLine` stops at the return, as `gu` does.
//! The judgement on lines is `source_step.rs`'s own tests; real line tables are the integration tests'.

use super::*;

#[test]
fn a_line_step_without_lines_over_a_call_runs_to_its_return() {
    let call = [0xe8, 0x00, 0x01, 0x00, 0x00];
    let ret = ENTRY + 5;
    let script: Script = VecDeque::from([breakpoint_at(ret)]);
    let (mut session, state, _) = started(&[(ENTRY, &call)], script);
    let stop = session.run(Resumption::StepLine { tid: TID, over: true, past_prologue: false }).unwrap();
    assert_eq!(stop.reason, StopReason::Step);
    assert_eq!(state.borrow().rip(), ret);
    assert!(matches!(state.borrow().resumes.last(), Some((_, Resume::All))), "every thread runs over the call");
}

#[test]
fn a_line_step_without_lines_into_code_is_one_instruction() {
    let script: Script = VecDeque::from([single_step_to(ENTRY + 1)]);
    let (mut session, state, _) = started(&[(ENTRY, STEPS_ALONE)], script);
    let stop = session.run(Resumption::StepLine { tid: TID, over: false, past_prologue: true }).unwrap();
    assert_eq!(stop.reason, StopReason::Step);
    assert_eq!(state.borrow().rip(), ENTRY + 1);
    assert!(session.line_step.is_none(), "no step by line is under way");
}
