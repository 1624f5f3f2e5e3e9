//! Events and event filters on Linux: deferred `bu` breakpoints resolved at a dlopen, the process-exit stop, and
//! `sx`, `sxe`, `sxd`, `sxn`, `sxi` for `ld`, `ct` and `av`. ModLoad / Unload module at run time (dlopen, dlclose)
//! are checked on both backends in `both_events.rs`.

use rdb_testkit::prelude::*;

/// The libplugin path as rdb may print it: as dlopen was given it, or canonical.
fn plugin_path_re() -> String {
    Backend::Linux.module_path_re(&debuggee("plugin"))
}

fn dlopen_run(stdin: &str) -> RdbRun {
    let dl = debuggee("dlopen");
    let plugin = debuggee("plugin");
    rdb(&[s(&dl), s(&plugin)], stdin)
}

/// The `sx` row for event `code`: `  ld - Load module - output`, `  av - Access violation - break - not handled`.
fn sx_row(code: &str, state: &str) -> String {
    format!(r"(?m)^ *{code} - [^\n]*- {state}(?: - [^\n]*)?$")
}

#[test]
fn bu_resolves_when_the_module_loads() {
    let run = dlopen_run(&format!(
        "bu libplugin!plugin_answer\n{}\nbl\n{}\ng\n{}\nk\ngu\nr rax\ng\n",
        mark("bl"),
        mark("hit"),
        mark("k")
    ));
    run.section("bl").assert_matches(r"(?m)^ 0 e ?u .*libplugin!plugin_answer");
    run.section("hit").assert_matches(&bp_hit_re(0, "libplugin!plugin_answer"));
    let k = run.section("k");
    k.assert_frames_start_with(&["libplugin!plugin_answer", "dlopen!main"]);
    k.assert_matches(r"(?m)^rax=000000000000002a$");
    run.assert_contains("plugin said 42");
    run.assert_matches(&exit_code_re(0));
}

#[test]
fn sxe_ld_stops_at_the_module_load() {
    let run = dlopen_run(&format!("sxe ld\ng\n{}\nlm\nq\n", mark("lm")));
    let path = plugin_path_re();
    run.assert_matches(&format!(r"(?m)^ModLoad: {ADDR} {ADDR}   {path}\n(?s).*{}", regs_re()));
    run.section("lm").assert_matches(&format!(r"(?m)^{ADDR} {ADDR}   libplugin +{LM_STATE}{path}$"));
    // It stopped before the plugin ran: q kills the program before it prints.
    run.assert_not_contains("plugin said 42");
}

#[test]
fn sxe_ld_with_a_name_stops_only_for_that_module() {
    let run = dlopen_run(&format!("sxe ld:libplug*\ng\n{}\nlm\nq\n", mark("lm")));
    run.section("lm").assert_matches(r"(?m)^\S+ \S+   libplugin ");
    run.assert_not_contains("plugin said 42");

    let other = dlopen_run("sxe ld:libnothing\ng\nq\n");
    other.assert_matches(r"ModLoad: [^\n]*libplugin");
    other.assert_contains("plugin said 42");
    other.assert_matches(&exit_code_re(0));
}

#[test]
fn sxi_ld_hides_module_loads() {
    let run = dlopen_run("sxi ld\ng\n");
    // Only loads are ignored (`ud`, the unload, is another filter).
    run.assert_not_matches(r"ModLoad: [^\n]*libplugin");
    run.assert_contains("plugin said 42");
    run.assert_matches(&exit_code_re(0));
}

#[test]
fn sx_lists_the_filters_and_reflects_changes() {
    let hello = debuggee("hello");
    let run =
        rdb(&[s(&hello)], &format!("{}\nsx\nsxe ld\nsxd av\nsxi ct\n{}\nsx\nq\n", mark("defaults"), mark("changed")));
    let defaults = run.section("defaults");
    defaults.assert_matches(r"(?m)^ *av - Access violation - break - not handled$");
    defaults.assert_matches(&sx_row("ld", "output"));
    defaults.assert_matches(&sx_row("epr", "break"));
    let changed = run.section("changed");
    changed.assert_matches(&sx_row("ld", "break"));
    changed.assert_matches(r"(?m)^ *av - Access violation - second-chance break - not handled$");
    changed.assert_matches(&sx_row("ct", "ignore"));
}

#[test]
fn sxe_ct_stops_at_thread_creation() {
    let threads = debuggee("threads");
    let run = rdb(&[s(&threads)], &format!("sxe ct\ng\n{}\n~\nq\n", mark("threads")));
    run.assert_matches(&format!(r"(?m)^\([0-9a-f]+\.[0-9a-f]+\): Create thread \d+:[0-9a-f]+\n(?s).*{}", regs_re()));
    run.section("threads").assert_count(r"(?m)^[.# ] +\d+ +Id: ", 2);
    run.assert_not_contains("total=30");
}

// `sxd` is WinDbg's "second-chance break": the first chance is only reported (a message, no stop).

#[test]
fn sxd_av_breaks_only_at_the_second_chance() {
    let crash = debuggee("crash");
    let run = rdb(&[s(&crash)], &format!("sxd av\n{}\ng\n{}\ng\n", mark("run"), mark("exit")));
    let out = run.section("run");
    let second = out.assert_matches(&format!(
        "{}(?s).*{}",
        second_chance_re("Access violation", "c0000005"),
        stop_re(r"crash!crash_here\+0x[0-9a-f]+")
    ));
    let before = &out.text[..out.text.find(&second[0]).unwrap()];
    assert!(!before.contains("rip="), "no stop at the first chance\n{}", run.dump());
    run.section("exit").assert_matches(&exit_signal_re(11, "SIGSEGV"));
}

#[test]
fn sxd_av_lets_a_handled_fault_through() {
    let handled = debuggee("handled");
    let run = rdb(&[s(&handled)], &format!("sxd av\n{}\ng\n", mark("run")));
    let out = run.section("run");
    out.assert_not_contains("rip=");
    out.assert_not_contains("second chance");
    run.assert_contains("handler ran");
    out.assert_matches(&exit_code_re(7));
}

#[test]
fn sxn_av_reports_without_stopping() {
    let handled = debuggee("handled");
    let run = rdb(&[s(&handled)], &format!("sxn av\n{}\ng\n", mark("run")));
    let out = run.section("run");
    out.assert_matches(&exception_re("Access violation", "c0000005"));
    // Not a stop: no register dump, and the program's own handler ends it.
    out.assert_not_contains("rip=");
    run.assert_contains("handler ran");
    run.assert_matches(&exit_code_re(7));
}

#[test]
fn the_process_exit_stops_and_commands_go_on() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], "g\n.echo after-exit\nq\n");
    let exit = run.assert_matches(&exit_code_re(3));
    let after = run.stdout.find("after-exit").unwrap_or_else(|| run.fail("the session goes on after the exit"));
    assert!(run.stdout.find(&exit[0]).unwrap() < after, "{}", run.dump());
}
