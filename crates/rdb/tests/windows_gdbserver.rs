//! `rdb.exe --gdbserver` under Wine, driven by real clients on Linux: gdb (`gdb-multiarch`, the same gdb 13 as
//! `gdb`) and lldb-16, each in batch mode against the port the server prints.
//!
//! Debian's gdb has no Windows OS ABI, so it is told `set osabi none` (its remote library list, `qXfer:libraries`,
//! instead of the SVR4 one Linux's ABI would look for) and `set target-file-system-kind dos-based` (DLL names are
//! Windows paths); it reads the DLLs through the server (`vFile:`). lldb picks its Windows loader from the
//! server's triple; it cannot open the DLLs' Windows paths on Linux, so its `image list` holds the executable only
//! and the DLLs are checked through `monitor lm`.

use std::time::Duration;

use rdb_testkit::gdbserver::{Client, GdbServer, gdb_for};
use rdb_testkit::prelude::*;
use rdb_testkit::wine::{processes_with_arg, signal_file, wine_path};

/// gdb's settings for a Windows debuggee (the kit's, shared with `both_gdbserver.rs`), then the program's file.
fn gdb_setup(exe: &std::path::Path) -> Vec<String> {
    gdb_for(Backend::Windows, exe).1
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// The captures of `re` in what a client printed of a `monitor` command: gdb prints it on stderr, lldb on stdout.
fn monitor_matches(run: &RdbRun, re: &str) -> Vec<String> {
    let rx = regex::Regex::new(re).unwrap();
    for text in [&run.stdout, &run.stderr] {
        if let Some(c) = rx.captures(text) {
            return c.iter().map(|m| m.map(|m| m.as_str().to_string()).unwrap_or_default()).collect();
        }
    }
    run.fail(&format!("no monitor output matches /{re}/"))
}

/// The base `monitor lm` gives `module` (`00000001`70000000 ... ntdll ...`).
fn lm_base(run: &RdbRun, module: &str) -> u64 {
    let c = monitor_matches(run, &format!(r"(?m)^([0-9a-f]{{8}})`([0-9a-f]{{8}}) [0-9a-f`]+ +{module} "));
    u64::from_str_radix(&format!("{}{}", c[1], c[2]), 16).unwrap()
}

#[test]
fn gdb_stops_in_add_with_its_arguments_places_the_dlls_and_sees_the_exit_code() {
    if !Client::GdbMultiarch.available("gdb_stops_in_add") {
        return;
    }
    let exe = Backend::Windows.debuggee("hello");
    let server = GdbServer::wine(&[&wine_path(&exe)]);
    let setup = gdb_setup(&exe);
    let commands =
        ["info sharedlibrary", "monitor lm", "break add", "continue", "info registers rcx rdx", "bt", "continue"];
    let run = Client::GdbMultiarch.run(server.port, &strs(&setup), &commands);
    // The first stop is the loader's breakpoint, named from ntdll's own symbols: the DLL is where gdb put it. gdb
    // reads the DLLs through the server (`vFile:`, their Windows paths opened by rdb.exe).
    run.assert_matches(r"(?m)^0x[0-9a-f]+ in DbgBreakPoint \(\) from target:Z:/usr/lib/.*/ntdll\.dll$");
    // gdb places a DLL by its first section, 0x1000 past the image base `monitor lm` shows.
    for dll in ["ntdll", "kernel32"] {
        let from = run.assert_matches(&format!(r"(?m)^0x([0-9a-f]+) +0x[0-9a-f]+ +Yes +target:.*/{dll}\.dll$"));
        let from = u64::from_str_radix(&from[1], 16).unwrap();
        assert_eq!(from, lm_base(&run, dll) + 0x1000, "{dll}'s .text\n{}", run.dump());
    }
    run.assert_matches(r"(?m)^Breakpoint 1, add \(a=1, b=2\) at .*hello\.c:\d+$");
    // Windows x64 passes the first two arguments in rcx and rdx.
    run.assert_matches(r"(?m)^rcx +0x1 +1$");
    run.assert_matches(r"(?m)^rdx +0x2 +2$");
    run.assert_matches(r"(?m)^#1 +0x[0-9a-f]+ in middle \(a=1, b=2\) at ");
    run.assert_matches(r"(?m)^#3 +0x[0-9a-f]+ in main \(\) at ");
    run.assert_matches(r"(?m)^\[Inferior 1 \(process \d+\) exited with code 03\]$");
    let served = server.finish();
    served.assert_contains("add returned 3");
    assert!(served.stderr.contains("The debuggee exited"), "{}", served.dump());
}

#[test]
fn gdb_hardware_breakpoint_watchpoint_stepi_memory_threads_peb_and_detach() {
    if !Client::GdbMultiarch.available("gdb_hardware_breakpoint_watchpoint") {
        return;
    }
    let exe = Backend::Windows.debuggee("wwatch");
    let server = GdbServer::wine(&[&wine_path(&exe)]);
    let setup = gdb_setup(&exe);
    let commands = [
        "hbreak write_watched",
        "continue",
        "delete 1",
        "watch watched",
        "continue",
        "continue",
        "print $pc",
        "stepi",
        "print $pc",
        "x/1dw &watched",
        "set var untouched = 100",
        "print untouched",
        "info threads",
        "monitor !peb",
        "delete",
        "detach",
    ];
    let run = Client::GdbMultiarch.run(server.port, &strs(&setup), &commands);
    run.assert_matches(r"(?m)^Hardware assisted breakpoint 1 at 0x[0-9a-f]+: file .*wwatch\.c");
    run.assert_matches(r"(?m)^Breakpoint 1, write_watched \(value=1\) at ");
    run.assert_matches(r"(?m)^Hardware watchpoint 2: watched\n\nOld value = 0\nNew value = 1$");
    run.assert_matches(r"(?m)^Hardware watchpoint 2: watched\n\nOld value = 1\nNew value = 2$");
    let pcs = run.assert_matches(
        r"(?m)^\$1 = \(void \(\*\)\(\)\) 0x([0-9a-f]+) <write_watched\+\d+>\n(?:.*\n)*?\$2 = \(void \(\*\)\(\)\) 0x([0-9a-f]+) <write_watched\+\d+>$",
    );
    let (before, after) = (u64::from_str_radix(&pcs[1], 16).unwrap(), u64::from_str_radix(&pcs[2], 16).unwrap());
    assert!(after > before && after - before <= 15, "stepi moves on one instruction\n{}", run.dump());
    run.assert_matches(r"(?m)^0x[0-9a-f]+ <watched>:\t2$");
    run.assert_matches(r"(?m)^\$3 = 100$");
    run.assert_matches(r"(?m)^\* 1 +Thread \d+\.\d+ +0x[0-9a-f]+ in write_watched \(value=2\)");
    monitor_matches(&run, r"(?m)^ +BeingDebugged: +Yes$");
    monitor_matches(&run, r"(?m)^ +ImageBaseAddress: +0000000140000000$");
    run.assert_matches(r"(?m)^\[Inferior 1 \(process \d+\) detached\]$");
    let served = server.finish();
    assert!(served.stderr.contains("Detached: the debuggee runs on"), "{}", served.dump());
    // It ran on undebugged, with the value gdb wrote: 5 + 100.
    served.assert_contains("watched 105");
}

#[test]
fn gdb_ctrl_c_interrupts_a_running_program_and_kill_ends_it() {
    if !Client::GdbMultiarch.available("gdb_ctrl_c_interrupts") {
        return;
    }
    let exe = Backend::Windows.debuggee("wloop");
    let stop = wine_path(&signal_file("gdbserver-interrupt.stop"));
    let server = GdbServer::wine(&[&wine_path(&exe), "60", &stop]);
    let setup = gdb_setup(&exe);
    let commands = ["continue", "print spins > 0", "info threads", "kill"];
    let gdb = Client::GdbMultiarch.start(server.port, &strs(&setup), &commands);
    // A Ctrl-C while gdb is still setting up is gdb's own business (it offers to give up the connection): only
    // once the program runs does it become an interrupt for the server.
    if server.server.wait_for(r"(?m)^ready\r?$", default_timeout()).is_none() {
        panic!("wloop never ran\n{}\n{}", server.server.dump(), gdb.dump());
    }
    std::thread::sleep(Duration::from_millis(300));
    gdb.signal(libc::SIGINT);
    let run = gdb.finish_within(default_timeout());
    assert!(!run.timed_out, "gdb did not finish\n{}", run.dump());
    // The system stops the process on a thread of its own, as on Windows.
    run.assert_matches(r"(?m)^Thread \d+ received signal SIGINT, Interrupt\.$");
    run.assert_matches(r"(?m)^\$1 = 1$");
    run.assert_matches(r"(?m)^\[Inferior 1 \(process \d+\) killed\]$");
    let served = server.finish();
    served.assert_not_contains("stopped");
    assert!(
        wait_until(Duration::from_secs(10), || processes_with_arg(&stop).is_empty()),
        "wloop is gone\n{}",
        served.dump()
    );
}

#[test]
fn lldb_stops_in_add_reads_registers_and_modules_and_sees_the_exit_code() {
    if !Client::Lldb.available("lldb_stops_in_add") {
        return;
    }
    let exe = Backend::Windows.debuggee("hello");
    let server = GdbServer::wine(&[&wine_path(&exe)]);
    let setup = [format!("target create {}", s(&exe))];
    let commands = [
        "breakpoint set -n add",
        "continue",
        "register read rcx rdx rip",
        "bt",
        "image list",
        "process plugin packet monitor lm",
        "continue",
    ];
    let run = Client::Lldb.run(server.port, &strs(&setup), &commands);
    // lldb knows where the executable is (qFileLoadAddress) and so resolves its breakpoint to the right address.
    let at = run.assert_matches(r"(?m)^Breakpoint 1: where = hello\.exe`add .*, address = 0x([0-9a-f]+)$");
    run.assert_matches(r"(?m)stop reason = breakpoint 1\.1\n +frame #0: 0x([0-9a-f]+) hello\.exe`add\(");
    run.assert_matches(&format!(r"(?m)^ +rip = 0x{} +hello\.exe`add", at[1]));
    // lldb stops on add's first instruction: the arguments are still in rcx and rdx.
    run.assert_matches(r"(?m)^ +rcx = 0x0000000000000001$");
    run.assert_matches(r"(?m)^ +rdx = 0x0000000000000002$");
    run.assert_matches(r"(?m)^ +frame #1: 0x[0-9a-f]+ hello\.exe`middle\(a=1, b=2\)");
    run.assert_matches(&format!(r"(?m)^\[ *0\] [0-9A-F]+ 0x0000000140000000 {}", regex::escape(s(&exe))));
    monitor_matches(&run, r"(?m)^[0-9a-f]{8}`[0-9a-f]{8} [0-9a-f`]+ +kernel32 .*kernel32\.dll$");
    run.assert_matches(r"(?m)^Process \d+ exited with status = 3 \(0x00000003\)$");
    let served = server.finish();
    served.assert_contains("add returned 3");
}

#[test]
fn lldb_watchpoint_step_memory_write_and_kill() {
    if !Client::Lldb.available("lldb_watchpoint_step") {
        return;
    }
    let exe = Backend::Windows.debuggee("wwatch");
    let server = GdbServer::wine(&[&wine_path(&exe)]);
    let setup = [format!("target create {}", s(&exe))];
    let commands = [
        "breakpoint set -n write_watched",
        "continue",
        "watchpoint set variable watched",
        "breakpoint delete 1",
        "continue",
        "thread step-inst",
        "memory write -f d -s 4 &untouched 100",
        "memory read -f d -s 4 -c 1 &untouched",
        "thread list",
        "kill",
    ];
    let run = Client::Lldb.run(server.port, &strs(&setup), &commands);
    run.assert_matches(
        r"(?m)stop reason = breakpoint 1\.1\n +frame #0: 0x[0-9a-f]+ wwatch\.exe`write_watched\(value=1\)",
    );
    run.assert_matches(r"(?m)^Watchpoint 1 hit:\nold value: 0\nnew value: 1$");
    run.assert_matches(r"(?m)stop reason = watchpoint 1\n");
    run.assert_matches(r"(?m)stop reason = instruction step into\n +frame #0: 0x[0-9a-f]+ wwatch\.exe`write_watched");
    run.assert_matches(r"(?m)^0x[0-9a-f]+: 100$");
    run.assert_matches(r"(?m)^\* thread #1: tid = 0x[0-9a-f]+, 0x[0-9a-f]+ wwatch\.exe`write_watched");
    // A kill is answered with how the process ended, which lldb reads.
    run.assert_matches(r"(?m)^Process \d+ exited with status = 9 ");
    run.assert_not_contains("unexpected response");
    let served = server.finish();
    served.assert_not_contains("watched 5");
}

#[test]
fn lldb_interrupts_a_running_program_and_detaches_leaving_its_code_as_it_was() {
    if !Client::Lldb.available("lldb_interrupts") {
        return;
    }
    let exe = Backend::Windows.debuggee("wloop");
    let stop = signal_file("gdbserver-lldb-interrupt.stop");
    let server = GdbServer::wine(&[&wine_path(&exe), "60", &wine_path(&stop)]);
    let setup = [format!("target create {}", s(&exe))];
    // lldb's batch mode does not pass a SIGINT on during `continue`: its own `process interrupt`, run while the
    // process runs (asynchronous mode), sends the same `\x03`.
    let commands = [
        "script lldb.debugger.SetAsync(True)",
        "process continue",
        "script import time; time.sleep(1.5)",
        "process interrupt",
        "script time.sleep(1)",
        "script lldb.debugger.SetAsync(False)",
        "thread list",
        "expr spins > 0",
        "process detach",
    ];
    let run = Client::Lldb.run(server.port, &strs(&setup), &commands);
    // The system stops the process on a thread of its own, as on Windows.
    run.assert_matches(r"(?m)^\* thread #\d+: tid = 0x[0-9a-f]+, 0x[0-9a-f]+.*, stop reason = signal SIGINT$");
    run.assert_matches(r"(?m)^\(bool\) \$0 = true$");
    run.assert_matches(r"(?m)^Process \d+ detached$");
    std::fs::write(&stop, "").expect("create the stop file");
    let served = server.finish();
    assert!(served.stderr.contains("Detached: the debuggee runs on"), "{}", served.dump());
    let codes: Vec<&str> = served.stdout.lines().filter_map(|l| l.trim_end().strip_prefix("code ")).collect::<Vec<_>>();
    assert_eq!(codes.len(), 2, "wloop ran on and stopped\n{}", served.dump());
    assert_eq!(codes[0], codes[1], "no breakpoint byte left in its code\n{}", served.dump());
}
