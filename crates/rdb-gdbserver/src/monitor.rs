//! `monitor <command>`: any command of rdb's console, its text returned to the client (`monitor lm`,
//! `monitor bpm ...`, `monitor !peb`). The console keeps its state (its current thread, its breakpoints'
//! commands) from one `monitor` to the next. Run control stays the client's: a command that would let the debuggee
//! run or end the session is refused, since the client would not know its registers and threads had changed.

use std::sync::{Arc, Mutex};

use gdbstub::target::ext::monitor_cmd::{ConsoleOutput, MonitorCmd, outputln};
use rdb_windbg::{Console, Flow, Output};

use crate::target::Server;

#[derive(Clone)]
pub struct Monitor {
    console: Arc<Mutex<Console>>,
}

impl Monitor {
    pub fn new() -> Monitor {
        Monitor { console: Arc::new(Mutex::new(Console::new(false))) }
    }
}

impl Default for Monitor {
    fn default() -> Monitor {
        Monitor::new()
    }
}

struct Lines(Vec<String>);

impl Output for Lines {
    fn line(&mut self, text: &str) {
        self.0.push(text.to_string());
    }
}

impl MonitorCmd for Server {
    fn handle_monitor_cmd(&mut self, cmd: &[u8], mut out: ConsoleOutput<'_>) -> Result<(), String> {
        let line = String::from_utf8_lossy(cmd).into_owned();
        let console = self.monitor.console.clone();
        let lines = self.runner.call(move |d| {
            let mut out = Lines(Vec::new());
            let Ok(mut console) = console.lock() else { return vec!["monitor: the console is unusable".to_string()] };
            console.queue(&line);
            while let Some(command) = console.next_command() {
                match console.execute(d, &command, &mut out) {
                    Flow::Next => {}
                    Flow::Resume(r) => {
                        out.0.push(format!(
                            "monitor: '{}' would let the debuggee run: use the client's own continue or step",
                            r.text
                        ));
                        break;
                    }
                    Flow::Quit => {
                        out.0.push("monitor: use the client's own kill or detach to end the session".into());
                        break;
                    }
                }
            }
            while console.next_command().is_some() {}
            out.0
        });
        match lines {
            Ok(lines) => lines.iter().for_each(|l| outputln!(out, "{}", rdb_windbg::printable(l))),
            Err(e) => outputln!(out, "monitor: {e}"),
        }
        Ok(())
    }
}
