//! The session with one client: gdbstub's state machine fed from one channel that carries both the client's bytes
//! and the engine's updates, so a Ctrl-C from the client and a stop of the debuggee are each served as they come,
//! with no polling.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::mpsc::{self, Receiver, Sender};

use gdbstub::conn::Connection;
use gdbstub::stub::state_machine::GdbStubStateMachine;
use gdbstub::stub::{DisconnectReason, GdbStub};
use rdb_engine::runner::Update;

use std::cell::RefCell;
use std::rc::Rc;

use crate::framing::{Framer, StopReply, frame, mend_replies};
use crate::target::Server;

/// What the session's one channel carries.
enum Input {
    Bytes(Vec<u8>),
    /// The client closed the connection (or it failed).
    Closed,
    Update(Update),
}

/// How a session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// The client detached: the debuggee runs on, undebugged.
    Detached,
    /// The client killed the debuggee.
    Killed,
    /// The debuggee exited and the client left.
    Exited,
    /// The client went away without a word (closed, crashed): the debuggee is ended as `q` ends it.
    ClientGone,
}

/// The client's side of the socket, as gdbstub writes to it: a packet is held until gdbstub flushes it, so the
/// replies gdbstub gets wrong can be mended on the way out (see `framing.rs`).
struct Link {
    stream: TcpStream,
    out: Vec<u8>,
    question: Rc<RefCell<StopReply>>,
}

impl Connection for Link {
    type Error = std::io::Error;

    fn write(&mut self, byte: u8) -> Result<(), std::io::Error> {
        self.out.push(byte);
        Ok(())
    }

    fn write_all(&mut self, buf: &[u8]) -> Result<(), std::io::Error> {
        self.out.extend_from_slice(buf);
        Ok(())
    }

    fn flush(&mut self) -> Result<(), std::io::Error> {
        mend_replies(&mut self.out, &self.question);
        let out = std::mem::take(&mut self.out);
        Write::write_all(&mut self.stream, &out)?;
        Write::flush(&mut self.stream)
    }

    fn on_session_start(&mut self) -> Result<(), std::io::Error> {
        // Replies are small and a client waits for each: Nagle's delay would cost 40 ms a packet.
        self.stream.set_nodelay(true)
    }
}

/// Read the client's bytes into the channel until it closes.
fn read_client(mut stream: TcpStream, input: Sender<Input>) {
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => {
                let _ = input.send(Input::Closed);
                return;
            }
            Ok(n) => {
                if input.send(Input::Bytes(buf[..n].to_vec())).is_err() {
                    return;
                }
            }
        }
    }
}

/// The session's inputs, with the client's bytes framed (breakpoint conditions taken off) and queued.
struct Inputs {
    channel: Receiver<Input>,
    framer: Framer,
    bytes: VecDeque<u8>,
    closed: bool,
}

enum Next {
    Byte(u8),
    /// A packet the server answers itself (its body).
    Own(Vec<u8>),
    Update(Update),
    Closed,
}

impl Inputs {
    /// The next byte for gdbstub or update from the engine, whichever comes first.
    fn next(&mut self) -> Next {
        loop {
            if let Some(b) = self.bytes.pop_front() {
                return Next::Byte(b);
            }
            // After the bytes before it: a client waits for each reply, so nothing comes after it.
            if let Some(body) = self.framer.next_own() {
                return Next::Own(body);
            }
            if self.closed {
                return Next::Closed;
            }
            match self.channel.recv() {
                Ok(Input::Bytes(bytes)) => {
                    let mut out = Vec::with_capacity(bytes.len());
                    bytes.iter().for_each(|b| self.framer.feed(*b, &mut out));
                    self.bytes.extend(out);
                }
                Ok(Input::Update(update)) => return Next::Update(update),
                Ok(Input::Closed) | Err(_) => self.closed = true,
            }
        }
    }

    /// The next update from the engine; the client's bytes meanwhile are kept for later. `None`: the client left.
    fn next_update(&mut self) -> Option<Update> {
        loop {
            match self.channel.recv() {
                Ok(Input::Bytes(bytes)) => {
                    let mut out = Vec::with_capacity(bytes.len());
                    bytes.iter().for_each(|b| self.framer.feed(*b, &mut out));
                    self.bytes.extend(out);
                }
                Ok(Input::Update(update)) => return Some(update),
                Ok(Input::Closed) | Err(_) => {
                    self.closed = true;
                    return None;
                }
            }
        }
    }
}

/// Serve one client on `stream` until it detaches, kills, or goes away.
pub fn run(mut server: Server, stream: TcpStream, updates: Receiver<Update>) -> Result<Ending, String> {
    let (input, channel) = mpsc::channel();
    let reader = stream.try_clone().map_err(|e| format!("cannot read the connection: {e}"))?;
    let client = input.clone();
    std::thread::spawn(move || read_client(reader, client));
    std::thread::spawn(move || {
        while let Ok(update) = updates.recv() {
            if input.send(Input::Update(update)).is_err() {
                return;
            }
        }
    });
    let shutdown = stream.try_clone().ok();
    let mut direct = stream.try_clone().map_err(|e| format!("cannot write to the connection: {e}"))?;
    let link = Link { stream, out: Vec::new(), question: server.question.clone() };
    let framer = Framer::new(server.conditions.clone(), server.question.clone());
    let mut inputs = Inputs { channel, framer, bytes: VecDeque::new(), closed: false };
    let ending = drive(&mut server, link, &mut inputs, &mut direct);
    if let Some(s) = shutdown {
        let _ = s.shutdown(std::net::Shutdown::Both);
    }
    let ending = ending?;
    match ending {
        Ending::Detached => server.call(|d| d.session_mut().detach()).map_err(|e| e.to_string())?,
        Ending::Killed if !server.exited => server.call(|d| d.session_mut().kill()).map_err(|e| e.to_string())?,
        _ => {}
    }
    Ok(ending)
}

fn drive(server: &mut Server, link: Link, inputs: &mut Inputs, direct: &mut TcpStream) -> Result<Ending, String> {
    let stub = GdbStub::builder(link).packet_buffer_size(0x4000).build().map_err(|e| e.to_string())?;
    let mut machine = stub.run_state_machine(server).map_err(|e| e.to_string())?;
    loop {
        machine = match machine {
            GdbStubStateMachine::Idle(gdb) => match inputs.next() {
                Next::Byte(b) => gdb.incoming_data(server, b).map_err(|e| e.to_string())?,
                Next::Own(body) => {
                    answer(server, &body, inputs.framer.acks(), direct)?;
                    GdbStubStateMachine::Idle(gdb)
                }
                // Updates while stopped are notices of calls made: nothing to tell the client.
                Next::Update(_) => GdbStubStateMachine::Idle(gdb),
                Next::Closed => return Ok(gone(server)),
            },
            GdbStubStateMachine::Running(gdb) => {
                if let Some(why) = server.refused_resume.take() {
                    // The client asked for what rdb cannot do: it hears of the same stop again, the reason here.
                    eprintln!("rdb: {why}");
                    let reason = server.repeat_stop();
                    gdb.report_stop(server, reason).map_err(|e| e.to_string())?
                } else {
                    match inputs.next() {
                        Next::Byte(b) => gdb.incoming_data(server, b).map_err(|e| e.to_string())?,
                        Next::Own(body) => {
                            answer(server, &body, inputs.framer.acks(), direct)?;
                            GdbStubStateMachine::Running(gdb)
                        }
                        Next::Update(Update::Stopped(stopped)) => match server.run_ended(stopped) {
                            Some(reason) => gdb.report_stop(server, reason).map_err(|e| e.to_string())?,
                            None => GdbStubStateMachine::Running(gdb),
                        },
                        Next::Update(Update::Notice(_)) => GdbStubStateMachine::Running(gdb),
                        Next::Closed => return Ok(gone(server)),
                    }
                }
            }
            GdbStubStateMachine::CtrlCInterrupt(gdb) => {
                server.runner.pause();
                let reason = loop {
                    match inputs.next_update() {
                        Some(Update::Stopped(stopped)) => {
                            if let Some(reason) = server.run_ended(stopped) {
                                break reason;
                            }
                        }
                        Some(Update::Notice(_)) => {}
                        None => return Ok(gone(server)),
                    }
                };
                gdb.interrupt_handled(server, Some(reason)).map_err(|e| e.to_string())?
            }
            GdbStubStateMachine::Disconnected(gdb) => {
                return Ok(match gdb.get_reason() {
                    DisconnectReason::Disconnect => Ending::Detached,
                    DisconnectReason::Kill => Ending::Killed,
                    DisconnectReason::TargetExited(_) | DisconnectReason::TargetTerminated(_) => Ending::Exited,
                });
            }
        };
    }
}

/// Answer a packet gdbstub does not know, straight on the socket (gdbstub has flushed every reply of its own by
/// the time a packet is complete, so the two never interleave).
fn answer(server: &Server, body: &[u8], acks: bool, direct: &mut TcpStream) -> Result<(), String> {
    let mut out = if acks { b"+".to_vec() } else { Vec::new() };
    out.extend(frame(server.own_answer(body).as_bytes()));
    Write::write_all(direct, &out)
        .and_then(|()| Write::flush(direct))
        .map_err(|e| format!("cannot answer the client: {e}"))
}

/// The client went away: the debuggee is ended when the server is dropped (the runner interrupts a run first).
fn gone(_server: &mut Server) -> Ending {
    Ending::ClientGone
}
