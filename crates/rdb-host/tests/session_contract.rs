//! What the engine's façade hands every front end, checked on real debuggees in this process: frames, disassembly,
//! threads and modules as data that agree with the program's own files, and a family of processes driven as one.

mod common;

use common::{code_at, debugger, launch_of};
use rdb_engine::session::{Resumption, StopReason};
use rdb_testkit::prelude::*;

/// hello stopped at `bp hello!add`, with its debugger.
fn at_add() -> rdb_engine::debugger::Debugger {
    let (mut dbg, _) = debugger();
    let first = dbg.launch(launch_of("hello", &[])).unwrap();
    assert_eq!(first.reason, StopReason::InitialBreakpoint);
    let id = dbg.session_mut().add_breakpoint(first.tid, code_at("hello!add")).unwrap();
    let stop = dbg.run(Resumption::Go { status: None }).unwrap();
    assert_eq!(stop.reason, StopReason::Breakpoint(vec![id]));
    dbg
}

#[test]
fn frames_name_the_calls_with_their_lines_and_chain_their_stack_pointers() {
    let mut dbg = at_add();
    let tid = dbg.session().event_thread();
    let frames = dbg.session_mut().frames(tid, 8).unwrap();
    let names: Vec<String> =
        frames.iter().take(4).map(|f| f.place.as_ref().and_then(|p| p.symbol.clone()).unwrap().name).collect();
    assert_eq!(names, ["add", "middle", "outer", "main"]);
    let lines: Vec<u32> = frames.iter().take(4).map(|f| f.source.as_ref().unwrap().line).collect();
    let want = ["add", "middle", "outer", "main-call"].map(|m| line_of("hello.c", m));
    assert_eq!(lines, want, "a caller's line is its call's");
    for pair in frames.windows(2) {
        assert_eq!(pair[0].return_address, Some(pair[1].pc), "a frame returns to its caller's pc");
        assert_eq!(pair[0].cfa, Some(pair[1].sp), "a frame's CFA is its caller's stack pointer");
        assert!(pair[0].sp < pair[1].sp, "the stack grows down");
    }
    let rsp = dbg.session_mut().registers(tid).unwrap().rsp;
    assert_eq!(frames[0].sp, rsp);
    assert_eq!(frames[0].index, 0);
    assert_eq!(frames[3].index, 3);
}

#[test]
fn disassembly_marks_where_a_function_starts() {
    let mut dbg = at_add();
    let tid = dbg.session().event_thread();
    let add = dbg.session_mut().evaluate(tid, "hello!add").unwrap();
    let lines = dbg.session_mut().disassemble(add, 4, None).unwrap();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0].instruction.address, add);
    assert!(lines[0].starts_symbol, "add starts at its first instruction");
    assert!(lines[1..].iter().all(|l| !l.starts_symbol));
    // The bytes are the program's own, not the breakpoint's int3.
    assert_ne!(lines[0].instruction.bytes.first(), Some(&0xcc));
    let before = dbg.session_mut().instructions_ending_at(lines[2].instruction.address, 2).unwrap();
    let addresses: Vec<u64> = before.iter().map(|l| l.instruction.address).collect();
    assert_eq!(addresses, [lines[0].instruction.address, lines[1].instruction.address]);
}

#[test]
fn threads_carry_their_thread_pointer_and_modules_their_symbols() {
    let mut dbg = at_add();
    let session = dbg.session_mut();
    let threads = session.threads_info();
    assert_eq!(threads.len(), 1);
    let fs_base = session.register(threads[0].tid, "fs_base").unwrap();
    assert_eq!(threads[0].environment_block, Some(fs_base), "on Linux, the thread pointer");
    assert_eq!(threads[0].index, 0);
    let names: Vec<&str> = session.modules.iter().map(|m| m.name.as_str()).collect();
    assert!(names.starts_with(&["hello"]) && names.contains(&"libc"), "{names:?}");
    let hello = session.modules.by_name("hello").unwrap();
    assert_eq!(hello.path, debuggee("hello"));
}

#[test]
fn memory_reads_hide_the_breakpoints() {
    let mut dbg = at_add();
    let tid = dbg.session().event_thread();
    let add = dbg.session_mut().evaluate(tid, "hello!add").unwrap();
    let mut byte = [0u8];
    dbg.session_mut().read_memory(add, &mut byte).unwrap();
    let pid = dbg.session().pid();
    assert_eq!(read_memory(pid, add, 1), [0xcc], "the int3 is in the process");
    let file_byte = {
        use std::io::Read;
        let mut bytes = Vec::new();
        std::fs::File::open(debuggee("hello")).unwrap().read_to_end(&mut bytes).unwrap();
        let offset = add - load_bias(pid, &debuggee("hello"));
        // hello is a PIE whose text's file offset equals its address.
        bytes[offset as usize]
    };
    assert_eq!(byte[0], file_byte, "the engine shows the program's own byte");
}

#[test]
fn a_followed_child_is_a_process_of_the_family() {
    let (mut dbg, _) = debugger();
    dbg.set_follow_children(true).unwrap();
    let first = dbg.launch(launch_of("forks", &[])).unwrap();
    dbg.session_mut().add_breakpoint(first.tid, code_at("forks!work")).unwrap();
    let parent = dbg.session().pid();
    // The child's first stop (its creation, like an attach's break-in), as its own process.
    let stop = dbg.run(Resumption::Go { status: None }).unwrap();
    assert_ne!(stop.pid, parent, "{stop:?}");
    assert_eq!(dbg.current().number, 1);
    assert_eq!(dbg.processes().count(), 2);
    // The child's copy of the code came clean of the parent's int3s, and its own session has no breakpoint: it
    // calls work and exits 7; then the parent is current again.
    assert_eq!(dbg.session().breakpoints().iter().count(), 0);
    let stop = dbg.run(Resumption::Go { status: None }).unwrap();
    assert_eq!(stop.reason, StopReason::ProcessExited(rdb_engine::target::ExitStatus::Code(7)));
    assert_eq!(dbg.leave_exited_process(), Some(0));
    assert_eq!(dbg.session().pid(), parent);
    let stop = dbg.run(Resumption::Go { status: None }).unwrap();
    assert!(matches!(stop.reason, StopReason::Breakpoint(_)), "the parent's own call: {stop:?}");
    assert!(dbg.end_others().is_empty());
    dbg.session_mut().end().unwrap();
}

#[test]
fn one_debuggee_at_a_time_and_restart_launches_the_same_program_again() {
    let (mut dbg, _) = debugger();
    dbg.launch(launch_of("hello", &[])).unwrap();
    let first = dbg.session().pid();
    let again = dbg.launch(launch_of("steps", &[])).unwrap_err();
    assert_eq!(again.to_string(), "already debugging a process: .detach or q it first");
    assert_eq!(dbg.session().pid(), first, "the debuggee is untouched");
    // Breakpoints outlive the process: the restarted one stops at the same place.
    let tid = dbg.session().event_thread();
    let id = dbg.session_mut().add_breakpoint(tid, code_at("hello!add")).unwrap();
    let stop = dbg.restart().unwrap();
    assert_eq!(stop.reason, StopReason::InitialBreakpoint);
    assert_ne!(dbg.session().pid(), first);
    assert!(wait_until(std::time::Duration::from_secs(5), || process_gone(first)), "the first one was killed");
    let stop = dbg.run(Resumption::Go { status: None }).unwrap();
    assert_eq!(stop.reason, StopReason::Breakpoint(vec![id]));
    dbg.session_mut().end().unwrap();
}
