//! `rdb --dap` driven by a real DAP client: Microsoft's `@vscode/debugadapter-testsupport` running the scenarios
//! of `tests/dap/scenarios.js` (every request of the protocol rdb serves: the session, breakpoints of each kind,
//! stepping, pause, threads, stacks, scopes, variables with paging, setVariable, evaluate in C and in the console,
//! memory, disassembly, modules, sources, restart, terminate, attach, bad requests) on `tests/debuggees/dap.c`;
//! over TCP too; and the protocol's stream kept clean of anything but protocol, whatever comes in.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use rdb_testkit::dap::{Adapter, Selection, run_scenario_file, run_scenarios, unavailable};
use rdb_testkit::prelude::*;

/// The scenarios' count: every check must pass.
const CHECKS: usize = 37;

fn source() -> std::path::PathBuf {
    debuggee_sources().join("dap.c")
}

#[test]
fn every_dap_scenario_passes_against_rdb() {
    if let Some(why) = unavailable() {
        eprintln!("skipped: {why}");
        return;
    }
    let program = debuggee("dap");
    let adapter = Adapter { program: &rdb_bin(), argument: "--dap", tcp: false };
    let run = run_scenarios(&adapter, s(&program), &source(), None, Duration::from_secs(600));
    run.assert_all_passed(CHECKS);
}

/// `tests/dap/values.js`: Rust's and libstdc++'s library values as DAP variables (a Vec and a vector of 10,000
/// paged, a HashMap's and a map's entries by key, a String's text, `Some(7)`, a base pointer's dynamic type) and
/// the C++ throw filter naming the thrown type.
#[test]
fn library_values_and_cxx_throws_through_dap() {
    if let Some(why) = unavailable() {
        eprintln!("skipped: {why}");
        return;
    }
    let env = [
        ("DAP_RUST_VALUES", s(&debuggee("rust_values")).to_string()),
        ("DAP_CXX_STD", s(&debuggee("cxx_std")).to_string()),
        ("DAP_THROWS", s(&debuggee("throws")).to_string()),
        ("DAP_SOURCES", s(&debuggee_sources()).to_string()),
    ];
    let adapter = Adapter { program: &rdb_bin(), argument: "--dap", tcp: false };
    let run = run_scenario_file("values.js", &adapter, &env, Selection::default(), Duration::from_secs(600));
    run.assert_all_passed(5);
}

#[test]
fn rdb_serves_dap_over_tcp_on_loopback() {
    if let Some(why) = unavailable() {
        eprintln!("skipped: {why}");
        return;
    }
    let program = debuggee("dap");
    let adapter = Adapter { program: &rdb_bin(), argument: "--dap", tcp: true };
    let run = run_scenarios(&adapter, s(&program), &source(), Some("@main"), Duration::from_secs(300));
    run.assert_all_passed(7);
}

/// Frames of a DAP stream, each parsed as JSON (a frame that is not fails the test: something other than protocol
/// reached the stream).
fn frames(mut bytes: &[u8]) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let text = String::from_utf8_lossy(bytes);
        let end = text.find("\r\n\r\n").unwrap_or_else(|| panic!("not a DAP frame: {text:?}"));
        let header = &text[..end];
        let len: usize = header
            .strip_prefix("Content-Length: ")
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("not a DAP header: {header:?}"));
        let body = &bytes[end + 4..end + 4 + len];
        out.push(serde_json::from_slice(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body:?}")));
        bytes = &bytes[end + 4 + len..];
    }
    out
}

fn framed(body: &str) -> Vec<u8> {
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

#[test]
fn bad_input_is_answered_with_errors_and_only_protocol_reaches_stdout() {
    let program = debuggee("dap");
    let mut rdb = Command::new(rdb_bin())
        .arg("--dap")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rdb starts");
    let mut input = rdb.stdin.take().expect("a pipe");
    let mut wire = Vec::new();
    wire.extend(b"garbage\r\n\r\n");
    wire.extend(b"Content-Length: 99999999999999\r\n\r\n");
    wire.extend(framed("{not json"));
    wire.extend(framed(r#"{"seq":1,"type":"request","command":"frobnicate"}"#));
    wire.extend(framed(r#"{"seq":2,"type":"request","command":"initialize","arguments":{"adapterID":"x","bogus":1}}"#));
    wire.extend(framed(r#"{"seq":3,"type":"request","command":"initialize","arguments":{"adapterID":"x"}}"#));
    let launch =
        format!(r#"{{"seq":4,"type":"request","command":"launch","arguments":{{"program":"{}"}}}}"#, s(&program));
    wire.extend(framed(&launch));
    wire.extend(framed(r#"{"seq":5,"type":"request","command":"configurationDone"}"#));
    input.write_all(&wire).expect("rdb reads");
    // The program runs to its end (printing to its stdout, which must not reach rdb's), then the client leaves.
    std::thread::sleep(Duration::from_millis(1500));
    input.write_all(&framed(r#"{"seq":6,"type":"request","command":"disconnect"}"#)).expect("rdb reads");
    drop(input);
    let mut out = Vec::new();
    rdb.stdout.take().expect("a pipe").read_to_end(&mut out).expect("rdb's output");
    let status = rdb.wait().expect("rdb ends");
    let messages = frames(&out);
    let errors: Vec<String> = messages
        .iter()
        .filter(|m| m["type"] == "response" && m["success"] == false)
        .map(|m| m["message"].as_str().unwrap_or_default().to_string())
        .collect();
    let joined = errors.join("\n");
    assert!(joined.contains("malformed header line 'garbage'"), "{joined}");
    assert!(joined.contains("more than"), "{joined}");
    assert!(joined.contains("not JSON"), "{joined}");
    assert!(joined.contains("unknown request 'frobnicate'"), "{joined}");
    assert!(joined.contains("bogus"), "{joined}");
    let ok = |seq: i64| messages.iter().any(|m| m["request_seq"] == seq && m["success"] == true);
    assert!(ok(3) && ok(4) && ok(5) && ok(6), "{messages:#?}");
    let output: String = messages
        .iter()
        .filter(|m| m["event"] == "output" && m["body"]["category"] == "stdout")
        .map(|m| m["body"]["output"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(output, "out: dap 7\n", "the program's stdout comes as output events only");
    assert!(messages.iter().any(|m| m["event"] == "exited" && m["body"]["exitCode"] == 10), "{messages:#?}");
    assert!(status.success(), "{status:?}");
}
