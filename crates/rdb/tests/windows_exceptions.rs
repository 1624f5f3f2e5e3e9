//! Exception continuation and event filters under Wine: `gh` and `gn` at a first-chance exception, `sxe`, `sxd`,
//! `sxn` and `sxi` for access violations (`av`) and for other exception codes (`*`), second chances, `-g` and
//! `-G`, `q` at a second chance, and debug strings silenced with `sxi out`.

use rdb_testkit::prelude::*;
use rdb_testkit::wine::{rdb_wine, wine_path};

/// Where RaiseException stops (KERNELBASE on Windows, kernelbase under Wine).
const RAISE: &str = r"(?i:kernelbase)!RaiseException\+0x[0-9a-f]+";

fn run(flags: &[&str], name: &str, args: &[&str], stdin: &str) -> RdbRun {
    let program = wine_path(&windows_debuggee(name));
    let mut argv: Vec<&str> = flags.to_vec();
    argv.push(&program);
    argv.extend_from_slice(args);
    rdb_wine(&argv, stdin)
}

#[test]
fn gn_at_a_first_chance_exception_lets_the_program_handle_it() {
    let run = run(&[], "wraise", &["handled"], &format!("sxe *\ng\n{}\ngn\n", mark("gn")));
    run.assert_matches(&format!(
        "{}\n{FIRST_CHANCE_NOTE}\n{}",
        exception_re("Unknown exception", "e0524442"),
        stop_re(RAISE)
    ));
    let gn = run.section("gn");
    gn.assert_matches(r"(?m)^handler saw e0524442\r?\nafter raise\r?$");
    gn.assert_matches(&exit_code_re(0));
    run.assert_not_contains("second chance");
}

#[test]
fn gh_at_a_first_chance_exception_returns_from_raise_exception_unseen() {
    let run = run(&[], "wraise", &["handled"], &format!("sxe *\ng\n{}\ngh\n", mark("gh")));
    run.assert_matches(&exception_re("Unknown exception", "e0524442"));
    let gh = run.section("gh");
    gh.assert_matches(r"(?m)^after raise\r?$");
    gh.assert_matches(&exit_code_re(0));
    run.assert_not_contains("handler saw");
}

#[test]
fn sxi_star_hides_the_first_chance_of_other_exceptions_but_not_the_second() {
    let run = run(&[], "wraise", &["unhandled"], &format!("sxi *\ng\n{}\ng\n", mark("exit")));
    run.assert_not_matches(&exception_re("Unknown exception", "e0524442"));
    run.assert_not_contains("First chance exceptions");
    run.assert_matches(&format!("{}\n{}", second_chance_re("Unknown exception", "e0524442"), stop_re(RAISE)));
    run.section("exit").assert_matches(&exit_code_re(0xe052_4442));
}

/// `wfault read` with `sx<x> av`: the first chance is shown without a stop, the second chance stops.
fn first_chance_shown_second_stops(command: &str) {
    let run = run(&[], "wfault", &["read"], &format!("{command} av\ng\n{}\ng\n", mark("exit")));
    let attempt = "Attempt to read from address 00000000`00001337";
    run.assert_matches(&format!(
        "{}\n{FIRST_CHANCE_NOTE}\n{attempt}\n{}\n{attempt}\n{}",
        exception_re("Access violation", "c0000005"),
        second_chance_re("Access violation", "c0000005"),
        stop_re(r"wfault!read_fault\+0x[0-9a-f]+")
    ));
    run.out().assert_count(r"(?m)^rax=", 2);
    run.section("exit").assert_matches(&Backend::Windows.fatal_exit_re(Fatal::AccessViolation));
}

#[test]
fn sxd_av_shows_the_first_chance_and_stops_on_the_second() {
    first_chance_shown_second_stops("sxd");
}

#[test]
fn sxn_av_shows_the_first_chance_and_stops_on_the_second() {
    first_chance_shown_second_stops("sxn");
}

#[test]
fn sxi_av_with_minus_capital_g_stops_only_on_the_second_chance_and_quits_at_the_exit() {
    let run = run(&["-G"], "wfault", &["read"], &format!("sxi av\ng\n{}\ng\n.echo not read\n", mark("exit")));
    run.assert_not_contains("(first chance)\nFirst chance");
    run.out().assert_count(&exception_re("Access violation", "c0000005"), 0);
    run.assert_matches(&format!(
        "{}\nAttempt to read from address 00000000`00001337\n{}",
        second_chance_re("Access violation", "c0000005"),
        stop_re(r"wfault!read_fault\+0x[0-9a-f]+")
    ));
    run.section("exit").assert_matches(&Backend::Windows.fatal_exit_re(Fatal::AccessViolation));
    // -G: rdb.exe quits when the process ends; what follows on stdin is never read.
    run.assert_not_contains("not read");
    run.assert_success();
}

#[test]
fn q_at_a_second_chance_access_violation_ends_the_program() {
    let run = run(&[], "wfault", &["read"], &format!("g\ng\n{}\nq\n", mark("q")));
    run.assert_matches(&second_chance_re("Access violation", "c0000005"));
    let q = run.section("q");
    q.assert_contains("quit:");
    q.assert_not_contains("Exit process");
    run.assert_not_contains("not reached");
    run.assert_success();
}

#[test]
fn minus_g_skips_the_loader_breakpoint_and_stops_at_the_programs_own() {
    let run = run(&["-g"], "wbreak", &[], &format!("{}\ng\n", mark("after")));
    run.out().assert_count(&exception_re("Break instruction exception", "80000003"), 1);
    run.assert_matches(&format!(
        "{}\n{}",
        exception_re("Break instruction exception", "80000003"),
        stop_re(r"wbreak!break_here\+0x[0-9a-f]+")
    ));
    run.assert_not_contains("ntdll!DbgBreakPoint");
    let after = run.section("after");
    after.assert_matches(r"(?m)^after break\r?$");
    after.assert_matches(&exit_code_re(0));
}

#[test]
fn sxi_out_silences_debug_strings_and_sxe_out_stops_at_each() {
    let quiet = run(&[], "wdebugstr", &[], "sxi out\ng\n");
    quiet.assert_not_contains("rdb debug string");
    quiet.assert_matches(r"(?m)^strings sent\r?$");
    quiet.assert_matches(&exit_code_re(0));

    let stops = run(&[], "wdebugstr", &[], &format!("sxe out\ng\n{}\ng\n{}\ng\n", mark("w"), mark("end")));
    stops.assert_matches(&format!("(?m)^rdb debug string A\n{}", regs_re()));
    stops.section("w").assert_matches(&format!("(?m)^rdb debug string W\n{}", regs_re()));
    let end = stops.section("end");
    end.assert_matches(r"(?m)^strings sent\r?$");
    end.assert_matches(&exit_code_re(0));
}

#[test]
fn sxe_with_one_exception_code_stops_on_it_and_exr_shows_its_record() {
    // The code's own filter breaks; the catch-all `*` keeps its default (second chance), so only this code stops.
    let run = run(&[], "wraise", &["handled"], &format!("sxe e0524442\nsx\ng\n{}\n.exr -1\ngn\n", mark("exr")));
    run.assert_matches(r"(?m)^ e0524442 - Exception e0524442 - break - not handled$");
    run.assert_not_matches(r"(?m)^ +sigsegv - ");
    run.assert_matches(&format!(
        "{}\n{FIRST_CHANCE_NOTE}\n{}",
        exception_re("Unknown exception", "e0524442"),
        stop_re(RAISE)
    ));
    let exr = run.section("exr");
    exr.assert_matches(
        r"(?m)^   ExceptionCode: e0524442 \(Unknown exception\)\n  ExceptionFlags: 00000000\nNumberParameters: 0$",
    );
    exr.assert_matches(r"(?m)^handler saw e0524442\r?$");
    exr.assert_matches(&exit_code_re(0));
}
