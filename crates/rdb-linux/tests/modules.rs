//! The loader rendezvous: r_debug's breakpoint address and module list, with dlopen and dlclose.

mod common;

use common::*;
use rdb_engine::target::{ContinueStatus, EventKind, ExceptionKind, Execution, ExitStatus, Resume, Target};
use rdb_linux::LinuxTarget;

#[test]
fn the_loader_list_is_read_at_the_entry_point() {
    let (mut t, _dog) = launch("exitcode", &[]);
    let (entry, _) = created(&mut t);
    // Before the loader ran, r_debug is not published.
    assert_eq!(t.loader_rendezvous().unwrap().breakpoint_address().unwrap(), None);
    assert!(t.loader_rendezvous().unwrap().sync_modules().unwrap().is_empty());
    let orig = plant(&mut t, entry);
    t.resume(ContinueStatus::Handled, Resume::All).unwrap();
    let e = wait(&mut t);
    assert_eq!(exception(&e).kind, ExceptionKind::Breakpoint);
    unplant(&mut t, e.tid, entry, orig);

    let r = t.loader_rendezvous().unwrap();
    let brk = r.breakpoint_address().unwrap().expect("r_brk");
    assert_ne!(brk, 0);
    let changes = r.sync_modules().unwrap();
    let libc = changes.iter().find_map(|c| match c {
        EventKind::ModuleLoaded { base, size, path } if path.to_string_lossy().contains("libc.so") => {
            Some((*base, *size))
        }
        _ => None,
    });
    let (base, size) = libc.unwrap_or_else(|| panic!("no libc in {changes:?}"));
    assert_eq!(base % 0x1000, 0);
    assert!(size > 0x1000);
    // The loader was reported at the exec, the vDSO is no module: neither comes again.
    assert!(
        changes.iter().all(|c| match c {
            EventKind::ModuleLoaded { path, .. } =>
                !path.to_string_lossy().contains("ld-linux") && !path.to_string_lossy().contains("vdso"),
            _ => false,
        }),
        "{changes:?}"
    );
    let mut magic = [0u8; 4];
    t.read_memory(base, &mut magic).unwrap();
    assert_eq!(&magic, b"\x7fELF");
    // The extent covers exactly libc's mappings, from its lowest.
    let libc_maps: Vec<_> = t
        .memory_regions()
        .unwrap()
        .into_iter()
        .filter(|r| r.name.as_deref().is_some_and(|n| n.contains("libc.so")))
        .collect();
    assert_eq!(libc_maps.iter().map(|r| r.start).min(), Some(base));
    assert!(libc_maps.iter().all(|r| r.end <= base + size), "{libc_maps:?} {size:#x}");
    assert!(t.loader_rendezvous().unwrap().sync_modules().unwrap().is_empty());
    let (status, _) = finish(&mut t);
    assert_eq!(status, ExitStatus::Code(0));
}

#[test]
fn dlopen_and_dlclose_are_seen_at_the_rendezvous_breakpoint() {
    let plugin = plugin();
    let (mut t, _dog) = launch("dl", &[plugin.to_str().unwrap()]);
    run_to_entry(&mut t);
    let brk = t.loader_rendezvous().unwrap().breakpoint_address().unwrap().unwrap();
    t.loader_rendezvous().unwrap().sync_modules().unwrap();
    let orig = plant(&mut t, brk);
    let mut changes = Vec::new();
    let status = loop {
        t.resume(ContinueStatus::Handled, Resume::All).unwrap();
        let e = wait(&mut t);
        match &e.kind {
            EventKind::ProcessExited { status } => break *status,
            EventKind::Exception(x) if x.kind == ExceptionKind::Breakpoint && x.address == brk => {
                // As the engine does at an internal breakpoint: every thread stopped first (the hit may be lazy).
                t.stop_others().unwrap();
                changes.extend(t.loader_rendezvous().unwrap().sync_modules().unwrap());
                // Step over the rendezvous function's first instruction with the original byte, then re-plant.
                unplant(&mut t, e.tid, brk, orig);
                t.resume(ContinueStatus::Handled, Resume::Step { tid: e.tid }).unwrap();
                let s = wait(&mut t);
                assert!(matches!(exception(&s).kind, ExceptionKind::SingleStep { .. }), "{s:?}");
                t.write_memory(brk, &[0xcc]).unwrap();
            }
            other => panic!("unexpected {other:?}"),
        }
    };
    assert_eq!(status, ExitStatus::Code(0));
    let loaded = changes.iter().find_map(|c| match c {
        EventKind::ModuleLoaded { base, path, .. } if path == &plugin => Some(*base),
        _ => None,
    });
    let base = loaded.unwrap_or_else(|| panic!("plugin not loaded in {changes:?}"));
    let loaded_at = changes.iter().position(|c| matches!(c, EventKind::ModuleLoaded { path, .. } if path == &plugin));
    let unloaded_at = changes.iter().position(|c| *c == EventKind::ModuleUnloaded { base });
    assert!(unloaded_at.is_some() && loaded_at < unloaded_at, "{changes:?}");
}

#[test]
fn a_static_executable_has_no_loader_and_no_rendezvous() {
    let exe = static_debuggee("exitcode");
    let mut t = LinuxTarget::launch(&exe, &["8".into()]).unwrap();
    let _dog = Watchdog::new(t.pid());
    let e = wait(&mut t);
    let EventKind::ProcessCreated { image_base, entry, .. } = e.kind else { panic!("{e:?}") };
    // Not position-independent: where the file says.
    assert_eq!(image_base, 0x400000);
    let orig = plant(&mut t, entry);
    t.resume(ContinueStatus::Handled, Resume::All).unwrap();
    let e = wait(&mut t);
    assert_eq!(exception(&e).kind, ExceptionKind::Breakpoint, "no loader event comes first");
    unplant(&mut t, e.tid, entry, orig);
    let r = t.loader_rendezvous().unwrap();
    assert_eq!(r.breakpoint_address().unwrap(), None);
    assert!(r.sync_modules().unwrap().is_empty());
    let (status, _) = finish(&mut t);
    assert_eq!(status, ExitStatus::Code(8));
}
