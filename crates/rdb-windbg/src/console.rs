//! The console loop: start the debuggee, print its first stop, then read commands until the user quits, running
//! each through `commands` and printing what the engine reports in WinDbg's shapes.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::report;
use rdb_engine::session::{Action, Notice, Session, Stop, StopReason};
use rdb_engine::target::Target;

use crate::Options;
use crate::commands::{self, Flow, Resume, ResumeKind};
use crate::family::{Family, Origin};
use crate::input::{Input, Inputs};
use crate::parse::split_commands;

/// What the console keeps between commands.
pub struct Console {
    pub session: Session,
    pub inputs: Inputs,
    /// The launched program and its arguments, for `.restart`.
    pub program: Option<(PathBuf, Vec<String>)>,
    /// `-G`: quit when the debuggee exits.
    pub quit_on_exit: bool,
    /// Where `d*` and `u` continue when given no address.
    pub next_dump: Option<u64>,
    pub next_unassemble: Option<u64>,
    /// The processes debugged together (children followed); `session` is the current one's.
    pub family: Family,
    /// `.childdbg`/`-o`: launch with the children followed (also for `.restart`).
    pub follow_children: bool,
    /// Commands still to run, in order: the rest of an input line, or a breakpoint's commands. Kept in a queue
    /// rather than run recursively, so a breakpoint whose commands continue (`gc`) can hit any number of times.
    pending: VecDeque<String>,
}

/// Print one line of output. A closed output (`rdb ... | head`) is not worth a panic: the line is dropped and the
/// session goes on to its normal end.
pub fn out(line: impl AsRef<str>) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout().lock(), "{}", line.as_ref());
}

pub fn print_notice(notice: &Notice) {
    for line in report::notice_lines(notice) {
        out(line);
    }
}

pub fn run(args: Options) -> ExitCode {
    rdb_host::install();
    let mut console = Console {
        session: Session::empty(Box::new(print_notice)),
        inputs: Inputs::start(),
        program: args.program(),
        quit_on_exit: args.go_final,
        next_dump: None,
        next_unassemble: None,
        family: Family::new(if args.pid.is_some() { Origin::Attach } else { Origin::Create }),
        follow_children: args.children,
        pending: VecDeque::new(),
    };
    if args.go_initial {
        let _ = console.session.filters.set("ibp", Action::Ignore);
    }
    let target = match (&console.program, args.pid) {
        (Some((program, program_args)), _) => {
            out(format!("CommandLine: {}", args.command.join(" ")));
            rdb_host::launch(program, program_args, args.children)
        }
        (None, Some(pid)) => rdb_host::attach(pid),
        (None, None) => unreachable!("main checks that there is something to debug"),
    };
    let stop = match target.and_then(|t| console.start(t)) {
        Ok(stop) => stop,
        Err(e) => {
            eprintln!("rdb: {e}");
            return ExitCode::from(1);
        }
    };
    if console.inputs.pending_terminate() {
        commands::quit(&mut console, false);
        return ExitCode::SUCCESS;
    }
    if let Flow::Quit = console.after_stop(stop) {
        return ExitCode::SUCCESS;
    }
    if let Some(commands) = &args.commands {
        console.queue(commands);
    }
    console.command_loop();
    ExitCode::SUCCESS
}

impl Console {
    /// `0:000> `: process number and the current thread's index.
    fn prompt(&self) -> String {
        let tid = self.session.current_thread();
        let process = self.family.current;
        match self.session.thread_index(tid) {
            Some(i) if self.session.is_live() => format!("{process}:{i:03}> "),
            _ => format!("{process}:000> "),
        }
    }

    /// Put a line's commands (separated by `;`) ahead of what is pending.
    pub fn queue(&mut self, line: &str) {
        for command in split_commands(line).into_iter().rev() {
            self.pending.push_front(command);
        }
    }

    /// Run pending commands, reading more input when there are none, until the user quits.
    fn command_loop(&mut self) {
        loop {
            let command = match self.pending.pop_front() {
                Some(c) => c,
                None => {
                    if self.inputs.interactive {
                        let prompt = self.prompt();
                        if let Ok(mut p) = self.inputs.prompt.lock() {
                            *p = prompt;
                        }
                    }
                    match self.inputs.next() {
                        Input::Line(line) => {
                            self.queue(&line);
                            continue;
                        }
                        Input::Eof | Input::Terminate => {
                            commands::quit(self, false);
                            return;
                        }
                    }
                }
            };
            let flow = match commands::execute(self, &command) {
                Flow::Resume(r) => self.resume(r),
                other => other,
            };
            if let Flow::Quit = flow {
                return;
            }
        }
    }

    /// Debug a freshly launched or attached target: run it, interruptibly, to its first stop.
    pub fn start(&mut self, mut target: Box<dyn Target>) -> rdb_engine::Result<Stop> {
        let _running = self.inputs.running(target.execution().map(|e| e.interrupter()));
        self.session.attach_target(target)
    }

    /// Resume the debuggee as `r` asks and show the stop.
    fn resume(&mut self, r: Resume) -> Flow {
        let running = self.inputs.running(self.session.interrupter());
        // The other processes of the family run too, except while a single instruction is traced.
        let released = match r.kind {
            ResumeKind::StepInto(_) => None,
            _ => self.release_family(),
        };
        let result = match released {
            Some(stop) => Ok(Some(stop)),
            None => commands::perform(self, &r),
        };
        let result = self.follow_family(result);
        self.hold_family();
        drop(running);
        let stop = match result {
            Ok(stop) => stop,
            Err(e) => {
                out(format!("^ {e} in '{}'", r.text));
                return Flow::Next;
            }
        };
        if self.inputs.pending_terminate() {
            return commands::quit(self, false);
        }
        match stop {
            Some(stop) => self.after_stop(stop),
            None => Flow::Next,
        }
    }

    /// Show a stop; queue the commands of the breakpoints that caused it.
    pub fn after_stop(&mut self, stop: Stop) -> Flow {
        self.next_dump = None;
        self.next_unassemble = None;
        commands::print_stop(self, &stop);
        match &stop.reason {
            StopReason::ProcessExited(_) if !self.family.others.is_empty() => {
                self.leave_exited_process();
                Flow::Next
            }
            StopReason::ProcessExited(_) if self.quit_on_exit => commands::quit(self, false),
            StopReason::Breakpoint(ids) => {
                let scripts: Vec<String> = ids
                    .iter()
                    .filter_map(|id| self.session.breakpoints.get(*id).and_then(|b| b.commands.clone()))
                    .collect();
                for script in scripts.iter().rev() {
                    self.queue(script);
                }
                Flow::Next
            }
            _ => Flow::Next,
        }
    }
}
