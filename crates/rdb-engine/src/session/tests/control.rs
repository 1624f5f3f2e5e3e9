//! Run control in halves, and carrying on after a pause the front end does not show (`Resumption::Again`): a
//! break-in in the middle of a `p` over a call, of a `pc`, or of a `g`, and the run goes on exactly as it was.

use super::*;

fn break_in() -> Box<dyn FnMut(&mut State) -> Event> {
    Box::new(|s: &mut State| {
        // Stopped somewhere inside the callee.
        s.set_rip(ENTRY + 0x105);
        event(EventKind::Exception(Exception {
            kind: ExceptionKind::BreakIn,
            address: ENTRY + 0x105,
            first_chance: true,
        }))
    })
}

#[test]
fn resume_then_wait_is_run() {
    let bp = ENTRY + 0x30;
    let script: Script = VecDeque::from([breakpoint_at(bp)]);
    let (mut session, _, _) = started(&[(bp, &[0x41])], script);
    session.add_breakpoint(TID, code_at(bp)).unwrap();
    assert_eq!(session.resume(Resumption::Go { status: None }).unwrap(), None, "the debuggee runs");
    assert_eq!(session.wait().unwrap().reason, StopReason::Breakpoint(vec![0]));
}

#[test]
fn a_pause_in_a_step_over_a_call_carries_on_to_its_return() {
    let call = [0xe8, 0x00, 0x01, 0x00, 0x00];
    let ret = ENTRY + 5;
    let script: Script = VecDeque::from([break_in(), breakpoint_at(ret)]);
    let (mut session, state, _) = started(&[(ENTRY, &call)], script);
    let paused = session.run(Resumption::StepOver { tid: TID }).unwrap();
    assert!(matches!(paused.reason, StopReason::BreakIn { .. }));
    // The return's temporary breakpoint is forgotten at the stop; `Again` plants it again and runs on.
    let stop = session.run(Resumption::Again).unwrap();
    assert_eq!(stop.reason, StopReason::Step, "the step over still ends at the call's return");
    assert_eq!(state.borrow().rip(), ret);
}

#[test]
fn gc_after_a_pause_is_g_but_again_is_the_interrupted_run() {
    // gc carries on only after a breakpoint (WinDbg): after a break-in, the return's breakpoint is forgotten.
    let call = [0xe8, 0x00, 0x01, 0x00, 0x00];
    let ret = ENTRY + 5;
    let at_exit: Box<dyn FnMut(&mut State) -> Event> = Box::new(move |s: &mut State| {
        assert_ne!(s.byte(ret), 0xcc, "gc after a break-in ran with no breakpoint at the return");
        event(EventKind::ProcessExited { status: ExitStatus::Code(0) })
    });
    let script: Script = VecDeque::from([break_in(), at_exit]);
    let (mut session, _, _) = started(&[(ENTRY, &call)], script);
    session.run(Resumption::StepOver { tid: TID }).unwrap();
    let stop = session.run(Resumption::GoConditional).unwrap();
    assert_eq!(stop.reason, StopReason::ProcessExited(ExitStatus::Code(0)));
}

#[test]
fn a_pause_in_a_step_to_call_carries_on_stepping_to_the_call() {
    // Three one-byte instructions (`cld`, stepped alone), then a call: `tc` stops on the call.
    let code: &[u8] = &[0xfc, 0xfc, 0xfc, 0xe8, 0, 0, 0, 0];
    let pause_mid_step: Box<dyn FnMut(&mut State) -> Event> = Box::new(|s: &mut State| {
        // The break-in arrives while the second step is under way: the thread did not move.
        event(EventKind::Exception(Exception { kind: ExceptionKind::BreakIn, address: s.rip(), first_chance: true }))
    });
    let script: Script = VecDeque::from([
        single_step_to(ENTRY + 1),
        pause_mid_step,
        single_step_to(ENTRY + 2),
        single_step_to(ENTRY + 3),
    ]);
    let (mut session, state, _) = started(&[(ENTRY, code)], script);
    let paused = session.run(Resumption::ToCall { tid: TID, over: false }).unwrap();
    assert!(matches!(paused.reason, StopReason::BreakIn { .. }), "{paused:?}");
    assert_eq!(state.borrow().rip(), ENTRY + 1);
    let stop = session.run(Resumption::Again).unwrap();
    assert_eq!(stop.reason, StopReason::Step);
    assert_eq!(state.borrow().rip(), ENTRY + 3, "stepping went on to the call");
}

/// The statuses of the resumes since the `since`th.
fn statuses_since(state: &Rc<RefCell<State>>, since: usize) -> Vec<ContinueStatus> {
    state.borrow().resumes[since..].iter().map(|(status, _)| *status).collect()
}

#[test]
fn gn_at_a_breakpoint_of_ours_continues_it_handled_and_runs_the_instruction_once() {
    // `push rbp`, which the engine emulates: the step off moves rsp once, and the int3 is never the program's.
    let bp = ENTRY + 0x30;
    let at_exit: Box<dyn FnMut(&mut State) -> Event> = Box::new(move |s: &mut State| {
        assert_eq!(s.rip(), bp + 1, "past the instruction, once");
        assert_eq!(s.regs[&TID].rsp, 0x7fff_0000 - 8, "one push");
        event(EventKind::ProcessExited { status: ExitStatus::Code(3) })
    });
    let script: Script = VecDeque::from([breakpoint_at(bp), at_exit]);
    let (mut session, state, _) = started(&[(bp, &[0x55])], script);
    session.add_breakpoint(TID, code_at(bp)).unwrap();
    assert_eq!(session.go(None).unwrap().reason, StopReason::Breakpoint(vec![0]));
    let before = state.borrow().resumes.len();
    let stop = session.go(Some(ContinueStatus::NotHandled)).unwrap();
    assert_eq!(stop.reason, StopReason::ProcessExited(ExitStatus::Code(3)));
    assert_eq!(statuses_since(&state, before), [ContinueStatus::Handled], "the int3 is ours, not the program's");
}

#[test]
fn gn_stepping_off_a_breakpoint_alone_continues_it_handled() {
    let bp = ENTRY + 0x30;
    let script: Script = VecDeque::from([breakpoint_at(bp), single_step_to(bp + 1), exit(0)]);
    let (mut session, state, _) = started(&[(bp, STEPS_ALONE)], script);
    session.add_breakpoint(TID, code_at(bp)).unwrap();
    session.go(None).unwrap();
    let before = state.borrow().resumes.len();
    session.go(Some(ContinueStatus::NotHandled)).unwrap();
    assert_eq!(statuses_since(&state, before), [ContinueStatus::Handled; 2], "the step off and the run");
}

#[test]
fn gn_at_the_initial_breakpoint_and_after_a_step_continues_handled() {
    let script: Script = VecDeque::from([single_step_to(ENTRY + 1), exit(0)]);
    let (mut session, state, _) = started(&[(ENTRY, STEPS_ALONE)], script);
    let before = state.borrow().resumes.len();
    assert_eq!(session.run(Resumption::StepInto { tid: TID }).unwrap().reason, StopReason::Step);
    session.go(Some(ContinueStatus::NotHandled)).unwrap();
    assert_eq!(statuses_since(&state, before), [ContinueStatus::Handled; 2]);

    let (mut session, state, _) = started(&[(ENTRY, STEPS_ALONE)], VecDeque::from([exit(0)]));
    let before = state.borrow().resumes.len();
    session.go(Some(ContinueStatus::NotHandled)).unwrap();
    assert_eq!(statuses_since(&state, before), [ContinueStatus::Handled], "the initial breakpoint is the engine's");
}

#[test]
fn gn_at_the_programs_own_int3_passes_it_to_the_program() {
    // A hard-coded int3 (`__debugbreak`): the program's, so `gn` hands it over, and `g` swallows it.
    const INT3_AT: u64 = ENTRY + 0x40;
    let own_int3 = || -> Box<dyn FnMut(&mut State) -> Event> {
        Box::new(|s: &mut State| {
            s.set_rip(INT3_AT + 1);
            event(EventKind::Exception(Exception {
                kind: ExceptionKind::Breakpoint,
                address: INT3_AT,
                first_chance: true,
            }))
        })
    };
    let script: Script = VecDeque::from([own_int3(), exit(0)]);
    let (mut session, state, _) = started(&[(INT3_AT, &[0xcc])], script);
    assert!(matches!(session.go(None).unwrap().reason, StopReason::Exception(_)));
    let before = state.borrow().resumes.len();
    session.go(Some(ContinueStatus::NotHandled)).unwrap();
    assert_eq!(statuses_since(&state, before), [ContinueStatus::NotHandled]);
}
