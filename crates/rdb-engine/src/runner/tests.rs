//! The runner against a fake process that spins until it is interrupted or reaches a breakpoint: requests served
//! while it runs pause it unseen and the run carries on; a pause the front end asks for is a stop it sees.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use super::*;
use crate::debugger::{Host, Launch};
use crate::regs::{DebugRegisters, Registers};
use crate::session::{Kind, Location, Owner, Spec};
use crate::target::{
    ContinueStatus, Event, EventKind, Exception, ExceptionKind, Execution, Interrupter, Pid, Region, Resume, Target,
    Tid,
};

const PID: Pid = 7;
const TID: Tid = 7;
const EXE: u64 = 0x40_0000;
/// The loader's own int3: the initial breakpoint, as Windows reports it.
const LOADER: u64 = 0x7000_0000;
/// The function the program calls over and over.
const FUNC: u64 = EXE + 0x1100;

/// What the fake process and the test share.
#[derive(Default)]
struct World {
    memory: BTreeMap<u64, u8>,
    /// Events reported so far.
    events: usize,
    /// An interrupt is pending (the SIGSTOP sent, not taken yet).
    interrupted: bool,
    /// Break-ins reported.
    break_ins: usize,
    killed: bool,
}

#[derive(Clone, Default)]
struct Shared(Arc<(Mutex<World>, Condvar)>);

impl Shared {
    fn world(&self) -> std::sync::MutexGuard<'_, World> {
        self.0.0.lock().unwrap()
    }
}

impl Interrupter for Shared {
    fn interrupt(&self) {
        self.world().interrupted = true;
        self.0.1.notify_all();
    }
}

/// A process that calls `FUNC` forever: it stops only at an int3 there or when interrupted.
struct Spinner {
    shared: Shared,
    regs: Registers,
}

impl Spinner {
    fn event(kind: EventKind) -> Event {
        Event { pid: PID, tid: TID, kind }
    }

    fn exception(kind: ExceptionKind, address: u64) -> Event {
        Spinner::event(EventKind::Exception(Exception { kind, address, first_chance: true }))
    }
}

impl Target for Spinner {
    fn pid(&self) -> Pid {
        PID
    }
    fn read_memory(&mut self, address: u64, buf: &mut [u8]) -> Result<usize> {
        let world = self.shared.world();
        for (i, b) in buf.iter_mut().enumerate() {
            *b = world.memory.get(&(address + i as u64)).copied().unwrap_or(0x90);
        }
        Ok(buf.len())
    }
    fn registers(&mut self, _tid: Tid) -> Result<Registers> {
        Ok(self.regs)
    }
    fn threads(&self) -> Vec<Tid> {
        vec![TID]
    }
    fn memory_regions(&mut self) -> Result<Vec<Region>> {
        Ok(Vec::new())
    }
    fn execution(&mut self) -> Option<&mut dyn Execution> {
        Some(self)
    }
}

impl Execution for Spinner {
    fn wait_event(&mut self) -> Result<Event> {
        let shared = self.shared.clone();
        let mut world = shared.world();
        world.events += 1;
        match world.events {
            1 => {
                let path = PathBuf::from("/nonexistent/spinner");
                return Ok(Spinner::event(EventKind::ProcessCreated {
                    image_base: EXE,
                    image_size: 0x10000,
                    entry: EXE + 0x1000,
                    path,
                }));
            }
            2 => {
                self.regs.rip = LOADER + 1;
                return Ok(Spinner::exception(ExceptionKind::Breakpoint, LOADER));
            }
            _ => {}
        }
        loop {
            if world.interrupted {
                world.interrupted = false;
                world.break_ins += 1;
                return Ok(Spinner::exception(ExceptionKind::BreakIn, self.regs.rip));
            }
            if world.memory.get(&FUNC) == Some(&0xcc) {
                self.regs.rip = FUNC + 1;
                return Ok(Spinner::exception(ExceptionKind::Breakpoint, FUNC));
            }
            let (w, timeout) = shared.0.1.wait_timeout(world, Duration::from_secs(10)).unwrap();
            world = w;
            assert!(!timeout.timed_out(), "the spinner waited 10 s for a breakpoint or an interrupt");
        }
    }
    fn resume(&mut self, _status: ContinueStatus, _how: Resume) -> Result<()> {
        // The program runs on inside FUNC's loop.
        self.regs.rip = EXE + 0x1200;
        Ok(())
    }
    fn write_memory(&mut self, address: u64, data: &[u8]) -> Result<()> {
        let mut world = self.shared.world();
        for (i, b) in data.iter().enumerate() {
            world.memory.insert(address + i as u64, *b);
        }
        self.shared.0.1.notify_all();
        Ok(())
    }
    fn set_registers(&mut self, _tid: Tid, regs: &Registers) -> Result<()> {
        self.regs = *regs;
        Ok(())
    }
    fn debug_registers(&mut self, _tid: Tid) -> Result<DebugRegisters> {
        Ok(DebugRegisters::default())
    }
    fn set_debug_registers(&mut self, _tid: Tid, _regs: &DebugRegisters) -> Result<()> {
        Ok(())
    }
    fn interrupter(&self) -> Arc<dyn Interrupter> {
        Arc::new(self.shared.clone())
    }
    fn detach(&mut self) -> Result<()> {
        Ok(())
    }
    fn kill(&mut self) -> Result<()> {
        self.shared.world().killed = true;
        Ok(())
    }
    fn launched(&self) -> bool {
        true
    }
    fn os_initial_breakpoint(&self) -> bool {
        true
    }
}

/// Targets come only from the test.
struct NoHost;

impl Host for NoHost {
    fn launch(&mut self, _: &Launch, _: bool) -> Result<Box<dyn Target>> {
        Err(crate::err!("no host in this test"))
    }
    fn attach(&mut self, _: Pid) -> Result<Box<dyn Target>> {
        Err(crate::err!("no host in this test"))
    }
    fn command_line(&self, launch: &Launch) -> String {
        launch.program.display().to_string()
    }
}

/// A runner over a spinner stopped at its initial breakpoint, the updates so far drained.
fn started() -> (Runner, Receiver<Update>, Shared) {
    let shared = Shared::default();
    shared.world().memory.insert(LOADER, 0xcc);
    let process = shared.clone();
    let (runner, updates) = Runner::start(move |listener| {
        let mut debugger = Debugger::new(Box::new(NoHost), listener);
        let spinner = Spinner { shared: process, regs: Registers { rip: LOADER, ..Default::default() } };
        let stop = debugger.open(Box::new(spinner))?;
        assert_eq!(stop.reason, StopReason::InitialBreakpoint);
        Ok(debugger)
    })
    .unwrap();
    while updates.try_recv().is_ok() {}
    (runner, updates, shared)
}

/// The next stop among the updates (notices skipped).
fn next_stop(updates: &Receiver<Update>) -> Result<Stop> {
    loop {
        match updates.recv_timeout(Duration::from_secs(10)).expect("an update within 10 s") {
            Update::Stopped(stop) => return stop,
            Update::Notice(_) => {}
        }
    }
}

fn add_breakpoint_on_func(d: &mut Debugger) -> Result<u32> {
    let spec = Spec::new(Owner::Dap, Kind::Software, Location::Expr(format!("{FUNC:#x}")));
    d.session_mut().add_breakpoint(TID, spec)
}

#[test]
fn a_call_while_running_pauses_unseen_and_the_run_carries_on() {
    let (runner, updates, shared) = started();
    runner.resume(Resumption::Go { status: None }).unwrap();
    assert!(runner.is_running());
    std::thread::sleep(Duration::from_millis(20));
    // Set while the program runs: the debuggee is paused for it, then runs on into the new breakpoint.
    let id = runner.call(add_breakpoint_on_func).unwrap().unwrap();
    let stop = next_stop(&updates).unwrap();
    assert_eq!(stop.reason, StopReason::Breakpoint(vec![id]), "no break-in is shown for the pause");
    assert!(shared.world().break_ins >= 1, "the call paused the debuggee");
    assert!(!runner.is_running());
    let rip = runner.call(|d| d.session_mut().registers(TID).map(|r| r.rip)).unwrap().unwrap();
    assert_eq!(rip, FUNC);
}

#[test]
fn a_call_while_stopped_runs_at_once_without_pausing() {
    let (runner, _updates, shared) = started();
    let threads = runner.call(|d| d.session().threads().len()).unwrap();
    assert_eq!(threads, 1);
    assert_eq!(shared.world().break_ins, 0);
}

#[test]
fn a_pause_the_front_end_asks_for_is_a_stop_it_sees() {
    let (runner, updates, _shared) = started();
    runner.resume(Resumption::Go { status: None }).unwrap();
    runner.pause();
    let stop = next_stop(&updates).unwrap();
    assert!(matches!(stop.reason, StopReason::BreakIn { .. }), "{stop:?}");
    assert!(!runner.is_running());
    // And the next run is not paused by that request again.
    runner.resume(Resumption::Go { status: None }).unwrap();
    runner.call(add_breakpoint_on_func).unwrap().unwrap();
    assert!(matches!(next_stop(&updates).unwrap().reason, StopReason::Breakpoint(_)));
}

#[test]
fn resuming_a_running_debuggee_is_refused() {
    let (runner, updates, _shared) = started();
    runner.resume(Resumption::Go { status: None }).unwrap();
    let again = runner.resume(Resumption::Go { status: None }).unwrap_err();
    assert_eq!(again.to_string(), "the debuggee is already running");
    runner.pause();
    assert!(next_stop(&updates).is_ok());
}

#[test]
fn dropping_the_runner_mid_run_ends_the_debuggee() {
    let (runner, _updates, shared) = started();
    runner.resume(Resumption::Go { status: None }).unwrap();
    drop(runner);
    assert!(shared.world().killed, "a launched debuggee is killed when its front end goes");
}

#[test]
fn a_debugger_that_cannot_be_made_says_why() {
    let made = Runner::start(|_| Err(crate::err!("no such program")));
    assert_eq!(made.err().map(|e| e.to_string()), Some("no such program".to_string()));
}
