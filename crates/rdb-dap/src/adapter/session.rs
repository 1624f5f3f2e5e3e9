//! The session's requests: `initialize` (honest capabilities), `launch`, `attach`, `configurationDone`,
//! `disconnect`, `terminate`, `restart`.

use std::path::PathBuf;

use rdb_engine::debugger::{Debugger, Environment, Launch};
use rdb_engine::runner::Runner;
use rdb_engine::session::{Notice, Resumption, Stop};
use serde_json::{Value, json};

use super::{Adapter, Reply, Start};
use crate::arguments::{
    AttachRequestArguments, DisconnectArguments, InitializeRequestArguments, LaunchRequestArguments, NoArguments,
    RestartArguments, TerminateArguments,
};
use crate::server::Input;
use crate::streams::Streams;
use crate::types::Capabilities;

impl Adapter {
    pub(super) fn initialize(&mut self, args: InitializeRequestArguments) -> Reply {
        self.lines_from_1 = args.lines_start_at1.unwrap_or(true);
        let capabilities = Capabilities {
            supports_configuration_done_request: true,
            supports_function_breakpoints: true,
            supports_conditional_breakpoints: true,
            supports_hit_conditional_breakpoints: true,
            supports_evaluate_for_hovers: true,
            exception_breakpoint_filters: super::breakpoints::exception_filters(),
            supports_set_variable: true,
            supports_restart_request: true,
            supports_modules_request: true,
            supports_exception_info_request: true,
            support_terminate_debuggee: true,
            supports_loaded_sources_request: true,
            supports_log_points: true,
            supports_terminate_request: true,
            supports_data_breakpoints: true,
            supports_read_memory_request: true,
            supports_write_memory_request: true,
            supports_disassemble_request: true,
            supports_stepping_granularity: true,
            supports_instruction_breakpoints: true,
            supports_value_formatting_options: true,
        };
        serde_json::to_value(capabilities).map_err(|e| e.to_string())
    }

    pub(super) fn launch(&mut self, args: LaunchRequestArguments) -> Reply {
        if self.runner.is_some() {
            return Err("a debuggee is already being debugged".into());
        }
        let (streams, stdio) =
            Streams::start(self.to.clone()).map_err(|e| format!("cannot make files for the program's output: {e}"))?;
        self.streams = Some(streams);
        let launch = Launch {
            program: PathBuf::from(&args.program),
            args: args.args,
            stdio,
            // VS Code's `env`: a `null` value removes an inherited variable.
            environment: Environment { changes: args.env },
            cwd: args.cwd.map(PathBuf::from),
        };
        let stop = self.start_debugger(move |d| d.launch(launch))?;
        self.start = Some(Start::Launch { stop_on_entry: args.stop_on_entry });
        self.started(stop, "launch");
        Ok(Value::Null)
    }

    pub(super) fn attach(&mut self, args: AttachRequestArguments) -> Reply {
        if self.runner.is_some() {
            return Err("a debuggee is already being debugged".into());
        }
        let pid = args.pid;
        let stop = self.start_debugger(move |d| d.attach(pid))?;
        self.start = Some(Start::Attach { stop_on_entry: args.stop_on_entry });
        self.started(stop, "attach");
        Ok(Value::Null)
    }

    /// Start the debugger's thread and the debuggee on it, to its first stop; the engine's updates go into the
    /// session's channel.
    fn start_debugger(
        &mut self,
        begin: impl FnOnce(&mut Debugger) -> rdb_engine::Result<Stop> + Send + 'static,
    ) -> Result<Stop, String> {
        let make_host = self.make_host.clone();
        let (runner, updates) =
            Runner::start(move |listener| Ok(Debugger::new(make_host(), listener))).map_err(|e| e.to_string())?;
        let to = self.to.clone();
        let _ = std::thread::Builder::new().name("rdb-dap-updates".into()).spawn(move || {
            while let Ok(update) = updates.recv() {
                if to.send(Input::Update(update)).is_err() {
                    return;
                }
            }
        });
        let stop = runner.call(begin).map_err(|e| e.to_string())?.map_err(|e| e.to_string())?;
        self.runner = Some(runner);
        Ok(stop)
    }

    /// The debuggee is at its first stop: `process`, and `initialized` so the client sends its configuration.
    fn started(&mut self, stop: Stop, how: &str) {
        let name = self
            .with(|s| Ok(s.exe_path().map(|p| p.display().to_string())))
            .ok()
            .flatten()
            .unwrap_or_else(|| format!("process {}", stop.pid));
        let method = if how == "launch" { "launch" } else { "attach" };
        self.after.push((
            "process".into(),
            json!({ "name": name, "systemProcessId": stop.pid, "isLocalProcess": true, "startMethod": method }),
        ));
        self.after.push(("initialized".into(), Value::Null));
        self.first_stop = Some(stop);
        self.configured = false;
    }

    /// The configuration is done: stop at the entry if asked, else run.
    pub(super) fn configuration_done(&mut self, _: NoArguments) -> Reply {
        if self.configured {
            return Err("configurationDone was already sent".into());
        }
        let stop = self.first_stop.take().ok_or("no debuggee: launch or attach first")?;
        self.configured = true;
        self.run_from_start(stop);
        Ok(Value::Null)
    }

    fn run_from_start(&mut self, stop: Stop) {
        let stop_on_entry = match self.start {
            Some(Start::Launch { stop_on_entry }) | Some(Start::Attach { stop_on_entry }) => stop_on_entry,
            None => false,
        };
        if stop_on_entry {
            self.report_stop(stop, Some("entry"));
        } else {
            self.resume_after = Some(Resumption::Go { status: None });
        }
    }

    pub(super) fn disconnect(&mut self, args: DisconnectArguments) -> Reply {
        self.done = true;
        let launched = matches!(self.start, Some(Start::Launch { .. }));
        let terminate = args.terminate_debuggee.unwrap_or(launched);
        let result = match self.runner.as_ref() {
            // While the debuggee runs, the call is made in a pause no one sees.
            Some(_) if !self.ended => self.call(move |d| {
                let session = d.session_mut();
                if terminate { session.kill() } else { session.detach() }
            }),
            _ => Ok(Ok(())),
        };
        self.runner = None;
        result?.map_err(|e| e.to_string())?;
        if !terminate
            && !self.ended
            && let Some(streams) = self.streams.as_mut()
        {
            // The program runs on without the adapter, its output still going to the files it was launched with:
            // kept, and named, so what it writes from now on is not lost.
            streams.sync();
            let [out, err] = streams.keep();
            let text = format!(
                "rdb: detached; the program's output goes on to {} and its errors to {}\n",
                out.display(),
                err.display()
            );
            self.wire.output("console", &text);
        }
        Ok(Value::Null)
    }

    pub(super) fn terminate(&mut self, _: TerminateArguments) -> Reply {
        if self.ended {
            return Err("the debuggee has already ended".into());
        }
        self.with(|s| s.kill())?;
        self.debuggee_ended(None);
        Ok(Value::Null)
    }

    pub(super) fn restart(&mut self, _: RestartArguments) -> Reply {
        if !matches!(self.start, Some(Start::Launch { .. })) {
            return Err("only a launched debuggee can be restarted".into());
        }
        self.wait_for_pause()?;
        let stop = self.call(|d| d.restart())?.map_err(|e| e.to_string())?;
        self.ended = false;
        self.refs.clear();
        let tid = stop.tid;
        self.run_from_start(stop);
        if self.resume_after.is_some() {
            // The client last saw the old process stopped; the new one runs without a request of its own.
            self.after.push(("continued".into(), json!({ "threadId": tid, "allThreadsContinued": true })));
        }
        Ok(Value::Null)
    }

    /// The debuggee ended: its exit code, then the end of the session's debugging.
    pub(super) fn debuggee_ended(&mut self, code: Option<i64>) {
        if self.ended {
            return;
        }
        self.ended = true;
        let mut events = Vec::new();
        if let Some(code) = code {
            events.push(("exited".to_string(), json!({ "exitCode": code })));
        }
        events.push(("terminated".to_string(), Value::Null));
        // After the program's last output: what it wrote is sent first, through the same channel.
        if let Some(streams) = &self.streams {
            streams.sync();
        }
        let _ = self.to.send(Input::Events(events));
    }

    /// A notice of the engine, as DAP's event for it where there is one.
    pub(super) fn notice(&mut self, notice: Notice) {
        match notice {
            Notice::ThreadCreated { tid, .. } => {
                self.wire.event("thread", json!({ "reason": "started", "threadId": tid }));
            }
            Notice::ThreadExited { tid, .. } => {
                self.wire.event("thread", json!({ "reason": "exited", "threadId": tid }));
            }
            Notice::ModuleLoaded { base, end, path } => {
                let module = super::memory::module_json(base, end, &path, None);
                self.modules.insert(base, module["id"].as_str().unwrap_or_default().to_string());
                self.wire.event("module", json!({ "reason": "new", "module": module }));
            }
            Notice::ModuleUnloaded { base, path } => {
                let id = self.modules.remove(&base).unwrap_or_else(|| path.display().to_string());
                self.wire.event("module", json!({ "reason": "removed", "module": { "id": id, "name": id } }));
            }
            Notice::DebugString { text } => self.wire.output("console", &text),
            Notice::BreakpointResolved { id, .. } => self.breakpoint_changed(id),
            Notice::ConditionFailed { id, error } => {
                self.wire.output("console", &format!("rdb: breakpoint {id}: its condition failed: {error}\n"))
            }
            Notice::ProcessError { error, .. } => self.wire.output("important", &format!("rdb: {error}\n")),
            _ => {}
        }
    }
}
