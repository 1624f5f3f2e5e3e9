//! System calls injected into the stopped debuggee, and the scratch memory mapped with them.

mod common;

use std::time::Duration;

use common::*;
use rdb_engine::target::{ContinueStatus, EventKind, ExceptionKind, Execution, ExitStatus, Resume, Target};

/// The thread's registers as ptrace has them, `orig_rax` included (the engine's `Registers` has no such field).
fn raw_registers(tid: u32) -> libc::user_regs_struct {
    nix::sys::ptrace::getregs(nix::unistd::Pid::from_raw(tid as i32)).unwrap()
}

#[test]
fn getpid_at_the_exec_stop_and_at_the_entry_point() {
    let (mut t, _dog) = launch("inject", &[]);
    let e = wait(&mut t);
    assert!(matches!(e.kind, EventKind::ProcessCreated { .. }), "{e:?}");
    let pid = t.pid();
    assert_eq!(t.syscall(libc::SYS_getpid, [0; 6]).unwrap(), i64::from(pid));
    // The step off the exec stop still begins in execve's return: the program starts as it would have.
    run_to_entry_after_created(&mut t);
    assert_eq!(t.syscall(libc::SYS_getpid, [0; 6]).unwrap(), i64::from(pid));
    let (status, _) = finish(&mut t);
    assert_eq!(status, ExitStatus::Code(11));
}

/// `run_to_entry` once the ProcessCreated event is taken: the loader's event, then the entry point's int3.
fn run_to_entry_after_created(t: &mut rdb_linux::LinuxTarget) -> u64 {
    let e = wait(t);
    assert!(matches!(e.kind, EventKind::ModuleLoaded { .. }), "{e:?}");
    let entry = entry_of(t);
    let orig = plant(t, entry);
    t.resume(ContinueStatus::Handled, Resume::All).unwrap();
    let e = wait(t);
    assert_eq!(exception(&e).kind, ExceptionKind::Breakpoint);
    unplant(t, e.tid, entry, orig);
    entry
}

/// The entry point of the launched program, from its auxiliary vector.
fn entry_of(t: &rdb_linux::LinuxTarget) -> u64 {
    let auxv = std::fs::read(format!("/proc/{}/auxv", t.pid())).unwrap();
    let word = |c: &[u8]| u64::from_le_bytes(c.try_into().unwrap());
    auxv.chunks_exact(16).find(|c| word(&c[..8]) == libc::AT_ENTRY).map(|c| word(&c[8..])).unwrap()
}

#[test]
fn the_thread_is_put_back_exactly() {
    let (mut t, _dog) = launch("inject", &[]);
    run_to_entry(&mut t);
    let tid = t.pid();
    let before = raw_registers(tid);
    let debug_before = t.debug_registers(tid).unwrap();
    let mut code_before = [0u8; 16];
    t.read_memory(before.rip, &mut code_before).unwrap();
    // An error comes back as -errno, the thread put back all the same.
    assert_eq!(t.syscall(libc::SYS_close, [u64::MAX, 0, 0, 0, 0, 0]).unwrap(), -i64::from(libc::EBADF));
    let after = raw_registers(tid);
    assert_eq!(format!("{before:?}"), format!("{after:?}"));
    assert_eq!(t.debug_registers(tid).unwrap(), debug_before);
    let mut code_after = [0u8; 16];
    t.read_memory(before.rip, &mut code_after).unwrap();
    assert_eq!(code_before, code_after);
    let (status, _) = finish(&mut t);
    assert_eq!(status, ExitStatus::Code(11));
}

#[test]
fn a_thread_stopped_in_nanosleep_sleeps_on_for_the_rest_of_its_time() {
    let (mut t, _dog) = launch("inject", &["sleep"]);
    run_to_entry(&mut t);
    t.resume(ContinueStatus::Handled, Resume::All).unwrap();
    let b = t.interrupter();
    let helper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(400));
        b.interrupt();
    });
    let e = wait(&mut t);
    helper.join().unwrap();
    assert_eq!(exception(&e).kind, ExceptionKind::BreakIn);
    let before = raw_registers(e.tid);
    // Stopped inside the sleep: the kernel means to restart it when the thread runs on.
    assert!(before.orig_rax as i64 >= 0, "{before:?}");
    for _ in 0..3 {
        assert_eq!(t.syscall(libc::SYS_getpid, [0; 6]).unwrap(), i64::from(t.pid()));
    }
    assert_eq!(format!("{before:?}"), format!("{:?}", raw_registers(e.tid)));
    let (status, _) = finish(&mut t);
    // The sleep went on where it was (one second in all), neither failed with EINTR nor started over.
    let ExitStatus::Code(hundredths) = status else { panic!("{status:?}") };
    assert!((100..140).contains(&hundredths), "slept {hundredths} hundredths of a second");
}

#[test]
fn scratch_memory_lies_near_the_code_and_runs_it() {
    let (mut t, _dog) = launch("inject", &[]);
    let entry = run_to_entry(&mut t);
    let at = t.scratch_memory().unwrap().allocate(entry, 100).unwrap();
    assert!(at.abs_diff(entry) < 1 << 31, "{at:#x} is far from {entry:#x}");
    assert_eq!(at % 0x1000, 0);
    let region = t.memory_regions().unwrap().into_iter().find(|r| r.start <= at && at < r.end).unwrap();
    assert!(region.readable && region.writable && region.executable, "{region:?}");
    // mov eax, 0x2a; int3
    let code = [0xb8, 0x2a, 0x00, 0x00, 0x00, 0xcc];
    t.write_memory(at, &code).unwrap();
    let tid = t.pid();
    let saved = t.registers(tid).unwrap();
    let mut regs = saved;
    regs.rip = at;
    t.set_registers(tid, &regs).unwrap();
    t.resume(ContinueStatus::Handled, Resume::All).unwrap();
    let e = wait(&mut t);
    let x = exception(&e);
    assert_eq!((&x.kind, x.address), (&ExceptionKind::Breakpoint, at + 5));
    assert_eq!(t.registers(tid).unwrap().rax & 0xffff_ffff, 0x2a);
    t.set_registers(tid, &saved).unwrap();
    // Another block does not overlap the first.
    let second = t.scratch_memory().unwrap().allocate(entry, 0x3000).unwrap();
    assert!(second + 0x3000 <= at || second >= at + 0x1000, "{second:#x} overlaps {at:#x}");
    let (status, _) = finish(&mut t);
    assert_eq!(status, ExitStatus::Code(11));
}

#[test]
fn scratch_memory_freed_is_unmapped() {
    let (mut t, _dog) = launch("inject", &[]);
    let entry = run_to_entry(&mut t);
    let at = t.scratch_memory().unwrap().allocate(entry, 100).unwrap();
    let mapped =
        |t: &mut rdb_linux::LinuxTarget| t.memory_regions().unwrap().iter().any(|r| r.start <= at && at < r.end);
    assert!(mapped(&mut t));
    t.scratch_memory().unwrap().free(at, 100).unwrap();
    assert!(!mapped(&mut t), "{at:#x} is still mapped");
    assert!(t.scratch_memory().unwrap().free(at + 8, 100).is_err(), "not the start of a mapping");
    let (status, _) = finish(&mut t);
    assert_eq!(status, ExitStatus::Code(11));
}

#[test]
fn nothing_is_injected_into_a_running_or_gone_process() {
    let (mut t, _dog) = launch("inject", &["sleep"]);
    run_to_entry(&mut t);
    t.resume(ContinueStatus::Handled, Resume::All).unwrap();
    assert!(t.syscall(libc::SYS_getpid, [0; 6]).is_err());
    t.kill().unwrap();
    assert!(t.syscall(libc::SYS_getpid, [0; 6]).is_err());
    assert!(t.scratch_memory().unwrap().allocate(0x40_0000, 0x1000).is_err());
}
