//! The engine's error type. Every error reads as one line a user can act on; the console prints it as it is.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// Memory at this address could not be read or written (WinDbg: "Memory access error at '...'").
    MemoryAccess(u64),
    /// The process is gone (exited, killed, or never started).
    NoProcess,
    /// The thread does not exist (any more).
    NoSuchThread(u32),
    /// Anything else, already worded for the user.
    Msg(String),
}

impl Error {
    pub fn msg(text: impl Into<String>) -> Self {
        Error::Msg(text.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::MemoryAccess(a) => write!(f, "Memory access error at {}", crate::fmt::addr64(*a)),
            Error::NoProcess => {
                write!(f, "No runnable debuggees: the process has exited or was detached (.restart, .attach)")
            }
            Error::NoSuchThread(t) => write!(f, "no such thread: {t:#x}"),
            Error::Msg(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Build an `Error::Msg` with `format!` syntax.
#[macro_export]
macro_rules! err {
    ($($arg:tt)*) => { $crate::error::Error::Msg(format!($($arg)*)) };
}
