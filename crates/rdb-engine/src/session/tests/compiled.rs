//! Conditions compiled into the debuggee, against the scripted fake target: the jump written over the site, the
//! trampoline's int3 reported as a hit of the breakpoint at its site, the step off through the trampoline's own
//! copies, and every byte back at detach. (The code itself runs in the real-debuggee tests: the fake has no CPU.)

use iced_x86::{Decoder, DecoderOptions, Mnemonic};

use super::*;

const SITE: u64 = ENTRY + 0x300;
/// mov eax,1234h; ret: one instruction of five bytes, which a jump may cover.
const MOV_EAX: [u8; 6] = [0xb8, 0x34, 0x12, 0, 0, 0xc3];

/// The address the jump at SITE leads to, and its int3.
fn trampoline_of(s: &State) -> (u64, u64) {
    assert_eq!(s.byte(SITE), 0xe9, "a jmp stands at the site, not an int3");
    let rel = i32::from_le_bytes([s.byte(SITE + 1), s.byte(SITE + 2), s.byte(SITE + 3), s.byte(SITE + 4)]);
    let start = (SITE + 5).wrapping_add_signed(i64::from(rel));
    assert!(s.scratch.iter().any(|&(b, n)| start >= b && start < b + n), "the jump leads into scratch memory");
    let code: Vec<u8> = (0..512).map(|i| s.byte(start + i)).collect();
    let trap = Decoder::with_ip(64, &code, start, DecoderOptions::NONE)
        .into_iter()
        .find(|i| i.mnemonic() == Mnemonic::Int3)
        .expect("the trampoline has its int3")
        .ip();
    (start, trap)
}

/// The condition is true in the debuggee: the thread reaches the trampoline's int3 with its registers restored.
fn true_in_trampoline(rax: u64) -> Box<dyn FnMut(&mut State) -> Event> {
    Box::new(move |s: &mut State| {
        let (_, trap) = trampoline_of(s);
        s.regs.get_mut(&TID).unwrap().rax = rax;
        s.set_rip(trap + 1);
        event(EventKind::Exception(Exception { kind: ExceptionKind::Breakpoint, address: trap, first_chance: true }))
    })
}

fn with_scratch(script: Script) -> Started {
    let started = started(&[(SITE, &MOV_EAX)], script);
    started.1.borrow_mut().has_scratch = true;
    started
}

#[test]
fn a_compiled_condition_is_a_jump_and_its_trap_is_a_hit_at_the_site() {
    let script: Script = VecDeque::from([
        true_in_trampoline(7),
        Box::new(|s: &mut State| {
            // Running on from the hit: the thread goes through the trampoline's copy of `mov eax`, the jump stays.
            let (start, _) = trampoline_of(s);
            let rip = s.rip();
            assert!(rip > start && rip < start + 512, "the step off runs the trampoline's copy, not {rip:#x}");
            assert_eq!(steps(s), 0, "no single step");
            exit(0)(s)
        }) as Box<dyn FnMut(&mut State) -> Event>,
    ]);
    let (mut session, state, _) = with_scratch(script);
    session.add_breakpoint(TID, when(SITE, "@rax == 7")).unwrap();
    let waits = state.borrow().waits;
    let stop = session.go(None).unwrap();
    assert_eq!(stop.reason, StopReason::Breakpoint(vec![0]));
    assert_eq!(state.borrow().waits - waits, 1, "false hits never reached the engine; the true one did, once");
    assert_eq!(state.borrow().rip(), SITE, "shown at the breakpoint, not in the trampoline");
    assert_eq!(session.breakpoints.get(0).unwrap().hits, 1);
    let mut shown = [0u8; 6];
    session.read_memory(SITE, &mut shown).unwrap();
    assert_eq!(shown, MOV_EAX, "reads see the program's bytes under the jump");
    assert_eq!(session.go(None).unwrap().reason, StopReason::ProcessExited(ExitStatus::Code(0)));
}

#[test]
fn detach_puts_every_covered_byte_back() {
    let script: Script = VecDeque::from([true_in_trampoline(7)]);
    let (mut session, state, _) = with_scratch(script);
    session.add_breakpoint(TID, when(SITE, "@rax == 7")).unwrap();
    session.go(None).unwrap();
    session.detach().unwrap();
    let s = state.borrow();
    let bytes: Vec<u8> = (0..6).map(|i| s.byte(SITE + i)).collect();
    assert_eq!(bytes, MOV_EAX);
}

#[test]
fn a_condition_code_cannot_read_keeps_the_int3() {
    let script: Script = VecDeque::from([breakpoint_at(SITE)]);
    let (mut session, state, _) = with_scratch(script);
    session.add_breakpoint(TID, when(SITE, "@$tid != 0")).unwrap();
    assert_eq!(session.go(None).unwrap().reason, StopReason::Breakpoint(vec![0]));
    assert_eq!(state.borrow().rip(), SITE);
}

#[test]
fn a_breakpoint_cleared_while_a_thread_is_in_its_trampoline_lets_the_thread_run_on() {
    let trap = Rc::new(std::cell::Cell::new(0u64));
    let seen = trap.clone();
    let mut first = true_in_trampoline(7);
    let script: Script = VecDeque::from([
        Box::new(move |s: &mut State| {
            seen.set(trampoline_of(s).1);
            first(s)
        }) as Box<dyn FnMut(&mut State) -> Event>,
        // A thread that was in the trampoline when the breakpoint was cleared reaches its int3 now.
        Box::new(move |s: &mut State| {
            assert_eq!(s.byte(SITE), 0xb8, "the jump is out");
            s.set_rip(trap.get() + 1);
            let address = trap.get();
            event(EventKind::Exception(Exception { kind: ExceptionKind::Breakpoint, address, first_chance: true }))
        }),
        Box::new(|s: &mut State| {
            assert_eq!(s.rip(), SITE, "it runs the program's own instruction");
            exit(0)(s)
        }),
    ]);
    let (mut session, _, _) = with_scratch(script);
    let id = session.add_breakpoint(TID, when(SITE, "@rax == 7")).unwrap();
    session.go(None).unwrap();
    session.breakpoints.set_enabled(id, false);
    let stop = session.go(None).unwrap();
    assert_eq!(stop.reason, StopReason::ProcessExited(ExitStatus::Code(0)), "no stop for a breakpoint not there");
}

#[test]
fn a_signal_that_arrives_in_the_condition_is_the_programs() {
    let script: Script = VecDeque::from([
        Box::new(|s: &mut State| {
            // The thread is in the condition's code (past the saves) when a timer signal comes.
            let (start, _) = trampoline_of(s);
            let code: Vec<u8> = (0..512).map(|i| s.byte(start + i)).collect();
            let mut at = Decoder::with_ip(64, &code, start, DecoderOptions::NONE).into_iter();
            let after_frame = at.find(|i| i.mnemonic() == Mnemonic::Mov).and_then(|_| at.next()).unwrap().ip();
            s.set_rip(after_frame);
            // r11 holds the saved frame there, on the stack.
            let r = s.regs.get_mut(&TID).unwrap();
            r.r11 = r.rsp - 168;
            let kind = ExceptionKind::Signal { signo: 14 };
            event(EventKind::Exception(Exception { kind, address: after_frame, first_chance: true }))
        }) as Box<dyn FnMut(&mut State) -> Event>,
        Box::new(|s: &mut State| {
            let (status, _) = *s.resumes.last().unwrap();
            assert_eq!(status, ContinueStatus::NotHandled, "SIGALRM is delivered, not taken for a fault");
            let (start, _) = trampoline_of(s);
            assert!(s.rip() > start, "and the thread goes on in the trampoline, where its handler returns");
            exit(0)(s)
        }),
    ]);
    let (mut session, _, _) = with_scratch(script);
    session.add_breakpoint(TID, when(SITE, "@rax == 7")).unwrap();
    assert_eq!(session.go(None).unwrap().reason, StopReason::ProcessExited(ExitStatus::Code(0)));
    assert_eq!(session.breakpoints.get(0).unwrap().hits, 0);
}

fn steps(s: &State) -> usize {
    s.resumes.iter().filter(|(_, r)| matches!(r, Resume::Step { .. })).count()
}
