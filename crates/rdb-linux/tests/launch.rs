//! Launching under ptrace, and the primitives on a launched process stopped at its exec: memory, registers, debug
//! registers, single-stepping.

mod common;

use std::path::Path;

use common::*;
use rdb_engine::Error;
use rdb_engine::target::{ContinueStatus, EventKind, ExceptionKind, Execution, ExitStatus, Resume, Target};
use rdb_linux::LinuxTarget;

#[test]
fn launch_reports_the_process_and_its_exit_code() {
    let (mut t, _dog) = launch("exitcode", &["5"]);
    assert!(t.launched());
    assert_eq!(t.threads(), vec![t.pid()]);
    let (_, base) = created(&mut t);
    // Address-space randomisation is off, as under gdb: a PIE lands where the kernel puts it by default.
    assert_eq!(base, 0x5555_5555_4000);
    let (status, events) = finish(&mut t);
    assert_eq!(status, ExitStatus::Code(5));
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(t.wait_event(), Err(Error::NoProcess));
    assert_eq!(t.registers(t.pid()), Err(Error::NoProcess));
    assert!(t.threads().is_empty());
    t.kill().unwrap();
}

#[test]
fn launch_of_a_missing_program_fails_cleanly() {
    let e = LinuxTarget::launch(Path::new("/nonexistent/program"), &[]).err().unwrap();
    assert_eq!(e.to_string(), "cannot launch '/nonexistent/program': No such file or directory");
    let e = LinuxTarget::launch(Path::new("no-such-program-for-rdb"), &[]).err().unwrap();
    assert_eq!(e.to_string(), "cannot launch 'no-such-program-for-rdb': No such file or directory");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/debuggees/exitcode.c");
    let e = LinuxTarget::launch(&source, &[]).err().unwrap();
    assert!(e.to_string().ends_with("': Permission denied"), "{e}");
}

#[test]
fn launch_resolves_through_path_with_arguments() {
    let mut t = LinuxTarget::launch(Path::new("sh"), &["-c".into(), "exit 12".into()]).unwrap();
    let _dog = Watchdog::new(t.pid());
    let (status, _) = finish(&mut t);
    assert_eq!(status, ExitStatus::Code(12));
}

#[test]
fn memory_reads_and_writes_even_read_only_code() {
    let (mut t, _dog) = launch("exitcode", &[]);
    let (entry, base) = created(&mut t);
    let mut magic = [0u8; 4];
    assert_eq!(t.read_memory(base, &mut magic).unwrap(), 4);
    assert_eq!(&magic, b"\x7fELF");

    // The entry point is in read-only text.
    let mut orig = [0u8; 4];
    t.read_memory(entry, &mut orig).unwrap();
    t.write_memory(entry, &[0x90, 0x91, 0x92, 0x93]).unwrap();
    let mut back = [0u8; 4];
    t.read_memory(entry, &mut back).unwrap();
    assert_eq!(back, [0x90, 0x91, 0x92, 0x93]);
    t.write_memory(entry, &orig).unwrap();
    t.read_memory(entry, &mut back).unwrap();
    assert_eq!(back, orig);

    // Partial reads stop at the end of a mapping; nothing readable is an error.
    let regions = t.memory_regions().unwrap();
    assert!(regions.iter().any(|r| r.name.as_deref().is_some_and(|n| n.ends_with("/exitcode")) && r.executable));
    let edge = regions.iter().find(|r| r.readable && !regions.iter().any(|o| o.start == r.end)).unwrap();
    let mut buf = [0u8; 16];
    assert_eq!(t.read_memory(edge.end - 8, &mut buf).unwrap(), 8);
    assert_eq!(t.read_memory(0, &mut buf), Err(Error::MemoryAccess(0)));
    assert_eq!(t.write_memory(8, &[1]), Err(Error::MemoryAccess(8)));
    assert_eq!(t.read_memory(u64::MAX - 3, &mut buf), Err(Error::MemoryAccess(u64::MAX - 3)));
    t.kill().unwrap();
    assert_eq!(t.read_memory(base, &mut magic), Err(Error::NoProcess));
}

#[test]
fn registers_round_trip() {
    let (mut t, _dog) = launch("exitcode", &[]);
    let (entry, _) = created(&mut t);
    let pid = t.pid();
    let regs = t.registers(pid).unwrap();
    assert_ne!(regs.rsp, 0);
    assert_eq!(regs.cs, 0x33);
    let mut changed = regs;
    changed.r12 = 0x1234_5678_9abc_def0;
    changed.rax = 7;
    t.set_registers(pid, &changed).unwrap();
    assert_eq!(t.registers(pid).unwrap(), changed);
    t.set_registers(pid, &regs).unwrap();
    assert_eq!(t.registers(pid).unwrap(), regs);
    assert_eq!(t.registers(1), Err(Error::NoSuchThread(1)));

    // A hardware execution breakpoint at the entry point.
    let mut dr = t.debug_registers(pid).unwrap();
    assert_eq!(dr.dr7 & 0xff, 0);
    dr.dr[0] = entry;
    dr.dr7 = 1;
    t.set_debug_registers(pid, &dr).unwrap();
    let back = t.debug_registers(pid).unwrap();
    assert_eq!((back.dr[0], back.dr7 & 0xff), (entry, 1));
    t.resume(ContinueStatus::Handled, Resume::All).unwrap();
    let e = wait(&mut t);
    let x = exception(&e);
    let ExceptionKind::SingleStep { dr6 } = x.kind else { panic!("{x:?}") };
    assert_eq!(dr6 & 0xf, 1, "dr6 {dr6:#x}");
    assert_eq!(x.address, entry);
    assert_eq!(t.registers(pid).unwrap().rip, entry);
    dr.dr7 = 0;
    dr.dr[0] = 0;
    t.set_debug_registers(pid, &dr).unwrap();
    // The breakpoint is gone: the program runs to its end (resume flag not needed once DR7 is clear).
    let (status, _) = finish(&mut t);
    assert_eq!(status, ExitStatus::Code(0));
}

#[test]
fn single_step_advances_rip() {
    let (mut t, _dog) = launch("exitcode", &[]);
    created(&mut t);
    let pid = t.pid();
    let mut rip = t.registers(pid).unwrap().rip;
    for _ in 0..5 {
        t.resume(ContinueStatus::Handled, Resume::Step { tid: pid }).unwrap();
        let e = wait(&mut t);
        assert_eq!(e.tid, pid);
        let x = exception(&e);
        assert!(matches!(x.kind, ExceptionKind::SingleStep { dr6 } if dr6 & 0x4000 != 0), "{x:?}");
        let now = t.registers(pid).unwrap().rip;
        assert_eq!(x.address, now);
        assert_ne!(now, rip);
        rip = now;
    }
    assert_eq!(t.resume(ContinueStatus::Handled, Resume::Step { tid: 1 }), Err(Error::NoSuchThread(1)));
    let (status, events) = finish(&mut t);
    assert_eq!(status, ExitStatus::Code(0));
    assert!(events.iter().all(|e| matches!(e.kind, EventKind::ProcessExited { .. })));
}

#[test]
fn an_exec_by_the_debuggee_is_a_new_process() {
    let exe = debuggee("exitcode");
    let script = format!("exec {} 6", exe.display());
    let mut t = LinuxTarget::launch(Path::new("/bin/sh"), &["-c".into(), script]).unwrap();
    let _dog = Watchdog::new(t.pid());
    created(&mut t);
    t.resume(ContinueStatus::Handled, Resume::All).unwrap();
    let e = wait(&mut t);
    let EventKind::ProcessCreated { path, .. } = e.kind else { panic!("{e:?}") };
    assert_eq!(path, exe);
    assert!(matches!(wait(&mut t).kind, EventKind::ModuleLoaded { .. }));
    assert_eq!(t.threads(), vec![t.pid()]);
    let (status, _) = finish(&mut t);
    assert_eq!(status, ExitStatus::Code(6));
}
