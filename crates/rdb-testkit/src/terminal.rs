//! rdb on a terminal of its own, as a user runs it: util-linux's `script` makes a pseudo-terminal, starts rdb on it
//! as its foreground job (the controlling terminal of a new session), and copies the test's bytes to it and what
//! the terminal shows back. The bytes are a user's keys: `\x03` is Ctrl-C, `\x04` Ctrl-D. What comes back is what
//! the screen gets: the echo of what was typed, the line editor's escape sequences, and `\r\n` line ends.

use std::process::Command;

use crate::paths::rdb_bin;
use crate::session::RdbSession;

/// A live rdb on a pseudo-terminal, started with `args`; `send` types on it, `stdout` is the screen.
pub fn rdb_on_terminal(args: &[&str]) -> RdbSession {
    let words: Vec<String> =
        std::iter::once(rdb_bin().to_string_lossy().into_owned()).chain(args.iter().map(|a| a.to_string())).collect();
    let line = words.iter().map(|w| shell_quoted(w)).collect::<Vec<_>>().join(" ");
    let mut cmd = Command::new("script");
    // -q: no banner; -e: rdb's exit status; -c: the command line; /dev/null: no typescript file.
    cmd.args(["-q", "-e", "-c", &line, "/dev/null"]);
    RdbSession::spawn(cmd, &[])
}

/// `word` as `sh` reads it back as one word.
fn shell_quoted(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// A pseudo-terminal pair of the test's own, for `--tty`: the program gets the terminal (`path`), the test types on
/// and reads its screen through the master side.
pub struct Pty {
    master: std::fs::File,
    /// Held open so what the test types waits in the terminal until the program reads it.
    _terminal: std::fs::File,
    pub path: std::path::PathBuf,
    screen: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
}

impl Pty {
    pub fn open() -> Pty {
        use std::os::fd::FromRawFd;
        let (mut master, mut terminal) = (-1, -1);
        // SAFETY: openpty writes two descriptors into the integers given; no name buffer, settings or size.
        let rc = unsafe {
            libc::openpty(&mut master, &mut terminal, std::ptr::null_mut(), std::ptr::null(), std::ptr::null())
        };
        assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
        // SAFETY: both descriptors were just opened for us and are owned by nothing else.
        let (master, terminal) = unsafe { (std::fs::File::from_raw_fd(master), std::fs::File::from_raw_fd(terminal)) };
        let path = std::fs::read_link(format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&terminal)))
            .expect("the terminal's name");
        let screen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut reader = master.try_clone().expect("master");
        let copy = screen.clone();
        std::thread::spawn(move || {
            use std::io::Read;
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                copy.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(&buf[..n]);
            }
        });
        Pty { master, _terminal: terminal, path, screen }
    }

    /// Type `bytes` on the terminal.
    pub fn send(&mut self, bytes: &[u8]) {
        use std::io::Write;
        self.master.write_all(bytes).expect("write to the pseudo-terminal");
    }

    /// What the terminal's screen got so far.
    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.screen.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }

    /// Waits (15 s at most) until the screen holds `needle`.
    pub fn expect(&self, needle: &str) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        while !self.screen().contains(needle) {
            assert!(std::time::Instant::now() < deadline, "the terminal never showed {needle:?}:\n{}", self.screen());
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}
