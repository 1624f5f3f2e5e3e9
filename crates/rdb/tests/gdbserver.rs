//! `rdb --gdbserver` driven by real gdb and lldb on Linux: breakpoints of every kind, stepping, registers and
//! memory, threads, libraries, signals, Ctrl-C, monitor commands, target-side conditions, and the session's ends
//! (exit, kill, detach, the client going away), each with the debuggee checked afterwards. Where gdb with Debian's
//! gdbserver is the oracle, the same script runs against both and the answers are compared.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

use rdb_testkit::gdbserver::{Client, GdbServer};
use rdb_testkit::prelude::*;

/// gdb's command that reads `program`'s symbols, before it connects.
fn file(program: &Path) -> String {
    format!("file {}", s(program))
}

/// gdb driving rdb's server on debuggee `name` (with `args`) through `commands`: gdb's run, and the server's (its
/// standard output is the debuggee's). `None` (the test passes, saying why) where gdb is not installed.
fn gdb_on(name: &str, args: &[&str], commands: &[&str]) -> Option<(RdbRun, RdbRun)> {
    if !Client::Gdb.available(name) {
        return None;
    }
    let program = debuggee(name);
    let mut argv = vec![s(&program)];
    argv.extend_from_slice(args);
    let server = GdbServer::native(&argv);
    let run = Client::Gdb.run(server.port, &[&file(&program)], commands);
    Some((run, server.finish()))
}

#[test]
fn gdb_stops_at_a_breakpoint_reads_arguments_and_sees_the_exit_code() {
    let Some((run, served)) = gdb_on(
        "watch",
        &[],
        &["break bump", "continue", "bt", "print counter", "continue", "print counter", "delete", "continue"],
    ) else {
        return;
    };
    run.assert_matches(r"Breakpoint 1, bump \(\) at .*watch\.c:\d+");
    run.assert_matches(r"#1 +0x[0-9a-f]+ in main \(\) at .*watch\.c");
    run.assert_contains("$1 = 0");
    run.assert_contains("$2 = 1");
    run.assert_contains("[Inferior 1 (process");
    run.assert_contains("exited normally]");
    assert!(served.status.success(), "{}", served.dump());
    assert!(served.stdout.contains("counter=5 seen=5"), "{}", served.stdout);
    assert!(served.stderr.contains("The debuggee exited"), "{}", served.stderr);
}

#[test]
fn gdb_watchpoints_hardware_breakpoints_and_memory_writes() {
    let Some((run, served)) = gdb_on(
        "watch",
        &[],
        &[
            "hbreak peek",
            "watch counter",
            "continue",
            "continue",
            "delete 2",
            "continue",
            "set var counter = 40",
            "delete",
            "continue",
        ],
    ) else {
        return;
    };
    run.assert_contains("Hardware watchpoint 2: counter");
    run.assert_matches(r"Old value = 0\s+New value = 1");
    run.assert_matches(r"Old value = 1\s+New value = 2");
    run.assert_matches(r"Breakpoint 1, peek \(\)");
    // peek read the 40 written through gdb.
    assert!(served.stdout.contains("counter=40 seen=40"), "{}", served.stdout);
}

#[test]
fn gdb_steps_instructions_and_finishes_a_function() {
    let Some((run, _)) = gdb_on(
        "watch",
        &[],
        &["break peek", "continue", "stepi", "print $pc == peek + 1 || $pc > peek", "finish", "nexti", "kill"],
    ) else {
        return;
    };
    run.assert_contains("$1 = 1");
    run.assert_matches(r"Value returned is \$\d+ = 5");
    drop(run);
}

#[test]
fn gdb_reads_the_registers_rdb_describes() {
    let Some((run, _)) = gdb_on(
        "watch",
        &[],
        &[
            "break bump",
            "continue",
            "info symbol $rip",
            "print $fs_base != 0",
            "print $orig_rax",
            "print $mxcsr",
            "print sizeof($xmm0)",
            "set var $rax = 0x1234",
            "print/x $rax",
            "info sharedlibrary",
            "info auxv",
            "kill",
        ],
    ) else {
        return;
    };
    run.assert_matches(r"bump \+ \d+ in section \.text");
    run.assert_contains("$1 = 1");
    run.assert_contains("$2 = -1");
    run.assert_contains("$3 = 8064");
    run.assert_contains("$4 = 16");
    run.assert_contains("$5 = 0x1234");
    run.assert_matches(r"(?m)^0x[0-9a-f]+ +0x[0-9a-f]+ +Yes +(target:)?/.*libc\.so\.6$");
    run.assert_matches(r"AT_ENTRY +Entry point of program +0x[0-9a-f]+");
    run.assert_not_contains("lmid");
}

#[test]
fn gdb_finds_the_program_by_asking_the_server() {
    if !Client::Gdb.available("gdb_finds_the_program") {
        return;
    }
    let server = GdbServer::native(&[s(&debuggee("watch"))]);
    let run = Client::Gdb.run(server.port, &[], &["break bump", "continue", "info frame", "kill"]);
    run.assert_matches(r"Reading symbols from target:.*watch");
    run.assert_matches(r"Breakpoint 1, bump \(\)");
    server.finish();
}

#[test]
fn gdb_sees_every_thread_and_each_stop_names_its_thread() {
    let Some((run, served)) = gdb_on(
        "threads",
        &[],
        &[
            "break work_item if n == 2",
            "continue",
            "info threads",
            "print n",
            "thread apply all print $pc != 0",
            "delete",
            "continue",
        ],
    ) else {
        return;
    };
    run.assert_matches(r"Thread \d+ .*hit Breakpoint 1, work_item \(id=\d, n=2\)");
    assert!(run.stdout.matches(" Thread ").count() >= 5, "{}", run.stdout);
    run.assert_contains("$1 = 2");
    run.assert_contains("exited normally");
    assert!(served.stdout.contains("total=30"), "{}", served.stdout);
}

#[test]
fn gdb_passes_or_swallows_a_signal_as_its_handle_table_says() {
    let Some((run, served)) = gdb_on("sigusr", &[], &["continue", "continue"]) else { return };
    run.assert_contains("received signal SIGUSR1");
    assert!(served.stdout.contains("caught\nafter raise"), "{}", served.stdout);

    let Some((run, served)) = gdb_on("sigusr", &[], &["handle SIGUSR1 nostop noprint nopass", "continue"]) else {
        return;
    };
    run.assert_not_contains("received signal");
    assert!(!served.stdout.contains("caught"), "{}", served.stdout);
    assert!(served.stdout.contains("after raise"), "{}", served.stdout);

    let Some((run, served)) = gdb_on("sigusr", &[], &["continue", "signal 0"]) else { return };
    run.assert_contains("exited normally");
    assert!(!served.stdout.contains("caught"), "{}", served.stdout);

    // `signal` with another signal than the stop's, at a breakpoint: the thread gets that one as it runs on (its
    // handler returns to the breakpoint, hit again), then raise's own.
    let commands = ["break raise", "continue", "signal SIGUSR1", "delete", "continue", "continue"];
    let Some((run, served)) = gdb_on("sigusr", &[], &commands) else { return };
    assert_eq!(run.stdout.matches("Breakpoint 1, ").count(), 2, "{}", run.stdout);
    assert_eq!(served.stdout.matches("caught").count(), 2, "{}", served.stdout);
    let Some((run, _)) = gdb_on("sigusr", &[], &["break raise", "continue", "signal SIGUSR2"]) else { return };
    run.assert_contains("terminated with signal SIGUSR2");
}

#[test]
fn ctrl_c_in_gdb_breaks_into_the_running_debuggee() {
    if !Client::Gdb.available("ctrl_c_in_gdb") {
        return;
    }
    let program = debuggee("loop");
    let server = GdbServer::native(&[s(&program)]);
    let gdb = Client::Gdb.start(server.port, &[&file(&program)], &["continue", "print spins > 0", "kill"]);
    // Once the program runs, a Ctrl-C at gdb's terminal is an interrupt for the server.
    if server.server.wait_for(r"(?m)^ready$", default_timeout()).is_none() {
        panic!("loop never ran\n{}\n{}", server.server.dump(), gdb.dump());
    }
    std::thread::sleep(Duration::from_millis(200));
    gdb.signal(libc::SIGINT);
    let run = gdb.finish_within(default_timeout());
    run.assert_contains("received signal SIGINT");
    run.assert_contains("$1 = 1");
    server.finish();
}

#[test]
fn a_target_side_condition_runs_inside_the_debuggee() {
    // gdb takes its breakpoints out at each stop unless told to leave them in.
    let commands = [
        "set breakpoint always-inserted on",
        "break hit if i == 4321",
        "continue",
        "print i",
        "monitor bl",
        "delete",
        "continue",
    ];
    let Some((run, served)) = gdb_on("hot", &["1", "5000"], &commands) else { return };
    run.assert_contains("$1 = 4321");
    // The gdb client's breakpoint is in rdb's one table, its condition compiled into the debuggee (gdb prints
    // `monitor`'s text on its standard error).
    assert!(run.stderr.contains("Breakpoints of a gdb remote client:"), "{}", run.dump());
    assert!(regex::Regex::new(r"(?m)^ ?\d+ e .*\(in-process\)").unwrap().is_match(&run.stderr), "{}", run.dump());
    assert!(served.stdout.contains("calls=5000"), "{}", served.dump());
}

#[test]
fn monitor_runs_console_commands_but_not_run_control() {
    let commands = ["monitor lm", "monitor r rip", "monitor g", "monitor q", "monitor nosuchcommand", "kill"];
    let Some((run, _)) = gdb_on("watch", &[], &commands) else { return };
    // gdb prints `monitor`'s text on its standard error.
    let said = |re: &str| assert!(regex::Regex::new(re).unwrap().is_match(&run.stderr), "/{re}/\n{}", run.dump());
    said(r"(?m)^[0-9a-f`]+ [0-9a-f`]+ +libc +\(.*\) +/.*libc\.so\.6$");
    said(r"(?m)^rip=[0-9a-f]{16}$");
    said("monitor: 'g' would let the debuggee run");
    said("monitor: use the client's own kill or detach");
    said("nosuchcommand");
}

#[test]
fn gdb_detaching_leaves_the_process_running_untouched() {
    if !Client::Gdb.available("gdb_detaching") {
        return;
    }
    let debuggee = spawn_debuggee("loop", &[]);
    let pid = debuggee.pid;
    let server = GdbServer::native(&["-p", &pid.to_string()]);
    let run = Client::Gdb.run(server.port, &[&file(&debuggee.exe)], &["break spin_once", "continue", "bt 1", "detach"]);
    run.assert_matches(r"Breakpoint 1, .*spin_once");
    run.assert_matches(r"\[Inferior 1 \(process \d+\) detached\]");
    let served = server.finish();
    assert!(served.stderr.contains("Detached"), "{}", served.dump());
    assert!(wait_until(Duration::from_secs(5), || tracer_pid(pid) == Some(0)), "still traced");
    assert!(!process_gone(pid), "the detached process died");
    assert_text_clean(pid, &debuggee.exe);
}

#[test]
fn a_client_that_vanishes_kills_a_launched_debuggee_and_detaches_an_attached_one() {
    if !Client::Gdb.available("a_client_that_vanishes") {
        return;
    }
    // Launched: gdb is killed mid-session, while the debuggee runs.
    let program = debuggee("loop");
    let server = GdbServer::native(&[s(&program)]);
    let stderr = server.server.stderr();
    let debuggee_pid: u32 = stderr
        .lines()
        .find_map(|l| l.split("pid = ").nth(1))
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| panic!("the server names the process it created: {stderr}"));
    let gdb = Client::Gdb.start(server.port, &[&file(&program)], &["continue"]);
    if server.server.wait_for(r"(?m)^ready$", default_timeout()).is_none() {
        panic!("loop never ran\n{}", server.server.dump());
    }
    gdb.signal(libc::SIGKILL);
    drop(gdb);
    let served = server.finish();
    assert!(served.stderr.contains("The client went away"), "{}", served.dump());
    assert!(wait_until(Duration::from_secs(5), || process_gone(debuggee_pid)), "the launched debuggee lives on");

    // Attached: the socket is closed under the server while the debuggee is stopped.
    let attached = spawn_debuggee("loop", &[]);
    let server = GdbServer::native(&["-p", &attached.pid.to_string()]);
    let mut raw = TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
    raw.write_all(b"$?#3f").expect("send");
    let mut reply = [0u8; 64];
    let _ = raw.read(&mut reply);
    drop(raw);
    server.finish();
    assert!(wait_until(Duration::from_secs(5), || tracer_pid(attached.pid) == Some(0)), "still traced");
    assert!(!process_gone(attached.pid), "the attached process died");
    assert_text_clean(attached.pid, &attached.exe);
}

#[test]
fn malformed_packets_get_error_replies_and_the_session_goes_on() {
    let program = debuggee("watch");
    let server = GdbServer::native(&[s(&program)]);
    let mut raw = TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
    raw.set_read_timeout(Some(default_timeout())).expect("timeout");
    let packets: [&[u8]; 12] = [
        b"$m#6d",
        b"$mzz,4#00",
        b"$Z0,ffffffffffffffff,1;X1,zz#00",
        b"$Z0,10,1;X3,22#00",
        b"$Z9,10,1#00",
        b"$p9999#00",
        b"$P10=zz#00",
        b"$G00#00",
        b"$qXfer:features:read:nosuch.xml:0,10#00",
        b"$vCont;q#00",
        b"$H\xff\xff#00",
        b"$qRcmd,zz#00",
    ];
    for p in packets {
        // Checksums are not checked once the client asks for no acks; here acks are on, so a bad one gets `-`.
        let body = &p[1..p.len() - 3];
        let sum = body.iter().fold(0u8, |s, b| s.wrapping_add(*b));
        let mut framed = vec![b'$'];
        framed.extend_from_slice(body);
        framed.extend_from_slice(format!("#{sum:02x}").as_bytes());
        raw.write_all(&framed).expect("send");
    }
    raw.write_all(b"$?#3f").expect("send");
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    // A reply to each (gdbstub's error, or rdb's for a packet gdbstub could not parse), and the session still
    // answers.
    while !String::from_utf8_lossy(&got).contains("T11thread") {
        let n = raw.read(&mut buf).expect("the server answers");
        assert!(n > 0, "the server closed the connection: {}", server.server.dump());
        got.extend_from_slice(&buf[..n]);
    }
    let replies = String::from_utf8_lossy(&got).matches('$').count();
    assert_eq!(replies, packets.len() + 1, "{}", String::from_utf8_lossy(&got));
    drop(raw);
    // `finish` fails the test on a panic.
    server.finish();
}

#[test]
fn extended_remote_runs_the_program_again() {
    if !Client::GdbExtended.available("extended_remote") {
        return;
    }
    let program = debuggee("watch");
    let server = GdbServer::native(&[s(&program)]);
    let exec_file = format!("set remote exec-file {}", s(&program));
    let commands = ["break peek", "continue", "kill", &exec_file, "run", "print counter", "kill", "disconnect"];
    let run = Client::GdbExtended.run(server.port, &[&file(&program)], &commands);
    assert_eq!(run.stdout.matches("Breakpoint 1, peek ()").count(), 2, "{}", run.dump());
    run.assert_contains("$1 = 5");
    server.finish();
}

#[test]
fn gdb_through_rdb_answers_as_gdb_through_gdbserver() {
    if !Client::Gdb.available("gdb_through_rdb") || rdb_testkit::paths::on_path("gdbserver").is_none() {
        return;
    }
    let program = debuggee("threads");
    let script = [
        "break work_item if n == 1 && id == 2",
        "continue",
        "bt",
        "info args",
        "print id * 10 + n",
        "x/2i $pc",
        "info registers rip",
        "finish",
        "info sharedlibrary",
        "kill",
    ];
    let answers = |server: GdbServer| {
        let run = Client::Gdb.run(server.port, &[&file(&program)], &script);
        server.finish();
        normalize(&run.stdout)
    };
    let ours = answers(GdbServer::native(&[s(&program)]));
    let theirs = answers(GdbServer::debian(&[s(&program)]));
    assert_eq!(ours, theirs, "rdb:\n{ours}\ngdbserver:\n{theirs}");
}

/// gdb's answers without what differs between two runs of the same program (thread ids) or between servers by
/// design: gdbserver serves files (`target:` paths) and starts at the loader's entry, so gdb learns of the
/// libraries in another order.
fn normalize(output: &str) -> String {
    let tids = regex::Regex::new(r"Thread [0-9.]+|LWP \d+|process \d+").expect("regex");
    let mut answers: Vec<String> = output
        .lines()
        .filter(|l| {
            l.starts_with('#') || l.starts_with('$') || l.starts_with("=>") || l.starts_with("rip") || l.contains(" = ")
        })
        .filter(|l| !l.contains("_start"))
        .map(|l| tids.replace_all(l, "<id>").into_owned())
        .collect();
    let mut libraries: Vec<String> = output
        .lines()
        .filter(|l| (l.ends_with(".so.6") || l.ends_with(".so.2")) && !l.contains("_start"))
        .map(|l| l.replace("target:", ""))
        .collect();
    libraries.sort();
    answers.extend(libraries);
    answers.join("\n")
}

#[test]
fn lldb_stops_at_a_breakpoint_and_reads_variables_and_registers() {
    if !Client::Lldb.available("lldb_stops_at_a_breakpoint") {
        return;
    }
    let program = debuggee("threads");
    let server = GdbServer::native(&[s(&program)]);
    let commands = [
        // Not `id`: lldb's expressions take it as Objective-C's type.
        "breakpoint set -n work_item -c 'n == 2'",
        "continue",
        "frame variable",
        "bt",
        "register read rip",
        "expression total = 1000",
        "breakpoint delete 1",
        "continue",
    ];
    let run = Client::Lldb.run(server.port, &[&format!("target create {}", s(&program))], &commands);
    run.assert_contains("stop reason = signal SIGSTOP");
    run.assert_contains("stop reason = breakpoint 1.1");
    run.assert_contains("(int) n = 2");
    run.assert_matches(r"frame #1: 0x[0-9a-f]+ threads`worker\(id=\d\)");
    run.assert_matches(r"rip = 0x[0-9a-f]+ +threads`work_item");
    run.assert_matches(r"exited with status = 0");
    let served = server.finish();
    // The threads added on to the 1000 lldb wrote.
    let total: u32 = served.stdout.trim().strip_prefix("total=").and_then(|t| t.parse().ok()).unwrap_or(0);
    assert!(total > 1000 && total < 1030, "{}", served.dump());
}

#[test]
fn lldb_watches_and_steps() {
    if !Client::Lldb.available("lldb_watches_and_steps") {
        return;
    }
    let program = debuggee("watch");
    let server = GdbServer::native(&[s(&program)]);
    let commands = [
        "breakpoint set -n main",
        "continue",
        "watchpoint set variable counter",
        "continue",
        "thread step-inst",
        "process kill",
    ];
    let run = Client::Lldb.run(server.port, &[&format!("target create {}", s(&program))], &commands);
    run.assert_contains("Watchpoint created");
    run.assert_matches(r"stop reason = watchpoint 1");
    run.assert_contains("stop reason = instruction step into");
    server.finish();
}

#[test]
fn the_address_is_checked_and_one_reachable_from_other_machines_is_warned_about() {
    let program = debuggee("watch");
    let run = std::process::Command::new(rdb_bin()).args(["--gdbserver", "nohost", s(&program)]).output().expect("rdb");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.trim(), "rdb: 'nohost' is no HOST:PORT to listen on (the port is a number)");

    let server = GdbServer::start(std::process::Command::new(rdb_bin()), &["--gdbserver", "0.0.0.0:0", s(&program)]);
    let stderr = server.server.stderr();
    assert!(stderr.contains("rdb: warning: listening on 0.0.0.0, reachable from other machines"), "{stderr}");
}

#[test]
fn gdb_writes_the_sse_registers_and_the_program_sees_them() {
    let Some((run, _)) = gdb_on(
        "watch",
        &[],
        &[
            "break bump",
            "continue",
            "set var $xmm5.v4_int32[2] = 0x12345678",
            "set var $mxcsr = 0x1f81",
            // Read back from the debuggee, not from gdb's cache.
            "maint flush register-cache",
            "print/x $xmm5.v4_int32[2]",
            "print/x $mxcsr",
            "kill",
        ],
    ) else {
        return;
    };
    run.assert_contains("$1 = 0x12345678");
    run.assert_contains("$2 = 0x1f81");
}

#[test]
fn gdb_read_and_access_watchpoints() {
    let commands =
        ["break peek", "continue", "rwatch counter", "awatch seen", "continue", "continue", "continue", "kill"];
    let Some((run, _)) = gdb_on("watch", &[], &commands) else { return };
    run.assert_matches(r"(?m)^Hardware read watchpoint 2: counter\n\nValue = 5\n");
    run.assert_matches(r"(?m)^Hardware access \(read/write\) watchpoint 3: seen\n\nOld value = 0\nNew value = 5\n");
    run.assert_matches(r"(?m)^Hardware access \(read/write\) watchpoint 3: seen\n\nValue = 5\n");
}

#[test]
fn sigterm_to_the_server_leaves_an_attached_debuggee_as_it_was() {
    // Before any client.
    let debuggee = spawn_debuggee("loop", &[]);
    let server = GdbServer::native(&["-p", &debuggee.pid.to_string()]);
    server.server.signal(libc::SIGTERM);
    let served = server.finish();
    assert!(served.stderr.contains("rdb was told to end"), "{}", served.dump());
    assert!(wait_until(Duration::from_secs(5), || tracer_pid(debuggee.pid) == Some(0)), "still traced");
    assert_text_clean(debuggee.pid, &debuggee.exe);

    // With gdb's breakpoint in its code, mid-session.
    if !Client::Gdb.available("sigterm_to_the_server") {
        return;
    }
    let server = GdbServer::native(&["-p", &debuggee.pid.to_string()]);
    // A condition never true: the debuggee runs on with the breakpoint in its code (compiled in).
    let commands = ["break spin_once if spins == 0", "continue"];
    let gdb = Client::Gdb.start(server.port, &[&file(&debuggee.exe)], &commands);
    if server.server.wait_for_stderr(r"Remote debugging from", default_timeout()).is_none() {
        panic!("gdb never connected\n{}", gdb.dump());
    }
    std::thread::sleep(Duration::from_millis(700));
    server.server.signal(libc::SIGTERM);
    let served = server.finish();
    assert!(served.stderr.contains("rdb was told to end"), "{}", served.dump());
    gdb.finish_within(default_timeout());
    assert!(wait_until(Duration::from_secs(5), || tracer_pid(debuggee.pid) == Some(0)), "still traced");
    assert!(!process_gone(debuggee.pid), "the attached process died");
    assert_text_clean(debuggee.pid, &debuggee.exe);
}

#[test]
fn lldb_hardware_breakpoint_step_out_register_write_signals_interrupt_and_detach() {
    if !Client::Lldb.available("lldb_hardware_breakpoint") {
        return;
    }
    let target = |name: &str| format!("target create {}", s(&debuggee(name)));
    // A hardware breakpoint, a step out of peek, its return value changed in rax, then detach: the program runs on
    // with what lldb wrote.
    let server = GdbServer::native(&[s(&debuggee("watch"))]);
    let commands = [
        "breakpoint set -H -n peek",
        "continue",
        "thread step-out",
        "register write rax 0x1234",
        "register read rax",
        "process detach",
    ];
    let run = Client::Lldb.run(server.port, &[&target("watch")], &commands);
    run.assert_matches(r"stop reason = breakpoint 1\.1\n +frame #0: 0x[0-9a-f]+ watch`peek");
    run.assert_matches(r"stop reason = step out");
    run.assert_matches(r"(?m)^ +rax = 0x0000000000001234$");
    run.assert_matches(r"(?m)^Process \d+ detached$");
    let served = server.finish();
    assert!(served.stdout.contains("counter=5 seen=4660"), "{}", served.dump());

    // A signal passed on without a stop, as lldb's `process handle` says.
    let server = GdbServer::native(&[s(&debuggee("sigusr"))]);
    let run = Client::Lldb.run(
        server.port,
        &[&target("sigusr")],
        &["process handle SIGUSR1 -s false -p true -n false", "continue"],
    );
    run.assert_matches(r"exited with status = 0");
    assert!(server.finish().stdout.contains("caught\nafter raise"));

    // An interrupt while the program runs (lldb's batch mode passes no SIGINT on: its own `process interrupt`
    // sends the same `\x03`), then kill.
    let server = GdbServer::native(&[s(&debuggee("loop"))]);
    let commands = [
        "script lldb.debugger.SetAsync(True)",
        "process continue",
        "script import time; time.sleep(1)",
        "process interrupt",
        "script time.sleep(0.5)",
        "script lldb.debugger.SetAsync(False)",
        "expr spins > 0",
        "process kill",
    ];
    let run = Client::Lldb.run(server.port, &[&target("loop")], &commands);
    run.assert_matches(r"stop reason = signal SIGINT");
    run.assert_matches(r"(?m)^\(bool\) \$0 = true$");
    server.finish();
}
