//! The runner on real debuggees: a front end's requests served while the program runs, without a stop it did not
//! ask for; its pause; and a launched debuggee ended when the front end goes.

mod common;

use std::sync::mpsc::Receiver;
use std::time::Duration;

use common::{code_at, launch_of};
use rdb_engine::debugger::Debugger;
use rdb_engine::runner::{Runner, Update};
use rdb_engine::session::{Resumption, Stop, StopReason};
use rdb_testkit::prelude::*;

/// `loop` launched on the runner's thread and stopped at its initial breakpoint.
fn spinning() -> (Runner, Receiver<Update>, u32) {
    let (runner, updates) = Runner::start(|listener| {
        rdb_host::install();
        let mut dbg = Debugger::new(Box::new(rdb_host::Native), listener);
        let first = dbg.launch(launch_of("loop", &["60"]))?;
        assert_eq!(first.reason, StopReason::InitialBreakpoint);
        Ok(dbg)
    })
    .unwrap();
    let pid = runner.call(|d| d.session().pid()).unwrap();
    (runner, updates, pid)
}

fn next_stop(updates: &Receiver<Update>) -> Stop {
    loop {
        match updates.recv_timeout(Duration::from_secs(20)).expect("a stop within 20 s") {
            Update::Stopped(stop) => return stop.expect("the run stops"),
            Update::Notice(_) => {}
        }
    }
}

fn breakpoint_on_spin_once(d: &mut Debugger) -> u32 {
    let tid = d.session().event_thread();
    d.session_mut().add_breakpoint(tid, code_at("loop!spin_once")).unwrap()
}

#[test]
fn a_breakpoint_set_while_the_program_runs_is_hit_with_no_other_stop() {
    let (runner, updates, _) = spinning();
    runner.resume(Resumption::Go { status: None }).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    // Asked while it runs: the program is paused for it, unseen, and runs on into it.
    assert_eq!(runner.call(|d| d.session().threads().len()).unwrap(), 1);
    let id = runner.call(breakpoint_on_spin_once).unwrap();
    let stop = next_stop(&updates);
    assert_eq!(stop.reason, StopReason::Breakpoint(vec![id]), "{stop:?}");
    let at = runner.call(move |d| d.session_mut().registers(stop.tid).unwrap().rip).unwrap();
    let spin_once = runner.call(|d| d.session_mut().evaluate(0, "loop!spin_once").unwrap()).unwrap();
    assert_eq!(at, spin_once);
}

#[test]
fn a_pause_stops_the_program_where_it_is() {
    let (runner, updates, pid) = spinning();
    runner.resume(Resumption::Go { status: None }).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    runner.pause();
    let stop = next_stop(&updates);
    assert!(matches!(stop.reason, StopReason::BreakIn { .. }), "{stop:?}");
    assert_eq!(stop.pid, pid);
    assert_eq!(process_state(pid), Some('t'), "stopped under the tracer");
}

#[test]
fn the_launched_program_ends_with_its_front_end() {
    let (runner, _updates, pid) = spinning();
    runner.resume(Resumption::Go { status: None }).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    drop(runner);
    assert!(wait_until(Duration::from_secs(5), || process_gone(pid)), "loop {pid} outlived its runner");
}
