//! The debuggees themselves, run without rdb: they must build and behave as the other tests assume
//! (exit codes, output, signals). Also checks the harness's own process helpers against a live `loop`.
//! When one of these fails, fix the debuggee or the harness before reading any rdb failure.

use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Output};
use std::time::Duration;

use rdb_testkit::prelude::*;

fn run(name: &str, args: &[&str]) -> Output {
    Command::new(debuggee(name)).args(args).output().unwrap_or_else(|e| panic!("run {name}: {e}"))
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn hello_prints_and_returns_3() {
    let o = run("hello", &[]);
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(stdout(&o), "Hello, rdb!\ncounter=10\nadd returned 3\n");
}

#[test]
fn crash_dies_of_sigsegv() {
    let o = run("crash", &[]);
    assert_eq!(o.status.signal(), Some(libc::SIGSEGV));
    assert_eq!(stdout(&o), "about to crash\n");
}

#[test]
fn postmortem_prints_inspects_result_and_exits_0() {
    let o = run("postmortem", &[]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "191\n");
}

#[test]
fn handled_exits_7_from_its_handler() {
    let o = run("handled", &[]);
    assert_eq!(o.status.code(), Some(7));
    assert_eq!(stdout(&o), "handler ran\n");
}

#[test]
fn abort_dies_of_sigabrt() {
    assert_eq!(run("abort", &[]).status.signal(), Some(libc::SIGABRT));
}

#[test]
fn divzero_dies_of_sigfpe() {
    assert_eq!(run("divzero", &[]).status.signal(), Some(libc::SIGFPE));
}

#[test]
fn sigusr_catches_its_signal() {
    let o = run("sigusr", &[]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "caught\nafter raise\n");
}

#[test]
fn args_prints_each_argument_as_received() {
    let o = run("args", &["two words", ""]);
    assert_eq!((o.status.code(), stdout(&o).as_str()), (Some(2), "arg 1 [two words]\narg 2 []\nargc=3\n"));
}

#[test]
fn parked_returns_0_with_its_thread_still_spinning() {
    let o = run("parked", &[]);
    assert_eq!((o.status.code(), stdout(&o).as_str()), (Some(0), "parked\n"));
}

#[test]
fn threads_sum_to_30() {
    let o = run("threads", &[]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "total=30\n");
}

#[test]
fn watch_counts_to_5() {
    let o = run("watch", &[]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "counter=5 seen=5\n");
}

#[test]
fn conds_ticks_n_times() {
    let o = run("conds", &[]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "total=45 counter=10\n");
    assert_eq!(stdout(&run("conds", &["1000"])), "total=499500 counter=1000\n");
}

#[test]
fn steps_returns_11() {
    assert_eq!(run("steps", &[]).status.code(), Some(11));
}

#[test]
fn dlopen_loads_the_plugin() {
    let plugin = debuggee("plugin");
    assert!(plugin.ends_with("libplugin.so"));
    let o = run("dlopen", &[s(&plugin)]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(stdout(&o), "plugin said 42\n");
}

#[test]
fn rust_demo_runs() {
    let o = run("rust_demo", &[]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "sum=5 area=12\n");
}

#[test]
fn loop_exits_after_its_lifetime() {
    let o = run("loop", &["0"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).ends_with("ready\n"));
}

#[test]
fn markers_name_lines() {
    assert!(line_of("hello.c", "add") < line_of("hello.c", "middle"));
    assert!(line_of("hello.c", "tick-body") < line_of("hello.c", "main-call"));
}

#[test]
fn live_loop_has_a_clean_text_and_advances() {
    let target = spawn_debuggee("loop", &[]);
    assert_text_clean(target.pid, &target.exe);
    assert_loop_runs_free(target.pid, &target.exe);
    let spin_once = symbol_address(target.pid, &target.exe, "spin_once");
    // -fno-omit-frame-pointer, no CET: the function starts with `push rbp`.
    assert_eq!(read_memory(target.pid, spin_once, 1), vec![0x55]);
}

#[test]
fn baddebug_points_its_dt_debug_nowhere_and_runs() {
    let target = spawn_debuggee("baddebug", &[]);
    let dynamic = symbol_address(target.pid, &target.exe, "_DYNAMIC");
    let entries = read_memory(target.pid, dynamic, 16 * 64);
    let debug = entries.chunks_exact(16).find(|e| u64::from_le_bytes(e[..8].try_into().unwrap()) == 21);
    let value = debug.map(|e| u64::from_le_bytes(e[8..].try_into().unwrap()));
    assert_eq!(value, Some(0x4000_0000), "DT_DEBUG points where nothing is mapped");
    assert_loop_runs_free(target.pid, &target.exe);
}

#[test]
fn spawned_debuggee_is_killed_on_drop() {
    let pid = {
        let target = spawn_debuggee("loop", &[]);
        target.pid
    };
    assert!(wait_until(Duration::from_secs(2), || process_gone(pid)));
}

#[test]
fn unused_pid_is_unused() {
    let pid = unused_pid();
    assert!(process_state(pid).is_none());
}

#[test]
fn text_diff_sees_a_patched_byte() {
    use std::os::unix::fs::FileExt;
    let target = spawn_debuggee("loop", &[]);
    // main's first byte never runs again once main is running: patch it with int3 behind the process's back.
    let main = symbol_address(target.pid, &target.exe, "main");
    let original = read_memory(target.pid, main, 1)[0];
    let mem = std::fs::OpenOptions::new().write(true).open(format!("/proc/{}/mem", target.pid)).unwrap();
    mem.write_all_at(&[0xcc], main).unwrap();
    let diffs = text_diff(target.pid, &target.exe);
    assert_eq!(diffs.len(), 1, "{diffs:x?}");
    assert_eq!((diffs[0].address, diffs[0].file, diffs[0].live), (main, original, 0xcc));
    mem.write_all_at(&[original], main).unwrap();
    assert_text_clean(target.pid, &target.exe);
}

#[test]
fn dap_prints_its_lines_and_exits_with_its_total_in_every_mode() {
    for mode in ["", "thread", "signal"] {
        let args: &[&str] = if mode.is_empty() { &[] } else { &[mode] };
        let o = run("dap", args);
        assert_eq!(o.status.code(), Some(10), "mode {mode:?}");
        assert_eq!(stdout(&o), "out: dap 7\n", "mode {mode:?}");
        assert_eq!(String::from_utf8_lossy(&o.stderr), "err: total=10\n", "mode {mode:?}");
    }
    let o = run("dap", &["crash"]);
    assert_eq!(o.status.signal(), Some(libc::SIGSEGV));
}
