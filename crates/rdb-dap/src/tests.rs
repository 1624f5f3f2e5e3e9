//! The protocol layer end to end without a debuggee: bytes in, the adapter's messages out. Bad input of every kind
//! gets an error response naming what was wrong, and the session goes on to answer the next request.

use std::io::Write;
use std::sync::{Arc, Mutex};

use rdb_engine::debugger::{Host, Launch};
use rdb_engine::target::{Pid, Target};
use serde_json::{Value, json};

use crate::framing::{Frame, Framer, frame};

struct NoHost;

impl Host for NoHost {
    fn launch(&mut self, launch: &Launch, _: bool) -> rdb_engine::Result<Box<dyn Target>> {
        Err(rdb_engine::Error::msg(format!("cannot launch '{}' here", launch.program.display())))
    }
    fn attach(&mut self, pid: Pid) -> rdb_engine::Result<Box<dyn Target>> {
        Err(rdb_engine::Error::msg(format!("cannot attach to {pid} here")))
    }
    fn command_line(&self, launch: &Launch) -> String {
        launch.program.display().to_string()
    }
}

#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().map_err(|_| std::io::Error::other("poisoned"))?.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Serve `input` to its end; the messages the adapter wrote.
fn session(input: Vec<u8>) -> Vec<Value> {
    let out = Shared::default();
    crate::serve(Box::new(std::io::Cursor::new(input)), Box::new(out.clone()), Arc::new(|| Box::new(NoHost)));
    let bytes = out.0.lock().unwrap().clone();
    let mut framer = Framer::default();
    framer.feed(&bytes);
    std::iter::from_fn(|| framer.next_frame())
        .map(|f| match f {
            Frame::Message(body) => serde_json::from_slice(&body).expect("the adapter writes JSON"),
            Frame::Bad(why) => panic!("the adapter wrote a bad frame: {why}"),
        })
        .collect()
}

fn request(seq: i64, command: &str, arguments: Value) -> Vec<u8> {
    frame(json!({ "seq": seq, "type": "request", "command": command, "arguments": arguments }).to_string().as_bytes())
}

fn response(messages: &[Value], seq: i64) -> &Value {
    messages.iter().find(|m| m["type"] == "response" && m["request_seq"] == seq).expect("a response")
}

#[test]
fn an_unknown_request_or_argument_is_an_error_naming_it() {
    let mut input = request(1, "frobnicate", json!({}));
    input.extend(request(2, "initialize", json!({ "adapterID": "x", "colour": "blue" })));
    input.extend(request(3, "stackTrace", json!({ "threadId": 1, "depth": 3 })));
    input.extend(request(4, "launch", json!({})));
    input.extend(request(5, "initialize", json!({ "adapterID": "x", "supportsSomethingNew": true })));
    let messages = session(input);
    let error = |seq| response(&messages, seq)["message"].as_str().unwrap_or_default().to_string();
    assert_eq!(error(1), "unknown request 'frobnicate'");
    assert!(error(2).contains("bad arguments for 'initialize'") && error(2).contains("colour"), "{}", error(2));
    assert!(error(3).contains("depth"), "{}", error(3));
    assert!(error(4).contains("missing field `program`"), "{}", error(4));
    assert_eq!(response(&messages, 5)["success"], true, "a capability newer than rdb's list is no error");
    assert_eq!(response(&messages, 5)["body"]["supportsDataBreakpoints"], true);
}

#[test]
fn bad_json_and_bad_headers_are_answered_and_the_session_goes_on() {
    let mut input = frame(b"{ not json");
    input.extend(b"Content-Length: 12x\r\n\r\n");
    input.extend(frame(br#"{"seq":1,"type":"event","event":"x"}"#));
    input.extend(frame(br#"[1,2,3]"#));
    input.extend(request(2, "threads", Value::Null));
    let messages = session(input);
    let errors: Vec<&str> =
        messages.iter().filter(|m| m["success"] == false).filter_map(|m| m["message"].as_str()).collect();
    assert!(errors[0].starts_with("a message that is not JSON"), "{errors:?}");
    assert!(errors[1].contains("not a number: '12x'"), "{errors:?}");
    assert_eq!(errors[2], "only requests are accepted from a client");
    assert_eq!(errors.len(), 4, "{errors:?}");
    assert_eq!(response(&messages, 2)["body"]["threads"], json!([]), "answered after all that");
    // Every message is numbered in order.
    let seqs: Vec<i64> = messages.iter().filter_map(|m| m["seq"].as_i64()).collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>());
}

#[test]
fn requests_before_a_debuggee_say_so_and_a_failed_launch_says_why() {
    let mut input = request(1, "stackTrace", json!({ "threadId": 1 }));
    input.extend(request(2, "launch", json!({ "program": "/no/such/program", "type": "rdb", "name": "x" })));
    input.extend(request(3, "configurationDone", Value::Null));
    let messages = session(input);
    assert_eq!(response(&messages, 1)["message"], "no debuggee: launch or attach first");
    assert_eq!(response(&messages, 2)["message"], "cannot launch '/no/such/program' here");
    assert_eq!(response(&messages, 3)["message"], "no debuggee: launch or attach first");
}
