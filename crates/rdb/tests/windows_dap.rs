//! `rdb.exe --dap` under Wine, driven by Microsoft's DAP test client: the main scenarios of `tests/dap/scenarios.js`
//! (those marked `@main`: launch to the exit with the exit code and the program's output, a source breakpoint,
//! the stack, variables, a step over a line) on the mingw build of `tests/debuggees/dap.c`.

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use rdb_testkit::dap::{Adapter, run_scenarios, unavailable};
use rdb_testkit::prelude::*;
use rdb_testkit::wine::{rdb_exe, test_prefix, wine_path};

/// A script that runs `rdb.exe <its arguments>` under Wine in the tests' prefix: the test client spawns it as the
/// adapter.
fn rdb_exe_launcher() -> std::path::PathBuf {
    let wine = test_prefix().command();
    let mut script = String::from("#!/bin/sh\n");
    for (key, value) in wine.get_envs() {
        match value {
            Some(v) => script.push_str(&format!("export {}='{}'\n", key.to_string_lossy(), v.to_string_lossy())),
            None => script.push_str(&format!("unset {}\n", key.to_string_lossy())),
        }
    }
    script.push_str(&format!("exec '{}' '{}' \"$@\"\n", wine.get_program().to_string_lossy(), s(&rdb_exe())));
    let path = scratch_dir("windows_dap").join("rdb-exe-dap.sh");
    std::fs::write(&path, script).expect("the launcher is written");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("the launcher is executable");
    path
}

#[test]
fn the_main_dap_scenarios_pass_against_rdb_exe() {
    if let Some(why) = unavailable() {
        eprintln!("skipped: {why}");
        return;
    }
    let program = wine_path(&windows_debuggee("dap"));
    let launcher = rdb_exe_launcher();
    let adapter = Adapter { program: &launcher, argument: "--dap", tcp: false };
    let source = debuggee_sources().join("dap.c");
    let run = run_scenarios(&adapter, &program, &source, Some("@main"), Duration::from_secs(600));
    run.assert_all_passed(8);
}
