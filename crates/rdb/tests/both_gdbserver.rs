//! `rdb --gdbserver` on both backends, each scenario written once: the native rdb on Linux, rdb.exe under Wine,
//! driven from this machine by gdb (`gdb-multiarch` for the Windows debuggee: `gdb_for`) and lldb-16, on `hello`
//! (main calls tick(0..4), then outer -> middle -> add(1, 2); exit code 3). The differences that are the OSes' own
//! (the argument registers, the client's set-up) come from the kit.

use rdb_testkit::gdbserver::{Client, GdbServer, gdb_for};
use rdb_testkit::prelude::*;

on_both_backends!(
    gdb_breaks_in_add_with_its_arguments_and_sees_the_exit_code,
    a_target_side_condition_is_compiled_into_the_debuggee,
    lldb_breaks_in_add_and_reads_the_argument_registers,
);

fn gdb_breaks_in_add_with_its_arguments_and_sees_the_exit_code(b: Backend) {
    let (gdb, setup) = gdb_for(b, &b.debuggee("hello"));
    if !gdb.available("gdb_breaks_in_add") {
        return;
    }
    let server = GdbServer::launch(b, "hello", &[]);
    let commands = ["break add", "continue", "print a + b", "bt", "finish", "delete", "continue"];
    let run = gdb.run(server.port, &setup.iter().map(String::as_str).collect::<Vec<_>>(), &commands);
    run.assert_matches(r"(?m)^Breakpoint 1, add \(a=1, b=2\) at .*hello\.c:\d+$");
    run.assert_matches(r"(?m)^\$1 = 3$");
    run.assert_matches(r"(?m)^#1 +0x[0-9a-f]+ in middle \(a=1, b=2\) at ");
    run.assert_matches(r"(?m)^#2 +0x[0-9a-f]+ in outer \(a=1, b=2\) at ");
    run.assert_matches(r"(?m)^Value returned is \$2 = 3$");
    run.assert_matches(r"(?m)^\[Inferior 1 \(process \d+\) exited with code 03\]$");
    let served = server.finish();
    served.assert_contains("add returned 3");
    assert!(served.stderr.contains("The debuggee exited"), "{}", served.dump());
}

fn a_target_side_condition_is_compiled_into_the_debuggee(b: Backend) {
    let (gdb, setup) = gdb_for(b, &b.debuggee("hello"));
    if !gdb.available("a_target_side_condition") {
        return;
    }
    let server = GdbServer::launch(b, "hello", &[]);
    // gdb takes its breakpoints out at each stop unless told to leave them in.
    let commands =
        ["set breakpoint always-inserted on", "break tick if i == 3", "continue", "print i", "monitor bl", "continue"];
    let run = gdb.run(server.port, &setup.iter().map(String::as_str).collect::<Vec<_>>(), &commands);
    run.assert_matches(r"(?m)^Breakpoint 1, tick \(i=3\) at ");
    run.assert_matches(r"(?m)^\$1 = 3$");
    // gdb prints `monitor`'s text on its standard error: the breakpoint is the gdb client's, in-process.
    let bl = regex::Regex::new(r"(?m)^ 0 e .*hello!tick.* \(in-process\) hits=1$").unwrap();
    assert!(bl.is_match(&run.stderr), "{}", run.dump());
    run.assert_matches(r"(?m)^\[Inferior 1 \(process \d+\) exited with code 03\]$");
    server.finish();
}

fn lldb_breaks_in_add_and_reads_the_argument_registers(b: Backend) {
    if !Client::Lldb.available("lldb_breaks_in_add") {
        return;
    }
    let server = GdbServer::launch(b, "hello", &[]);
    let setup = [format!("target create {}", s(&b.debuggee("hello")))];
    let read = format!("register read {} {}", b.arg(0), b.arg(1));
    let commands = ["breakpoint set -n add", "continue", &read, "bt", "breakpoint delete 1", "continue"];
    let run = Client::Lldb.run(server.port, &[&setup[0]], &commands);
    run.assert_matches(r"stop reason = breakpoint 1\.1\n +frame #0: 0x[0-9a-f]+ hello(\.exe)?`add");
    // lldb stops at add's first instruction on Windows (its symbols there are the PE's) and after its prologue on
    // Linux: either way the arguments are still in their registers.
    run.assert_matches(&format!(r"(?m)^ +{} = 0x0000000000000001$", b.arg(0)));
    run.assert_matches(&format!(r"(?m)^ +{} = 0x0000000000000002$", b.arg(1)));
    run.assert_matches(r"frame #1: 0x[0-9a-f]+ hello(\.exe)?`middle");
    run.assert_matches(r"(?m)^Process \d+ exited with status = 3 \(0x00000003\)$");
    server.finish();
}
