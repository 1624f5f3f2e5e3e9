//! `rdb`: the console front end. It parses cdb's command line, picks the backend for this OS, and hands both to the
//! console loop. No debugger logic lives here: that is the engine's.

mod backend;
mod commands;
mod console;
mod help;
mod input;
mod parse;
mod signals;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// rdb: a native x86-64 debugger that speaks WinDbg's command language.
#[derive(Parser, Debug)]
#[command(name = "rdb", version, about, long_about = None)]
pub struct Args {
    /// Commands to run at the first stop, separated by ';' (as cdb's -c).
    #[arg(short = 'c', value_name = "COMMANDS")]
    pub commands: Option<String>,
    /// Run past the initial breakpoint.
    #[arg(short = 'g')]
    pub go_initial: bool,
    /// Do not stop at process exit: rdb quits when the debuggee ends.
    #[arg(short = 'G')]
    pub go_final: bool,
    /// Debug child processes too (accepted for cdb compatibility; children are not followed yet).
    #[arg(short = 'o')]
    pub children: bool,
    /// Attach to a running process.
    #[arg(short = 'p', value_name = "PID", conflicts_with = "command")]
    pub pid: Option<u32>,
    /// The program to launch and its arguments; everything after the program is the program's, not rdb's.
    #[arg(trailing_var_arg = true, value_name = "PROGRAM [ARGS]...")]
    pub command: Vec<String>,
}

impl Args {
    pub fn program(&self) -> Option<PathBuf> {
        self.command.first().map(PathBuf::from)
    }

    pub fn program_args(&self) -> &[String] {
        self.command.get(1..).unwrap_or(&[])
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.command.is_empty() && args.pid.is_none() {
        eprintln!("rdb: nothing to debug: give a program to launch or -p <pid> (see rdb --help)");
        return ExitCode::from(2);
    }
    console::run(args)
}
