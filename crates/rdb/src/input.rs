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
                    let _ = tx.send(Input::Line(String::new()));
                }
                Err(_) => {
                    let _ = tx.send(Input::Eof);
                    return;
                }
            }
        }
        return;
    }
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    while wanted.recv().is_ok() {
        let input = match lines.next() {
            Some(Ok(line)) => Input::Line(line),
            _ => Input::Eof,
        };
        let eof = matches!(input, Input::Eof);
        if tx.send(input).is_err() || eof {
            return;
        }
    }
}
