//! Helpers shared by the ptrace tests: building the C debuggees, a watchdog that kills a debuggee which takes too
//! long (so no test can hang), and driving a target through its first events.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use rdb_engine::target::{
    ContinueStatus, Event, EventKind, Exception, ExceptionKind, Execution, ExitStatus, Resume, Target,
};
use rdb_linux::LinuxTarget;

static BUILD: Mutex<()> = Mutex::new(());

fn out_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("rdb-linux-debuggees");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn compile(source: &str, output: &Path, extra: &[&str]) -> PathBuf {
    let _guard = BUILD.lock().unwrap_or_else(|e| e.into_inner());
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/debuggees").join(source);
    let fresh = |o: &Path| {
        let (Ok(s), Ok(o)) = (std::fs::metadata(&src), std::fs::metadata(o)) else { return false };
        o.modified().unwrap() >= s.modified().unwrap()
    };
    if !fresh(output) {
        let status = Command::new("gcc")
            .args(["-g", "-O0", "-pthread"])
            .args(extra)
            .arg(&src)
            .arg("-o")
            .arg(output)
            .status()
            .expect("gcc runs");
        assert!(status.success(), "gcc failed on {source}");
    }
    output.to_path_buf()
}

/// Build `tests/debuggees/<name>.c` into an executable.
pub fn debuggee(name: &str) -> PathBuf {
    compile(&format!("{name}.c"), &out_dir().join(name), &["-ldl"])
}

/// Build `tests/debuggees/<name>.c` as a static executable.
pub fn static_debuggee(name: &str) -> PathBuf {
    compile(&format!("{name}.c"), &out_dir().join(format!("{name}-static")), &["-static"])
}

/// Build the plugin shared library.
pub fn plugin() -> PathBuf {
    compile("plugin.c", &out_dir().join("libplugin.so"), &["-shared", "-fPIC"])
}

/// Kills the debuggee if the test is still running after 10 s, so a wait never blocks for ever.
pub struct Watchdog {
    _cancel: mpsc::Sender<()>,
}

impl Watchdog {
    pub fn new(pid: u32) -> Watchdog {
        let (tx, rx) = mpsc::channel::<()>();
        std::thread::spawn(move || {
            if let Err(RecvTimeoutError::Timeout) = rx.recv_timeout(Duration::from_secs(10)) {
                eprintln!("watchdog: killing {pid}");
                // SAFETY: sending a signal has no memory-safety requirement.
                unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            }
        });
        Watchdog { _cancel: tx }
    }
}

pub fn launch(name: &str, args: &[&str]) -> (LinuxTarget, Watchdog) {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let target = LinuxTarget::launch(&debuggee(name), &args).expect("launch");
    let dog = Watchdog::new(target.pid());
    (target, dog)
}

pub fn wait(t: &mut LinuxTarget) -> Event {
    let event = t.wait_event().expect("wait_event");
    assert_eq!(event.pid, t.pid());
    event
}

pub fn exception(event: &Event) -> &Exception {
    match &event.kind {
        EventKind::Exception(e) => e,
        other => panic!("expected an exception, got {other:?}"),
    }
}

/// The first two events of a launch: ProcessCreated, then the loader. Returns (entry, image base).
pub fn created(t: &mut LinuxTarget) -> (u64, u64) {
    let e = wait(t);
    assert_eq!(e.tid, t.pid());
    let EventKind::ProcessCreated { image_base, image_size, entry, path } = e.kind else {
        panic!("expected ProcessCreated, got {e:?}")
    };
    assert!(path.is_absolute(), "{path:?}");
    assert!(image_size > 0);
    assert!((image_base..image_base + image_size).contains(&entry));
    let e = wait(t);
    let EventKind::ModuleLoaded { base, size, path } = e.kind else { panic!("expected the loader, got {e:?}") };
    assert!(path.to_string_lossy().contains("ld-linux"), "{path:?}");
    assert!(base != 0 && size > 0);
    (entry, image_base)
}

/// Plant an int3 at `address`, returning the original byte.
pub fn plant(t: &mut LinuxTarget, address: u64) -> u8 {
    let mut orig = [0u8];
    assert_eq!(t.read_memory(address, &mut orig).unwrap(), 1);
    t.write_memory(address, &[0xcc]).unwrap();
    orig[0]
}

/// Remove an int3 hit by `tid` and put its rip back on the instruction.
pub fn unplant(t: &mut LinuxTarget, tid: u32, address: u64, orig: u8) {
    t.write_memory(address, &[orig]).unwrap();
    let mut regs = t.registers(tid).unwrap();
    assert_eq!(regs.rip, address + 1);
    regs.rip = address;
    t.set_registers(tid, &regs).unwrap();
}

/// From the exec stop, run to the entry point with an int3 of our own. Returns the entry.
pub fn run_to_entry(t: &mut LinuxTarget) -> u64 {
    let (entry, _) = created(t);
    let orig = plant(t, entry);
    t.resume(ContinueStatus::Handled, Resume::All).unwrap();
    let e = wait(t);
    let x = exception(&e);
    assert_eq!(x.kind, ExceptionKind::Breakpoint);
    assert_eq!(x.address, entry);
    assert!(x.first_chance);
    assert_eq!(e.tid, t.pid());
    unplant(t, e.tid, entry, orig);
    entry
}

/// Run to the end, continuing every event (signals not handled, so they reach the debuggee). Returns the exit
/// status and every event seen on the way.
pub fn finish(t: &mut LinuxTarget) -> (ExitStatus, Vec<Event>) {
    let mut seen = Vec::new();
    let mut status = ContinueStatus::Handled;
    loop {
        t.resume(status, Resume::All).unwrap();
        let e = wait(t);
        seen.push(e.clone());
        match e.kind {
            EventKind::ProcessExited { status } => return (status, seen),
            EventKind::Exception(_) => status = ContinueStatus::NotHandled,
            _ => status = ContinueStatus::Handled,
        }
    }
}

/// The state letter of every task of a process (from /proc/pid/task/*/stat).
pub fn task_states(pid: u32) -> Vec<(u32, char)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(format!("/proc/{pid}/task")).unwrap() {
        let tid: u32 = entry.unwrap().file_name().to_str().unwrap().parse().unwrap();
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/stat")) else { continue };
        let state = stat.rsplit_once(')').unwrap().1.trim().chars().next().unwrap();
        out.push((tid, state));
    }
    out
}

/// Every thread the target lists is stopped in a ptrace stop. (Threads on their way out after exit, no longer
/// listed, may still be running kernel code; while the process exits, none may be listed.)
pub fn assert_all_stopped(t: &LinuxTarget) {
    let listed = t.threads();
    let states = task_states(t.pid());
    for tid in listed {
        let state = states.iter().find(|s| s.0 == tid).map(|s| s.1);
        assert_eq!(state, Some('t'), "thread {tid}");
    }
}

/// The run-time address of a function of a launched executable, from its symbol table and the entry point.
pub fn function(exe: &Path, entry: u64, name: &str) -> u64 {
    use object::{Object, ObjectSymbol};
    let data = std::fs::read(exe).unwrap();
    let file = object::File::parse(&*data).unwrap();
    let bias = entry - file.entry();
    let sym = file.symbols().find(|s| s.name() == Ok(name)).unwrap_or_else(|| panic!("no symbol {name}"));
    bias + sym.address()
}
