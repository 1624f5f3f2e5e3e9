//! rdb's engine: everything a debugger decides, for any operating system. It sees an OS only through the
//! [`target::Target`] trait; it never names ptrace or Win32.
//!
//! Entry point for front ends: [`session::Session`]. The engine hands out data; each front end gives it its own
//! shape (WinDbg's text is the `rdb-windbg` crate's).

pub mod debugger;
pub mod disasm;
pub mod dump;
pub mod error;
pub mod expr;
pub mod fmt;
pub mod memory;
pub mod regs;
pub mod relocate;
pub mod runner;
pub mod session;
pub mod sources;
pub mod symbols;
pub mod target;
pub mod trampoline;
pub mod unwind;
pub mod values;
pub mod wide_regs;
pub mod wildcard;
pub mod windows_blocks;

pub use error::{Error, Result};
