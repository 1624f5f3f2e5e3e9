//! [`Driver`] for the Debug Adapter Protocol: `rdb --dap` (or `rdb.exe --dap` under Wine) driven by the kit's DAP
//! client. The launch stops on entry; stops are read from `stopped` events, the stack, `exceptionInfo` and the
//! Registers scope; symbols are evaluated by the console's `?` through `evaluate` in the `repl` context.

use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

use super::{Driver, Location, SourceLine, StopData, StopReason};
use crate::backend::Backend;
use crate::dap_client::DapClient;
use crate::paths::rdb_bin;
use crate::run::default_timeout;

pub struct DapDriver {
    backend: Backend,
    client: Option<DapClient>,
    pid: Option<u32>,
    /// The thread of the last stop.
    thread: Option<i64>,
    /// What the debuggee wrote, from `output` events.
    output: String,
    /// The breakpoints set so far (a DAP request replaces all of its kind): lines by file, function names.
    lines: BTreeMap<String, Vec<u32>>,
    functions: Vec<String>,
}

impl DapDriver {
    pub fn new(backend: Backend) -> DapDriver {
        DapDriver {
            backend,
            client: None,
            pid: None,
            thread: None,
            output: String::new(),
            lines: BTreeMap::new(),
            functions: Vec::new(),
        }
    }

    fn adapter(&self) -> Command {
        match self.backend {
            Backend::Linux => {
                let mut cmd = Command::new(rdb_bin());
                cmd.arg("--dap");
                cmd
            }
            Backend::Windows => {
                let mut cmd = crate::wine::test_prefix().command();
                cmd.arg(crate::wine::rdb_exe()).arg("--dap");
                cmd
            }
        }
    }

    fn client(&mut self) -> &mut DapClient {
        self.client.as_mut().expect("the DAP driver has no session: launch a debuggee first")
    }

    fn fail(&self, message: &str) -> ! {
        let seen = self.client.as_ref().map(|c| c.seen.iter().map(Value::to_string).collect::<Vec<_>>().join("\n"));
        panic!("DAP driver: {message}\n---- messages:\n{}", seen.unwrap_or_default())
    }

    fn request(&mut self, command: &str, arguments: Value) -> Value {
        let result = self.client().request(command, arguments, default_timeout());
        self.take_output();
        result.unwrap_or_else(|e| self.fail(&e))
    }

    /// The debuggee's output and pid among the messages seen so far.
    fn take_output(&mut self) {
        let Some(client) = self.client.as_mut() else { return };
        for m in client.seen.drain(..) {
            if m["event"] == "output" && (m["body"]["category"] == "stdout" || m["body"]["category"] == "stderr") {
                self.output.push_str(m["body"]["output"].as_str().unwrap_or_default());
            }
            if m["event"] == "process" {
                self.pid = m["body"]["systemProcessId"].as_u64().map(|p| p as u32);
            }
        }
    }

    /// The next stop: a `stopped` event, or the process's end (`exited`).
    fn next_stop(&mut self) -> StopData {
        let event = self
            .client()
            .wait("a stop or the exit", default_timeout(), |m| m["event"] == "stopped" || m["event"] == "exited");
        // `seen` keeps the event too; the output before it is taken now.
        self.take_output();
        let event = event.unwrap_or_else(|e| self.fail(&e));
        if event["event"] == "exited" {
            let code = event["body"]["exitCode"].as_i64().unwrap_or_else(|| self.fail("an exit without a code"));
            self.thread = None;
            // DAP has no place for a signal: rdb reports a Linux process killed by signal n as 128 + n, as a shell.
            let reason = match self.backend {
                Backend::Linux if code > 128 => StopReason::Signaled { signal: (code - 128) as u32 },
                _ => StopReason::Exited { code: code as u32 },
            };
            return StopData { reason, thread: None, pc: None, function: None, source: None };
        }
        let body = &event["body"];
        let thread = body["threadId"].as_i64().unwrap_or_else(|| self.fail("a stop without a thread"));
        self.thread = Some(thread);
        let reason = match body["reason"].as_str().unwrap_or_default() {
            "entry" => StopReason::Entry,
            "breakpoint" | "function breakpoint" | "instruction breakpoint" | "data breakpoint" => {
                let ids = body["hitBreakpointIds"].as_array().cloned().unwrap_or_default();
                StopReason::Breakpoint { ids: ids.iter().filter_map(Value::as_u64).map(|i| i as u32).collect() }
            }
            "pause" => StopReason::BreakIn,
            "exception" => {
                let info = self.request("exceptionInfo", json!({ "threadId": thread }));
                let description = info["description"].as_str().unwrap_or_default();
                let code = description
                    .split_once("(code 0x")
                    .and_then(|(_, rest)| rest.split(')').next())
                    .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                    .unwrap_or_else(|| self.fail(&format!("no code in {description:?}")));
                StopReason::Exception {
                    code,
                    name: info["details"]["message"].as_str().unwrap_or_default().to_string(),
                    first_chance: info["breakMode"] == "always",
                }
            }
            other => self.fail(&format!("a stop for {other:?}")),
        };
        let st = self.request("stackTrace", json!({ "threadId": thread, "startFrame": 0, "levels": 1 }));
        let frame = &st["stackFrames"][0];
        let pc = frame["instructionPointerReference"]
            .as_str()
            .and_then(|t| u64::from_str_radix(t.trim_start_matches("0x"), 16).ok());
        let modules = self.request("modules", json!({}));
        let module = modules["modules"]
            .as_array()
            .and_then(|all| all.iter().find(|m| m["id"] == frame["moduleId"]))
            .and_then(|m| m["name"].as_str())
            // The console's name of a module: its file name up to the first dot.
            .map(|name| name.split('.').next().unwrap_or(name).to_string());
        let name = frame["name"].as_str().unwrap_or_default();
        let function = module.filter(|_| !name.starts_with("0x") && !name.contains('+')).map(|m| format!("{m}!{name}"));
        let source = frame["source"]["path"]
            .as_str()
            .map(|file| SourceLine { file: file.to_string(), line: frame["line"].as_u64().unwrap_or(0) as u32 });
        StopData { reason, thread: Some(thread as u32), pc, function, source }
    }

    fn top_frame(&mut self) -> i64 {
        let thread = self.thread.unwrap_or_else(|| self.fail("no thread is stopped"));
        let st = self.request("stackTrace", json!({ "threadId": thread, "startFrame": 0, "levels": 1 }));
        st["stackFrames"][0]["id"].as_i64().unwrap_or_else(|| self.fail("no frame"))
    }
}

impl Driver for DapDriver {
    fn backend(&self) -> Backend {
        self.backend
    }

    fn launch(&mut self, name: &str, args: &[&str]) -> StopData {
        assert!(self.client.is_none(), "the DAP driver debugs one launch at a time");
        let program = self.backend.path_arg(&self.backend.debuggee(name));
        self.client = Some(DapClient::start(self.adapter()).unwrap_or_else(|e| panic!("DAP driver: {e}")));
        self.request("initialize", json!({ "adapterID": "rdb-testkit", "linesStartAt1": true }));
        self.request("launch", json!({ "program": program, "args": args, "stopOnEntry": true }));
        let initialized = self.client().wait("initialized", default_timeout(), |m| m["event"] == "initialized");
        initialized.unwrap_or_else(|e| self.fail(&e));
        self.request("configurationDone", json!({}));
        let stop = self.next_stop();
        if self.pid.is_none() {
            self.fail("no process event named the debuggee's pid");
        }
        stop
    }

    fn set_breakpoint(&mut self, at: &Location) -> u32 {
        let body = match at {
            Location::Symbol(symbol) => {
                self.functions.push(symbol.clone());
                let all: Vec<Value> = self.functions.iter().map(|n| json!({ "name": n })).collect();
                self.request("setFunctionBreakpoints", json!({ "breakpoints": all }))
            }
            Location::Line { file, line } => {
                let lines = self.lines.entry(file.clone()).or_default();
                lines.push(*line);
                let all: Vec<Value> = lines.iter().map(|l| json!({ "line": l })).collect();
                self.request("setBreakpoints", json!({ "source": { "path": file }, "breakpoints": all }))
            }
        };
        let last = body["breakpoints"].as_array().and_then(|b| b.last()).cloned().unwrap_or_default();
        if last["verified"] != true {
            self.fail(&format!("the breakpoint at {at:?} is not verified: {last}"));
        }
        last["id"].as_u64().map(|i| i as u32).unwrap_or_else(|| self.fail("a breakpoint without an id"))
    }

    fn resume(&mut self) -> StopData {
        let thread = self.thread.unwrap_or_else(|| self.fail("nothing to resume"));
        self.request("continue", json!({ "threadId": thread }));
        self.next_stop()
    }

    fn read_memory(&mut self, address: u64, len: usize) -> Vec<u8> {
        let body = self.request("readMemory", json!({ "memoryReference": format!("{address:#x}"), "count": len }));
        let data = body["data"].as_str().unwrap_or_default();
        base64_decode(data).unwrap_or_else(|| self.fail(&format!("readMemory's data is not base64: {data:?}")))
    }

    fn evaluate_symbol(&mut self, symbol: &str) -> u64 {
        let body = self.request("evaluate", json!({ "expression": format!("? {symbol}"), "context": "repl" }));
        let text = body["result"].as_str().unwrap_or_default();
        // `Evaluate expression: 4198694 = 00000000`00401126`
        text.strip_prefix("Evaluate expression: ")
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse::<i64>().ok())
            .map(|n| n as u64)
            .unwrap_or_else(|| self.fail(&format!("? {symbol} gave {text:?}")))
    }

    fn read_register(&mut self, name: &str) -> u64 {
        let frame = self.top_frame();
        let scopes = self.request("scopes", json!({ "frameId": frame }));
        let registers = scopes["scopes"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["name"] == "Registers"))
            .and_then(|s| s["variablesReference"].as_i64())
            .unwrap_or_else(|| self.fail("no Registers scope"));
        let vars = self.request("variables", json!({ "variablesReference": registers }));
        vars["variables"]
            .as_array()
            .and_then(|v| v.iter().find(|v| v["name"] == name))
            .and_then(|v| v["value"].as_str())
            .and_then(|t| u64::from_str_radix(t.trim_start_matches("0x"), 16).ok())
            .unwrap_or_else(|| self.fail(&format!("no register {name}")))
    }

    fn process_id(&self) -> u32 {
        self.pid.expect("launch first")
    }

    fn debuggee_output(&self) -> String {
        self.output.clone()
    }

    fn detach(&mut self) {
        self.request("disconnect", json!({ "terminateDebuggee": false }));
        if let Some(mut client) = self.client.take() {
            client.finish(Duration::from_secs(10));
        }
    }

    fn quit(&mut self) {
        if self.client.is_none() {
            return;
        }
        self.request("disconnect", json!({ "terminateDebuggee": true }));
        if let Some(mut client) = self.client.take()
            && client.finish(Duration::from_secs(10)).is_none_or(|s| !s.success())
        {
            panic!("DAP driver: the adapter did not end cleanly after disconnect");
        }
    }
}

/// Standard base64 (DAP's `data`), or `None` for anything else.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let bytes: Vec<u8> = text.bytes().filter(|b| *b != b'=').collect();
    let mut out = Vec::new();
    for chunk in bytes.chunks(4) {
        let v: Vec<u8> = chunk.iter().map(|c| value(*c)).collect::<Option<_>>()?;
        let n = v.iter().fold(0u32, |acc, d| (acc << 6) | *d as u32) << (6 * (4 - v.len()));
        let take = (v.len() * 6) / 8;
        out.extend(&n.to_be_bytes()[1..1 + take]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_decodes_every_padding() {
        assert_eq!(super::base64_decode("KgAAAA==").unwrap(), [0x2a, 0, 0, 0]);
        assert_eq!(super::base64_decode("YWJj").unwrap(), b"abc");
        assert_eq!(super::base64_decode("YWI=").unwrap(), b"ab");
        assert_eq!(super::base64_decode("").unwrap(), b"");
        assert!(super::base64_decode("a*b=").is_none());
    }
}
