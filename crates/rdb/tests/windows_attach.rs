//! rdb.exe under Wine attached to a running program (`wloop`, started by the test in the same prefix): `-p` and
//! `.attach` stop on the thread the system injects, breakpoints work, and `.detach` and `q` let the program run on
//! with its code exactly as it was (`wloop` checksums its own code; a second rdb.exe reads the bytes) and none of the
//! memory rdb.exe allocated in it. `q` after a launch ends the program.

use std::fs;
use std::time::Duration;

use rdb_testkit::prelude::*;
use rdb_testkit::wine::{processes_with_arg, rdb_wine, rdb_wine_session, signal_file, spawn_under_wine, wine_path};

/// `wloop` running under Wine, told to stop by `stop`: its session, its decimal pid and its code checksum.
fn start_wloop(stop: &std::path::Path) -> (RdbSession, String, String) {
    let program = windows_debuggee("wloop");
    let target = spawn_under_wine(&program, &["60", &wine_path(stop)]);
    let pid = target.expect(r"(?m)^pid (\d+)\r?$")[1].clone();
    let code = target.expect(r"(?m)^code ([0-9a-f]{8})\r?$")[1].clone();
    target.expect(r"(?m)^ready\r?$");
    (target, pid, code)
}

/// Tell `wloop` to stop; it must print its checksum unchanged and exit 0.
fn stop_wloop(mut target: RdbSession, stop: &std::path::Path, code: &str) {
    fs::write(stop, "").unwrap();
    let again = target.expect(r"(?m)^stopped\r?\ncode ([0-9a-f]{8})\r?$");
    assert_eq!(again[1], code, "wloop's code changed while debugged: a breakpoint byte was left in it");
    let status = target.wait_exit(Duration::from_secs(10)).expect("wloop exits after its stop file");
    assert_eq!(status.code(), Some(0), "{}", target.stdout());
}

/// The value a `dq <addr> L1` line shows.
fn dq_value(section: &Section) -> u64 {
    addr(&section.assert_matches(&format!(r"(?m)^{ADDR}  ({ADDR})$"))[1])
}

/// The 8 bytes a `db <addr> L8` line shows.
fn db_bytes(section: &Section) -> String {
    section.assert_matches(&format!(r"(?m)^{ADDR}  ((?:[0-9a-f]{{2}}[ -]){{8}})"))[1].clone()
}

#[test]
fn minus_p_stops_on_an_injected_thread_and_detach_leaves_the_code_as_it_was() {
    let stop = signal_file("attach-minus-p.stop");
    let (target, pid, code) = start_wloop(&stop);
    let pid_hex = format!("{:x}", pid.parse::<u32>().unwrap());
    let run = rdb_wine(
        &["-p", &pid],
        &format!(
            "{}\n~\n{}\nlm\n{}\ndb wloop!spin_once L8\nbp wloop!spin_once\ng\n{}\nk\ndq wloop!spins L1\n.detach\n",
            mark("threads"),
            mark("lm"),
            mark("original"),
            mark("hit")
        ),
    );
    let brk = run.assert_matches(&format!(
        "{}\n{}",
        exception_re("Break instruction exception", "80000003"),
        stop_re("ntdll!DbgBreakPoint")
    ));
    assert_eq!(brk[1], pid_hex, "the break names the attached pid\n{}", run.dump());
    // The system created a thread to break in: it is the current one, the program's main thread is 0.
    let threads = run.section("threads");
    let current = threads.assert_matches(&format!(r"(?m)^\.  ([1-9]\d*)  Id: {pid_hex}\.([0-9a-f]+) "));
    assert_eq!(current[2], brk[2], "the current thread is the one that broke in\n{}", run.dump());
    threads.assert_matches(&format!(r"(?m)^   0  Id: {pid_hex}\.[0-9a-f]+ "));
    run.assert_matches(&format!(r"(?m)^\({pid_hex}\.{tid}\): Create thread {}:{tid}$", current[1], tid = current[2]));
    run.section("lm")
        .assert_matches(&format!(r"(?m)^{ADDR} {ADDR}   wloop +{LM_STATE}{}$", Backend::Windows.image_re("wloop")));
    let original = db_bytes(&run.section("original"));
    assert!(original.starts_with("55 "), "spin_once starts with push rbp: {original}\n{}", run.dump());

    let hit = run.section("hit");
    run.assert_matches(&bp_hit_re(0, "wloop!spin_once"));
    hit.assert_frames_start_with(&["wloop!spin_once", "wloop!main"]);
    let spins = dq_value(&hit);
    assert!(spins > 0, "{}", run.dump());
    hit.assert_matches(r"(?m)^Detached$");

    // A second rdb.exe finds the program still looping, the breakpoint's byte back as it was; its q detaches too.
    let again = rdb_wine(&["-p", &pid], &format!("{}\ndb wloop!spin_once L8\ndq wloop!spins L1\nq\n", mark("again")));
    let section = again.section("again");
    assert_eq!(db_bytes(&section), original, "the byte under the breakpoint is restored\n{}", again.dump());
    let later = dq_value(&section);
    assert!(later > spins, "wloop ran on after the detach ({spins} then {later} spins)\n{}", again.dump());
    again.assert_contains("quit:");
    stop_wloop(target, &stop, &code);
}

#[test]
fn dot_attach_after_dot_detach_and_q_leaves_the_program_running() {
    let stop = signal_file("attach-dot-attach.stop");
    let (target, pid, code) = start_wloop(&stop);
    let pid_hex = format!("{:x}", pid.parse::<u32>().unwrap());
    let run = rdb_wine(
        &["-p", &pid],
        &format!(".detach\n{}\n.attach 0n{pid}\n{}\n~0s\nk\nbp wloop!spin_once\ng\nq\n", mark("attach"), mark("k")),
    );
    run.out().assert_count(r"(?m)^Detached$", 1);
    let again = run.section("attach");
    let brk = again.assert_matches(&exception_re("Break instruction exception", "80000003"));
    assert_eq!(brk[1], pid_hex, "{}", run.dump());
    let k = run.section("k");
    assert!(k.frames().iter().any(|f| f.is("wloop!main")), "{}", run.dump());
    k.assert_matches(&bp_hit_re(0, "wloop!spin_once"));
    k.assert_contains("quit:");
    // q on an attached process detaches: the program lives on, breakpoint removed.
    stop_wloop(target, &stop, &code);
}

#[test]
fn q_after_a_launch_ends_the_program() {
    let stop = signal_file("attach-q-launch.stop");
    let stop_arg = wine_path(&stop);
    let program = wine_path(&windows_debuggee("wloop"));
    let run = rdb_wine(&[&program, "60", &stop_arg], "bp wloop!spin_once\ng\nq\n");
    run.assert_matches(&bp_hit_re(0, "wloop!spin_once"));
    run.assert_contains("quit:");
    run.assert_not_contains("Exit process");
    // rdb.exe left nothing holding its output (the harness checks), and no process runs with wloop's arguments.
    assert!(
        wait_until(Duration::from_secs(5), || processes_with_arg(&stop_arg).is_empty()),
        "wloop still runs after q: {:?}\n{}",
        processes_with_arg(&stop_arg),
        run.dump()
    );
}

#[test]
fn detach_frees_the_memory_rdb_allocated_in_the_program() {
    // Wine runs the program as a Unix process: its map shows the memory VirtualAllocEx gave rdb.exe, and whether
    // VirtualFreeEx took it back.
    let stop = signal_file("attach-scratch.stop");
    let (target, pid, code) = start_wloop(&stop);
    let unix = processes_with_arg(&wine_path(&stop));
    assert_eq!(unix.len(), 1, "one Unix process runs wloop: {unix:?}");
    let before = anonymous_rwx_mappings(unix[0]);
    let mut session = rdb_wine_session(&["-p", &pid]);
    // A condition run inside the program: its code goes into memory rdb.exe allocates there.
    session.send(r#"bp /w "poi(wloop!spins) % 0n20 == 0" wloop!spin_once"#);
    session.send("g");
    session.expect(&bp_hit_re(0, "wloop!spin_once"));
    session.send("bl");
    session.expect(r"\(in-process\)");
    let attached = anonymous_rwx_mappings(unix[0]);
    assert!(attached.len() > before.len(), "rdb.exe allocated memory: {attached:x?}\n{}", session.dump());
    session.send(".detach");
    session.expect(r"(?m)^Detached\r?$");
    assert_eq!(anonymous_rwx_mappings(unix[0]), before, "rdb.exe's memory is freed\n{}", session.dump());
    stop_wloop(target, &stop, &code);
}
