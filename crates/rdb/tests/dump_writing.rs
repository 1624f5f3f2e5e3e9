//! `.dump` of a live Linux process: `/ma`, `/m` and `/core` at a breakpoint (locals, a global string, a second
//! thread) and at a second-chance SIGSEGV. The minidumps are read with rust-minidump's `minidump` crate, the core
//! file with gdb; each is compared with what rdb itself showed of the same stop (`r rip` of each thread, `lm`,
//! `k`, the string's bytes), and the debuggee runs on to its normal end after the dumps. rdb reads all three back
//! with `-z` as it saw the process live.
//!
//! [`dump_state`] produces the three dumps of one known state of the `dumped` debuggee, so reading them back with
//! `rdb -z` can be checked against the same facts.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use minidump::{Minidump, MinidumpException, MinidumpMiscInfo, MinidumpModuleList, MinidumpSystemInfo};
use minidump::{MinidumpThreadList, Module};
use rdb_testkit::prelude::*;

const MOTTO: &str = "dumps keep what the program had";

/// One known state of `dumped`, its three dumps, and what rdb said of it.
pub struct DumpedState {
    pub program: PathBuf,
    pub full: PathBuf,
    pub small: PathBuf,
    pub core: PathBuf,
    pub run: RdbRun,
    /// Each thread's rip, by tid, as `~* r rip` showed it.
    pub rips: HashMap<u32, u64>,
    /// The thread of the stop.
    pub event_tid: u32,
    /// Module name → base, from `lm`.
    pub bases: HashMap<String, u64>,
    /// `dumped!inner` and `dumped!motto`.
    pub inner: u64,
    pub motto: u64,
    /// The first bytes of `dumped!inner` as rdb shows them (`db`).
    pub inner_bytes: Vec<u8>,
    /// The frames of `k` at the stop.
    pub frames: Vec<String>,
}

/// Run `dumped <args>`, bring it to a stop with `to_stop`, show its state, write `.dump /ma`, `/m` and `/core`
/// into a scratch directory named after `name`, then run `after` (the rest of the session).
pub fn dump_state(name: &str, args: &[&str], to_stop: &str, after: &str) -> DumpedState {
    let program = debuggee("dumped");
    let dir = scratch_dir(name);
    let (full, small, core) = (dir.join("full.dmp"), dir.join("small.dmp"), dir.join("dumped.core"));
    let script = format!(
        "{to_stop}\n{}\n~* r rip\n{}\nlm\n{}\nk\n{}\n? dumped!inner\n? dumped!motto\n{}\ndb dumped!inner L10\n{}\n\
         .dump /ma {}\n.dump /m {}\n.dump /core {}\n{}\n~* r rip\n{}\n{after}\n",
        mark("threads"),
        mark("lm"),
        mark("k"),
        mark("syms"),
        mark("bytes"),
        mark("dumps"),
        full.display(),
        small.display(),
        core.display(),
        mark("threads after"),
        mark("after"),
    );
    let mut argv = vec![s(&program)];
    argv.extend_from_slice(args);
    let run = rdb(&argv, &script);
    let threads = run.section("threads").thread_rips();
    let event_tid = threads.iter().find(|(current, _, _)| *current).map(|t| t.1).unwrap_or_else(|| {
        run.fail("no current thread in ~");
    });
    let rips: HashMap<u32, u64> = threads.iter().map(|&(_, tid, rip)| (tid, rip)).collect();
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
        .map(|row| (row[2].clone(), addr(&row[1])))
        .collect();
    let syms = run.section("syms").evaluations();
    let inner_bytes = run.section("bytes").db_bytes();
    let frames = run.section("k").frames().into_iter().map(|f| f.site).collect();
    let dumps = run.section("dumps");
    for (file, words) in [(&full, "mini user dump"), (&small, "mini user dump"), (&core, "ELF core file")] {
        dumps.assert_contains(&format!("Creating {} - {words}\nDump successfully written", file.display()));
    }
    DumpedState {
        program,
        full,
        small,
        core,
        rips,
        event_tid,
        bases,
        inner: syms[0],
        motto: syms[1],
        inner_bytes,
        frames,
        run,
    }
}

/// What a minidump says, in the shapes the assertions compare.
struct ReadBack {
    /// tid → rip, in the thread list's order.
    rips: Vec<(u32, u64)>,
    /// tid → (stack base, stack length, rsp).
    stacks: HashMap<u32, (u64, usize, u64)>,
    /// (path, base, code id: the GNU build id in hex) of each module.
    modules: Vec<(String, u64, Option<String>)>,
    /// (thread, code, address) of the exception.
    exception: Option<(u32, u32, u64)>,
    platform: u32,
    pid: Option<u32>,
}

fn read_back(path: &Path) -> (Minidump<'static, DumpBytes>, ReadBack) {
    let dump = read_minidump(path);
    let system: MinidumpSystemInfo = dump.get_stream().expect("a system info stream");
    let misc: Option<MinidumpMiscInfo> = dump.get_stream().ok();
    let threads: MinidumpThreadList = dump.get_stream().expect("a thread list");
    let memory = dump.get_memory().unwrap_or_default();
    let mut rips = Vec::new();
    let mut stacks = HashMap::new();
    for t in &threads.threads {
        let context = t.context(&system, misc.as_ref()).expect("a thread context");
        rips.push((t.raw.thread_id, context.get_instruction_pointer()));
        let rsp = context.get_stack_pointer();
        if let Some(stack) = t.stack_memory(&memory) {
            stacks.insert(t.raw.thread_id, (stack.base_address(), stack.bytes().len(), rsp));
        }
    }
    let modules: MinidumpModuleList = dump.get_stream().expect("a module list");
    let modules = modules
        .iter()
        .map(|m| (m.code_file().into_owned(), m.base_address(), m.code_identifier().map(|c| c.to_string())))
        .collect();
    let exception: Option<MinidumpException> = dump.get_stream().ok();
    let exception = exception.map(|e| {
        (e.get_crashing_thread_id(), e.raw.exception_record.exception_code, e.raw.exception_record.exception_address)
    });
    let read = ReadBack {
        rips,
        stacks,
        modules,
        exception,
        platform: system.raw.platform_id,
        pid: misc.and_then(|m| m.raw.process_id().copied()),
    };
    (dump, read)
}

/// What both minidumps of a state must say, as rdb showed the state.
fn assert_minidumps_match(state: &DumpedState, signal: u32) {
    let run = &state.run;
    let (full, full_read) = read_back(&state.full);
    let (small, small_read) = read_back(&state.small);
    for (which, read) in [("/ma", &full_read), ("/m", &small_read)] {
        assert_eq!(read.platform, 0x8201, "{which}: Linux's platform id, as Breakpad writes it");
        assert!(read.pid.is_some(), "{which}: the process id in MiscInfo");
        assert_eq!(read.rips.len(), state.rips.len(), "{which}: the thread count\n{}", run.dump());
        assert_eq!(read.rips[0].0, state.event_tid, "{which}: the event's thread first");
        for (tid, rip) in &read.rips {
            assert_eq!(state.rips.get(tid), Some(rip), "{which}: thread {tid:x}'s rip as rdb's r rip\n{}", run.dump());
        }
        for (tid, (base, len, rsp)) in &read.stacks {
            assert!(*base <= *rsp && *rsp < base + *len as u64, "{which}: thread {tid:x}'s stack holds its rsp");
        }
        assert_eq!(read.stacks.len(), state.rips.len(), "{which}: every thread's stack");
        for (name, file) in [("dumped", "dumped"), ("libc", "libc.so")] {
            let base = state.bases.get(name).unwrap_or_else(|| run.fail(&format!("{name} not in lm")));
            let module = read.modules.iter().find(|(path, _, _)| path.contains(file));
            assert_eq!(module.map(|m| m.1), Some(*base), "{which}: {name} at lm's base: {:x?}", read.modules);
            // Breakpad's identity of the module: its file's GNU build id, as readelf reads it.
            let path = module.map(|m| m.0.clone()).unwrap_or_default();
            let wanted = build_id_of(Path::new(&path));
            assert!(wanted.is_some(), "{path} has a build id");
            assert_eq!(module.and_then(|m| m.2.clone()), wanted, "{which}: {name}'s code id");
        }
        assert!(read.modules[0].0.ends_with("/dumped"), "{which}: the executable first: {:?}", read.modules);
        let (tid, code, _) = read.exception.unwrap_or_else(|| panic!("{which}: no exception stream"));
        assert_eq!((tid, code), (state.event_tid, signal), "{which}: the stop's signal on its thread");
    }
    // The program's bytes, not rdb's int3, where the breakpoint is (and rdb showed the same through its mask).
    let code = minidump_memory_at(&full, state.inner, 16).expect("/ma holds the code of dumped!inner");
    assert_eq!(code, state.inner_bytes, "/ma: the code as the program has it\n{}", run.dump());
    assert_ne!(code[0], 0xcc, "no int3 of rdb's in the dump");
    let motto = minidump_memory_at(&full, state.motto, MOTTO.len()).expect("/ma holds the global string");
    assert_eq!(motto, MOTTO.as_bytes());
    // The small one is much smaller, and still has the stacks and the code around each rip.
    let (full_size, small_size) = (file_size(&state.full), file_size(&state.small));
    assert!(small_size * 20 < full_size, "/m ({small_size} bytes) far smaller than /ma ({full_size})");
    for (tid, rip) in &small_read.rips {
        assert!(minidump_memory_at(&small, *rip, 1).is_some(), "/m holds the code at thread {tid:x}'s rip {rip:#x}");
    }
    if let Some(at) = small_read.rips.iter().find(|(_, rip)| *rip == state.inner).map(|_| state.inner) {
        assert_ne!(minidump_memory_at(&small, at, 1), Some(vec![0xcc]), "/m: no int3 of rdb's");
    }
}

/// The GNU build id of an ELF file, in hex, as `readelf -n` prints it.
fn build_id_of(path: &Path) -> Option<String> {
    let out = Command::new("readelf").arg("-n").arg(path).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines().find_map(|l| l.trim().strip_prefix("Build ID: ").map(str::to_string))
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// gdb's reading of the core file: its `bt`, `info threads`, the string and the first byte of `inner`.
fn gdb_reads(state: &DumpedState) -> String {
    let out = Command::new("gdb")
        .args(["-nx", "-batch", "-ex", "bt", "-ex", "info threads", "-ex", "x/s &motto", "-ex", "x/xb inner"])
        .arg(&state.program)
        .arg(&state.core)
        .output()
        .expect("gdb runs (scripts/setup.sh installs it)");
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

fn assert_core_matches(state: &DumpedState, gdb: &str) {
    let run = &state.run;
    // gdb's frames are rdb's k, function by function (gdb shows frame 0 once as it opens the core, then `bt`).
    let mut numbered = std::collections::BTreeMap::new();
    for line in gdb.lines().filter(|l| l.starts_with('#')) {
        let Some((number, rest)) = line[1..].split_once(' ') else { continue };
        let rest = rest.trim_start();
        let rest = if rest.starts_with("0x") { rest.split_once(" in ").map(|(_, f)| f).unwrap_or(rest) } else { rest };
        if let (Ok(n), Some(function)) = (number.parse::<usize>(), rest.split_whitespace().next()) {
            numbered.insert(n, function);
        }
    }
    let gdb_frames: Vec<&str> = numbered.into_values().collect();
    let rdb_frames: Vec<&str> = state.frames.iter().map(|f| f.trim_start_matches("dumped!")).collect();
    for (i, want) in ["inner", "outer", "main"].iter().enumerate() {
        assert_eq!(gdb_frames.get(i), Some(want), "gdb's bt: {gdb}\n{}", run.dump());
        assert!(rdb_frames[i].starts_with(want), "rdb's k: {rdb_frames:?}");
    }
    let threads = gdb.lines().filter(|l| l.contains("Thread 0x") || l.contains("LWP ")).count();
    let listed = gdb.lines().filter(|l| l.trim_start().starts_with(['*', '1', '2', '3']) && l.contains("LWP")).count();
    assert!(threads >= state.rips.len(), "gdb sees the threads: {gdb}");
    assert_eq!(listed, state.rips.len(), "info threads lists each thread once: {gdb}");
    assert!(gdb.contains(&format!("\"{MOTTO}\"")), "gdb reads the global string: {gdb}");
    assert!(gdb.contains(&format!("0x{:02x}", state.inner_bytes[0])), "the code's first byte, not an int3: {gdb}");
}

/// rdb opens each of its own dumps of `state` with `-z` and shows the process as it showed it live: every
/// thread's rip, the stack, the code of `inner` as the program has it (the breakpoint's int3 nowhere), and, where
/// the dump holds data (`/ma`, `/core`), the global string.
fn assert_rdb_reads_back(state: &DumpedState) {
    for (dump, holds_data) in [(&state.full, true), (&state.small, false), (&state.core, true)] {
        let script = format!(
            "{}\n~* r rip\n{}\nk\n{}\ndb dumped!inner L10\n{}\nda dumped!motto\n",
            mark("threads"),
            mark("k"),
            mark("bytes"),
            mark("motto")
        );
        let run = rdb(&["-z", s(dump), "-i", s(state.program.parent().unwrap())], &script);
        let rips: HashMap<u32, u64> =
            run.section("threads").thread_rips().into_iter().map(|(_, tid, rip)| (tid, rip)).collect();
        assert_eq!(rips, state.rips, "{}: every thread's rip as rdb saw it live\n{}", dump.display(), run.dump());
        let frames: Vec<String> = run.section("k").frames().into_iter().map(|f| f.site).collect();
        assert_eq!(frames, state.frames, "{}: the stack as rdb saw it live\n{}", dump.display(), run.dump());
        let bytes = run.section("bytes").db_bytes();
        assert_eq!(bytes, state.inner_bytes, "{}: inner's code as the program has it\n{}", dump.display(), run.dump());
        if holds_data {
            run.section("motto").assert_contains(MOTTO);
        }
    }
}

#[test]
fn dumps_at_a_breakpoint_read_back_as_rdb_saw_the_process() {
    let state = dump_state("bp", &[], "bp dumped!inner\ng", "g");
    let run = &state.run;
    assert_eq!(state.rips.get(&state.event_tid), Some(&state.inner), "stopped at the breakpoint\n{}", run.dump());
    assert_eq!(state.rips.len(), 2, "two threads\n{}", run.dump());
    const SIGTRAP: u32 = 5;
    assert_minidumps_match(&state, SIGTRAP);
    assert_core_matches(&state, &gdb_reads(&state));
    assert_rdb_reads_back(&state);
    // The dumps changed nothing: the program runs on to its own end.
    let after = run.section("after");
    after.assert_contains("dumped done 7");
    after.assert_matches(&exit_code_re(7));
    println!(
        "dumped at a breakpoint: /ma {} bytes, /m {} bytes, core {} bytes",
        file_size(&state.full),
        file_size(&state.small),
        file_size(&state.core)
    );
}

#[test]
fn dumps_at_a_second_chance_sigsegv_say_so() {
    let state = dump_state("segv", &["crash"], "g\ng", "g");
    let run = &state.run;
    run.section("threads").assert_not_contains("Breakpoint");
    run.assert_contains("second chance");
    const SIGSEGV: u32 = 11;
    assert_minidumps_match(&state, SIGSEGV);
    let (_, full) = read_back(&state.full);
    assert_eq!(full.exception.map(|e| e.2), Some(0), "the fault address, as Breakpad records si_addr");
    let gdb = gdb_reads(&state);
    assert!(gdb.contains("Program terminated with signal SIGSEGV"), "{gdb}");
    assert_core_matches(&state, &gdb);
    assert_rdb_reads_back(&state);
    run.section("after").assert_matches(&exit_signal_re(11, "SIGSEGV"));
}

#[test]
fn an_existing_file_is_kept_unless_o_and_bad_options_are_one_line() {
    let program = debuggee("dumped");
    let dir = scratch_dir("refusals");
    let file = dir.join("kept.dmp");
    std::fs::write(&file, b"mine").unwrap();
    let f = file.display();
    let run = rdb(
        &[s(&program)],
        &format!(
            "bp dumped!inner\ng\n{}\n.dump /m {f}\n{}\n.dump /mz {f}\n.dump\n.dump /core\n{}\n.dump /o /m {f}\n{}\ng\n",
            mark("kept"),
            mark("bad"),
            mark("o"),
            mark("end")
        ),
    );
    run.section("kept").assert_matches(&format!(
        r"(?m)^\^ {} already exists: use /o to overwrite it in '.dump /m ",
        regex::escape(&f.to_string())
    ));
    let bad = run.section("bad");
    assert_eq!(bad.text.lines().count(), 3, "one line each\n{}", run.dump());
    bad.assert_contains("unknown .dump option '/mz'");
    run.section("o").assert_contains("Dump successfully written");
    assert!(std::fs::read(&file).unwrap().starts_with(b"MDMP"), "/o replaced the file");
    run.section("end").assert_matches(&exit_code_re(7));
}
