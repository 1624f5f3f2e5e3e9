//! Where commands come from: a line editor with history on a terminal, plain lines from a pipe or file. Lines are
//! read on a thread of their own and sent over a channel, together with the signals rdb reacts to, so the console
//! can wait for either (a SIGTERM while rdb sits at the prompt must still clean up the debuggee).

use std::io::{BufRead, IsTerminal};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};

use rdb_engine::debugger::Breaker;

use rdb_host::signals::{self, Signal};

pub enum Input {
    Line(String),
    /// A line that could not be read as text (not UTF-8): why, for one error line. The session goes on.
    Invalid(String),
    /// Ctrl-C at the prompt: the line typed so far is dropped, and nothing runs (not even the repeat of an empty
    /// line).
    Cleared,
    /// End of input: quit as `q` does.
    Eof,
    /// SIGTERM or SIGHUP (on Windows, the console closing): clean up and leave.
    Terminate,
}

/// The prompt shown before each command on a terminal, e.g. `0:000> `.
pub type SharedPrompt = Arc<Mutex<String>>;

pub struct Inputs {
    lines: Receiver<Input>,
    /// Asks the line reader for the next line (it reads one line per request, so a prompt is shown only when
    /// the console is ready for it).
    want: Sender<()>,
    pub interactive: bool,
    pub prompt: SharedPrompt,
}

impl Inputs {
    /// Start reading. Ctrl-C, SIGTERM and SIGHUP break into whatever `breaker`'s debugger runs (nothing while it
    /// is stopped); SIGTERM and SIGHUP also end the session.
    pub fn start(breaker: Breaker) -> Inputs {
        let interactive = std::io::stdin().is_terminal();
        let (tx, lines) = mpsc::channel();
        let (want, wanted) = mpsc::channel::<()>();
        let prompt: SharedPrompt = Arc::new(Mutex::new(String::new()));

        let reader_tx = tx.clone();
        let reader_prompt = prompt.clone();
        std::thread::spawn(move || read_lines(interactive, reader_tx, wanted, reader_prompt));

        signals::watch(move |signal| {
            breaker.interrupt();
            if signal == Signal::Terminate {
                let _ = tx.send(Input::Terminate);
            }
        });
        Inputs { lines, want, interactive, prompt }
    }

    /// The next line, end of input, or a termination request.
    pub fn next(&self) -> Input {
        if self.want.send(()).is_err() {
            return Input::Eof;
        }
        self.lines.recv().unwrap_or(Input::Eof)
    }

    /// A termination request that arrived while the debuggee ran, without waiting for input.
    pub fn pending_terminate(&self) -> bool {
        matches!(self.lines.try_recv(), Ok(Input::Terminate))
    }
}

fn read_lines(interactive: bool, tx: Sender<Input>, wanted: Receiver<()>, prompt: SharedPrompt) {
    if interactive && let Ok(mut editor) = rustyline::DefaultEditor::new() {
        while wanted.recv().is_ok() {
            let p = prompt.lock().map(|p| p.clone()).unwrap_or_default();
            match editor.readline(&p) {
                Ok(line) => {
                    if !line.trim().is_empty() {
                        let _ = editor.add_history_entry(line.as_str());
                    }
                    if tx.send(Input::Line(line)).is_err() {
                        return;
                    }
                }
                // Ctrl-C at the prompt only clears the line, as in WinDbg.
                Err(rustyline::error::ReadlineError::Interrupted) => {
                    let _ = tx.send(Input::Cleared);
                }
                // A byte that is no UTF-8: the editor stops reading at it. The rest of that line, still in the
                // terminal's queue, is dropped with it, or it would arrive as a line of its own.
                Err(rustyline::error::ReadlineError::Io(e)) if e.kind() == std::io::ErrorKind::InvalidData => {
                    rdb_host::terminal::discard_typed_input();
                    let _ = tx.send(Input::Invalid(NOT_UTF8.to_string()));
                }
                Err(_) => {
                    let _ = tx.send(Input::Eof);
                    return;
                }
            }
        }
        return;
    }
    let mut stdin = std::io::stdin().lock();
    while wanted.recv().is_ok() {
        let input = next_line(&mut stdin);
        let eof = matches!(input, Input::Eof);
        if tx.send(input).is_err() || eof {
            return;
        }
    }
}

/// What a line that is no text is told with.
const NOT_UTF8: &str = "The line is not valid UTF-8 text: nothing of it ran";

/// The next line from a pipe or file, without its line ending. A line that is not UTF-8 is [`Input::Invalid`]: a
/// stray byte in a script is neither the end of input (which would end the session) nor a command to guess at.
fn next_line(reader: &mut impl BufRead) -> Input {
    let mut bytes = Vec::new();
    match reader.read_until(b'\n', &mut bytes) {
        Ok(0) | Err(_) => Input::Eof,
        Ok(_) => {
            let line = bytes.strip_suffix(b"\n").unwrap_or(&bytes);
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            match std::str::from_utf8(line) {
                Ok(line) => Input::Line(line.to_string()),
                Err(e) => Input::Invalid(format!(
                    "{NOT_UTF8} (byte {:#04x} at column {})",
                    line[e.valid_up_to()],
                    e.valid_up_to() + 1
                )),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(bytes: &[u8]) -> Vec<String> {
        let mut reader = std::io::Cursor::new(bytes);
        std::iter::from_fn(|| match next_line(&mut reader) {
            Input::Line(line) => Some(line),
            Input::Invalid(why) => Some(format!("^ {why}")),
            _ => None,
        })
        .collect()
    }

    #[test]
    fn lines_that_are_not_utf8_are_read_not_taken_for_the_end() {
        // A byte that is no UTF-8 used to end the input, as if the script had ended: rdb quit on it.
        assert_eq!(
            lines(b".echo caf\xe9\n.echo after\n"),
            ["^ The line is not valid UTF-8 text: nothing of it ran (byte 0xe9 at column 10)", ".echo after"]
        );
        assert_eq!(lines(b"k\r\nr rip"), ["k", "r rip"], "line endings go, the last line needs none");
        assert!(lines(b"").is_empty());
    }
}
