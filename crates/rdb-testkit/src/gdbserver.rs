//! `rdb --gdbserver` driven by real clients: start a server (the native `rdb`, or `rdb.exe` under Wine), read the
//! port it prints (`Listening on port N` on stderr, as gdbserver words it), and run gdb or lldb in batch mode
//! against it. The same harness serves the Linux and the Windows tests: only the server's command differs.
//!
//! Like the rest of the kit it never lets a test hang: the server and each client run in process groups of their
//! own under the kit's timeouts, killed if the test lets go of them.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use regex::Regex;

use crate::backend::Backend;
use crate::paths::{on_path, rdb_bin};
use crate::run::{RdbRun, default_timeout};
use crate::session::RdbSession;
use crate::wine::{rdb_exe, test_prefix};

/// A running `rdb --gdbserver`: the port it listens on, and the server itself (its stdout carries the debuggee's
/// output, its stderr the server's progress).
pub struct GdbServer {
    pub port: u16,
    pub server: RdbSession,
}

impl GdbServer {
    /// Starts `cmd` with `args` (a server that prints `Listening on port N` on stderr) and waits for the port, as
    /// long as the kit's timeout. Fails the test, with everything the server said, if it never listens.
    pub fn start(cmd: Command, args: &[&str]) -> GdbServer {
        let mut server = RdbSession::spawn(cmd, args);
        let listening = Regex::new(r"Listening on port (\d+)").expect("the port's regex");
        let deadline = Instant::now() + default_timeout();
        loop {
            if let Some(port) = listening.captures(&server.stderr()).and_then(|c| c[1].parse().ok()) {
                return GdbServer { port, server };
            }
            let ended = server.wait_exit(Duration::ZERO).is_some();
            if ended || Instant::now() >= deadline {
                panic!("the gdbserver never listened\n{}", server.dump());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Debian's gdbserver on a free port (`args`: the program and its arguments), the oracle rdb is compared with.
    pub fn debian(args: &[&str]) -> GdbServer {
        let mut all = vec!["127.0.0.1:0"];
        all.extend_from_slice(args);
        GdbServer::start(Command::new("gdbserver"), &all)
    }

    /// `rdb --gdbserver 127.0.0.1:0 <args>` (the native rdb; `args` is the program and its arguments, or `-p PID`).
    pub fn native(args: &[&str]) -> GdbServer {
        GdbServer::start(Command::new(rdb_bin()), &with_address(args))
    }

    /// `rdb.exe --gdbserver 127.0.0.1:0 <args>` under Wine, in the tests' prefix (give the program as
    /// `wine_path(...)`). Wine's loopback is the machine's, so a client on Linux connects to it.
    pub fn wine(args: &[&str]) -> GdbServer {
        let mut cmd = test_prefix().command();
        cmd.arg(rdb_exe());
        GdbServer::start(cmd, &with_address(args))
    }

    /// Waits for the server to end (it ends when its client leaves), as long as the kit's timeout; fails the test
    /// if it did not end or panicked.
    pub fn finish(self) -> RdbRun {
        self.server.finish()
    }
}

impl GdbServer {
    /// `rdb --gdbserver` on `backend` (the native rdb, or rdb.exe under Wine) launching debuggee `name` built for it.
    pub fn launch(backend: Backend, name: &str, args: &[&str]) -> GdbServer {
        let program = backend.path_arg(&backend.debuggee(name));
        let mut all = vec![program.as_str()];
        all.extend_from_slice(args);
        match backend {
            Backend::Linux => GdbServer::native(&all),
            Backend::Windows => GdbServer::wine(&all),
        }
    }
}

/// The gdb that debugs `backend`'s programs from this machine, and what it must be told before it connects:
/// Debian's gdb has no Windows OS ABI, so for a Windows debuggee it is `gdb-multiarch` told `set osabi none` (the
/// remote library list, `qXfer:libraries`, rather than the SVR4 one Linux's ABI looks for) and that file names are
/// Windows paths. Then the program's symbols.
pub fn gdb_for(backend: Backend, program: &Path) -> (Client, Vec<String>) {
    let file = format!("file {}", program.display());
    match backend {
        Backend::Linux => (Client::Gdb, vec![file]),
        Backend::Windows => (
            Client::GdbMultiarch,
            vec![
                "set osabi none".into(),
                "set target-file-system-kind dos-based".into(),
                "set confirm off".into(),
                file,
            ],
        ),
    }
}

fn with_address<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut all = vec!["--gdbserver", "127.0.0.1:0"];
    all.extend_from_slice(args);
    all
}

/// A gdb remote-protocol client, run in batch mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Client {
    /// The machine's gdb for x86-64 (`gdb`).
    Gdb,
    /// `gdb`, connecting with `target extended-remote` (where `run` and `kill` leave the server up).
    GdbExtended,
    /// `gdb-multiarch`: the same gdb with every architecture.
    GdbMultiarch,
    /// lldb (`lldb-16`, else `lldb`).
    Lldb,
}

impl Client {
    /// The client's program on PATH; `None` if it is not installed.
    pub fn program(self) -> Option<PathBuf> {
        let names: &[&str] = match self {
            Client::Gdb | Client::GdbExtended => &["gdb"],
            Client::GdbMultiarch => &["gdb-multiarch"],
            Client::Lldb => &["lldb-16", "lldb"],
        };
        names.iter().find_map(|name| on_path(name))
    }

    /// Whether the client is installed; if not, says so on stderr for the test that skips itself
    /// (`if !Client::Lldb.available("test name") { return; }`). `scripts/setup.sh` installs every client.
    pub fn available(self, test: &str) -> bool {
        let found = self.program().is_some();
        if !found {
            eprintln!(
                "SKIPPED {test}: {self:?} is not installed (scripts/setup.sh installs gdb, gdb-multiarch, lldb-16)"
            );
        }
        found
    }

    /// The command that connects to `port` on this machine.
    fn connect(self, port: u16) -> String {
        match self {
            Client::Gdb | Client::GdbMultiarch => format!("target remote 127.0.0.1:{port}"),
            Client::GdbExtended => format!("target extended-remote 127.0.0.1:{port}"),
            Client::Lldb => format!("gdb-remote 127.0.0.1:{port}"),
        }
    }

    /// The client in batch mode (`gdb -batch -nx`, `lldb -b`) running `setup` (before it connects: the program's
    /// file, settings), then connecting to `port`, then `commands`; started, not waited for (a test may interrupt it
    /// with `signal(libc::SIGINT)`, as a user's Ctrl-C). gdb goes on after a command that fails; lldb stops there.
    pub fn start(self, port: u16, setup: &[&str], commands: &[&str]) -> RdbSession {
        let program = self.program().unwrap_or_else(|| panic!("{self:?} is not installed (run scripts/setup.sh)"));
        let (batch, each): (&[&str], &str) = match self {
            Client::Gdb | Client::GdbExtended | Client::GdbMultiarch => {
                (&["-batch", "-nx", "-ex", "set pagination off"], "-ex")
            }
            Client::Lldb => (&["-b", "--no-lldbinit"], "-o"),
        };
        let connect = self.connect(port);
        let mut args: Vec<&str> = batch.to_vec();
        for command in setup.iter().copied().chain([connect.as_str()]).chain(commands.iter().copied()) {
            args.push(each);
            args.push(command);
        }
        let mut cmd = Command::new(program);
        // No pager, no colours, no terminal size: output as a file gets it.
        cmd.env("TERM", "dumb").env_remove("DISPLAY");
        RdbSession::spawn(cmd, &args)
    }

    /// Runs the client as [`Client::start`] does and waits for it to end (the kit's timeout); fails the test if it
    /// timed out.
    pub fn run(self, port: u16, setup: &[&str], commands: &[&str]) -> RdbRun {
        let run = self.start(port, setup, commands).finish_within(default_timeout());
        if run.timed_out {
            run.fail(&format!("{self:?} did not finish in time"));
        }
        run
    }
}
