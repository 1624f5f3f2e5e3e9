//! Linux minidumps (Breakpad's format, as `minidump-writer` writes them for crash reporters) opened with `-z`: a
//! live `dumpee`, still in known functions, dumped by the test; its threads, registers, modules and stack in rdb
//! checked against what `/proc` said of the process before the dump.
#![cfg(target_os = "linux")]

use std::fs::{self, File};
use std::time::Duration;

use minidump_writer::minidump_writer::MinidumpWriterConfig;
use rdb_testkit::prelude::*;

/// `/proc/<pid>/task/<tid>/syscall`'s stack pointer and program counter (the last two fields) of a thread blocked
/// in a system call.
fn blocked_at(pid: u32, tid: u32) -> (u64, u64) {
    let text = fs::read_to_string(format!("/proc/{pid}/task/{tid}/syscall")).expect("read syscall");
    let fields: Vec<&str> = text.split_whitespace().collect();
    assert!(fields.len() >= 9, "{tid} is not blocked in a system call: {text:?}");
    let hex = |f: &str| u64::from_str_radix(f.trim_start_matches("0x"), 16).expect("hex");
    (hex(fields[fields.len() - 2]), hex(fields[fields.len() - 1]))
}

/// The lowest address `/proc/<pid>/maps` maps the file whose path ends with `file` at.
fn mapped_base(pid: u32, file: &str) -> (u64, String) {
    let maps = fs::read_to_string(format!("/proc/{pid}/maps")).expect("read maps");
    maps.lines()
        .filter_map(|l| {
            let path = l.split_whitespace().nth(5)?;
            let name = path.rsplit('/').next()?;
            (name == file || name.starts_with(&format!("{file}."))).then(|| {
                let start = l.split('-').next().unwrap_or("0");
                (u64::from_str_radix(start, 16).unwrap_or(0), path.to_string())
            })
        })
        .min()
        .unwrap_or_else(|| panic!("{file} is not mapped:\n{maps}"))
}

/// `lm`'s row for `path`: its start.
fn lm_start(section: &Section, path: &str) -> u64 {
    let rows = section.all_matches(&format!(r"(?m)^({ADDR}) {ADDR} +.*\s{}\s*$", regex::escape(path)));
    assert_eq!(rows.len(), 1, "lm lists {path} once\n{}", section.text);
    addr(&rows[0][1])
}

#[test]
fn a_linux_minidump_shows_the_process_as_proc_saw_it() {
    let spawned = spawn_debuggee("dumpee", &[]);
    let pid = spawned.pid;
    let waiter: u32 = spawned
        .next_line(Duration::from_secs(10))
        .and_then(|l| l.strip_prefix("waiter ")?.trim().parse().ok())
        .expect("dumpee prints its waiter's tid");
    // Until both threads are blocked in pause(), where /proc says where they are.
    assert!(
        wait_until(Duration::from_secs(10), || {
            [pid, waiter].iter().all(|&t| process_state(t) == Some('S') && blocked_at(pid, t).1 != 0)
        }),
        "dumpee's threads never blocked"
    );
    let (main_sp, main_pc) = blocked_at(pid, pid);
    let (_, waiter_pc) = blocked_at(pid, waiter);
    let (exe_base, exe_path) = mapped_base(pid, "dumpee");
    let (libc_base, libc_path) = mapped_base(pid, "libc.so");

    let dump = scratch_dir("linux-minidump").join("dumpee.dmp");
    let mut file = File::create(&dump).expect("create the dump");
    MinidumpWriterConfig::new(pid as i32, pid as i32).write(&mut file).expect("minidump-writer dumps dumpee");
    drop(file);
    drop(spawned);

    let stdin = format!(
        "{}\n~\n{}\nr\n{}\nr mxcsr\n{}\n~1 r\n{}\nlm\n{}\nk\n{}\n.lastevent\n",
        mark("threads"),
        mark("r"),
        mark("mxcsr"),
        mark("waiter"),
        mark("lm"),
        mark("k"),
        mark("lastevent")
    );
    let run = rdb(&["-z", s(&dump)], &stdin);
    run.assert_contains("User Mini Dump File (Linux): only registers, stacks and portions of memory are available");
    run.assert_not_matches(r"(?i)panicked");

    let threads = run.section("threads").all_matches(r"(?m)^[. #] +(\d+) +Id: ([0-9a-f]+)\.([0-9a-f]+) ");
    let ids: Vec<(u64, u64)> = threads.iter().map(|t| (addr(&t[2]), addr(&t[3]))).collect();
    assert_eq!(ids, [(pid.into(), pid.into()), (pid.into(), waiter.into())], "~: main first\n{}", run.dump());

    let r = run.section("r");
    let rip = u64::from_str_radix(&r.assert_matches(r"rip=([0-9a-f]{16})")[1], 16).unwrap();
    let rsp = u64::from_str_radix(&r.assert_matches(r"rsp=([0-9a-f]{16})")[1], 16).unwrap();
    assert_eq!((rip, rsp), (main_pc, main_sp), "r is where /proc/<pid>/syscall said\n{}", run.dump());
    // The x87 and SSE state from the context's FXSAVE area: the MXCSR the program set.
    run.section("mxcsr").assert_matches(r"(?m)^mxcsr=00009f80$");
    let waiter_rip = u64::from_str_radix(&run.section("waiter").assert_matches(r"rip=([0-9a-f]{16})")[1], 16);
    assert_eq!(waiter_rip.unwrap(), waiter_pc, "{}", run.dump());

    let lm = run.section("lm");
    assert_eq!(lm_start(&lm, &exe_path), exe_base, "{}", run.dump());
    assert_eq!(lm_start(&lm, &libc_path), libc_base, "{}", run.dump());
    // The executable first.
    lm.assert_matches(&format!(r"(?m)\A\s*start .*\n{ADDR} {ADDR} .*\s{}\s*$", regex::escape(&exe_path)));

    // The stack is in the dump and the code in the files the modules name: the walk reaches the debuggee's own
    // functions from inside libc's pause.
    let frames = run.section("k").frames();
    let sites: Vec<&str> = frames.iter().map(|f| f.site.as_str()).collect();
    let at =
        sites.iter().position(|s| s.starts_with("dumpee!inner")).unwrap_or_else(|| panic!("{sites:?}\n{}", run.dump()));
    assert!(
        frames[at + 1].is("dumpee!outer") && frames[at + 2].is("dumpee!main"),
        "inner, outer, main: {sites:?}\n{}",
        run.dump()
    );

    // Written on request, not for a crash: no exception.
    run.assert_not_matches(r"second chance|Access violation");
    run.section("lastevent").assert_matches(&format!(r"(?m)^Last event: {pid:x}\.{pid:x}: "));
}

/// The `CrashContext` a crash reporter hands minidump-writer, from what dumpee's SIGSEGV handler wrote: its
/// `ucontext_t` (crash-context's layout is the kernel's), the FXSAVE area, the signal, `si_code` and `si_addr`.
fn crash_context(written: &[u8], pid: u32) -> minidump_writer::crash_context::CrashContext {
    use minidump_writer::crash_context::CrashContext;
    use std::mem::{offset_of, size_of};
    let ucontext = offset_of!(CrashContext, float_state);
    let (float, siginfo) = (written.get(ucontext..ucontext + 512), offset_of!(CrashContext, siginfo));
    let word = |i: usize| {
        let at = ucontext + 512 + 8 * i;
        u64::from_le_bytes(written[at..at + 8].try_into().expect("a word"))
    };
    let mut bytes = vec![0u8; size_of::<CrashContext>()];
    bytes[..ucontext].copy_from_slice(&written[..ucontext]);
    bytes[ucontext..ucontext + 512].copy_from_slice(float.expect("the FXSAVE area"));
    let field = |offset: usize| siginfo + offset;
    let signo = field(offset_of!(libc::signalfd_siginfo, ssi_signo));
    let code = field(offset_of!(libc::signalfd_siginfo, ssi_code));
    let addr = field(offset_of!(libc::signalfd_siginfo, ssi_addr));
    bytes[signo..signo + 4].copy_from_slice(&(word(0) as u32).to_le_bytes());
    bytes[code..code + 4].copy_from_slice(&(word(1) as i32).to_le_bytes());
    bytes[addr..addr + 8].copy_from_slice(&word(2).to_le_bytes());
    for (offset, value) in [(offset_of!(CrashContext, pid), pid), (offset_of!(CrashContext, tid), pid)] {
        bytes[offset..offset + 4].copy_from_slice(&value.to_le_bytes());
    }
    CrashContext::from_bytes(&bytes).expect("a CrashContext's size")
}

#[test]
fn a_linux_minidump_of_a_crash_opens_at_the_fault() {
    let dir = scratch_dir("linux-minidump-crash");
    let written = dir.join("crash-context");
    let spawned = spawn_debuggee("dumpee", &["crash", s(&written)]);
    let pid = spawned.pid;
    let mut crashed = false;
    while let Some(line) = spawned.next_line(Duration::from_secs(10)) {
        if line == "crashed" {
            crashed = true;
            break;
        }
    }
    assert!(crashed, "dumpee never reached its SIGSEGV handler");
    let context = crash_context(&fs::read(&written).expect("the handler's file"), pid);
    let (exe_base, exe_path) = mapped_base(pid, "dumpee");

    let dump = dir.join("crash.dmp");
    let mut file = File::create(&dump).expect("create the dump");
    let mut config = MinidumpWriterConfig::new(pid as i32, pid as i32);
    config.set_crash_context(minidump_writer::CrashContextExt { inner: context });
    config.write(&mut file).expect("minidump-writer dumps dumpee's crash");
    drop(file);
    drop(spawned);

    let stdin = format!(
        "{}\nk\n{}\nr mxcsr\n{}\n.lastevent\n{}\nlm\n",
        mark("k"),
        mark("mxcsr"),
        mark("lastevent"),
        mark("lm")
    );
    let run = rdb(&["-z", s(&dump)], &stdin);
    // The signal as the engine names it on a live Linux process: a fault at address 0, second chance.
    let stop = run.assert_matches(&second_chance_re("Access violation", "c0000005"));
    assert_eq!((addr(&stop[1]), addr(&stop[2])), (pid.into(), pid.into()), "{}", run.dump());
    run.section("lastevent").assert_matches(&format!(r"(?m)^Last event: {pid:x}\.{pid:x}: Access violation"));
    // si_addr, the fault address; a signal does not say whether it was a read or a write, the faulting instruction
    // does (the engine decodes it).
    run.assert_matches(r"(?m)^Attempt to write to address 00000000`00000000$");
    // The crash's own context, not the handler's: the walk starts at the null write in inner.
    run.section("k").assert_frames_start_with(&["dumpee!inner", "dumpee!outer", "dumpee!main"]);
    run.section("mxcsr").assert_matches(r"(?m)^mxcsr=00009f80$");
    assert_eq!(lm_start(&run.section("lm"), &exe_path), exe_base, "{}", run.dump());
}
