//! Scenarios written once for every front end: each is `fn(&mut dyn Driver)`, uses only what [`Driver`] offers and
//! what the debuggee's source says (its globals, its `/* @marker */` lines, its exit code), and runs on both
//! backends. `driver_scenarios!(make_driver)` makes a test of each for a front end; a scenario added here (and to
//! the macro's list) runs through every front end that uses the macro.

use crate::backend::Fatal;
use crate::debuggees::line_of;
use crate::driver::{Driver, Location, StopData, StopReason};
use crate::spinner::Spinner;

/// `driver_scenarios!(make_driver)`, where `make_driver` is a `fn(Backend) -> impl Driver` (`ConsoleDriver::new`),
/// makes the tests `<scenario>::linux` and `<scenario>::windows` of every scenario of this module;
/// `driver_scenarios!(make_driver, linux)` only the `linux` ones, for a front end that runs in the test's own process
/// (the engine's façade driven directly). The expression is resolved in the test file, whose imports the generated
/// modules see.
#[macro_export]
macro_rules! driver_scenarios {
    ($make_driver:expr) => {
        $crate::driver_scenarios!(@scenarios $make_driver; [linux = Linux, windows = Windows]);
    };
    ($make_driver:expr, linux) => {
        $crate::driver_scenarios!(@scenarios $make_driver; [linux = Linux]);
    };
    (@scenarios $make_driver:expr; $backends:tt) => {
        $crate::driver_scenarios!(@each $make_driver; $backends;
            break_at_a_function,
            break_at_a_source_line,
            two_breakpoints_hit_in_order,
            run_to_the_exit_code,
            read_globals,
            an_unhandled_access_violation_stops_twice_then_ends_the_process,
            detach_leaves_the_process_running_clean,
        );
    };
    (@each $make_driver:expr; $backends:tt; $($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            #[allow(unused_imports)]
            use super::*;

            $crate::driver_scenarios!(@tests $make_driver; $scenario; $backends);
        }
    )*};
    (@tests $make_driver:expr; $scenario:ident; [$($test:ident = $backend:ident),*]) => {$(
        #[test]
        fn $test() {
            $crate::scenarios::$scenario(&mut ($make_driver)($crate::Backend::$backend))
        }
    )*};
}

/// `bp hello!add`: the stop is that breakpoint's, at add's address, in `hello!add`, on the line `@add` marks, with
/// add's arguments (1, 2) in the registers of the backend's calling convention. The launch's own first stop is on
/// the program's main thread.
pub fn break_at_a_function(d: &mut dyn Driver) {
    let b = d.backend();
    let entry = d.launch("hello", &[]);
    assert_eq!(entry.reason, StopReason::Entry, "{entry:?}");
    assert!(entry.pc.is_some(), "the first stop has a pc: {entry:?}");
    let main_thread = entry.thread.expect("the first stop names its thread");
    if b.main_thread_has_process_id() {
        assert_eq!(main_thread, d.process_id(), "the first stop is on the main thread, whose id is the pid");
    } else {
        assert_ne!(main_thread, d.process_id(), "thread ids and process ids differ");
    }

    let id = d.set_breakpoint(&Location::symbol("hello!add"));
    let stop = d.resume();
    assert_eq!(stop.reason, StopReason::Breakpoint { ids: vec![id] }, "{stop:?}");
    assert_eq!(stop.pc, Some(d.evaluate_symbol("hello!add")), "the stop is at add's first instruction: {stop:?}");
    assert_eq!(stop.function.as_deref(), Some("hello!add"), "{stop:?}");
    assert_at_line(&stop, "hello.c", line_of("hello.c", "add"));
    assert!(stop.thread.is_some(), "{stop:?}");
    assert_eq!(d.read_register(b.arg(0)), 1, "add's first argument");
    assert_eq!(d.read_register(b.arg(1)), 2, "add's second argument");
    assert_eq!(d.read_register("rip"), stop.pc.unwrap(), "rip is the stop's pc");
    d.quit();
}

/// `` bp `hello.c:<@tick-body>` ``: the breakpoint hits on that line, inside tick, at each call, with tick's
/// argument (0, then 1) still in its register.
pub fn break_at_a_source_line(d: &mut dyn Driver) {
    let b = d.backend();
    d.launch("hello", &[]);
    let line = line_of("hello.c", "tick-body");
    let id = d.set_breakpoint(&Location::line("hello.c", line));
    let tick = d.evaluate_symbol("hello!tick");
    for i in 0..2 {
        let stop = d.resume();
        assert_eq!(stop.reason, StopReason::Breakpoint { ids: vec![id] }, "hit {i}: {stop:?}");
        assert_eq!(stop.function.as_deref(), Some("hello!tick"), "{stop:?}");
        assert!(stop.pc.is_some_and(|pc| pc > tick), "the line's code is past tick's prologue: {stop:?}");
        assert_at_line(&stop, "hello.c", line);
        assert_eq!(d.read_register(b.arg(0)), i, "tick's argument at hit {i}");
    }
    d.quit();
}

/// Breakpoints on `hello!add` then `hello!outer`: they hit in the program's order (outer calls middle, which calls
/// add), each naming its own id, then the program exits with add's result, 3.
pub fn two_breakpoints_hit_in_order(d: &mut dyn Driver) {
    d.launch("hello", &[]);
    let add = d.set_breakpoint(&Location::symbol("hello!add"));
    let outer = d.set_breakpoint(&Location::symbol("hello!outer"));
    assert_ne!(add, outer);
    let first = d.resume();
    assert_eq!(first.reason, StopReason::Breakpoint { ids: vec![outer] }, "{first:?}");
    assert_eq!(first.function.as_deref(), Some("hello!outer"), "{first:?}");
    let second = d.resume();
    assert_eq!(second.reason, StopReason::Breakpoint { ids: vec![add] }, "{second:?}");
    assert_eq!(second.function.as_deref(), Some("hello!add"), "{second:?}");
    assert_eq!(second.thread, first.thread, "one thread makes both calls");
    let exit = d.resume();
    assert_eq!(exit.reason, StopReason::Exited { code: 3 }, "{exit:?}");
    d.quit();
}

/// `steps` runs to its end: the exit stop carries main's return value, 11, and no pc (the process is gone).
pub fn run_to_the_exit_code(d: &mut dyn Driver) {
    d.launch("steps", &[]);
    let exit = d.resume();
    assert_eq!(exit.reason, StopReason::Exited { code: 11 }, "{exit:?}");
    assert_eq!(exit.pc, None, "{exit:?}");
    d.quit();
}

/// hello's globals read at `hello!outer` (after the five ticks): `message` is "Hello, rdb!" with its NUL,
/// `wide_value` 0x1122334455667788 (little-endian), `counter` 0 + 1 + 2 + 3 + 4 = 10.
pub fn read_globals(d: &mut dyn Driver) {
    d.launch("hello", &[]);
    d.set_breakpoint(&Location::symbol("hello!outer"));
    d.resume();
    let message = d.evaluate_symbol("hello!message");
    assert_eq!(d.read_memory(message, 12), b"Hello, rdb!\0");
    let wide = d.evaluate_symbol("hello!wide_value");
    assert_eq!(d.read_memory(wide, 8), 0x1122_3344_5566_7788u64.to_le_bytes());
    let counter = d.evaluate_symbol("hello!counter");
    assert_eq!(d.read_memory(counter, 4), 10i32.to_le_bytes());
    d.quit();
}

/// `crash` writes through a null pointer in `crash_here`: an access violation (0xc0000005) stops at its first
/// chance and again at its second, both in crash_here, and then the process dies of it (SIGSEGV on Linux, the
/// exception's code as exit code on Windows).
pub fn an_unhandled_access_violation_stops_twice_then_ends_the_process(d: &mut dyn Driver) {
    let b = d.backend();
    d.launch("crash", &[]);
    for first_chance in [true, false] {
        let stop = d.resume();
        let StopReason::Exception { code, first_chance: chance, .. } = stop.reason else {
            panic!("an exception, first chance {first_chance}: {stop:?}");
        };
        assert_eq!((code, chance), (0xc000_0005, first_chance), "{stop:?}");
        assert_eq!(stop.function.as_deref(), Some("crash!crash_here"), "{stop:?}");
    }
    let exit = d.resume();
    assert_eq!(exit.reason, b.fatal_exit(Fatal::AccessViolation), "{exit:?}");
    d.quit();
}

/// Detached at a breakpoint in its loop, a spinning debuggee runs on clean: untraced, advancing, its code as in
/// its file (Linux); ending normally with its code unchanged when told to (Windows).
pub fn detach_leaves_the_process_running_clean(d: &mut dyn Driver) {
    let spinner = Spinner::new(d.backend(), "driver-detach");
    let args = spinner.args();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    d.launch(spinner.name(), &args);
    let id = d.set_breakpoint(&Location::symbol(&spinner.spin_function()));
    let stop = d.resume();
    assert_eq!(stop.reason, StopReason::Breakpoint { ids: vec![id] }, "{stop:?}");
    d.detach();
    spinner.assert_runs_on_clean_then_end(d);
    d.quit();
}

/// Asserts `stop` is at `line` of a file named `file`.
fn assert_at_line(stop: &StopData, file: &str, line: u32) {
    let source = stop.source.as_ref().unwrap_or_else(|| panic!("the stop has a source line: {stop:?}"));
    assert!(source.file.ends_with(file) && source.line == line, "the stop should be at {file} @ {line}: {stop:?}");
}
