//! `Debugger.run()`. Handlers run in one of two places, each hit's handler once:
//! - on the engine's lazy path (`hook.rs`): while the engine waits, a hit of a breakpoint with a handler is handed
//!   to it with only the hitting thread stopped; a handler that reads that thread's registers and memory and does
//!   not return `rdb.STOP` costs no all-stop and no stop (the hit is counted, the debuggee runs on);
//! - at a stop, for the hits the engine could not pass lazily (a step under way, an internal breakpoint there) or
//!   whose handler reached for more (another thread, the stack: the engine stopped everything first): the stop
//!   names the breakpoints, `Session::hooked` those whose handler already ran and what it said; the others' run
//!   now, and `run()` goes on unless one says `rdb.STOP` or a breakpoint without a handler is among them.
//!
//! No borrow of the debugger is held while Python runs, so a handler uses `dbg` freely (except `run()`,
//! `command()`, `detach()`, `kill()`). The engine's notices go to `on()`'s handlers after each engine stop, in
//! order. A handler's exception stops `run()` and propagates with the debuggee stopped at the hit; so does Ctrl-C
//! (`interrupt.rs`). Python's other threads run while the engine waits (the interpreter is released).

use pyo3::prelude::*;
use rdb_engine::session::{HitAnswer, HitHook, LazyHit, Notice, Resumption, StopReason};

use crate::debugger::Debugger;
use crate::objects::{Event, StopInfo};
use crate::{StopRequest, error};

pub(crate) fn run(slf: &Bound<'_, Debugger>) -> PyResult<StopInfo> {
    let py = slf.py();
    slf.borrow_mut().engine()?;
    loop {
        let (result, hooked) = {
            let Some(mut engine) = slf.borrow_mut().engine.take() else {
                return Err(crate::Error::new_err("the debugger is running"));
            };
            engine.session_mut().set_hit_hook(Some(hook(slf.clone().unbind())));
            let running = OnThisThread(&mut engine);
            // Python's other threads run while the debuggee does (a timer, a GUI); this one waits in the engine,
            // taking the interpreter back for each handler it calls.
            let result =
                py.detach(move || OnThisThread(running.into_inner().run(Resumption::Go { status: None }))).into_inner();
            engine.session_mut().set_hit_hook(None);
            let hooked = engine.session().hooked().to_vec();
            slf.borrow_mut().engine = Some(engine);
            (result, hooked)
        };
        if let Ok(stop) = &result
            && slf.borrow_mut().with_session(|s| Ok(s.is_live()))?
        {
            slf.borrow_mut().tid = stop.tid;
        }
        let mut stop_requested = deliver_notices(slf)?;
        // A handler's exception on the lazy path made this stop.
        if let Some(e) = slf.borrow_mut().pending_error.take() {
            return Err(e);
        }
        // A Ctrl-C heard while the engine waited broke in; Python's own handler raises it now.
        py.check_signals()?;
        let stop = result.map_err(error)?;
        if let StopReason::Breakpoint(ids) = &stop.reason {
            let mut unhandled = false;
            for id in ids {
                if let Some((_, answer)) = hooked.iter().find(|(h, _)| h == id) {
                    stop_requested |= *answer == HitAnswer::Stop;
                    continue;
                }
                let handler = slf.borrow().handlers.get(id).map(|h| h.clone_ref(py));
                let Some(handler) = handler else {
                    unhandled = true;
                    continue;
                };
                let address =
                    slf.borrow_mut().with_session(|s| Ok(s.breakpoints().get(*id).and_then(|b| b.last_hit)))?;
                let event = Event::hit(py, *id, stop.pid, stop.tid, address)?;
                stop_requested |= call(slf, &handler, event)? == HitAnswer::Stop;
            }
            if !unhandled && !stop_requested {
                continue;
            }
        }
        return StopInfo::of(py, &stop);
    }
}

/// Call `handler(dbg, event)`, `dbg` marked as inside a handler meanwhile.
fn call(slf: &Bound<'_, Debugger>, handler: &Py<PyAny>, event: Py<Event>) -> PyResult<HitAnswer> {
    let py = slf.py();
    let outer = std::mem::replace(&mut slf.borrow_mut().in_handler, true);
    let answer = handler.call1(py, (slf, event));
    slf.borrow_mut().in_handler = outer;
    let stop = answer?.bind(py).is_instance_of::<StopRequest>();
    Ok(if stop { HitAnswer::Stop } else { HitAnswer::Continue })
}

/// The engine's hook: a hit of a breakpoint with a handler, on the lazy path.
fn hook(dbg: Py<Debugger>) -> HitHook {
    Box::new(move |hit: &mut LazyHit<'_>| {
        Python::attach(|py| {
            let slf = dbg.bind(py);
            let handler = slf.borrow().handlers.get(&hit.id).map(|h| h.clone_ref(py))?;
            slf.borrow_mut().tid = hit.tid;
            let answer = Event::hit(py, hit.id, hit.pid, hit.tid, Some(hit.address))
                .and_then(|event| crate::hook::with_hit(hit, || call(slf, &handler, event)));
            match answer {
                Ok(answer) => Some(answer),
                Err(e) => {
                    // Raised by `run()` at the stop this makes.
                    slf.borrow_mut().pending_error = Some(e);
                    Some(HitAnswer::Stop)
                }
            }
        })
    })
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
            stop |= call(slf, &handler, event.clone_ref(py))? == HitAnswer::Stop;
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
