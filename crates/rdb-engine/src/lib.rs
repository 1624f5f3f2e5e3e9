//! rdb's engine: everything a debugger decides, for any operating system. It sees an OS only through the
//! [`target::Target`] trait; it never names ptrace or Win32.
//!
//! # Driving a debuggee from Rust
//!
//! Every front end — the console (`rdb-windbg`), the gdb remote server (`rdb-gdbserver`), the Python package
//! (`rdb-python`) — drives the same façade, and so can a Rust program: a [`debugger::Debugger`] made over this
//! machine's [`debugger::Host`] (`rdb_host::Native`, after `rdb_host::install()`), which launches or attaches and
//! hands out the current process's [`session::Session`]. Every call names its thread; the engine hands out data
//! ([`session::Stop`], [`session::StackFrame`], [`session::FrameVariables`], [`values::Native`]) and one-line
//! [`Error`]s. A target is driven from the thread that made it (ptrace answers only that one); another thread
//! interrupts through [`debugger::Breaker`], or a server runs the debugger on a thread of its own
//! ([`runner::Runner`]).
//!
//! ```
//! use rdb_engine::debugger::{Debugger, Host, Launch};
//! use rdb_engine::session::{Kind, Location, Notice, Owner, Resumption, Spec, StopReason};
//! use rdb_engine::values::Native;
//!
//! /// Run `prog 1000` to its end, reading `add`'s first argument and its locals at each call.
//! fn trace_add(host: Box<dyn Host>) -> rdb_engine::Result<i64> {
//!     let mut dbg = Debugger::new(host, Box::new(|notice: &Notice| eprintln!("{notice:?}")));
//!     let launch = Launch { program: "./prog".into(), args: vec!["1000".into()], ..Default::default() };
//!     let first = dbg.launch(launch)?; // stopped at the initial breakpoint
//!     // The locations the console's `bp` takes: `prog!add`, an address, `` `prog.c:12` ``; a condition in MASM or
//!     // C++ would be compiled into the debuggee where it can be (`Spec::condition`).
//!     let spec = Spec::new(Owner::Library, Kind::Software, Location::parse("prog!add")?);
//!     dbg.session_mut().add_breakpoint(first.tid, spec)?;
//!     loop {
//!         let stop = dbg.run(Resumption::Go { status: None })?;
//!         match stop.reason {
//!             StopReason::Breakpoint(_) => {
//!                 let session = dbg.session_mut();
//!                 let rdi = session.register(stop.tid, "rdi")?;
//!                 let frame = &session.frames(stop.tid, 1)?[0];
//!                 println!("add({rdi}) at {:?}", frame.source);
//!                 for v in session.variables(stop.tid, 0)?.variables {
//!                     if let Native::Signed(n) = session.native(&v.value, &v.summary) {
//!                         println!("  {} = {n}", v.name);
//!                     }
//!                 }
//!             }
//!             StopReason::ProcessExited(rdb_engine::target::ExitStatus::Code(code)) => return Ok(code),
//!             other => return Err(rdb_engine::Error::msg(format!("stopped: {other:?}"))),
//!         }
//!     }
//! }
//! # let _ = trace_add;
//! ```

pub mod debugger;
pub mod disasm;
pub mod dump;
pub mod error;
pub mod expr;
pub mod fmt;
pub mod memory;
pub mod proc_maps;
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
