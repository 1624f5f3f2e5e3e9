//! A private Wine prefix with a warm wineserver: what the tests and `cargo xtask bench` both run Windows programs in.
//!
//! The prefix is created and booted once (about 8 s; a marker file says it is complete, a file lock keeps processes
//! that start together from creating it twice), with no crash dialog or winedbg for a program that dies of an
//! exception no debugger handles. The wineserver stays up for `SERVER_LINGER` after its last client, so a program
//! starts in a fraction of a second. The wineserver and Wine's system processes (services.exe, explorer.exe...)
//! are started in process groups of their own with no stdio of the caller: killing a caller's process group never
//! kills them, and they never hold a caller's output open.

use std::fs::{self, File};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long the wineserver stays up after its last client exits: long enough to bridge the gaps between test
/// binaries (or timed runs), short enough not to linger long after them.
const SERVER_LINGER: Duration = Duration::from_secs(60);

/// How long booting the prefix, or a step of it, may take before it is given up.
const BOOT_TIMEOUT: Duration = Duration::from_secs(120);

/// The file whose presence says the prefix was created completely.
const READY_MARKER: &str = ".rdb-ready";

/// A Wine prefix at a directory of its own, and the Wine programs that run in it.
pub struct WinePrefix {
    loader: PathBuf,
    server: PathBuf,
    dir: PathBuf,
}

impl WinePrefix {
    /// The prefix at `dir`, with `wine64` and `wineserver` found (Debian's paths, else PATH). Creates nothing.
    pub fn new(dir: &Path) -> Result<WinePrefix, String> {
        let loader = find_program("/usr/lib/wine/wine64", "wine64")?;
        let server = find_program("/usr/lib/wine/wineserver", "wineserver")?;
        Ok(WinePrefix { loader, server, dir: dir.to_path_buf() })
    }

    /// The prefix's directory (`WINEPREFIX`).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether the prefix was created completely by an earlier [`WinePrefix::prepare`].
    pub fn is_created(&self) -> bool {
        self.dir.join(READY_MARKER).exists()
    }

    /// Makes the prefix ready to run programs: creates and boots it if it is not complete, and starts its
    /// wineserver if none runs, then boots Wine's system processes at once (outside every caller's process group:
    /// otherwise the first program run would start them in its own).
    pub fn prepare(&self) -> Result<(), String> {
        let _lock = self.lock()?;
        if !self.is_created() {
            return self.create();
        }
        if self.start_server()? {
            self.run_detached(&["wineboot"])?;
        }
        Ok(())
    }

    /// `wine64` with this prefix's environment; the caller adds the program and its arguments.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(&self.loader);
        self.environment(&mut cmd);
        cmd
    }

    fn environment(&self, cmd: &mut Command) {
        cmd.env("WINEPREFIX", &self.dir)
            .env("WINEDEBUG", "-all")
            // No Mono or Gecko installer during wineboot: nothing here needs them.
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY");
    }

    /// Creates and boots the prefix from nothing (what an interrupted creation left is removed first), then marks it
    /// complete. The caller holds the lock.
    fn create(&self) -> Result<(), String> {
        let _ = fs::remove_dir_all(&self.dir);
        fs::create_dir_all(&self.dir).map_err(|e| format!("create {}: {e}", self.dir.display()))?;
        self.start_server()?;
        self.run_detached(&["wineboot", "--init"])?;
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
        ])?;
        let ready = self.dir.join(READY_MARKER);
        fs::write(&ready, "").map_err(|e| format!("mark {} ready: {e}", ready.display()))
    }

    /// `wineserver -p<linger>`: returns whether it started one (it puts itself in the background and exits 0, or
    /// exits 2 when a server already runs for the prefix).
    fn start_server(&self) -> Result<bool, String> {
        let mut cmd = Command::new(&self.server);
        cmd.arg(format!("-p{}", SERVER_LINGER.as_secs()));
        self.environment(&mut cmd);
        let status = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .status()
            .map_err(|e| format!("cannot run {}: {e} (run scripts/setup.sh)", self.server.display()))?;
        Ok(status.success())
    }

    /// Runs `wine64 <args>` in a process group of its own, with no stdio of ours, and waits for it (killed after
    /// `BOOT_TIMEOUT`).
    fn run_detached(&self, args: &[&str]) -> Result<(), String> {
        let mut cmd = self.command();
        cmd.args(args).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).process_group(0);
        let mut child = cmd.spawn().map_err(|e| format!("cannot run wine64 {args:?}: {e}"))?;
        let deadline = Instant::now() + BOOT_TIMEOUT;
        loop {
            match child.try_wait() {
                Ok(Some(status)) if status.success() => return Ok(()),
                Ok(Some(status)) => return Err(format!("wine64 {args:?} failed: {status}")),
                Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(format!("wine64 {args:?} did not finish within {BOOT_TIMEOUT:?}"));
                }
            }
        }
    }

    /// An exclusive lock on the prefix, shared with every other process using it (released when dropped).
    fn lock(&self) -> Result<File, String> {
        let path = self.dir.with_extension("lock");
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| format!("create {}: {e}", parent.display()))?;
        }
        let file = File::create(&path).map_err(|e| format!("create {}: {e}", path.display()))?;
        file.lock().map_err(|e| format!("lock {}: {e}", path.display()))?;
        Ok(file)
    }
}

/// `preferred` (Debian's location) when it exists, else `name` from PATH.
fn find_program(preferred: &str, name: &str) -> Result<PathBuf, String> {
    if Path::new(preferred).exists() {
        return Ok(PathBuf::from(preferred));
    }
    crate::paths::on_path(name).ok_or_else(|| format!("{name} is not installed (run scripts/setup.sh)"))
}
