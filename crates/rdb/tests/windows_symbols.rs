//! rdb.exe under Wine: names from a DLL's export table (Wine's ntdll), and the executable's entry point
//! (`$exentry`), where Windows' first stop is not (it is the loader breakpoint in ntdll).

use rdb_testkit::prelude::*;

const WINDOWS: Backend = Backend::Windows;

#[test]
fn x_and_ln_name_ntdll_exports() {
    let stdin = format!(
        "{}\nx ntdll!DbgBreak*\n{}\n? ntdll!DbgBreakPoint\n{}\nln ntdll!DbgBreakPoint+1\nq\n",
        mark("x"),
        mark("eval"),
        mark("ln")
    );
    let run = WINDOWS.launch("hello", &stdin);
    let x = run.section("x").assert_matches(&format!(r"(?m)^({ADDR}) +ntdll!DbgBreakPoint$"));
    assert_eq!(addr(&x[1]), run.section("eval").evaluation(), "{}", run.dump());
    run.section("ln").assert_matches(&format!(r"(?m)^\({}\) +ntdll!DbgBreakPoint\+0x1(?:\s|$)", x[1]));
}

#[test]
fn g_to_exentry_runs_from_the_loader_breakpoint_to_the_entry_point() {
    let stdin = format!(
        "{}\ng @$exentry\n{}\n? @rip == @$exentry\nr $exentry\n{}\ng\n",
        mark("entry"),
        mark("eval"),
        mark("end")
    );
    let run = WINDOWS.launch("hello", &stdin);
    run.assert_matches(&stop_re(&WINDOWS.initial_stop_re("hello")));
    let entry = run.section("entry");
    // mingw-w64's entry point.
    entry.assert_matches(&stop_re("hello!mainCRTStartup"));
    entry.assert_not_contains("Breakpoint");
    let eval = run.section("eval");
    assert_eq!(eval.evaluation(), 1, "{}", run.dump());
    eval.assert_matches(r"(?m)^\$exentry=00000001[0-9a-f]{8}$");
    run.section("end").assert_matches(&exit_code_re(3));
}
