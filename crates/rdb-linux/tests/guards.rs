//! Guard pages (the `PageGuards` capability): an injected mprotect, a one-shot fault reported as a guard-page
//! exception, and the page's own protection back on disarm and detach.

mod common;

use common::*;
use rdb_engine::target::{ContinueStatus, EventKind, ExceptionKind, Execution, ExitStatus, Resume, Target};
use rdb_linux::LinuxTarget;

/// The permissions /proc/pid/maps shows for the page at `page` ("rw-p"…).
fn maps_perms(pid: u32, page: u64) -> String {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap();
    for line in maps.lines() {
        let mut fields = line.split_whitespace();
        let (start, end) = fields.next().unwrap().split_once('-').unwrap();
        let (start, end) = (u64::from_str_radix(start, 16).unwrap(), u64::from_str_radix(end, 16).unwrap());
        if (start..end).contains(&page) {
            return fields.next().unwrap().to_string();
        }
    }
    panic!("{page:#x} is not mapped")
}

/// Launch `inject` (with `args`) to its entry point; returns the target and the address of `page`.
fn at_entry(args: &[&str]) -> (LinuxTarget, Watchdog, u64) {
    let (mut t, dog) = launch("inject", args);
    let entry = run_to_entry(&mut t);
    let page = function(&debuggee("inject"), entry, "page");
    assert_eq!(page % 0x1000, 0);
    (t, dog, page)
}

fn expect_guard_page(t: &mut LinuxTarget, fault: u64) -> u32 {
    t.resume(ContinueStatus::Handled, Resume::All).unwrap();
    let e = wait(t);
    let x = exception(&e);
    assert_eq!(x.kind, ExceptionKind::GuardPage { fault_address: fault, access: None }, "{e:?}");
    assert!(x.first_chance);
    assert_eq!(x.address, t.registers(e.tid).unwrap().rip);
    e.tid
}

#[test]
fn the_write_and_the_read_fault_once_each() {
    let (mut t, _dog, page) = at_entry(&[]);
    let pid = t.pid();
    let own = maps_perms(pid, page);
    t.page_guards().unwrap().arm(page).unwrap();
    assert_eq!(maps_perms(pid, page), "---p");
    // The program's view of its memory is unchanged, and the debugger reads and writes the page without firing.
    let region = t.memory_regions().unwrap().into_iter().find(|r| r.start <= page && page < r.end).unwrap();
    assert!(region.readable && region.writable, "{region:?}");
    let mut word = [0xffu8; 4];
    assert_eq!(t.read_memory(page + 4, &mut word).unwrap(), 4);
    assert_eq!(word, [0; 4]);
    t.write_memory(page + 12, &[0, 0, 0, 0]).unwrap();
    assert_eq!(maps_perms(pid, page), "---p");

    // page[1] = 5: the guard fires and is gone (one-shot).
    let tid = expect_guard_page(&mut t, page + 4);
    assert_eq!(maps_perms(pid, page), own);
    // As the engine does: the access runs alone, then the page is armed again; the next access is the read.
    t.resume(ContinueStatus::Handled, Resume::Step { tid }).unwrap();
    assert!(matches!(exception(&wait(&mut t)).kind, ExceptionKind::SingleStep { .. }));
    t.read_memory(page + 4, &mut word).unwrap();
    assert_eq!(u32::from_le_bytes(word), 5);
    t.page_guards().unwrap().arm(page).unwrap();
    expect_guard_page(&mut t, page + 4);
    // Not armed again: the program runs to its end, its results unchanged.
    let (status, events) = finish(&mut t);
    assert_eq!(status, ExitStatus::Code(11), "{events:?}");
}

#[test]
fn disarm_and_detach_give_the_page_its_protection_back() {
    let (mut t, _dog, page) = at_entry(&["sleep"]);
    let pid = t.pid();
    let own = maps_perms(pid, page);
    t.page_guards().unwrap().arm(page).unwrap();
    t.page_guards().unwrap().disarm(page).unwrap();
    assert_eq!(maps_perms(pid, page), own);
    // Disarming a page not armed (or whose guard fired) is nothing.
    t.page_guards().unwrap().disarm(page).unwrap();
    assert_eq!(maps_perms(pid, page), own);
    // Detach with the page still armed: the backend gives it back itself.
    t.page_guards().unwrap().arm(page).unwrap();
    assert_eq!(maps_perms(pid, page), "---p");
    t.detach().unwrap();
    assert_eq!(maps_perms(pid, page), own);
    let mut status = 0;
    // SAFETY: waitpid writes one int through the pointer.
    let r = unsafe { libc::waitpid(pid as i32, &mut status, 0) };
    assert_eq!(r, pid as i32);
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) != 255, "{status:#x}");
}

#[test]
fn arming_an_unmapped_page_fails() {
    let (mut t, _dog, _) = at_entry(&[]);
    let e = t.page_guards().unwrap().arm(0x1000).unwrap_err();
    assert!(!e.to_string().is_empty());
    assert!(t.page_guards().unwrap().arm(0x1234).is_err());
    let (status, _) = finish(&mut t);
    assert_eq!(status, ExitStatus::Code(11));
}

#[test]
fn a_guard_can_be_armed_at_the_exec_stop() {
    // At the exec stop the program's pages exist already: a guard can be armed there, before any code ran.
    let (mut t, _dog) = launch("inject", &[]);
    let e = wait(&mut t);
    let EventKind::ProcessCreated { entry, .. } = e.kind else { panic!("{e:?}") };
    let page = function(&debuggee("inject"), entry, "page");
    t.page_guards().unwrap().arm(page).unwrap();
    assert_eq!(maps_perms(t.pid(), page), "---p");
    t.page_guards().unwrap().disarm(page).unwrap();
    let (status, _) = finish(&mut t);
    assert_eq!(status, ExitStatus::Code(11));
}
