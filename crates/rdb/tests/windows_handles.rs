//! rdb.exe leaks no handles: a debuggee that loads and frees a DLL a thousand times leaves rdb.exe with as many
//! handles as fifty rounds do, and the DLL's file is not held open (each create-process and load-DLL event brings
//! a file handle the debugger must close). Counted while `wloadlib` waits after its rounds: rdb.exe's handles by
//! `whandles` (the system's handle table), open files by the wineserver's Unix descriptors (one per open file
//! object of the prefix).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rdb_testkit::prelude::*;
use rdb_testkit::wine::{rdb_wine_session, run_under_wine, signal_file, wine_path, wineserver_pid};

/// What was counted while the debuggee waited.
struct Sample {
    rdb_handles: u64,
    /// How many of the wineserver's descriptors are the plugin DLL, and the debuggee's own executable (open while
    /// it runs: proof the descriptors are the right server's).
    dll_files: usize,
    exe_files: usize,
}

/// A copy of wplugin.dll under a name no other test loads, so the descriptor count is this test's alone.
fn private_plugin() -> PathBuf {
    let dll = Path::new(env!("CARGO_TARGET_TMPDIR")).join("handles").join("whandles-plugin.dll");
    fs::create_dir_all(dll.parent().unwrap()).unwrap();
    fs::copy(windows_debuggee("wplugin"), &dll).unwrap();
    dll
}

/// The wineserver's descriptors open on files named `name`.
fn server_files(server: u32, name: &str) -> usize {
    let fds = fs::read_dir(format!("/proc/{server}/fd")).expect("read the wineserver's descriptors");
    fds.flatten()
        .filter_map(|fd| fs::read_link(fd.path()).ok())
        .filter(|target| target.file_name().is_some_and(|n| n == name))
        .count()
}

/// rdb.exe with module events silenced runs `wloadlib <dll> <rounds>`; counts once the rounds are done.
fn sample(dll: &Path, rounds: u32) -> Sample {
    let go = signal_file(&format!("handles-{rounds}.go"));
    let program = wine_path(&windows_debuggee("wloadlib"));
    let mut rdb = rdb_wine_session(&[&program, &wine_path(dll), &rounds.to_string(), &wine_path(&go)]);
    rdb.send("sxi ld");
    rdb.send("sxi ud");
    rdb.send("g");
    let Some(waiting) = rdb.wait_for(r"(?m)^waiting (\d+)\r?$", Duration::from_secs(60)) else {
        panic!("wloadlib never finished {rounds} rounds\n{}", rdb.stdout());
    };
    let (code, out, err) = run_under_wine(&windows_debuggee("whandles"), &[&waiting[1]]);
    assert_eq!(code, 0, "whandles failed: {out}{err}");
    let rdb_handles = regex::Regex::new(r"rdb\.exe \d+ handles (\d+)")
        .unwrap()
        .captures(&out)
        .unwrap_or_else(|| panic!("whandles printed {out:?}"))[1]
        .parse()
        .unwrap();
    let server = wineserver_pid().expect("the prefix's wineserver runs");
    let sample = Sample {
        rdb_handles,
        dll_files: server_files(server, "whandles-plugin.dll"),
        exe_files: server_files(server, "wloadlib.exe"),
    };
    fs::write(&go, "").unwrap();
    rdb.expect(&exit_code_re(0));
    let run = rdb.finish();
    run.assert_contains(&format!("rounds {rounds}"));
    run.assert_not_matches(r"(?m)^(?:ModLoad|Unload module).*whandles-plugin\.dll");
    sample
}

#[test]
fn a_thousand_dll_loads_leave_rdb_exe_no_more_handles_than_fifty() {
    let dll = private_plugin();
    let few = sample(&dll, 50);
    let many = sample(&dll, 1000);
    assert!(few.rdb_handles > 0, "whandles counts rdb.exe's handles");
    assert!(
        many.rdb_handles.abs_diff(few.rdb_handles) < 10,
        "rdb.exe holds {} handles after 50 rounds and {} after 1000",
        few.rdb_handles,
        many.rdb_handles
    );
    for s in [&few, &many] {
        assert!(s.exe_files >= 1, "the wineserver's descriptors include the running wloadlib.exe");
        assert!(s.dll_files <= 1, "the freed DLL is held open {} times", s.dll_files);
    }
}
