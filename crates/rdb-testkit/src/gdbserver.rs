//! `rdb --gdbserver` and the real clients that drive it: a server started with its `Listening on port N` read
//! from its standard error, and gdb or lldb run in batch mode against its port, each with a deadline, each killed
//! when dropped. The same server type serves rdb on Linux, rdb.exe under Wine and Debian's gdbserver (the oracle
//! some tests compare with).

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::paths::rdb_bin;
use crate::run::default_timeout;

/// A gdb remote-protocol server under test, listening.
pub struct Server {
    child: Child,
    pub port: u16,
    stderr: Arc<Mutex<String>>,
    stdout: Arc<Mutex<String>>,
}

/// Collect a pipe's text into a shared string, line by line, as it comes.
fn collect(pipe: impl Read + Send + 'static, into: Arc<Mutex<String>>) {
    thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            if let Ok(mut text) = into.lock() {
                text.push_str(&line);
                text.push('\n');
            }
        }
    });
}

/// Start `cmd` with no input, its standard output and error collected as they come.
fn spawn_collecting(cmd: &mut Command, stdout: Arc<Mutex<String>>, stderr: Arc<Mutex<String>>) -> Child {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    if let Some(out) = child.stdout.take() {
        collect(out, stdout);
    }
    if let Some(err) = child.stderr.take() {
        collect(err, stderr);
    }
    child
}

impl Server {
    /// `rdb --gdbserver 127.0.0.1:0 <args>` (a program and its arguments, or `-p <pid>`).
    pub fn rdb(args: &[&str]) -> Server {
        let mut cmd = Command::new(rdb_bin());
        cmd.arg("--gdbserver").arg("127.0.0.1:0").args(args);
        Server::start(cmd)
    }

    /// Debian's gdbserver on a free port, for comparing with.
    pub fn gdbserver(args: &[&str]) -> Server {
        let mut cmd = Command::new("gdbserver");
        cmd.arg("127.0.0.1:0").args(args);
        Server::start(cmd)
    }

    /// Start `cmd` and wait (the default timeout at most) for its `Listening on port N`.
    pub fn start(mut cmd: Command) -> Server {
        let stderr = Arc::new(Mutex::new(String::new()));
        let stdout = Arc::new(Mutex::new(String::new()));
        let mut child = spawn_collecting(&mut cmd, stdout.clone(), stderr.clone());
        let deadline = Instant::now() + default_timeout();
        let port = loop {
            let text = stderr.lock().map(|t| t.clone()).unwrap_or_default();
            if let Some(port) = text.lines().find_map(|l| l.strip_prefix("Listening on port ")) {
                break port.trim().parse().unwrap_or_else(|_| panic!("a bad port in {text:?}"));
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("{cmd:?} ended ({status}) before listening:\n{text}");
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("{cmd:?} never listened:\n{text}");
            }
            thread::sleep(Duration::from_millis(10));
        };
        Server { child, port, stderr, stdout }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What the server wrote to standard error so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().map(|t| t.clone()).unwrap_or_default()
    }

    /// What the debuggee wrote (it shares the server's standard output).
    pub fn stdout(&self) -> String {
        self.stdout.lock().map(|t| t.clone()).unwrap_or_default()
    }

    /// Wait for the server to end (the default timeout at most; then it is killed and the test fails).
    pub fn wait(&mut self) -> ExitStatus {
        let deadline = Instant::now() + default_timeout();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                // Let the pipes drain.
                thread::sleep(Duration::from_millis(50));
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the server did not end:\n{}", self.stderr());
            }
            thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A client's run: its output (standard output and error together, in order) and how it ended.
pub struct ClientRun {
    pub output: String,
    pub status: Option<ExitStatus>,
    pub timed_out: bool,
}

impl ClientRun {
    #[track_caller]
    pub fn assert_contains(&self, text: &str) {
        assert!(self.output.contains(text), "expected {text:?} in the client's output:\n{}", self.output);
    }

    #[track_caller]
    pub fn assert_not_contains(&self, text: &str) {
        assert!(!self.output.contains(text), "did not expect {text:?} in the client's output:\n{}", self.output);
    }

    #[track_caller]
    pub fn assert_matches(&self, re: &str) {
        let re = regex::Regex::new(re).expect("a valid regex");
        assert!(re.is_match(&self.output), "expected /{re}/ in the client's output:\n{}", self.output);
    }
}

/// gdb in batch mode: `program` for symbols, then `target remote` to `port`, then `commands`.
pub fn gdb(port: u16, program: Option<&Path>, commands: &[&str]) -> ClientRun {
    gdb_as("gdb", "target remote", port, program, commands)
}

/// As [`gdb`], with the client program and the connecting command chosen (`gdb-multiarch`,
/// `target extended-remote`).
pub fn gdb_as(client: &str, connect: &str, port: u16, program: Option<&Path>, commands: &[&str]) -> ClientRun {
    let mut cmd = gdb_command(client, connect, port, program, commands);
    run_client(&mut cmd, None)
}

/// The gdb command line of [`gdb_as`].
pub fn gdb_command(client: &str, connect: &str, port: u16, program: Option<&Path>, commands: &[&str]) -> Command {
    let mut cmd = Command::new(client);
    cmd.args(["-batch", "-nx", "-iex", "set pagination off", "-iex", "set confirm off"]);
    if let Some(program) = program {
        cmd.args(["-ex", &format!("file {}", program.display())]);
    }
    cmd.args(["-ex", &format!("{connect} 127.0.0.1:{port}")]);
    for c in commands {
        cmd.args(["-ex", c]);
    }
    cmd
}

/// lldb in batch mode: `program` as its target, then `gdb-remote` to `port`, then `commands`.
pub fn lldb(port: u16, program: Option<&Path>, commands: &[&str]) -> ClientRun {
    let mut cmd = Command::new("lldb-16");
    cmd.arg("-b").arg("--no-lldbinit");
    if let Some(program) = program {
        cmd.args(["-o", &format!("target create {}", program.display())]);
    }
    cmd.args(["-o", &format!("gdb-remote 127.0.0.1:{port}")]);
    for c in commands {
        cmd.args(["-o", c]);
    }
    run_client(&mut cmd, None)
}

/// Run a client to its end (the default timeout at most). With `interrupt`, the client gets SIGINT (a user's
/// Ctrl-C) that long after its output has shown that text.
pub fn run_client(cmd: &mut Command, interrupt: Option<(&str, Duration)>) -> ClientRun {
    let output = Arc::new(Mutex::new(String::new()));
    let mut child = spawn_collecting(cmd, output.clone(), output.clone());
    let deadline = Instant::now() + default_timeout();
    let mut interrupt = interrupt.map(|(text, after)| (text.to_string(), after));
    let (status, timed_out) = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break (Some(status), false);
        }
        if let Some((text, after)) = &interrupt
            && output.lock().map(|o| o.contains(text.as_str())).unwrap_or(false)
        {
            thread::sleep(*after);
            // As a user's Ctrl-C at the client's terminal.
            let _ = Command::new("kill").args(["-INT", &child.id().to_string()]).status();
            interrupt = None;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break (None, true);
        }
        thread::sleep(Duration::from_millis(10));
    };
    thread::sleep(Duration::from_millis(50));
    let output = output.lock().map(|o| o.clone()).unwrap_or_default();
    assert!(!timed_out, "{cmd:?} did not end in time:\n{output}");
    ClientRun { output, status, timed_out }
}

/// Whether a client program is installed (setup.sh installs them; a test says so and passes where one is not).
pub fn have(program: &str) -> bool {
    Command::new(program).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok()
}
