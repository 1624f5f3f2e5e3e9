//! rdb.exe under Wine: the process and thread environment blocks (`!peb`, `!teb`, `@$peb`, `@$teb`) checked
//! against what else the session knows (lm, the stop line, the registers, `~`), and an edit of the PEB the program
//! sees (`eb @$peb+2 0` clears BeingDebugged). On Linux these are one-line errors (`cli.rs`).

use rdb_testkit::prelude::*;
use rdb_testkit::wine::wine_path;

const WINDOWS: Backend = Backend::Windows;

/// A `!peb`/`!teb` field (`    Name:   value`).
fn field(section: &Section, name: &str) -> String {
    section.assert_matches(&format!(r"(?m)^    {}:? +(\S.*)$", regex::escape(name)))[1].clone()
}

fn hex(text: &str) -> u64 {
    u64::from_str_radix(text.trim(), 16).unwrap_or_else(|e| panic!("not hex: {text:?}: {e}"))
}

#[test]
fn peb_describes_the_process_as_launched() {
    let hello = WINDOWS.debuggee("hello");
    let program = wine_path(&hello);
    let stdin = format!(
        "{}\n!peb\n{}\n? @$peb\n? poi(@$teb+0x60) == @$peb\n{}\nlm\nq\n",
        mark("peb"),
        mark("eval"),
        mark("lm")
    );
    let run = WINDOWS.rdb(&[&program, "7", "a b"], &stdin);
    let peb = run.section("peb");
    let eval = run.section("eval").evaluations();
    let at = peb.assert_matches(r"(?m)^PEB at ([0-9a-f]{16})$");
    assert_eq!(hex(&at[1]), eval[0], "PEB at is @$peb\n{}", run.dump());
    assert_eq!(eval[1], 1, "the TEB points at the PEB\n{}", run.dump());
    assert_eq!(field(&peb, "BeingDebugged"), "Yes");
    assert_eq!(field(&peb, "Ldr.Initialized"), "Yes");
    let exe = run.section("lm").assert_matches(&format!(r"(?m)^({ADDR}) {ADDR}   hello "));
    let image_base = hex(&field(&peb, "ImageBaseAddress"));
    assert_eq!(image_base, addr(&exe[1]), "ImageBaseAddress is the exe's base in lm\n{}", run.dump());
    // The loader's list, in load order: the executable first, at its base.
    let modules = peb.all_matches(r"(?m)^ +([0-9a-f]+) [0-9a-f]{8} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} (.+)$");
    assert!(modules.len() >= 3, "the exe, ntdll, kernel32...\n{}", run.dump());
    assert_eq!((hex(&modules[0][1]), modules[0][2].as_str()), (image_base, program.as_str()), "{}", run.dump());
    assert!(modules.iter().any(|m| m[2].to_ascii_lowercase().ends_with("ntdll.dll")), "{}", run.dump());
    assert_eq!(field(&peb, "ImageFile"), format!("'{program}'"));
    assert_eq!(field(&peb, "CommandLine"), format!("'{program} 7 \"a b\"'"));
}

#[test]
fn teb_matches_the_thread_the_stop_names() {
    let stdin = format!("g hello!add\n{}\n!teb\n{}\n? @$teb\n? @$peb\n? @rsp\nq\n", mark("teb"), mark("eval"));
    let run = WINDOWS.launch("hello", &stdin);
    let stop = run.assert_matches(&exception_re("Break instruction exception", "80000003"));
    let (pid, tid) = (hex(&stop[1]), hex(&stop[2]));
    let teb = run.section("teb");
    let eval = run.section("eval").evaluations();
    let (at_teb, at_peb, rsp) = (eval[0], eval[1], eval[2]);
    assert_eq!(hex(&teb.assert_matches(r"(?m)^TEB at ([0-9a-f]{16})$")[1]), at_teb, "{}", run.dump());
    assert_eq!(hex(&field(&teb, "Self")), at_teb, "Self is the TEB's own address\n{}", run.dump());
    assert_eq!(hex(&field(&teb, "PEB Address")), at_peb, "{}", run.dump());
    let client = teb.assert_matches(r"(?m)^    ClientId: +([0-9a-f]{16}) \. ([0-9a-f]{16})$");
    assert_eq!((hex(&client[1]), hex(&client[2])), (pid, tid), "ClientId is the stop's pid.tid\n{}", run.dump());
    let (base, limit) = (hex(&field(&teb, "StackBase")), hex(&field(&teb, "StackLimit")));
    assert!(limit <= rsp && rsp < base, "rsp {rsp:#x} is in the stack [{limit:#x}, {base:#x})\n{}", run.dump());
}

#[test]
fn clearing_being_debugged_hides_the_debugger_from_the_program() {
    let stdin = format!(
        "{}\ndb @$peb+2 L1\neb @$peb+2 0\n{}\ndb @$peb+2 L1\n!peb\n{}\ng\n",
        mark("before"),
        mark("after"),
        mark("run")
    );
    let run = WINDOWS.launch("wpresent", &stdin);
    run.section("before").assert_matches(&format!(r"(?m)^{ADDR}  01[ -]+\.$"));
    let after = run.section("after");
    after.assert_matches(&format!(r"(?m)^{ADDR}  00[ -]+\.$"));
    assert_eq!(field(&after, "BeingDebugged"), "No");
    let go = run.section("run");
    go.assert_contains("IsDebuggerPresent=0");
    go.assert_matches(&exit_code_re(0));
}

#[test]
fn each_thread_has_its_own_teb_in_tilde_and_in_tilde_n_teb() {
    let stdin = format!(
        "bp wthread!worker\ng\n{}\n~\n{}\n~0 !teb\n{}\n~1 !teb\n{}\n? @$teb\nq\n",
        mark("threads"),
        mark("teb0"),
        mark("teb1"),
        mark("current")
    );
    let run = WINDOWS.launch("wthread", &stdin);
    let rows = run
        .section("threads")
        .all_matches(&format!(r"(?m)^[.# ] +(\d+) +Id: [0-9a-f]+\.([0-9a-f]+) Suspend: \d+ Teb: ({ADDR}) Unfrozen$"));
    assert_eq!(rows.len(), 2, "main and the worker\n{}", run.dump());
    for (i, section) in ["teb0", "teb1"].into_iter().enumerate() {
        let teb = run.section(section);
        let at = hex(&teb.assert_matches(r"(?m)^TEB at ([0-9a-f]{16})$")[1]);
        assert_eq!(at, addr(&rows[i][3]), "~{i} !teb is the Teb ~ shows\n{}", run.dump());
        assert_eq!(hex(field(&teb, "ClientId").split(" . ").nth(1).unwrap()), hex(&rows[i][2]));
    }
    assert_ne!(rows[0][3], rows[1][3], "{}", run.dump());
    // The worker hit the breakpoint: it is the current thread, and $teb is its TEB.
    assert_eq!(run.section("current").evaluation(), addr(&rows[1][3]), "{}", run.dump());
}
