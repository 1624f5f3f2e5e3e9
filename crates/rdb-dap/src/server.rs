//! The session's loop: one channel carries the client's messages (framed by a reader thread), the engine's
//! updates (notices, the stop ending each run) and the debuggee's output, so each is served as it comes, in
//! order, by the one thread that writes to the client.

use std::io::{Read, Write};
use std::sync::mpsc::{self, Sender};

use rdb_engine::runner::Update;
use serde_json::{Value, json};

use crate::MakeHost;
use crate::adapter::Adapter;
use crate::framing::{Frame, Framer, frame};

pub enum Input {
    Frame(Frame),
    /// The client closed its stream (or it failed).
    Closed,
    Update(Update),
    /// Events sent through the channel so they follow what is already in it (the debuggee's last output).
    Events(Vec<(String, Value)>),
    /// The debuggee wrote to a standard stream (`stdout`, `stderr`).
    Output {
        category: &'static str,
        text: String,
    },
}

pub fn run(input: Box<dyn Read + Send>, output: Box<dyn Write + Send>, make_host: MakeHost) {
    let (to, inputs) = mpsc::channel();
    let reader = to.clone();
    let _ = std::thread::Builder::new().name("rdb-dap-reader".into()).spawn(move || read_client(input, &reader));
    let mut adapter = Adapter::new(Wire::new(output), to, make_host);
    while let Ok(next) = inputs.recv() {
        match next {
            Input::Frame(Frame::Message(body)) => adapter.message(&body),
            Input::Frame(Frame::Bad(why)) => adapter.wire.reject(&format!("a bad message header: {why}")),
            Input::Closed => break,
            Input::Update(update) => adapter.update(update),
            Input::Output { category, text } => adapter.wire.output(category, &text),
            Input::Events(events) => events.into_iter().for_each(|(e, body)| adapter.wire.event(&e, body)),
        }
        if adapter.finished() {
            break;
        }
    }
    // The adapter's runner ends the debugger on its own thread: a launched debuggee killed, an attached one
    // detached, as the console's `q` ends them.
    drop(adapter);
}

fn read_client(mut input: Box<dyn Read + Send>, to: &Sender<Input>) {
    let mut framer = Framer::default();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match input.read(&mut buf) {
            Ok(0) | Err(_) => {
                let _ = to.send(Input::Closed);
                return;
            }
            Ok(n) => {
                framer.feed(&buf[..n]);
                while let Some(f) = framer.next_frame() {
                    if to.send(Input::Frame(f)).is_err() {
                        return;
                    }
                }
            }
        }
    }
}

/// The client's stream: every message numbered and framed. A failed write (the client gone) is ignored here; the
/// reader sees the stream close and the session ends.
pub struct Wire {
    out: Box<dyn Write + Send>,
    seq: i64,
}

impl Wire {
    fn new(out: Box<dyn Write + Send>) -> Wire {
        Wire { out, seq: 0 }
    }

    fn send(&mut self, mut message: Value) {
        self.seq += 1;
        message["seq"] = json!(self.seq);
        let body = serde_json::to_vec(&message).unwrap_or_default();
        let _ = self.out.write_all(&frame(&body));
        let _ = self.out.flush();
    }

    pub fn respond(&mut self, request_seq: i64, command: &str, result: Result<Value, String>) {
        let mut message = json!({ "type": "response", "request_seq": request_seq, "command": command });
        match result {
            Ok(body) => {
                message["success"] = json!(true);
                if !body.is_null() {
                    message["body"] = body;
                }
            }
            Err(why) => {
                message["success"] = json!(false);
                message["message"] = json!(why);
                message["body"] = json!({ "error": { "id": 1, "format": why, "showUser": false } });
            }
        }
        self.send(message);
    }

    /// An error for bytes that were no request (a bad header, bad JSON): no request to answer, so `request_seq`
    /// 0, as the specification allows for messages it cannot attribute.
    pub fn reject(&mut self, why: &str) {
        self.respond(0, "", Err(why.to_string()));
    }

    pub fn event(&mut self, event: &str, body: Value) {
        let mut message = json!({ "type": "event", "event": event });
        if !body.is_null() {
            message["body"] = body;
        }
        self.send(message);
    }

    pub fn output(&mut self, category: &str, text: &str) {
        self.event("output", json!({ "category": category, "output": text }));
    }
}
