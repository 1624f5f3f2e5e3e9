//! The engine's notices as the events `Debugger.on()` names, each with its fields as attributes.

use pyo3::BoundObject;
use pyo3::prelude::*;
use rdb_engine::session::Notice;
use rdb_engine::target::ExitStatus;

use crate::objects::Event;

/// The events `on()` takes.
pub(crate) const NAMES: [&str; 9] = [
    "module_loaded",
    "module_unloaded",
    "thread_created",
    "thread_exited",
    "process_exited",
    "exception",
    "output",
    "child_process",
    "breakpoint_resolved",
];

/// `notice` as an event: its name and the event object; `None` for what a script is not told (the engine's own
/// troubles, which the breakpoints or the stop show).
pub(crate) fn event(py: Python<'_>, notice: &Notice) -> PyResult<Option<(&'static str, Py<Event>)>> {
    let path = |p: &std::path::Path| p.display().to_string();
    let (name, fields): (&'static str, Vec<(&str, Py<PyAny>)>) = match notice {
        Notice::ModuleLoaded { base, end, path: p } => {
            ("module_loaded", vec![("base", any(py, *base)?), ("end", any(py, *end)?), ("path", any(py, path(p))?)])
        }
        Notice::ModuleUnloaded { base, path: p } => {
            ("module_unloaded", vec![("base", any(py, *base)?), ("path", any(py, path(p))?)])
        }
        Notice::ThreadCreated { pid, tid, index } => {
            ("thread_created", vec![("pid", any(py, *pid)?), ("tid", any(py, *tid)?), ("index", any(py, *index)?)])
        }
        Notice::ThreadExited { pid, tid, index, code } => (
            "thread_exited",
            vec![
                ("pid", any(py, *pid)?),
                ("tid", any(py, *tid)?),
                ("index", any(py, *index)?),
                ("code", any(py, *code)?),
            ],
        ),
        Notice::ProcessExited { pid, status, .. } => {
            let (code, signal) = match status {
                ExitStatus::Code(c) => (Some(*c), None),
                ExitStatus::Signal(s) => (None, Some(*s)),
            };
            (
                "process_exited",
                vec![("pid", any(py, *pid)?), ("exit_code", any(py, code)?), ("signal", any(py, signal)?)],
            )
        }
        Notice::Exception { pid, tid, exception } => (
            "exception",
            vec![
                ("pid", any(py, *pid)?),
                ("tid", any(py, *tid)?),
                ("name", any(py, crate::objects::exception_name(&exception.kind))?),
                ("code", any(py, exception.kind.code())?),
                ("address", any(py, exception.address)?),
                ("first_chance", any(py, exception.first_chance)?),
            ],
        ),
        Notice::DebugString { text } => ("output", vec![("text", any(py, text.clone())?)]),
        Notice::ChildProcess { pid, child, followed, .. } => (
            "child_process",
            vec![("pid", any(py, *pid)?), ("child", any(py, *child)?), ("followed", any(py, *followed)?)],
        ),
        Notice::BreakpointResolved { id, addresses } => {
            ("breakpoint_resolved", vec![("id", any(py, *id)?), ("addresses", any(py, addresses.clone())?)])
        }
        _ => return Ok(None),
    };
    Ok(Some((name, Event::new(py, name, fields)?)))
}

fn any<'py, T: IntoPyObject<'py>>(py: Python<'py>, value: T) -> PyResult<Py<PyAny>> {
    Ok(value.into_pyobject(py).map_err(Into::into)?.into_any().unbind())
}
