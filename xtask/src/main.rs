//! `cargo xtask <task>`: the project's build tasks that plain cargo cannot express, written in Rust so they run
//! wherever cargo does. Each task prints its progress on stderr and its result on stdout.

mod bench;
mod toolchain;
mod windows;
mod workspace;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  build-windows   cross-build the release rdb.exe for x86_64-pc-windows-gnu (with Debian's Rust and mingw-w64),
                  put the bcryptprimitives.dll shim Wine needs beside it, and print rdb.exe's path last
  bench [--repeat <n>] [--only <line>[,<line>...]]
                  build rdb (release), its debuggees and rdb.exe, then time rdb against gdb (and lldb when installed)
                  on Linux, as a gdb server against gdbserver, and against winedbg under Wine; print a Markdown table
                  of figures, ratios and targets, and write it as JSON to <target>/bench/results.json. Each run is
                  timed <n> times (default 5). --only measures only the lines named (conditional, passes, steps,
                  launch, locals, remote, wine) and builds only what they need";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("build-windows") if args.len() == 1 => windows::build().map(|exe| println!("{}", exe.display())),
        Some("bench") => bench::run(&args[1..]),
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
