//! `$peb`, `$teb`, `!peb` and `!teb` through the session: the fake target plays a Windows process whose memory
//! holds the synthetic blocks of `windows_blocks::fixture`, or a target without the capability.

use super::*;
use crate::windows_blocks::fixture;

/// A session stopped at its first stop, on a Windows-like target holding the synthetic process.
fn windows() -> Started {
    let started = started(&[], VecDeque::new());
    {
        let mut s = started.1.borrow_mut();
        s.memory.extend(fixture::process(u64::from(PID), u64::from(TID)).0);
        s.blocks = Some(Blocks { peb: fixture::PEB, teb: fixture::TEB });
    }
    started
}

fn put_u64(state: &Rc<RefCell<State>>, address: u64, value: u64) {
    let mut s = state.borrow_mut();
    for (i, b) in value.to_le_bytes().iter().enumerate() {
        s.memory.insert(address + i as u64, *b);
    }
}

#[test]
fn pseudo_registers_name_the_blocks() {
    let (mut session, _, _) = windows();
    assert!(session.has_environment_blocks());
    assert_eq!(session.evaluate(TID, "@$peb").unwrap(), fixture::PEB);
    assert_eq!(session.evaluate(TID, "$peb+2").unwrap(), fixture::PEB + 2);
    assert_eq!(session.evaluate(TID, "@$TEB").unwrap(), fixture::TEB);
    assert_eq!(session.evaluate(TID, "poi(@$teb+0x60) == @$peb").unwrap(), 1);
    assert_eq!(session.evaluate(TID, "by(@$peb+2)").unwrap(), 1);
}

#[test]
fn peb_and_teb_read_the_process_and_the_current_thread() {
    let (mut session, _, _) = windows();
    let peb = session.peb(None).unwrap();
    assert_eq!(peb.address, fixture::PEB);
    let modules: Vec<u64> = peb.loader.as_ref().unwrap().modules.iter().map(|m| m.base).collect();
    assert_eq!(modules, fixture::MODULES.map(|m| m.0));
    assert_eq!(session.peb(Some(fixture::PEB)).unwrap(), peb);
    let teb = session.teb(None, TID).unwrap();
    assert_eq!((teb.address, teb.client_process, teb.client_thread), (fixture::TEB, 100, 100));
    assert_eq!(session.teb_address(TID + 1), Err(Error::NoSuchThread(TID + 1)));
}

#[test]
fn eb_at_peb_plus_2_clears_being_debugged() {
    let (mut session, state, _) = windows();
    let at = session.evaluate(TID, "@$peb+2").unwrap();
    session.write_memory(at, &[0]).unwrap();
    assert_eq!(state.borrow().byte(fixture::PEB + 2), 0, "the debuggee's own byte changed");
    let peb = session.peb(None).unwrap();
    assert!(!peb.being_debugged);
}

#[test]
fn a_corrupt_loader_list_ends_in_one_note() {
    let (mut session, state, _) = windows();
    // The fake's memory below 0x1000 is unmapped.
    put_u64(&state, fixture::ENTRIES[1], 0x800);
    let peb = session.peb(None).unwrap();
    let loader = peb.loader.as_ref().unwrap();
    assert_eq!(loader.cut, Some(crate::windows_blocks::Cut::Unreadable(0x800)), "{loader:#?}");
    let parameters = peb.parameters.as_ref().unwrap();
    assert!(parameters.environment_strings.last().unwrap().contains("PATH="), "the rest of the PEB is still read");

    put_u64(&state, fixture::ENTRIES[1], fixture::ENTRIES[0]);
    let peb = session.peb(None).unwrap();
    let cut = peb.loader.as_ref().unwrap().cut;
    assert_eq!(cut, Some(crate::windows_blocks::Cut::Loop(fixture::ENTRIES[0])));
}

#[test]
fn a_target_without_the_blocks_says_so() {
    let (mut session, _, _) = started(&[], VecDeque::new());
    assert!(!session.has_environment_blocks());
    assert_eq!(session.evaluate(TID, "@$peb").unwrap_err().to_string(), "Bad register error at '@$peb'");
    assert_eq!(session.evaluate(TID, "$teb").unwrap_err().to_string(), "Bad register error at '$teb'");
    let only = "only Windows targets have a PEB and TEBs";
    assert_eq!(session.peb(None).unwrap_err().to_string(), only);
    assert_eq!(session.peb(Some(0x10_0000)).unwrap_err().to_string(), only, "not even at a given address");
    assert_eq!(session.teb(None, TID).unwrap_err().to_string(), only);
    assert_eq!(session.teb(Some(0x10_0000), TID).unwrap_err().to_string(), only);
}

#[test]
fn a_threads_environment_block_is_its_teb_on_windows() {
    let (mut session, _, _) = windows();
    assert_eq!(session.environment_block(TID), Ok(fixture::TEB));
    let threads = session.threads_info();
    assert_eq!(threads, [ThreadInfo { tid: TID, index: 0, environment_block: Some(fixture::TEB) }]);
}

#[test]
fn elsewhere_a_threads_environment_block_is_its_thread_pointer() {
    let (mut session, state, _) = started(&[], VecDeque::new());
    state.borrow_mut().regs.get_mut(&TID).unwrap().fs_base = 0x7fff_f7d8_a740;
    session.forget_registers();
    assert_eq!(session.environment_block(TID), Ok(0x7fff_f7d8_a740));
    let threads = session.threads_info();
    assert_eq!(threads, [ThreadInfo { tid: TID, index: 0, environment_block: Some(0x7fff_f7d8_a740) }]);
    assert_eq!(session.thread_info(ThreadEntry { tid: TID + 7, index: 3 }).environment_block, None, "no such thread");
}
