//! `rdb`: the command-line program. It parses cdb's command line and hands it to the console (`rdb_windbg`). No
//! debugger logic lives here: that is the engine's.

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
    /// Debug child processes too (`.childdbg 1`): each child gets a process number (`|`) and its own events.
    #[arg(short = 'o')]
    pub children: bool,
    /// Attach to a running process.
    #[arg(short = 'p', value_name = "PID", conflicts_with = "command")]
    pub pid: Option<u32>,
    /// The program to launch and its arguments; everything after the program is the program's, not rdb's.
    #[arg(trailing_var_arg = true, value_name = "PROGRAM [ARGS]...")]
    pub command: Vec<String>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.command.is_empty() && args.pid.is_none() {
        eprintln!("rdb: nothing to debug: give a program to launch or -p <pid> (see rdb --help)");
        return ExitCode::from(2);
    }
    rdb_windbg::console::run(rdb_windbg::Options {
        commands: args.commands,
        go_initial: args.go_initial,
        go_final: args.go_final,
        children: args.children,
        pid: args.pid,
        command: args.command,
    })
}
