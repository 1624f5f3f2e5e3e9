//! The data classes a script gets: a stop, an event, a breakpoint, a frame, a module, a thread, a thread's
//! registers and a struct's value. Each is the engine's data turned into attributes; those that ask the engine
//! again (`Frame.locals()`, `Breakpoint.remove()`, `Registers[...]`) hold their debugger.

use pyo3::exceptions::{PyAttributeError, PyKeyError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rdb_engine::regs::GPR_NAMES;
use rdb_engine::session::{self, Kind, Module as EngineModule, StackFrame, Stop, StopReason};
use rdb_engine::target::{ExceptionKind, ExitStatus, Tid};

use crate::debugger::Debugger;
use crate::error;

pub(crate) fn add_classes(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<StopInfo>()?;
    m.add_class::<Event>()?;
    m.add_class::<Breakpoint>()?;
    m.add_class::<Frame>()?;
    m.add_class::<Module>()?;
    m.add_class::<Thread>()?;
    m.add_class::<Registers>()?;
    m.add_class::<Struct>()?;
    Ok(())
}

/// An exception's kind as one word (`AccessViolation`, `IntegerDivideByZero`).
pub(crate) fn exception_name(kind: &ExceptionKind) -> String {
    let debug = format!("{kind:?}");
    debug.split([' ', '{', '(']).next().unwrap_or("Exception").to_string()
}

/// Why `run()` returned.
#[pyclass(module = "rdb", name = "Stop", frozen, get_all)]
pub struct StopInfo {
    /// `breakpoint`, `exception`, `exit`, `break_in`, `initial`, `step`, `event`, `snapshot` or `other_process`.
    reason: &'static str,
    pid: u32,
    tid: Tid,
    /// The breakpoints that stopped it, by id.
    breakpoints: Vec<u32>,
    /// The process's exit code (`reason == "exit"`), or the signal that ended it.
    exit_code: Option<i64>,
    signal: Option<i32>,
    /// For an exception: its kind, code, address and chance.
    exception: Option<String>,
    code: Option<u32>,
    address: Option<u64>,
    first_chance: Option<bool>,
}

impl StopInfo {
    pub(crate) fn of(_py: Python<'_>, stop: &Stop) -> PyResult<StopInfo> {
        let mut info = StopInfo {
            reason: "other_process",
            pid: stop.pid,
            tid: stop.tid,
            breakpoints: Vec::new(),
            exit_code: None,
            signal: None,
            exception: None,
            code: None,
            address: None,
            first_chance: None,
        };
        info.reason = match &stop.reason {
            StopReason::InitialBreakpoint => "initial",
            StopReason::Breakpoint(ids) => {
                info.breakpoints = ids.clone();
                "breakpoint"
            }
            StopReason::Step => "step",
            StopReason::Exception(e) => {
                info.exception = Some(exception_name(&e.kind));
                info.code = Some(e.kind.code());
                info.address = Some(e.address);
                info.first_chance = Some(e.first_chance);
                "exception"
            }
            StopReason::BreakIn { .. } => "break_in",
            StopReason::Event(_) => "event",
            StopReason::ProcessExited(ExitStatus::Code(c)) => {
                info.exit_code = Some(*c);
                "exit"
            }
            StopReason::ProcessExited(ExitStatus::Signal(s)) => {
                info.signal = Some(*s);
                "exit"
            }
            StopReason::Snapshot => "snapshot",
            StopReason::OtherProcess { .. } => "other_process",
        };
        Ok(info)
    }
}

#[pymethods]
impl StopInfo {
    fn __repr__(&self) -> String {
        match self.reason {
            "breakpoint" => format!("<rdb.Stop breakpoint {:?} tid {}>", self.breakpoints, self.tid),
            "exit" => match (self.exit_code, self.signal) {
                (Some(code), _) => format!("<rdb.Stop exit code {code}>"),
                (None, signal) => format!("<rdb.Stop exit signal {}>", signal.unwrap_or(0)),
            },
            "exception" => format!(
                "<rdb.Stop exception {} at {:#x}>",
                self.exception.as_deref().unwrap_or("?"),
                self.address.unwrap_or(0)
            ),
            reason => format!("<rdb.Stop {reason} tid {}>", self.tid),
        }
    }
}

/// What a handler is told: `event.kind`, and the event's fields as attributes (`event.path`, `event.tid`).
#[pyclass(module = "rdb", frozen)]
pub struct Event {
    #[pyo3(get)]
    kind: String,
    fields: Py<PyDict>,
}

impl Event {
    pub(crate) fn new(py: Python<'_>, kind: &str, fields: Vec<(&str, Py<PyAny>)>) -> PyResult<Py<Event>> {
        let dict = PyDict::new(py);
        for (name, value) in fields {
            dict.set_item(name, value)?;
        }
        Py::new(py, Event { kind: kind.to_string(), fields: dict.unbind() })
    }

    /// Breakpoint `id`'s hit on thread `tid` of process `pid`, at `address`.
    pub(crate) fn hit(py: Python<'_>, id: u32, pid: u32, tid: Tid, address: Option<u64>) -> PyResult<Py<Event>> {
        let fields = vec![
            ("id", id.into_pyobject(py)?.into_any().unbind()),
            ("pid", pid.into_pyobject(py)?.into_any().unbind()),
            ("tid", tid.into_pyobject(py)?.into_any().unbind()),
            ("address", address.into_pyobject(py)?.into_any().unbind()),
        ];
        Event::new(py, "breakpoint", fields)
    }
}

#[pymethods]
impl Event {
    fn __getattr__(&self, py: Python<'_>, name: &str) -> PyResult<Py<PyAny>> {
        match self.fields.bind(py).get_item(name)? {
            Some(v) => Ok(v.unbind()),
            None => Err(PyAttributeError::new_err(format!("a {} event has no '{name}'", self.kind))),
        }
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!("<rdb.Event {} {}>", self.kind, self.fields.bind(py).repr()?))
    }
}

/// One of the script's breakpoints, as it was when asked for.
#[pyclass(module = "rdb", frozen)]
pub struct Breakpoint {
    #[pyo3(get)]
    id: u32,
    /// `software`, `hardware` or `memory`.
    #[pyo3(get)]
    kind: &'static str,
    #[pyo3(get)]
    location: String,
    #[pyo3(get)]
    addresses: Vec<u64>,
    #[pyo3(get)]
    hits: u64,
    #[pyo3(get)]
    enabled: bool,
    #[pyo3(get)]
    condition: Option<String>,
    dbg: Py<Debugger>,
}

impl Breakpoint {
    pub(crate) fn of(dbg: Py<Debugger>, b: &session::Breakpoint) -> Breakpoint {
        Breakpoint {
            id: b.id,
            kind: match b.spec.kind {
                Kind::Software => "software",
                Kind::Hardware { .. } => "hardware",
                Kind::Memory { .. } => "memory",
            },
            location: b.spec.location.to_string(),
            addresses: b.addresses(),
            hits: b.hits,
            enabled: b.enabled,
            condition: b.spec.condition.as_ref().map(|c| c.text.clone()),
            dbg,
        }
    }
}

#[pymethods]
impl Breakpoint {
    /// Take the breakpoint out (its handler with it).
    fn remove(&self, py: Python<'_>) -> PyResult<()> {
        let mut dbg = self.dbg.bind(py).borrow_mut();
        dbg.handlers.remove(&self.id);
        if !dbg.with_session(|s| Ok(s.remove_breakpoint(self.id)))? {
            return Err(crate::Error::new_err(format!("no breakpoint {}", self.id)));
        }
        Ok(())
    }

    /// Whether it stops the debuggee: `enable(False)` keeps it, out of the debuggee.
    fn enable(&self, py: Python<'_>, on: bool) -> PyResult<()> {
        self.dbg.bind(py).borrow_mut().with_session(|s| s.enable_breakpoint(self.id, on).map_err(error))
    }

    fn __repr__(&self) -> String {
        format!("<rdb.Breakpoint {} {} at {} hits={}>", self.id, self.kind, self.location, self.hits)
    }
}

/// One frame of a thread's stack.
#[pyclass(module = "rdb", frozen)]
pub struct Frame {
    #[pyo3(get)]
    index: usize,
    #[pyo3(get)]
    pc: u64,
    #[pyo3(get)]
    sp: u64,
    /// The function's name (`add`), the module's (`prog`), the source file and line, where known.
    #[pyo3(get)]
    function: Option<String>,
    #[pyo3(get)]
    module: Option<String>,
    #[pyo3(get)]
    file: Option<String>,
    #[pyo3(get)]
    line: Option<u32>,
    /// Whether it is a call the compiler inlined.
    #[pyo3(get)]
    inlined: bool,
    #[pyo3(get)]
    tid: Tid,
    dbg: Py<Debugger>,
}

impl Frame {
    pub(crate) fn of(dbg: Py<Debugger>, tid: Tid, f: StackFrame) -> Frame {
        Frame {
            index: f.index,
            pc: f.pc,
            sp: f.sp,
            function: f.place.as_ref().and_then(|p| p.symbol.as_ref()).map(|s| s.name.clone()),
            module: f.place.map(|p| p.module),
            file: f.source.as_ref().map(|s| s.file.display().to_string()),
            line: f.source.map(|s| s.line),
            inlined: f.inlined.is_some(),
            tid,
            dbg,
        }
    }
}

#[pymethods]
impl Frame {
    /// The frame's parameters and locals by name, as Python values: int, float, str (a `char *`, a `char[]`),
    /// list (an array), `rdb.Struct` (a struct: its fields as attributes), `None` where there is no value.
    fn locals<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let mut dbg = self.dbg.bind(py).borrow_mut();
        let values = dbg.with_session(|s| {
            let frame = s.variables(self.tid, self.index).map_err(error)?;
            Ok(frame.variables.into_iter().map(|v| (s.native(&v.value, &v.summary), v.name)).collect::<Vec<_>>())
        })?;
        let dict = PyDict::new(py);
        for (native, name) in values {
            dict.set_item(name, crate::values::to_python(py, &native)?)?;
        }
        Ok(dict)
    }

    fn __repr__(&self) -> String {
        let name = match (&self.module, &self.function) {
            (Some(m), Some(f)) => format!("{m}!{f}"),
            (Some(m), None) => m.clone(),
            _ => format!("{:#x}", self.pc),
        };
        match (&self.file, self.line) {
            (Some(file), Some(line)) => format!("<rdb.Frame {} {name} {file}:{line}>", self.index),
            _ => format!("<rdb.Frame {} {name}>", self.index),
        }
    }
}

#[pyclass(module = "rdb", frozen, get_all)]
pub struct Module {
    name: String,
    path: String,
    base: u64,
    size: u64,
    end: u64,
}

impl Module {
    pub(crate) fn of(m: &EngineModule) -> Module {
        Module { name: m.name.clone(), path: m.path.display().to_string(), base: m.base, size: m.size, end: m.end() }
    }
}

#[pymethods]
impl Module {
    fn __repr__(&self) -> String {
        format!("<rdb.Module {} {:#x}-{:#x} {}>", self.name, self.base, self.end, self.path)
    }
}

#[pyclass(module = "rdb", frozen)]
pub struct Thread {
    #[pyo3(get)]
    pub(crate) tid: Tid,
    /// Its number as the console's `~` shows it.
    #[pyo3(get)]
    pub(crate) index: u32,
    pub(crate) dbg: Py<Debugger>,
}

#[pymethods]
impl Thread {
    /// The thread's registers (its context).
    #[getter]
    fn regs(&self, py: Python<'_>) -> Registers {
        Registers { dbg: self.dbg.clone_ref(py), tid: Some(self.tid) }
    }

    fn __repr__(&self) -> String {
        format!("<rdb.Thread {} tid {}>", self.index, self.tid)
    }
}

/// A thread's registers by name: `regs["rdi"]`, `regs["rdi"] = 7`; `dict(regs)` the general ones with `rip` and
/// `efl`.
#[pyclass(module = "rdb", frozen)]
pub struct Registers {
    pub(crate) dbg: Py<Debugger>,
    /// `None`: the debugger's current thread.
    pub(crate) tid: Option<Tid>,
}

impl Registers {
    fn read(&self, py: Python<'_>, name: &str) -> PyResult<u64> {
        let mut dbg = self.dbg.bind(py).borrow_mut();
        let tid = self.tid.unwrap_or(dbg.tid);
        // The hitting thread's registers, on the lazy path, cost no all-stop.
        let value = match crate::hook::thread() {
            Some(hit) if hit == tid => crate::hook::register(name).unwrap_or(Err(rdb_engine::Error::NoProcess)),
            _ => dbg.with_session(|s| Ok(s.register(tid, name)))?,
        };
        value.map_err(|e| PyKeyError::new_err(e.to_string()))
    }
}

#[pymethods]
impl Registers {
    fn __getitem__(&self, py: Python<'_>, name: &str) -> PyResult<u64> {
        self.read(py, name)
    }

    fn __setitem__(&self, py: Python<'_>, name: &str, value: u64) -> PyResult<()> {
        let mut dbg = self.dbg.bind(py).borrow_mut();
        let tid = self.tid.unwrap_or(dbg.tid);
        match crate::hook::thread() {
            Some(hit) if hit == tid => {
                crate::hook::set_register(name, value).unwrap_or(Err(rdb_engine::Error::NoProcess))
            }
            _ => dbg.with_session(|s| Ok(s.set_register(tid, name, value)))?,
        }
        .map_err(error)
    }

    fn __getattr__(&self, py: Python<'_>, name: &str) -> PyResult<u64> {
        self.read(py, name).map_err(|e| PyAttributeError::new_err(e.value(py).to_string()))
    }

    fn keys(&self) -> Vec<&'static str> {
        GPR_NAMES.iter().copied().chain(["rip", "efl"]).collect()
    }

    fn __contains__(&self, py: Python<'_>, name: &str) -> bool {
        self.read(py, name).is_ok()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let pairs = self
            .keys()
            .into_iter()
            .map(|k| Ok(format!("{k}={:#x}", self.read(py, k)?)))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(format!("<rdb.Registers {}>", pairs.join(" ")))
    }
}

/// A struct's value: its fields as attributes (`p.x`) and by name (`p["x"]`); `fields` all of them. A Rust
/// enum's value is the struct of the variant it holds: `variant` names it (`"Some"`), `None` for a struct.
#[pyclass(module = "rdb", frozen)]
pub struct Struct {
    #[pyo3(get)]
    pub(crate) type_name: String,
    pub(crate) fields: Py<PyDict>,
    #[pyo3(get)]
    pub(crate) variant: Option<String>,
}

#[pymethods]
impl Struct {
    #[getter]
    fn fields(&self, py: Python<'_>) -> Py<PyDict> {
        self.fields.clone_ref(py)
    }

    fn __getattr__(&self, py: Python<'_>, name: &str) -> PyResult<Py<PyAny>> {
        match self.fields.bind(py).get_item(name)? {
            Some(v) => Ok(v.unbind()),
            None => Err(PyAttributeError::new_err(format!("{} has no field '{name}'", self.type_name))),
        }
    }

    fn __getitem__(&self, py: Python<'_>, name: &str) -> PyResult<Py<PyAny>> {
        match self.fields.bind(py).get_item(name)? {
            Some(v) => Ok(v.unbind()),
            None => Err(PyKeyError::new_err(name.to_string())),
        }
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        match other.cast::<Struct>() {
            Ok(o) => Ok(self.variant == o.get().variant && self.fields.bind(py).eq(o.get().fields.bind(py))?),
            Err(_) => Ok(false),
        }
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let variant = self.variant.as_ref().map(|v| format!("::{v}")).unwrap_or_default();
        Ok(format!("<{}{variant} {}>", self.type_name, self.fields.bind(py).repr()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exception_is_named_by_its_kind_alone() {
        assert_eq!(exception_name(&ExceptionKind::IntegerDivideByZero { signal: Some(8) }), "IntegerDivideByZero");
        assert_eq!(exception_name(&ExceptionKind::BreakIn), "BreakIn");
        let fault = ExceptionKind::AccessViolation { fault_address: Some(0), write: None, signal: None };
        assert_eq!(exception_name(&fault), "AccessViolation");
    }
}
