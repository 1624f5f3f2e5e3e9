//! The front-end-neutral scenarios of `rdb_testkit::scenarios`, driven through the Debug Adapter Protocol by the
//! kit's `DapDriver`: `rdb --dap` under ptrace (`<scenario>::linux`), as `driver_scenarios.rs` drives them through
//! the console, and `rdb.exe --dap` under Wine (`windows::<scenario>`). Under Wine the detach scenario is left out:
//! it reads the detached program's output, and a DAP adapter passes a program's output on only while it debugs it
//! (after a detach it goes to the adapter's files, which end with the session).

use rdb_testkit::prelude::*;
use rdb_testkit::scenarios;

driver_scenarios!(DapDriver::new, linux);

mod windows {
    use super::*;

    fn driver() -> DapDriver {
        DapDriver::new(Backend::Windows)
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
}
