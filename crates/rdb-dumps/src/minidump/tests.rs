//! The reader on real Linux minidumps (`minidump-writer` dumping a live `sleep`), whole, truncated at many lengths
//! and with bytes flipped: each opens or is refused in one line, and nothing read of what opens panics.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rdb_engine::target::{SnapshotOs, Target};

/// A dump of a live `sleep`, written as a crash reporter writes one.
fn real_dump() -> Vec<u8> {
    let mut child = Command::new("sleep").arg("60").stdin(Stdio::null()).spawn().expect("start sleep");
    let pid = child.id() as i32;
    // Until it runs `sleep` (it forked from the test first).
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::fs::read_link(format!("/proc/{pid}/exe")).map_or(true, |e| !e.to_string_lossy().contains("sleep")) {
        assert!(Instant::now() < deadline, "sleep did not start");
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut out = std::io::Cursor::new(Vec::new());
    let written = minidump_writer::minidump_writer::MinidumpWriterConfig::new(pid, pid).write(&mut out);
    let _ = child.kill();
    let _ = child.wait();
    written.expect("minidump-writer dumps sleep");
    out.into_inner()
}

fn open(bytes: Vec<u8>) -> rdb_engine::Result<Box<dyn Target>> {
    super::open(Path::new("sleep.dmp"), Box::new(bytes))
}

/// Everything a session asks of a target, asked of this one; what it answers about the first thread.
fn exercise(target: &mut dyn Target) -> Option<u64> {
    let _ = target.pid();
    let mut first_rip = None;
    for tid in target.threads() {
        if let Ok(r) = target.registers(tid) {
            first_rip.get_or_insert(r.rip);
            let mut buf = [0u8; 0x300];
            let _ = target.read_memory(r.rsp, &mut buf);
            let _ = target.read_memory(r.rip, &mut buf);
            let _ = target.read_memory(u64::MAX - 4, &mut buf);
        }
        if let Some(v) = target.vector_registers() {
            let _ = v.float_registers(tid);
        }
    }
    let _ = target.memory_regions();
    let _ = target.auxiliary_vector();
    if let Some(blocks) = target.environment_blocks() {
        let _ = blocks.peb();
    }
    let snapshot = target.snapshot().expect("a dump is a snapshot");
    let modules = snapshot.modules();
    let _ = (snapshot.event(), snapshot.exception_context(), snapshot.warnings(), snapshot.os());
    for m in modules {
        let mut buf = [0u8; 64];
        let _ = target.read_memory(m.base, &mut buf);
    }
    first_rip
}

#[test]
fn a_linux_dump_reads_and_damaged_copies_never_panic() {
    let dump = real_dump();
    let mut whole = open(dump.clone()).expect("the whole dump opens");
    assert_eq!(whole.snapshot().unwrap().os(), SnapshotOs::Linux);
    assert_eq!(whole.snapshot().unwrap().warnings(), Vec::<String>::new());
    assert!(whole.environment_blocks().is_none());
    let threads = whole.threads();
    assert_eq!(threads.len(), 1, "sleep has one thread");
    assert_eq!(threads[0], whole.pid());
    let regs = whole.registers(threads[0]).unwrap();
    let mut word = [0u8; 8];
    assert_eq!(whole.read_memory(regs.rsp, &mut word).unwrap(), 8, "the stack is in the dump");
    let modules = whole.snapshot().unwrap().modules();
    assert!(modules[0].path.to_string_lossy().ends_with("sleep"), "the executable first: {modules:?}");
    assert!(modules.iter().any(|m| m.base <= regs.rip && regs.rip < m.base + m.size), "rip lies in a module");
    assert!(whole.auxiliary_vector().unwrap().is_some_and(|a| a.len() % 16 == 0));
    assert!(whole.memory_regions().unwrap().iter().any(|r| r.name.as_deref() == Some("[stack]")));
    // A dump written on request, not for a crash: no event.
    assert_eq!(whole.snapshot().unwrap().event(), None);
    assert_eq!(exercise(whole.as_mut()), Some(regs.rip));

    // Cut in half, it still has its threads, and says what it lost.
    let mut half = open(dump[..dump.len() / 2].to_vec()).expect("half a dump opens");
    assert_eq!(half.threads(), threads);
    let warnings = half.snapshot().unwrap().warnings();
    assert!(!warnings.is_empty() && warnings.iter().all(|w| !w.contains('\n')), "{warnings:?}");

    // Cut at many lengths: the first 4 KiB byte by byte's neighbourhood, then across the whole file.
    let step = (dump.len() / 300).max(1);
    let lengths = (0..4096.min(dump.len())).step_by(7).chain((0..dump.len()).step_by(step));
    for len in lengths {
        if let Ok(mut t) = open(dump[..len].to_vec()) {
            exercise(t.as_mut());
        }
    }
    // Bytes flipped, a few at a time, at places a simple generator picks.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..600 {
        let mut damaged = dump.clone();
        for _ in 0..4 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            // Mostly in the streams at the front, where the structure is.
            let span = if seed & 1 == 0 { damaged.len().min(8192) } else { damaged.len() };
            let at = (seed >> 8) as usize % span;
            damaged[at] ^= (seed >> 32) as u8 | 1;
        }
        if let Ok(mut t) = open(damaged) {
            exercise(t.as_mut());
        }
    }
}

#[test]
fn files_that_are_not_minidumps_are_refused_in_one_line() {
    for bytes in [b"MDMP".to_vec(), b"MDMP\x93\xa7\x00\x00".to_vec(), vec![0u8; 64]] {
        let e = open(bytes).err().expect("refused").to_string();
        assert!(e.starts_with("sleep.dmp cannot be read as a minidump") && !e.contains('\n'), "{e}");
    }
}
