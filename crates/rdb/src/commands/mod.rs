//! Command dispatch: find the command a line names and run it. Each area's commands live in their own file; this
//! one holds the table, the flow between commands, and the resumption commands share.

mod breakpoints;
mod execution;
mod memory;
mod program;
mod registers;
mod session_cmds;

use rdb_engine::session::Stop;
use rdb_engine::target::ContinueStatus;
use rdb_engine::Result;

use crate::console::{out, Console};

pub use execution::perform;
pub use session_cmds::quit;

/// What the console does after a command.
pub enum Flow {
    /// Read the next command.
    Next,
    /// Leave rdb.
    Quit,
    /// Let the debuggee run.
    Resume(Resume),
}

/// A request to let the debuggee run, and the words that asked for it (for error messages).
#[derive(Debug, Clone)]
pub struct Resume {
    pub kind: ResumeKind,
    pub text: String,
}

#[derive(Debug, Clone, Copy)]
pub enum ResumeKind {
    Go(Option<ContinueStatus>),
    GoTo(u64, Option<ContinueStatus>),
    StepInto(u64),
    StepOver(u64),
    StepOut,
    ToCall { over: bool },
}

type Handler = fn(&mut Console, &str) -> Result<Flow>;

/// Every command: its names and the function that runs it. `help.rs` describes each by its first name.
pub const COMMANDS: &[(&[&str], Handler)] = &[
    (&["g"], execution::go),
    (&["gh"], execution::go_handled),
    (&["gn"], execution::go_not_handled),
    (&["gc"], execution::go),
    (&["t"], execution::trace),
    (&["p"], execution::step),
    (&["gu"], execution::go_up),
    (&["pc"], execution::step_to_call),
    (&["tc"], execution::trace_to_call),
    (&["bp"], breakpoints::bp),
    (&["bu"], breakpoints::bu),
    (&["bm"], breakpoints::bm),
    (&["bl"], breakpoints::bl),
    (&["bc"], breakpoints::bc),
    (&["bd"], breakpoints::bd),
    (&["be"], breakpoints::be),
    (&["r"], registers::r),
    (&["db", "d"], memory::db),
    (&["dw"], memory::dw),
    (&["dd"], memory::dd),
    (&["dq"], memory::dq),
    (&["da"], memory::da),
    (&["du"], memory::du),
    (&["eb"], memory::eb),
    (&["ew"], memory::ew),
    (&["ed"], memory::ed),
    (&["eq"], memory::eq),
    (&["ea"], memory::ea),
    (&["eu"], memory::eu),
    (&["s"], memory::search),
    (&["u"], memory::unassemble),
    (&["lm"], program::lm),
    (&["x"], program::x),
    (&["ln"], program::ln),
    (&["k"], program::k),
    (&["kn"], program::kn),
    (&["kb"], program::kb),
    (&["~"], program::threads),
    (&["?"], session_cmds::evaluate),
    (&["sx"], session_cmds::sx),
    (&["sxe"], session_cmds::sxe),
    (&["sxd"], session_cmds::sxd),
    (&["sxn"], session_cmds::sxn),
    (&["sxi"], session_cmds::sxi),
    (&[".attach"], session_cmds::attach),
    (&[".detach"], session_cmds::detach),
    (&[".restart"], session_cmds::restart),
    (&[".echo"], session_cmds::echo),
    (&[".help", "?help"], session_cmds::help),
    (&["q", "qq"], session_cmds::q),
    (&["qd"], session_cmds::qd),
];

/// Split a command into its name and its arguments, the WinDbg way: `~` and `?` stand alone, a dot command runs
/// to the first blank, any other name is its leading letters (`db@rsp`, `bc*`, `bp0`).
pub fn split_name(command: &str) -> (&str, &str) {
    let command = command.trim();
    if command.starts_with('~') || (command.starts_with('?') && !command.starts_with("?help")) {
        return command.split_at(1);
    }
    let end = if command.starts_with('.') {
        command.find(char::is_whitespace).unwrap_or(command.len())
    } else {
        command.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(command.len())
    };
    command.split_at(end)
}

pub fn find(name: &str) -> Option<Handler> {
    let lower = name.to_ascii_lowercase();
    COMMANDS.iter().find(|(names, _)| names.contains(&lower.as_str())).map(|(_, h)| *h)
}

/// Run one command, printing its error (one line, WinDbg's shape) if it fails.
pub fn execute(console: &mut Console, command: &str) -> Flow {
    let (name, args) = split_name(command);
    let Some(handler) = find(name) else {
        out(format!("^ Unknown command '{name}' in '{command}' (.help lists the commands)"));
        return Flow::Next;
    };
    match handler(console, args) {
        Ok(flow) => flow,
        Err(e) => {
            out(format!("^ {e} in '{command}'"));
            Flow::Next
        }
    }
}

/// Print a stop the way every command that runs the debuggee does.
pub fn print_stop(console: &mut Console, stop: &Stop) {
    for line in rdb_engine::report::stop_lines(&mut console.session, stop) {
        out(line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_the_windbg_way() {
        assert_eq!(split_name("db@rsp"), ("db", "@rsp"));
        assert_eq!(split_name("bc*"), ("bc", "*"));
        assert_eq!(split_name("~1s"), ("~", "1s"));
        assert_eq!(split_name("? 1+2"), ("?", " 1+2"));
        assert_eq!(split_name(".echo hi there"), (".echo", " hi there"));
        assert_eq!(split_name("bl"), ("bl", ""));
    }

    #[test]
    fn every_command_has_help() {
        for (names, _) in COMMANDS {
            assert!(crate::help::topic(names[0]).is_some(), "no help for {}", names[0]);
        }
    }
}
