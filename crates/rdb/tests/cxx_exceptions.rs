//! C++ exceptions and the `eh` filter: on Linux a throw through libstdc++'s `__cxa_throw` (the `throws` debuggee:
//! three throws, each caught; "caught 3"), under Wine MSVC's exception code e06d7363 (`wmsvcthrow`: two, each
//! caught by a vectored handler; "thrown 2"). By default each is shown as a first-chance exception and the program
//! runs on; `sxe eh` stops at each, `sxi eh` says nothing.

use rdb_testkit::prelude::*;
use rdb_testkit::wine::{rdb_wine, wine_path};

const EH: &str = r"C\+\+ EH exception";
const CODE: &str = "e06d7363";

#[test]
fn sx_lists_eh_as_second_chance_break_by_default() {
    let run = rdb(&[s(&debuggee("throws"))], &format!("{}\nsx\nq\n", mark("sx")));
    run.section("sx").assert_matches(r"(?m)^       eh - C\+\+ EH exception - second-chance break - not handled$");
}

#[test]
fn each_throw_is_a_first_chance_notice_and_the_program_catches_it() {
    let run = rdb(&[s(&debuggee("throws"))], "g\nq\n");
    assert_eq!(run.count(&exception_re(EH, CODE)), 3, "{}", run.dump());
    // Shown, not stopped at: no stop on the runtime's throw.
    run.assert_not_contains("libstdc__!__cxa_throw:");
    run.assert_matches(r"(?m)^caught 3$");
    run.assert_matches(&exit_code_re(0));
}

#[test]
fn sxe_eh_stops_at_each_throw_with_its_site_and_sxi_eh_silences_them() {
    let throws = debuggee("throws");
    let stdin = format!(
        "sxe eh\ng\n{}\n.exr -1\n{}\nk 2\n{}\ngn\n{}\nsxi eh\ng\nq\n",
        mark("exr"),
        mark("k"),
        mark("gn"),
        mark("quiet")
    );
    let run = rdb(&[s(&throws)], &stdin);
    // The stop is on the runtime's throw, first chance; the record's address is the throw site in raise_it.
    run.assert_matches(&format!(
        "{}\n{FIRST_CHANCE_NOTE}\n{}",
        exception_re(EH, CODE),
        stop_re(r"libstdc__!__cxa_throw")
    ));
    let exr = run.section("exr");
    exr.assert_matches(&format!(r"(?m)^ExceptionAddress: {ADDR} \(throws!raise_it\(int\)\+0x[0-9a-f]+\)$"));
    exr.assert_matches(r"(?m)^ +ExceptionCode: e06d7363 \(C\+\+ EH exception\)$");
    run.section("k").assert_matches(r"(?m)throws!raise_it\(int\)\+0x[0-9a-f]+ \[.*throws\.cc @ 12\]$");
    // gn continues the engine's own stop as gh would: the throw goes on and is caught.
    let gn = run.section("gn");
    gn.assert_matches(&format!(
        "{}\n{FIRST_CHANCE_NOTE}\n{}",
        exception_re(EH, CODE),
        stop_re(r"libstdc__!__cxa_throw")
    ));
    let quiet = run.section("quiet");
    quiet.assert_not_contains("C++ EH exception");
    quiet.assert_matches(r"(?m)^caught 3$");
    quiet.assert_matches(&exit_code_re(0));
}

fn wmsvcthrow(stdin: &str) -> RdbRun {
    rdb_wine(&[&wine_path(&windows_debuggee("wmsvcthrow"))], stdin)
}

#[test]
fn msvc_exceptions_are_the_eh_filters_under_wine() {
    let run = wmsvcthrow(&format!("{}\nsx\n{}\ng\nq\n", mark("sx"), mark("g")));
    run.section("sx").assert_matches(r"(?m)^       eh - C\+\+ EH exception - second-chance break - not handled$");
    let g = run.section("g");
    g.assert_count(&exception_re(EH, CODE), 2);
    g.assert_count(r"(?m)^caught e06d7363\r?$", 2);
    g.assert_matches(r"(?m)^thrown 2\r?$");
    g.assert_matches(&exit_code_re(0));
}

#[test]
fn sxe_eh_stops_at_an_msvc_throw_under_wine() {
    let run = wmsvcthrow(&format!("sxe eh\ng\n{}\nsxi eh\ngh\nq\n", mark("after")));
    run.assert_matches(&format!(
        "{}\n{FIRST_CHANCE_NOTE}\n{}",
        exception_re(EH, CODE),
        stop_re(r"(?i:kernelbase)!RaiseException\+0x[0-9a-f]+")
    ));
    let after = run.section("after");
    after.assert_not_contains("C++ EH exception");
    after.assert_matches(r"(?m)^thrown 2\r?$");
}

/// mingw's C++ runtime throws through libstdc++-6.dll's `__cxa_throw`, as on Linux: the same first-chance C++
/// exception, and `sxe eh` stops on the runtime's throw with the throw site below it. (Past the throw, Wine 8
/// cannot unwind a mingw C++ exception while any debugger is attached: the program dies in `RtlVirtualUnwind`
/// under winedbg as under rdb.exe, and runs to "caught 3" without one; so the test stops at the first throw.)
#[test]
fn a_mingw_throw_is_the_eh_filters_under_wine() {
    let throws = wine_path(&windows_debuggee("throws"));
    let run = rdb_wine(&[&throws], &format!("sxe eh\ng\n{}\nk 3\nq\n", mark("k")));
    run.assert_matches(&format!(
        "{}\n{FIRST_CHANCE_NOTE}\n{}",
        exception_re(EH, CODE),
        stop_re(r"libstdc___6!__cxa_throw")
    ));
    run.section("k").assert_matches(r"(?m)throws!raise_it\(int\)\+0x[0-9a-f]+ \[.*throws\.cc @ 12\]\r?$");
}
