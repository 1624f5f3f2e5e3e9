//! `monitor <command>`: any command of rdb's console, its text returned to the client (`monitor lm`,
//! `monitor bpm ...`, `monitor !peb`). The console keeps its state (its current thread, its breakpoints'
//! commands) from one `monitor` to the next. Run control stays the client's: a command that would let the debuggee
//! run or end the session is refused, since the client would not know its registers and threads had changed.

use std::sync::{Arc, Mutex};

use gdbstub::target::ext::monitor_cmd::{ConsoleOutput, MonitorCmd, outputln};
use rdb_windbg::{Console, Refusal};

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

impl MonitorCmd for Server {
    fn handle_monitor_cmd(&mut self, cmd: &[u8], mut out: ConsoleOutput<'_>) -> Result<(), String> {
        let line = String::from_utf8_lossy(cmd).into_owned();
        let console = self.monitor.console.clone();
        let lines = self.runner.call(move |d| {
            let Ok(mut console) = console.lock() else { return vec!["monitor: the console is unusable".to_string()] };
            let (mut lines, refused) = console.run_inspecting(d, &line);
            match refused {
                Some(Refusal::Run(text)) => lines.push(format!(
                    "monitor: '{text}' would let the debuggee run: use the client's own continue or step"
                )),
                Some(Refusal::Quit) => {
                    lines.push("monitor: use the client's own kill or detach to end the session".into())
                }
                None => {}
            }
            lines
        });
        match lines {
            Ok(lines) => lines.iter().for_each(|l| outputln!(out, "{}", rdb_windbg::printable(l))),
            Err(e) => outputln!(out, "monitor: {e}"),
        }
        Ok(())
    }
}
