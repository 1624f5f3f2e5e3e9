//! `rdb`: the command-line program. It parses cdb's command line, reads commands from a terminal or a pipe, and
//! hands them to the console (`rdb_windbg`) over a debugger of this machine (`rdb_host`). No debugger logic lives
//! here: that is the engine's.

mod input;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{LazyLock, Mutex};

use clap::Parser;
use rdb_engine::debugger::Debugger;
use rdb_engine::session::Notice;
use rdb_windbg::{Console, Flow, Log, Options, Output};

use input::{Input, Inputs};

/// rdb: a native x86-64 debugger that speaks WinDbg's command language.
#[derive(Parser, Debug)]
#[command(name = "rdb", version, about, long_about = None)]
pub struct Args {
    /// Commands to run at the first stop, separated by ';' (as cdb's -c).
    #[arg(short = 'c', value_name = "COMMANDS")]
    pub commands: Option<String>,
    /// A script file whose commands run at the first stop, before -c's (cdb's -cf; `--cf` works too).
    #[arg(long = "cf", value_name = "FILE")]
    pub command_file: Option<PathBuf>,
    /// Run past the initial breakpoint.
    #[arg(short = 'g')]
    pub go_initial: bool,
    /// Do not stop at process exit: rdb quits when the debuggee ends.
    #[arg(short = 'G')]
    pub go_final: bool,
    /// Debug child processes too (`.childdbg 1`): each child gets a process number (`|`) and its own events.
    #[arg(short = 'o')]
    pub children: bool,
    /// The terminal the launched program's standard input, output and error are on, rather than rdb's (gdb's
    /// `tty`); on Linux also its controlling terminal. Redirections in its arguments (`< in.txt`) still apply.
    #[arg(long = "tty", value_name = "DEVICE", conflicts_with = "pid")]
    pub tty: Option<PathBuf>,
    /// Attach to a running process.
    #[arg(short = 'p', value_name = "PID", conflicts_with = "command")]
    pub pid: Option<u32>,
    /// Open a dump (an ELF core file, a Linux or Windows minidump) rather than a live process: it can be read, not
    /// run.
    #[arg(short = 'z', value_name = "DUMP", conflicts_with_all = ["command", "pid", "go_initial", "children", "tty"])]
    pub dump: Option<PathBuf>,
    /// Where a dump's module images are looked for when they are not where the dump says (`.exepath`), directories
    /// separated by ';'.
    #[arg(short = 'i', value_name = "IMAGE_PATH")]
    pub image_path: Option<String>,
    /// The symbol search path (`.sympath`), directories separated by ';'.
    #[arg(short = 'y', value_name = "SYMBOL_PATH")]
    pub symbol_path: Option<String>,
    /// Serve the debuggee to a gdb or lldb client over the gdb remote protocol instead of running the console, as
    /// gdbserver does: `[HOST]:PORT` (the host defaults to loopback; port 0 picks a free one).
    #[arg(long = "gdbserver", value_name = "[HOST]:PORT", conflicts_with_all = ["commands", "command_file", "go_initial", "go_final", "children", "tty", "dump"])]
    pub gdbserver: Option<String>,
    /// Speak the Debug Adapter Protocol (for VS Code, nvim-dap and other editors) on standard input and output, or
    /// with --port on a TCP port of loopback; the client's `launch` or `attach` says what to debug.
    #[arg(long = "dap", conflicts_with_all = ["commands", "command_file", "go_initial", "go_final", "children", "tty", "dump", "pid", "gdbserver", "command"])]
    pub dap: bool,
    /// With --dap: serve one client on this TCP port of 127.0.0.1 (0 picks a free one, printed on standard error).
    #[arg(long = "port", value_name = "PORT", requires = "dap")]
    pub port: Option<u16>,
    /// The program to launch and its arguments; everything after the program is the program's, not rdb's, but for
    /// redirections of its standard streams: `<`, `>`, `>>`, `2>`, `2>>` before a file (quoted for the shell:
    /// `rdb prog arg '<' in.txt`; `"'<'"` passes a literal `<`).
    #[arg(trailing_var_arg = true, value_name = "PROGRAM [ARGS]...")]
    pub command: Vec<String>,
}

fn main() -> ExitCode {
    let args = Args::parse_from(cdb_spelling(std::env::args_os()));
    if args.dap {
        return dap(args.port);
    }
    if args.command.is_empty() && args.pid.is_none() && args.dump.is_none() {
        eprintln!("rdb: nothing to debug: give a program to launch, -p <pid> or -z <dump> (see rdb --help)");
        return ExitCode::from(2);
    }
    if let Some(address) = args.gdbserver {
        return gdbserver(address, args.pid, args.command);
    }
    let options = Options {
        commands: args.commands,
        command_file: args.command_file,
        go_initial: args.go_initial,
        go_final: args.go_final,
        children: args.children,
        pid: args.pid,
        command: args.command,
        terminal: args.tty,
        dump: args.dump,
        image_path: args.image_path,
        symbol_path: args.symbol_path,
    };
    rdb_host::install();
    let mut console = Console::new(options.go_final);
    let log = console.log();
    let mut dbg = Debugger::new(Box::new(rdb_host::Native), Box::new(move |notice| print_notice(notice, &log)));
    // On a terminal, the programs rdb launches share it (a launch only: an attached process has its own, and so
    // has a program given --tty).
    #[cfg(unix)]
    if options.pid.is_none()
        && options.dump.is_none()
        && options.terminal.is_none()
        && let Some(terminal) = rdb_host::terminal::OwnTerminal::foreground()
    {
        dbg.set_terminal(Box::new(terminal));
    }
    let inputs = Inputs::start(dbg.breaker());
    let mut out = Stdout;
    let stop = match console.start(&mut dbg, &options, &mut out) {
        Ok(stop) => stop,
        Err(e) => {
            flush_stdout();
            // The error may quote the debuggee's text (its path, a module's): printable, as the console's lines are.
            eprintln!("rdb: {}", rdb_windbg::printable(&e.to_string()));
            return ExitCode::from(1);
        }
    };
    if inputs.pending_terminate() {
        console.quit(&mut dbg, false, &mut out);
    } else if !matches!(console.first_stop(&mut dbg, stop, &options, &mut out), Flow::Quit) {
        command_loop(&mut console, &mut dbg, &inputs, &mut out);
    }
    flush_stdout();
    ExitCode::SUCCESS
}

/// `--gdbserver`: serve one gdb remote-protocol client, then end.
fn gdbserver(address: String, pid: Option<u32>, command: Vec<String>) -> ExitCode {
    let start = match (pid, command.split_first()) {
        (Some(pid), _) => rdb_gdbserver::Start::Attach(pid),
        (None, Some((program, args))) => rdb_gdbserver::Start::Launch(rdb_engine::debugger::Launch {
            program: program.into(),
            args: args.to_vec(),
            ..Default::default()
        }),
        (None, None) => unreachable!("checked by main"),
    };
    rdb_host::install();
    // A SIGTERM, SIGINT or SIGHUP ends the session cleanly: a launched debuggee killed, an attached one detached.
    let (terminate, terminated) = std::sync::mpsc::channel();
    rdb_host::signals::watch(move |_| {
        let _ = terminate.send(());
    });
    match rdb_gdbserver::serve(rdb_gdbserver::Options { address, start }, || Box::new(rdb_host::Native), terminated) {
        Ok(ending) => {
            eprintln!(
                "{}",
                match ending {
                    rdb_gdbserver::Ending::Detached => "Detached: the debuggee runs on",
                    rdb_gdbserver::Ending::Killed => "Killed the debuggee",
                    rdb_gdbserver::Ending::Exited => "The debuggee exited",
                    rdb_gdbserver::Ending::ClientGone => "The client went away: the debuggee is ended as q ends it",
                    rdb_gdbserver::Ending::Terminated => "rdb was told to end: the debuggee is ended as q ends it",
                }
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("rdb: {}", rdb_windbg::printable(&e));
            ExitCode::from(1)
        }
    }
}

/// `--dap`: serve one Debug Adapter Protocol client, then end. Standard output is the protocol's: nothing else is
/// written there.
fn dap(port: Option<u16>) -> ExitCode {
    rdb_host::install();
    let make_host: rdb_dap::MakeHost = std::sync::Arc::new(|| Box::new(rdb_host::Native));
    match port {
        None => {
            rdb_dap::serve(Box::new(std::io::stdin()), Box::new(std::io::stdout()), make_host);
            ExitCode::SUCCESS
        }
        Some(port) => {
            let served = rdb_dap::serve_tcp(port, make_host, |port| eprintln!("rdb: DAP on 127.0.0.1:{port}"));
            match served {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("rdb: cannot serve DAP on port {port}: {e}");
                    ExitCode::from(1)
                }
            }
        }
    }
}

/// Run pending commands, reading more input when there are none, until the user quits.
fn command_loop(console: &mut Console, dbg: &mut Debugger, inputs: &Inputs, out: &mut Stdout) {
    loop {
        // A SIGTERM or SIGHUP that broke into a run ends the session before anything more is shown.
        if let Flow::Quit = console.run_pending(dbg, out, &mut || inputs.pending_terminate()) {
            return;
        }
        if inputs.interactive
            && let Ok(mut p) = inputs.prompt.lock()
        {
            *p = console.prompt(dbg);
        }
        flush_stdout();
        match inputs.next() {
            Input::Line(line) => {
                // The log reads as the terminal did: the prompt, then what was typed.
                console.log().line(&rdb_windbg::printable(&format!("{}{line}", console.prompt(dbg))));
                // An empty line repeats the last, as in WinDbg.
                console.input(&line);
            }
            // One line says so; the session goes on, and an empty line after it repeats what ran before it.
            Input::Invalid(why) => {
                let line = format!("^ {why}");
                out.line(&line);
                console.log().line(&line);
            }
            Input::Cleared => {}
            Input::Eof | Input::Terminate => {
                console.quit(dbg, false, out);
                return;
            }
        }
    }
}

/// The console's text on standard output. On a terminal each line is written as it comes. Into a pipe or a file
/// (scripts, tests, `-c "t 0n20000" > trace`) lines are held and written when the debuggee is about to run, when a
/// notice comes, before input is read and at the end: they keep their order with the debuggee's own output on the
/// same descriptor at one write per stop instead of one per line (a tenth of a traced step's time). A closed output
/// (`rdb ... | head`) is not worth a panic: the text is dropped and the session goes on to its normal end.
struct Stdout;

/// Lines not yet written, when standard output is not a terminal.
static HELD: Mutex<Vec<u8>> = Mutex::new(Vec::new());
static STDOUT_IS_TERMINAL: LazyLock<bool> = LazyLock::new(|| std::io::stdout().is_terminal());

impl Output for Stdout {
    fn line(&mut self, text: &str) {
        if *STDOUT_IS_TERMINAL {
            let _ = writeln!(std::io::stdout().lock(), "{text}");
            return;
        }
        let mut held = HELD.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        held.extend_from_slice(text.as_bytes());
        held.push(b'\n');
        if held.len() >= 64 * 1024 {
            write_held(&mut held);
        }
    }

    fn flush(&mut self) {
        flush_stdout();
    }
}

/// Write the lines [`Stdout`] holds.
fn flush_stdout() {
    write_held(&mut HELD.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
}

fn write_held(held: &mut Vec<u8>) {
    if !held.is_empty() {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(held);
        let _ = out.flush();
        held.clear();
    }
}

/// Notices as they happen, in WinDbg's words, shown and logged.
fn print_notice(notice: &Notice, log: &Log) {
    for line in rdb_windbg::report::notice_lines(notice) {
        Stdout.line(&line);
        log.line(&line);
    }
    // A notice comes while the debuggee runs: its lines go out before the program writes more.
    flush_stdout();
}

/// cdb spells its script option `-cf`, one dash and two letters, which clap reads as `-c f`: before the program
/// (whose arguments are its own), `-cf` is taken as `--cf`.
fn cdb_spelling(args: impl Iterator<Item = std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let mut out = Vec::new();
    let mut args = args.enumerate().peekable();
    while let Some((i, arg)) = args.next() {
        let text = arg.to_str().unwrap_or_default();
        let takes_value =
            matches!(text, "-c" | "-cf" | "--cf" | "-p" | "-z" | "-i" | "-y" | "--gdbserver" | "--tty" | "--port");
        let program = i > 0 && !text.starts_with('-');
        out.push(if text == "-cf" { "--cf".into() } else { arg });
        if program {
            out.extend(args.map(|(_, a)| a));
            break;
        }
        if takes_value && let Some((_, value)) = args.next() {
            out.push(value);
        }
    }
    out
}
