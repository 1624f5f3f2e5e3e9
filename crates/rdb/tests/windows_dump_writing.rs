//! `.dump` of a Windows process under Wine: rdb.exe writes `/ma` and `/m` through the OS's `MiniDumpWriteDump` at a
//! breakpoint and at a second-chance access violation of the `dumped` debuggee (built with mingw), read back with
//! rust-minidump's `minidump` crate and compared with what rdb showed of the same stop; `/core` is refused in one
//! line; the program runs on to its own end after the dumps. The Linux rdb reads both dumps back as rdb.exe saw the
//! process.
//!
//! [`windows_dump_state`] produces the dumps of one known state, so reading them back with `rdb -z` can be checked
//! against the same facts.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use minidump::{MinidumpException, MinidumpMiscInfo, MinidumpModuleList, MinidumpSystemInfo};
use minidump::{MinidumpThreadList, Module};
use rdb_testkit::prelude::*;
use rdb_testkit::wine::{rdb_wine, wine_path};

const MOTTO: &str = "dumps keep what the program had";

/// One known state of `dumped.exe`, its two minidumps, and what rdb said of it.
pub struct WindowsDumpedState {
    pub full: PathBuf,
    pub small: PathBuf,
    pub run: RdbRun,
    /// Each thread's rip, by tid, as `~* r rip` showed it.
    pub rips: HashMap<u32, u64>,
    pub event_tid: u32,
    /// Module name → base, from `lm`.
    pub bases: HashMap<String, u64>,
    pub inner: u64,
    pub motto: u64,
    /// The first bytes of `dumped!inner` as rdb shows them.
    pub inner_bytes: Vec<u8>,
}

/// Run `dumped.exe <args>` under rdb.exe, bring it to a stop with `to_stop`, show its state, write `.dump /ma` and
/// `/m` (and try `/core`) into a scratch directory named after `name`, then run `after`.
pub fn windows_dump_state(name: &str, args: &[&str], to_stop: &str, after: &str) -> WindowsDumpedState {
    let program = wine_path(&windows_debuggee("dumped"));
    let dir = scratch_dir(&format!("windows-{name}"));
    let (full, small) = (dir.join("full.dmp"), dir.join("small.dmp"));
    let script = format!(
        "{to_stop}\n{}\n~* r rip\n{}\nlm\n{}\n? dumped!inner\n? dumped!motto\n{}\ndb dumped!inner L10\n{}\n\
         .dump /ma {}\n.dump /m {}\n{}\n.dump /core {}\n{}\n~* r rip\n{}\n{after}\n",
        mark("threads"),
        mark("lm"),
        mark("syms"),
        mark("bytes"),
        mark("dumps"),
        wine_path(&full),
        wine_path(&small),
        mark("core"),
        wine_path(&dir.join("dumped.core")),
        mark("threads after"),
        mark("after"),
    );
    let mut argv = vec![program.as_str()];
    argv.extend_from_slice(args);
    let run = rdb_wine(&argv, &script);
    let threads = run.section("threads").thread_rips();
    let event_tid = threads.iter().find(|t| t.0).map(|t| t.1).unwrap_or_else(|| run.fail("no current thread in ~"));
    assert_eq!(
        run.section("threads after").thread_rips(),
        threads,
        "the threads as they were after .dump\n{}",
        run.dump()
    );
    let bases = run
        .section("lm")
        .all_matches(&format!(r"(?m)^({ADDR}) {ADDR} +(\S+)"))
        .into_iter()
        .map(|row| (row[2].to_ascii_lowercase(), addr(&row[1])))
        .collect();
    let syms = run.section("syms").evaluations();
    let inner_bytes = run.section("bytes").db_bytes();
    let dumps = run.section("dumps");
    for file in [&full, &small] {
        dumps.assert_contains(&format!("Creating {} - mini user dump", wine_path(file)));
    }
    assert_eq!(dumps.count(r"(?m)^Dump successfully written\r?$"), 2, "{}", run.dump());
    let core = run.section("core");
    core.assert_matches(
        r"(?m)^\^ an ELF core file is for Linux processes: write a minidump \(/ma or /m\) in '.dump /core ",
    );
    assert_eq!(core.text.trim_end().lines().count(), 1, "one line\n{}", run.dump());
    let rips = threads.iter().map(|&(_, tid, rip)| (tid, rip)).collect();
    WindowsDumpedState { full, small, run, rips, event_tid, bases, inner: syms[0], motto: syms[1], inner_bytes }
}

/// What both minidumps of a state must say, as rdb showed the state.
fn assert_minidumps_match(state: &WindowsDumpedState, code: u32) {
    let run = &state.run;
    for path in [&state.full, &state.small] {
        let which = path.display();
        let dump = read_minidump(path);
        let system: MinidumpSystemInfo = dump.get_stream().expect("a system info stream");
        let misc: Option<MinidumpMiscInfo> = dump.get_stream().ok();
        let threads: MinidumpThreadList = dump.get_stream().expect("a thread list");
        // The OS lists every thread it has, one whose creation it has not reported yet too (the debuggee's second
        // thread, started as main reached the breakpoint): each of rdb's is there.
        let dumped: Vec<u32> = threads.threads.iter().map(|t| t.raw.thread_id).collect();
        for tid in state.rips.keys() {
            assert!(dumped.contains(tid), "{which}: thread {tid:x} in the dump's {dumped:x?}\n{}", run.dump());
        }
        for t in threads.threads.iter().filter(|t| state.rips.contains_key(&t.raw.thread_id)) {
            let context = t.context(&system, misc.as_ref()).expect("a thread context");
            let rip = context.get_instruction_pointer();
            let tid = t.raw.thread_id;
            assert_eq!(Some(&rip), state.rips.get(&tid), "{which}: thread {tid:x}'s rip as rdb's\n{}", run.dump());
        }
        let exception: MinidumpException = dump.get_stream().expect("an exception stream");
        assert_eq!(exception.get_crashing_thread_id(), state.event_tid, "{which}: the exception's thread");
        assert_eq!(exception.raw.exception_record.exception_code, code, "{which}: the exception code");
        let exception_context = exception.context(&system, misc.as_ref()).expect("the exception's context");
        assert_eq!(Some(&exception_context.get_instruction_pointer()), state.rips.get(&state.event_tid));
        let modules: MinidumpModuleList = dump.get_stream().expect("a module list");
        for name in ["dumped", "ntdll", "kernel32"] {
            let base = state.bases.get(name).unwrap_or_else(|| run.fail(&format!("{name} not in lm")));
            let file = format!("{name}.");
            let module = modules.iter().find(|m| m.code_file().to_ascii_lowercase().contains(&file));
            assert_eq!(module.map(|m| m.base_address()), Some(*base), "{which}: {name} at lm's base\n{}", run.dump());
        }
    }
    let full = read_minidump(&state.full);
    let code = minidump_memory_at(&full, state.inner, 16).expect("/ma holds dumped!inner");
    assert_eq!(code, state.inner_bytes, "/ma: the code as the program has it (rdb's patches lifted)");
    assert_ne!(code[0], 0xcc, "no int3 of rdb's in the dump");
    assert_eq!(
        minidump_memory_at(&full, state.motto, MOTTO.len()).as_deref(),
        Some(MOTTO.as_bytes()),
        "the global string"
    );
    let (full_size, small_size) = (size(&state.full), size(&state.small));
    assert!(small_size * 10 < full_size, "/m ({small_size} bytes) far smaller than /ma ({full_size})");
}

fn size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// The Linux rdb opens rdb.exe's dumps of `state` with `-z` (the program's image found along `-i`) and shows the
/// process as rdb.exe showed it live: every thread it knew with its rip (the OS's writer may list a thread whose
/// creation was not reported yet), `inner`'s code as the program has it, the stack of the exception's context
/// starting in `inner`, and in the full dump the global string.
fn assert_linux_rdb_reads_back(state: &WindowsDumpedState) {
    let images = windows_debuggee("dumped");
    let images = images.parent().expect("the debuggees' folder");
    for (dump, full) in [(&state.full, true), (&state.small, false)] {
        let script = format!(
            "{}\n~* r rip\n{}\ndb dumped!inner L10\n{}\n.ecxr\n{}\nk\n{}\nda dumped!motto\n",
            mark("threads"),
            mark("bytes"),
            mark("ecxr"),
            mark("k"),
            mark("motto")
        );
        let run = rdb(&["-z", s(dump), "-i", s(images)], &script);
        let rips: HashMap<u32, u64> =
            run.section("threads").thread_rips().into_iter().map(|(_, tid, rip)| (tid, rip)).collect();
        for (tid, rip) in &state.rips {
            assert_eq!(
                rips.get(tid),
                Some(rip),
                "{}: thread {tid:x} as rdb.exe saw it\n{}",
                dump.display(),
                run.dump()
            );
        }
        let bytes = run.section("bytes").db_bytes();
        assert_eq!(bytes, state.inner_bytes, "{}: inner's code as the program has it\n{}", dump.display(), run.dump());
        run.section("k").assert_frames_start_with(&["dumped!inner"]);
        if full {
            run.section("motto").assert_contains(MOTTO);
        }
    }
}

#[test]
fn minidumps_at_a_breakpoint_are_the_os_s_and_hold_the_program_s_code() {
    let state = windows_dump_state("bp", &[], "bp dumped!inner\ng", "g");
    let run = &state.run;
    assert_eq!(state.rips.get(&state.event_tid), Some(&state.inner), "at the breakpoint\n{}", run.dump());
    assert_minidumps_match(&state, 0x8000_0003);
    assert_linux_rdb_reads_back(&state);
    let after = run.section("after");
    after.assert_matches(r"(?m)^dumped done 7\r?$");
    after.assert_matches(&exit_code_re(7));
    println!("dumped.exe at a breakpoint: /ma {} bytes, /m {} bytes", size(&state.full), size(&state.small));
}

#[test]
fn minidumps_at_a_second_chance_access_violation_carry_c0000005() {
    let state = windows_dump_state("av", &["crash"], "g\ng", "g");
    state.run.assert_contains("second chance");
    assert_minidumps_match(&state, 0xc000_0005);
    assert_linux_rdb_reads_back(&state);
    let full = read_minidump(&state.full);
    let exception: MinidumpException = full.get_stream().expect("an exception stream");
    let record = &exception.raw.exception_record;
    assert_eq!((record.number_parameters, record.exception_information[0], record.exception_information[1]), (2, 1, 0));
}
