//! A small DAP client for the tests and the bench: an adapter spawned on its standard streams, requests written
//! framed, every message read back on a thread of its own. Each wait has a deadline.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub struct DapClient {
    child: Child,
    input: ChildStdin,
    messages: Receiver<Value>,
    seq: i64,
    /// Every message received so far, for a failure's report.
    pub seen: Vec<Value>,
}

impl DapClient {
    /// Start `cmd` (an adapter speaking DAP on its standard streams).
    pub fn start(mut cmd: Command) -> Result<DapClient, String> {
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::null());
        let mut child = cmd.spawn().map_err(|e| format!("cannot start the adapter {cmd:?}: {e}"))?;
        let input = child.stdin.take().ok_or("no stdin")?;
        let output = child.stdout.take().ok_or("no stdout")?;
        let (to, messages) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(output);
            loop {
                let mut length = None;
                loop {
                    let mut line = String::new();
                    match reader.read_line(&mut line) {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length:") {
                        length = n.trim().parse::<usize>().ok();
                    }
                }
                let Some(n) = length else { return };
                let mut body = vec![0u8; n];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                let Ok(message) = serde_json::from_slice::<Value>(&body) else { return };
                if to.send(message).is_err() {
                    return;
                }
            }
        });
        Ok(DapClient { child, input, messages, seq: 0, seen: Vec::new() })
    }

    /// Send a request; its sequence number.
    pub fn send(&mut self, command: &str, arguments: Value) -> Result<i64, String> {
        self.seq += 1;
        let body =
            json!({ "seq": self.seq, "type": "request", "command": command, "arguments": arguments }).to_string();
        write!(self.input, "Content-Length: {}\r\n\r\n{body}", body.len()).map_err(|e| e.to_string())?;
        self.input.flush().map_err(|e| e.to_string())?;
        Ok(self.seq)
    }

    /// The next message `wanted` accepts, within `within`; every message is kept in `seen`.
    pub fn wait(&mut self, what: &str, within: Duration, wanted: impl Fn(&Value) -> bool) -> Result<Value, String> {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let m = self.messages.recv_timeout(left).map_err(|_| format!("no {what} within {within:?}"))?;
            self.seen.push(m.clone());
            if wanted(&m) {
                return Ok(m);
            }
        }
    }

    /// A request's response body; an error response is `Err` with its message.
    pub fn request(&mut self, command: &str, arguments: Value, within: Duration) -> Result<Value, String> {
        let seq = self.send(command, arguments)?;
        let r = self.wait(command, within, |m| m["type"] == "response" && m["request_seq"] == seq)?;
        if r["success"] != true {
            return Err(format!("{command}: {}", r["message"]));
        }
        Ok(r["body"].clone())
    }

    /// Wait up to `within` for the adapter to end; kill it after that.
    pub fn finish(&mut self, within: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        None
    }
}

impl Drop for DapClient {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
