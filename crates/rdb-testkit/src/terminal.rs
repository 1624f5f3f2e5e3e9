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
