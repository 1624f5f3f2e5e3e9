//! One scenario, both backends: a test written against [`Backend`] runs rdb under ptrace with a gcc-built debuggee,
//! and rdb.exe under Wine with the same C source built by mingw-w64, so where the two backends diverge a test
//! fails. What legitimately differs between the OSes (how files are named, how a process dies of a fault it does
//! not handle) is answered here, once, and nowhere in the scenarios.

use std::fs;
use std::path::{Path, PathBuf};

use crate::children::ChildDebuggee;
use crate::debuggees::{debuggee, windows_debuggee};
use crate::driver::StopReason;
use crate::run::{RdbRun, rdb};
use crate::session::RdbSession;
use crate::shapes::{exit_code_re, exit_signal_re};
use crate::wine::{rdb_wine, rdb_wine_session, wine_path};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// rdb on Linux: ptrace, ELF debuggees built with gcc.
    Linux,
    /// rdb.exe under Wine: the Win32 debugging API, PE debuggees built with mingw-w64.
    Windows,
}

/// An exception a process dies of when nothing handles it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fatal {
    AccessViolation,
    DivideByZero,
}

impl Backend {
    /// Builds debuggee `name` (`tests/debuggees/<name>.c`, or for Windows also `tests/debuggees-windows/`) for
    /// this backend; returns its path on this machine.
    pub fn debuggee(self, name: &str) -> PathBuf {
        match self {
            Backend::Linux => debuggee(name),
            Backend::Windows => windows_debuggee(name),
        }
    }

    /// How rdb on this backend is given a file: the path itself on Linux, `Z:\...` for a Windows program.
    pub fn path_arg(self, path: &Path) -> String {
        match self {
            Backend::Linux => path.to_string_lossy().into_owned(),
            Backend::Windows => wine_path(path),
        }
    }

    /// Runs rdb in batch mode (`rdb <args>` with `stdin` piped in) with the per-run timeout; fails the test if rdb
    /// timed out or panicked.
    pub fn rdb(self, args: &[&str], stdin: &str) -> RdbRun {
        match self {
            Backend::Linux => rdb(args, stdin),
            Backend::Windows => rdb_wine(args, stdin),
        }
    }

    /// Launches debuggee `name` (built for this backend) under rdb with the commands `stdin`, in batch mode.
    pub fn launch(self, name: &str, stdin: &str) -> RdbRun {
        let program = self.path_arg(&self.debuggee(name));
        self.rdb(&[&program], stdin)
    }

    /// A live rdb with its stdin kept open.
    pub fn session(self, args: &[&str]) -> RdbSession {
        match self {
            Backend::Linux => RdbSession::start(args),
            Backend::Windows => rdb_wine_session(args),
        }
    }

    /// A regex for the path `ModLoad` and `Unload module` print for the executable or library built from `name`
    /// (`/…/hello`, `Z:\…\hello.exe`; a library is given by its file name, e.g. `wplugin.dll`).
    pub fn image_re(self, name: &str) -> String {
        match self {
            Backend::Linux => format!(r"/\S*{}", regex::escape(name)),
            // Windows file names are case-insensitive, and the loader may report a path with either slash.
            Backend::Windows => {
                let file = if name.contains('.') { name.to_string() } else { format!("{name}.exe") };
                format!(r"(?i:\S*[\\/]{})", regex::escape(&file))
            }
        }
    }

    /// A regex for the path `ModLoad`, `Unload module` and `lm` print for the module rdb maps from `path` (a program or
    /// library built for this backend): on Linux the path as it was given or its canonical form, on Windows its file
    /// name in any directory and either case (the loader reports paths its own way).
    pub fn module_path_re(self, path: &Path) -> String {
        match self {
            Backend::Linux => {
                let canonical = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
                let (given, canonical) = (path.to_string_lossy(), canonical.to_string_lossy());
                format!("(?:{}|{})", regex::escape(&given), regex::escape(&canonical))
            }
            Backend::Windows => self.image_re(&path.file_name().expect("a file name").to_string_lossy()),
        }
    }

    /// Regexes for the paths of the modules the system maps into every new process before its first stop, besides
    /// the program: the dynamic linker and the C library on Linux, ntdll and kernel32 on Windows.
    pub fn startup_module_res(self) -> [&'static str; 2] {
        match self {
            Backend::Linux => [r"/\S*ld-linux-x86-64\.so\.2", r"/\S*libc\.so\.6"],
            Backend::Windows => [r"(?i:(?:\S*\\)?ntdll\.dll)", r"(?i:(?:\S*\\)?kernel32\.dll)"],
        }
    }

    /// The debuggee that loads and frees a library at run time, given the library's path as its argument, and the
    /// library (both print `plugin said 42`): `dlopen` with `plugin` on Linux, `wloadlib` with `wplugin` on Windows.
    pub fn library_loader(self) -> (&'static str, &'static str) {
        match self {
            Backend::Linux => ("dlopen", "plugin"),
            Backend::Windows => ("wloadlib", "wplugin"),
        }
    }

    /// The debuggee that starts a child process: `forks` on Linux, `wchild` on Windows.
    pub fn child_debuggee(self) -> ChildDebuggee {
        ChildDebuggee::of(self)
    }

    /// Arguments that need quoting on a command line, each with how `CommandLine:` writes it: as a POSIX shell reads
    /// it back on Linux, as the C runtime splits it on Windows (the very line the program is started with).
    pub fn quoted_args(self) -> [(&'static str, &'static str); 3] {
        match self {
            Backend::Linux => [("two words", "'two words'"), (r#"say "hi""#, r#"'say "hi"'"#), ("it's", r"'it'\''s'")],
            Backend::Windows => [("two words", r#""two words""#), (r#"say "hi""#, r#""say \"hi\"""#), ("it's", "it's")],
        }
    }

    /// The register that holds integer argument `n` (0-based) at a function's entry: the System V ABI's rdi, rsi,
    /// rdx, rcx on Linux, the Windows x64 convention's rcx, rdx, r8, r9 on Windows.
    pub fn arg(self, n: usize) -> &'static str {
        match self {
            Backend::Linux => ["rdi", "rsi", "rdx", "rcx"][n],
            Backend::Windows => ["rcx", "rdx", "r8", "r9"][n],
        }
    }

    /// A regex for what `lm v` says of an image's link time stamp: ELF records none, a PE its `TimeDateStamp`.
    pub fn image_timestamp_re(self) -> &'static str {
        match self {
            Backend::Linux => r"unavailable \(the image records none\)",
            Backend::Windows => r"\w{3} \d\d \d\d:\d\d:\d\d \d{4} \([0-9A-F]{8}\)",
        }
    }

    /// The C runtime's module, where `puts` is: glibc's `libc` on Linux, `msvcrt` (what mingw-w64 links) on Windows.
    pub fn crt(self) -> &'static str {
        match self {
            Backend::Linux => "libc",
            Backend::Windows => "msvcrt",
        }
    }

    /// A regex for the path `lm` shows for the C runtime (`/…/libc.so.6`, `C:\windows\system32\msvcrt.dll`).
    pub fn crt_image_re(self) -> String {
        match self {
            Backend::Linux => r"\S*/libc\.so\.6".to_string(),
            Backend::Windows => r"(?i:\S*[\\/]msvcrt\.dll)".to_string(),
        }
    }

    /// The location line of the first stop of a launch of `name`: the executable's entry point on Linux (where rdb
    /// stops as Windows does by itself), the loader breakpoint in ntdll on Windows (`ntdll!DbgBreakPoint` under
    /// Wine, `ntdll!LdrpDoDebuggerBreak+0x30` on Windows).
    pub fn initial_stop_re(self, name: &str) -> String {
        match self {
            Backend::Linux => format!(r"{}!_start", regex::escape(name)),
            Backend::Windows => r"ntdll!(?:DbgBreakPoint|LdrpDoDebuggerBreak\+0x[0-9a-f]+)".to_string(),
        }
    }

    /// Whether the first stop of a launch is an int3 of the system's own, shown as `int 3` (Windows' loader
    /// breakpoint), rather than rdb's breakpoint at the program's entry point, where the original instruction shows
    /// (Linux, which does not stop a new process by itself).
    pub fn first_stop_is_the_systems_int3(self) -> bool {
        match self {
            Backend::Linux => false,
            Backend::Windows => true,
        }
    }

    /// Whether a process's main thread has the process's id as its thread id: on Linux it does (the thread group
    /// leader), on Windows thread and process ids are drawn apart.
    pub fn main_thread_has_process_id(self) -> bool {
        match self {
            Backend::Linux => true,
            Backend::Windows => false,
        }
    }

    /// How a process killed by `fatal` ends, as a front end reports it: a signal on Linux, the exception's code as
    /// the exit code on Windows.
    pub fn fatal_exit(self, fatal: Fatal) -> StopReason {
        match (self, fatal) {
            (Backend::Linux, Fatal::AccessViolation) => StopReason::Signaled { signal: 11 },
            (Backend::Linux, Fatal::DivideByZero) => StopReason::Signaled { signal: 8 },
            (Backend::Windows, Fatal::AccessViolation) => StopReason::Exited { code: 0xc000_0005 },
            (Backend::Windows, Fatal::DivideByZero) => StopReason::Exited { code: 0xc000_0094 },
        }
    }

    /// The process-exit line of a process killed by `fatal`: a signal on Linux, the exception code on Windows.
    pub fn fatal_exit_re(self, fatal: Fatal) -> String {
        match (self, fatal) {
            (Backend::Linux, Fatal::AccessViolation) => exit_signal_re(11, "SIGSEGV"),
            (Backend::Linux, Fatal::DivideByZero) => exit_signal_re(8, "SIGFPE"),
            (Backend::Windows, Fatal::AccessViolation) => exit_code_re(0xc000_0005),
            (Backend::Windows, Fatal::DivideByZero) => exit_code_re(0xc000_0094),
        }
    }
}

/// `on_both_backends!(scenario, ...)`, for scenarios `fn scenario(b: Backend)`, makes the tests `scenario::linux`
/// and `scenario::windows` (`cargo test ::windows` runs only the second kind).
#[macro_export]
macro_rules! on_both_backends {
    ($($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            #[test]
            fn linux() {
                super::$scenario($crate::Backend::Linux)
            }
            #[test]
            fn windows() {
                super::$scenario($crate::Backend::Windows)
            }
        }
    )*};
}
