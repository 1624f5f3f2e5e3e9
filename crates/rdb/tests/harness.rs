//! The harness's own shape patterns, checked against the samples of docs/console.md (no rdb run here).
//! If docs/console.md changes a shape, change the samples here and in `crates/rdb-testkit/src/shapes.rs`, and the
//! pattern there, together.

use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;

use rdb_testkit::prelude::*;
use regex::Regex;

fn fake_run(stdout: &str) -> RdbRun {
    RdbRun {
        stdout: stdout.to_string(),
        stderr: String::new(),
        status: ExitStatus::from_raw(0),
        timed_out: false,
        leftovers: false,
        args: vec![],
        stdin: String::new(),
    }
}

#[test]
fn stop_shape_matches_the_doc_sample() {
    let stop = stop_sample();
    assert!(Regex::new(&stop_re(r"prog!main\+0x[0-9a-f]+")).unwrap().is_match(&stop));
    assert!(!Regex::new(&stop_re("prog!main")).unwrap().is_match(&stop));
    let hit = format!("Breakpoint 0 hit\n{stop}");
    assert!(Regex::new(&bp_hit_re(0, r"prog!main\+0x4")).unwrap().is_match(&hit));
}

#[test]
fn exception_lines() {
    let first = "(4d2.4d2): Break instruction exception - code 80000003 (first chance)\n";
    let c = Regex::new(&exception_re("Break instruction exception", "80000003")).unwrap().captures(first).unwrap();
    assert_eq!((&c[1], &c[2]), ("4d2", "4d2"));
    let second = "(4d2.4d3): Access violation - code c0000005 (!!! second chance !!!)\n";
    assert!(Regex::new(&second_chance_re("Access violation", "c0000005")).unwrap().is_match(second));
    let sig = "(4d2.4d2): Signal SIGUSR1 - code 0000000a (first chance)";
    assert!(Regex::new(&exception_re("Signal SIGUSR1", "0000000a")).unwrap().is_match(sig));
}

#[test]
fn exit_lines() {
    assert!(Regex::new(&exit_code_re(3)).unwrap().is_match("(4d2.4d2): Exit process 4d2, code 3\n"));
    assert!(Regex::new(&exit_code_re(3)).unwrap().is_match("(4d2.4d2): Exit process 4d2, code 00000003\n"));
    assert!(!Regex::new(&exit_code_re(3)).unwrap().is_match("(4d2.4d2): Exit process 4d2, code 13\n"));
    assert!(Regex::new(&exit_code_re(0x2a)).unwrap().is_match("(4d2.4d2): Exit process 4d2, code 2a"));
    let re = Regex::new(&exit_signal_re(11, "SIGSEGV")).unwrap();
    assert!(re.is_match("(4d2.4d2): Exit process 4d2, signal 11 (SIGSEGV)"));
    assert!(re.is_match("(4d2.4d2): Exit process 4d2, signal b (SIGSEGV)"));
}

#[test]
fn stack_rows_parse() {
    let run = fake_run(
        " # Child-SP          RetAddr               Call Site\n\
         00 00007fff`ffffe3a0 00005555`555551a2     prog!add+0x8 [/src/prog.c @ 4]\n\
         01 00007fff`ffffe3c0 00005555`555551c0     prog!middle+0x1c [/src/prog.c @ 9]\n\
         02 00007fff`ffffe3e0 00007fff`f7df118a     prog!main+0x20 [/src/prog.c @ 20]\n\
         03 00007fff`ffffe480 00007fff`f7df1245     libc!__libc_start_call_main+0x7a\n",
    );
    let frames =
        run.out().assert_frames_start_with(&["prog!add", "prog!middle", "prog!main", "libc!__libc_start_call_main"]);
    assert_eq!(frames[0].file.as_deref(), Some("/src/prog.c"));
    assert_eq!(frames[2].line, Some(20));
    assert_eq!(frames[3].line, None);
    // `k` without numbers, and a frame at offset 0.
    let run = fake_run(
        "Child-SP          RetAddr               Call Site\n\
         00007fff`ffffe3a0 00005555`555551a2     prog!add [/src/prog.c @ 3]\n",
    );
    let frames = run.out().frames();
    assert_eq!(frames.len(), 1);
    assert!(frames[0].is("prog!add") && !frames[0].is("prog!ad"));
}

#[test]
fn sections_and_evaluations() {
    let run = fake_run(
        "noise\n==a==\nEvaluate expression: 16 = 00000000`00000010\n==b==\n\
         Evaluate expression: -1 = ffffffff`ffffffff\nEvaluate expression: 0 = 00000000`00000000\n",
    );
    assert_eq!(run.section("a").evaluation(), 16);
    assert_eq!(run.section("b").evaluations(), vec![u64::MAX, 0]);
    assert!(!run.section("a").text.contains("noise"));
}

#[test]
fn disassembly_rows_parse() {
    let run = fake_run(
        "prog!main:\n00005555`55555149 55              push    rbp\n00005555`5555514a 4889e5          mov     rbp,rsp\n",
    );
    let rows = run.out().disassembly();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0], (0x5555_5555_5149, 1, "push    rbp".to_string()));
    assert_eq!(rows[1].0, rows[0].0 + rows[0].1);
}

#[test]
fn addresses_round_trip() {
    assert_eq!(addr("00007fff`f7dc2000"), 0x7fff_f7dc_2000);
    assert_eq!(fmt_addr(0x7fff_f7dc_2000), "00007fff`f7dc2000");
}
