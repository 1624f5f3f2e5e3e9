//! `ba` (debug registers) and `bpm` (guard pages) against the scripted fake target.

use super::*;
use crate::session::hardware::{DR6_STEP, dr7_bits};
use crate::session::{HwAccess, MemAccess};
use crate::target::Access;

const DATA: u64 = 0x40_4000;
const SS: fn(u64) -> ExceptionKind = |dr6| ExceptionKind::SingleStep { dr6 };

type Step = Box<dyn FnMut(&mut State) -> Event>;

fn at(address: u64) -> Location {
    Location::Expr(format!("{address:#x}"))
}

fn ba(session: &mut Session, access: HwAccess, size: u8, address: u64) -> Result<u32> {
    session.add_breakpoint(TID, hardware(access, size, address))
}

/// A console `ba` watching `size` bytes at `address`.
fn hardware(access: HwAccess, size: u8, address: u64) -> Spec {
    Spec::new(Owner::Console, Kind::Hardware { access, size }, at(address))
}

/// A console `bpm` over `size` bytes at `address`.
fn memory(access: MemAccess, size: u64, address: u64) -> Spec {
    Spec::new(Owner::Console, Kind::Memory { access, size }, at(address))
}

fn dr(state: &Rc<RefCell<State>>, tid: Tid) -> DebugRegisters {
    state.borrow().debug_regs.get(&tid).copied().unwrap_or_default()
}

fn exception(kind: ExceptionKind, address: u64) -> Event {
    event(EventKind::Exception(Exception { kind, address, first_chance: true }))
}

/// The CPU reports a debug exception: `write` is what the instruction stored at DATA first.
fn debug_trap(dr6: u64, rip: u64, write: Option<u8>) -> Step {
    Box::new(move |s: &mut State| {
        if let Some(v) = write {
            s.memory.insert(DATA, v);
        }
        s.set_rip(rip);
        exception(SS(dr6), rip)
    })
}

fn guard_fault(fault_address: u64, access: Option<Access>, rip: u64) -> Step {
    Box::new(move |s: &mut State| {
        let page = fault_address & !0xfff;
        assert!(s.guarded.remove(&page), "the access faulted on a page that was not armed");
        s.set_rip(rip);
        exception(ExceptionKind::GuardPage { fault_address, access }, rip)
    })
}

/// The engine steps the faulting thread alone with `page` unarmed.
fn guard_step_off(page: u64, next: u64) -> Step {
    Box::new(move |s: &mut State| {
        assert!(matches!(s.resumes.last(), Some((_, Resume::Step { tid: TID }))), "others are held: {:?}", s.resumes);
        assert!(!s.guarded.contains(&page), "the access is executed with its page unarmed");
        s.set_rip(next);
        exception(SS(DR6_STEP), next)
    })
}

fn expect_armed_then_exit(page: u64) -> Step {
    Box::new(move |s: &mut State| {
        assert!(s.guarded.contains(&page), "the page is armed again before the debuggee runs on");
        event(EventKind::ProcessExited { status: ExitStatus::Code(0) })
    })
}

fn data(value: u8) -> (u64, &'static [u8]) {
    let bytes: &'static [u8] = Box::leak(vec![value, 0, 0, 0, 0, 0, 0, 0].into_boxed_slice());
    (DATA, bytes)
}

#[test]
fn ba_fills_four_slots_encodes_dr7_and_refuses_a_fifth() {
    let (mut session, state, _) = started(&[], VecDeque::new());
    ba(&mut session, HwAccess::Write, 4, DATA).unwrap();
    ba(&mut session, HwAccess::ReadWrite, 8, DATA + 8).unwrap();
    ba(&mut session, HwAccess::Execute, 1, ENTRY).unwrap();
    ba(&mut session, HwAccess::Write, 2, DATA + 2).unwrap();
    let d = dr(&state, TID);
    assert_eq!(d.dr, [DATA, DATA + 8, ENTRY, DATA + 2]);
    let all = dr7_bits(0, HwAccess::Write, 4)
        | dr7_bits(1, HwAccess::ReadWrite, 8)
        | dr7_bits(2, HwAccess::Execute, 1)
        | dr7_bits(3, HwAccess::Write, 2);
    assert_eq!(d.dr7, all);
    let fifth = ba(&mut session, HwAccess::Write, 1, DATA + 0x20).unwrap_err().to_string();
    assert!(fifth.contains("No hardware breakpoint slot left (4 in use"), "{fifth}");
    // bd frees a slot at once; be takes it back, unless another took it meanwhile.
    session.enable_breakpoint(1, false).unwrap();
    assert_eq!(dr(&state, TID).dr7, all & !dr7_bits(1, HwAccess::ReadWrite, 8));
    let id = ba(&mut session, HwAccess::Write, 1, DATA + 0x20).unwrap();
    assert_eq!(id, 4);
    assert!(session.enable_breakpoint(1, true).is_err(), "be of a fifth is refused");
    session.remove_breakpoint(4);
    session.enable_breakpoint(1, true).unwrap();
    assert_eq!(dr(&state, TID).dr7, all);
    for id in 0..4 {
        session.remove_breakpoint(id);
    }
    assert_eq!(dr(&state, TID), DebugRegisters::default(), "bc leaves nothing in the registers");
}

#[test]
fn ba_checks_size_alignment_and_access() {
    let (mut session, _, _) = started(&[], VecDeque::new());
    let err = |r: Result<u32>| r.unwrap_err().to_string();
    assert!(err(ba(&mut session, HwAccess::Write, 3, DATA)).contains("1, 2, 4 or 8"));
    assert!(err(ba(&mut session, HwAccess::Execute, 4, DATA)).contains("has size 1"));
    assert!(err(ba(&mut session, HwAccess::Write, 4, DATA + 2)).contains("not aligned to 4 bytes"));
    assert!(err(ba(&mut session, HwAccess::Write, 8, DATA + 4)).contains("not aligned to 8 bytes"));
    assert!(session.breakpoints.iter().next().is_none(), "nothing was added");
}

#[test]
fn a_thread_created_later_gets_the_debug_registers_before_it_runs() {
    let script: Script = VecDeque::from([
        Box::new(|_: &mut State| Event { pid: PID, tid: 101, kind: EventKind::ThreadCreated { start: None } }) as Step,
        Box::new(|s: &mut State| {
            assert_eq!(s.debug_regs.get(&101).map(|d| d.dr[0]), Some(DATA), "set before the new thread ran");
            event(EventKind::ProcessExited { status: ExitStatus::Code(0) })
        }),
    ]);
    let (mut session, state, _) = started(&[], script);
    ba(&mut session, HwAccess::Write, 4, DATA).unwrap();
    session.go(None).unwrap();
    assert_eq!(dr(&state, 101).dr7, dr7_bits(0, HwAccess::Write, 4));
}

#[test]
fn a_write_hit_reports_old_and_new_values_and_clears_dr6() {
    let script: Script = VecDeque::from([
        debug_trap(0b1, ENTRY + 7, Some(5)),
        debug_trap(0b1, ENTRY + 7, Some(6)),
        Box::new(|s: &mut State| {
            assert_eq!(s.debug_regs[&TID].dr6, 0, "DR6 is cleared before the thread runs on");
            event(EventKind::ProcessExited { status: ExitStatus::Code(0) })
        }) as Step,
    ]);
    let (mut session, _, _) = started(&[data(4)], script);
    let id = ba(&mut session, HwAccess::Write, 4, DATA).unwrap();
    assert_eq!(session.breakpoints.get(id).unwrap().sites[0].value, Some(4), "the value when it was set");
    assert_eq!(session.go(None).unwrap().reason, StopReason::Breakpoint(vec![id]));
    let b = &session.breakpoints.get(id).unwrap().sites[0];
    assert_eq!((b.previous, b.value), (Some(4), Some(5)));
    session.go(None).unwrap();
    let b = &session.breakpoints.get(id).unwrap().sites[0];
    assert_eq!((b.previous, b.value), (Some(5), Some(6)));
    session.go(None).unwrap();
}

#[test]
fn pass_counts_apply_to_hardware_breakpoints() {
    let script: Script = VecDeque::from([
        debug_trap(0b1, ENTRY + 7, Some(5)),
        debug_trap(0b1, ENTRY + 7, Some(6)),
        debug_trap(0b1, ENTRY + 7, Some(7)),
    ]);
    let (mut session, _, _) = started(&[data(4)], script);
    let id = session.add_breakpoint(TID, Spec { passes: 3, ..hardware(HwAccess::Write, 4, DATA) }).unwrap();
    assert_eq!(session.go(None).unwrap().reason, StopReason::Breakpoint(vec![id]));
    let b = session.breakpoints.get(id).unwrap();
    assert_eq!((b.hits, b.sites[0].previous, b.sites[0].value), (3, Some(6), Some(7)), "every pass updates the value");
}

#[test]
fn an_execute_breakpoint_is_stepped_off_with_its_slot_off_on_that_thread() {
    let code = ENTRY + 0x80;
    let script: Script = VecDeque::from([
        debug_trap(0b1, code, None),
        Box::new(move |s: &mut State| {
            assert!(matches!(s.resumes.last(), Some((_, Resume::Step { tid: TID }))), "others are held");
            assert_eq!(s.debug_regs[&TID].dr7, 0, "the slot is off for the step");
            s.set_rip(code + 1);
            exception(SS(DR6_STEP), code + 1)
        }) as Step,
        Box::new(move |s: &mut State| {
            assert_eq!(s.debug_regs[&TID].dr7, dr7_bits(0, HwAccess::Execute, 1), "and back on after it");
            assert!(matches!(s.resumes.last(), Some((_, Resume::All))));
            event(EventKind::ProcessExited { status: ExitStatus::Code(0) })
        }),
    ]);
    let (mut session, state, _) = started(&[], script);
    let id = ba(&mut session, HwAccess::Execute, 1, code).unwrap();
    assert_eq!(session.go(None).unwrap().reason, StopReason::Breakpoint(vec![id]));
    assert_eq!(state.borrow().rip(), code, "an execute breakpoint stops on the instruction");
    session.go(None).unwrap();
}

#[test]
fn a_data_hit_while_stepping_off_an_int3_is_reported() {
    let bp = ENTRY + 0x90;
    let script: Script = VecDeque::from([
        breakpoint_at(bp),
        // The step off the int3 writes the watched value: DR6 has the step and slot 0.
        Box::new(move |s: &mut State| {
            assert_ne!(s.byte(bp), 0xcc);
            s.memory.insert(DATA, 9);
            s.set_rip(bp + 1);
            exception(SS(DR6_STEP | 0b1), bp + 1)
        }) as Step,
    ]);
    let (mut session, _, _) = started(&[(bp, &[0x55]), data(8)], script);
    session.add_breakpoint(TID, code_at(bp)).unwrap();
    let w = ba(&mut session, HwAccess::Write, 4, DATA).unwrap();
    assert_eq!(session.go(None).unwrap().reason, StopReason::Breakpoint(vec![0]));
    assert_eq!(session.go(None).unwrap().reason, StopReason::Breakpoint(vec![w]));
    assert_eq!(session.breakpoints.get(w).unwrap().sites[0].value, Some(9));
}

#[test]
fn t_over_a_watched_write_stops_on_the_watchpoint_unless_its_pass_count_says_not_yet() {
    let script: Script = VecDeque::from([
        debug_trap(DR6_STEP | 0b1, ENTRY + 3, Some(1)),
        debug_trap(DR6_STEP | 0b10, ENTRY + 6, Some(2)),
    ]);
    let (mut session, _, _) = started(&[data(0)], script);
    let w = ba(&mut session, HwAccess::Write, 4, DATA).unwrap();
    session.add_breakpoint(TID, Spec { passes: 5, ..hardware(HwAccess::Write, 4, DATA + 4) }).unwrap();
    assert_eq!(session.run(Resumption::StepInto { tid: TID }).unwrap().reason, StopReason::Breakpoint(vec![w]));
    assert_eq!(
        session.run(Resumption::StepInto { tid: TID }).unwrap().reason,
        StopReason::Step,
        "short of its pass count: just the step"
    );
}

#[test]
fn a_trap_of_the_programs_own_is_not_a_hit() {
    let script: Script = VecDeque::from([debug_trap(DR6_STEP, ENTRY + 3, None)]);
    let (mut session, _, _) = started(&[], script);
    ba(&mut session, HwAccess::Write, 4, DATA).unwrap();
    let stop = session.go(None).unwrap();
    assert!(matches!(stop.reason, StopReason::Exception(Exception { kind: ExceptionKind::SingleStep { .. }, .. })));
}

#[test]
fn a_hit_of_a_cleared_watchpoint_caught_in_the_same_stop_passes_unseen() {
    let script: Script = VecDeque::from([debug_trap(0b1, ENTRY + 7, Some(5)), exit(0)]);
    let (mut session, _, _) = started(&[data(4)], script);
    let id = ba(&mut session, HwAccess::Write, 4, DATA).unwrap();
    session.remove_breakpoint(id);
    assert_eq!(session.go(None).unwrap().reason, StopReason::ProcessExited(ExitStatus::Code(0)));
}

#[test]
fn a_hit_still_to_be_reported_keeps_its_dr6_through_bc_and_then_passes_unseen() {
    // Windows reports one event at a time: a thread that hit a watchpoint together with the one that stopped waits
    // its turn, and DR6 in its context, read when its event comes, is all that says the hit was ours.
    let script: Script = VecDeque::from([
        Box::new(|s: &mut State| {
            let dr6 = s.debug_regs[&TID].dr6;
            s.set_rip(ENTRY + 7);
            exception(SS(dr6), ENTRY + 7)
        }) as Step,
        Box::new(|s: &mut State| {
            assert_eq!(s.debug_regs[&TID], DebugRegisters::default(), "DR6 is cleared once the hit is reported");
            event(EventKind::ProcessExited { status: ExitStatus::Code(0) })
        }),
    ]);
    let (mut session, state, _) = started(&[data(4)], script);
    let id = ba(&mut session, HwAccess::Write, 4, DATA).unwrap();
    state.borrow_mut().debug_regs.get_mut(&TID).unwrap().dr6 = 0b1;
    session.remove_breakpoint(id);
    assert_eq!(dr(&state, TID), DebugRegisters { dr6: 0b1, ..DebugRegisters::default() }, "bc keeps DR6");
    assert_eq!(session.go(None).unwrap().reason, StopReason::ProcessExited(ExitStatus::Code(0)));
}

#[test]
fn detach_clears_the_debug_registers() {
    let (mut session, state, _) = started(&[], VecDeque::new());
    ba(&mut session, HwAccess::Write, 4, DATA).unwrap();
    session.detach().unwrap();
    assert_eq!(dr(&state, TID), DebugRegisters::default());
}

// ---- bpm ----------------------------------------------------------------------------------------------------

fn guarded(code: &[(u64, &[u8])], script: Script) -> Started {
    let started = started(code, script);
    started.1.borrow_mut().has_page_guards = true;
    started
}

fn bpm(session: &mut Session, address: u64, size: u64, access: MemAccess) -> Result<u32> {
    session.add_breakpoint(TID, memory(access, size, address))
}

#[test]
fn bpm_without_guard_pages_is_a_clear_error() {
    let (mut session, _, _) = started(&[], VecDeque::new());
    let e = bpm(&mut session, DATA, 4, MemAccess::Any).unwrap_err().to_string();
    assert!(e.contains("not supported on this target"), "{e}");
}

#[test]
fn bpm_arms_each_page_once_and_a_matching_access_in_range_stops() {
    let rip = ENTRY + 0x10;
    let script: Script = VecDeque::from([
        guard_fault(DATA + 0x18, Some(Access::Write), rip),
        guard_step_off(DATA, rip + 3),
        expect_armed_then_exit(DATA),
    ]);
    let (mut session, state, _) = guarded(&[], script);
    let id = bpm(&mut session, DATA + 0x10, 0x20, MemAccess::Write).unwrap();
    bpm(&mut session, DATA + 0xff0, 0x20, MemAccess::Any).unwrap();
    assert_eq!(state.borrow().guarded, BTreeSet::from([DATA, DATA + 0x1000]));
    let stop = session.go(None).unwrap();
    assert_eq!(stop.reason, StopReason::Breakpoint(vec![id]));
    assert_eq!(state.borrow().rip(), rip, "it stops on the accessing instruction");
    assert!(!state.borrow().guarded.contains(&DATA), "still unarmed while the thread stands on its access");
    assert_eq!(session.go(None).unwrap().reason, StopReason::ProcessExited(ExitStatus::Code(0)));
}

#[test]
fn an_access_outside_the_range_is_stepped_over_and_rearmed_invisibly() {
    let rip = ENTRY + 0x10;
    let script: Script = VecDeque::from([
        guard_fault(DATA + 0x800, Some(Access::Write), rip),
        guard_step_off(DATA, rip + 3),
        expect_armed_then_exit(DATA),
    ]);
    let (mut session, state, _) = guarded(&[], script);
    bpm(&mut session, DATA + 0x10, 0x20, MemAccess::Any).unwrap();
    assert_eq!(session.go(None).unwrap().reason, StopReason::ProcessExited(ExitStatus::Code(0)));
    let s = state.borrow();
    assert!(s.resumes.iter().all(|(status, _)| *status == ContinueStatus::Handled), "our fault is swallowed");
}

#[test]
fn the_access_filter_decides_and_an_unknown_access_is_read_from_the_instruction() {
    let rip = ENTRY + 0x10;
    // mov dword ptr [rax],2Ah: a write.
    let store: &[u8] = &[0xc7, 0x00, 0x2a, 0, 0, 0];
    let script: Script = VecDeque::from([
        guard_fault(DATA + 0x10, Some(Access::Read), rip),
        guard_step_off(DATA, rip + 6),
        Box::new(move |s: &mut State| {
            s.set_rip(rip);
            guard_fault(DATA + 0x10, None, rip)(s)
        }) as Step,
    ]);
    let (mut session, _, _) = guarded(&[(rip, store)], script);
    let id = bpm(&mut session, DATA + 0x10, 4, MemAccess::Write).unwrap();
    assert_eq!(session.go(None).unwrap().reason, StopReason::Breakpoint(vec![id]), "the read passed, the write hit");
    assert_eq!(session.breakpoints.get(id).unwrap().hits, 1);
}

#[test]
fn bc_and_detach_disarm_every_page() {
    let (mut session, state, _) = guarded(&[], VecDeque::new());
    let id = bpm(&mut session, DATA, 0x3000, MemAccess::Any).unwrap();
    assert_eq!(state.borrow().guarded.len(), 3);
    session.enable_breakpoint(id, false).unwrap();
    assert!(state.borrow().guarded.is_empty(), "bd disarms");
    session.enable_breakpoint(id, true).unwrap();
    assert_eq!(state.borrow().guarded.len(), 3);
    session.remove_breakpoint(id);
    assert!(state.borrow().guarded.is_empty(), "bc disarms");
    bpm(&mut session, DATA, 8, MemAccess::Any).unwrap();
    assert_eq!(state.borrow().guarded.len(), 1);
    session.detach().unwrap();
    assert!(state.borrow().guarded.is_empty(), "detach disarms");
}

#[test]
fn a_guard_page_of_the_programs_own_passes_through_not_handled() {
    let script: Script = VecDeque::from([
        Box::new(|s: &mut State| {
            s.set_rip(ENTRY + 4);
            exception(ExceptionKind::GuardPage { fault_address: 0x50_0000, access: Some(Access::Read) }, ENTRY + 4)
        }) as Step,
        exit(0),
    ]);
    let (mut session, state, _) = guarded(&[], script);
    bpm(&mut session, DATA, 4, MemAccess::Any).unwrap();
    assert_eq!(session.go(None).unwrap().reason, StopReason::ProcessExited(ExitStatus::Code(0)));
    let s = state.borrow();
    assert_eq!(s.resumes.last().unwrap(), &(ContinueStatus::NotHandled, Resume::All), "passed to the program");
}

#[test]
fn t_onto_a_guarded_access_is_just_the_step() {
    let rip = ENTRY + 0x10;
    let script: Script =
        VecDeque::from([guard_fault(DATA + 0x800, Some(Access::Read), rip), guard_step_off(DATA, rip + 3)]);
    let (mut session, state, _) = guarded(&[], script);
    bpm(&mut session, DATA, 4, MemAccess::Any).unwrap();
    state.borrow_mut().set_rip(rip);
    let before = state.borrow().resumes.len();
    assert_eq!(session.run(Resumption::StepInto { tid: TID }).unwrap().reason, StopReason::Step);
    let s = state.borrow();
    assert_eq!(s.resumes.len(), before + 2, "the faulting step, then the step that completes it");
    assert_eq!(s.rip(), rip + 3);
    assert!(s.guarded.contains(&DATA), "re-armed after the step");
}
