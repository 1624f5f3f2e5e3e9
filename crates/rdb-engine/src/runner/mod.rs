//! A [`Debugger`] on a thread of its own, for the front ends that must answer requests while the debuggee runs: a
//! DAP server (`threads`, `setBreakpoints` and `pause` arrive at any time), a gdb server, Python. Requests go in as
//! closures run on the debugger's thread ([`Runner::call`]); what the debugger reports comes out as [`Update`]s:
//! notices as they happen and the stop that ends each run. The console does not need this: it blocks while the
//! debuggee runs and breaks in with its `Breaker`.
//!
//! ptrace serves only the thread that launched or attached, so the debugger is built, driven and dropped on the
//! runner's thread. A request made while the debuggee runs pauses it — a break-in that no front end sees — runs,
//! and lets the run carry on exactly where it was ([`Resumption::Again`]: a step still steps, a `p` over a call
//! still stops at its return). A break-in the front end asked for ([`Runner::pause`]) is a stop it sees.

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;

use crate::debugger::{Breaker, Debugger};
use crate::error::{Error, Result};
use crate::session::{Listener, Notice, Resumption, Stop, StopReason};

/// What the debugger's thread reports, in the order it happened.
#[derive(Debug, Clone, PartialEq)]
pub enum Update {
    /// A notice (a module loaded, a thread created, a debug string...).
    Notice(Notice),
    /// A run ended: its stop, or why it could not run.
    Stopped(Result<Stop>),
}

type Call = Box<dyn FnOnce(&mut Debugger) + Send>;

enum Request {
    Call(Call),
    Resume(Resumption),
}

/// What the front end's threads and the debugger's thread share. An interrupt sent before the debugger has
/// resumed the debuggee reaches nothing, so after every resume the debugger's thread looks here and interrupts
/// itself if anyone is waiting for it.
#[derive(Default)]
struct Shared {
    /// A run is under way (from a `resume` until its stop is reported).
    running: AtomicBool,
    /// The front end asked for the next break-in to be a stop it sees.
    pause: AtomicBool,
    /// Calls sent and not yet served (counted after sending, so briefly negative when served first).
    pending: AtomicIsize,
    /// The front end is gone: end the run and the debugger.
    closing: AtomicBool,
}

impl Shared {
    /// Whether someone waits for the running debuggee to stop.
    fn wanted(&self) -> bool {
        self.pending.load(Ordering::SeqCst) > 0
            || self.pause.load(Ordering::SeqCst)
            || self.closing.load(Ordering::SeqCst)
    }
}

pub struct Runner {
    requests: Option<Sender<Request>>,
    shared: Arc<Shared>,
    breaker: Breaker,
    thread: Option<JoinHandle<()>>,
}

impl Runner {
    /// Start a debugger on a thread of its own. `make` builds it there, given the listener to build it with (it
    /// turns notices into [`Update::Notice`]); `Err` if `make` fails. The updates come out of the receiver.
    pub fn start(
        make: impl FnOnce(Listener) -> Result<Debugger> + Send + 'static,
    ) -> Result<(Runner, Receiver<Update>)> {
        let (requests, incoming) = mpsc::channel::<Request>();
        let (updates, outgoing) = mpsc::channel::<Update>();
        let (ready, started) = mpsc::channel::<Result<Breaker>>();
        let shared = Arc::new(Shared::default());
        let serving = shared.clone();
        let thread = std::thread::Builder::new()
            .name("rdb-debugger".into())
            .spawn(move || {
                let notices = updates.clone();
                let listener: Listener = Box::new(move |n: &Notice| {
                    let _ = notices.send(Update::Notice(n.clone()));
                });
                let debugger = match make(listener) {
                    Ok(d) => d,
                    Err(e) => {
                        let _ = ready.send(Err(e));
                        return;
                    }
                };
                let _ = ready.send(Ok(debugger.breaker()));
                Serve { debugger, incoming, updates, shared: serving }.serve();
            })
            .map_err(|e| crate::err!("cannot start the debugger's thread: {e}"))?;
        let breaker = started.recv().map_err(|_| gone())??;
        let runner = Runner { requests: Some(requests), shared, breaker, thread: Some(thread) };
        Ok((runner, outgoing))
    }

    /// Run `f` on the debugger's thread and return what it returns. While the debuggee runs, it is paused for the
    /// call and then carries on; no stop is reported for the pause.
    pub fn call<R: Send + 'static>(&self, f: impl FnOnce(&mut Debugger) -> R + Send + 'static) -> Result<R> {
        let (reply, answer) = mpsc::channel();
        let call: Call = Box::new(move |d: &mut Debugger| {
            let _ = reply.send(f(d));
        });
        self.send(Request::Call(call))?;
        self.shared.pending.fetch_add(1, Ordering::SeqCst);
        if self.shared.running.load(Ordering::SeqCst) {
            self.breaker.interrupt();
        }
        answer.recv().map_err(|_| gone())
    }

    /// Let the debuggee run as `how` says. Returns at once; the run's stop comes as an [`Update::Stopped`].
    pub fn resume(&self, how: Resumption) -> Result<()> {
        // Marked here, not on the debugger's thread, so a `pause` right after this call finds the run under way.
        if self.shared.running.swap(true, Ordering::SeqCst) {
            return Err(crate::err!("the debuggee is already running"));
        }
        self.send(Request::Resume(how)).inspect_err(|_| self.shared.running.store(false, Ordering::SeqCst))
    }

    /// Break into the running debuggee: its run ends in a break-in stop. Nothing while it is stopped.
    pub fn pause(&self) {
        if self.shared.running.load(Ordering::SeqCst) {
            self.shared.pause.store(true, Ordering::SeqCst);
            self.breaker.interrupt();
        }
    }

    /// Whether a run is under way (its stop not reported yet).
    pub fn is_running(&self) -> bool {
        self.shared.running.load(Ordering::SeqCst)
    }

    fn send(&self, request: Request) -> Result<()> {
        self.requests.as_ref().and_then(|r| r.send(request).ok()).ok_or_else(gone)
    }
}

impl Drop for Runner {
    /// The debugger ends on its own thread: a launched debuggee is killed, an attached one detached clean.
    fn drop(&mut self) {
        self.requests = None;
        self.shared.closing.store(true, Ordering::SeqCst);
        if self.shared.running.load(Ordering::SeqCst) {
            self.breaker.interrupt();
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn gone() -> Error {
    crate::err!("the debugger's thread has ended")
}

/// The debugger's side: requests in, updates out.
struct Serve {
    debugger: Debugger,
    incoming: Receiver<Request>,
    updates: Sender<Update>,
    shared: Arc<Shared>,
}

impl Serve {
    /// Serve requests until the front end goes away (the runner is dropped); then the debugger is dropped here,
    /// which ends every process as `q` would.
    fn serve(mut self) {
        while let Ok(request) = self.incoming.recv() {
            match request {
                Request::Call(call) => self.serve_call(call),
                Request::Resume(how) => {
                    let stopped = self.run(how);
                    self.shared.running.store(false, Ordering::SeqCst);
                    self.shared.pause.store(false, Ordering::SeqCst);
                    if self.updates.send(Update::Stopped(stopped)).is_err() {
                        return;
                    }
                }
            }
        }
    }

    /// One run, from the resume to the stop the front end sees; requests that arrive meanwhile are served in
    /// pauses it does not see. `Err` also when the front end went away mid-run (the debuggee is stopped then).
    fn run(&mut self, how: Resumption) -> Result<Stop> {
        let mut stop = self.resume(how)?;
        loop {
            let s = match stop.take() {
                Some(s) => s,
                None => self.debugger.wait()?,
            };
            let quiet = matches!(s.reason, StopReason::BreakIn { .. }) && !self.shared.pause.load(Ordering::SeqCst);
            if !quiet || self.shared.closing.load(Ordering::SeqCst) {
                return Ok(s);
            }
            if !self.serve_pending() {
                return Err(gone());
            }
            stop = self.resume(Resumption::Again)?;
        }
    }

    /// Resume the debugger; if someone was already waiting for it to stop, interrupt it at once (their own
    /// interrupt may have come before there was anything running to reach).
    fn resume(&mut self, how: Resumption) -> Result<Option<Stop>> {
        let stop = self.debugger.resume(how)?;
        if stop.is_none() && self.shared.wanted() {
            self.debugger.breaker().interrupt();
        }
        Ok(stop)
    }

    fn serve_call(&mut self, call: Call) {
        call(&mut self.debugger);
        self.shared.pending.fetch_sub(1, Ordering::SeqCst);
    }

    /// Serve every request waiting, the debuggee stopped. `false` if the front end is gone.
    fn serve_pending(&mut self) -> bool {
        loop {
            match self.incoming.try_recv() {
                Ok(Request::Call(call)) => self.serve_call(call),
                Ok(Request::Resume(_)) => {
                    let busy = crate::err!("the debuggee is already running");
                    let _ = self.updates.send(Update::Stopped(Err(busy)));
                }
                Err(mpsc::TryRecvError::Empty) => return true,
                Err(mpsc::TryRecvError::Disconnected) => return false,
            }
        }
    }
}
