//! Attach, break-in and detach with the `loop` debuggee: `rdb -p`, `.attach`, `.detach`, Ctrl-C (SIGINT to rdb),
//! and rdb killed with SIGTERM; and attaching to `baddebug`, which hid its module list. After rdb lets go, the
//! process must run on freely with its code exactly as in the file (no stray 0xCC) and none of the memory rdb
//! mapped in it.

use std::time::Duration;

use rdb_testkit::prelude::*;

#[test]
fn attach_breaks_in_and_shows_the_stack() {
    let target = spawn_debuggee("loop", &[]);
    let pid = target.pid.to_string();
    let run = rdb(&["-p", &pid], &format!("{}\nk\n{}\nlm\n{}\n.detach\n", mark("k"), mark("lm"), mark("detach")));
    let c = run.assert_matches(&exception_re("Break instruction exception", "80000003"));
    assert_eq!(u32::from_str_radix(&c[1], 16).unwrap(), target.pid, "the break names the attached pid\n{}", run.dump());
    run.assert_matches(&regs_re());
    let frames = run.section("k").frames();
    assert!(frames.iter().any(|f| f.is("loop!main")), "the stack reaches loop!main: {frames:#?}\n{}", run.dump());
    assert!(
        frames.iter().any(|f| f.is("loop!spin_once") || f.site.contains("nanosleep")),
        "the loop is caught in spin_once or nanosleep: {frames:#?}\n{}",
        run.dump()
    );
    run.section("lm").assert_matches(&format!(r"(?m)^{ADDR} {ADDR}   loop +{LM_STATE}\S*/loop$"));
    run.section("detach").assert_matches(r"(?m)^Detached$");
    assert_loop_runs_free(target.pid, &target.exe);
    assert_text_clean(target.pid, &target.exe);
}

#[test]
fn detach_after_breakpoints_leaves_no_int3() {
    let mut target = spawn_debuggee("loop", &[]);
    let pid = target.pid.to_string();
    let run = rdb(&["-p", &pid], "bp loop!spin_once\nbp loop!main\nbu loop!spin_once+4\ng\ng\n.detach\n");
    assert!(run.count(r"(?m)^Breakpoint [02] hit$") >= 2, "{}", run.dump());
    run.assert_matches(r"(?m)^Detached$");
    assert!(target.exited().is_none(), "the process survived the detach");
    assert_loop_runs_free(target.pid, &target.exe);
    assert_text_clean(target.pid, &target.exe);
}

#[test]
fn detach_at_a_breakpoint_resumes_cleanly() {
    let target = spawn_debuggee("loop", &[]);
    let pid = target.pid.to_string();
    // Detach while stopped on the breakpoint itself: rip must be back on the original instruction.
    let run = rdb(&["-p", &pid], "bp loop!spin_once\ng\nqd\n");
    run.assert_matches(&bp_hit_re(0, "loop!spin_once"));
    assert_loop_runs_free(target.pid, &target.exe);
    assert_text_clean(target.pid, &target.exe);
}

#[test]
fn dot_attach_after_dot_detach() {
    let target = spawn_debuggee("loop", &[]);
    let pid = target.pid.to_string();
    let run = rdb(&["-p", &pid], &format!(".detach\n{}\n.attach 0n{pid}\n{}\nk\n.detach\n", mark("attach"), mark("k")));
    let again = run.section("attach");
    let c = again.assert_matches(&exception_re("Break instruction exception", "80000003"));
    assert_eq!(u32::from_str_radix(&c[1], 16).unwrap(), target.pid, "{}", run.dump());
    let frames = run.section("k").frames();
    assert!(frames.iter().any(|f| f.is("loop!main")), "{frames:#?}\n{}", run.dump());
    assert_eq!(run.count(r"(?m)^Detached$"), 2, "{}", run.dump());
    assert_loop_runs_free(target.pid, &target.exe);
}

#[test]
fn sigterm_while_stopped_detaches_cleanly() {
    let target = spawn_debuggee("loop", &[]);
    let pid = target.pid.to_string();
    let mut session = RdbSession::start(&["-p", &pid]);
    session.send("bp loop!spin_once");
    session.send("bp loop!main");
    session.send("g");
    session.expect(&bp_hit_re(0, "loop!spin_once"));
    session.signal(libc::SIGTERM);
    assert!(session.wait_exit(Duration::from_secs(10)).is_some(), "rdb ignores SIGTERM\n{}", session.stdout());
    let run = session.finish();
    assert!(!run.stderr.contains("panicked"), "{}", run.dump());
    assert_loop_runs_free(target.pid, &target.exe);
    assert_text_clean(target.pid, &target.exe);
}

#[test]
fn sigterm_while_running_detaches_cleanly() {
    let target = spawn_debuggee("loop", &[]);
    let pid = target.pid.to_string();
    let mut session = RdbSession::start(&["-p", &pid]);
    // main is never entered again: the program runs with an int3 in its code.
    session.send("bp loop!main");
    session.send(&mark("running"));
    session.send("g");
    session.expect(r"(?m)^==running==$");
    std::thread::sleep(Duration::from_millis(300));
    session.signal(libc::SIGTERM);
    assert!(session.wait_exit(Duration::from_secs(10)).is_some(), "rdb ignores SIGTERM\n{}", session.stdout());
    session.finish();
    assert_loop_runs_free(target.pid, &target.exe);
    assert_text_clean(target.pid, &target.exe);
}

#[test]
fn sigkill_to_rdb_leaves_an_attached_program_without_breakpoints_running() {
    // rdb cleans nothing up, but the program is not rdb's to end (no PTRACE_O_EXITKILL on an attach). (With
    // breakpoints in it, it would die of SIGTRAP at the next hit: README's Known limitations.)
    let target = spawn_debuggee("loop", &[]);
    let mut session = RdbSession::start(&["-p", &target.pid.to_string()]);
    session.send(&mark("running"));
    session.send("g");
    session.expect(r"(?m)^==running==$");
    session.signal(libc::SIGKILL);
    assert!(session.wait_exit(Duration::from_secs(10)).is_some(), "rdb survived SIGKILL");
    assert_loop_runs_free(target.pid, &target.exe);
    assert_text_clean(target.pid, &target.exe);
}

#[test]
fn ctrl_c_breaks_into_a_running_program() {
    let lp = debuggee("loop");
    let mut session = RdbSession::start(&[s(&lp)]);
    session.send("g");
    session.expect(r"(?m)^ready$");
    let pid: u32 = session.expect(r"(?m)^pid (\d+)$")[1].parse().unwrap();
    std::thread::sleep(Duration::from_millis(100));
    session.signal(libc::SIGINT);
    // The initial break was the first; the break-in is the second.
    session.expect_count(r"Break instruction exception - code 80000003 \(first chance\)", 2);
    session.send(&mark("k"));
    session.send("k");
    session.send("q");
    assert!(session.wait_exit(Duration::from_secs(15)).is_some(), "rdb did not quit\n{}", session.stdout());
    assert!(wait_until(Duration::from_secs(5), || process_gone(pid)), "q kills the launched loop (pid {pid})");
    let run = session.finish();
    let brk = run.stdout.rfind("Break instruction exception").unwrap();
    let after = &run.stdout[brk..];
    let shape = regex::Regex::new(&regs_re()).unwrap();
    assert!(shape.is_match(after), "the break-in prints the stop shape\n{}", run.dump());
    let frames = run.section("k").frames();
    assert!(frames.iter().any(|f| f.is("loop!main")), "{frames:#?}\n{}", run.dump());
}

#[test]
fn ctrl_c_twice_then_continue() {
    let lp = debuggee("loop");
    let mut session = RdbSession::start(&[s(&lp)]);
    session.send("g");
    session.expect(r"(?m)^ready$");
    for n in 2..=3 {
        std::thread::sleep(Duration::from_millis(100));
        session.signal(libc::SIGINT);
        session.expect_count(r"Break instruction exception - code 80000003 \(first chance\)", n);
        if n < 3 {
            session.send("g");
        }
    }
    // Commands are read only at a stop: quit from the last break-in.
    session.send("q");
    let run = session.finish();
    assert_eq!(run.count(r"Break instruction exception - code 80000003"), 3, "{}", run.dump());
}

#[test]
fn ctrl_c_breaks_into_the_first_run_of_dash_g() {
    // With -g there is no initial stop: the debuggee runs before any command is read.
    let lp = debuggee("loop");
    let mut session = RdbSession::start(&["-g", s(&lp)]);
    let pid: u32 = session.expect(r"(?m)^pid (\d+)$")[1].parse().unwrap();
    session.expect(r"(?m)^ready$");
    std::thread::sleep(Duration::from_millis(100));
    session.signal(libc::SIGINT);
    session.expect_count(r"Break instruction exception - code 80000003 \(first chance\)", 1);
    session.send("q");
    assert!(session.wait_exit(Duration::from_secs(15)).is_some(), "rdb did not quit\n{}", session.stdout());
    assert!(wait_until(Duration::from_secs(5), || process_gone(pid)), "q kills the launched loop (pid {pid})");
}

#[test]
fn sigterm_during_the_first_run_of_dash_g_quits_and_kills() {
    let lp = debuggee("loop");
    let mut session = RdbSession::start(&["-g", s(&lp)]);
    let pid: u32 = session.expect(r"(?m)^pid (\d+)$")[1].parse().unwrap();
    session.expect(r"(?m)^ready$");
    session.signal(libc::SIGTERM);
    assert!(session.wait_exit(Duration::from_secs(10)).is_some(), "rdb ignores SIGTERM\n{}", session.stdout());
    assert!(wait_until(Duration::from_secs(5), || process_gone(pid)), "the launched loop is killed (pid {pid})");
    session.finish().assert_contains("quit:");
}

#[test]
fn attach_to_a_program_that_hid_its_module_list_goes_on_without_it() {
    // baddebug pointed its DT_DEBUG where nothing is mapped: rdb says so once, and debugs the program.
    let target = spawn_debuggee("baddebug", &[]);
    let pid = target.pid.to_string();
    let run = rdb(&["-p", &pid], &format!("bp baddebug!spin_once\ng\n{}\nk\n.detach\n", mark("hit")));
    // The address is one of r_debug's fields, read where DT_DEBUG points.
    let unreadable = "Memory access error at 00000000`400000[0-3][0-9a-f]";
    let notice = format!(r"(?m)^Unable to read the loader's module list: {unreadable}; later loads are not reported$");
    run.out().assert_count(&notice, 1);
    run.assert_matches(&exception_re("Break instruction exception", "80000003"));
    run.assert_matches(&bp_hit_re(0, "baddebug!spin_once"));
    let hit = run.section("hit");
    hit.assert_frames_start_with(&["baddebug!spin_once", "baddebug!loop_main", "baddebug!main"]);
    hit.assert_matches(r"(?m)^Detached$");
    assert_loop_runs_free(target.pid, &target.exe);
    assert_text_clean(target.pid, &target.exe);
}

#[test]
fn attach_to_a_nonexistent_pid_fails_with_one_line() {
    let pid = unused_pid().to_string();
    let run = rdb(&["-p", &pid], "");
    run.assert_failure();
    let lines = run.lines();
    assert_eq!(lines.len(), 1, "one clear line\n{}", run.dump());
    assert!(lines[0].starts_with("rdb: ") || lines[0].starts_with("^ "), "{}", run.dump());
    assert!(lines[0].contains(&pid), "the line names the pid\n{}", run.dump());
}

/// How a test makes rdb let go of the process it attached to.
enum LetGo {
    Detach,
    ClearThenDetach,
    Sigterm,
}

/// Attach to `loop`, stop at a breakpoint whose condition runs inside the process (its code in memory rdb mapped
/// there), let go as `how` says: the process is left with the mappings it had before rdb came.
fn letting_go_unmaps_rdbs_memory(how: LetGo) {
    let target = spawn_debuggee("loop", &[]);
    let before = anonymous_rwx_mappings(target.pid);
    let mut session = RdbSession::start(&["-p", &target.pid.to_string()]);
    session.send(r#"bp /w "poi(loop!spins) % 0n20 == 0" loop!spin_once"#);
    session.send("g");
    session.expect(&bp_hit_re(0, "loop!spin_once"));
    session.send("bl");
    session.expect(r"\(in-process\)");
    let attached = anonymous_rwx_mappings(target.pid);
    assert!(attached.len() > before.len(), "rdb mapped memory for the condition: {attached:x?}\n{}", session.dump());
    match how {
        LetGo::Detach | LetGo::ClearThenDetach => {
            if matches!(how, LetGo::ClearThenDetach) {
                session.send("bc *");
            }
            session.send(".detach");
            session.expect(r"(?m)^Detached$");
        }
        LetGo::Sigterm => {
            session.signal(libc::SIGTERM);
            assert!(session.wait_exit(Duration::from_secs(10)).is_some(), "rdb ignores SIGTERM\n{}", session.dump());
        }
    }
    assert!(wait_until(Duration::from_secs(5), || tracer_pid(target.pid) == Some(0)), "{}", session.dump());
    assert_eq!(anonymous_rwx_mappings(target.pid), before, "rdb's memory is unmapped\n{}", session.dump());
    assert_loop_runs_free(target.pid, &target.exe);
    assert_text_clean(target.pid, &target.exe);
}

#[test]
fn detach_unmaps_the_memory_rdb_mapped() {
    letting_go_unmaps_rdbs_memory(LetGo::Detach);
}

#[test]
fn detach_after_bc_star_unmaps_the_memory_rdb_mapped() {
    letting_go_unmaps_rdbs_memory(LetGo::ClearThenDetach);
}

#[test]
fn sigterm_unmaps_the_memory_rdb_mapped() {
    letting_go_unmaps_rdbs_memory(LetGo::Sigterm);
}
