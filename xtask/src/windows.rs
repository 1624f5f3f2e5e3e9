//! `build-windows`: the release rdb.exe for x86_64-pc-windows-gnu, with the `bcryptprimitives.dll` shim beside it.
//!
//! Debian's cargo and rustc build the standard library from source (`-Zbuild-std`, allowed by `RUSTC_BOOTSTRAP=1`)
//! into a target directory of their own, `<target>/windows`, so the two toolchains never share build outputs. The
//! linker is given through the environment rather than a config file, so plain `cargo` commands are unaffected.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::SystemTime;

use crate::toolchain::{self, CARGO, MINGW_GCC, RUSTC};
use crate::workspace::{run, target_dir, workspace_root};

const TRIPLE: &str = "x86_64-pc-windows-gnu";

/// Builds rdb.exe and its shim; returns rdb.exe's path.
pub fn build() -> Result<PathBuf, String> {
    toolchain::check()?;
    let root = workspace_root();
    let target_dir = target_dir(&root).join("windows");

    let mut cargo = Command::new(CARGO);
    cargo
        .current_dir(&root)
        .args(["build", "--release", "--package", "rdb", "--target", TRIPLE, "-Zbuild-std=std,panic_abort"])
        .arg("--target-dir")
        .arg(&target_dir)
        // Our stdout carries only the result: cargo's own output goes to stderr with its progress.
        .stdout(Stdio::from(std::io::stderr()));
    debian_toolchain_env(&mut cargo);
    run(&mut cargo)?;

    let out_dir = target_dir.join(TRIPLE).join("release");
    build_prng_shim(&root.join("scripts/windows/bcryptprimitives.c"), &out_dir.join("bcryptprimitives.dll"))?;
    Ok(out_dir.join("rdb.exe"))
}

/// Makes `cmd` run Debian's toolchain cleanly: `cargo xtask` runs under rustup's cargo, which sets variables
/// (`RUSTC`, `RUSTUP_TOOLCHAIN`, `CARGO_*` of the xtask package...) that would steer the inner cargo back to
/// rustup's toolchain or confuse it. The user's own cargo home and network settings are kept.
fn debian_toolchain_env(cmd: &mut Command) {
    const KEPT: [&str; 5] = ["CARGO_HOME", "CARGO_NET_", "CARGO_HTTP_", "CARGO_REGISTRIES_", "CARGO_REGISTRY_"];
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        let ours = ["CARGO", "RUSTC", "RUSTDOC", "RUSTUP_"].iter().any(|p| key.starts_with(p));
        if ours && !KEPT.iter().any(|k| key.starts_with(k)) {
            cmd.env_remove(&*key);
        }
    }
    // rustup's ~/.cargo/bin usually comes first on PATH; /usr/bin must win for `rustc` and `rustdoc`.
    let mut path = OsString::from("/usr/bin");
    if let Some(rest) = std::env::var_os("PATH") {
        path.push(":");
        path.push(rest);
    }
    cmd.env("PATH", path)
        .env("RUSTC", RUSTC)
        .env("RUSTC_BOOTSTRAP", "1")
        .env("CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER", MINGW_GCC);
}

/// Wine 8.0 has no `bcryptprimitives.dll`, whose `ProcessPrng` every Rust program imports: a tiny stand-in, next
/// to rdb.exe where Windows' loader looks first. Rebuilt only when its source is newer.
fn build_prng_shim(source: &Path, dll: &Path) -> Result<(), String> {
    let modified = |p: &Path| fs::metadata(p).and_then(|m| m.modified()).ok();
    if let (Some(src), Some(out)) = (modified(source), modified(dll))
        && out >= src
    {
        return Ok(());
    }
    // Built under a temporary name and renamed, so a concurrent run never sees half a DLL.
    let nanos = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let tmp = dll.with_file_name(format!(".bcryptprimitives.{}.{nanos}.dll", std::process::id()));
    let mut gcc = Command::new(MINGW_GCC);
    gcc.args(["-shared", "-O2", "-s", "-o"]).arg(&tmp).arg(source).arg("-ladvapi32");
    run(&mut gcc)?;
    fs::rename(&tmp, dll).map_err(|e| format!("rename {} to {}: {e}", tmp.display(), dll.display()))
}
