//! Memory: `db/dw/dd/dq/da/du` with `L`, `eb/ew/ed/eq/ea/eu`, `s -a/-b/-d`, and edits that the program sees.
//! hello's globals: `message` = "Hello, rdb!", `counter` (int), `wide_value` = 0x1122334455667788,
//! `wide_message` = u"Wide rdb".

use rdb_testkit::prelude::*;

fn hello_run(commands: &str) -> RdbRun {
    let hello = debuggee("hello");
    rdb(&[s(&hello)], &format!("g hello!main\n{commands}\nq\n"))
}

#[test]
fn da_shows_the_message_at_its_address() {
    let run = hello_run(&format!("{}\nda hello!message\n{}\n? hello!message", mark("da"), mark("addr")));
    let c = run.section("da").assert_matches(&format!(r#"(?m)^({ADDR})  "Hello, rdb!"$"#));
    assert_eq!(addr(&c[1]), run.section("addr").evaluation(), "{}", run.dump());
}

#[test]
fn db_shows_bytes_and_ascii() {
    let run = hello_run(&format!("{}\ndb hello!message Lc", mark("db")));
    run.section("db").assert_matches(&format!(r"(?m)^{ADDR}  48 65 6c 6c 6f 2c 20 72-64 62 21 00 +Hello, rdb!\.$"));
}

#[test]
fn db_length_in_decimal() {
    let run = hello_run(&format!("{}\ndb hello!message L0n4", mark("db")));
    let db = run.section("db");
    db.assert_matches(&format!(r"(?m)^{ADDR}  48 65 6c 6c[ -]+Hell$"));
    db.assert_count(&format!(r"(?m)^{ADDR}  "), 1);
}

#[test]
fn db_without_length_shows_several_lines_of_16() {
    let run = hello_run(&format!("{}\ndb hello!message\n{}", mark("db"), mark("end")));
    let db = run.section("db");
    db.assert_matches(&format!(r"(?m)^{ADDR}  48 65 6c 6c 6f 2c 20 72-64 62 21 00 [0-9a-f?]{{2}} [0-9a-f?]{{2}} [0-9a-f?]{{2}} [0-9a-f?]{{2}}  Hello, rdb!\."));
    assert!(db.count(&format!(r"(?m)^{ADDR}  ")) > 1, "{}", run.dump());
}

#[test]
fn dw_dd_dq_show_little_endian_units() {
    let run = hello_run(&format!(
        "{}\ndw hello!message L2\n{}\ndd hello!message L2\n{}\ndq hello!wide_value L1",
        mark("dw"),
        mark("dd"),
        mark("dq")
    ));
    run.section("dw").assert_matches(&format!(r"(?m)^{ADDR}  6548 6c6c$"));
    run.section("dd").assert_matches(&format!(r"(?m)^{ADDR}  6c6c6548 72202c6f$"));
    run.section("dq").assert_matches(&format!(r"(?m)^{ADDR}  11223344`55667788$"));
}

#[test]
fn du_shows_a_utf16_string() {
    let run = hello_run(&format!("{}\ndu hello!wide_message", mark("du")));
    run.section("du").assert_matches(&format!(r#"(?m)^{ADDR}  "Wide rdb"$"#));
}

#[test]
fn ed_then_dd_shows_the_new_value() {
    let run = hello_run(&format!("ed hello!counter 2a\n{}\ndd hello!counter L1", mark("dd")));
    run.section("dd").assert_matches(&format!(r"(?m)^{ADDR}  0000002a$"));
}

#[test]
fn eb_writes_bytes() {
    let run = hello_run(&format!(
        "eb hello!message 4a\n{}\nda hello!message\neb hello!message 41 42 43\n{}\nda hello!message",
        mark("one"),
        mark("three")
    ));
    run.section("one").assert_contains("\"Jello, rdb!\"");
    run.section("three").assert_contains("\"ABClo, rdb!\"");
}

#[test]
fn ew_and_eq_write_words_and_quads() {
    let run = hello_run(&format!(
        "ew hello!message 6f4a\n{}\nda hello!message\neq hello!wide_value 0123456789abcdef\n{}\ndq hello!wide_value L1",
        mark("ew"),
        mark("eq")
    ));
    run.section("ew").assert_contains("\"Jollo, rdb!\"");
    run.section("eq").assert_matches(&format!(r"(?m)^{ADDR}  01234567`89abcdef$"));
}

#[test]
fn ea_and_eu_write_strings_without_terminator() {
    let run = hello_run(&format!(
        "ea hello!message \"Howdy\"\n{}\nda hello!message\neu hello!wide_message \"Huge\"\n{}\ndu hello!wide_message",
        mark("ea"),
        mark("eu")
    ));
    run.section("ea").assert_contains("\"Howdy, rdb!\"");
    run.section("eu").assert_contains("\"Huge rdb\"");
}

#[test]
fn s_a_finds_the_message() {
    let run = hello_run(&format!("{}\ns -a hello!message L20 \"rdb\"\n{}\n? hello!message+7", mark("s"), mark("addr")));
    let s_out = run.section("s");
    let c = s_out.assert_matches(&format!(r"(?m)^({ADDR})  72 64 62 21 "));
    s_out.assert_count(&format!(r"(?m)^{ADDR}  "), 1);
    assert_eq!(addr(&c[1]), run.section("addr").evaluation(), "{}", run.dump());
}

#[test]
fn s_b_and_s_d_find_patterns() {
    let run = hello_run(&format!(
        "{}\ns -b hello!message L20 48 65 6c\n{}\ns -d hello!wide_value L8 55667788\n{}\n? hello!message\n? hello!wide_value",
        mark("b"),
        mark("d"),
        mark("addrs")
    ));
    let want = run.section("addrs").evaluations();
    let b = run.section("b").assert_matches(&format!(r"(?m)^({ADDR})  48 65 6c "));
    let d = run.section("d").assert_matches(&format!(r"(?m)^({ADDR})  88 77 66 55 "));
    assert_eq!((addr(&b[1]), addr(&d[1])), (want[0], want[1]), "{}", run.dump());
}

#[test]
fn dq_at_rsp_shows_the_return_address() {
    let hello = debuggee("hello");
    let run = rdb(
        &[s(&hello)],
        &format!("bp hello!add\ng\n{}\ndq @rsp L1\n{}\n? hello!middle\n? hello!outer\nq\n", mark("dq"), mark("syms")),
    );
    let c = run.section("dq").assert_matches(&format!(r"(?m)^{ADDR}  ({ADDR})$"));
    let ret = addr(&c[1]);
    let syms = run.section("syms").evaluations();
    assert!(syms[0] < ret && ret < syms[1], "the return address {ret:#x} is inside middle\n{}", run.dump());
}

#[test]
fn db_at_rip_shows_code() {
    let run = hello_run(&format!("{}\ndb @rip L1", mark("db")));
    // main starts with push rbp (0x55).
    run.section("db").assert_matches(&format!(r"(?m)^{ADDR}  55[ -]+U$"));
}
