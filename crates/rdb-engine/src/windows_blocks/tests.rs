//! Reading the blocks of the synthetic process, whole and with its lists cut in every way a debuggee can cut them.

use super::fixture::{self, Memory};
use super::*;
use crate::error::Error;

fn names(loader: &Loader) -> Vec<&str> {
    loader.modules.iter().map(|m| m.full_name.as_deref().unwrap_or("?")).collect()
}

#[test]
fn the_peb_and_its_lists_read_whole() {
    let mut m = fixture::process(0x1a4, 0x1b0);
    let p = read_peb(&mut m, fixture::PEB).unwrap();
    assert!(p.being_debugged && !p.inherited_address_space && !p.read_image_file_exec_options);
    assert_eq!((p.image_base, p.nt_global_flag, p.nt_global_flag2), (fixture::IMAGE_BASE, 0x70, 0));
    assert_eq!((p.ldr, p.process_heap, p.process_parameters), (fixture::LDR, fixture::HEAP, fixture::PARAMS));
    let l = p.loader.as_ref().unwrap();
    assert!(l.initialized);
    assert_eq!(l.in_load_order, ListHead { flink: fixture::ENTRIES[0], blink: fixture::ENTRIES[2] });
    assert_eq!(l.in_memory_order.flink, fixture::ENTRIES[0] + 0x10);
    assert_eq!(l.in_initialization_order.flink, fixture::ENTRIES[1] + 0x20);
    assert_eq!(names(l), fixture::MODULES.map(|m| m.2));
    assert_eq!(l.cut, None);
    let ntdll = &l.modules[1];
    assert_eq!((ntdll.entry, ntdll.base, ntdll.time_date_stamp), (fixture::ENTRIES[1], 0x7ffb_1c10_0000, 0x6349_a4f2));
    assert_eq!((ntdll.entry_point, ntdll.size), (0x7ffb_1c10_1000, 0x10_0000));
    assert_eq!(ntdll.base_name.as_deref(), Some("ntdll.dll"));
    let params = p.parameters.as_ref().unwrap();
    assert_eq!(params.current_directory.as_deref(), Some(fixture::CURRENT_DIRECTORY));
    assert_eq!(params.command_line.as_deref(), Some(fixture::COMMAND_LINE));
    assert_eq!(params.image_path_name.as_deref(), Some(fixture::MODULES[0].2));
    assert_eq!(params.window_title.as_deref(), Some(fixture::MODULES[0].2));
    assert_eq!(params.dll_path, None, "a null buffer is no string");
    assert_eq!(params.environment, fixture::ENVIRONMENT);
    assert_eq!(params.environment_strings, fixture::ENVIRONMENT_STRINGS);
    assert_eq!(params.environment_cut, None);
}

#[test]
fn a_list_that_loops_without_reaching_its_head_stops_at_the_repeat() {
    let mut m = fixture::process(1, 1);
    m.u64(fixture::ENTRIES[2], fixture::ENTRIES[1]);
    let l = read_loader(&mut m, fixture::LDR).unwrap();
    assert_eq!(l.modules.len(), 3);
    assert_eq!(l.cut, Some(Cut::Loop(fixture::ENTRIES[1])));
}

#[test]
fn an_unreadable_entry_ends_the_walk_with_what_was_read() {
    let mut m = fixture::process(1, 1);
    m.u64(fixture::ENTRIES[1], 0xdead_0000);
    let l = read_loader(&mut m, fixture::LDR).unwrap();
    assert_eq!(names(&l), [fixture::MODULES[0].2, fixture::MODULES[1].2]);
    assert_eq!(l.cut, Some(Cut::Unreadable(0xdead_0000)));
    // An entry that is mapped only in part is unreadable too.
    let mut m = fixture::process(1, 1);
    m.unmap(fixture::ENTRIES[2] + 0x80, 8);
    let l = read_loader(&mut m, fixture::LDR).unwrap();
    assert_eq!((l.modules.len(), l.cut), (2, Some(Cut::Unreadable(fixture::ENTRIES[2]))));
}

#[test]
fn the_walk_is_bounded() {
    let mut m = fixture::process(1, 1);
    let (modules, cut) = walk_modules(&mut m, fixture::LDR + 0x10, fixture::ENTRIES[0], 2);
    assert_eq!((modules.len(), cut), (2, Some(Cut::Limit(2))));
}

#[test]
fn unreadable_strings_and_blocks_are_holes_not_errors() {
    let mut m = fixture::process(1, 1);
    m.unmap(fixture::STRINGS, 2);
    m.unmap(fixture::ENVIRONMENT + 6, 2);
    let p = read_peb(&mut m, fixture::PEB).unwrap();
    let l = p.loader.unwrap();
    assert_eq!(l.modules[0].full_name, None);
    assert_eq!(l.modules[0].base_name.as_deref(), Some("wevents.exe"));
    let params = p.parameters.unwrap();
    assert_eq!(params.environment_strings, Vec::<String>::new(), "the first string was cut short");
    assert_eq!(params.environment_cut, Some(Cut::Unreadable(fixture::ENVIRONMENT + 6)));

    // A loader that has not run, parameters that cannot be read.
    let mut m = fixture::process(1, 1);
    m.u64(fixture::PEB + 0x18, 0);
    m.u64(fixture::PEB + 0x20, 0xdead_0000);
    let p = read_peb(&mut m, fixture::PEB).unwrap();
    assert_eq!((p.ldr, p.loader, p.parameters), (0, None, None));
}

#[test]
fn an_environment_without_its_end_stops_at_the_bound() {
    let mut m = Memory::default();
    m.put(0x10_0000, &b"A\0".repeat(MAX_ENVIRONMENT_BYTES));
    let (strings, cut) = read_environment(&mut m, 0x10_0000);
    assert_eq!((strings.len(), cut), (0, Some(Cut::Limit(0))));
}

#[test]
fn an_unreadable_peb_is_an_error() {
    let mut m = Memory::default();
    assert_eq!(read_peb(&mut m, 0x1000), Err(Error::MemoryAccess(0x1000)));
    assert!(read_teb(&mut m, 0x1000).is_err());
}

#[test]
fn the_teb_reads_whole() {
    let mut m = fixture::process(0x1a4, 0x1b0);
    let t = read_teb(&mut m, fixture::TEB).unwrap();
    assert_eq!((t.stack_base, t.stack_limit, t.fiber_data), (0x15_0000, 0x14_c000, 0x1e00));
    assert_eq!((t.self_pointer, t.peb, t.tls_storage), (fixture::TEB, fixture::PEB, 0x25_3530));
    assert_eq!((t.client_process, t.client_thread), (0x1a4, 0x1b0));
    assert_eq!((t.last_error, t.last_status, t.owned_locks, t.hard_error_mode), (187, fixture::LAST_STATUS, 0, 0));
}
