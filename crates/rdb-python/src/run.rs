//! `Debugger.run()`: the engine runs the debuggee to its next stop; a stop at breakpoints that all have handlers
//! calls them (`handler(dbg, event)`) and runs on unless one returns `rdb.STOP`. No borrow of the debugger is held
//! while Python code runs, so a handler uses `dbg` freely (registers, memory, stack, new breakpoints). The engine's
//! notices go to `on()`'s handlers after each engine stop, in the order they came. A handler's exception stops
//! `run()` and propagates with the debuggee stopped where it was; so does Ctrl-C (`interrupt.rs`).

use pyo3::prelude::*;
use rdb_engine::session::{Notice, Resumption, StopReason};

use crate::debugger::Debugger;
use crate::objects::{Event, StopInfo};
use crate::{StopRequest, error};

pub(crate) fn run(slf: &Bound<'_, Debugger>) -> PyResult<StopInfo> {
    let py = slf.py();
    loop {
        let result = {
            let mut this = slf.borrow_mut();
            let engine = OnThisThread(&mut this.engine);
            // Python's other threads run while the debuggee does (a timer, a GUI); this one waits in the engine.
            py.detach(move || OnThisThread(engine.into_inner().run(Resumption::Go { status: None }))).into_inner()
        };
        if let Ok(stop) = &result
            && slf.borrow().engine.session().is_live()
        {
            slf.borrow_mut().tid = stop.tid;
        }
        let mut stop_requested = deliver_notices(slf)?;
        // A Ctrl-C heard while the engine waited broke in; Python's own handler raises it now.
        py.check_signals()?;
        let stop = result.map_err(error)?;
        if let StopReason::Breakpoint(ids) = &stop.reason
            && let Some(handlers) = handlers_of(slf, ids)
        {
            for (id, handler) in handlers {
                let address = slf.borrow().engine.session().breakpoints().get(id).and_then(|b| b.last_hit);
                let event = Event::hit(py, id, &stop, address)?;
                let answer = handler.call1(py, (slf, event))?;
                stop_requested |= answer.bind(py).is_instance_of::<StopRequest>();
            }
            if !stop_requested {
                continue;
            }
        }
        return StopInfo::of(py, &stop);
    }
}

/// The handlers of breakpoints `ids`, when every one of them has one (a breakpoint without stops as it is).
fn handlers_of(slf: &Bound<'_, Debugger>, ids: &[u32]) -> Option<Vec<(u32, Py<PyAny>)>> {
    let this = slf.borrow();
    let py = slf.py();
    ids.iter().map(|id| this.handlers.get(id).map(|h| (*id, h.clone_ref(py)))).collect()
}

/// Hand the notices that came since the last time to `on()`'s handlers. `true` if one returned `rdb.STOP`.
pub(crate) fn deliver_notices(slf: &Bound<'_, Debugger>) -> PyResult<bool> {
    let py = slf.py();
    let notices: Vec<Notice> = std::mem::take(&mut *slf.borrow().notices.borrow_mut());
    let mut stop = false;
    for notice in notices {
        let Some((name, event)) = crate::events::event(py, &notice)? else { continue };
        let handlers: Vec<Py<PyAny>> = match slf.borrow().listeners.get(name) {
            Some(list) => list.iter().map(|h| h.clone_ref(py)).collect(),
            None => continue,
        };
        for handler in handlers {
            let answer = handler.call1(py, (slf, event.clone_ref(py)))?;
            stop |= answer.bind(py).is_instance_of::<StopRequest>();
        }
    }
    Ok(stop)
}

/// A value handed to the closure `Python::detach` runs, which must be `Send`: the engine and its result.
struct OnThisThread<T>(T);

// SAFETY: `Python::detach` runs its closure on the calling thread and returns its result there: the engine (which
// ptrace ties to this thread) and what it returns never reach another thread.
unsafe impl<T> Send for OnThisThread<T> {}

impl<T> OnThisThread<T> {
    /// The value itself (taken through a method, so a closure captures the wrapper whole, not its field).
    fn into_inner(self) -> T {
        self.0
    }
}
