//! WinDbg's scripting commands on both backends, with `hello` (tick(0..4), globals `message` = "Hello, rdb!" and
//! `wide_message` = u"Wide rdb"): `.printf` and its conversions, the loops `.while`, `.do`, `.for`, `.foreach` with
//! `.break` and `.continue` (bounded, a body that runs the debuggee), the user pseudo-registers `$t0`..`$t19`,
//! `.lastevent`, `~*e`, and the path commands `.sympath`, `.exepath`, `.srcpath`.

use rdb_testkit::prelude::*;

on_both_backends!(
    printf_writes_windbg_conversions,
    loops_run_their_bodies_with_break_and_continue,
    a_loop_that_never_ends_is_stopped_and_the_session_goes_on,
    a_loop_body_can_run_the_debuggee,
    lastevent_names_the_last_stop,
    tilde_e_runs_a_command_on_each_thread_without_headers,
    path_commands_set_add_and_show,
);

/// hello stopped at main, then `commands`, then `q`.
fn at_main(b: Backend, commands: &str) -> RdbRun {
    b.launch("hello", &format!("g hello!main\n{commands}\nq\n"))
}

/// The non-empty lines of a section.
fn lines(run: &RdbRun, name: &str) -> Vec<String> {
    run.section(name).text.lines().map(str::trim_end).filter(|l| !l.is_empty()).map(str::to_string).collect()
}

fn printf_writes_windbg_conversions(b: Backend) {
    let commands = format!(
        "{}\n{}\n{}\n? hello!main\n{}\n",
        mark("printf"),
        [
            r#".printf "d=%d u=%u x=%x X=%X I64x=%I64x neg=%d\n", 0n42, 0n42, 0xff, 0xff, 0x123456789, -1"#,
            r#".printf "[%5d][%-5d][%05x][%#x]\n", 7, 7, 0x1f, 0x1f"#,
            r#".printf "%ma and %mu\n", hello!message, hello!wide_message"#,
            r#".printf "p=%p\n", hello!main"#,
            r#".printf "y=%y\n", hello!main"#,
            r#".printf "one"; .printf " line\n""#,
            r#".printf "100%%\n""#,
            r#".printf "%d\n""#,
            r#".printf "%q\n", 1"#,
        ]
        .join("\n"),
        mark("main"),
        mark("end")
    );
    let run = at_main(b, &commands);
    let out = lines(&run, "printf");
    let main = run.section("main").evaluation();
    assert_eq!(
        out,
        [
            "d=42 u=42 x=ff X=FF I64x=123456789 neg=-1".to_string(),
            "[    7][7    ][0001f][0x1f]".to_string(),
            "Hello, rdb! and Wide rdb".to_string(),
            format!("p={main:016x}"),
            format!("y=hello!main ({})", addr64_text(main)),
            "one line".to_string(),
            "100%".to_string(),
            r#"^ Too few arguments for '%d' in the .printf format in '.printf "%d\n"'"#.to_string(),
            r#"^ Unknown .printf conversion '%q' in '.printf "%q\n", 1'"#.to_string(),
        ],
        "{}",
        run.dump()
    );
}

/// An address as WinDbg writes a 64-bit one: `00005555`55555149`.
fn addr64_text(a: u64) -> String {
    format!("{:08x}`{:08x}", a >> 32, a & 0xffff_ffff)
}

fn loops_run_their_bodies_with_break_and_continue(b: Backend) {
    let commands = format!(
        "{}\n{}\n{}\n",
        mark("loops"),
        [
            "r $t0 = 0",
            r#".while (@$t0 < 3) { r $t0 = @$t0 + 1; .printf "while %d\n", @$t0 }"#,
            r#".for (r $t1 = 0; @$t1 < 6; r $t1 = @$t1 + 1) { .if (@$t1 == 1) { .continue }; .if (@$t1 == 4) { .break }; .printf "for %d\n", @$t1 }"#,
            ".do { .echo do once } (0)",
            r#".foreach /s (word "alpha beta gamma") { .echo w=word }"#,
            r#".foreach /pS 1 /ps 1 /s (word "a b c d e") { .echo word }"#,
            ".foreach (name {lm 1m m hello}) { .echo module name }",
            ".for (r $t2 = 0; @$t2 < 2; r $t2 = @$t2 + 1) { .for (r $t3 = 0; @$t3 < 2; r $t3 = @$t3 + 1) { .if (@$t3 == 1) { .break }; .printf \"%d%d\\n\", @$t2, @$t3 } }",
            "r $t0",
            ".break",
            ".for (1) {}",
        ]
        .join("\n"),
        mark("end")
    );
    let run = at_main(b, &commands);
    assert_eq!(
        lines(&run, "loops"),
        [
            "while 1",
            "while 2",
            "while 3",
            "for 0",
            "for 2",
            "for 3",
            "do once",
            "w=alpha",
            "w=beta",
            "w=gamma",
            "b",
            "d",
            "module hello",
            "00",
            "10",
            "$t0=0000000000000003",
            "^ .break and .continue belong in the body of .for, .while, .do or .foreach in '.break'",
            "^ Syntax error: .for takes (initial commands; condition; step commands) in '.for (1) {}'",
        ],
        "{}",
        run.dump()
    );
}

fn a_loop_that_never_ends_is_stopped_and_the_session_goes_on(b: Backend) {
    let run = at_main(b, &format!("{}\n.while (1) {{}}\n.echo after\n{}", mark("loop"), mark("end")));
    assert_eq!(
        lines(&run, "loop"),
        [
            "^ Loop stopped after 0x10000 rounds (rdb's bound on one loop; .break leaves one early) in '.while (1) {}'",
            "after"
        ],
        "{}",
        run.dump()
    );
}

/// A round that runs the debuggee: `g` in a `.for` body stops at the breakpoint each time, and the loop goes on
/// after each stop.
fn a_loop_body_can_run_the_debuggee(b: Backend) {
    let stdin = format!(
        "bp hello!tick\n{}\n.for (r $t0 = 0; @$t0 < 3; r $t0 = @$t0 + 1) {{ g; .printf \"arg %d\\n\", @{} }}\n{}\nq\n",
        mark("loop"),
        b.arg(0),
        mark("end")
    );
    let run = b.launch("hello", &stdin);
    let section = run.section("loop");
    section.assert_count(r"(?m)^Breakpoint 0 hit$", 3);
    let args: Vec<&str> = section.text.lines().filter(|l| l.starts_with("arg ")).collect();
    assert_eq!(args, ["arg 0", "arg 1", "arg 2"], "{}", run.dump());
}

fn lastevent_names_the_last_stop(b: Backend) {
    let stdin = format!("bp hello!add\ng\n{}\n.lastevent\n{}\n~\n{}\nq\n", mark("last"), mark("threads"), mark("end"));
    let run = b.launch("hello", &stdin);
    let last = run.section("last");
    let event = last.assert_matches(r"(?m)^Last event: ([0-9a-f]+)\.([0-9a-f]+): Hit breakpoint 0$");
    last.assert_matches(r"(?m)^  debugger time: \w{3} \d\d \d\d:\d\d:\d\d\.\d{3} \d{4} \(UTC\)$");
    let ids = run.section("threads").assert_matches(r"(?m)^[.#] +\d+  Id: ([0-9a-f]+)\.([0-9a-f]+) ");
    assert_eq!((&event[1], &event[2]), (&ids[1], &ids[2]), "the event's process and thread\n{}", run.dump());
}

fn tilde_e_runs_a_command_on_each_thread_without_headers(b: Backend) {
    let run = at_main(
        b,
        &format!("{}\n~*e r rip\n{}\n~*r rip\n{}\n~*e\n{}", mark("e"), mark("plain"), mark("bare"), mark("end")),
    );
    let e = run.section("e");
    e.assert_matches(r"(?m)^rip=[0-9a-f]{16}$");
    e.assert_not_contains("Id:");
    run.section("plain").assert_matches(r"(?m)^[.#] +\d+  Id: ");
    run.section("bare").assert_matches(r"(?m)^\^ Syntax error: ~\*e takes a command: ~\*e r rip in '~\*e'$");
}

fn path_commands_set_add_and_show(b: Backend) {
    let commands = format!(
        "{}\n.sympath\n.sympath /syms/a;/syms/b\n.sympath+ /syms/c\n.exepath /images\n.exepath+ /more\n.srcpath /src;/src2\n{}",
        mark("paths"),
        mark("end")
    );
    let run = at_main(b, &commands);
    let out = lines(&run, "paths");
    assert_eq!(
        out,
        [
            "Symbol search path is: <empty>",
            "Symbol search path is: /syms/a;/syms/b",
            "Symbol search path is: /syms/a;/syms/b;/syms/c",
            "Executable image search path is: /images",
            "Executable image search path is: /images;/more",
            "Source search path is: /src;/src2",
        ],
        "{}",
        run.dump()
    );
}
