//! gdb remote-protocol traffic from the input, sent to rdb's server (`rdb_gdbserver`) over a socket pair, with the
//! in-memory process (`process`) as its debuggee: everything that reads answers for real, everything that would
//! run or change the process takes its error path. The property: the server never panics and its session ends
//! when the client closes, whatever the bytes (packets gdbstub cannot parse, breakpoint conditions in bytecode,
//! binary writes, Ctrl-C at any point).
//!
//! The input's first byte chooses how the rest is sent: even, as packet bodies one per line, each framed with its
//! right checksum (so the packets reach the parsers rather than die at the checksum); odd, as raw bytes.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::mpsc;
use std::time::Duration;

use rdb_engine::debugger::Debugger;
use rdb_gdbserver::Started;

use crate::process::{MemoryProcess, NoHost};

/// How long a session may take after the client closes before it counts as hung.
const DEADLINE: Duration = Duration::from_secs(20);

/// The bytes a client sends for `data`.
pub fn traffic(data: &[u8]) -> Vec<u8> {
    let Some((&mode, rest)) = data.split_first() else { return Vec::new() };
    if mode % 2 == 1 {
        return rest.to_vec();
    }
    let mut out = Vec::new();
    for body in rest.split(|&b| b == b'\n') {
        let sum = body.iter().fold(0u8, |s, b| s.wrapping_add(*b));
        out.push(b'$');
        out.extend_from_slice(body);
        out.extend_from_slice(format!("#{sum:02x}").as_bytes());
    }
    out
}

/// Serve `data`'s traffic; the server's replies. Panics (a defect) if the server panics or does not end once the
/// client has closed.
pub fn run(data: &[u8]) -> Vec<u8> {
    let (mut client, end) = UnixStream::pair().expect("a socket pair");
    let started = Started::new(false, |listener| {
        let mut d = Debugger::new(Box::new(NoHost), listener);
        let stop = d.open(Box::new(MemoryProcess::default()))?;
        Ok((d, stop))
    })
    .expect("the in-memory process opens");
    let (done, ended) = mpsc::channel();
    let server = std::thread::spawn(move || {
        let ending = started.serve(end);
        let _ = done.send(());
        ending
    });
    // The server's replies are read (and dropped) as they come, so it never blocks on a full socket.
    let mut reader = client.try_clone().expect("a second handle");
    let drain = std::thread::spawn(move || {
        let mut replies = Vec::new();
        let _ = reader.read_to_end(&mut replies);
        replies
    });
    let _ = client.write_all(&traffic(data));
    let _ = client.shutdown(std::net::Shutdown::Write);
    if ended.recv_timeout(DEADLINE).is_err() {
        panic!("the server did not end after the client closed");
    }
    let _ = client.shutdown(std::net::Shutdown::Both);
    if let Err(panic) = server.join() {
        std::panic::resume_unwind(panic);
    }
    drain.join().unwrap_or_default()
}
