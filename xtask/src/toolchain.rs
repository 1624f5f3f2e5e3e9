//! The Windows cross toolchain this machine must have, and what to install when it lacks it. The rustup toolchain
//! has no Windows standard library (and none can be downloaded here), so Debian's Rust builds std from source.

use std::path::Path;

/// Debian's Rust (the `rustc-web`/`cargo-web` packages), which can build std from source (`rust-web-src`).
pub const CARGO: &str = "/usr/bin/cargo";
pub const RUSTC: &str = "/usr/bin/rustc";
const STD_SOURCE: &str = "/usr/lib/rustlib/src/rust/library/std";
/// mingw-w64's C compiler: the linker of `x86_64-pc-windows-gnu`, and the compiler of the Wine shim and debuggees.
pub const MINGW_GCC: &str = "x86_64-w64-mingw32-gcc";

/// Fails with the Debian packages to install when a piece of the toolchain is missing.
pub fn check() -> Result<(), String> {
    let mut missing = Vec::new();
    if !Path::new(RUSTC).exists() {
        missing.push("rustc-web");
    }
    if !Path::new(CARGO).exists() {
        missing.push("cargo-web");
    }
    if !Path::new(STD_SOURCE).exists() {
        missing.push("rust-web-src");
    }
    if !on_path(MINGW_GCC) {
        missing.push("gcc-mingw-w64-x86-64");
    }
    if missing.is_empty() {
        return Ok(());
    }
    Err(format!(
        "the Windows cross toolchain is incomplete: run `bash scripts/setup.sh`, or \
         `sudo apt-get install -y --no-install-recommends {}` (Debian 12)",
        missing.join(" ")
    ))
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}
