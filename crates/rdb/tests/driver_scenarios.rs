//! The front-end-neutral scenarios of `rdb_testkit::scenarios`, driven through the console: `rdb` under ptrace
//! and `rdb.exe` under Wine, fed one command at a time by `ConsoleDriver` (`<scenario>::linux`,
//! `<scenario>::windows`). Every other front end runs the same scenarios with its own driver.

use rdb_testkit::prelude::*;

driver_scenarios!(ConsoleDriver::new);
