//! Break-in under Wine: SIGINT to the rdb.exe process is a CTRL_C_EVENT in its console handler, which calls
//! `DebugBreakProcess`. The system creates a thread in the debuggee that executes `ntdll!DbgBreakPoint`; rdb.exe
//! says so, and `~0s` goes back to the program's own thread.

use std::fs;

use rdb_testkit::prelude::*;
use rdb_testkit::wine::{rdb_wine_session, signal_file, wine_path};

#[test]
fn ctrl_c_breaks_in_on_a_thread_the_system_creates_and_g_runs_on() {
    let stop = signal_file("breakin.stop");
    let program = wine_path(&windows_debuggee("wloop"));
    let mut rdb = rdb_wine_session(&[&program, "60", &wine_path(&stop)]);
    rdb.send("g");
    let pid = rdb.expect(r"(?m)^pid (\d+)\r?$")[1].parse::<u32>().unwrap();
    rdb.expect(r"(?m)^ready\r?$");
    rdb.signal(libc::SIGINT);
    let brk = rdb.expect(&format!(
        "{}\nBreak-in: thread (\\d+) was created by the system to stop the debuggee; ~0s selects the main thread\n{}",
        exception_re("Break instruction exception", "80000003"),
        stop_re("ntdll!DbgBreakPoint")
    ));
    assert_eq!(brk[1], format!("{pid:x}"), "the break-in names the debuggee's pid");
    let (pid, tid, index) = (&brk[1], &brk[2], &brk[3]);
    rdb.send(&mark("threads"));
    rdb.send("~");
    rdb.send(&mark("main"));
    rdb.send("~0s");
    rdb.send("k");
    rdb.send(&mark("go"));
    fs::write(&stop, "").unwrap();
    rdb.send("g");
    rdb.expect(&exit_code_re(0));
    let run = rdb.finish();

    // The stop is on the int3 itself, as WinDbg shows it.
    run.assert_matches(&format!(r"(?m)^{ADDR} cc +int +3$"));
    let threads = run.section("threads");
    threads.assert_matches(&format!(r"(?m)^\.  {index}  Id: {pid}\.{tid} "));
    threads.assert_matches(&format!(r"(?m)^   0  Id: {pid}\.[0-9a-f]+ "));
    let main = run.section("main");
    assert!(main.frames().iter().any(|f| f.is("wloop!main")), "~0s k shows the program's frames\n{}", run.dump());
    assert!(!main.frames().iter().any(|f| f.is("ntdll!DbgBreakPoint")), "{}", run.dump());
    // The program's output and rdb.exe's share the pipe and may interleave within a line.
    let go = run.section("go");
    go.assert_contains("stopped");
    go.assert_matches(&format!(r"(?m)\({pid}\.{tid}\): Exit thread {index}:{tid}, code 0$"));
    run.assert_not_contains("second chance");
    // The debuggee is in a process group of its own: the console's Ctrl-C is rdb's, not a Control-C exception
    // (40010005) in the program.
    run.assert_not_contains("40010005");
}
