//! The Debug Adapter Protocol over rdb's engine: rdb inside VS Code, nvim-dap, Helix, Zed and every DAP editor
//! (`rdb --dap` on standard input and output, `rdb --dap --port N` on loopback TCP).
//!
//! It only translates: requests into calls on the engine's [`Debugger`](rdb_engine::debugger::Debugger), run on a
//! thread of its own by [`rdb_engine::runner`] so requests (`pause`, `threads`, `setBreakpoints`) are answered
//! while the debuggee runs; and the engine's data (stops, notices, frames, values) into DAP's messages. `framing`
//! is the base protocol, `arguments` and `types` the specification's structures, `server` the session's loop,
//! `adapter/` one file per family of requests. Nothing but protocol is written to the client's stream: the
//! debuggee's output reaches it as `output` events (`streams`).

mod adapter;
pub mod arguments;
pub mod framing;
mod server;
mod streams;
pub mod types;

#[cfg(test)]
mod tests;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener};
use std::sync::Arc;

use rdb_engine::debugger::Host;

/// Makes this machine's host for each debugger the session starts (a launch, an attach, a restart).
pub type MakeHost = Arc<dyn Fn() -> Box<dyn Host> + Send + Sync>;

/// Serve one client on `input` and `output` (rdb's standard streams) until it disconnects or closes them.
pub fn serve(input: Box<dyn Read + Send>, output: Box<dyn Write + Send>, make_host: MakeHost) {
    server::run(input, output, make_host);
}

/// Serve one client over TCP on loopback port `port` (0: any free port); `listening` is told the port before the
/// first client is accepted.
pub fn serve_tcp(port: u16, make_host: MakeHost, listening: impl FnOnce(u16)) -> std::io::Result<()> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))?;
    listening(listener.local_addr()?.port());
    let (stream, _) = listener.accept()?;
    // Replies are small and a client waits for each: Nagle's delay would cost 40 ms a message.
    stream.set_nodelay(true)?;
    let input = stream.try_clone()?;
    server::run(Box::new(input), Box::new(stream), make_host);
    Ok(())
}
