//! Memory breakpoints (`bpm`) on Linux, through guard pages the backend makes with system calls injected into the
//! debuggee, with the `guarded` debuggee (poke_beside() touches cells[8] three times, set_cell() writes cells[0],
//! get_cell() reads it; cells[0] and cells[8] share one page).

use rdb_testkit::prelude::*;

/// The permissions /proc/pid/maps shows for the page holding `address` ("rw-p"…).
fn maps_perms(pid: u32, address: u64) -> String {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap();
    maps.lines()
        .find_map(|line| {
            let mut fields = line.split_whitespace();
            let (start, end) = fields.next()?.split_once('-')?;
            let (start, end) = (u64::from_str_radix(start, 16).ok()?, u64::from_str_radix(end, 16).ok()?);
            (start..end).contains(&address).then(|| fields.next().unwrap_or("").to_string())
        })
        .unwrap_or_else(|| panic!("{address:#x} is not mapped in {pid}"))
}

#[test]
fn bpm_w_stops_on_the_write_inside_the_range_only() {
    let guarded = debuggee("guarded");
    let run = rdb(&[s(&guarded)], &format!("bpm guarded!cells 4 w\n{}\nbl\ng\n{}\ng\nq\n", mark("bl"), mark("end")));
    run.section("bl").assert_matches(r"(?m)^ *0 e Disable Clear .*bpm w 0x4\b.*guarded!cells");
    // The writes to cells[8], on the same page, are not seen: the first stop is set_cell's write, before it runs.
    run.assert_matches(&bp_hit_re(0, r"guarded!set_cell\+0x[0-9a-f]+"));
    let end = run.section("end");
    // Reads of cells[0] (get_cell, printf's argument) do not stop a `w` breakpoint; the output is unchanged.
    end.assert_not_contains("Breakpoint 0 hit");
    end.assert_contains("cells=7,3 seen=7");
    end.assert_matches(&exit_code_re(0));
}

#[test]
fn bpm_r_stops_on_the_read_and_runs_to_the_end_after_bc() {
    let guarded = debuggee("guarded");
    let run = rdb(&[s(&guarded)], &format!("bpm guarded!cells 4 r\ng\n{}\nbc 0\ng\nq\n", mark("end")));
    run.assert_matches(&bp_hit_re(0, r"guarded!get_cell\+0x[0-9a-f]+"));
    let end = run.section("end");
    end.assert_not_contains("Breakpoint 0 hit");
    end.assert_contains("cells=7,3 seen=7");
    end.assert_matches(&exit_code_re(0));
}

#[test]
fn bpm_counts_passes_and_an_access_elsewhere_on_the_page_never_stops() {
    let guarded = debuggee("guarded");
    // cells[8] is touched six times (three reads, three writes), cells[9] never.
    let run = rdb(&[s(&guarded)], "bpm guarded!cells+0x24 4 a\ng\nq\n");
    run.assert_not_contains("Breakpoint 0 hit");
    run.assert_contains("cells=7,3 seen=7");
    run.assert_matches(&exit_code_re(0));
    let run =
        rdb(&[s(&guarded)], &format!("bpm guarded!cells+0x20 4 w 3\ng\n{}\ndd guarded!cells+0x20 L1\nq\n", mark("dd")));
    // The third write is the third call's, stopped before it writes: two writes are done.
    run.assert_matches(&bp_hit_re(0, r"guarded!poke_beside\+0x[0-9a-f]+"));
    run.section("dd").assert_matches(r"(?m)^[0-9a-f`]+  00000002$");
}

#[test]
fn detach_gives_the_guarded_page_its_protection_back() {
    let target = spawn_debuggee("guarded", &["loop"]);
    let pid = target.pid.to_string();
    let cells = symbol_address(target.pid, &target.exe, "cells");
    let before = maps_perms(target.pid, cells);
    // Detached right after a hit (the page re-armed by the resume before it), and with the page armed, never hit.
    let run = rdb(&["-p", &pid], "bpm guarded!cells 4 w\ng\n.detach\n");
    run.assert_matches(&bp_hit_re(0, r"guarded!set_cell\+0x[0-9a-f]+"));
    run.assert_matches(r"(?m)^Detached$");
    assert_eq!(maps_perms(target.pid, cells), before);
    assert_loop_runs_free(target.pid, &target.exe);
    let run = rdb(&["-p", &pid], "bpm guarded!cells 4 w\n.detach\n");
    run.assert_matches(r"(?m)^Detached$");
    assert_eq!(maps_perms(target.pid, cells), before);
    // A guard left behind would kill it with SIGSEGV at its next round.
    assert_loop_runs_free(target.pid, &target.exe);
}

#[test]
fn a_forked_child_runs_without_the_parents_guard_pages() {
    // bpm x on work() guards the code page main runs from: the child's copy of the page is unguarded before it runs
    // (else its first instruction there would kill it with SIGSEGV).
    let forks = debuggee("forks");
    let run = rdb(&[s(&forks)], "bpm forks!work 1 x\ng\ng\nq\n");
    run.assert_contains("child worked 6");
    run.assert_contains("child exited 7");
    run.assert_not_contains("killed by signal");
    run.assert_matches(&bp_hit_re(0, "forks!work"));
    run.assert_contains("parent worked 15");
    run.assert_matches(&exit_code_re(0));
}

#[test]
fn a_vfork_child_runs_without_guard_pages_and_they_come_back_after_it() {
    // The vfork child runs main's code in the parent's own memory; the guard comes back once it has exec'd.
    let vforks = debuggee("vforks");
    let run = rdb(&[s(&vforks)], "bpm vforks!work 1 x\ng\ng\nq\n");
    run.assert_contains("child exited 0");
    run.assert_not_contains("killed by signal");
    run.assert_matches(&bp_hit_re(0, "vforks!work"));
    run.assert_contains("parent worked 2");
    run.assert_matches(&exit_code_re(0));
}

#[test]
fn address_shows_the_programs_protection_while_the_guard_is_armed() {
    let guarded = debuggee("guarded");
    let mut session = RdbSession::start(&[s(&guarded)]);
    session.send("bpm guarded!cells 4 w");
    session.send("bp guarded!poke_beside");
    session.send("g");
    session.expect(&bp_hit_re(1, "guarded!poke_beside"));
    // The debuggee's pid and where cells is, in one answer each.
    session.send("? @$tpid");
    session.send("? guarded!cells");
    let found =
        session.expect(r"Evaluate expression: (\d+) = (?s:.*)Evaluate expression: \d+ = ([0-9a-f]{8})`([0-9a-f]{8})");
    let pid: u32 = found[1].parse().unwrap();
    let cells = u64::from_str_radix(&format!("{}{}", found[2], found[3]), 16).unwrap();
    // The guard is armed (the page is inaccessible to the program)...
    assert_eq!(maps_perms(pid, cells), "---p", "{}", session.dump());
    // ...and !address shows the page as the program made it.
    session.send("!address guarded!cells");
    session.expect(r"(?m)^Protect: +00000004 +PAGE_READWRITE$");
    session.send("q");
    session.finish().assert_not_contains("PAGE_NOACCESS");
}
