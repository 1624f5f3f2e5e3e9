//! Ctrl-C while `run()` waits for the debuggee: the engine blocks in its wait with Python's interpreter held, so
//! Python's own SIGINT handler only notes the signal. One watcher (`rdb_host::signals::watch_interrupts`, which
//! leaves Python's handler in place and called) interrupts every live debugger's `Breaker`: the one that runs
//! breaks in (an idle one ignores it), its `run()` returns, and Python then raises `KeyboardInterrupt` from the
//! signal it noted.

use std::collections::HashMap;
use std::sync::{Mutex, Once};

use rdb_engine::debugger::Breaker;

static BREAKERS: Mutex<Option<HashMap<u64, Breaker>>> = Mutex::new(None);
static WATCH: Once = Once::new();

/// A debugger's place among those Ctrl-C reaches, given up when dropped.
pub(crate) struct Registration(u64);

pub(crate) fn register(breaker: Breaker) -> Registration {
    WATCH.call_once(|| {
        rdb_host::signals::watch_interrupts(|| {
            if let Ok(breakers) = BREAKERS.lock() {
                breakers.iter().flat_map(|b| b.values()).for_each(Breaker::interrupt);
            }
        })
    });
    let mut breakers = BREAKERS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let map = breakers.get_or_insert_with(HashMap::new);
    let id = map.keys().max().map_or(0, |m| m + 1);
    map.insert(id, breaker);
    Registration(id)
}

impl Drop for Registration {
    fn drop(&mut self) {
        if let Ok(mut breakers) = BREAKERS.lock()
            && let Some(map) = breakers.as_mut()
        {
            map.remove(&self.0);
        }
    }
}
