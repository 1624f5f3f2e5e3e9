//! WinDbg's command language over rdb's engine: commands in, WinDbg's text shapes out. The `rdb` console runs it,
//! and so can any front end that offers a command line of its own (a DAP REPL, the gdb server's `monitor`, Python's
//! `command()`). Every judgement stays in the engine; this crate parses WinDbg's syntax and renders the engine's
//! data in WinDbg's words, in one place (`report`).

mod commands;
mod console;
mod help;
mod log;
mod output;
mod parse;
pub mod report;
mod script;
mod source_view;

pub use commands::{Flow, Resume, ResumeKind};
pub use console::{Console, Refusal};
pub use log::Log;
pub use output::{Output, Printable, printable};

use std::path::PathBuf;

/// How the console starts: cdb's command line, parsed.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Commands to run at the first stop (`-c`).
    pub commands: Option<String>,
    /// A script file to run at the first stop, before `-c`'s commands (cdb's `-cf`).
    pub command_file: Option<PathBuf>,
    /// `-g`: run past the initial breakpoint.
    pub go_initial: bool,
    /// `-G`: quit when the debuggee exits.
    pub go_final: bool,
    /// `-o`: debug child processes too.
    pub children: bool,
    /// `-p`: attach to this process.
    pub pid: Option<u32>,
    /// The program to launch and its arguments, redirections (`< in.txt`) among them.
    pub command: Vec<String>,
    /// `--tty`: the terminal the program's standard streams are on, rather than rdb's.
    pub terminal: Option<PathBuf>,
    /// `-z`: the dump to open instead of a program or a process.
    pub dump: Option<PathBuf>,
    /// `-i`: where a dump's module images are looked for when they are not where the dump says (`.exepath`).
    pub image_path: Option<String>,
    /// `-y`: the symbol search path (`.sympath`).
    pub symbol_path: Option<String>,
}

impl Options {
    /// The program to launch and its arguments.
    pub fn program(&self) -> Option<(PathBuf, Vec<String>)> {
        let (program, args) = self.command.split_first()?;
        Some((PathBuf::from(program), args.to_vec()))
    }
}
