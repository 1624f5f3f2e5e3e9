//! rdb on a terminal (a pseudo-terminal from the kit, `rdb_on_terminal`), as a user runs it: the program it
//! launches shares the terminal, reading what is typed while it runs, while rdb prompts and reads at each stop; a
//! Ctrl-C typed while the program has the terminal breaks in as at rdb's own prompt; a line the terminal gives that
//! is not UTF-8 is one error line.

use std::time::Duration;

use rdb_testkit::prelude::*;

const PROMPT: &str = "0:000> ";

#[test]
fn a_debuggee_reads_the_terminal_while_rdb_prompts_at_its_stops() {
    let echoes = debuggee("echoes");
    let mut rdb = rdb_on_terminal(&["-c", "bp echoes!heard", s(&echoes)]);
    rdb.expect_count(PROMPT, 1);
    rdb.send_bytes(b"g\r");
    rdb.expect("say something");
    // Read by the program, which stops in heard(): rdb prompts again and reads the next command itself.
    rdb.send_bytes(b"hello\r");
    rdb.expect(r"Breakpoint 0 hit");
    rdb.expect_count(PROMPT, 2);
    rdb.send_bytes(b"g\r");
    rdb.expect("heard: hello");
    // Ctrl-C while the program waits for a line: a break-in, never the program's SIGINT; its read goes on after.
    rdb.send_bytes(b"\x03");
    rdb.expect(r"Break instruction exception - code 80000003");
    rdb.expect_count(PROMPT, 3);
    rdb.send_bytes(b"g\r");
    // Typed once the program has the terminal again (nothing says when: give it time to be back in its read).
    std::thread::sleep(Duration::from_secs(1));
    rdb.send_bytes(b"world\r");
    rdb.expect_count(r"Breakpoint 0 hit", 2);
    rdb.expect_count(PROMPT, 4);
    rdb.send_bytes(b"g\r");
    rdb.expect("heard: world");
    // Ctrl-D on the program's terminal is its end of input: it counts its lines and exits with their number.
    rdb.send_bytes(b"\x04");
    // (The screen ends its lines with \r\n, which the kit's anchored shapes do not take.)
    rdb.expect(r"\): Exit process [0-9a-f]+, code 0*2\r\n");
    rdb.expect("lines: 2");
    rdb.expect_count(PROMPT, 5);
    rdb.send_bytes(b"q\r");
    let run = rdb.finish_within(default_timeout());
    run.assert_sane();
    run.assert_not_contains("read failed");
    run.assert_not_contains("Signal SIGINT");
    run.assert_success();
}

#[test]
fn a_typed_line_that_is_not_utf8_is_one_error_and_the_session_goes_on() {
    let hello = debuggee("hello");
    let mut rdb = rdb_on_terminal(&[s(&hello)]);
    rdb.expect_count(PROMPT, 1);
    rdb.send_bytes(b".echo caf\xe9 rest\r");
    rdb.expect(r"\^ The line is not valid UTF-8 text: nothing of it ran");
    rdb.expect_count(PROMPT, 2);
    rdb.send_bytes(b".echo still here\r");
    rdb.expect("\nstill here");
    rdb.expect_count(PROMPT, 3);
    rdb.send_bytes(b"q\r");
    let run = rdb.finish_within(default_timeout());
    run.assert_sane();
    // The rest of the bad line was dropped with it, not run as a line of its own.
    run.assert_not_contains("Unknown command");
    run.assert_contains("quit:");
}

#[test]
fn tty_puts_the_debuggee_on_another_terminal() {
    let echoes = debuggee("echoes");
    let mut pty = Pty::open();
    // Typed before the program runs: it waits in the terminal. Ctrl-D ends the program's input.
    pty.send(b"typed there\n\x04");
    let run = rdb(&["--tty", s(&pty.path), "-c", "bp echoes!heard; g; k 1; g; g", s(&echoes)], "q\n");
    run.assert_matches(&bp_hit_re(0, "echoes!heard"));
    run.assert_matches(&exit_code_re(1));
    pty.expect("heard: typed there\r\n");
    pty.expect("lines: 1\r\n");
    run.assert_not_contains("heard: typed");
    pty.expect("say something\r\n");
}
