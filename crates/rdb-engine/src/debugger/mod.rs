//! [`Debugger`]: what a front end drives. It holds the processes debugged together — one [`Session`] each: the
//! debuggee and, with `.childdbg 1`, the children it creates — numbered as WinDbg numbers them (`|`), one of them
//! current; it runs them as one family (`family.rs`: while one is driven the others run, and when one stops every
//! other is held); and it knows how this machine makes targets (the front end's [`Host`]), so launching again and
//! attaching work the same from every front end. Front ends reach a process only through its `Session` here.

mod breaker;
mod dump_writing;
mod dumps;
mod environment;
mod family;
mod stdio;

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;

pub use breaker::Breaker;
pub use dumps::{DumpFile, dump_file};
pub use environment::Environment;
pub use stdio::{Redirect, Stdio};

use crate::error::{Error, Result};
use crate::session::{Listener, Notice, Resumption, Session, Stop};
use crate::target::{Pid, Target};

/// How this machine makes targets: the front end gives the debugger its OS's (`rdb_host` has the native one).
pub trait Host {
    /// Launch a program; with `follow_children`, the processes it creates are debugged too, where the target can.
    fn launch(&mut self, launch: &Launch, follow_children: bool) -> Result<Box<dyn Target>>;
    /// Attach to a running process.
    fn attach(&mut self, pid: Pid) -> Result<Box<dyn Target>>;
    /// The command line of `launch` as this machine writes one, arguments quoted where they need it (WinDbg's
    /// `CommandLine:`): where programs are started with a command line, the one `launch` gives the program.
    fn command_line(&self, launch: &Launch) -> String;
    /// Open a dump file (a core file, a minidump) as a target that only reads.
    fn open_dump(&mut self, path: &Path) -> Result<Box<dyn Target>> {
        Err(crate::err!("{}: this front end opens no dumps", path.display()))
    }
    /// Write a dump of the stopped process `view` to `path` in the format `kind` asks for (created, or replaced
    /// when `overwrite`).
    fn write_dump(
        &mut self,
        view: &mut crate::dump::ProcessView<'_>,
        kind: crate::dump::DumpKind,
        path: &Path,
        overwrite: bool,
    ) -> Result<()> {
        let _ = (view, kind, overwrite);
        Err(crate::err!("{}: this front end writes no dumps", path.display()))
    }
}

/// The front end's terminal when the debuggee shares it: handed to the process the debugger launched while the
/// family runs for the user, so the program can read it, and taken back at each stop (gdb's `terminal_inferior` and
/// `terminal_ours`). The engine only says when; what a terminal is belongs to the front end's machine.
pub trait Terminal {
    /// The family is about to run; `launched` is the process the debugger launched (its children share its
    /// terminal).
    fn debuggee_runs(&mut self, launched: Pid);
    /// The family stopped, or a run failed: the terminal is the front end's again.
    fn debuggee_stopped(&mut self);
}

/// A program to launch, its arguments, its standard streams, environment and directory; all kept by a restart.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Launch {
    pub program: PathBuf,
    pub args: Vec<String>,
    /// Where its standard streams go (the debugger's own by default).
    pub stdio: Stdio,
    /// Its environment: the debugger's own with these changes (none by default).
    pub environment: Environment,
    /// Its working directory: the debugger's own when `None`.
    pub cwd: Option<PathBuf>,
}

/// How a process came to be debugged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Launched by the debugger.
    Create,
    /// Attached to.
    Attach,
    /// A child of a debuggee, followed.
    Child,
    /// Opened from a dump (`-z`): it only reads.
    Dump,
}

/// One process of the family: its number (`|<n>`), how it came, its session.
pub struct Process {
    pub number: u32,
    pub origin: Origin,
    pub session: Session,
}

pub struct Debugger {
    host: Box<dyn Host>,
    /// Every session's notices go here, whichever process they come from.
    listener: Rc<RefCell<Listener>>,
    current: Process,
    /// The other processes of the family, in the order they were last left.
    others: Vec<Process>,
    next_number: u32,
    /// The last program launched, for launching it again.
    launched: Option<Launch>,
    /// `.childdbg`: processes the debuggee creates are debugged too.
    follow_children: bool,
    breaker: Breaker,
    /// The front end's terminal, when the processes it launches share it.
    terminal: Option<Box<dyn Terminal>>,
}

impl Debugger {
    /// A debugger with nothing to debug yet. `listener` receives every notice of every process as it happens.
    pub fn new(host: Box<dyn Host>, listener: Listener) -> Debugger {
        let listener = Rc::new(RefCell::new(listener));
        let session = Session::empty(forward(&listener));
        Debugger {
            host,
            listener,
            current: Process { number: 0, origin: Origin::Create, session },
            others: Vec::new(),
            next_number: 1,
            launched: None,
            follow_children: false,
            breaker: Breaker::default(),
            terminal: None,
        }
    }

    /// Share the front end's terminal with the processes it launches from now on (see [`Terminal`]).
    pub fn set_terminal(&mut self, terminal: Box<dyn Terminal>) {
        self.terminal = Some(terminal);
    }

    /// The current process's session.
    pub fn session(&self) -> &Session {
        &self.current.session
    }

    pub fn session_mut(&mut self) -> &mut Session {
        &mut self.current.session
    }

    /// The current process.
    pub fn current(&self) -> &Process {
        &self.current
    }

    /// Every process of the family, the current one first.
    pub fn processes(&self) -> impl Iterator<Item = &Process> {
        std::iter::once(&self.current).chain(&self.others)
    }

    /// A handle that breaks into whatever the debugger runs, from any thread.
    pub fn breaker(&self) -> Breaker {
        self.breaker.clone()
    }

    /// The command line of `launch` as the host writes it: every launch's `CommandLine:`.
    pub fn command_line(&self, launch: &Launch) -> String {
        self.host.command_line(launch)
    }

    /// The program launched last, which `restart` launches again.
    pub fn launched(&self) -> Option<&Launch> {
        self.launched.as_ref()
    }

    /// Whether the processes the debuggee creates are debugged too.
    pub fn follows_children(&self) -> bool {
        self.follow_children
    }

    /// `.childdbg`: debug the processes the debuggee creates from now on (or stop doing so). The setting holds for
    /// later launches even when the running process cannot change (Wine cannot): then the error says why.
    pub fn set_follow_children(&mut self, on: bool) -> Result<()> {
        self.follow_children = on;
        if self.current.session.is_live() { self.current.session.follow_children(on) } else { Ok(()) }
    }

    /// Launch `launch` and run it to its first stop (the initial breakpoint). The current process must be gone.
    pub fn launch(&mut self, launch: Launch) -> Result<Stop> {
        self.check_no_debuggee()?;
        dumps::refuse_dump(&launch.program)?;
        let target = self.host.launch(&launch, self.follow_children)?;
        self.launched = Some(launch);
        self.current.origin = Origin::Create;
        self.start(target)
    }

    /// Attach to process `pid` and stop it (the break-in of an attach). The current process must be gone.
    pub fn attach(&mut self, pid: Pid) -> Result<Stop> {
        self.check_no_debuggee()?;
        let target = self.host.attach(pid)?;
        self.launched = None;
        self.current.origin = Origin::Attach;
        self.start(target)
    }

    /// Open the dump at `path` (cdb's `-z`) in the current process's place: a target that only reads, stopped where
    /// the dump was taken.
    pub fn open_dump(&mut self, path: &Path) -> Result<Stop> {
        self.check_no_debuggee()?;
        let target = self.host.open_dump(path)?;
        self.launched = None;
        self.current.origin = Origin::Dump;
        self.start(target)
    }

    /// Open a target made elsewhere (a target a test built) in the current process's place.
    pub fn open(&mut self, target: Box<dyn Target>) -> Result<Stop> {
        self.check_no_debuggee()?;
        self.start(target)
    }

    /// The live process the debugger launched, if any (an attached one has a terminal of its own).
    fn launched_pid(&self) -> Option<Pid> {
        self.processes().find(|p| p.origin == Origin::Create && p.session.is_live()).map(|p| p.session.pid())
    }

    /// A new debuggee takes the current process's place only once that one is gone.
    fn check_no_debuggee(&self) -> Result<()> {
        if self.current.session.is_live() {
            return Err(crate::err!("already debugging a process: .detach or q it first"));
        }
        Ok(())
    }

    /// End the current process and launch the same program again; breakpoints and filters stay.
    pub fn restart(&mut self) -> Result<Stop> {
        let launch = self
            .launched
            .clone()
            .ok_or_else(|| crate::err!("nothing to restart: the debuggee was attached, not launched"))?;
        self.current.session.kill()?;
        self.launch(launch)
    }

    /// Debug `target` in the current session (its breakpoints and filters kept), interruptibly, to its first stop.
    fn start(&mut self, mut target: Box<dyn Target>) -> Result<Stop> {
        let _running = self.breaker.running(target.execution().map(|e| e.interrupter()));
        self.current.session.attach_target(target)
    }

    /// Start running the family as `how` says: the other processes run too (except while a single instruction is
    /// traced), and the current one resumes. `Some` if a process stopped before anything could run.
    pub fn resume(&mut self, how: Resumption) -> Result<Option<Stop>> {
        self.breaker.set(&mut self.current.session);
        // Before anything runs: a program that reads its terminal at once must find it its own.
        if let Some(launched) = self.launched_pid()
            && let Some(terminal) = self.terminal.as_mut()
        {
            terminal.debuggee_runs(launched);
        }
        let released = match how {
            Resumption::StepInto { .. } => None,
            _ => self.release_others(),
        };
        let result = match released {
            Some(stop) => Ok(Some(stop)),
            None => self.current.session.resume(how),
        };
        match result {
            Ok(None) => Ok(None),
            other => self.settle(other).map(Some),
        }
    }

    /// Wait for the stop of the run `resume` started: the current process's own, or another's that it handed over
    /// to. Every other process is held when it returns.
    pub fn wait(&mut self) -> Result<Stop> {
        let result = self.current.session.wait().map(Some);
        self.settle(result)
    }

    /// Run the family as `how` says until a process stops.
    pub fn run(&mut self, how: Resumption) -> Result<Stop> {
        match self.resume(how)? {
            Some(stop) => Ok(stop),
            None => self.wait(),
        }
    }

    /// A run ended (or failed): follow it to the process that has the stop, hold the others, stop listening for
    /// interrupts.
    fn settle(&mut self, result: Result<Option<Stop>>) -> Result<Stop> {
        if let Some(terminal) = self.terminal.as_mut() {
            terminal.debuggee_stopped();
        }
        let result = self.follow(result);
        self.hold_others();
        self.breaker.clear();
        match result? {
            Some(stop) => Ok(stop),
            None => Err(crate::err!("the debuggee stopped without an event")),
        }
    }

    /// Make process `number` the current one.
    pub fn switch_process(&mut self, number: u32) -> Result<()> {
        if number == self.current.number {
            return Ok(());
        }
        if !self.others.iter().any(|p| p.number == number && p.session.is_live()) {
            return Err(crate::err!("Illegal process error: no process {number}"));
        }
        self.switch_to(number);
        Ok(())
    }

    /// The current process has exited: make another live process of the family current and forget the exited
    /// one. Returns the new current process's number, `None` if no other lives.
    pub fn leave_exited_process(&mut self) -> Option<u32> {
        let number = self.others.iter().find(|p| p.session.is_live())?.number;
        self.switch_to(number);
        // The exited process is now last among the others.
        self.others.pop();
        Some(number)
    }

    /// End every process but the current one (quitting): launched ones are killed, attached ones detached. Returns
    /// what failed, by process number.
    pub fn end_others(&mut self) -> Vec<(u32, Error)> {
        let mut failed = Vec::new();
        for mut p in std::mem::take(&mut self.others) {
            if let Err(e) = p.session.end() {
                failed.push((p.number, e));
            }
        }
        failed
    }
}

/// A session's listener that hands every notice to the debugger's one.
fn forward(listener: &Rc<RefCell<Listener>>) -> Listener {
    let listener = listener.clone();
    Box::new(move |notice: &Notice| (listener.borrow_mut())(notice))
}
