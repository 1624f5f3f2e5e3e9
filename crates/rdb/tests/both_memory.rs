//! Memory on both backends, with hello's globals (`message` = "Hello, rdb!", `counter` (int), `wide_value` =
//! 0x1122334455667788, `wide_message` = u"Wide rdb"): `db/dw/dd/dq/da/du` with `L`, `eb/ew/ed/eq/ea/eu`,
//! `s -a/-b/-d`, edits the program sees, and the stack and code through `dq @rsp` and `db @rip`.

use rdb_testkit::prelude::*;

on_both_backends!(
    dump_commands_show_the_globals,
    edit_commands_write_what_the_dumps_show,
    edits_reach_the_program,
    s_finds_patterns_at_their_addresses,
    dq_at_rsp_shows_the_return_address_and_db_at_rip_the_code,
    pointer_displays_follow_what_they_point_at,
    dc_and_dyb_show_characters_and_bits,
);

/// hello stopped at main, then `commands`, then `q`.
fn at_main(b: Backend, commands: &str) -> RdbRun {
    b.launch("hello", &format!("g hello!main\n{commands}\nq\n"))
}

fn dump_commands_show_the_globals(b: Backend) {
    let run = at_main(
        b,
        &format!(
            "{}\nda hello!message\n{}\n? hello!message\n{}\ndb hello!message Lc\n{}\ndb hello!message L0n4\n{}\ndb hello!message\n{}\ndw hello!message L2\n{}\ndd hello!message L2\n{}\ndq hello!wide_value L1\n{}\ndu hello!wide_message",
            mark("da"),
            mark("addr"),
            mark("db"),
            mark("db4"),
            mark("db-all"),
            mark("dw"),
            mark("dd"),
            mark("dq"),
            mark("du")
        ),
    );
    let da = run.section("da").assert_matches(&format!(r#"(?m)^({ADDR})  "Hello, rdb!"$"#));
    assert_eq!(addr(&da[1]), run.section("addr").evaluation(), "{}", run.dump());
    run.section("db").assert_matches(&format!(r"(?m)^{ADDR}  48 65 6c 6c 6f 2c 20 72-64 62 21 00 +Hello, rdb!\.$"));
    let db4 = run.section("db4");
    // Fewer than nine bytes: no dash, the missing bytes blank (WinDbg's dash is between the eighth and ninth).
    db4.assert_matches(&format!(r"(?m)^{ADDR}  48 65 6c 6c {{38}}Hell$"));
    db4.assert_count(&format!(r"(?m)^{ADDR}  "), 1);
    let all = run.section("db-all");
    all.assert_matches(&format!(r"(?m)^{ADDR}  48 65 6c 6c 6f 2c 20 72-64 62 21 00 [0-9a-f?]{{2}} [0-9a-f?]{{2}} [0-9a-f?]{{2}} [0-9a-f?]{{2}}  Hello, rdb!\."));
    assert!(all.count(&format!(r"(?m)^{ADDR}  ")) > 1, "db without L shows several lines\n{}", run.dump());
    run.section("dw").assert_matches(&format!(r"(?m)^{ADDR}  6548 6c6c$"));
    run.section("dd").assert_matches(&format!(r"(?m)^{ADDR}  6c6c6548 72202c6f$"));
    run.section("dq").assert_matches(&format!(r"(?m)^{ADDR}  11223344`55667788$"));
    run.section("du").assert_matches(&format!(r#"(?m)^{ADDR}  "Wide rdb"$"#));
}

fn edit_commands_write_what_the_dumps_show(b: Backend) {
    let run = at_main(
        b,
        &format!(
            "{}\ned hello!counter 2a\neb hello!message 4a\n{}\ndd hello!counter L1\nda hello!message\neb hello!message 41 42 43\new hello!message+3 6f4a\neq hello!wide_value 0123456789abcdef\n{}\nda hello!message\ndq hello!wide_value L1\nea hello!message \"Howdy\"\neu hello!wide_message \"Huge\"\n{}\nda hello!message\ndu hello!wide_message",
            mark("quiet"),
            mark("one"),
            mark("three"),
            mark("strings")
        ),
    );
    let quiet = run.section("quiet");
    assert!(quiet.text.trim().is_empty(), "ed and eb print nothing: {:?}\n{}", quiet.text, run.dump());
    let one = run.section("one");
    one.assert_matches(&format!(r"(?m)^{ADDR}  0000002a$"));
    one.assert_contains("\"Jello, rdb!\"");
    let three = run.section("three");
    three.assert_contains("\"ABCJo, rdb!\"");
    three.assert_matches(&format!(r"(?m)^{ADDR}  01234567`89abcdef$"));
    let strings = run.section("strings");
    strings.assert_contains("\"Howdy, rdb!\"");
    strings.assert_contains("\"Huge rdb\"");
}

fn edits_reach_the_program(b: Backend) {
    let run = b.launch("hello", "g hello!main\nea hello!message \"Howdy\"\ned hello!counter 0n100\ng\n");
    run.assert_contains("Howdy, rdb!");
    // tick adds 0+1+2+3+4 to the 100 written before the loop.
    run.assert_contains("counter=110");
    run.assert_matches(&exit_code_re(3));
}

fn s_finds_patterns_at_their_addresses(b: Backend) {
    let run = at_main(
        b,
        &format!(
            "{}\ns -a hello!message L20 \"rdb\"\n{}\ns -b hello!message L20 48 65 6c\n{}\ns -d hello!wide_value L8 55667788\n{}\n? hello!message+7\n? hello!message\n? hello!wide_value",
            mark("a"),
            mark("b"),
            mark("d"),
            mark("addrs")
        ),
    );
    let want = run.section("addrs").evaluations();
    let a = run.section("a");
    let found = a.assert_matches(&format!(r"(?m)^({ADDR})  72 64 62 21 "));
    a.assert_count(&format!(r"(?m)^{ADDR}  "), 1);
    let bytes = run.section("b").assert_matches(&format!(r"(?m)^({ADDR})  48 65 6c "));
    let dword = run.section("d").assert_matches(&format!(r"(?m)^({ADDR})  88 77 66 55 "));
    assert_eq!(
        [addr(&found[1]), addr(&bytes[1]), addr(&dword[1])],
        [want[0], want[1], want[2]],
        "each match is at the address of what it found\n{}",
        run.dump()
    );
}

fn dq_at_rsp_shows_the_return_address_and_db_at_rip_the_code(b: Backend) {
    let stdin = format!(
        "bp hello!add\ng\n{}\ndq @rsp L1\n{}\n? hello!middle\n? hello!outer\n{}\ndb @rip L1\nq\n",
        mark("dq"),
        mark("syms"),
        mark("db")
    );
    let run = b.launch("hello", &stdin);
    let c = run.section("dq").assert_matches(&format!(r"(?m)^{ADDR}  ({ADDR})$"));
    let ret = addr(&c[1]);
    let syms = run.section("syms").evaluations();
    assert!(syms[0] < ret && ret < syms[1], "the return address {ret:#x} is inside middle\n{}", run.dump());
    // add starts with push rbp (0x55).
    run.section("db").assert_matches(&format!(r"(?m)^{ADDR}  55[ -]+U$"));
}

fn pointer_displays_follow_what_they_point_at(b: Backend) {
    // wide_value is made a pointer to message, then to wide_message; add's return address is in middle.
    let stdin = format!(
        "bp hello!add\ng\n{}\ndps @rsp L2\n{}\ndqs @rsp L1\n{}\ndds hello!counter L1\neq hello!wide_value hello!message\n{}\ndpa hello!wide_value L1\n{}\ndpp hello!wide_value L1\n{}\ndp hello!wide_value L1\neq hello!wide_value hello!wide_message\n{}\ndpu hello!wide_value L1\n{}\ndpa 0 L1\nq\n",
        mark("dps"),
        mark("dqs"),
        mark("dds"),
        mark("dpa"),
        mark("dpp"),
        mark("dp"),
        mark("dpu"),
        mark("bad")
    );
    let run = b.launch("hello", &stdin);
    let dps = run.section("dps");
    dps.assert_matches(&format!(r"(?m)^{ADDR}  {ADDR} hello!middle\+0x[0-9a-f]+$"));
    dps.assert_count(&format!(r"(?m)^{ADDR}  {ADDR}"), 2);
    run.section("dqs").assert_matches(&format!(r"(?m)^{ADDR}  {ADDR} hello!middle\+0x[0-9a-f]+$"));
    // tick added 0+1+2+3+4 to counter before add was called: a number, with no symbol.
    run.section("dds").assert_matches(&format!(r"(?m)^{ADDR}  0000000a$"));
    run.section("dpa").assert_matches(&format!(r#"(?m)^{ADDR}  {ADDR} "Hello, rdb!"$"#));
    run.section("dpp").assert_matches(&format!(r"(?m)^{ADDR}  {ADDR} 72202c6f`6c6c6548$"));
    run.section("dp").assert_matches(&format!(r"(?m)^{ADDR}  {ADDR}$"));
    run.section("dpu").assert_matches(&format!(r#"(?m)^{ADDR}  {ADDR} "Wide rdb"$"#));
    run.section("bad").assert_matches(r"(?m)^\^ Memory access error at 00000000`00000000 in 'dpa 0 L1'$");
}

fn dc_and_dyb_show_characters_and_bits(b: Backend) {
    let stdin =
        format!("g hello!main\n{}\ndc hello!message L3\n{}\ndyb hello!message L5\nq\n", mark("dc"), mark("dyb"));
    let run = b.launch("hello", &stdin);
    run.section("dc").assert_matches(&format!(r"(?m)^{ADDR}  6c6c6548 72202c6f 00216264           Hello, rdb!\.$"));
    let dyb = run.section("dyb");
    dyb.assert_matches(r"(?m)^ {19}76543210 76543210 76543210 76543210\n {19}-------- -------- -------- --------$");
    dyb.assert_matches(&format!(r"(?m)^{ADDR}  01001000 01100101 01101100 01101100  48 65 6c 6c$"));
    dyb.assert_matches(&format!(r"(?m)^{ADDR}  01101111 {{27}}  6f$"));
}
