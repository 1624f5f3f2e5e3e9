//! The Windows half of the harness: rdb.exe (from `cargo xtask build-windows`, or `RDB_WINDOWS_EXE`), run under
//! Wine in a private prefix, against the mingw-built debuggees of `tests/debuggees-windows/` (and the portable ISO C
//! ones of `tests/debuggees/`).
//!
//! Wine must never hang the suite: every rdb.exe run has the same hard timeout as a Linux run and its own process
//! group (the debuggee Wine starts for it is in that group too), while the wineserver and Wine's own system
//! processes (services.exe, explorer.exe...) run outside every test's process group, with no pipe of a test, so
//! killing a run never kills them and they never keep a test's output open. The prefix is created once per test
//! run (about 8 s), under a file lock since several test binaries may run at once; the wineserver is kept warm
//! (persistent for `SERVER_LINGER` after its last client) so each run starts in a fraction of a second.

use std::fs::{self, File};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::{RdbRun, RdbSession, batch, built_once, compile_once, debuggee_sources, default_timeout, source_directive};

/// How long the wineserver stays up after its last client exits: long enough to bridge the gaps between test
/// binaries, short enough not to linger after the suite.
const SERVER_LINGER: Duration = Duration::from_secs(60);

/// How long creating the prefix may take before the harness gives up.
const PREFIX_TIMEOUT: Duration = Duration::from_secs(120);

// ---------------------------------------------------------------------------------------------------------------
// rdb.exe
// ---------------------------------------------------------------------------------------------------------------

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
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
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

// ---------------------------------------------------------------------------------------------------------------
// Debuggees
// ---------------------------------------------------------------------------------------------------------------

/// Where the Windows-only debuggee sources live (`tests/debuggees-windows/`).
pub fn windows_debuggee_sources() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/debuggees-windows")
}

/// Builds debuggee `name` for Windows with mingw-w64 (`x86_64-w64-mingw32-gcc -g`, DWARF inside the PE) once per
/// test process; returns `<name>.exe` (or the file its `rdb-output:` names, e.g. `wplugin.dll`).
/// The source is `tests/debuggees-windows/<name>.c`, else the portable `tests/debuggees/<name>.c` (POSIX threads
/// included: mingw-w64's winpthreads, linked statically).
pub fn windows_debuggee(name: &str) -> PathBuf {
    built_once(&format!("windows/{name}"), || {
        let src = [windows_debuggee_sources(), debuggee_sources()]
            .iter()
            .map(|dir| dir.join(format!("{name}.c")))
            .find(|p| p.exists())
            .unwrap_or_else(|| panic!("no debuggee source {name}.c in tests/debuggees-windows or tests/debuggees"));
        // `rdb-build:` flags are for Linux's gcc in the portable sources: only Windows sources give mingw flags.
        let windows_source = src.starts_with(windows_debuggee_sources());
        let flags = if windows_source { source_directive(&src, "rdb-build:") } else { None };
        let out_name = windows_source
            .then(|| source_directive(&src, "rdb-output:"))
            .flatten()
            .unwrap_or_else(|| format!("{name}.exe"));
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("debuggees-windows").join(out_name);
        compile_once(&src, &out, |tmp| {
            let mut cmd = Command::new("x86_64-w64-mingw32-gcc");
            cmd.args(["-g", "-O0", "-fno-omit-frame-pointer", "-o"]).arg(tmp).arg(&src);
            if let Some(flags) = flags {
                cmd.args(flags.split_whitespace());
            }
            if !windows_source {
                // Built as on Linux (`-pthread`), and statically: winpthreads' DLL is then not needed beside them.
                cmd.args(["-pthread", "-static"]);
            }
            cmd
        })
    })
}

/// The path a Windows program sees for a Unix path: Wine maps `/` to drive `Z:`.
pub fn wine_path(path: &Path) -> String {
    let absolute = if path.is_absolute() { path.to_path_buf() } else { std::env::current_dir().unwrap().join(path) };
    format!("Z:{}", absolute.to_string_lossy().replace('/', "\\"))
}

// ---------------------------------------------------------------------------------------------------------------
// Running rdb.exe under Wine
// ---------------------------------------------------------------------------------------------------------------

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
    let wine = Wine::get();
    let mut cmd = wine.command();
    cmd.arg(exe);
    RdbSession::spawn(cmd, args)
}

/// Runs a Windows program directly under Wine (no rdb), for checks of the debuggees themselves; returns its exit
/// code, stdout and stderr. Fails the test if it does not end within `default_timeout()`.
pub fn run_under_wine(program: &Path, args: &[&str]) -> (i32, String, String) {
    let mut cmd = Wine::get().command();
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
    let mut cmd = Wine::get().command();
    cmd.arg(program);
    RdbSession::spawn(cmd, args)
}

/// A file for a test to create when a debuggee should go on (`wloop`'s stop file, `wloadlib`'s wait file): a path
/// of its own in the target directory, removed if an earlier run left it. Pass it as `wine_path(&file)`.
pub fn signal_file(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("signal-files").join(name);
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
    let prefix = fs::metadata(&Wine::get().prefix).ok()?;
    let dir = format!("server-{:x}-{:x}", prefix.dev(), prefix.ino());
    fs::read_dir("/proc").ok()?.flatten().find_map(|entry| {
        let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
        let exe = fs::read_link(entry.path().join("exe")).ok()?;
        let cwd = fs::read_link(entry.path().join("cwd")).ok()?;
        let is_server = exe.file_name()?.to_str()?.starts_with("wineserver");
        (is_server && cwd.file_name()?.to_str()? == dir).then_some(pid)
    })
}

/// The private Wine installation of the tests.
pub struct Wine {
    loader: PathBuf,
    server: PathBuf,
    prefix: PathBuf,
}

impl Wine {
    /// The prefix, created on first use by this test run.
    pub fn get() -> &'static Wine {
        static WINE: OnceLock<Wine> = OnceLock::new();
        let wine = WINE.get_or_init(|| {
            let wine = Wine {
                loader: find_program("/usr/lib/wine/wine64", "wine64"),
                server: find_program("/usr/lib/wine/wineserver", "wineserver"),
                prefix: Path::new(env!("CARGO_TARGET_TMPDIR")).join("wineprefix"),
            };
            wine.create_prefix();
            wine
        });
        wine.keep_server_warm();
        wine
    }

    /// `wine64` with this prefix's environment; the caller adds the program and its arguments.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(&self.loader);
        self.environment(&mut cmd);
        cmd
    }

    fn environment(&self, cmd: &mut Command) {
        cmd.env("WINEPREFIX", &self.prefix)
            .env("WINEDEBUG", "-all")
            // No Mono or Gecko installer during wineboot: the tests need neither.
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY");
    }

    /// Creates and boots the prefix once; a marker file says it is complete. The file lock keeps test binaries
    /// that start together from creating it twice.
    fn create_prefix(&self) {
        let done = self.prefix.join(".rdb-ready");
        let _lock = self.lock();
        if done.exists() {
            return;
        }
        let _ = fs::remove_dir_all(&self.prefix);
        fs::create_dir_all(&self.prefix).expect("create the Wine prefix directory");
        self.start_server();
        self.run_detached(&["wineboot", "--init"]);
        // No crash dialog or winedbg when a program dies of an exception no debugger handles: Wine just ends it.
        self.run_detached(&[
            "reg",
            "add",
            r"HKLM\Software\Microsoft\Windows NT\CurrentVersion\AeDebug",
            "/v",
            "Debugger",
            "/d",
            "",
            "/f",
        ]);
        fs::write(&done, "").expect("mark the Wine prefix ready");
    }

    /// Starts the wineserver unless it runs; when it had to be started, boots the prefix's system processes
    /// outside any test's process group (otherwise the first test run would start them in its own).
    fn keep_server_warm(&self) {
        let _lock = self.lock();
        if self.start_server() {
            self.run_detached(&["wineboot"]);
        }
    }

    /// `wineserver -p<linger>`: returns whether it started one (it exits 2 when a server already runs).
    fn start_server(&self) -> bool {
        let mut cmd = Command::new(&self.server);
        cmd.arg(format!("-p{}", SERVER_LINGER.as_secs()));
        self.environment(&mut cmd);
        let status = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .status()
            .unwrap_or_else(|e| panic!("cannot run {}: {e} (run scripts/setup.sh)", self.server.display()));
        status.success()
    }

    /// Runs `wine64 <args>` in a process group of its own, with no pipe of ours, and waits for it.
    fn run_detached(&self, args: &[&str]) {
        let mut cmd = self.command();
        cmd.args(args).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).process_group(0);
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot run wine64 {args:?}: {e}"));
        let deadline = Instant::now() + PREFIX_TIMEOUT;
        loop {
            match child.try_wait() {
                Ok(Some(status)) if status.success() => return,
                Ok(Some(status)) => panic!("wine64 {args:?} failed: {status}"),
                Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
                _ => {
                    let _ = child.kill();
                    panic!("wine64 {args:?} did not finish within {PREFIX_TIMEOUT:?}");
                }
            }
        }
    }

    /// An exclusive lock on the prefix, shared with the other test binaries (released when dropped).
    fn lock(&self) -> File {
        let path = self.prefix.with_extension("lock");
        fs::create_dir_all(path.parent().unwrap()).expect("create the Wine lock directory");
        let file = File::create(&path).unwrap_or_else(|e| panic!("create {}: {e}", path.display()));
        file.lock().unwrap_or_else(|e| panic!("lock {}: {e}", path.display()));
        file
    }
}

/// `preferred` (Debian's location) when it exists, else `name` from PATH.
fn find_program(preferred: &str, name: &str) -> PathBuf {
    if Path::new(preferred).exists() { PathBuf::from(preferred) } else { PathBuf::from(name) }
}
