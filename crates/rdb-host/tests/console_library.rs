//! The WinDbg command language as a library, as the other front ends use it: a line of commands run against a
//! `Debugger` the caller owns, its text captured rather than printed, breakpoint commands and all.

mod common;

use common::{debugger, launch_of};
use rdb_windbg::{Console, Flow};

#[test]
fn a_line_of_commands_runs_to_its_end_into_captured_text() {
    let (mut dbg, _) = debugger();
    dbg.launch(launch_of("hello", &[])).unwrap();
    let mut console = Console::new(false);
    let mut text: Vec<String> = Vec::new();
    let flow = console.run_line(&mut dbg, r#"bp hello!add ".echo in add; k 2"; g; ? @rdi; r rsi"#, &mut text);
    assert!(matches!(flow, Flow::Next));
    let hit = text.iter().position(|l| l == "Breakpoint 0 hit").unwrap_or_else(|| panic!("{text:#?}"));
    let echoed = text.iter().position(|l| l == "in add").unwrap_or_else(|| panic!("{text:#?}"));
    assert!(hit < echoed, "the breakpoint's own commands run after its stop: {text:#?}");
    assert!(text.iter().any(|l| l.contains("hello!add") && l.contains("hello.c @")), "k's frame: {text:#?}");
    assert!(text.contains(&"Evaluate expression: 1 = 00000000`00000001".to_string()), "{text:#?}");
    assert!(text.contains(&"rsi=0000000000000002".to_string()), "{text:#?}");
    // Nothing is left pending, and quitting ends the debuggee.
    assert!(console.next_command().is_none());
    let pid = dbg.session().pid();
    assert!(matches!(console.run_line(&mut dbg, "q", &mut text), Flow::Quit));
    assert_eq!(text.last().map(String::as_str), Some("quit:"));
    assert!(rdb_testkit::prelude::wait_until(std::time::Duration::from_secs(5), || {
        rdb_testkit::prelude::process_gone(pid)
    }));
}
