//! rdb's test kit, shared by every front end's tests: it builds the debuggees (`debuggees`, `build`), runs the
//! `rdb` binary in batch mode or as a live session with hard timeouts (`run`, `session`, `section`), knows the
//! console's output shapes (`shapes`), starts and inspects processes (`process`, `live_memory`), runs rdb.exe and
//! the Windows debuggees under Wine (`wine`), drives `rdb --gdbserver` with gdb and lldb (`gdbserver`), and writes
//! a scenario once for both backends (`backend`; `children` and `spinner` for the debuggees each OS needs its own
//! of) and for every front end (`driver`, `scenarios`).
//! `paths` says where the kit finds the rdb binary and where it puts what it builds.
//!
//! It must never let a test hang: every wait has a deadline, and every process it starts is killed at the end.
//! Test files take everything with `use rdb_testkit::prelude::*;`.

pub mod backend;
pub mod build;
pub mod children;
pub mod damaged;
pub mod dap;
pub mod dap_client;
pub mod debuggees;
pub mod driver;
#[cfg(unix)]
pub mod dumps;
pub mod gdbserver;
pub mod live_memory;
pub mod paths;
pub mod process;
pub mod run;
pub mod scenarios;
pub mod section;
pub mod session;
pub mod shapes;
pub mod spinner;
pub mod terminal;
pub mod wine;

pub use backend::{Backend, Fatal};

/// Everything a test file uses, in one import.
pub mod prelude {
    pub use crate::backend::{Backend, Fatal};
    pub use crate::build::{built_once, compile_once, source_directive};
    pub use crate::children::ChildDebuggee;
    pub use crate::damaged::{WILD_DYNAMIC, with_wild_dynamic};
    pub use crate::debuggees::{
        debuggee, debuggee_out_dir, debuggee_sources, line_of, windows_debuggee, windows_debuggee_sources,
        windows_line_of,
    };
    pub use crate::driver::{ConsoleDriver, DapDriver, Driver, Location, SourceLine, StopData, StopReason};
    #[cfg(unix)]
    pub use crate::dumps::{DumpBytes, kernel_core, minidump_memory_at, read_minidump};
    pub use crate::live_memory::{
        TextDiff, assert_loop_runs_free, assert_text_clean, load_bias, read_global_u64, read_memory, symbol_address,
        text_diff,
    };
    pub use crate::paths::{rdb_bin, s, scratch_dir, work_dir};
    pub use crate::process::{
        Spawned, anonymous_rwx_mappings, process_gone, process_state, spawn_debuggee, tracer_pid, unused_pid,
        wait_until,
    };
    pub use crate::run::{RdbRun, default_timeout, rdb, rdb_raw};
    pub use crate::section::{Section, mark};
    pub use crate::session::RdbSession;
    pub use crate::shapes::{
        ADDR, FIRST_CHANCE_NOTE, Frame, LM_STATE, REGISTER_DUMP_SAMPLE, addr, bp_hit_re, exception_re, exit_code_re,
        exit_signal_re, fmt_addr, parse_evaluations, parse_frames, regs_re, second_chance_re, stop_re, stop_sample,
    };
    pub use crate::spinner::Spinner;
    pub use crate::terminal::{Pty, rdb_on_terminal};
    pub use crate::{driver_scenarios, on_both_backends};
}
