//! Attaching to a running process and detaching from it.

mod common;

use std::process::Command;
use std::time::Duration;

use common::*;
use rdb_engine::target::{EventKind, ExceptionKind, Execution, Target};
use rdb_linux::LinuxTarget;

#[test]
fn attach_reports_the_process_then_detach_lets_it_finish() {
    let mut child = Command::new(debuggee("spin")).arg("nap").spawn().unwrap();
    let _dog = Watchdog::new(child.id());
    // Let it get past its loader.
    std::thread::sleep(Duration::from_millis(100));
    let mut t = LinuxTarget::attach(child.id()).unwrap();
    assert!(!t.launched());
    assert_eq!(t.pid(), child.id());
    let e = wait(&mut t);
    let EventKind::ProcessCreated { path, image_base, entry, .. } = e.kind else { panic!("{e:?}") };
    assert!(path.ends_with("spin"), "{path:?}");
    assert!(entry > image_base);
    let mut modules = Vec::new();
    let breakin = loop {
        let e = wait(&mut t);
        match e.kind {
            EventKind::ModuleLoaded { path, .. } => modules.push(path),
            EventKind::Exception(x) => break (e.tid, x),
            other => panic!("unexpected {other:?}"),
        }
    };
    assert!(modules.iter().any(|p| p.to_string_lossy().contains("libc.so")), "{modules:?}");
    assert!(modules.iter().any(|p| p.to_string_lossy().contains("ld-linux")), "{modules:?}");
    assert_eq!(breakin.0, t.pid());
    assert_eq!(breakin.1.kind, ExceptionKind::BreakIn);
    assert_eq!(t.threads(), vec![t.pid()]);
    assert_all_stopped(&t);
    t.detach().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(3), "{status:?}");
}

#[test]
fn attach_to_a_threaded_process_lists_its_threads() {
    let mut child = Command::new(debuggee("threads")).arg("sleepers").spawn().unwrap();
    let _dog = Watchdog::new(child.id());
    std::thread::sleep(Duration::from_millis(80));
    let mut t = LinuxTarget::attach(child.id()).unwrap();
    let mut created = Vec::new();
    loop {
        let e = wait(&mut t);
        match e.kind {
            EventKind::ThreadCreated { .. } => created.push(e.tid),
            EventKind::Exception(x) => {
                assert_eq!(x.kind, ExceptionKind::BreakIn);
                break;
            }
            EventKind::ProcessCreated { .. } | EventKind::ModuleLoaded { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(created.len(), 2);
    let threads = t.threads();
    assert_eq!(threads.len(), 3);
    assert_eq!(threads[0], t.pid());
    assert_all_stopped(&t);
    t.detach().unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(5));
}

#[test]
fn attach_to_a_process_whose_main_thread_exited_fails_cleanly() {
    let mut child = Command::new(debuggee("threads")).arg("leader-exit").spawn().unwrap();
    let _dog = Watchdog::new(child.id());
    std::thread::sleep(Duration::from_millis(20));
    let e = LinuxTarget::attach(child.id()).err().unwrap();
    assert_eq!(e.to_string(), format!("cannot attach to process {}: its main thread has exited", child.id()));
    assert_eq!(child.wait().unwrap().code(), Some(9));
}

#[test]
fn attach_to_a_missing_process_fails_cleanly() {
    let e = LinuxTarget::attach(0x7fff_fff0).err().unwrap();
    assert_eq!(e.to_string(), format!("cannot attach to process {}: No such process", 0x7fff_fff0));
    let e = LinuxTarget::attach(0).err().unwrap();
    assert_eq!(e.to_string(), "cannot attach to process 0: No such process");
}
