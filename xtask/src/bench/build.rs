//! What the bench runs: rdb (release) and, as the large debuggee, rdb's own debug build; the loop-of-calls
//! debuggee built with gcc, and with mingw-w64 plus rdb.exe for the Wine line.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::toolchain::MINGW_GCC;
use crate::workspace::run;

/// The debuggee of the rate measures: `bench/debuggees/calls.c`. Its module is `calls`.
pub const CALLS: &str = "calls";

pub struct Linux {
    pub rdb: PathBuf,
    /// `target/debug/rdb`: about 30 MB with DWARF, the debuggee of the launch measure.
    pub rdb_debug: PathBuf,
    pub calls: PathBuf,
}

/// Builds rdb with the cargo that runs this task, in release and, when `debug` (the launch line's debuggee), in
/// debug, and the Linux debuggee.
pub fn linux(root: &Path, target: &Path, out: &Path, debug: bool) -> Result<Linux, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let profiles: &[&[&str]] = if debug { &[&["--release"], &[]] } else { &[&["--release"]] };
    for profile in profiles {
        let mut build = Command::new(&cargo);
        build.current_dir(root).args(["build", "--package", "rdb"]).args(*profile).arg("--target-dir").arg(target);
        run(&mut build)?;
    }
    let calls = out.join(CALLS);
    compile("gcc", &root.join(format!("bench/debuggees/{CALLS}.c")), &calls)?;
    Ok(Linux { rdb: target.join("release/rdb"), rdb_debug: target.join("debug/rdb"), calls })
}

/// The Windows debuggee `calls.exe`, built with mingw-w64.
pub fn windows_calls(root: &Path, out: &Path) -> Result<PathBuf, String> {
    let exe = out.join(format!("{CALLS}.exe"));
    compile(MINGW_GCC, &root.join(format!("bench/debuggees/{CALLS}.c")), &exe)?;
    Ok(exe)
}

/// `-O0` with frame pointers, as the test debuggees: f's prologue and the loop stay what the source says.
fn compile(compiler: &str, source: &Path, output: &Path) -> Result<(), String> {
    let mut cc = Command::new(compiler);
    cc.args(["-g", "-O0", "-fno-omit-frame-pointer", "-o"]).arg(output).arg(source);
    run(&mut cc)
}
