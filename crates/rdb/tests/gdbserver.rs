//! `rdb --gdbserver` driven by real gdb and lldb on Linux: breakpoints of every kind, stepping, registers and
//! memory, threads, libraries, signals, Ctrl-C, monitor commands, target-side conditions, and the session's ends
//! (exit, kill, detach, the client going away), each with the debuggee checked afterwards. Where gdb with Debian's
//! gdbserver is the oracle, the same script runs against both and the answers are compared.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use rdb_testkit::gdbserver::{ClientRun, Server, gdb, gdb_as, gdb_command, have, lldb, run_client};
use rdb_testkit::prelude::*;

/// gdb driving rdb's server on debuggee `name` (with `args`) through `commands`, to the server's end. `None` (the
/// test passes, saying why) where gdb is not installed.
fn gdb_on(name: &str, args: &[&str], commands: &[&str]) -> Option<(ClientRun, Server)> {
    if !ready("gdb") {
        return None;
    }
    let program = debuggee(name);
    let mut argv = vec![s(&program)];
    argv.extend_from_slice(args);
    let mut server = Server::rdb(&argv);
    let run = gdb(server.port, Some(&program), commands);
    server.wait();
    Some((run, server))
}

fn ready(client: &str) -> bool {
    if have(client) {
        return true;
    }
    eprintln!("skipped: {client} is not installed (scripts/setup.sh installs it)");
    false
}

#[test]
fn gdb_stops_at_a_breakpoint_reads_arguments_and_sees_the_exit_code() {
    let Some((run, mut server)) = gdb_on(
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
    assert!(server.wait().success(), "{}", server.stderr());
    assert!(server.stdout().contains("counter=5 seen=5"), "{}", server.stdout());
    assert!(server.stderr().contains("The debuggee exited"), "{}", server.stderr());
}

#[test]
fn gdb_watchpoints_hardware_breakpoints_and_memory_writes() {
    let Some((run, server)) = gdb_on(
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
    assert!(server.stdout().contains("counter=40 seen=40"), "{}", server.stdout());
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
    if !ready("gdb") {
        return;
    }
    let program = debuggee("watch");
    let mut server = Server::rdb(&[s(&program)]);
    let run = gdb(server.port, None, &["break bump", "continue", "info frame", "kill"]);
    run.assert_matches(r"Reading symbols from .*watch");
    run.assert_matches(r"Breakpoint 1, bump \(\)");
    server.wait();
}

#[test]
fn gdb_sees_every_thread_and_each_stop_names_its_thread() {
    let Some((run, server)) = gdb_on(
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
    assert!(run.output.matches(" Thread ").count() >= 5, "{}", run.output);
    run.assert_contains("$1 = 2");
    run.assert_contains("exited normally");
    assert!(server.stdout().contains("total=30"), "{}", server.stdout());
}

#[test]
fn gdb_passes_or_swallows_a_signal_as_its_handle_table_says() {
    let Some((run, server)) = gdb_on("sigusr", &[], &["continue", "continue"]) else { return };
    run.assert_contains("received signal SIGUSR1");
    assert!(server.stdout().contains("caught\nafter raise"), "{}", server.stdout());

    let Some((run, server)) = gdb_on("sigusr", &[], &["handle SIGUSR1 nostop noprint nopass", "continue"]) else {
        return;
    };
    run.assert_not_contains("received signal");
    assert!(!server.stdout().contains("caught"), "{}", server.stdout());
    assert!(server.stdout().contains("after raise"), "{}", server.stdout());

    let Some((run, server)) = gdb_on("sigusr", &[], &["continue", "signal 0"]) else { return };
    run.assert_contains("exited normally");
    assert!(!server.stdout().contains("caught"), "{}", server.stdout());

    // `signal` with another signal than the stop's, at a breakpoint: the thread gets that one as it runs on (its
    // handler returns to the breakpoint, hit again), then raise's own.
    let commands = ["break raise", "continue", "signal SIGUSR1", "delete", "continue", "continue"];
    let Some((run, server)) = gdb_on("sigusr", &[], &commands) else { return };
    assert_eq!(run.output.matches("Breakpoint 1, ").count(), 2, "{}", run.output);
    assert_eq!(server.stdout().matches("caught").count(), 2, "{}", server.stdout());
    let Some((run, _)) = gdb_on("sigusr", &[], &["break raise", "continue", "signal SIGUSR2"]) else { return };
    run.assert_contains("terminated with signal SIGUSR2");
}

#[test]
fn ctrl_c_in_gdb_breaks_into_the_running_debuggee() {
    if !ready("gdb") {
        return;
    }
    let program = debuggee("loop");
    let mut server = Server::rdb(&[s(&program)]);
    let mut cmd =
        gdb_command("gdb", "target remote", server.port, Some(&program), &["continue", "print spins > 0", "kill"]);
    let run = run_client(&mut cmd, Some(("in _start ()", Duration::from_millis(700))));
    run.assert_contains("received signal SIGINT");
    run.assert_contains("$1 = 1");
    server.wait();
}

#[test]
fn a_target_side_condition_runs_inside_the_debuggee() {
    if !ready("gdb") {
        return;
    }
    let program = debuggee("hot");
    let mut server = Server::rdb(&[s(&program), "1", "5000"]);
    let run = gdb(
        server.port,
        Some(&program),
        // gdb takes its breakpoints out at each stop unless told to leave them in.
        &[
            "set breakpoint always-inserted on",
            "break hit if i == 4321",
            "continue",
            "print i",
            "monitor bl",
            "delete",
            "continue",
        ],
    );
    run.assert_contains("$1 = 4321");
    // The gdb client's breakpoint is in rdb's one table, its condition compiled into the debuggee.
    run.assert_matches(r"(?m)^ ?\d+ e .*\(in-process\)");
    server.wait();
    assert!(server.stdout().contains("calls=5000"), "{}", server.stdout());
}

#[test]
fn monitor_runs_console_commands_but_not_run_control() {
    let Some((run, _)) = gdb_on(
        "watch",
        &[],
        &["monitor lm", "monitor r rip", "monitor g", "monitor q", "monitor nosuchcommand", "kill"],
    ) else {
        return;
    };
    run.assert_matches(r"libc +\(.*\) +/.*libc\.so\.6");
    run.assert_matches(r"rip=[0-9a-f]{16}");
    run.assert_contains("monitor: 'g' would let the debuggee run");
    run.assert_contains("monitor: use the client's own kill or detach");
    run.assert_contains("nosuchcommand");
}

#[test]
fn gdb_detaching_leaves_the_process_running_untouched() {
    if !ready("gdb") {
        return;
    }
    let debuggee = spawn_debuggee("loop", &[]);
    let pid = debuggee.pid;
    let mut server = Server::rdb(&["-p", &pid.to_string()]);
    let run = gdb(server.port, Some(&debuggee.exe), &["break spin_once", "continue", "bt 1", "detach"]);
    run.assert_matches(r"Breakpoint 1, .*spin_once");
    run.assert_matches(r"\[Inferior 1 \(process \d+\) detached\]");
    server.wait();
    assert!(server.stderr().contains("Detached"), "{}", server.stderr());
    assert!(wait_until(Duration::from_secs(5), || tracer_pid(pid) == Some(0)), "still traced");
    assert!(!process_gone(pid), "the detached process died");
    assert_text_clean(pid, &debuggee.exe);
}

#[test]
fn a_client_that_vanishes_kills_a_launched_debuggee_and_detaches_an_attached_one() {
    if !ready("gdb") {
        return;
    }
    // Launched: gdb is killed mid-session, while the debuggee runs.
    let program = debuggee("loop");
    let mut server = Server::rdb(&[s(&program)]);
    let debuggee_pid: u32 = server
        .stderr()
        .lines()
        .find_map(|l| l.split("pid = ").nth(1))
        .and_then(|p| p.trim().parse().ok())
        .expect("the server names the process it created");
    let mut cmd = gdb_command("gdb", "target remote", server.port, Some(&program), &["continue"]);
    let mut client = cmd.spawn().expect("gdb");
    std::thread::sleep(Duration::from_millis(1500));
    client.kill().expect("kill gdb");
    let _ = client.wait();
    server.wait();
    assert!(server.stderr().contains("The client went away"), "{}", server.stderr());
    assert!(wait_until(Duration::from_secs(5), || process_gone(debuggee_pid)), "the launched debuggee lives on");

    // Attached: the socket is closed under the server while the debuggee is stopped.
    let attached = spawn_debuggee("loop", &[]);
    let mut server = Server::rdb(&["-p", &attached.pid.to_string()]);
    let mut raw = TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
    raw.write_all(b"$?#3f").expect("send");
    let mut reply = [0u8; 64];
    let _ = raw.read(&mut reply);
    drop(raw);
    server.wait();
    assert!(wait_until(Duration::from_secs(5), || tracer_pid(attached.pid) == Some(0)), "still traced");
    assert!(!process_gone(attached.pid), "the attached process died");
}

#[test]
fn malformed_packets_get_error_replies_and_the_session_goes_on() {
    let program = debuggee("watch");
    let mut server = Server::rdb(&[s(&program)]);
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
        assert!(n > 0, "the server closed the connection: {}", server.stderr());
        got.extend_from_slice(&buf[..n]);
    }
    let replies = String::from_utf8_lossy(&got).matches('$').count();
    assert_eq!(replies, packets.len() + 1, "{}", String::from_utf8_lossy(&got));
    drop(raw);
    server.wait();
    assert!(!server.stderr().contains("panicked"), "{}", server.stderr());
}

#[test]
fn extended_remote_runs_the_program_again() {
    if !ready("gdb") {
        return;
    }
    let program = debuggee("watch");
    let mut server = Server::rdb(&[s(&program)]);
    let run = gdb_as(
        "gdb",
        "target extended-remote",
        server.port,
        Some(&program),
        &[
            "break peek",
            "continue",
            "kill",
            &format!("set remote exec-file {}", s(&program)),
            "run",
            "print counter",
            "kill",
            "disconnect",
        ],
    );
    assert_eq!(run.output.matches("Breakpoint 1, peek ()").count(), 2, "{}", run.output);
    run.assert_contains("$1 = 5");
    server.wait();
}

#[test]
fn gdb_through_rdb_answers_as_gdb_through_gdbserver() {
    if !ready("gdb") || !ready("gdbserver") {
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
    let answers = |mut server: Server| {
        let run = gdb(server.port, Some(&program), &script);
        server.wait();
        normalize(&run.output)
    };
    let ours = answers(Server::rdb(&[s(&program)]));
    let theirs = answers(Server::gdbserver(&[s(&program)]));
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
    if !ready("lldb-16") {
        return;
    }
    let program = debuggee("threads");
    let mut server = Server::rdb(&[s(&program)]);
    let run = lldb(
        server.port,
        Some(&program),
        &[
            // Not `id`: lldb's expressions take it as Objective-C's type.
            "breakpoint set -n work_item -c 'n == 2'",
            "continue",
            "frame variable",
            "bt",
            "register read rip",
            "expression total = 1000",
            "breakpoint delete 1",
            "continue",
        ],
    );
    run.assert_contains("stop reason = signal SIGSTOP");
    run.assert_contains("stop reason = breakpoint 1.1");
    run.assert_contains("(int) n = 2");
    run.assert_matches(r"frame #1: 0x[0-9a-f]+ threads`worker\(id=\d\)");
    run.assert_matches(r"rip = 0x[0-9a-f]+ +threads`work_item");
    run.assert_matches(r"exited with status = 0");
    server.wait();
    // The threads added on to the 1000 lldb wrote.
    let total: u32 = server.stdout().trim().strip_prefix("total=").and_then(|t| t.parse().ok()).unwrap_or(0);
    assert!(total > 1000 && total < 1030, "{}", server.stdout());
}

#[test]
fn lldb_watches_and_steps() {
    if !ready("lldb-16") {
        return;
    }
    let program = debuggee("watch");
    let mut server = Server::rdb(&[s(&program)]);
    let run = lldb(
        server.port,
        Some(&program),
        &[
            "breakpoint set -n main",
            "continue",
            "watchpoint set variable counter",
            "continue",
            "thread step-inst",
            "process kill",
        ],
    );
    run.assert_contains("Watchpoint created");
    run.assert_matches(r"stop reason = watchpoint 1");
    run.assert_contains("stop reason = instruction step into");
    server.wait();
}

#[test]
fn the_address_is_checked_and_one_reachable_from_other_machines_is_warned_about() {
    let program = debuggee("watch");
    let run = std::process::Command::new(rdb_bin()).args(["--gdbserver", "nohost", s(&program)]).output().expect("rdb");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.trim(), "rdb: 'nohost' is no HOST:PORT to listen on (the port is a number)");

    let mut cmd = std::process::Command::new(rdb_bin());
    cmd.args(["--gdbserver", "0.0.0.0:0", s(&program)]);
    let server = Server::start(cmd);
    assert!(
        server.stderr().contains("rdb: warning: listening on 0.0.0.0, reachable from other machines"),
        "{}",
        server.stderr()
    );
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
