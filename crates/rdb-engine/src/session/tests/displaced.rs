//! Stepping off int3s with the int3 left in: instructions emulated or run out of line in scratch memory, against
//! the scripted fake target (whose "CPU" is the script: it checks the copy the engine wrote and moves rip on).

use iced_x86::{Code, Mnemonic};

use super::*;
use crate::relocate;

type Step = Box<dyn FnMut(&mut State) -> Event>;

const BP: u64 = ENTRY + 0x200;
/// mov rax,qword ptr [rip+2EE0h]: rip-relative, so only a relocated copy runs right elsewhere.
const LOAD: [u8; 7] = [0x48, 0x8b, 0x05, 0xe0, 0x2e, 0x00, 0x00];
const TID2: Tid = 101;

fn in_scratch(s: &State, address: u64) -> bool {
    s.scratch.iter().any(|&(base, size)| address >= base && address < base + size)
}

/// Check that `tid` is at the start of a well-formed copy of LOAD (the int3 still at BP) and return where its jmp
/// back is.
fn check_copy(s: &State, tid: Tid) -> u64 {
    assert_eq!(s.byte(BP), 0xcc, "the int3 stays in while the copy runs");
    let rip = s.regs[&tid].rip;
    assert!(in_scratch(s, rip), "thread {tid} runs from scratch memory, not {rip:#x}");
    let code: Vec<u8> = (0..relocate::MAX_COPY as u64).map(|i| s.byte(rip + i)).collect();
    let copied = relocate::decode(&code, rip).expect("the copy decodes");
    assert_eq!(copied.mnemonic(), Mnemonic::Mov);
    assert_eq!(copied.ip_rel_memory_address(), BP + 7 + 0x2ee0, "the rip-relative operand still reaches counter");
    let jump = rip + copied.len() as u64;
    let back = relocate::decode(&code[copied.len()..], jump).unwrap();
    assert_eq!((back.code(), back.near_branch_target()), (Code::Jmp_rel32_64, BP + 7), "then a jmp back");
    jump
}

/// The thread runs the copy (checked), comes back and reaches the breakpoint again with `rax`.
fn copy_then_hit(rax: u64) -> Step {
    Box::new(move |s: &mut State| {
        assert!(matches!(s.resumes.last(), Some((_, Resume::All))), "every thread runs: {:?}", s.resumes.last());
        check_copy(s, TID);
        s.regs.get_mut(&TID).unwrap().rax = rax;
        s.set_rip(BP + 1);
        event(EventKind::Exception(Exception { kind: ExceptionKind::Breakpoint, address: BP, first_chance: true }))
    })
}

fn hit(rax: u64) -> Step {
    Box::new(move |s: &mut State| {
        s.regs.get_mut(&TID).unwrap().rax = rax;
        s.set_rip(BP);
        breakpoint_at(BP)(s)
    })
}

fn with_scratch(code: &[(u64, &[u8])], script: Script) -> Started {
    let started = started(code, script);
    started.1.borrow_mut().has_scratch = true;
    started
}

fn steps(state: &Rc<RefCell<State>>) -> usize {
    state.borrow().resumes.iter().filter(|(_, r)| matches!(r, Resume::Step { .. })).count()
}

#[test]
fn a_false_condition_costs_one_stop_the_instruction_running_out_of_line() {
    let mut script: Script = VecDeque::from([hit(1)]);
    for v in 2..=5 {
        script.push_back(copy_then_hit(v));
    }
    script.push_back(Box::new(|s: &mut State| {
        check_copy(s, TID);
        event(EventKind::ProcessExited { status: ExitStatus::Code(0) })
    }));
    let (mut session, state, _) = with_scratch(&[(BP, &LOAD)], script);
    session.add_breakpoint(TID, when(BP, "@rax == 7 && @$tid != 0")).unwrap();
    let (waits, resumes) = (state.borrow().waits, state.borrow().resumes.len());
    assert_eq!(session.go(None).unwrap().reason, StopReason::ProcessExited(ExitStatus::Code(0)));
    let s = state.borrow();
    assert_eq!(s.waits - waits, 6, "five false hits and the exit: one event each");
    assert_eq!(s.resumes.len() - resumes, 6, "one resume each: no step off");
    assert_eq!(steps(&state), 0);
    assert_eq!(s.scratch.len(), 1, "one chunk of scratch for every hit");
    assert_eq!(session.breakpoints.get(0).unwrap().hits, 0);
}

#[test]
fn push_rbp_is_emulated_without_scratch_memory() {
    let rbp: u64 = 0x1234_5678;
    let run_on = |rax: u64| -> Step {
        Box::new(move |s: &mut State| {
            let r = s.regs[&TID];
            assert_eq!(r.rip, BP + 1, "rip moved past push rbp");
            assert_eq!(r.rsp, 0x7fff_0000 - 8);
            let pushed: Vec<u8> = (0..8).map(|i| s.byte(r.rsp + i)).collect();
            assert_eq!(pushed, rbp.to_le_bytes(), "rbp is on the stack");
            let r = s.regs.get_mut(&TID).unwrap();
            r.rsp += 8;
            r.rax = rax;
            r.rip = BP;
            breakpoint_at(BP)(s)
        })
    };
    let script: Script = VecDeque::from([hit(1), run_on(2), run_on(7)]);
    let (mut session, state, _) = started(&[(BP, &[0x55])], script);
    state.borrow_mut().regs.get_mut(&TID).unwrap().rbp = rbp;
    session.add_breakpoint(TID, when(BP, "@rax == 7")).unwrap();
    assert_eq!(session.go(None).unwrap().reason, StopReason::Breakpoint(vec![0]));
    assert_eq!(steps(&state), 0, "no single step");
    assert!(state.borrow().scratch.is_empty());
    assert_eq!(state.borrow().rip(), BP);
}

#[test]
fn a_push_is_not_emulated_while_a_data_breakpoint_watches() {
    let script: Script = VecDeque::from([hit(1), single_step_to(BP + 1), exit(0)]);
    let (mut session, state, _) = started(&[(BP, &[0x55])], script);
    let watch = Kind::Hardware { access: HwAccess::Write, size: 8 };
    session.add_breakpoint(TID, Spec::new(Owner::Console, watch, Location::Expr("7ffe0000".into()))).unwrap();
    session.add_breakpoint(TID, when(BP, "@rax == 7")).unwrap();
    session.go(None).unwrap();
    assert_eq!(steps(&state), 1, "the CPU does the write, so the debug registers see it");
}

#[test]
fn what_cannot_run_out_of_line_steps_alone() {
    // syscall
    let script: Script = VecDeque::from([hit(1), single_step_to(BP + 2), exit(0)]);
    let (mut session, state, _) = with_scratch(&[(BP, &[0x0f, 0x05])], script);
    session.add_breakpoint(TID, when(BP, "@rax == 7")).unwrap();
    assert_eq!(session.go(None).unwrap().reason, StopReason::ProcessExited(ExitStatus::Code(0)));
    assert_eq!(steps(&state), 1);
    assert!(state.borrow().scratch.is_empty(), "no scratch is taken for it");
}

#[test]
fn t_from_a_breakpoint_steps_the_real_instruction() {
    let script: Script = VecDeque::from([hit(1), single_step_to(BP + 7)]);
    let (mut session, state, _) = with_scratch(&[(BP, &LOAD)], script);
    session.add_breakpoint(TID, code_at(BP)).unwrap();
    assert_eq!(session.go(None).unwrap().reason, StopReason::Breakpoint(vec![0]));
    assert_eq!(session.run(Resumption::StepInto { tid: TID }).unwrap().reason, StopReason::Step);
    assert_eq!(state.borrow().rip(), BP + 7);
    assert!(state.borrow().scratch.is_empty());
}

fn break_in_at(place: fn(&State) -> u64) -> Step {
    Box::new(move |s: &mut State| {
        let rip = place(s);
        s.set_rip(rip);
        event(EventKind::Exception(Exception { kind: ExceptionKind::BreakIn, address: rip, first_chance: true }))
    })
}

#[test]
fn a_thread_stopped_before_the_copied_instruction_is_shown_on_it_and_does_not_hit_again() {
    let script: Script = VecDeque::from([
        hit(1),
        // Break in before the copy ran: rip is where the copy starts.
        break_in_at(|s| s.rip()),
        Box::new(|s: &mut State| {
            check_copy(s, TID);
            event(EventKind::ProcessExited { status: ExitStatus::Code(0) })
        }) as Step,
    ]);
    let (mut session, _, _) = with_scratch(&[(BP, &LOAD)], script);
    session.add_breakpoint(TID, Spec { passes: 2, ..code_at(BP) }).unwrap();
    let stop = session.go(None).unwrap();
    assert!(matches!(stop.reason, StopReason::BreakIn { .. }));
    assert_eq!(session.registers(TID).unwrap().rip, BP, "shown on the original instruction");
    assert_eq!(session.stack(TID, 1).unwrap()[0].regs.rip, BP);
    assert_eq!(session.go(None).unwrap().reason, StopReason::ProcessExited(ExitStatus::Code(0)));
    assert_eq!(session.breakpoints.get(0).unwrap().hits, 1, "putting it back was no second hit");
}

#[test]
fn a_thread_stopped_at_the_jump_back_is_shown_past_the_instruction() {
    let script: Script = VecDeque::from([hit(1), break_in_at(|s| check_copy(s, TID))]);
    let (mut session, state, _) = with_scratch(&[(BP, &LOAD)], script);
    session.add_breakpoint(TID, Spec { passes: 2, ..code_at(BP) }).unwrap();
    assert!(matches!(session.go(None).unwrap().reason, StopReason::BreakIn { .. }));
    assert_eq!(state.borrow().rip(), BP + 7);
    session.detach().unwrap();
    let s = state.borrow();
    assert_eq!((s.byte(BP), s.rip()), (LOAD[0], BP + 7), "detached with the code restored and rip in it");
}

#[test]
fn a_fault_in_the_copy_is_reported_at_the_original_instruction() {
    let fault: Step = Box::new(|s: &mut State| {
        let rip = s.rip();
        assert!(in_scratch(s, rip));
        event(EventKind::Exception(Exception {
            kind: ExceptionKind::AccessViolation { fault_address: Some(0x10), write: Some(false), signal: Some(11) },
            address: rip,
            first_chance: true,
        }))
    });
    let script: Script = VecDeque::from([hit(1), fault]);
    let (mut session, state, _) = with_scratch(&[(BP, &LOAD)], script);
    session.add_breakpoint(TID, Spec { passes: 2, ..code_at(BP) }).unwrap();
    match session.go(None).unwrap().reason {
        StopReason::Exception(e) => assert_eq!(e.address, BP),
        other => panic!("{other:?}"),
    }
    assert_eq!(state.borrow().rip(), BP);
    session.detach().unwrap();
    assert_eq!(state.borrow().byte(BP), LOAD[0]);
}

#[test]
fn two_threads_through_one_copy_count_every_hit_once() {
    let second_hits: Step = Box::new(|s: &mut State| {
        // Thread 1 is still at the start of its copy when thread 2 reaches the breakpoint.
        check_copy(s, TID);
        s.regs.get_mut(&TID2).unwrap().rip = BP + 1;
        Event {
            pid: PID,
            tid: TID2,
            kind: EventKind::Exception(Exception { kind: ExceptionKind::Breakpoint, address: BP, first_chance: true }),
        }
    });
    let both_in_copies: Step = Box::new(|s: &mut State| {
        check_copy(s, TID);
        check_copy(s, TID2);
        event(EventKind::ProcessExited { status: ExitStatus::Code(0) })
    });
    let script: Script = VecDeque::from([hit(1), second_hits, both_in_copies]);
    let (mut session, state, _) = with_scratch(&[(BP, &LOAD)], script);
    let regs = state.borrow().regs[&TID];
    state.borrow_mut().regs.insert(TID2, Registers { rip: ENTRY + 0x300, ..regs });
    session.threads.push(ThreadEntry { tid: TID2, index: 1 });
    session.add_breakpoint(TID, Spec { passes: 2, ..code_at(BP) }).unwrap();
    let stop = session.go(None).unwrap();
    assert_eq!((stop.tid, stop.reason), (TID2, StopReason::Breakpoint(vec![0])));
    {
        let s = state.borrow();
        assert_eq!((s.regs[&TID].rip, s.regs[&TID2].rip), (BP, BP), "both shown on the breakpoint");
    }
    assert_eq!(session.go(None).unwrap().reason, StopReason::ProcessExited(ExitStatus::Code(0)));
    assert_eq!(session.breakpoints.get(0).unwrap().hits, 2, "thread 1 put back on the int3 was not hit again");
    assert_eq!(steps(&state), 0);
}

/// A session stopped at BP with its instruction copied into scratch memory (a false hit ran the copy), the
/// thread's stack a region the engine can search.
fn stopped_after_a_copy() -> Started {
    let script: Script = VecDeque::from([hit(1), copy_then_hit(7)]);
    let (mut session, state, notices) = with_scratch(&[(BP, &LOAD)], script);
    session.add_breakpoint(TID, when(BP, "@rax == 7 && @$tid != 0")).unwrap();
    assert_eq!(session.go(None).unwrap().reason, StopReason::Breakpoint(vec![0]));
    assert_eq!(state.borrow().scratch.len(), 1, "the copy took a chunk");
    // (A map with the stack alone: breakpoints go only where the map has code.)
    state.borrow_mut().regions.push(Region {
        start: 0x7ffe_0000,
        end: 0x7fff_1000,
        readable: true,
        writable: true,
        executable: false,
        name: Some("[stack]".into()),
        ..Region::default()
    });
    (session, state, notices)
}

fn kept(notices: &Rc<RefCell<Vec<Notice>>>) -> Vec<(u64, String)> {
    let notices = notices.borrow();
    let kept = notices.iter().filter_map(|n| match n {
        Notice::ScratchMemoryKept { address, error, .. } => Some((*address, error.to_string())),
        _ => None,
    });
    kept.collect()
}

#[test]
fn detach_gives_the_scratch_memory_back() {
    let (mut session, state, notices) = stopped_after_a_copy();
    session.detach().unwrap();
    let s = state.borrow();
    assert!(s.detached);
    assert_eq!(s.freed, s.scratch, "unmapped before the process is on its own");
    assert_eq!(kept(&notices), []);
}

#[test]
fn scratch_memory_a_stack_points_into_stays_mapped_and_is_reported() {
    // A signal handler that interrupted the thread in the copy would return there: its frame holds the address.
    let (mut session, state, notices) = stopped_after_a_copy();
    let (base, _) = state.borrow().scratch[0];
    let slot = state.borrow().regs[&TID].rsp + 0x48;
    for (i, b) in (base + 4).to_le_bytes().into_iter().enumerate() {
        state.borrow_mut().memory.insert(slot + i as u64, b);
    }
    session.detach().unwrap();
    assert!(state.borrow().freed.is_empty(), "a thread may come back to it");
    assert_eq!(kept(&notices), [(base, format!("thread {TID:x} may return into it"))]);
}

#[test]
fn scratch_memory_the_target_cannot_unmap_is_reported() {
    let (mut session, state, notices) = stopped_after_a_copy();
    state.borrow_mut().refuse_free = true;
    session.detach().unwrap();
    assert!(state.borrow().detached, "the detach goes on");
    let (base, _) = state.borrow().scratch[0];
    assert_eq!(kept(&notices), [(base, "Invalid argument".to_string())]);
}
