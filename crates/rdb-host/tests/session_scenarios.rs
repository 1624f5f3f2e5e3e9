//! The scenarios every front end runs (`rdb_testkit::scenarios`), through the engine's façade itself, in this
//! process: what the console, DAP, the gdb server and Python show is what the `Debugger` hands out here. The façade
//! runs this machine's backend, so only the Linux tests are made.

mod common;

use common::SessionDriver;
use rdb_testkit::prelude::*;

driver_scenarios!(SessionDriver::new, linux);
