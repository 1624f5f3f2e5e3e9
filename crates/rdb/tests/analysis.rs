//! The last exception, live: `!analyze -v`, `.exr -1` and `.ecxr` at the second chance of a null write, and the
//! blame of a crash inside the C library going to the program's function that called it. (Dumps, which these
//! commands exist for, use the same engine data: see `crates/rdb-fuzzkit/tests/dumps.rs`.)

use std::process::Command;

use rdb_testkit::prelude::*;

/// Where gdb says `program` faulted: its pc and the address of the fault (`$_siginfo`), as `0x...` text.
fn gdb_fault(program: &str) -> Option<(u64, u64)> {
    let out = Command::new("gdb")
        .args(["-batch", "-nx", "-ex", "run", "-ex", "p/x $pc", "-ex", "p/x $_siginfo._sifields._sigfault.si_addr"])
        .arg(program)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let values: Vec<u64> = text
        .lines()
        .filter_map(|l| l.split_once(" = 0x").and_then(|(_, v)| u64::from_str_radix(v.trim(), 16).ok()))
        .collect();
    match values[..] {
        [pc, address] => Some((pc, address)),
        _ => None,
    }
}

#[test]
fn a_null_write_analysed_at_its_second_chance() {
    let crash = debuggee("crash");
    let script = format!(
        "g\ng\n{}\n!analyze -v\n{}\n.exr -1\n{}\n~0s\n.ecxr\nk\nq\n",
        mark("analyze"),
        mark("exr"),
        mark("ecxr")
    );
    let run = rdb(&[s(&crash)], &script);
    run.assert_matches(&second_chance_re("Access violation", "c0000005"));
    let analyze = run.section("analyze");
    analyze.assert_contains("Exception Analysis");
    analyze.assert_matches(r"(?m)^WRITE_ADDRESS:  00000000`00000000 $");
    analyze.assert_matches(r"(?m)^PRIMARY_PROBLEM_CLASS:  NULL_POINTER_WRITE$");
    analyze.assert_matches(r"(?m)^EXCEPTION_CODE_STR:  c0000005$");
    analyze.assert_matches(r"(?m)^crash!crash_here\+0x[0-9a-f]+$");
    analyze.assert_matches(r"(?m)^[0-9a-f]{8}`[0-9a-f]{8} [0-9a-f]+ +mov +dword ptr \[");
    analyze.assert_matches(r"(?m)^[0-9a-f`]+ [0-9a-f`]+ +: crash!crash_here\+0x[0-9a-f]+$");
    analyze.assert_matches(r"(?m)^[0-9a-f`]+ [0-9a-f`]+ +: crash!main\+0x[0-9a-f]+$");
    analyze.assert_matches(r"(?m)^SYMBOL_NAME:  crash!crash_here\+[0-9a-f]+$");
    analyze.assert_matches(r"(?m)^MODULE_NAME: crash$");
    analyze.assert_matches(r"(?m)^FAILURE_BUCKET_ID:  NULL_POINTER_WRITE_c0000005_crash!crash_here$");
    let exr = run.section("exr");
    exr.assert_matches(r"(?m)^ExceptionAddress: [0-9a-f]{8}`[0-9a-f]{8} \(crash!crash_here\+0x[0-9a-f]+\)$");
    exr.assert_matches(r"(?m)^   ExceptionCode: c0000005 \(Access violation\)$");
    exr.assert_matches(r"(?m)^  ExceptionFlags: 00000001$");
    exr.assert_matches(r"(?m)^   Parameter\[0\]: 0000000000000001$");
    exr.assert_contains("Attempt to write to address 00000000`00000000");
    // gdb (which, as rdb, runs the program without address randomisation) agrees on where it faulted.
    if let Some((pc, address)) = gdb_fault(s(&crash)) {
        let tick = |v: u64| format!("{:08x}`{:08x}", v >> 32, v & 0xffff_ffff);
        exr.assert_contains(&format!("ExceptionAddress: {} (", tick(pc)));
        analyze.assert_contains(&format!("WRITE_ADDRESS:  {} ", tick(address)));
    } else {
        eprintln!("gdb is not installed or did not run: the comparison is skipped");
    }
    let ecxr = run.section("ecxr");
    ecxr.assert_matches(r"(?m)^rax=[0-9a-f]{16} rbx=");
    ecxr.assert_matches(r"(?m)^crash!crash_here\+0x[0-9a-f]+:");
    ecxr.assert_frames_start_with(&["crash!crash_here", "crash!main"]);
}

#[test]
fn a_crash_inside_the_c_library_is_blamed_on_its_caller() {
    let abort = debuggee("abort");
    let run = rdb(&[s(&abort)], &format!("g\n{}\n!analyze -v\nq\n", mark("analyze")));
    let analyze = run.section("analyze");
    analyze.assert_matches(r"(?m)^[0-9a-f`]+ [0-9a-f`]+ +: libc!");
    analyze.assert_matches(r"(?m)^MODULE_NAME: abort$");
    analyze.assert_matches(r"(?m)^SYMBOL_NAME:  abort!give_up\+[0-9a-f]+$");
    analyze.assert_matches(r"(?m)^FAILURE_BUCKET_ID:  APPLICATION_FAULT_6_abort!give_up$");
}

#[test]
fn nothing_to_analyze_at_a_breakpoint_of_the_debuggers() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], &format!("bp hello!add\ng\n{}\n!analyze -v\n.ecxr\nq\n", mark("analyze")));
    let analyze = run.section("analyze");
    analyze.assert_contains("There is nothing to analyze: the debuggee stopped for no exception");
    analyze.assert_contains("^ no exception: the last event was not one in '.ecxr'");
}
