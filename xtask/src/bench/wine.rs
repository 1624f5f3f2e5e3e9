//! The Wine line: rdb.exe against winedbg, Wine's own debugger, on the mingw-built loop of calls.
//!
//! Both run in a private prefix under the target directory (created once, about 8 s, not measured) with a
//! wineserver kept up between runs (60 s after its last client), so no run pays for starting it: the same prefix
//! set-up as the tests', `rdb_testkit::wine::WinePrefix`. winedbg does not read mingw's DWARF here, so it
//! gets f's address, read from the PE's COFF symbol table; it has conditions (`condition <bpnum> <expr>`), so both
//! debuggers evaluate a never-true one at every call.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use object::{Object, ObjectSymbol};
use rdb_testkit::wine::{WinePrefix, wine_path};

use super::build::CALLS;
use super::linux::{absent, all_of, expect};
use super::measure::{Bench, Job, Script};
use super::report::{Cell, Row, Target};

/// Calls (hits) of one timed run, some seconds' work for each: rdb.exe's (the condition runs inside the
/// debuggee, a few nanoseconds a call), and winedbg's (10 to 40 a second).
const RDB_HITS: u64 = 50_000_000;
const WINEDBG_HITS: u64 = 150;
const CHECK_HITS: u64 = 20;

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
        cells: [rdb, absent("n/a"), absent("n/a"), absent("n/a"), winedbg],
        reference: "winedbg",
        target: Some(Target::AtLeast(30.0)),
        note: format!(
            "rdb.exe `bp /w \"@rcx == 0xffffffff\" {CALLS}!f; g` against winedbg `break *<f's address>` + \
             `condition 1 $rcx == 0xffffffff` + `cont` (stdin), on the mingw-built `{CALLS}.exe N` (N: rdb.exe \
             {RDB_HITS}, winedbg {WINEDBG_HITS}); hits/s as for the Linux never-true conditional bp, the baseline being the same debugger running \
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
        counted: None,
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
        counted: None,
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

/// The bench's private Wine prefix (the tests' kind, [`WinePrefix`], in the bench's directory) with its wineserver
/// up.
struct Wine {
    prefix: WinePrefix,
}

impl Wine {
    /// Creates the prefix on first use and starts the wineserver.
    fn prepare(dir: &Path) -> Result<Wine, String> {
        let prefix = WinePrefix::new(&dir.join("wineprefix"))?;
        if !prefix.is_created() {
            eprintln!("bench: creating the Wine prefix {} (once)", prefix.dir().display());
        }
        prefix.prepare()?;
        Ok(Wine { prefix })
    }

    /// `wine64` with this prefix's environment.
    fn command(&self) -> Command {
        self.prefix.command()
    }

    fn rdb_exe(&self, exe: &Path, commands: &str, program: &Path, count: u64) -> Command {
        let mut cmd = self.command();
        cmd.arg(exe).arg("-c").arg(commands).arg(program).arg(count.to_string());
        cmd
    }

    /// winedbg hands its program to CreateProcess, which wants a Windows path: Wine maps `/` to drive `Z:`.
    fn winedbg(&self, program: &Path, count: u64) -> Command {
        let mut cmd = self.command();
        cmd.arg("winedbg").arg(wine_path(program)).arg(count.to_string());
        cmd
    }
}
