//! `cargo xtask <task>`: the project's build tasks that plain cargo cannot express, written in Rust so they run
//! wherever cargo does. Each task prints its progress on stderr and its result on stdout.

mod toolchain;
mod windows;
mod workspace;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  build-windows   cross-build the release rdb.exe for x86_64-pc-windows-gnu (with Debian's Rust and mingw-w64),
                  put the bcryptprimitives.dll shim Wine needs beside it, and print rdb.exe's path last";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("build-windows") if args.len() == 1 => windows::build().map(|exe| println!("{}", exe.display())),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(USAGE.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}
