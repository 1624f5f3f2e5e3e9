//! The adapter: each request parsed and translated into engine calls, each engine update into events. One file
//! per family of requests; this one holds the session's state and the dispatch.

mod breakpoints;
mod execution;
mod inspection;
mod memory;
mod references;
mod session;
mod values;

use std::collections::HashMap;
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};

use rdb_engine::debugger::Debugger;
use rdb_engine::runner::{Runner, Update};
use rdb_engine::session::{Resumption, Session, Stop};
use rdb_windbg::Console;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::MakeHost;
use crate::server::{Input, Wire};
use crate::streams::Streams;

pub use breakpoints::Breakpoints;
use references::References;

type Reply = Result<Value, String>;

/// How the debuggee came: what `disconnect` does by default and what `restart` repeats.
#[derive(Debug, Clone)]
enum Start {
    Launch { stop_on_entry: bool },
    Attach { stop_on_entry: bool },
}

pub struct Adapter {
    pub wire: Wire,
    to: Sender<Input>,
    make_host: MakeHost,
    runner: Option<Runner>,
    /// The console that `evaluate` in the `repl` context runs commands in, kept from one command to the next.
    console: Arc<Mutex<Console>>,
    start: Option<Start>,
    /// The first stop of a launch or attach, reported (`entry`) or run past at `configurationDone`.
    first_stop: Option<Stop>,
    configured: bool,
    /// The last stop reported, for `exceptionInfo`.
    last_stop: Option<Stop>,
    refs: References,
    breakpoints: Breakpoints,
    streams: Option<Streams>,
    /// Lines and columns as the client counts them (DAP's default: from 1).
    lines_from_1: bool,
    /// Events to send once the request's response is out, and a run to start then.
    after: Vec<(String, Value)>,
    resume_after: Option<Resumption>,
    /// Module bases reported in `module` events, by base.
    modules: HashMap<u64, String>,
    done: bool,
    /// Stops of runs the adapter ended itself (a `restart` while running), not to be reported.
    unreported_stops: usize,
    /// The debuggee ended (its `exited` and `terminated` were sent).
    ended: bool,
}

impl Adapter {
    pub fn new(wire: Wire, to: Sender<Input>, make_host: MakeHost) -> Adapter {
        Adapter {
            wire,
            to,
            make_host,
            runner: None,
            console: Arc::new(Mutex::new(Console::new(false))),
            start: None,
            first_stop: None,
            configured: false,
            last_stop: None,
            refs: References::default(),
            breakpoints: Breakpoints::default(),
            streams: None,
            lines_from_1: true,
            after: Vec::new(),
            resume_after: None,
            modules: HashMap::new(),
            done: false,
            unreported_stops: 0,
            ended: false,
        }
    }

    /// The client said goodbye (`disconnect`): the loop ends after this.
    pub fn finished(&self) -> bool {
        self.done
    }

    /// One message from the client: a request answered, anything else refused with a line saying why.
    pub fn message(&mut self, body: &[u8]) {
        let message: Value = match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) => return self.wire.reject(&format!("a message that is not JSON: {e}")),
        };
        let seq = message.get("seq").and_then(Value::as_i64).unwrap_or(0);
        let command = message.get("command").and_then(Value::as_str).unwrap_or("").to_string();
        if message.get("type").and_then(Value::as_str) != Some("request") {
            return self.wire.respond(seq, &command, Err("only requests are accepted from a client".into()));
        }
        if command.is_empty() {
            return self.wire.respond(seq, "", Err("a request without a command".into()));
        }
        let mut args = message.get("arguments").cloned().unwrap_or(Value::Null);
        crate::arguments::tolerated(&command, &mut args);
        let reply = self.request(&command, args);
        self.wire.respond(seq, &command, reply);
        for (event, body) in std::mem::take(&mut self.after) {
            self.wire.event(&event, body);
        }
        if let Some(how) = self.resume_after.take() {
            self.resume(how);
        }
    }

    fn request(&mut self, command: &str, args: Value) -> Reply {
        match command {
            "initialize" => self.initialize(parse(command, args)?),
            "launch" => self.launch(parse(command, args)?),
            "attach" => self.attach(parse(command, args)?),
            "configurationDone" => self.configuration_done(parse(command, args)?),
            "disconnect" => self.disconnect(parse(command, args)?),
            "terminate" => self.terminate(parse(command, args)?),
            "restart" => self.restart(parse(command, args)?),
            "setBreakpoints" => self.set_breakpoints(parse(command, args)?),
            "setFunctionBreakpoints" => self.set_function_breakpoints(parse(command, args)?),
            "setInstructionBreakpoints" => self.set_instruction_breakpoints(parse(command, args)?),
            "dataBreakpointInfo" => self.data_breakpoint_info(parse(command, args)?),
            "setDataBreakpoints" => self.set_data_breakpoints(parse(command, args)?),
            "setExceptionBreakpoints" => self.set_exception_breakpoints(parse(command, args)?),
            "continue" => self.continue_(parse(command, args)?),
            "next" => self.step(parse(command, args)?, execution::Step::Over),
            "stepIn" => self.step(parse(command, args)?, execution::Step::In),
            "stepOut" => self.step(parse(command, args)?, execution::Step::Out),
            "pause" => self.pause(parse(command, args)?),
            "threads" => self.threads(parse(command, args)?),
            "stackTrace" => self.stack_trace(parse(command, args)?),
            "scopes" => self.scopes(parse(command, args)?),
            "variables" => self.variables(parse(command, args)?),
            "setVariable" => self.set_variable(parse(command, args)?),
            "evaluate" => self.evaluate(parse(command, args)?),
            "exceptionInfo" => self.exception_info(parse(command, args)?),
            "readMemory" => self.read_memory(parse(command, args)?),
            "writeMemory" => self.write_memory(parse(command, args)?),
            "disassemble" => self.disassemble(parse(command, args)?),
            "modules" => self.modules(parse(command, args)?),
            "loadedSources" => self.loaded_sources(parse(command, args)?),
            _ => Err(format!("unknown request '{command}'")),
        }
    }

    /// What the engine's thread reports.
    pub fn update(&mut self, update: Update) {
        match update {
            Update::Notice(notice) => self.notice(notice),
            Update::Stopped(Ok(stop)) => self.stopped(stop),
            Update::Stopped(Err(_)) if self.ended || self.unreported_stops > 0 => {
                self.unreported_stops = self.unreported_stops.saturating_sub(1);
            }
            Update::Stopped(Err(e)) => {
                self.wire.output("important", &format!("rdb: the debuggee could not run: {e}\n"));
                // The client waits for a stop: the debuggee is where it was, so say it stopped there.
                let tid = self.with(|s| Ok(s.event_thread())).unwrap_or(0);
                self.wire.event(
                    "stopped",
                    json!({ "reason": "exception", "description": e.to_string(), "threadId": tid, "allThreadsStopped": true }),
                );
            }
        }
    }

    /// Run `f` on the debugger's thread (pausing a running debuggee unseen for it).
    fn call<R: Send + 'static>(&self, f: impl FnOnce(&mut Debugger) -> R + Send + 'static) -> Result<R, String> {
        let runner = self.runner.as_ref().ok_or_else(|| "no debuggee: launch or attach first".to_string())?;
        runner.call(f).map_err(|e| e.to_string())
    }

    /// Run `f` on the current process's session.
    fn with<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Session) -> rdb_engine::Result<R> + Send + 'static,
    ) -> Result<R, String> {
        self.call(move |d| f(d.session_mut()))?.map_err(|e| e.to_string())
    }

    /// A line as the client counts it.
    fn client_line(&self, line: u32) -> i64 {
        if self.lines_from_1 { line as i64 } else { line as i64 - 1 }
    }

    /// A line the client gave, as the engine counts it (from 1).
    fn engine_line(&self, line: i64) -> Result<u32, String> {
        let line = if self.lines_from_1 { line } else { line + 1 };
        u32::try_from(line).ok().filter(|l| *l > 0).ok_or_else(|| format!("line {line} does not exist"))
    }
}

/// A request's arguments in their structure; a missing, misspelt or unknown one is an error naming it.
fn parse<T: DeserializeOwned>(command: &str, args: Value) -> Result<T, String> {
    // A request without arguments is the same as one with none.
    let args = if args.is_null() { json!({}) } else { args };
    serde_json::from_value(args).map_err(|e| format!("bad arguments for '{command}': {e}"))
}
