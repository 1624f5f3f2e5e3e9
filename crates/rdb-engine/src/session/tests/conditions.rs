//! Breakpoint conditions (`bp /w`) and `gc` against the scripted fake target.

use super::*;

type Step = Box<dyn FnMut(&mut State) -> Event>;

const BP: u64 = ENTRY + 0x80;

/// The thread reaches the int3 at `address` with `rax` holding `rax`.
fn hit_with(address: u64, rax: u64) -> Step {
    Box::new(move |s: &mut State| {
        s.regs.get_mut(&TID).unwrap().rax = rax;
        s.set_rip(address);
        breakpoint_at(address)(s)
    })
}

/// The script of `values.len()` hits at BP, each stepped off, then the process exits.
fn hits(values: &[u64]) -> Script {
    let mut script: Script = VecDeque::new();
    for &v in values {
        script.push_back(hit_with(BP, v));
        script.push_back(single_step_to(BP + 1));
    }
    script.push_back(exit(0));
    script
}

fn conditional(session: &mut Session, condition: &str, passes: u32) -> u32 {
    session.add_breakpoint(TID, Spec { passes, ..when(BP, condition) }).unwrap()
}

fn notes(notices: &Rc<RefCell<Vec<Notice>>>) -> Vec<String> {
    notices
        .borrow()
        .iter()
        .filter_map(|n| match n {
            Notice::ConditionFailed { id, error } => Some(format!("{id}: {error}")),
            _ => None,
        })
        .collect()
}

#[test]
fn a_false_condition_never_stops_and_one_go_runs_through_every_false_hit() {
    let (mut session, state, notices) = started(&[(BP, STEPS_ALONE)], hits(&[1, 2, 3, 4, 5]));
    conditional(&mut session, "@rax == 7", 1);
    let stop = session.go(None).unwrap();
    assert_eq!(stop.reason, StopReason::ProcessExited(ExitStatus::Code(0)), "one go, five hits decided in the engine");
    assert_eq!(session.breakpoints.get(0).unwrap().hits, 0, "a false condition is no hit");
    assert!(notes(&notices).is_empty());
    let s = state.borrow();
    assert_eq!(s.resumes.iter().filter(|(_, r)| matches!(r, Resume::Step { .. })).count(), 5, "each stepped off");
}

#[test]
fn a_true_condition_stops_on_the_thread_that_hit() {
    let (mut session, state, _) = started(&[(BP, STEPS_ALONE)], hits(&[1, 7, 2]));
    conditional(&mut session, "rax == 7 && @rip == 401080", 1);
    assert_eq!(session.go(None).unwrap().reason, StopReason::Breakpoint(vec![0]));
    assert_eq!(state.borrow().regs[&TID].rax, 7);
    assert_eq!(session.breakpoints.get(0).unwrap().hits, 1);
    assert_eq!(session.go(None).unwrap().reason, StopReason::ProcessExited(ExitStatus::Code(0)));
}

#[test]
fn a_condition_that_cannot_be_evaluated_stops_with_a_note() {
    let (mut session, _, notices) = started(&[(BP, STEPS_ALONE)], hits(&[0x2000, 0]));
    conditional(&mut session, "poi(@rax) == 90909090`90909090", 1);
    assert_eq!(session.go(None).unwrap().reason, StopReason::Breakpoint(vec![0]), "memory at 0x2000 reads");
    assert!(notes(&notices).is_empty());
    assert_eq!(session.go(None).unwrap().reason, StopReason::Breakpoint(vec![0]), "memory at 0 does not");
    assert_eq!(notes(&notices), [format!("0: {}", Error::MemoryAccess(0))]);
    assert_eq!(session.breakpoints.get(0).unwrap().hits, 2);
}

#[test]
fn pass_counts_count_only_hits_whose_condition_holds() {
    let (mut session, state, _) = started(&[(BP, STEPS_ALONE)], hits(&[7, 1, 2, 7, 7]));
    conditional(&mut session, "@rax == 7", 2);
    assert_eq!(session.go(None).unwrap().reason, StopReason::Breakpoint(vec![0]));
    assert_eq!(state.borrow().resumes.iter().filter(|(_, r)| matches!(r, Resume::Step { .. })).count(), 3);
    let b = session.breakpoints.get(0).unwrap();
    assert_eq!((b.hits, b.remaining), (2, 1), "the fourth hit is the second true one");
}

#[test]
fn conditions_are_checked_when_set() {
    let (mut session, _, _) = started(&[(BP, STEPS_ALONE)], VecDeque::new());
    let id = session.add_breakpoint(TID, code_at(BP)).unwrap();
    let set = |s: &mut Session, c: &str| s.set_condition(id, Some(Condition::masm(c))).map_err(|e| e.to_string());
    assert_eq!(set(&mut session, "nosuch == 1"), Err("Couldn't resolve error at 'nosuch'".into()));
    assert_eq!(set(&mut session, "@rax =="), Err("Syntax error at '<EOL>'".into()));
    assert_eq!(set(&mut session, "@bogus == 1"), Err("Bad register error at '@bogus'".into()));
    assert_eq!(set(&mut session, "@$peb != 0"), Err("Bad register error at '@$peb'".into()), "no PEB on this target");
    assert_eq!(session.breakpoints.get(id).unwrap().spec.condition, None, "a refused condition leaves none");
    assert_eq!(set(&mut session, "poi(0) == 1 or 1/@rcx or $ra"), Ok(()), "values are not read when set");
    // A `bu` waiting for its module cannot know the module's symbols yet.
    let waits = Spec { deferred: true, ..Spec::new(Owner::Console, Kind::Software, Location::Expr("later!f".into())) };
    let bu = session.add_breakpoint(TID, waits).unwrap();
    let later = Condition::masm("poi(later!count) > 3");
    assert_eq!(session.set_condition(bu, Some(later.clone())).map_err(|e| e.to_string()), Ok(()));
    assert!(session.check_condition(&later, true).is_err());
}

#[test]
fn gc_after_a_breakpoint_in_a_stepped_over_call_finishes_the_step() {
    // call rel32 at the entry point; the callee is 0x100 past the return address.
    let call = [0xe8, 0x00, 0x01, 0x00, 0x00];
    let ret = ENTRY + 5;
    let callee = ret + 0x100;
    let script: Script = VecDeque::from([breakpoint_at(callee), single_step_to(callee + 1), breakpoint_at(ret)]);
    let (mut session, state, _) = started(&[(ENTRY, &call), (callee, STEPS_ALONE)], script);
    session.add_breakpoint(TID, code_at(callee)).unwrap();
    assert_eq!(session.run(Resumption::StepOver { tid: TID }).unwrap().reason, StopReason::Breakpoint(vec![0]));
    let stop = session.run(Resumption::GoConditional).unwrap();
    assert_eq!(stop.reason, StopReason::Step, "gc carries on with the p");
    assert_eq!(state.borrow().rip(), ret);
}

#[test]
fn gc_after_a_breakpoint_hit_by_g_runs_freely() {
    let (mut session, _, _) = started(&[(BP, STEPS_ALONE)], hits(&[1]));
    session.add_breakpoint(TID, code_at(BP)).unwrap();
    assert_eq!(session.go(None).unwrap().reason, StopReason::Breakpoint(vec![0]));
    assert_eq!(session.run(Resumption::GoConditional).unwrap().reason, StopReason::ProcessExited(ExitStatus::Code(0)));
}
