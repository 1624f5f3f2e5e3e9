//! A loader rendezvous that cannot be read (a corrupt dynamic section, a list the program overwrote): the session
//! goes on without it after one notice, and the program runs.

use super::*;

const R_BRK: u64 = LIBC_BASE + 0x100;

fn unreadable(notices: &Rc<RefCell<Vec<Notice>>>) -> Vec<Error> {
    let notices = notices.borrow();
    let errors = notices.iter().filter_map(|n| match n {
        Notice::LoaderListUnreadable { error } => Some(error.clone()),
        _ => None,
    });
    errors.collect()
}

#[test]
fn an_unreadable_rendezvous_is_given_up_once_and_the_launch_still_stops_at_its_entry_point() {
    let at_exit: Box<dyn FnMut(&mut State) -> Event> = Box::new(|s: &mut State| {
        assert_ne!(s.byte(R_BRK), 0xcc, "no breakpoint where the loader would call");
        event(EventKind::ProcessExited { status: ExitStatus::Code(5) })
    });
    let state = State { loader_unreadable: Some(0x4000_0000), ..State::default() };
    // `start_with` checks the first stop is the initial breakpoint, at the entry point.
    let (mut session, _, notices) = start_with(state, &[(ENTRY, &[0x31, 0xed])], VecDeque::from([at_exit]));
    assert_eq!(unreadable(&notices), [Error::MemoryAccess(0x4000_0000)], "one notice, at the process's creation");
    assert!(session.modules.by_name("libc").is_none(), "nothing read from the list");
    assert_eq!(session.go(None).unwrap().reason, StopReason::ProcessExited(ExitStatus::Code(5)));
    assert_eq!(unreadable(&notices).len(), 1);
}

#[test]
fn a_list_that_becomes_unreadable_is_given_up_at_the_loaders_call() {
    let loader_call: Box<dyn FnMut(&mut State) -> Event> = Box::new(|s: &mut State| {
        s.loader_unreadable = Some(0x800);
        s.set_rip(R_BRK);
        breakpoint_at(R_BRK)(s)
    });
    let at_exit: Box<dyn FnMut(&mut State) -> Event> = Box::new(|s: &mut State| {
        assert_ne!(s.byte(R_BRK), 0xcc, "the rendezvous breakpoint is out");
        assert_eq!(s.rip(), R_BRK, "the thread runs the loader's own instruction");
        event(EventKind::ProcessExited { status: ExitStatus::Code(0) })
    });
    let (mut session, _, notices) = started(&[], VecDeque::from([loader_call, at_exit]));
    assert_eq!(session.modules.by_name("libc").map(|m| m.base), Some(LIBC_BASE));
    assert_eq!(session.go(None).unwrap().reason, StopReason::ProcessExited(ExitStatus::Code(0)));
    assert_eq!(unreadable(&notices), [Error::MemoryAccess(0x800)]);
}
