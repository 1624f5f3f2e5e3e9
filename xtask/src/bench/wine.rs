//! The Wine line: rdb.exe against winedbg, Wine's own debugger, on the mingw-built loop of calls.
//!
//! Both run in a private prefix under the target directory (created once, about 8 s, not measured) with a
//! wineserver kept up between runs, so no run pays for starting it. winedbg does not read mingw's DWARF here, so it
//! gets f's address, read from the PE's COFF symbol table; it has conditions (`condition <bpnum> <expr>`), so both
//! debuggers evaluate a never-true one at every call.

use std::fs;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use object::{Object, ObjectSymbol};

use super::build::CALLS;
use super::linux::{absent, all_of, expect};
use super::measure::{Bench, Job, Script};
use super::report::{Cell, Row, Target};

/// Calls (hits) of one timed run, some seconds' work for each: rdb.exe's (the condition runs inside the
/// debuggee, a few nanoseconds a call), and winedbg's (10 to 40 a second).
const RDB_HITS: u64 = 50_000_000;
const WINEDBG_HITS: u64 = 150;
const CHECK_HITS: u64 = 20;
/// How long the wineserver stays up after its last client: it bridges the gaps between runs.
const SERVER_LINGER_SECS: u32 = 60;

/// rdb.exe and calls.exe, or why they could not be built.
pub struct Setup {
    pub rdb_exe: Result<PathBuf, String>,
    pub calls_exe: Result<PathBuf, String>,
}

pub fn row(bench: &Bench, setup: &Setup, wine_dir: &Path) -> Row {
    let (rdb, winedbg) = match cells(bench, setup, wine_dir) {
        Ok(cells) => cells,
        Err(e) => {
            eprintln!("bench: wine: {e}");
            (absent(&format!("failed: {e}")), absent("not measured"))
        }
    };
    Row {
        measure: "under Wine: never-true conditional bp, rdb.exe vs winedbg".into(),
        unit: "hits/s",
        cells: [rdb, absent("n/a"), absent("n/a"), winedbg],
        reference: "winedbg",
        target: Some(Target::AtLeast(30.0)),
        note: format!(
            "rdb.exe `bp /w \"@rcx == 0xffffffff\" {CALLS}!f; g` against winedbg `break *<f's address>` + \
             `condition 1 $rcx == 0xffffffff` + `cont` (stdin), on the mingw-built `{CALLS}.exe N` (N: rdb.exe \
             {RDB_HITS}, winedbg {WINEDBG_HITS}); hits/s as in [1], the baseline being the same debugger running \
             the program without the breakpoint. Warm wineserver, private prefix."
        ),
    }
}

fn cells(bench: &Bench, setup: &Setup, wine_dir: &Path) -> Result<(Cell, Cell), String> {
    let rdb_exe = setup.rdb_exe.clone().map_err(|e| format!("no rdb.exe: {e}"))?;
    let calls = setup.calls_exe.clone().map_err(|e| format!("no {CALLS}.exe: {e}"))?;
    let wine = Wine::prepare(wine_dir)?;
    let f = symbol_address(&calls, "f")?;

    let (wine, rdb_exe, calls) = (&wine, &rdb_exe, &calls);
    let rdb = Job {
        tool: "rdb.exe",
        count: RDB_HITS,
        check_count: CHECK_HITS,
        work: Box::new(|n| {
            let commands = format!("bp /w \"@rcx == 0xffffffff\" {CALLS}!f; g; q");
            Script::new(wine.rdb_exe(rdb_exe, &commands, calls, n))
        }),
        baseline: Some(Box::new(|n| Script::new(wine.rdb_exe(rdb_exe, "g; q", calls, n)))),
        check: all_of(&["Exit process"], &["Breakpoint 0 hit", "\n^ "]),
    };
    let winedbg = Job {
        tool: "winedbg",
        count: WINEDBG_HITS,
        check_count: CHECK_HITS,
        work: Box::new(|n| {
            let stdin = format!("break *0x{f:x}\ncondition 1 $rcx == 0xffffffff\ncont\nquit\n");
            Script::with_stdin(wine.winedbg(calls, n), stdin)
        }),
        baseline: Some(Box::new(|n| Script::with_stdin(wine.winedbg(calls, n), "cont\nquit\n".into()))),
        // winedbg names the module of the address: the breakpoint is in calls.exe, where f is.
        check: Box::new(move |out| {
            let set = format!("Breakpoint 1 at 0x{f:014x} {CALLS}+0x");
            expect(out, &[&set, "has terminated"], &["Stopped on breakpoint"])
        }),
    };
    let cell = |job: &Job| match bench.rate("wine", job) {
        Ok(rate) => Cell::Value(rate),
        Err(e) => {
            eprintln!("bench: wine {}: {e}", job.tool);
            absent(&format!("failed: {e}"))
        }
    };
    Ok((cell(&rdb), cell(&winedbg)))
}

/// f's address as the PE's COFF symbol table gives it (image base + RVA): mingw's executables load at their
/// preferred base under Wine, which the check run confirms (winedbg names the module the address falls in).
fn symbol_address(exe: &Path, name: &str) -> Result<u64, String> {
    let data = fs::read(exe).map_err(|e| format!("read {}: {e}", exe.display()))?;
    let file = object::File::parse(&*data).map_err(|e| format!("parse {}: {e}", exe.display()))?;
    file.symbols()
        .find(|s| s.name() == Ok(name) && s.address() != 0)
        .map(|s| s.address())
        .ok_or_else(|| format!("no symbol {name} in {}", exe.display()))
}

/// A private Wine prefix with its wineserver up.
struct Wine {
    loader: PathBuf,
    prefix: PathBuf,
}

impl Wine {
    /// Creates the prefix on first use (a marker file says it is complete) and starts the wineserver.
    fn prepare(dir: &Path) -> Result<Wine, String> {
        let find = |preferred: &str, name: &str| {
            Some(PathBuf::from(preferred)).filter(|p| p.exists()).or_else(|| super::tools::which(name))
        };
        let loader = find("/usr/lib/wine/wine64", "wine64").ok_or("wine64 is not installed")?;
        let server = find("/usr/lib/wine/wineserver", "wineserver").ok_or("wineserver is not installed")?;
        let wine = Wine { loader, prefix: dir.join("wineprefix") };
        let ready = wine.prefix.join(".rdb-bench-ready");
        fs::create_dir_all(&wine.prefix).map_err(|e| format!("create {}: {e}", wine.prefix.display()))?;
        // `wineserver -p<secs>` puts itself in the background and exits 0, or exits 2 when one already runs.
        let mut start = Command::new(&server);
        start.arg(format!("-p{SERVER_LINGER_SECS}"));
        wine.environment(&mut start);
        let started = wine.detached(start)?;
        if !ready.exists() {
            eprintln!("bench: creating the Wine prefix {} (once)", wine.prefix.display());
            let mut boot = wine.command();
            boot.args(["wineboot", "--init"]);
            wine.detached(boot)?.then_some(()).ok_or("wineboot --init failed")?;
            fs::write(&ready, "").map_err(|e| format!("mark {}: {e}", ready.display()))?;
        } else if started {
            // Wine's system processes, booted now rather than inside the first measured run.
            let mut boot = wine.command();
            boot.arg("wineboot");
            wine.detached(boot)?;
        }
        Ok(wine)
    }

    /// `wine64` with this prefix's environment.
    fn command(&self) -> Command {
        let mut cmd = Command::new(&self.loader);
        self.environment(&mut cmd);
        cmd
    }

    fn environment(&self, cmd: &mut Command) {
        cmd.env("WINEPREFIX", &self.prefix)
            .env("WINEDEBUG", "-all")
            // No Mono or Gecko installer during wineboot: nothing here needs them.
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY");
    }

    /// Runs `cmd` in a process group of its own with no stdio of ours (the wineserver and Wine's system processes
    /// it may start outlive it and must not hold our output open); returns whether it succeeded.
    fn detached(&self, mut cmd: Command) -> Result<bool, String> {
        let status = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .status()
            .map_err(|e| format!("cannot run {:?}: {e}", cmd.get_program()))?;
        Ok(status.success())
    }

    fn rdb_exe(&self, exe: &Path, commands: &str, program: &Path, count: u64) -> Command {
        let mut cmd = self.command();
        cmd.arg(exe).arg("-c").arg(commands).arg(program).arg(count.to_string());
        cmd
    }

    /// winedbg hands its program to CreateProcess, which wants a Windows path: Wine maps `/` to drive `Z:`.
    fn winedbg(&self, program: &Path, count: u64) -> Command {
        let windows_path = format!("Z:{}", program.to_string_lossy().replace('/', "\\"));
        let mut cmd = self.command();
        cmd.arg("winedbg").arg(windows_path).arg(count.to_string());
        cmd
    }
}
