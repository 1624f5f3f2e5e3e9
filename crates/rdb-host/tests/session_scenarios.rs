//! The scenarios every front end runs (`rdb_testkit::scenarios`), through the engine's façade itself, in this
//! process: what the console, DAP, the gdb server and Python show is what the `Debugger` hands out here.

mod common;

use common::SessionDriver;
use rdb_testkit::prelude::*;
use rdb_testkit::scenarios;

fn driver() -> SessionDriver {
    SessionDriver::new(Backend::Linux)
}

#[test]
fn break_at_a_function() {
    scenarios::break_at_a_function(&mut driver());
}

#[test]
fn break_at_a_source_line() {
    scenarios::break_at_a_source_line(&mut driver());
}

#[test]
fn two_breakpoints_hit_in_order() {
    scenarios::two_breakpoints_hit_in_order(&mut driver());
}

#[test]
fn run_to_the_exit_code() {
    scenarios::run_to_the_exit_code(&mut driver());
}

#[test]
fn read_globals() {
    scenarios::read_globals(&mut driver());
}

#[test]
fn an_unhandled_access_violation_stops_twice_then_ends_the_process() {
    scenarios::an_unhandled_access_violation_stops_twice_then_ends_the_process(&mut driver());
}

#[test]
fn detach_leaves_the_process_running_clean() {
    scenarios::detach_leaves_the_process_running_clean(&mut driver());
}
