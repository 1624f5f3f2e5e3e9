//! One way to drive any rdb front end (the console today; a DAP server, a gdb remote server, a Python package
//! later), so the same scenarios (`crate::scenarios`) run through every one of them on both backends. A front end
//! implements [`Driver`]; what it reports at a stop comes back as data ([`StopData`]), never as its own text, so a
//! scenario says what must be true and not how one front end prints it.

mod console;
mod console_stops;
mod dap;

use crate::backend::Backend;

pub use console::ConsoleDriver;
pub use dap::DapDriver;

/// Where a breakpoint goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// A function by its `module!function` name (`hello!add`).
    Symbol(String),
    /// A source line: the file's name as the debuggee's line table has it (`hello.c`), and a 1-based line.
    Line { file: String, line: u32 },
}

impl Location {
    /// `Location::Symbol` of `module!function`.
    pub fn symbol(name: &str) -> Location {
        Location::Symbol(name.to_string())
    }

    /// `Location::Line` of `file:line`.
    pub fn line(file: &str, line: u32) -> Location {
        Location::Line { file: file.to_string(), line }
    }
}

/// Why the debuggee stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// The first stop of a launch, before the program's own code (the console's initial breakpoint).
    Entry,
    /// Breakpoints hit, by id: more than one when several stand at the same address.
    Breakpoint { ids: Vec<u32> },
    /// An exception: its code in the Windows numbering the console uses on both backends (`0xc0000005` for an
    /// access violation, SIGSEGV on Linux), its name as the front end gives it, and whether this is its first chance
    /// (the program's handlers have not seen it yet).
    Exception { code: u32, name: String, first_chance: bool },
    /// A break-in the user asked for while the debuggee ran (Ctrl-C, pause), where the front end tells it apart
    /// from an int3 of the program's.
    BreakIn,
    /// The process ended with this exit code (a Windows process killed by an exception ends with its code).
    Exited { code: u32 },
    /// The process was killed by this signal (Linux).
    Signaled { signal: u32 },
}

/// A source position: the file as the front end names it (a path ending in the file's name) and a 1-based line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceLine {
    pub file: String,
    pub line: u32,
}

/// What a front end reports at a stop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StopData {
    pub reason: StopReason,
    /// The thread that stopped (for an exit, the thread that reported it), by the OS's thread id.
    pub thread: Option<u32>,
    /// The instruction the thread stopped at; `None` once the process is gone.
    pub pc: Option<u64>,
    /// The function the pc is in, as `module!function`, where a symbol covers it.
    pub function: Option<String>,
    /// The pc's source file and line, where the front end gives them.
    pub source: Option<SourceLine>,
}

/// A front end driven by a test: one debuggee at a time, launched, stopped, read and let go through the front end's
/// own protocol. Every method waits with a deadline and fails the test (with everything the front end said) when
/// the front end does not answer as it should, so a scenario reads as a list of facts.
pub trait Driver {
    /// The backend this front end debugs on (the debuggees are built for it).
    fn backend(&self) -> Backend;

    /// Launches debuggee `name` (built for [`Driver::backend`]) with `args`, and returns its first stop.
    fn launch(&mut self, name: &str, args: &[&str]) -> StopData;

    /// Sets a breakpoint at `at`; returns its id, the one [`StopReason::Breakpoint`] names when it hits.
    fn set_breakpoint(&mut self, at: &Location) -> u32;

    /// Lets the debuggee run to its next stop (a breakpoint, an exception, its exit) and returns that stop.
    fn resume(&mut self) -> StopData;

    /// `len` bytes of the debuggee's memory at `address`.
    fn read_memory(&mut self, address: u64, len: usize) -> Vec<u8>;

    /// The address of a symbol (`hello!message`).
    fn evaluate_symbol(&mut self, symbol: &str) -> u64;

    /// A register of the thread that stopped (`rdi`, `rcx`, `rip`).
    fn read_register(&mut self, name: &str) -> u64;

    /// The debuggee's process id as the front end names it (a Unix pid on Linux, a Windows pid under Wine).
    fn process_id(&self) -> u32;

    /// What the debuggee has printed so far, as the front end passes it on (the console: its own stdout, which the
    /// debuggee shares, so rdb's lines are in it too).
    fn debuggee_output(&self) -> String;

    /// Lets the debuggee go: it runs on, undebugged, with no breakpoint of the debugger's left in it.
    fn detach(&mut self);

    /// Ends the session: a launched debuggee still debugged is killed, and the front end must end cleanly.
    fn quit(&mut self);
}
