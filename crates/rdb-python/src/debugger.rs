//! `rdb.Debugger`: one engine `Debugger` over this machine's targets, driven from the Python thread that made it
//! (ptrace answers only the thread that attached: the class is `unsendable`). Its breakpoints are
//! `Owner::Python`'s, so the console's `bl` lists them apart and `bc *` leaves them.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use rdb_engine::debugger::{Debugger as Engine, Launch};
use rdb_engine::session::{Condition, HwAccess, Kind, Location, MemAccess, Notice, Owner, Session, Spec, Stop};
use rdb_engine::target::Tid;
use rdb_windbg::Console;

use crate::error;
use crate::objects::{Breakpoint, Frame, Module, Registers, StopInfo, Thread};

#[pyclass(module = "rdb", unsendable)]
pub struct Debugger {
    /// The engine; `None` while `run()` has it waiting for the debuggee (a handler then reaches it through the hit
    /// it handles: `hook.rs`).
    pub(crate) engine: Option<Engine>,
    /// The thread of the last stop: the one `regs`, `stack()` and `eval()` mean.
    pub(crate) tid: Tid,
    /// Each breakpoint's handler, by id.
    pub(crate) handlers: HashMap<u32, Py<PyAny>>,
    /// `on()`'s handlers, by event name, in the order given.
    pub(crate) listeners: HashMap<String, Vec<Py<PyAny>>>,
    /// The engine's notices since they were last handed to `on()`'s handlers.
    pub(crate) notices: Rc<RefCell<Vec<Notice>>>,
    /// `command()`'s console, kept between calls as a terminal's is (its pending commands, its `.printf` line).
    pub(crate) console: Console,
    /// Inside a handler: `run()`, `command()`, `detach()` and `kill()` wait for the handler's end.
    pub(crate) in_handler: bool,
    /// A handler's exception on the lazy path, raised by `run()` at the stop it makes.
    pub(crate) pending_error: Option<PyErr>,
    /// Unregisters this debugger's break-in when it goes.
    _interrupts: crate::interrupt::Registration,
}

impl Debugger {
    fn new() -> Debugger {
        rdb_host::install();
        let notices = Rc::new(RefCell::new(Vec::new()));
        let queue = notices.clone();
        let engine =
            Engine::new(Box::new(rdb_host::Native), Box::new(move |n: &Notice| queue.borrow_mut().push(n.clone())));
        let interrupts = crate::interrupt::register(engine.breaker());
        Debugger {
            engine: Some(engine),
            in_handler: false,
            pending_error: None,
            tid: 0,
            handlers: HashMap::new(),
            listeners: HashMap::new(),
            notices,
            console: Console::new(false),
            _interrupts: interrupts,
        }
    }

    pub fn launch(program: PathBuf, args: Vec<String>) -> PyResult<Debugger> {
        let mut d = Debugger::new();
        let stop = d.engine()?.launch(Launch { program, args, ..Default::default() }).map_err(error)?;
        d.started(&stop);
        Ok(d)
    }

    pub fn attach(pid: u32) -> PyResult<Debugger> {
        let mut d = Debugger::new();
        let stop = d.engine()?.attach(pid).map_err(error)?;
        d.started(&stop);
        Ok(d)
    }

    /// The first stop: what came before it (the modules loaded so far) is in `modules`, not news for `on()`.
    fn started(&mut self, stop: &Stop) {
        self.tid = stop.tid;
        self.notices.borrow_mut().clear();
    }

    /// The engine, between runs and outside handlers.
    pub(crate) fn engine(&mut self) -> PyResult<&mut Engine> {
        if self.in_handler {
            return Err(crate::Error::new_err(
                "not inside a handler: return rdb.STOP from it, and do this once run() has returned",
            ));
        }
        self.engine.as_mut().ok_or_else(|| crate::Error::new_err("the debugger is running"))
    }

    /// `f` on the session: the engine's, or, inside a handler run on the lazy path, the hit's (every thread then
    /// stopped first).
    pub(crate) fn with_session<R>(&mut self, f: impl FnOnce(&mut Session) -> PyResult<R>) -> PyResult<R> {
        match self.engine.as_mut() {
            Some(engine) => f(engine.session_mut()),
            None => {
                crate::hook::with_session(f).unwrap_or_else(|| Err(crate::Error::new_err("the debugger is running")))
            }
        }
    }

    /// Add a Python breakpoint of `kind` at `location`, with its handler.
    fn add(
        &mut self,
        kind: Kind,
        location: &str,
        condition: Option<String>,
        handler: Option<Py<PyAny>>,
    ) -> PyResult<u32> {
        let spec = Spec {
            condition: condition.map(Condition::windbg),
            ..Spec::new(Owner::Python, kind, Location::parse(location).map_err(error)?)
        };
        let tid = self.tid;
        let id = self.with_session(|s| s.add_breakpoint(tid, spec).map_err(error))?;
        match handler {
            Some(h) => self.handlers.insert(id, h),
            None => self.handlers.remove(&id),
        };
        Ok(id)
    }

    fn breakpoint(slf: &Bound<'_, Self>, id: u32) -> PyResult<Breakpoint> {
        let dbg = slf.clone().unbind();
        slf.borrow_mut().with_session(|s| match s.breakpoints().get(id) {
            Some(b) => Ok(Breakpoint::of(dbg, b)),
            None => Err(crate::Error::new_err(format!("no breakpoint {id}"))),
        })
    }
}

impl Drop for Debugger {
    /// A debuggee is not left behind: a launched one ends with its debugger, an attached one runs on.
    fn drop(&mut self) {
        let Some(engine) = self.engine.as_mut() else { return };
        let _ = engine.end_others();
        if engine.session().is_live() {
            let _ = engine.session_mut().end();
        }
    }
}

/// Where a breakpoint goes: the console's words (`prog!add`, `` `prog.c:12` ``, `@rip+4`), or an address.
#[derive(FromPyObject)]
enum Where {
    Address(u64),
    Text(String),
}

impl Where {
    fn text(&self) -> String {
        match self {
            Where::Address(a) => format!("{a:#x}"),
            Where::Text(t) => t.clone(),
        }
    }
}

/// `e`, `w`, `r` as WinDbg's `ba` takes them.
fn hw_access(access: &str) -> PyResult<HwAccess> {
    [HwAccess::Execute, HwAccess::Write, HwAccess::ReadWrite]
        .into_iter()
        .find(|a| access.len() == 1 && access.starts_with(a.letter()))
        .ok_or_else(|| {
            crate::Error::new_err(format!("Bad access '{access}' for bp_hw: e (execute), r (read/write) or w (write)"))
        })
}

/// `r`, `w`, `x`, `a` as WinDbg's `bpm` takes them.
fn mem_access(access: &str) -> PyResult<MemAccess> {
    [MemAccess::Read, MemAccess::Write, MemAccess::Execute, MemAccess::Any]
        .into_iter()
        .find(|a| access.len() == 1 && access.starts_with(a.letter()))
        .ok_or_else(|| {
            crate::Error::new_err(format!(
                "Bad access '{access}' for bp_mem: r (read), w (write), x (execute) or a (any)"
            ))
        })
}

#[pymethods]
impl Debugger {
    /// A breakpoint where the console's `bp` puts one (`module!symbol`, an address, `` `file.c:12` ``); `handler`
    /// is called as `handler(dbg, event)` at each hit, and `run()` stops there only if it returns `rdb.STOP`;
    /// `condition` (MASM or C++, as `bp /w` reads it) makes a hit count only where it holds. Returns the
    /// breakpoint.
    #[pyo3(signature = (location, handler = None, condition = None))]
    fn bp(
        slf: &Bound<'_, Self>,
        location: Where,
        handler: Option<Py<PyAny>>,
        condition: Option<String>,
    ) -> PyResult<Breakpoint> {
        let id = slf.borrow_mut().add(Kind::Software, &location.text(), condition, handler)?;
        Debugger::breakpoint(slf, id)
    }

    /// A hardware breakpoint (the console's `ba`): a debug register watching `size` bytes (1, 2, 4, 8) for
    /// `access`: `e` execute, `w` write, `r` read or write.
    #[pyo3(signature = (location, access = "e", size = 1, handler = None, condition = None))]
    fn bp_hw(
        slf: &Bound<'_, Self>,
        location: Where,
        access: &str,
        size: u8,
        handler: Option<Py<PyAny>>,
        condition: Option<String>,
    ) -> PyResult<Breakpoint> {
        let kind = Kind::Hardware { access: hw_access(access)?, size };
        let id = slf.borrow_mut().add(kind, &location.text(), condition, handler)?;
        Debugger::breakpoint(slf, id)
    }

    /// A memory breakpoint (the console's `bpm`) over `size` bytes of any length, through guard pages: `access`
    /// `r`, `w`, `x` or `a` (any).
    #[pyo3(signature = (location, size, access = "a", handler = None, condition = None))]
    fn bp_mem(
        slf: &Bound<'_, Self>,
        location: Where,
        size: u64,
        access: &str,
        handler: Option<Py<PyAny>>,
        condition: Option<String>,
    ) -> PyResult<Breakpoint> {
        let kind = Kind::Memory { access: mem_access(access)?, size };
        let id = slf.borrow_mut().add(kind, &location.text(), condition, handler)?;
        Debugger::breakpoint(slf, id)
    }

    /// This script's breakpoints.
    #[getter]
    fn breakpoints(slf: &Bound<'_, Self>) -> PyResult<Vec<Breakpoint>> {
        let py = slf.py();
        let dbg = slf.clone().unbind();
        slf.borrow_mut().with_session(|s| {
            Ok(s.breakpoints().owned_by(Owner::Python).map(|b| Breakpoint::of(dbg.clone_ref(py), b)).collect())
        })
    }

    /// Remove every breakpoint of this script.
    fn clear_breakpoints(&mut self) -> PyResult<()> {
        let ids: Vec<u32> = self.with_session(|s| {
            let ids: Vec<u32> = s.breakpoints().owned_by(Owner::Python).map(|b| b.id).collect();
            ids.iter().for_each(|id| {
                s.remove_breakpoint(*id);
            });
            Ok(ids)
        })?;
        for id in ids {
            self.handlers.remove(&id);
        }
        Ok(())
    }

    /// Call `handler(dbg, event)` for each event named: `module_loaded`, `module_unloaded`, `thread_created`,
    /// `thread_exited`, `process_exited`, `exception` (one the debuggee is let to handle), `output` (a debug
    /// string), `child_process`, `breakpoint_resolved`. A handler that returns `rdb.STOP` stops `run()`.
    fn on(&mut self, event: &str, handler: Py<PyAny>) -> PyResult<()> {
        if !crate::events::NAMES.contains(&event) {
            let names = crate::events::NAMES.join(", ");
            return Err(crate::Error::new_err(format!("no event '{event}': the events are {names}")));
        }
        self.listeners.entry(event.to_string()).or_default().push(handler);
        Ok(())
    }

    /// Run until a breakpoint without a handler, a handler's `rdb.STOP`, an exception, a break-in (Ctrl-C raises
    /// `KeyboardInterrupt` with the debuggee stopped) or the end of the process (`stop.exit_code`).
    fn run(slf: &Bound<'_, Self>) -> PyResult<StopInfo> {
        crate::run::run(slf)
    }

    /// The registers of the thread of the last stop, by name (`rax`, `eax`, `rip`, `efl`, `fs_base`, `dr7`...).
    #[getter]
    fn regs(slf: &Bound<'_, Self>) -> Registers {
        Registers { dbg: slf.clone().unbind(), tid: None }
    }

    /// `len` bytes of memory at `address` (as the program has them: no breakpoint shows).
    fn read<'py>(&mut self, py: Python<'py>, address: u64, len: usize) -> PyResult<Bound<'py, PyBytes>> {
        let mut bytes = vec![0; len];
        let n = match crate::hook::read_memory(address, &mut bytes) {
            Some(read) => read,
            None => self.with_session(|s| Ok(s.read_memory(address, &mut bytes)))?,
        }
        .map_err(error)?;
        if n < len {
            return Err(error(rdb_engine::Error::MemoryAccess(address + n as u64)));
        }
        Ok(PyBytes::new(py, &bytes))
    }

    fn write(&mut self, address: u64, data: &[u8]) -> PyResult<()> {
        self.with_session(|s| s.write_memory(address, data).map_err(error))
    }

    /// A MASM expression's value on the thread of the last stop (`prog!banner`, `@rsp+8`, `poi(@rdi)`).
    fn eval(&mut self, expression: &str) -> PyResult<u64> {
        let tid = self.tid;
        self.with_session(|s| s.evaluate(tid, expression).map_err(error))
    }

    /// The stack of the thread of the last stop (or of `thread`, a tid), innermost frame first.
    #[pyo3(signature = (max = 64, thread = None))]
    fn stack(slf: &Bound<'_, Self>, max: usize, thread: Option<Tid>) -> PyResult<Vec<Frame>> {
        let mut this = slf.borrow_mut();
        let tid = thread.unwrap_or(this.tid);
        let frames = this.with_session(|s| s.frames(tid, max).map_err(error))?;
        Ok(frames.into_iter().map(|f| Frame::of(slf.clone().unbind(), tid, f)).collect())
    }

    #[getter]
    fn modules(&mut self) -> PyResult<Vec<Module>> {
        self.with_session(|s| Ok(s.modules.iter().map(Module::of).collect()))
    }

    #[getter]
    fn threads(slf: &Bound<'_, Self>) -> PyResult<Vec<Thread>> {
        let threads = slf.borrow_mut().with_session(|s| Ok(s.threads_info()))?;
        Ok(threads.into_iter().map(|t| Thread { dbg: slf.clone().unbind(), tid: t.tid, index: t.index }).collect())
    }

    /// The thread of the last stop (its tid); setting it chooses the thread `regs`, `stack()` and `eval()` mean.
    #[getter]
    fn get_thread(&self) -> Tid {
        self.tid
    }

    #[setter]
    fn set_thread(&mut self, tid: Tid) -> PyResult<()> {
        if !self.with_session(|s| Ok(s.threads().iter().any(|t| t.tid == tid)))? {
            return Err(error(rdb_engine::Error::NoSuchThread(tid)));
        }
        self.tid = tid;
        Ok(())
    }

    #[getter]
    fn pid(&mut self) -> PyResult<u32> {
        self.with_session(|s| Ok(s.pid()))
    }

    /// Whether the process is still there to debug.
    #[getter]
    fn alive(&mut self) -> PyResult<bool> {
        self.with_session(|s| Ok(s.is_live()))
    }

    /// Run a line of console commands (`k`, `dv`, `bl`, `u @rip L3`...) and return what they print.
    fn command(slf: &Bound<'_, Self>, line: &str) -> PyResult<String> {
        let text = {
            let mut this = slf.borrow_mut();
            this.engine()?;
            let Debugger { engine: Some(engine), console, .. } = &mut *this else {
                return Err(crate::Error::new_err("the debugger is running"));
            };
            let mut text: Vec<String> = Vec::new();
            let stops = engine.session().stop_count();
            console.run_line(engine, line, &mut text);
            // A command that ran the debuggee (`g`, `p`) moves to its stop's thread, as `run()` does.
            let session = engine.session();
            if session.is_live() && session.stop_count() != stops {
                this.tid = session.event_thread();
            }
            text
        };
        crate::run::deliver_notices(slf)?;
        Ok(text.join("\n"))
    }

    /// Let the process run on undebugged, every breakpoint taken out.
    fn detach(&mut self) -> PyResult<()> {
        self.engine()?.session_mut().detach().map_err(error)
    }

    /// End the process.
    fn kill(&mut self) -> PyResult<()> {
        self.engine()?.session_mut().kill().map_err(error)
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// Leaving a `with` block ends a launched process and detaches from an attached one.
    fn __exit__(&mut self, _kind: Py<PyAny>, _value: Py<PyAny>, _traceback: Py<PyAny>) -> PyResult<bool> {
        let session = self.engine()?.session_mut();
        if session.is_live() {
            session.end().map_err(error)?;
        }
        Ok(false)
    }

    fn __repr__(&self) -> String {
        let Some(engine) = self.engine.as_ref() else { return "<rdb.Debugger: running>".to_string() };
        let session = engine.session();
        match session.exe_path() {
            Some(path) if session.is_live() => format!("<rdb.Debugger pid {} {}>", session.pid(), path.display()),
            _ => "<rdb.Debugger: no process>".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accesses_are_the_consoles_letters() {
        assert_eq!(hw_access("e").ok(), Some(HwAccess::Execute));
        assert_eq!(hw_access("w").ok(), Some(HwAccess::Write));
        assert_eq!(hw_access("r").ok(), Some(HwAccess::ReadWrite));
        assert!(hw_access("x").is_err() && hw_access("we").is_err() && hw_access("").is_err());
        assert_eq!(mem_access("x").ok(), Some(MemAccess::Execute));
        assert_eq!(mem_access("a").ok(), Some(MemAccess::Any));
        assert!(mem_access("e").is_err() && mem_access("rw").is_err());
    }
}
