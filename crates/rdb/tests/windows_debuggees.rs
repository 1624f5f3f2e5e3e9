//! The Windows debuggees themselves, run under Wine without rdb: they must build with mingw-w64 and behave as the
//! Windows tests assume (exit codes, output). These also prove the Wine half of the harness (prefix, wineserver,
//! paths) before any rdb.exe failure is worth reading. Wine reports a Windows exit code modulo 256.

use rdb_testkit::debuggees::windows_debuggee;
use rdb_testkit::wine::{run_under_wine, wine_path};

fn run(name: &str, args: &[&str]) -> (i32, String) {
    let (code, stdout, _stderr) = run_under_wine(&windows_debuggee(name), args);
    (code, stdout.replace("\r\n", "\n"))
}

#[test]
fn hello_prints_and_returns_3() {
    assert_eq!(run("hello", &[]), (3, "Hello, rdb!\ncounter=10\nadd returned 3\n".into()));
}

#[test]
fn steps_returns_11() {
    assert_eq!(run("steps", &[]).0, 11);
}

#[test]
fn crash_dies_of_an_access_violation() {
    // 0xc0000005 modulo 256.
    assert_eq!(run("crash", &[]), (5, "about to crash\n".into()));
}

#[test]
fn divzero_dies_of_a_division_by_zero() {
    assert_eq!(run("divzero", &[]), (0x94, "about to divide\n".into()));
}

#[test]
fn wdebugstr_sends_its_strings_silently() {
    assert_eq!(run("wdebugstr", &[]), (0, "strings sent\n".into()));
}

#[test]
fn wthread_sees_its_thread_exit_with_1234() {
    assert_eq!(run("wthread", &[]), (0, "thread exited 1234\n".into()));
}

#[test]
fn wloadlib_loads_and_frees_the_plugin_n_times() {
    let plugin = wine_path(&windows_debuggee("wplugin"));
    assert!(plugin.ends_with("wplugin.dll"), "{plugin}");
    assert_eq!(run("wloadlib", &[&plugin]), (0, "plugin said 42\nrounds 1\n".into()));
    assert_eq!(run("wloadlib", &[&plugin, "3"]), (0, format!("{}rounds 3\n", "plugin said 42\n".repeat(3))));
}

#[test]
fn wbreak_dies_of_its_breakpoint_without_a_debugger() {
    // 0x80000003 modulo 256.
    assert_eq!(run("wbreak", &[]), (3, "before break\n".into()));
}

#[test]
fn wraise_handled_resumes_after_the_exception() {
    assert_eq!(run("wraise", &["handled"]), (0, "raising\nhandler saw e0524442\nafter raise\n".into()));
}

#[test]
fn wraise_unhandled_dies_of_its_exception() {
    assert_eq!(run("wraise", &["unhandled"]), (0x42, "raising\n".into()));
}

#[test]
fn wfault_reads_and_writes_0x1337() {
    assert_eq!(run("wfault", &["read"]), (5, "about to read 0x1337\n".into()));
    assert_eq!(run("wfault", &["write"]), (5, "about to write 0x1337\n".into()));
}

#[test]
fn wchild_runs_a_child_that_exits_7() {
    let (code, out) = run("wchild", &[]);
    assert_eq!(code, 0, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        matches!(lines.as_slice(), [child, "child exited 7"] if child.starts_with("child ")),
        "unexpected output: {out:?}"
    );
}

#[test]
fn wpresent_sees_no_debugger() {
    assert_eq!(run("wpresent", &[]), (0, "IsDebuggerPresent=0\n".into()));
}

#[test]
fn whot_sums_its_calls() {
    assert_eq!(run("whot", &[]), (0, "total 4950\n".into()));
    assert_eq!(run("whot", &["10"]), (0, "total 45\n".into()));
}

#[test]
fn wwatch_writes_5() {
    assert_eq!(run("wwatch", &[]), (0, "watched 5\n".into()));
}

#[test]
fn wloop_prints_its_pid_and_ends_on_time() {
    let (code, out) = run("wloop", &["1"]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        matches!(lines.as_slice(), [pid, sum, "ready"] if pid.starts_with("pid ") && sum.starts_with("code ")),
        "unexpected output: {out:?}"
    );
}

#[test]
fn wloop_stops_at_its_stop_file_with_its_code_unchanged() {
    let stop = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("wloop-debuggee-check.stop");
    std::fs::write(&stop, "").unwrap();
    let (code, out) = run("wloop", &["20", &wine_path(&stop)]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        matches!(lines.as_slice(), [_, sum, "ready", "stopped", again] if sum.starts_with("code ") && again == sum),
        "unexpected output: {out:?}"
    );
}

#[test]
fn wloadlib_waits_for_its_file_after_the_rounds() {
    let plugin = wine_path(&windows_debuggee("wplugin"));
    let go = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("wloadlib-debuggee-check.go");
    std::fs::write(&go, "").unwrap();
    let (code, out) = run("wloadlib", &[&plugin, "2", &wine_path(&go)]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        matches!(lines.as_slice(), [_, _, "rounds 2", waiting] if waiting.starts_with("waiting ")),
        "unexpected output: {out:?}"
    );
}

#[test]
fn whandles_fails_for_a_process_that_does_not_exist() {
    // Windows process ids are multiples of 4.
    let (code, stdout, stderr) = run_under_wine(&windows_debuggee("whandles"), &["3"]);
    assert_eq!((code, stdout.as_str(), stderr.trim_end()), (1, "", "no process 3"));
}
