//! Lazy all-stop (`lazy.rs`): a breakpoint hit that does not stop is passed touching only its thread, without
//! `stop_others`; every other hit calls `stop_others` before anything but reading that thread (and rewinding it).

use super::*;

type Step = Box<dyn FnMut(&mut State) -> Event>;

const BP: u64 = ENTRY + 0x200;
/// mov rax,qword ptr [rip+2EE0h]: only a relocated copy runs it elsewhere.
const LOAD: [u8; 7] = [0x48, 0x8b, 0x05, 0xe0, 0x2e, 0x00, 0x00];

/// The thread reaches BP with `rax` (from wherever it was: past a push emulated, or a copy's jmp).
fn hit(rax: u64) -> Step {
    Box::new(move |s: &mut State| {
        let r = s.regs.get_mut(&TID).unwrap();
        r.rax = rax;
        r.rsp = 0x7fff_0000;
        r.rip = BP;
        breakpoint_at(BP)(s)
    })
}

/// The calls made while handling each event of the run: what follows each wait up to the next one.
fn after_each_wait(calls: &[Call]) -> Vec<Vec<Call>> {
    let mut segments: Vec<Vec<Call>> = Vec::new();
    for c in calls {
        match c {
            Call::Wait => segments.push(Vec::new()),
            c => {
                if let Some(last) = segments.last_mut() {
                    last.push(*c);
                }
            }
        }
    }
    segments
}

/// What the engine may do lazily: read the reporting thread and memory, set the thread's registers, write its
/// stack (an emulated push), resume.
fn lazy_only(segment: &[Call]) -> bool {
    segment.iter().all(|c| match c {
        Call::ReadMemory | Call::Registers(TID) | Call::SetRegisters(TID) | Call::DebugRegisters(TID) => true,
        Call::WriteMemory(a) => (0x7ffe_0000..0x7fff_0000).contains(a),
        Call::Resume(Resume::All) => true,
        _ => false,
    })
}

/// Before `stop_others`, the engine only read the reporting thread (and put it back on the int3).
fn stop_others_first(segment: &[Call]) {
    let at = segment.iter().position(|c| *c == Call::StopOthers).expect("stop_others is called");
    let before = &segment[..at];
    assert!(
        before.iter().all(|c| matches!(
            c,
            Call::ReadMemory | Call::Registers(TID) | Call::SetRegisters(TID) | Call::DebugRegisters(TID)
        )),
        "only the reporter is read before stop_others: {segment:?}"
    );
}

fn go_calls(session: &mut Session, state: &Rc<RefCell<State>>) -> (StopReason, Vec<Vec<Call>>) {
    let from = state.borrow().calls.len();
    let reason = session.go(None).unwrap().reason;
    let calls = state.borrow().calls[from..].to_vec();
    (reason, after_each_wait(&calls))
}

#[test]
fn a_false_condition_passed_in_place_never_stops_the_other_threads() {
    // push rbp: emulated, so no copy is ever written.
    let script: Script = VecDeque::from([hit(1), hit(2), hit(3), hit(7)]);
    let (mut session, state, _) = started(&[(BP, &[0x55])], script);
    session.add_breakpoint(TID, when(BP, "@rax == 7")).unwrap();
    let (reason, segments) = go_calls(&mut session, &state);
    assert_eq!(reason, StopReason::Breakpoint(vec![0]));
    assert_eq!(segments.len(), 4);
    for false_hit in &segments[..3] {
        assert!(!false_hit.contains(&Call::StopOthers), "a false hit stops no other thread: {false_hit:?}");
        assert!(lazy_only(false_hit), "a false hit touches its thread only: {false_hit:?}");
        assert_eq!(false_hit.last(), Some(&Call::Resume(Resume::All)));
    }
    stop_others_first(&segments[3]);
    assert_eq!(state.borrow().rip(), BP, "shown on the breakpoint");
    assert_eq!(session.breakpoints.get(0).unwrap().hits, 1);
}

#[test]
fn a_pass_count_is_counted_lazily_and_the_stop_at_it_stops_everyone_first() {
    let script: Script = VecDeque::from([hit(1), hit(2), hit(3)]);
    let (mut session, state, _) = started(&[(BP, &[0x55])], script);
    session.add_breakpoint(TID, Spec { passes: 3, ..code_at(BP) }).unwrap();
    let (reason, segments) = go_calls(&mut session, &state);
    assert_eq!(reason, StopReason::Breakpoint(vec![0]));
    assert!(segments[..2].iter().all(|s| !s.contains(&Call::StopOthers) && lazy_only(s)), "{segments:?}");
    stop_others_first(&segments[2]);
    assert_eq!(session.breakpoints.get(0).unwrap().hits, 3, "every pass counted");
    assert_eq!(state.borrow().regs[&TID].rax, 3, "it stops at the third");
}

#[test]
fn a_copy_is_written_with_everyone_stopped_then_used_lazily() {
    let run_copy = |rax: u64| -> Step {
        Box::new(move |s: &mut State| {
            let rip = s.rip();
            assert!(rip >= SCRATCH, "the thread runs the copy, not {rip:#x}");
            hit(rax)(s)
        })
    };
    let script: Script = VecDeque::from([hit(1), run_copy(2), run_copy(3), run_copy(7)]);
    let (mut session, state, _) = started(&[(BP, &LOAD)], script);
    state.borrow_mut().has_scratch = true;
    session.add_breakpoint(TID, when(BP, "@rax == 7 && @$tid != 0")).unwrap();
    // `$tid` keeps the condition in the engine: one on registers alone would be compiled into the debuggee, and
    // its jump (which LOAD is long enough for) would replace the int3 this test is about.
    let (reason, segments) = go_calls(&mut session, &state);
    assert_eq!(reason, StopReason::Breakpoint(vec![0]));
    // The first hit maps scratch memory (a system call in the debuggee on Linux) and writes the copy.
    stop_others_first(&segments[0]);
    assert!(segments[0].contains(&Call::Other), "scratch memory mapped: {:?}", segments[0]);
    for s in &segments[1..3] {
        assert!(!s.contains(&Call::StopOthers) && lazy_only(s), "the copy is used lazily: {s:?}");
    }
    stop_others_first(&segments[3]);
}

#[test]
fn an_instruction_that_steps_alone_stops_everyone_first() {
    let script: Script = VecDeque::from([hit(1), single_step_to(BP + 1), hit(7)]);
    let (mut session, state, _) = started(&[(BP, STEPS_ALONE)], script);
    session.add_breakpoint(TID, when(BP, "@rax == 7")).unwrap();
    let (reason, segments) = go_calls(&mut session, &state);
    assert_eq!(reason, StopReason::Breakpoint(vec![0]));
    stop_others_first(&segments[0]);
    assert!(segments[0].iter().any(|c| matches!(c, Call::Resume(Resume::Step { .. }))));
}

#[test]
fn a_run_to_address_on_the_breakpoint_stops_everyone_first() {
    let script: Script = VecDeque::from([hit(1)]);
    let (mut session, state, _) = started(&[(BP, &[0x55])], script);
    session.add_breakpoint(TID, when(BP, "@rax == 7")).unwrap();
    let from = state.borrow().calls.len();
    assert_eq!(session.run(Resumption::GoTo { address: BP, status: None }).unwrap().reason, StopReason::Step);
    let segments = after_each_wait(&state.borrow().calls[from..]);
    stop_others_first(&segments[0]);
}

#[test]
fn a_hook_that_lets_hits_go_on_costs_them_no_stop_and_one_that_reaches_further_stops_everyone_first() {
    // Hits with rax 1, 2, 3: the hook reads rax lazily and lets 1 and 2 go on; at 3 it asks for the whole session.
    let script: Script = VecDeque::from([hit(1), hit(2), hit(3)]);
    let (mut session, state, _) = started(&[(BP, &[0x55])], script);
    session.add_breakpoint(TID, code_at(BP)).unwrap();
    let seen = Rc::new(RefCell::new(Vec::new()));
    let log = seen.clone();
    session.set_hit_hook(Some(Box::new(move |hit: &mut LazyHit<'_>| {
        let rax = hit.register("rax").unwrap();
        log.borrow_mut().push((hit.id, hit.tid, hit.address, rax));
        if rax == 3 {
            let session = hit.session().unwrap();
            assert!(!session.threads().is_empty());
        }
        Some(HitAnswer::Continue)
    })));
    let (reason, segments) = go_calls(&mut session, &state);
    assert_eq!(reason, StopReason::Breakpoint(vec![0]), "the hit whose hook reached further stops");
    assert_eq!(*seen.borrow(), [(0, TID, BP, 1), (0, TID, BP, 2), (0, TID, BP, 3)], "each hit's hook ran once");
    assert!(segments[..2].iter().all(|s| !s.contains(&Call::StopOthers) && lazy_only(s)), "{segments:?}");
    stop_others_first(&segments[2]);
    assert_eq!(session.hooked(), [(0, HitAnswer::Continue)], "the front end is told the hook ran for the stop");
    assert_eq!(session.breakpoints.get(0).unwrap().hits, 3, "every hit counted once");
}

#[test]
fn a_hook_answers_only_for_its_own_breakpoints() {
    let script: Script = VecDeque::from([hit(1)]);
    let (mut session, state, _) = started(&[(BP, &[0x55])], script);
    session.add_breakpoint(TID, code_at(BP)).unwrap();
    session.set_hit_hook(Some(Box::new(|_: &mut LazyHit<'_>| None)));
    let (reason, segments) = go_calls(&mut session, &state);
    assert_eq!(reason, StopReason::Breakpoint(vec![0]));
    stop_others_first(&segments[0]);
    assert!(session.hooked().is_empty());
}
