//! Command dispatch: find the command a line names and run it. Each area's commands live in their own file; this
//! one holds the table, the flow between commands, and the resumption commands share.

mod address;
mod breakpoints;
mod control;
mod display;
mod dump;
mod environment;
mod exceptions;
mod execution;
pub(crate) mod loops;
mod memory;
mod printf;
mod processes;
mod program;
mod registers;
mod scripts;
mod session_cmds;
mod source;
mod values;

use rdb_engine::debugger::Debugger;
use rdb_engine::session::{Session, Stop};
use rdb_engine::target::{ContinueStatus, Tid};
use rdb_engine::{Error, Result};

use crate::Output;
use crate::console::Console;
use crate::log::Shown;

pub use execution::perform;

/// What a command works with: the console's state, the debugger, and where its text goes: only through
/// [`Cx::out`], which makes each line printable (much of it is the debuggee's text: see `output.rs`) and copies it
/// to `.logopen`'s log.
pub struct Cx<'a> {
    pub console: &'a mut Console,
    pub dbg: &'a mut Debugger,
    out: Shown<'a>,
}

impl<'a> Cx<'a> {
    pub fn new(console: &'a mut Console, dbg: &'a mut Debugger, out: &'a mut dyn Output) -> Cx<'a> {
        let log = console.log();
        Cx { console, dbg, out: Shown { out, log } }
    }
}

impl Cx<'_> {
    /// Print one line.
    pub fn out(&mut self, line: impl AsRef<str>) {
        self.out.line(line.as_ref());
    }

    /// Write what the output holds back: the debuggee is about to run.
    pub fn flush(&mut self) {
        crate::Output::flush(&mut self.out);
    }

    /// The current process's session.
    pub fn session(&mut self) -> &mut Session {
        self.dbg.session_mut()
    }

    /// The current thread.
    pub fn tid(&self) -> Tid {
        self.console.thread(self.dbg)
    }

    /// The current thread's instruction pointer.
    pub fn rip(&mut self) -> Result<u64> {
        let tid = self.tid();
        self.session().register(tid, "rip")
    }

    /// Evaluate a MASM expression on the current thread.
    pub fn eval(&mut self, text: &str) -> Result<u64> {
        let tid = self.tid();
        self.session().evaluate(tid, text)
    }

    /// Evaluate the longest leading expression of `text` on the current thread: its value and the bytes it took.
    pub fn eval_prefix(&mut self, text: &str) -> Result<(u64, usize)> {
        let tid = self.tid();
        self.session().evaluate_prefix(tid, text)
    }
}

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

#[derive(Debug, Clone)]
pub enum ResumeKind {
    Go(Option<ContinueStatus>),
    /// `gc`: carry on with the run a breakpoint interrupted.
    GoConditional,
    GoTo(u64, Option<ContinueStatus>),
    /// ``g `file.c:12` ``: to whichever place of the line a thread reaches first.
    GoToAny(Vec<u64>, Option<ContinueStatus>),
    StepInto(u64),
    StepOver(u64),
    StepOut,
    ToCall {
        over: bool,
    },
}

type Handler = fn(&mut Cx, &str) -> Result<Flow>;

/// Every command: its names, whether it needs a live debuggee, and the function that runs it. `help.rs`
/// describes each by its first name.
pub const COMMANDS: &[(&[&str], bool, Handler)] = &[
    (&["g"], true, execution::go),
    (&["gh"], true, execution::go_handled),
    (&["gn"], true, execution::go_not_handled),
    (&["gc"], true, execution::go_conditional),
    (&["t"], true, execution::trace),
    (&["p"], true, execution::step),
    (&["gu"], true, execution::go_up),
    (&["pc"], true, execution::step_to_call),
    (&["tc"], true, execution::trace_to_call),
    (&["bp"], false, breakpoints::bp),
    (&["bu"], false, breakpoints::bu),
    (&["bm"], false, breakpoints::bm),
    (&["ba"], true, breakpoints::ba),
    (&["bpm"], true, breakpoints::bpm),
    (&["bl"], false, breakpoints::bl),
    (&["bc"], false, breakpoints::bc),
    (&["bd"], false, breakpoints::bd),
    (&["be"], false, breakpoints::be),
    (&["r"], true, registers::r),
    (&["db", "d"], true, memory::db),
    (&["dw"], true, memory::dw),
    (&["dd"], true, memory::dd),
    (&["dq"], true, memory::dq),
    (&["dc"], true, display::dc),
    (&["dyb"], true, display::dyb),
    (&["dp"], true, display::dp),
    (&["dps", "dqs"], true, display::dqs),
    (&["dds"], true, display::dds),
    (&["dpa", "dqa"], true, display::dqa),
    (&["dda"], true, display::dda),
    (&["dpu", "dqu"], true, display::dqu),
    (&["ddu"], true, display::ddu),
    (&["dpp", "dqp"], true, display::dqp),
    (&["ddp"], true, display::ddp),
    (&["da"], true, memory::da),
    (&["du"], true, memory::du),
    (&["eb"], true, memory::eb),
    (&["ew"], true, memory::ew),
    (&["ed"], true, memory::ed),
    (&["eq"], true, memory::eq),
    (&["ea"], true, memory::ea),
    (&["eu"], true, memory::eu),
    (&["s"], true, memory::search),
    (&["u"], true, memory::unassemble),
    (&["uf"], true, memory::unassemble_function),
    (&["ub"], true, memory::unassemble_backwards),
    (&["lm"], false, program::lm),
    (&["x"], false, program::x),
    (&["ln"], false, program::ln),
    (&["k"], true, program::k),
    (&["kn"], true, program::kn),
    (&["kb"], true, program::kb),
    (&["kp"], true, program::kp),
    (&["kP"], true, program::k_params_lines),
    (&["~"], true, program::threads),
    (&["dv"], true, values::dv),
    (&[".frame"], true, values::frame),
    (&["??"], true, values::cxx),
    (&["dx"], true, values::dx),
    (&["dt"], true, values::dt),
    (&["l"], false, source::l),
    (&[".lines"], false, source::lines),
    (&["ls"], false, source::ls),
    (&["lsa"], true, source::lsa),
    (&["lsp"], false, source::lsp),
    (&[".srcpath"], false, source::srcpath),
    (&["|"], false, processes::processes),
    (&[".childdbg"], false, processes::childdbg),
    (&[".exr"], false, session_cmds::exr),
    (&[".ecxr"], true, exceptions::ecxr),
    (&["!analyze"], true, exceptions::analyze),
    (&["!address"], true, address::address),
    (&["!peb"], true, environment::peb),
    (&["!teb"], true, environment::teb),
    (&["?"], false, session_cmds::evaluate),
    (&["sx"], false, session_cmds::sx),
    (&["sxe"], false, session_cmds::sxe),
    (&["sxd"], false, session_cmds::sxd),
    (&["sxn"], false, session_cmds::sxn),
    (&["sxi"], false, session_cmds::sxi),
    (&[".attach"], false, session_cmds::attach),
    (&[".detach"], true, session_cmds::detach),
    (&[".dump"], true, dump::dump),
    (&[".restart"], false, session_cmds::restart),
    (&[".echo"], false, session_cmds::echo),
    (&["$$<"], false, scripts::run_lines),
    (&["$$><"], false, scripts::run_joined),
    (&[".logopen"], false, scripts::logopen),
    (&[".logappend"], false, scripts::logappend),
    (&[".logclose"], false, scripts::logclose),
    (&["j"], false, control::j),
    (&[".if"], false, control::dot_if),
    (&[".else", ".elsif"], false, control::orphan_else),
    (&[".while"], false, loops::dot_while),
    (&[".do"], false, loops::dot_do),
    (&[".for"], false, loops::dot_for),
    (&[".foreach"], false, loops::dot_foreach),
    (&[".break"], false, loops::dot_break),
    (&[".continue"], false, loops::dot_continue),
    (&[".printf"], false, printf::printf),
    (&[".lastevent"], false, session_cmds::lastevent),
    (&[".sympath"], false, source::sympath),
    (&[".exepath"], false, source::exepath),
    (&[".help", "?help"], false, session_cmds::help),
    (&["q", "qq"], false, session_cmds::q),
    (&["qd"], false, session_cmds::qd),
];

/// Split a command into its name and its arguments, the WinDbg way: `~` and `?` stand alone, a dot command runs
/// to the first character that is no letter or digit (`.if(@rcx==3){...}`), an extension command is `!` and its
/// letters (`!teb`), any other name is its leading letters (`db@rsp`, `bc*`, `bp0`).
pub fn split_name(command: &str) -> (&str, &str) {
    let command = command.trim();
    if command.starts_with("??") {
        return command.split_at(2);
    }
    // Script files: `$$<file` needs no blank.
    for script in ["$$><", "$$<"] {
        if command.starts_with(script) {
            return command.split_at(script.len());
        }
    }
    if command.starts_with(['~', '|']) || (command.starts_with('?') && !command.starts_with("?help")) {
        return command.split_at(1);
    }
    // `lm`'s options run on from its name (`lmvm prog`, `lm1m`).
    if command.get(..2).is_some_and(|n| n.eq_ignore_ascii_case("lm")) {
        return command.split_at(2);
    }
    let end = if let Some(rest) = command.strip_prefix('.') {
        1 + rest.find(|c: char| !c.is_ascii_alphanumeric() && c != '_').unwrap_or(rest.len())
    } else if let Some(rest) = command.strip_prefix('!') {
        1 + rest.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(rest.len())
    } else {
        command.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(command.len())
    };
    command.split_at(end)
}

pub fn find(name: &str) -> Option<(bool, Handler)> {
    // WinDbg tells a few commands apart by case alone (`kp`, `kP`): an exact match first.
    if let Some((_, live, h)) = COMMANDS.iter().find(|(names, _, _)| names.contains(&name)) {
        return Some((*live, *h));
    }
    let lower = name.to_ascii_lowercase();
    COMMANDS.iter().find(|(names, _, _)| names.contains(&lower.as_str())).map(|(_, live, h)| (*live, *h))
}

/// Run one command, printing its error (one line, WinDbg's shape) if it fails.
pub fn execute(cx: &mut Cx, command: &str) -> Flow {
    let (name, args) = split_name(command);
    let Some((needs_process, handler)) = find(name) else {
        cx.out(format!("^ Unknown command '{name}' in '{command}' (.help lists the commands)"));
        return Flow::Next;
    };
    // One message for every command that has nothing to work on, rather than whatever each would trip over.
    let result = if needs_process && !cx.session().is_live() { Err(Error::NoProcess) } else { handler(cx, args) };
    match result {
        Ok(flow) => flow,
        Err(e) => {
            cx.out(format!("^ {e} in '{}'", quoted(command)));
            Flow::Next
        }
    }
}

/// How much of a command an error line quotes: all of it, unless it is long (a generated line, nested thousands
/// deep), when its start stands for it, so the error stays a line a user can read.
const QUOTED_CHARS: usize = 200;

fn quoted(command: &str) -> std::borrow::Cow<'_, str> {
    match command.char_indices().nth(QUOTED_CHARS) {
        Some((end, _)) => format!("{}...", &command[..end]).into(),
        None => command.into(),
    }
}

/// Print a stop the way every command that runs the debuggee does, with its source as the source options ask.
pub fn print_stop(cx: &mut Cx, stop: &Stop) {
    let source = if cx.session().is_live() {
        cx.console.source.at_stop(cx.dbg.session_mut(), stop.tid)
    } else {
        crate::report::StopSource::default()
    };
    for line in crate::report::stop_lines(cx.session(), stop, &source) {
        cx.out(line);
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
        assert_eq!(split_name("!teb 21f000"), ("!teb", " 21f000"));
        assert_eq!(split_name("!peb"), ("!peb", ""));
        assert_eq!(split_name("!"), ("!", ""));
        assert_eq!(split_name(".if(@rcx==3){r}"), (".if", "(@rcx==3){r}"));
        assert_eq!(split_name(".else{gc}"), (".else", "{gc}"));
        assert_eq!(split_name("j(1) 'a'"), ("j", "(1) 'a'"));
        assert_eq!(split_name("."), (".", ""));
        assert_eq!(split_name("$$<a.txt"), ("$$<", "a.txt"));
        assert_eq!(split_name("$$>< a.txt"), ("$$><", " a.txt"));
        assert_eq!(split_name("lmvm hello"), ("lm", "vm hello"));
        assert_eq!(split_name("lm"), ("lm", ""));
    }

    #[test]
    fn every_command_has_help() {
        for (names, _, _) in COMMANDS {
            assert!(crate::help::topic(names[0]).is_some(), "no help for {}", names[0]);
        }
    }
}
