//! Scenarios written once and run on both backends (`<scenario>::linux` with rdb under ptrace, `<scenario>::windows`
//! with rdb.exe under Wine), from the portable ISO C debuggees of `tests/debuggees/` (and the spinning `loop` and
//! `wloop`): where the backends diverge, one of the pair fails.

use std::time::Duration;

use rdb_testkit::prelude::*;
use rdb_testkit::wine::{processes_with_arg, signal_file};

on_both_backends!(
    session_start_has_commandline_modloads_and_the_first_stop,
    g_runs_to_the_exit_code,
    q_at_the_first_stop_ends_the_debuggee,
    main_returns_0xb_after_the_calls,
    an_unhandled_access_violation_gets_two_chances,
    a_division_by_zero_stops_in_divide,
    a_launched_debuggee_dies_with_rdb,
    a_debuggee_launched_after_a_detach_dies_with_rdb,
    arguments_that_need_quoting_are_quoted_on_the_command_line_and_arrive_intact,
);

/// `rdb <debuggee name> ` with commands `stdin`, on backend `b`.
fn run(b: Backend, name: &str, stdin: &str) -> RdbRun {
    let program = b.path_arg(&b.debuggee(name));
    b.rdb(&[&program], stdin)
}

fn session_start_has_commandline_modloads_and_the_first_stop(b: Backend) {
    let hello = b.debuggee("hello");
    let program = b.path_arg(&hello);
    let run = b.rdb(&[&program], "q\n");
    let first = run.stdout.lines().next().unwrap_or("");
    assert_eq!(first, format!("CommandLine: {program}"), "the first line\n{}", run.dump());

    // The executable is the first module, then the system's startup modules (with the rest of their imports).
    let modloads: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with("ModLoad: ")).collect();
    let exe_line = regex::Regex::new(&format!(r"^ModLoad: {ADDR} {ADDR}   {}$", b.module_path_re(&hello))).unwrap();
    assert!(modloads.first().is_some_and(|l| exe_line.is_match(l)), "the first ModLoad is hello\n{}", run.dump());
    for module in b.startup_module_res() {
        run.assert_matches(&format!(r"(?m)^ModLoad: {ADDR} {ADDR}   {module}$"));
    }

    // The first stop (the entry point on Linux, the loader breakpoint on Windows) comes after the ModLoad lines.
    let c = run.assert_matches(&format!(
        "{}\n{}",
        exception_re("Break instruction exception", "80000003"),
        stop_re(&b.initial_stop_re("hello"))
    ));
    if b.main_thread_has_process_id() {
        assert_eq!(c[1], c[2], "the first stop is on the main thread: pid == tid\n{}", run.dump());
    } else {
        assert_ne!(c[1], c[2], "the process id and the thread id differ\n{}", run.dump());
    }
    if b.first_stop_is_the_systems_int3() {
        run.assert_matches(&format!(r"(?m)^{ADDR} cc +int +3$"));
    }
    let brk = run.stdout.find("Break instruction exception").unwrap();
    let last_modload = run.stdout.rfind("ModLoad:").unwrap();
    assert!(last_modload < brk, "ModLoad lines come before the first stop\n{}", run.dump());

    run.assert_contains("quit:");
    run.assert_not_contains("Hello, rdb!");
    // Batch mode: no prompt.
    run.assert_not_contains("0:000>");
}

fn g_runs_to_the_exit_code(b: Backend) {
    let run = run(b, "hello", "g\n");
    let brk = run.assert_matches(&exception_re("Break instruction exception", "80000003"));
    let exit = run.assert_matches(&exit_code_re(3));
    assert_eq!(exit[1], brk[1], "Exit process names the pid of the session\n{}", run.dump());
    run.assert_contains("Hello, rdb!");
    run.assert_contains("counter=10");
    run.assert_contains("add returned 3");
    run.assert_matches(&format!(r"(?m)^ModLoad: {ADDR} {ADDR}   {}$", b.image_re("hello")));
}

fn q_at_the_first_stop_ends_the_debuggee(b: Backend) {
    let run = run(b, "hello", "q\n");
    run.assert_matches(&exception_re("Break instruction exception", "80000003"));
    run.assert_contains("quit:");
    run.assert_not_contains("Hello, rdb!");
    run.assert_not_contains("Exit process");
    run.assert_not_contains("0:000>");
}

fn main_returns_0xb_after_the_calls(b: Backend) {
    let run = run(b, "steps", "g\n");
    run.assert_matches(&exit_code_re(0xb));
}

fn an_unhandled_access_violation_gets_two_chances(b: Backend) {
    let run = run(b, "crash", &format!("g\n{}\ng\n{}\ng\n", mark("second"), mark("exit")));
    run.assert_matches(&exception_re("Access violation", "c0000005"));
    run.assert_contains(FIRST_CHANCE_NOTE);
    run.assert_matches(r"(?m)^Attempt to (?:write to|access) address 00000000`00000000$");
    run.assert_matches(&stop_re(r"crash!crash_here\+0x[0-9a-f]+"));
    let second = run.section("second");
    second.assert_matches(&second_chance_re("Access violation", "c0000005"));
    second.assert_matches(&stop_re(r"crash!crash_here\+0x[0-9a-f]+"));
    run.section("exit").assert_matches(&b.fatal_exit_re(Fatal::AccessViolation));
    run.assert_contains("about to crash");
    run.assert_not_contains("not reached");
}

fn a_division_by_zero_stops_in_divide(b: Backend) {
    let run = run(b, "divzero", &format!("g\n{}\ng\ng\n", mark("rest")));
    run.assert_matches(&exception_re("Integer divide-by-zero", "c0000094"));
    run.assert_contains(FIRST_CHANCE_NOTE);
    run.assert_matches(&stop_re(r"divzero!divide\+0x[0-9a-f]+"));
    run.assert_matches(r"idiv ");
    run.section("rest").assert_matches(&b.fatal_exit_re(Fatal::DivideByZero));
    run.assert_not_contains("not reached");
}

/// rdb launching the program that spins until it is killed (`loop` on Linux, `wloop` on Windows), given an argument
/// no other program has, by which the test finds its processes (rdb's own left out). The program ignores it (`wloop`
/// would stop once a file of that name exists, and none is ever made).
struct Spinning {
    session: RdbSession,
    tag: String,
}

impl Spinning {
    fn launch(b: Backend, name: &str) -> Spinning {
        let spinner = Spinner::new(b, name).name();
        let tag = b.path_arg(&signal_file(&format!("{name}-{b:?}-{}.never", std::process::id())));
        let session = b.session(&[&b.path_arg(&b.debuggee(spinner)), "60", &tag]);
        Spinning { session, tag }
    }

    /// The Unix processes of the launched program (under Wine too).
    fn debuggees(&self) -> Vec<u32> {
        processes_with_arg(&self.tag).into_iter().filter(|&p| p != self.session.pid()).collect()
    }

    /// SIGKILL to rdb: it cleans up nothing.
    fn kill_rdb(&mut self) {
        self.session.signal(libc::SIGKILL);
        assert!(self.session.wait_exit(Duration::from_secs(10)).is_some(), "rdb survived SIGKILL");
    }
}

fn a_launched_debuggee_dies_with_rdb(b: Backend) {
    let mut spinning = Spinning::launch(b, "dies-with-rdb");
    spinning.session.send("g");
    spinning.session.expect(r"(?m)^ready\r?$");
    assert_eq!(spinning.debuggees().len(), 1, "{}", spinning.session.dump());
    spinning.kill_rdb();
    let gone = wait_until(Duration::from_secs(5), || spinning.debuggees().is_empty());
    assert!(gone, "the debuggee outlived rdb: {:?}\n{}", spinning.debuggees(), spinning.session.dump());
}

fn a_debuggee_launched_after_a_detach_dies_with_rdb(b: Backend) {
    // Windows keeps "kill the debuggees when the debugger exits" per debugging thread, and a detach turns it off.
    let mut spinning = Spinning::launch(b, "restart-dies-with-rdb");
    spinning.session.send(".detach");
    // The detached program prints on the same output as rdb, freely: its text may run into rdb's line.
    spinning.session.expect(r"(?m)Detached\r?$");
    spinning.session.expect(r"(?m)^ready\r?$");
    let detached = spinning.debuggees();
    assert_eq!(detached.len(), 1, "{}", spinning.session.dump());
    spinning.session.send(".restart");
    spinning.session.send("g");
    spinning.session.expect_count(r"(?m)^ready\r?$", 2);
    spinning.kill_rdb();
    let only_detached = wait_until(Duration::from_secs(5), || spinning.debuggees() == detached);
    let left = spinning.debuggees();
    for pid in &left {
        // SAFETY: kill(2) on a process this test made (through rdb) and that outlived it.
        unsafe { libc::kill(*pid as i32, libc::SIGKILL) };
    }
    assert!(
        only_detached,
        "the relaunched debuggee outlived rdb: {left:?} (detached: {detached:?})\n{}",
        spinning.session.dump()
    );
}

fn arguments_that_need_quoting_are_quoted_on_the_command_line_and_arrive_intact(b: Backend) {
    let program = b.path_arg(&b.debuggee("args"));
    let samples = b.quoted_args();
    let words: Vec<&str> = std::iter::once(program.as_str()).chain(samples.iter().map(|(_, quoted)| *quoted)).collect();
    let line = format!("CommandLine: {}", words.join(" "));
    let mut argv = vec![program.as_str()];
    argv.extend(samples.iter().map(|(arg, _)| *arg));
    let run = b.rdb(&argv, &format!("g\n{}\n.restart\ng\n", mark("restart")));
    assert_eq!(run.stdout.lines().next(), Some(line.as_str()), "the first line\n{}", run.dump());
    run.section("restart").assert_matches(&format!("(?m)^{}$", regex::escape(&line)));
    // At each launch the program gets every argument as it was given.
    for (i, (arg, _)) in samples.iter().enumerate() {
        run.out().assert_count(&format!(r"(?m)^arg {} \[{}\]\r?$", i + 1, regex::escape(arg)), 2);
    }
    run.out().assert_count(&format!(r"(?m)^argc={}\r?$", samples.len() + 1), 2);
    run.out().assert_count(&exit_code_re(samples.len() as u32), 2);
}
