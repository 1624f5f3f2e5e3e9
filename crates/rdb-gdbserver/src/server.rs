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
    /// rdb was told to end.
    Terminate,
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
    /// rdb itself was told to end (SIGTERM, SIGINT, SIGHUP; the console closing on Windows): the debuggee is ended
    /// as `q` ends it.
    Terminated,
}

/// A connection to a client: a TCP socket, or (for the fuzz kit and tests) one end of a Unix socket pair.
pub trait Duplex: Read + Write + Send + Sized + 'static {
    /// Another handle on the same connection (one thread reads, gdbstub writes).
    fn duplicate(&self) -> std::io::Result<Self>;
    /// End the connection both ways (a reader blocked on it returns).
    fn close(&self);
    /// Send each reply at once.
    fn no_delay(&self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Duplex for TcpStream {
    fn duplicate(&self) -> std::io::Result<TcpStream> {
        self.try_clone()
    }

    fn close(&self) {
        let _ = self.shutdown(std::net::Shutdown::Both);
    }

    // Replies are small and a client waits for each: Nagle's delay would cost 40 ms a packet.
    fn no_delay(&self) -> std::io::Result<()> {
        self.set_nodelay(true)
    }
}

#[cfg(unix)]
impl Duplex for std::os::unix::net::UnixStream {
    fn duplicate(&self) -> std::io::Result<Self> {
        self.try_clone()
    }

    fn close(&self) {
        let _ = self.shutdown(std::net::Shutdown::Both);
    }
}

/// The client's side of the socket, as gdbstub writes to it: a packet is held until gdbstub flushes it, so the
/// replies gdbstub gets wrong can be mended on the way out (see `framing.rs`).
struct Link<S> {
    stream: S,
    out: Vec<u8>,
    question: Rc<RefCell<StopReply>>,
    /// Replies are dropped: a negotiation replayed to a new session (see `drive`).
    muted: Rc<std::cell::Cell<bool>>,
}

impl<S: Duplex> Connection for Link<S> {
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
        if self.muted.get() {
            return Ok(());
        }
        Write::write_all(&mut self.stream, &out)?;
        Write::flush(&mut self.stream)
    }

    fn on_session_start(&mut self) -> Result<(), std::io::Error> {
        self.stream.no_delay()
    }
}

/// Read the client's bytes into the channel until it closes.
fn read_client(mut stream: impl Duplex, input: Sender<Input>) {
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
    /// How the session ends, once the client has closed or rdb was told to end.
    ended: Option<Ending>,
}

enum Next {
    Byte(u8),
    /// A packet the server answers itself, past gdbstub (see `framing.rs`).
    Own(Vec<u8>),
    Update(Update),
    End(Ending),
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
            if let Some(ending) = self.ended.clone() {
                return Next::End(ending);
            }
            if let Some(update) = self.receive() {
                return Next::Update(update);
            }
        }
    }

    /// The next update from the engine; the client's bytes meanwhile are kept for later. `Err`: the session ends.
    fn next_update(&mut self) -> Result<Update, Ending> {
        loop {
            if let Some(ending) = self.ended.clone() {
                return Err(ending);
            }
            if let Some(update) = self.receive() {
                return Ok(update);
            }
        }
    }

    /// Take one input off the channel: bytes are framed and queued, the end of the session noted, an update
    /// returned.
    fn receive(&mut self) -> Option<Update> {
        match self.channel.recv() {
            Ok(Input::Bytes(bytes)) => {
                let mut out = Vec::with_capacity(bytes.len());
                bytes.iter().for_each(|b| self.framer.feed(*b, &mut out));
                self.bytes.extend(out);
                None
            }
            Ok(Input::Update(update)) => Some(update),
            Ok(Input::Closed) | Err(_) => {
                self.ended.get_or_insert(Ending::ClientGone);
                None
            }
            Ok(Input::Terminate) => {
                self.ended = Some(Ending::Terminated);
                None
            }
        }
    }
}

/// Serve one client on `stream` until it detaches, kills, or goes away.
pub fn run<S: Duplex>(
    mut server: Server,
    stream: S,
    updates: Receiver<Update>,
    terminate: Option<Receiver<()>>,
) -> Result<Ending, String> {
    let (input, channel) = mpsc::channel();
    if let Some(terminate) = terminate {
        let told = input.clone();
        std::thread::spawn(move || {
            if terminate.recv().is_ok() {
                let _ = told.send(Input::Terminate);
            }
        });
    }
    let reader = stream.duplicate().map_err(|e| format!("cannot read the connection: {e}"))?;
    let client = input.clone();
    std::thread::spawn(move || read_client(reader, client));
    std::thread::spawn(move || {
        while let Ok(update) = updates.recv() {
            if input.send(Input::Update(update)).is_err() {
                return;
            }
        }
    });
    let framer = Framer::new(server.conditions.clone(), server.question.clone());
    let mut inputs = Inputs { channel, framer, bytes: VecDeque::new(), ended: None };
    let ending = drive(&mut server, &stream, &mut inputs);
    // The client's reader thread ends with the connection.
    stream.close();
    let ending = ending?;
    match ending {
        Ending::Detached => server.call(|d| d.session_mut().detach()).map_err(|e| e.to_string())?,
        Ending::Killed if !server.exited => server.call(|d| d.session_mut().kill()).map_err(|e| e.to_string())?,
        _ => {}
    }
    Ok(ending)
}

type Machine<'a, S> = GdbStubStateMachine<'a, Server, Link<S>>;
type StubError = gdbstub::stub::GdbStubError<String, std::io::Error>;

/// What one turn of the loop leads to.
enum Turn<'a, S: Duplex> {
    Next(Machine<'a, S>),
    End(Ending),
}

fn drive<S: Duplex>(server: &mut Server, stream: &S, inputs: &mut Inputs) -> Result<Ending, String> {
    let mut machine = machine(server, stream, inputs, false)?;
    // Whether the machine left the running state last: a Ctrl-C that comes while the debuggee is stopped (it
    // raced with the stop) has nothing to interrupt.
    let mut was_running = false;
    loop {
        match turn(server, machine, stream, inputs, &mut was_running) {
            Ok(Turn::Next(next)) => machine = next,
            Ok(Turn::End(ending)) => return Ok(ending),
            // gdbstub ends its session on a packet it cannot parse; the client gets an error reply and a new
            // session that has agreed the same features with it.
            Err(e) if !e.is_target_error() && !e.is_connection_error() => {
                eprintln!("rdb: a packet the server could not read: {e}");
                stream.duplicate().and_then(|mut s| s.write_all(b"$E16#ac")).map_err(|e| e.to_string())?;
                machine = self::machine(server, stream, inputs, true)?;
            }
            Err(e) => return Err(e.to_string()),
        }
    }
}

/// A gdbstub session on `stream`; with `replay`, the client's negotiation so far (`qSupported`,
/// `QStartNoAckMode`) is played to it unheard, so it speaks as the one it replaces.
fn machine<'a, S: Duplex>(
    server: &mut Server,
    stream: &S,
    inputs: &Inputs,
    replay: bool,
) -> Result<Machine<'a, S>, String> {
    let stream = stream.duplicate().map_err(|e| e.to_string())?;
    let muted = Rc::new(std::cell::Cell::new(replay));
    let link = Link { stream, out: Vec::new(), question: server.question.clone(), muted: muted.clone() };
    let stub = GdbStub::builder(link).packet_buffer_size(0x4000).build().map_err(|e| e.to_string())?;
    let mut machine = stub.run_state_machine(server).map_err(|e| e.to_string())?;
    if replay {
        for b in inputs.framer.negotiation() {
            machine = match machine {
                GdbStubStateMachine::Idle(gdb) => gdb.incoming_data(server, b).map_err(|e| e.to_string())?,
                other => other,
            };
        }
        muted.set(false);
    }
    Ok(machine)
}

/// Answer a packet the server answers itself, straight on the connection.
fn answer<S: Duplex>(server: &Server, body: &[u8], acks: bool, stream: &S) -> std::io::Result<()> {
    let mut out = if acks { b"+".to_vec() } else { Vec::new() };
    out.extend(frame(server.own_answer(body).as_bytes()));
    let mut direct = stream.duplicate()?;
    direct.write_all(&out)?;
    direct.flush()
}

fn turn<'a, S: Duplex>(
    server: &mut Server,
    machine: Machine<'a, S>,
    stream: &S,
    inputs: &mut Inputs,
    was_running: &mut bool,
) -> Result<Turn<'a, S>, StubError> {
    let running = matches!(machine, GdbStubStateMachine::Running(_));
    if !matches!(machine, GdbStubStateMachine::CtrlCInterrupt(_)) {
        *was_running = running;
    }
    Ok(Turn::Next(match machine {
        GdbStubStateMachine::Idle(gdb) => match inputs.next() {
            Next::Byte(b) => gdb.incoming_data(server, b)?,
            Next::Own(body) => match answer(server, &body, inputs.framer.acks(), stream) {
                Ok(()) => GdbStubStateMachine::Idle(gdb),
                Err(_) => return Ok(Turn::End(Ending::ClientGone)),
            },
            // Updates while stopped are notices of calls made: nothing to tell the client.
            Next::Update(_) => GdbStubStateMachine::Idle(gdb),
            Next::End(ending) => return Ok(Turn::End(ending)),
        },
        GdbStubStateMachine::Running(gdb) => {
            if let Some(why) = server.refused_resume.take() {
                // The client asked for what rdb cannot do: it hears of the same stop again, the reason here.
                eprintln!("rdb: {why}");
                let reason = server.repeat_stop();
                gdb.report_stop(server, reason)?
            } else {
                match inputs.next() {
                    Next::Byte(b) => gdb.incoming_data(server, b)?,
                    Next::Own(body) => match answer(server, &body, inputs.framer.acks(), stream) {
                        Ok(()) => GdbStubStateMachine::Running(gdb),
                        Err(_) => return Ok(Turn::End(Ending::ClientGone)),
                    },
                    Next::Update(Update::Stopped(stopped)) => match server.run_ended(stopped) {
                        Some(reason) => gdb.report_stop(server, reason)?,
                        None => GdbStubStateMachine::Running(gdb),
                    },
                    Next::Update(Update::Notice(_)) => GdbStubStateMachine::Running(gdb),
                    Next::End(ending) => return Ok(Turn::End(ending)),
                }
            }
        }
        GdbStubStateMachine::CtrlCInterrupt(gdb) if !*was_running => {
            gdb.interrupt_handled(server, None::<crate::stops::Reason>)?
        }
        GdbStubStateMachine::CtrlCInterrupt(gdb) => {
            // The run's stop is on its way whether the pause reaches it or it stopped on its own meanwhile.
            server.runner.pause();
            let reason = loop {
                match inputs.next_update() {
                    Ok(Update::Stopped(stopped)) => {
                        if let Some(reason) = server.run_ended(stopped) {
                            break reason;
                        }
                    }
                    Ok(Update::Notice(_)) => {}
                    Err(ending) => return Ok(Turn::End(ending)),
                }
            };
            gdb.interrupt_handled(server, Some(reason))?
        }
        GdbStubStateMachine::Disconnected(gdb) => {
            return Ok(Turn::End(match gdb.get_reason() {
                DisconnectReason::Disconnect => Ending::Detached,
                DisconnectReason::Kill => Ending::Killed,
                DisconnectReason::TargetExited(_) | DisconnectReason::TargetTerminated(_) => Ending::Exited,
            }));
        }
    }))
}
