//! The console: WinDbg's command language over a [`Debugger`]. It keeps what a command line needs between commands
//! (the commands still to run, the current thread the user chose, where `d*` and `u` go on) and turns each command
//! into engine calls and the engine's data into WinDbg's text, written to an [`Output`]. It owns no terminal: the
//! program around it reads the lines, and runs the debuggee when a command asks for it ([`Flow::Resume`]).

use std::collections::{HashMap, VecDeque};

use rdb_engine::debugger::{Debugger, Launch, Stdio};
use rdb_engine::session::{Action, Owner, Stop, StopReason};
use rdb_engine::target::Tid;

use crate::commands::loops::{LOOP_MARKER, Loop};
use crate::commands::{self, Flow, Resume};
use crate::log::{Log, Shown};
use crate::parse::split_commands;
use crate::source_view::SourceView;
use crate::{Options, Output, Printable};

/// How deeply the branches of `.if` and `j` may nest: far deeper than any script needs, and shallow enough that a
/// line nested thousands deep is refused after bounded work (each level reads the rest of its line once more).
const MAX_NESTING: usize = 64;

/// A command waiting to run, and how many `.if`/`j` branches (or script files) it is inside.
struct Pending {
    command: String,
    nesting: usize,
    /// The line of a `$$<` script this command starts, shown after the prompt before it runs, as if typed.
    echo: Option<String>,
}

/// Why [`Console::run_inspecting`] stopped before a command: it would let the debuggee run (its text given), or
/// end the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Run(String),
    Quit,
}

/// What the console keeps between commands.
#[derive(Default)]
pub struct Console {
    /// Commands still to run, in order: the rest of an input line, or a breakpoint's commands. Kept in a queue
    /// rather than run recursively, so a breakpoint whose commands continue (`gc`) can hit any number of times.
    pending: VecDeque<Pending>,
    /// The nesting of the command running now (see [`Console::queue_branch`]).
    nesting: usize,
    /// The script line the next command to run starts (see [`Console::queue_script`]).
    echo: Option<String>,
    /// Where `d*` and `u` continue when given no address.
    pub(crate) next_dump: Option<u64>,
    pub(crate) next_unassemble: Option<u64>,
    /// `-G`: quit when the debuggee exits.
    quit_on_exit: bool,
    /// The thread the user made current (`~<n>s`) in each process, and the stop it was chosen after: at the next
    /// stop the current thread is the event's again, as in WinDbg.
    chosen: HashMap<u32, (Tid, u64)>,
    /// The frame `.frame` made current in each process, with the thread and stop it was chosen at: a new stop
    /// or another thread starts again at frame 0, as in WinDbg.
    frames: HashMap<u32, (Tid, u64, usize)>,
    /// The source options, the source path and where `ls` goes on.
    pub(crate) source: SourceView,
    /// The last line the user gave: an empty input line runs it again, as in WinDbg.
    last_line: Option<String>,
    /// `.logopen`'s file, shared with the front end (see [`Console::log`]).
    log: Log,
    /// The loops running (`.while`, `.for`, `.do`, `.foreach`), by id: each has a marker in the queue after its
    /// body, where it goes on (see `commands/loops.rs`).
    pub(crate) loops: HashMap<u32, Loop>,
    next_loop: u32,
    /// `.sympath` and `.exepath`, kept and shown as `.srcpath` is.
    pub(crate) symbol_path: rdb_engine::sources::SourcePath,
    pub(crate) exe_path: rdb_engine::sources::SourcePath,
    /// The last stop, for `.lastevent`.
    pub(crate) last_stop: Option<Stop>,
    /// Text `.printf` wrote with no newline yet: the next `.printf` goes on with it, any other command ends it.
    pub(crate) printf_line: String,
}

impl Console {
    pub fn new(quit_on_exit: bool) -> Console {
        Console { quit_on_exit, ..Console::default() }
    }

    /// Start debugging as cdb's command line says: launch the program (printing `CommandLine:`) or attach, and
    /// run to the first stop, which [`Console::first_stop`] shows.
    pub fn start(&mut self, dbg: &mut Debugger, options: &Options, out: &mut dyn Output) -> rdb_engine::Result<Stop> {
        if options.go_initial {
            let _ = dbg.session_mut().filters.set("ibp", Action::Ignore);
        }
        let _ = dbg.set_follow_children(options.children);
        if let Some(path) = &options.symbol_path {
            self.symbol_path = rdb_engine::sources::SourcePath::parse(path);
            dbg.session_mut().set_symbol_path(self.symbol_path.dirs().to_vec());
        }
        if let Some(path) = &options.image_path {
            self.exe_path = rdb_engine::sources::SourcePath::parse(path);
            dbg.session_mut().set_image_path(self.exe_path.dirs().to_vec());
        }
        if let Some(dump) = &options.dump {
            self.shown(out).line(&format!("Loading Dump File [{}]", dump.display()));
            return dbg.open_dump(dump);
        }
        let stop = match (options.program(), options.pid) {
            (Some((program, args)), _) => {
                let (args, mut stdio) = Stdio::from_args(&args)?;
                stdio.terminal = options.terminal.clone();
                let launch = Launch { program, args, stdio, ..Default::default() };
                self.shown(out).line(&format!("CommandLine: {}{}", dbg.command_line(&launch), launch.stdio.describe()));
                out.flush();
                dbg.launch(launch)?
            }
            (None, Some(pid)) => dbg.attach(pid)?,
            (None, None) => return Err(rdb_engine::Error::msg("nothing to debug: give a program or a pid")),
        };
        Ok(stop)
    }

    /// The first stop of a start: shown, then the `-c` commands queued.
    pub fn first_stop(&mut self, dbg: &mut Debugger, stop: Stop, options: &Options, out: &mut dyn Output) -> Flow {
        if let Flow::Quit = self.after_stop(dbg, stop, out) {
            return Flow::Quit;
        }
        if let Some(commands) = &options.commands {
            self.queue(commands);
        }
        // cdb's -cf: the file's commands run first, then -c's.
        if let Some(file) = &options.command_file
            && let Err(e) = self.queue_script(file, false)
        {
            self.shown(out).line(&format!("^ {e} in '-cf {}'", file.display()));
        }
        Flow::Next
    }

    /// `.logopen`'s log: a front end that prints text of its own (notices, the lines typed) copies it there.
    pub fn log(&self) -> Log {
        self.log.clone()
    }

    /// Where the console's own lines go: made printable, shown, and logged.
    fn shown<'a>(&self, out: &'a mut dyn Output) -> Shown<'a> {
        Shown { out, log: self.log() }
    }

    /// `0:000> `: process number and the current thread's index.
    pub fn prompt(&self, dbg: &Debugger) -> String {
        let session = dbg.session();
        let process = dbg.current().number;
        match session.thread_index(self.thread(dbg)) {
            Some(i) if session.is_live() => format!("{process}:{i:03}> "),
            _ => format!("{process}:000> "),
        }
    }

    /// The current thread: the one the user chose since the last stop, else the last event's.
    pub fn thread(&self, dbg: &Debugger) -> Tid {
        let session = dbg.session();
        match self.chosen.get(&dbg.current().number) {
            Some(&(tid, stop)) if stop == session.stop_count() => tid,
            _ => session.event_thread(),
        }
    }

    /// `~<n>s`: make `tid` the current thread until the next stop.
    pub(crate) fn choose_thread(&mut self, dbg: &Debugger, tid: Tid) {
        self.chosen.insert(dbg.current().number, (tid, dbg.session().stop_count()));
    }

    /// The current frame of the current thread (`.frame`): 0 unless chosen since the last stop.
    pub fn frame(&self, dbg: &Debugger) -> usize {
        let tid = self.thread(dbg);
        match self.frames.get(&dbg.current().number) {
            Some(&(t, stop, frame)) if t == tid && stop == dbg.session().stop_count() => frame,
            _ => 0,
        }
    }

    /// `.frame N`: make frame `frame` of the current thread current until the next stop.
    pub(crate) fn choose_frame(&mut self, dbg: &Debugger, frame: usize) {
        let tid = self.thread(dbg);
        self.frames.insert(dbg.current().number, (tid, dbg.session().stop_count(), frame));
    }

    /// A line the user typed (or a piped script gave): its commands queued. An empty line runs the last line again,
    /// as WinDbg does, whatever it held (a display command carries on where it ended, see [`repeated`]).
    pub fn input(&mut self, line: &str) {
        if line.trim().is_empty() {
            if let Some(last) = self.last_line.clone() {
                self.queue(&repeated(&last));
            }
            return;
        }
        self.last_line = Some(line.to_string());
        self.queue(line);
    }

    /// Queue a script file's commands ahead of what is pending, one level deeper than the command that ran it (a
    /// script that runs itself stops at the nesting bound): `$$<`'s lines one by one, each shown after the prompt as
    /// if typed (blank lines skipped: no repeat), or with `joined` (`$$><`) as one line, its line ends `;`.
    pub(crate) fn queue_script(&mut self, path: &std::path::Path, joined: bool) -> rdb_engine::Result<()> {
        let text = crate::script::read(path)?;
        if self.nesting >= MAX_NESTING {
            return Err(rdb_engine::Error::msg(format!(
                "Nesting too deep: scripts, .if and j branches nest at most {MAX_NESTING} levels"
            )));
        }
        let nesting = self.nesting + 1;
        if joined {
            self.queue_at(&crate::script::joined(&text), nesting);
            return Ok(());
        }
        for line in text.lines().rev().filter(|l| !l.trim().is_empty()) {
            let commands = split_commands(line);
            for (i, command) in commands.into_iter().enumerate().rev() {
                let echo = (i == 0).then(|| line.trim().to_string());
                self.pending.push_front(Pending { command, nesting, echo });
            }
        }
        Ok(())
    }

    /// Put a line's commands (separated by `;`) ahead of what is pending.
    pub fn queue(&mut self, line: &str) {
        self.queue_at(line, 0);
    }

    /// Put the commands of a branch that `.if` or `j` chose ahead of what is pending, one level deeper than the
    /// command that chose it. Too deep is an error: the branch does not run.
    pub(crate) fn queue_branch(&mut self, commands: &str) -> rdb_engine::Result<()> {
        if self.nesting >= MAX_NESTING {
            return Err(rdb_engine::Error::msg(format!(
                "Nesting too deep: .if and j branches nest at most {MAX_NESTING} levels"
            )));
        }
        self.queue_at(commands, self.nesting + 1);
        Ok(())
    }

    /// Start a loop: its commands before the first round (`.for`'s initializer), then its marker, ahead of what
    /// is pending, where the loop decides whether to run its body.
    pub(crate) fn start_loop(&mut self, mut l: Loop, prelude: &str) -> rdb_engine::Result<()> {
        let id = self.next_loop;
        self.next_loop = self.next_loop.wrapping_add(1);
        l.nesting = self.nesting;
        self.pending.push_front(Pending { command: format!("{LOOP_MARKER}{id}"), nesting: l.nesting, echo: None });
        self.loops.insert(id, l);
        if !prelude.is_empty() {
            self.queue_branch(prelude)?;
        }
        Ok(())
    }

    /// One round of loop `id`: `commands` (its body, or `.for`'s step) one level deeper than the loop, then its
    /// marker again. Too deep is an error, as for `.if`.
    pub(crate) fn queue_round(&mut self, id: u32, nesting: usize, commands: &str) -> rdb_engine::Result<()> {
        if nesting >= MAX_NESTING {
            return Err(rdb_engine::Error::msg(format!(
                "Nesting too deep: .if, j and loop bodies nest at most {MAX_NESTING} levels"
            )));
        }
        self.pending.push_front(Pending { command: format!("{LOOP_MARKER}{id}"), nesting, echo: None });
        self.queue_at(commands, nesting + 1);
        Ok(())
    }

    /// `.break` and `.continue`: drop the rest of the innermost loop's body (everything before its marker); `.break`
    /// ends the loop too. Outside a loop, an error.
    pub(crate) fn leave_round(&mut self, end_loop: bool) -> rdb_engine::Result<()> {
        let Some(at) = self.pending.iter().position(|p| p.command.starts_with(LOOP_MARKER)) else {
            return Err(rdb_engine::Error::msg(
                ".break and .continue belong in the body of .for, .while, .do or .foreach",
            ));
        };
        self.pending.drain(..at);
        if end_loop && let Some(marker) = self.pending.pop_front() {
            let id = marker.command[LOOP_MARKER.len()..].parse::<u32>().ok();
            id.and_then(|id| self.loops.remove(&id));
        }
        Ok(())
    }

    fn queue_at(&mut self, line: &str, nesting: usize) {
        for command in split_commands(line).into_iter().rev() {
            self.pending.push_front(Pending { command, nesting, echo: None });
        }
    }

    /// The next command to run without reading input: the rest of a line, a breakpoint's commands. Its nesting is
    /// kept for the [`Console::execute`] that runs it.
    pub fn next_command(&mut self) -> Option<String> {
        let next = self.pending.pop_front()?;
        self.nesting = next.nesting;
        self.echo = next.echo;
        Some(next.command)
    }

    /// Run the commands of `line` for a front end that owns running the debuggee itself (a gdb client's `monitor`,
    /// a DAP editor's repl), their text collected. A command that would let the debuggee run or end the session is
    /// not run, nor what follows it on the line: it is handed back as the [`Refusal`] that ended the line, for the
    /// front end to say in its own words.
    pub fn run_inspecting(&mut self, dbg: &mut Debugger, line: &str) -> (Vec<String>, Option<Refusal>) {
        let mut out = Vec::new();
        self.queue(line);
        let mut refused = None;
        while let Some(command) = self.next_command() {
            let before = out.len();
            match self.execute(dbg, &command, &mut out) {
                Flow::Next => {}
                Flow::Resume(resume) => refused = Some(Refusal::Run(resume.text)),
                Flow::Quit => refused = Some(Refusal::Quit),
            }
            if refused.is_some() {
                // What the refused command said of itself (`q`'s `quit:`) did not happen.
                out.truncate(before);
                while self.next_command().is_some() {}
                break;
            }
        }
        (out, refused)
    }

    /// Run one command. Its text goes to `out`; a command that lets the debuggee run returns [`Flow::Resume`] for
    /// the caller to [`Console::perform`] when it is ready (the console binary installs its Ctrl-C first).
    pub fn execute(&mut self, dbg: &mut Debugger, command: &str, out: &mut dyn Output) -> Flow {
        if let Some(line) = self.echo.take() {
            let prompt = self.prompt(dbg);
            self.shown(out).line(&format!("{prompt}{line}"));
        }
        let (name, _) = commands::split_name(command);
        if !name.eq_ignore_ascii_case(".printf") {
            self.end_printf_line(out);
        }
        if let Some(id) = command.strip_prefix(LOOP_MARKER) {
            commands::loops::next_round(&mut commands::Cx::new(self, dbg, out), id);
            self.nesting = 0;
            return Flow::Next;
        }
        let flow = commands::execute(&mut commands::Cx::new(self, dbg, out), command);
        // A command given straight to `execute`, not taken from the queue, is nested in nothing.
        self.nesting = 0;
        flow
    }

    /// Print what `.printf` left without a newline, as its own line.
    pub(crate) fn end_printf_line(&mut self, out: &mut dyn Output) {
        if !self.printf_line.is_empty() {
            let line = std::mem::take(&mut self.printf_line);
            Printable(&mut self.shown(out)).line(&line);
        }
    }

    /// Carry out a resumption: the intermediate steps of `t <n>`/`p <n>` are shown here, an error as one line; the
    /// final stop is returned for [`Console::after_stop`].
    pub fn perform(&mut self, dbg: &mut Debugger, r: &Resume, out: &mut dyn Output) -> Option<Stop> {
        let mut cx = commands::Cx::new(self, dbg, out);
        match commands::perform(&mut cx, r) {
            Ok(stop) => stop,
            Err(e) => {
                cx.out(format!("^ {e} in '{}'", r.text));
                None
            }
        }
    }

    /// Show a stop; queue the commands of the breakpoints that caused it.
    pub fn after_stop(&mut self, dbg: &mut Debugger, stop: Stop, out: &mut dyn Output) -> Flow {
        self.next_dump = None;
        self.next_unassemble = None;
        self.end_printf_line(out);
        self.last_stop = Some(stop.clone());
        let mut cx = commands::Cx::new(self, dbg, out);
        if matches!(stop.reason, StopReason::Exception(_)) && !cx.session().can_run() {
            for line in crate::report::dump_exception_lines() {
                cx.out(line);
            }
        }
        commands::print_stop(&mut cx, &stop);
        match &stop.reason {
            StopReason::ProcessExited(_) if cx.dbg.processes().count() > 1 => {
                if let Some(number) = cx.dbg.leave_exited_process() {
                    cx.out(format!("Process {number} is now the current process (|{number}s)"));
                }
                Flow::Next
            }
            StopReason::ProcessExited(_) if self.quit_on_exit => self.quit(dbg, false, out),
            StopReason::Breakpoint(ids) => {
                let scripts: Vec<String> = ids
                    .iter()
                    .filter_map(|id| dbg.session().breakpoints().get(*id))
                    // Commands are the console's own text; another front end's breakpoint runs none here.
                    .filter(|b| b.spec.owner == Owner::Console)
                    .filter_map(|b| b.spec.commands.clone())
                    .collect();
                for script in scripts.iter().rev() {
                    self.queue(script);
                }
                Flow::Next
            }
            _ => Flow::Next,
        }
    }

    /// Run a line of commands to its end, as a front end without a terminal of its own needs it (a DAP REPL, the gdb
    /// server's `monitor`, Python's `command()`); see [`Console::run_pending`]. Blocks while the debuggee runs.
    pub fn run_line(&mut self, dbg: &mut Debugger, line: &str, out: &mut dyn Output) -> Flow {
        self.queue(line);
        self.run_pending(dbg, out, &mut || false)
    }

    /// Run the pending commands until none is left or one quits: each in turn, a resumption carried out and its
    /// stop shown, then the commands of the breakpoints it hit. `terminated` is asked after each run: a front end
    /// told to end while the debuggee ran (the console's SIGTERM) quits there, before the stop is shown.
    pub fn run_pending(
        &mut self,
        dbg: &mut Debugger,
        out: &mut dyn Output,
        terminated: &mut dyn FnMut() -> bool,
    ) -> Flow {
        while let Some(command) = self.next_command() {
            let flow = match self.execute(dbg, &command, out) {
                Flow::Resume(r) => match self.perform(dbg, &r, out) {
                    _ if terminated() => self.quit(dbg, false, out),
                    Some(stop) => self.after_stop(dbg, stop, out),
                    None => Flow::Next,
                },
                other => other,
            };
            if let Flow::Quit = flow {
                self.pending.clear();
                self.loops.clear();
                return Flow::Quit;
            }
        }
        // Nothing is pending: every loop has ended (a marker a user types later finds none).
        self.loops.clear();
        self.end_printf_line(out);
        Flow::Next
    }

    /// End the session: a launched debuggee is killed, an attached one detached (`detach` forces detaching).
    pub fn quit(&mut self, dbg: &mut Debugger, detach: bool, out: &mut dyn Output) -> Flow {
        let out = &mut self.shown(out);
        for (number, e) in dbg.end_others() {
            out.line(&format!("^ {e} while ending process {number}"));
        }
        let session = dbg.session_mut();
        let result = if detach && session.is_live() { session.detach() } else { session.end() };
        if let Err(e) = result {
            out.line(&format!("^ {e} while quitting"));
        }
        out.line("quit:");
        Flow::Quit
    }
}

/// What an empty line runs after `line`: the line again, except a lone display command (`db 1000`, `u main`),
/// which carries on where it ended, as WinDbg's does, instead of showing the same memory again.
fn repeated(line: &str) -> String {
    const DISPLAYS: &[&str] = &["d", "db", "dw", "dd", "dq", "da", "du", "u"];
    let commands = split_commands(line);
    if let [command] = commands.as_slice() {
        let (name, _) = commands::split_name(command);
        if DISPLAYS.contains(&name.to_ascii_lowercase().as_str()) {
            return name.to_string();
        }
    }
    line.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rdb_engine::debugger::Host;
    use rdb_engine::target::{Pid, Target};

    /// No machine behind it: the console's own commands (`.echo`, `.if`, `j` on constants) need none.
    struct Nowhere;

    impl Host for Nowhere {
        fn launch(&mut self, _: &Launch, _: bool) -> rdb_engine::Result<Box<dyn Target>> {
            Err(rdb_engine::Error::msg("nowhere to launch"))
        }
        fn attach(&mut self, _: Pid) -> rdb_engine::Result<Box<dyn Target>> {
            Err(rdb_engine::Error::msg("nowhere to attach"))
        }
        fn command_line(&self, launch: &Launch) -> String {
            launch.program.display().to_string()
        }
    }

    fn run(line: &str) -> Vec<String> {
        let mut dbg = Debugger::new(Box::new(Nowhere), Box::new(|_| {}));
        let mut text = Vec::new();
        Console::new(false).run_line(&mut dbg, line, &mut text);
        text
    }

    fn nested_ifs(levels: usize) -> String {
        format!("{}.echo deep{}", ".if (1) { ".repeat(levels), " }".repeat(levels))
    }

    #[test]
    fn inspecting_stops_before_running_or_quitting_and_drops_the_rest_of_the_line() {
        let mut dbg = Debugger::new(Box::new(Nowhere), Box::new(|_| {}));
        let mut console = Console::new(false);
        // (A `g` needs a process to be refused rather than fail: the gdb server's and DAP's tests show that one.)
        let (text, refused) = console.run_inspecting(&mut dbg, ".echo one; q; .echo never");
        assert_eq!((text, refused), (vec!["one".to_string()], Some(Refusal::Quit)));
        // Nothing of the refused lines is left to run.
        assert_eq!(console.next_command(), None);
        assert_eq!(console.run_inspecting(&mut dbg, ".echo two"), (vec!["two".to_string()], None));
    }

    #[test]
    fn branches_nest_up_to_the_bound() {
        assert_eq!(run(&format!("{}; .echo after", nested_ifs(MAX_NESTING))), ["deep", "after"]);
        assert_eq!(
            run(&format!("{}.echo deep; .echo after", "j 1 ".repeat(MAX_NESTING))),
            ["deep"],
            "j takes the line"
        );
        assert_eq!(run(".if (0) {.echo no} .else {j 0 '.echo no'; '.if (1) {.echo yes}'}"), ["yes"]);
    }

    #[test]
    fn nesting_thousands_deep_is_one_error_and_the_line_goes_on() {
        for line in [nested_ifs(20_000), format!("{}.echo deep", "j 1 ".repeat(20_000))] {
            let text = run(&format!("{line}\n.echo after"));
            assert_eq!(text.len(), 2, "{:?}", text.iter().map(|l| &l[..l.len().min(120)]).collect::<Vec<_>>());
            assert!(text[0].starts_with("^ Nesting too deep: .if and j branches nest at most 64 levels in '"));
            assert!(text[0].len() < 300, "the error quotes the start of the command: {}", text[0]);
            assert_eq!(text[1], "after");
        }
    }

    #[test]
    fn a_direct_command_after_a_deep_one_is_nested_in_nothing() {
        let mut dbg = Debugger::new(Box::new(Nowhere), Box::new(|_| {}));
        let mut text = Vec::new();
        let mut console = Console::new(false);
        console.run_line(&mut dbg, &nested_ifs(MAX_NESTING), &mut text);
        console.execute(&mut dbg, &nested_ifs(MAX_NESTING), &mut text);
        console.run_pending(&mut dbg, &mut text, &mut || false);
        assert_eq!(text, ["deep", "deep"]);
    }
}
