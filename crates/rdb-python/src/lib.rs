//! rdb from Python 3: the `rdb` extension module. It is a front end like the console: it parses Python calls into
//! the engine's calls on the same façade (`rdb_engine::debugger::Debugger` and its `Session`s) and turns the
//! engine's data into Python objects. No judgement lives here: a breakpoint's location is read by
//! `Location::parse`, its condition compiled by the engine, a frame's values made plain by `Session::native`, and
//! `command()` runs the console itself (`rdb_windbg::Console`).
//!
//! ```python
//! import rdb
//! d = rdb.launch("./prog", args=["1000"])
//! d.bp("prog!add", handler=lambda dbg, ev: print(dbg.regs["rdi"]))
//! stop = d.run()
//! ```
//!
//! Files: `debugger.rs` the `Debugger` class (one engine `Debugger`, driven from the thread that made it), `run.rs`
//! its `run()` (handlers called per hit), `objects.rs` the data classes, `values.rs` engine values as Python values,
//! `events.rs` the engine's notices as events, `interrupt.rs` Ctrl-C.

mod debugger;
mod events;
mod hook;
mod interrupt;
mod objects;
mod run;
mod values;

use pyo3::prelude::*;

pub use debugger::Debugger;

pyo3::create_exception!(rdb, Error, pyo3::exceptions::PyException, "An error of the debugger, in one line.");

/// The engine's error as `rdb.Error`, its one line as the message.
pub(crate) fn error(e: rdb_engine::Error) -> PyErr {
    Error::new_err(e.to_string())
}

/// What a handler returns to stop `run()` (`rdb.STOP`); anything else lets the debuggee run on.
#[pyclass(module = "rdb", frozen)]
pub struct StopRequest;

#[pymethods]
impl StopRequest {
    fn __repr__(&self) -> &'static str {
        "rdb.STOP"
    }
}

/// Launch `program` with `args`, stopped at its initial breakpoint.
#[pyfunction]
#[pyo3(signature = (program, args = None))]
fn launch(py: Python<'_>, program: std::path::PathBuf, args: Option<Vec<String>>) -> PyResult<Py<Debugger>> {
    Py::new(py, Debugger::launch(program, args.unwrap_or_default())?)
}

/// Attach to the running process `pid`, stopped.
#[pyfunction]
fn attach(py: Python<'_>, pid: u32) -> PyResult<Py<Debugger>> {
    Py::new(py, Debugger::attach(pid)?)
}

#[pymodule(name = "rdb")]
fn rdb_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(launch, m)?)?;
    m.add_function(wrap_pyfunction!(attach, m)?)?;
    m.add("Error", m.py().get_type::<Error>())?;
    m.add("STOP", Py::new(m.py(), StopRequest)?)?;
    m.add_class::<Debugger>()?;
    m.add_class::<StopRequest>()?;
    objects::add_classes(m)?;
    Ok(())
}
