//! Windows programs under Wine for the tests: rdb.exe (from `cargo xtask build-windows`, or `RDB_WINDOWS_EXE`), run
//! in the tests' private prefix (`<target>/rdb-testkit/wineprefix`, see [`WinePrefix`]) against the mingw-built
//! debuggees, and what the tests check about Wine's processes.
//!
//! Wine must never hang the suite: every rdb.exe run has the same hard timeout as a Linux run and its own process
//! group (the debuggee Wine starts for it is in that group too), while the wineserver and Wine's own system
//! processes run outside every test's process group, with no pipe of a test, so killing a run never kills them and
//! they never keep a test's output open.

mod prefix;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

pub use prefix::WinePrefix;

use crate::paths::{repository_root, work_dir};
use crate::run::{RdbRun, batch, default_timeout};
use crate::session::RdbSession;

/// rdb.exe for x86_64-pc-windows-gnu: `RDB_WINDOWS_EXE` when set, else built once per test process by
/// `cargo xtask build-windows` (a no-op taking well under a second when it is up to date), whose last line of
/// stdout is the path.
pub fn rdb_exe() -> PathBuf {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| {
        if let Some(exe) = std::env::var_os("RDB_WINDOWS_EXE") {
            return PathBuf::from(exe);
        }
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let root = repository_root();
        let output = Command::new(&cargo)
            .args(["xtask", "build-windows"])
            .current_dir(&root)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {cargo:?} xtask build-windows: {e}"));
        let stdout = String::from_utf8_lossy(&output.stdout);
        let exe = stdout.lines().last().map(PathBuf::from).filter(|p| p.is_file());
        match exe {
            Some(exe) if output.status.success() => exe,
            _ => panic!(
                "`cargo xtask build-windows` did not build rdb.exe ({}); run `bash scripts/setup.sh` for the \
                 toolchain, or set RDB_WINDOWS_EXE\n---- stdout:\n{stdout}\n---- stderr:\n{}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            ),
        }
    })
    .clone()
}

/// The path a Windows program sees for a Unix path: Wine maps `/` to drive `Z:`.
pub fn wine_path(path: &Path) -> String {
    let absolute = if path.is_absolute() { path.to_path_buf() } else { std::env::current_dir().unwrap().join(path) };
    format!("Z:{}", absolute.to_string_lossy().replace('/', "\\"))
}

/// Runs `rdb.exe <args>` under Wine in batch mode with `stdin` piped in; kills it after `default_timeout()`.
/// Fails the test if rdb timed out or panicked.
pub fn rdb_wine(args: &[&str], stdin: &str) -> RdbRun {
    let run = batch(rdb_wine_session(args), stdin, default_timeout());
    run.assert_sane();
    run
}

/// A live rdb.exe under Wine, as [`RdbSession::start`] is a live rdb.
pub fn rdb_wine_session(args: &[&str]) -> RdbSession {
    let exe = rdb_exe();
    let mut cmd = test_prefix().command();
    cmd.arg(exe);
    RdbSession::spawn(cmd, args)
}

/// Runs a Windows program directly under Wine (no rdb), for checks of the debuggees themselves; returns its exit
/// code, stdout and stderr. Fails the test if it does not end within `default_timeout()`.
pub fn run_under_wine(program: &Path, args: &[&str]) -> (i32, String, String) {
    let mut cmd = test_prefix().command();
    cmd.arg(program);
    let mut session = RdbSession::spawn(cmd, args);
    session.close_stdin();
    let run = session.finish_within(default_timeout());
    if run.timed_out {
        run.fail(&format!("{} did not end in time under Wine", program.display()));
    }
    (run.status.code().unwrap_or(-1), run.stdout, run.stderr)
}

/// A Windows program the test starts itself under Wine (not through rdb.exe), e.g. a process to attach to: a live
/// session whose output the test reads (Windows programs end their lines with `\r\n`). It runs in a process group
/// of its own, killed when the session is dropped while it still runs.
pub fn spawn_under_wine(program: &Path, args: &[&str]) -> RdbSession {
    let mut cmd = test_prefix().command();
    cmd.arg(program);
    RdbSession::spawn(cmd, args)
}

/// A file for a test to create when a debuggee should go on (`wloop`'s stop file, `wloadlib`'s wait file): a path
/// of its own in the target directory, removed if an earlier run left it. Pass it as `wine_path(&file)`.
pub fn signal_file(name: &str) -> PathBuf {
    let path = work_dir().join("signal-files").join(name);
    fs::create_dir_all(path.parent().unwrap()).expect("create the signal-file directory");
    let _ = fs::remove_file(&path);
    path
}

/// The Unix pids of the processes whose command line holds `arg` (a Wine process's command line is its Windows
/// program and arguments): to check that a debuggee, given a unique argument, is gone.
pub fn processes_with_arg(arg: &str) -> Vec<u32> {
    let Ok(entries) = fs::read_dir("/proc") else { return Vec::new() };
    entries
        .flatten()
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let cmdline = fs::read(entry.path().join("cmdline")).ok()?;
            cmdline.split(|b| *b == 0).any(|a| a == arg.as_bytes()).then_some(pid)
        })
        .collect()
}

/// The Unix pid of the wineserver serving the tests' prefix: the one whose working directory is the server
/// directory Wine names for the prefix (`server-<device>-<inode>`, in hex). `None` if none runs.
pub fn wineserver_pid() -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    let prefix = fs::metadata(test_prefix().dir()).ok()?;
    let dir = format!("server-{:x}-{:x}", prefix.dev(), prefix.ino());
    fs::read_dir("/proc").ok()?.flatten().find_map(|entry| {
        let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
        let exe = fs::read_link(entry.path().join("exe")).ok()?;
        let cwd = fs::read_link(entry.path().join("cwd")).ok()?;
        let is_server = exe.file_name()?.to_str()?.starts_with("wineserver");
        (is_server && cwd.file_name()?.to_str()? == dir).then_some(pid)
    })
}

/// The tests' prefix, created on first use by any test run and made ready (its wineserver up) at every call.
pub fn test_prefix() -> &'static WinePrefix {
    static PREFIX: OnceLock<WinePrefix> = OnceLock::new();
    let prefix = PREFIX.get_or_init(|| {
        WinePrefix::new(&work_dir().join("wineprefix")).unwrap_or_else(|e| panic!("no Wine for the tests: {e}"))
    });
    prefix.prepare().unwrap_or_else(|e| panic!("the tests' Wine prefix {}: {e}", prefix.dir().display()));
    prefix
}
