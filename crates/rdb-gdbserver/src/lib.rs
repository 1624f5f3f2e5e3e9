//! rdb as a gdb remote-protocol server: gdb (`target remote`, `target extended-remote`) and lldb (`gdb-remote`)
//! drive rdb's engine over a socket. The protocol's framing and packets are `gdbstub`'s; this crate only
//! translates its requests into `Session` calls and the engine's data into the protocol's shapes.
//!
//! The engine runs on a thread of its own (`rdb_engine::runner`); the session with the client (`server.rs`) feeds
//! gdbstub the client's bytes and the engine's stops from one channel.

pub mod agent;
mod breakpoints;
mod conditions;
mod framing;
mod host_io;
mod lldb;
mod monitor;
mod queries;
pub mod registers;
mod resume;
mod server;
pub mod signals;
mod stops;
mod target;

use std::cell::RefCell;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::rc::Rc;
use std::sync::mpsc;

use rdb_engine::debugger::{Debugger, Host, Launch};
use rdb_engine::runner::{Runner, Update};
use rdb_engine::session::{Listener, Stop};
use rdb_engine::target::Pid;

pub use server::{Duplex, Ending};

use registers::Flavour;
use target::Server;

/// What to debug.
#[derive(Debug, Clone)]
// Made once per session: a launch's size beside a pid's costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum Start {
    Launch(Launch),
    Attach(Pid),
}

/// `rdb --gdbserver <address> ...`.
#[derive(Debug, Clone)]
pub struct Options {
    /// `HOST:PORT`, `:PORT` or `PORT` (the host defaults to loopback; port 0 picks a free one).
    pub address: String,
    pub start: Start,
}

/// Where to listen: a host left out is loopback, so the debuggee is not offered to the network by accident.
pub fn parse_address(text: &str) -> Result<SocketAddr, String> {
    let text = text.strip_prefix("tcp:").unwrap_or(text);
    let (host, port) = match text.rsplit_once(':') {
        Some((host, port)) => (host, port),
        None => ("", text),
    };
    let port: u16 =
        port.parse().map_err(|_| format!("'{text}' is no HOST:PORT to listen on (the port is a number)"))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Ok(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port));
    }
    (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot listen on '{text}': {e}"))?
        .next()
        .ok_or_else(|| format!("cannot listen on '{text}': the host has no address"))
}

/// Launch or attach, listen, serve one client, and end the debuggee as the client leaves it. `host` makes this
/// machine's targets; it is built on the engine's thread. Progress goes to standard error, as gdbserver's does.
///
/// A message on `terminate` (the front end's SIGTERM, SIGINT or SIGHUP) ends the session at any point, the debuggee
/// killed if rdb launched it and detached clean if it was attached to.
pub fn serve(
    options: Options,
    host: impl FnOnce() -> Box<dyn Host> + Send + 'static,
    terminate: mpsc::Receiver<()>,
) -> Result<Ending, String> {
    let address = parse_address(&options.address)?;
    let start = options.start.clone();
    let launched = matches!(start, Start::Launch(_));
    let started = Started::new(launched, move |listener| {
        let mut d = Debugger::new(host(), listener);
        let stop = match start {
            Start::Launch(launch) => d.launch(launch)?,
            Start::Attach(pid) => d.attach(pid)?,
        };
        Ok((d, stop))
    })?;
    match &options.start {
        Start::Launch(l) => eprintln!("Process {} created; pid = {}", l.program.display(), started.stop.pid),
        Start::Attach(pid) => eprintln!("Attached; pid = {pid}"),
    }
    let listener = TcpListener::bind(address).map_err(|e| format!("cannot listen on {address}: {e}"))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    if !bound.ip().is_loopback() {
        eprintln!(
            "rdb: warning: listening on {}, reachable from other machines: whoever connects controls the debuggee",
            bound.ip()
        );
    }
    eprintln!("Listening on port {}", bound.port());
    let Some((stream, peer)) = accept(&listener, &terminate)? else {
        // Dropping the debugger ends the debuggee as `q` does.
        drop(started);
        return Ok(Ending::Terminated);
    };
    drop(listener);
    eprintln!("Remote debugging from host {}, port {}", peer.ip(), peer.port());
    started.terminated_by(terminate).serve(stream)
}

/// Wait for a client, or for rdb to be told to end (`None`).
fn accept(listener: &TcpListener, terminate: &mpsc::Receiver<()>) -> Result<Option<(TcpStream, SocketAddr)>, String> {
    listener.set_nonblocking(true).map_err(|e| format!("cannot listen: {e}"))?;
    loop {
        match listener.accept() {
            Ok((stream, peer)) => {
                stream.set_nonblocking(false).map_err(|e| format!("cannot use the connection: {e}"))?;
                return Ok(Some((stream, peer)));
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                if terminate.recv_timeout(std::time::Duration::from_millis(50)).is_ok() {
                    return Ok(None);
                }
            }
            Err(e) => return Err(format!("cannot accept a client: {e}")),
        }
    }
}

/// A debugger on its own thread at its first stop, waiting for its client.
pub struct Started {
    runner: Runner,
    updates: mpsc::Receiver<Update>,
    pub stop: Stop,
    launched: bool,
    /// Where rdb hears it must end (a signal): the session then ends as the client's going away would.
    terminate: Option<mpsc::Receiver<()>>,
}

impl Started {
    /// Build the debugger on its thread with `make` (which returns it at its first stop); `launched` says whether
    /// the debuggee is rdb's to kill when the client goes.
    pub fn new(
        launched: bool,
        make: impl FnOnce(Listener) -> rdb_engine::Result<(Debugger, Stop)> + Send + 'static,
    ) -> Result<Started, String> {
        let (first, first_stop) = mpsc::channel::<Stop>();
        let (runner, updates) = Runner::start(move |listener| {
            let (d, stop) = make(listener)?;
            let _ = first.send(stop);
            Ok(d)
        })
        .map_err(|e| e.to_string())?;
        let stop = first_stop.recv().map_err(|_| "the debugger's thread ended".to_string())?;
        Ok(Started { runner, updates, stop, launched, terminate: None })
    }

    /// End the session, as `q` would, when `terminate` receives.
    pub fn terminated_by(mut self, terminate: mpsc::Receiver<()>) -> Started {
        self.terminate = Some(terminate);
        self
    }

    /// Serve one client on `stream` until it detaches, kills, or goes away.
    pub fn serve<S: Duplex>(self, stream: S) -> Result<Ending, String> {
        let mut server = Server {
            runner: self.runner,
            flavour: if cfg!(windows) { Flavour::Windows } else { Flavour::Linux },
            pid: self.stop.pid,
            launched: false,
            stop: None,
            exited: false,
            breakpoints: Default::default(),
            actions: Default::default(),
            conditions: Rc::new(RefCell::new(Default::default())),
            question: Rc::new(RefCell::new(Default::default())),
            monitor: Default::default(),
            refused_resume: None,
            files: Default::default(),
            lldb: Default::default(),
        };
        server.started(self.stop, self.launched);
        server::run(server, stream, self.updates, self.terminate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_as_gdbserver_takes_them() {
        assert_eq!(parse_address(":1234").unwrap(), "127.0.0.1:1234".parse().unwrap());
        assert_eq!(parse_address("1234").unwrap(), "127.0.0.1:1234".parse().unwrap());
        assert_eq!(parse_address("tcp::0").unwrap(), "127.0.0.1:0".parse().unwrap());
        assert_eq!(parse_address("0.0.0.0:99").unwrap(), "0.0.0.0:99".parse().unwrap());
        assert_eq!(parse_address("[::1]:7").unwrap(), "[::1]:7".parse().unwrap());
        assert!(parse_address("host").is_err());
        assert!(parse_address(":99999").is_err());
    }
}
