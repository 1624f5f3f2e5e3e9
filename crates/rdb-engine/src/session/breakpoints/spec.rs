//! What a front end asks for when it makes a breakpoint (`Spec`): the kind, where in the user's words, the
//! condition and its language, the pass count, the front end's own commands, a thread, whether it may wait for its
//! module, and whose it is. Plain data: nothing here resolves, checks or patches anything.

use crate::target::{Access, Tid};

/// The front end a breakpoint belongs to. Front ends share one table (one set of int3s, one set of debug registers)
/// but each sees, clears and replaces only its own breakpoints: a DAP client's breakpoint at the console's address
/// stands beside the console's, and clearing the DAP client's leaves the console's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Owner {
    /// The WinDbg command language (`bp`, `ba`, `bpm`...).
    Console,
    /// A Debug Adapter Protocol client.
    Dap,
    /// A gdb remote-protocol client (`Z0`-`Z4` packets).
    GdbRemote,
    /// A Python script.
    Python,
    /// A Rust program driving the engine as a library (and the engine's own tests of its façade).
    Library,
}

impl std::fmt::Display for Owner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Owner::Console => "the console",
            Owner::Dap => "a DAP client",
            Owner::GdbRemote => "a gdb remote client",
            Owner::Python => "a Python script",
            Owner::Library => "a program using rdb's engine",
        })
    }
}

/// The language a condition is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// WinDbg's MASM expressions (`@rdi == 7`, `poi(counter) > 3`).
    Masm,
    /// C++ expressions over the program's variables (`depth == 1 && p->x > 5`), evaluated in the frame that hit.
    Cxx,
    /// As WinDbg's `bp /w` reads a condition: C++ where it names the program's variables, MASM otherwise (so
    /// `@rdi == 7` and `poi(counter) > 3` keep their meaning). Settled to one of the two when the breakpoint is
    /// placed.
    Windbg,
}

/// A breakpoint's condition: the hit counts only where it is non-zero on the thread that hit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub text: String,
    pub language: Language,
}

impl Condition {
    /// A MASM condition.
    pub fn masm(text: impl Into<String>) -> Condition {
        Condition { text: text.into(), language: Language::Masm }
    }

    /// A C++ condition.
    pub fn cxx(text: impl Into<String>) -> Condition {
        Condition { text: text.into(), language: Language::Cxx }
    }

    /// A condition as WinDbg's `bp /w` takes one (see [`Language::Windbg`]).
    pub fn windbg(text: impl Into<String>) -> Condition {
        Condition { text: text.into(), language: Language::Windbg }
    }
}

/// Where a breakpoint is meant to be, in the user's words, so it can be resolved again when modules load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// An expression: `demo!main`, `0x401000`, `@rip+4`.
    Expr(String),
    /// A source line: `` `demo.c:12` `` or `` `demo!demo.c:12` ``.
    Line { module: Option<String>, file: String, line: u32 },
}

impl Location {
    /// A location as the user writes one for `bp` (every front end takes the same words): `` `file.c:12` ``,
    /// `` `module!file.c:12` `` (backquoted), or anything else as an expression (`demo!main`, `0x401000`).
    pub fn parse(word: &str) -> Result<Location, crate::Error> {
        let Some(inner) = word.strip_prefix('`').and_then(|w| w.strip_suffix('`')) else {
            return Ok(Location::Expr(word.to_string()));
        };
        let (module, spec) = match inner.split_once('!') {
            Some((m, s)) => (Some(m.to_string()), s),
            None => (None, inner),
        };
        let (file, line) = spec
            .rsplit_once(':')
            .ok_or_else(|| crate::Error::msg(format!("Syntax error: expected `file:line`, got {word}")))?;
        let line = line
            .trim()
            .parse::<u32>()
            .map_err(|_| crate::Error::msg(format!("Syntax error: bad line number in {word}")))?;
        Ok(Location::Line { module, file: file.trim().to_string(), line })
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Expr(e) => f.write_str(e),
            Location::Line { module: Some(m), file, line } => write!(f, "`{m}!{file}:{line}`"),
            Location::Line { module: None, file, line } => write!(f, "`{file}:{line}`"),
        }
    }
}

/// How a breakpoint catches the debuggee.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `bp`, `bu`, `bm`: an int3 patched into code.
    Software,
    /// `ba`: a debug register watching `size` bytes (1, 2, 4 or 8, aligned) at the address.
    Hardware { access: HwAccess, size: u8 },
    /// `bpm`: guard pages over `size` bytes from the address.
    Memory { access: MemAccess, size: u64 },
}

/// What a debug register fires on (DR7's R/W field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HwAccess {
    /// `e`: executing the instruction (a fault: the thread stops on it).
    Execute,
    /// `w`: writing (a trap: the thread stops after the instruction).
    Write,
    /// `r`: reading or writing.
    ReadWrite,
}

impl HwAccess {
    /// WinDbg's letter for it.
    pub fn letter(self) -> char {
        match self {
            HwAccess::Execute => 'e',
            HwAccess::Write => 'w',
            HwAccess::ReadWrite => 'r',
        }
    }
}

/// Which accesses a memory breakpoint stops on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemAccess {
    Read,
    Write,
    Execute,
    Any,
}

impl MemAccess {
    pub fn letter(self) -> char {
        match self {
            MemAccess::Read => 'r',
            MemAccess::Write => 'w',
            MemAccess::Execute => 'x',
            MemAccess::Any => 'a',
        }
    }

    /// Whether an access of that kind is a hit. An access the engine could not classify counts, so no hit is
    /// missed for want of knowing.
    pub fn matches(self, access: Option<Access>) -> bool {
        match (self, access) {
            (MemAccess::Any, _) | (_, None) => true,
            (MemAccess::Read, Some(a)) => a == Access::Read,
            (MemAccess::Write, Some(a)) => a == Access::Write,
            (MemAccess::Execute, Some(a)) => a == Access::Execute,
        }
    }
}

/// A breakpoint as a front end asks for it. [`crate::session::Session::add_breakpoint`] checks all of it and
/// resolves `location` before anything changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    pub owner: Owner,
    pub kind: Kind,
    pub location: Location,
    /// `bp /w "<expr>"`: a hit where it is zero is no hit.
    pub condition: Option<Condition>,
    /// It stops on that pass (`bp <where> <count>`); 0 counts as 1.
    pub passes: u32,
    /// The front end's own text, kept for it (the console runs `bp <where> "cmds"` at each stop).
    pub commands: Option<String>,
    /// Only hits on this thread count (`ba ~1`).
    pub thread: Option<Tid>,
    /// `bu`: it may wait for its module; it resolves whenever a matching module loads.
    pub deferred: bool,
}

impl Spec {
    /// A breakpoint of `kind` at `location` for `owner`: no condition, stops at its first hit, resolved now.
    pub fn new(owner: Owner, kind: Kind, location: Location) -> Spec {
        Spec { owner, kind, location, condition: None, passes: 1, commands: None, thread: None, deferred: false }
    }
}
