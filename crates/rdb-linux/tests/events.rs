//! Debug events of a running process: threads and all-stop, faults with their emulated second chance, and the
//! interrupter.

mod common;

use std::time::Duration;

use common::*;
use rdb_engine::Error;
use rdb_engine::target::{ContinueStatus, Event, EventKind, ExceptionKind, Execution, ExitStatus, Resume, Target};
use rdb_linux::LinuxTarget;

#[test]
fn threads_are_reported_and_every_event_stops_all_threads() {
    let (mut t, _dog) = launch("threads", &["join"]);
    run_to_entry(&mut t);
    let pid = t.pid();
    let (mut created, mut exited) = (Vec::new(), Vec::new());
    loop {
        t.resume(ContinueStatus::Handled, Resume::All).unwrap();
        let e = wait(&mut t);
        match e.kind {
            EventKind::ThreadCreated { start } => {
                assert_eq!(start, None);
                assert_all_stopped(&t);
                let threads = t.threads();
                assert_eq!(threads[0], pid);
                assert!(threads.contains(&e.tid));
                // Every thread the engine is told about can be inspected.
                for tid in threads {
                    t.registers(tid).unwrap();
                }
                created.push(e.tid);
            }
            EventKind::ThreadExited { code } => {
                // A thread reaped after main's exit_group reports the group's code, as wait() tells it.
                assert!(code == 0 || code == 7, "{code}");
                assert_all_stopped(&t);
                assert!(!t.threads().contains(&e.tid));
                if e.tid != pid {
                    exited.push(e.tid);
                }
            }
            EventKind::ProcessExited { status } => {
                assert_eq!(status, ExitStatus::Code(7));
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(created.len(), 3);
    created.sort();
    exited.sort();
    assert_eq!(created, exited);
}

#[test]
fn the_leader_exiting_first_does_not_hang() {
    let (mut t, _dog) = launch("threads", &["leader-exit"]);
    created(&mut t);
    let pid = t.pid();
    let (status, events) = finish(&mut t);
    assert_eq!(status, ExitStatus::Code(9));
    let kinds: Vec<(u32, EventKind)> = events.into_iter().map(|e| (e.tid, e.kind)).collect();
    assert!(matches!(kinds[0].1, EventKind::ThreadCreated { .. }), "{kinds:?}");
    // The main thread's exit is its own event; the process goes on with the other thread.
    assert!(kinds.contains(&(pid, EventKind::ThreadExited { code: 0 })), "{kinds:?}");
}

#[test]
fn exit_group_from_a_thread_ends_the_process() {
    let (mut t, _dog) = launch("threads", &["group-exit"]);
    created(&mut t);
    let (status, _) = finish(&mut t);
    assert_eq!(status, ExitStatus::Code(4));
}

#[test]
fn an_unhandled_fault_gets_a_second_chance_then_kills() {
    let (mut t, _dog) = launch("segv", &[]);
    created(&mut t);
    t.resume(ContinueStatus::Handled, Resume::All).unwrap();
    let e = wait(&mut t);
    let first = exception(&e).clone();
    assert!(first.first_chance);
    assert_eq!(
        first.kind,
        ExceptionKind::AccessViolation { fault_address: Some(0), write: None, signal: Some(libc::SIGSEGV) }
    );
    assert_eq!(first.address, t.registers(e.tid).unwrap().rip);

    t.resume(ContinueStatus::NotHandled, Resume::All).unwrap();
    let e2 = wait(&mut t);
    let second = exception(&e2);
    assert_eq!(e2.tid, e.tid);
    assert!(!second.first_chance);
    assert_eq!((&second.kind, second.address), (&first.kind, first.address));
    assert_all_stopped(&t);

    t.resume(ContinueStatus::Handled, Resume::All).unwrap();
    assert_eq!(wait(&mut t).kind, EventKind::ProcessExited { status: ExitStatus::Signal(libc::SIGSEGV) });
}

#[test]
fn a_fault_handled_by_the_debugger_faults_again() {
    let (mut t, _dog) = launch("segv", &[]);
    created(&mut t);
    t.resume(ContinueStatus::Handled, Resume::All).unwrap();
    let first = exception(&wait(&mut t)).clone();
    t.resume(ContinueStatus::Handled, Resume::All).unwrap();
    let again = exception(&wait(&mut t)).clone();
    assert_eq!(again, first);
    t.kill().unwrap();
    assert_eq!(t.wait_event(), Err(Error::NoProcess));
}

#[test]
fn the_debuggees_own_handler_runs_when_not_handled() {
    let (mut t, _dog) = launch("segv", &["handler"]);
    created(&mut t);
    t.resume(ContinueStatus::Handled, Resume::All).unwrap();
    let e = wait(&mut t);
    assert!(exception(&e).first_chance);
    t.resume(ContinueStatus::NotHandled, Resume::All).unwrap();
    assert_eq!(wait(&mut t).kind, EventKind::ProcessExited { status: ExitStatus::Code(42) });
}

#[test]
fn the_interrupter_breaks_into_a_running_program() {
    let (mut t, _dog) = launch("spin", &["spin"]);
    created(&mut t);
    let breaker = t.interrupter();
    for _ in 0..2 {
        t.resume(ContinueStatus::Handled, Resume::All).unwrap();
        let b = breaker.clone();
        let helper = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(150));
            b.interrupt();
        });
        let e = wait(&mut t);
        helper.join().unwrap();
        let x = exception(&e);
        assert_eq!(x.kind, ExceptionKind::BreakIn);
        assert!(x.first_chance);
        assert_eq!(x.address, t.registers(e.tid).unwrap().rip);
        assert_all_stopped(&t);
    }
    // Not handled or not, the SIGSTOP never reaches the program: it keeps spinning until killed.
    t.resume(ContinueStatus::NotHandled, Resume::All).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    assert!(task_states(t.pid()).iter().all(|&(_, s)| s == 'R' || s == 'S'));
    t.kill().unwrap();
    assert!(std::fs::metadata(format!("/proc/{}", t.pid())).is_err());
}

#[test]
fn simultaneous_breakpoints_are_queued_and_each_reported_once() {
    let (mut t, _dog) = launch("threads", &["race"]);
    let entry = run_to_entry(&mut t);
    let hit = function(&debuggee("threads"), entry, "hit");
    let orig = plant(&mut t, hit);
    let mut hits = Vec::new();
    let status = loop {
        t.resume(ContinueStatus::Handled, Resume::All).unwrap();
        let e = wait(&mut t);
        match &e.kind {
            EventKind::ProcessExited { status } => break *status,
            EventKind::Exception(x) => {
                assert_eq!((&x.kind, x.address), (&ExceptionKind::Breakpoint, hit), "{e:?}");
                // A breakpoint hit may be reported lazily, the other threads still running: the engine completes
                // the all-stop before it takes the int3 out and steps.
                t.stop_others().unwrap();
                assert_all_stopped(&t);
                hits.push(e.tid);
                // As the engine does: step the thread over the original instruction alone, then re-plant. The
                // step's outcome comes first, even with other threads' breakpoints queued.
                unplant(&mut t, e.tid, hit, orig);
                t.resume(ContinueStatus::Handled, Resume::Step { tid: e.tid }).unwrap();
                let s = wait(&mut t);
                assert_eq!(s.tid, e.tid);
                assert!(matches!(exception(&s).kind, ExceptionKind::SingleStep { .. }), "{s:?}");
                assert_all_stopped(&t);
                t.write_memory(hit, &[0xcc]).unwrap();
            }
            EventKind::ThreadCreated { .. } | EventKind::ThreadExited { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    };
    assert_eq!(status, ExitStatus::Code(0));
    hits.sort();
    hits.dedup();
    assert_eq!(hits.len(), 4, "{hits:?}");
}

/// Run `spin nap` (which sleeps in a system call) and break in from another thread while it sleeps.
fn break_in_while_napping(t: &mut LinuxTarget) -> Event {
    created(t);
    t.resume(ContinueStatus::Handled, Resume::All).unwrap();
    let b = t.interrupter();
    let helper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(120));
        b.interrupt();
    });
    let e = wait(t);
    helper.join().unwrap();
    assert_eq!(exception(&e).kind, ExceptionKind::BreakIn);
    e
}

#[test]
fn a_break_in_during_a_system_call_does_not_disturb_the_program() {
    let (mut t, _dog) = launch("spin", &["nap"]);
    break_in_while_napping(&mut t);
    // The interrupted sleep resumes; the program ends as it would have.
    let (status, events) = finish(&mut t);
    assert_eq!(status, ExitStatus::Code(3));
    assert_eq!(events.len(), 1, "{events:?}");
}

#[test]
fn a_step_after_a_break_in_inside_a_system_call_completes_the_call() {
    let (mut t, _dog) = launch("spin", &["nap"]);
    let e = break_in_while_napping(&mut t);
    let rip = t.registers(e.tid).unwrap().rip;
    let mut before = [0u8; 2];
    t.read_memory(rip - 2, &mut before).unwrap();
    if before == [0x0f, 0x05] {
        // Stopped in the sleep: the step is the restarted `syscall`, which returns where the break-in was.
        t.resume(ContinueStatus::Handled, Resume::Step { tid: e.tid }).unwrap();
        let s = wait(&mut t);
        assert_eq!(s.tid, e.tid);
        assert!(matches!(exception(&s).kind, ExceptionKind::SingleStep { .. }), "{s:?}");
        assert_eq!(t.registers(e.tid).unwrap().rip, rip);
    }
    let (status, _) = finish(&mut t);
    assert_eq!(status, ExitStatus::Code(3));
}

#[test]
fn detach_with_breakpoints_still_queued_lets_every_thread_run_on() {
    let (mut t, _dog) = launch("threads", &["race"]);
    let entry = run_to_entry(&mut t);
    let hit = function(&debuggee("threads"), entry, "hit");
    let orig = plant(&mut t, hit);
    let e = loop {
        t.resume(ContinueStatus::Handled, Resume::All).unwrap();
        let e = wait(&mut t);
        if matches!(e.kind, EventKind::Exception(_)) {
            break e;
        }
    };
    assert_eq!(exception(&e).address, hit);
    // As the engine does before detaching: its breakpoint out, the reporting thread back on the instruction. The
    // threads whose hits are still queued are the backend's to put back.
    unplant(&mut t, e.tid, hit, orig);
    let pid = t.pid() as i32;
    t.detach().unwrap();
    assert!(t.threads().is_empty());
    let mut status = 0;
    // SAFETY: waitpid writes one int through a valid pointer.
    let r = unsafe { libc::waitpid(pid, &mut status, 0) };
    assert_eq!(r, pid);
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "status {status:#x}");
}
