//! Handlers run on the engine's lazy path (`rdb_engine::session::hooks`): while the engine waits in `run()`, a
//! breakpoint hit that would stop is handed to the handler with only the hitting thread stopped. The engine is then
//! out of the `Debugger` (inside its own wait), so the handler's `dbg` reaches it through the hit, which this file
//! keeps for the length of the handler's call: the hitting thread's registers and the memory lazily, anything else
//! through `LazyHit::session` (every thread stopped first, the hit then a stop of its own).

use std::cell::Cell;
use std::ptr::NonNull;

use pyo3::prelude::*;
use rdb_engine::session::{LazyHit, Session};
use rdb_engine::target::Tid;

thread_local! {
    /// The hit whose handler runs on this thread, for the length of the call.
    static HIT: Cell<Option<NonNull<LazyHit<'static>>>> = const { Cell::new(None) };
}

/// Run `f` (the handler's call) with `hit` reachable from the handler's `dbg`.
pub(crate) fn with_hit<R>(hit: &mut LazyHit<'_>, f: impl FnOnce() -> R) -> R {
    let pointer = NonNull::from(hit).cast::<LazyHit<'static>>();
    let outer = HIT.with(|h| h.replace(Some(pointer)));
    let result = f();
    HIT.with(|h| h.set(outer));
    result
}

/// `f` on the hit being handled, if one is.
fn on_hit<R>(f: impl FnOnce(&mut LazyHit<'static>) -> R) -> Option<R> {
    let pointer = HIT.with(Cell::get)?;
    // SAFETY: the pointer is set only by `with_hit`, for the length of the call it makes on this thread (the
    // thread-local is this thread's), from a `&mut LazyHit` that outlives that call; the engine does not touch the
    // hit while the handler runs (it waits for the hook to return), and every use here ends before the next, so no
    // two `&mut` to it live at once. The `'static` is never handed out beyond the reference's own use below.
    let hit = unsafe { &mut *pointer.as_ptr() };
    Some(f(hit))
}

/// The thread of the hit being handled.
pub(crate) fn thread() -> Option<Tid> {
    on_hit(|hit| hit.tid)
}

/// A register of the hitting thread, lazily.
pub(crate) fn register(name: &str) -> Option<rdb_engine::Result<u64>> {
    on_hit(|hit| hit.register(name))
}

pub(crate) fn set_register(name: &str, value: u64) -> Option<rdb_engine::Result<()>> {
    on_hit(|hit| hit.set_register(name, value))
}

pub(crate) fn read_memory(address: u64, buf: &mut [u8]) -> Option<rdb_engine::Result<usize>> {
    on_hit(|hit| hit.read_memory(address, buf))
}

/// `f` on the whole session, through the hit being handled (every thread stopped first).
pub(crate) fn with_session<R>(f: impl FnOnce(&mut Session) -> PyResult<R>) -> Option<PyResult<R>> {
    on_hit(|hit| match hit.session() {
        Ok(session) => f(session),
        Err(e) => Err(crate::error(e)),
    })
}
