//! A real core (gdb's `gcore` of a `sleep`), opened whole, cut short at many lengths and with bytes flipped at
//! random: every open either refuses in one line or gives a target whose every read answers without a panic.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use super::*;

/// The core's bytes, made once for all the tests of this file.
fn real_core() -> &'static [u8] {
    static CORE: OnceLock<Vec<u8>> = OnceLock::new();
    CORE.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("rdb-dumps-core-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        let path = dir.join("sleep.core");
        let mut sleeper = Command::new("sleep").arg("60").spawn().expect("sleep runs");
        let gcore = Command::new("gdb")
            .args(["-batch", "-nx", "-p", &sleeper.id().to_string(), "-ex"])
            .arg(format!("gcore {}", path.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = sleeper.kill();
        let _ = sleeper.wait();
        assert!(gcore.is_ok_and(|s| s.success()), "gdb's gcore (installed by scripts/setup.sh) could not dump a sleep");
        let bytes = std::fs::read(&path).expect("gcore wrote the core");
        let _ = std::fs::remove_dir_all(&dir);
        bytes
    })
}

/// Where the core's notes are (gdb writes them after the memory, the kernel before it): (offset, size).
fn notes_range(core: &[u8]) -> (usize, usize) {
    let word = |at: usize, n: usize| core[at..at + n].iter().rev().fold(0usize, |v, &b| v << 8 | usize::from(b));
    let (phoff, phnum) = (word(32, 8), word(56, 2));
    (0..phnum)
        .map(|i| phoff + 56 * i)
        .find(|&ph| word(ph, 4) == 4)
        .map(|ph| (word(ph + 8, 8), word(ph + 32, 8)))
        .expect("a PT_NOTE")
}

fn open_bytes(bytes: Vec<u8>) -> Result<CoreFile> {
    CoreFile::read(Path::new("test.core"), Box::new(bytes))
}

/// Everything a session asks of a core, each answer checked for sense rather than for values.
fn exercise(core: &mut CoreFile) {
    let threads = core.threads();
    for &tid in &threads {
        let _ = core.registers(tid);
        let _ = core.float_registers(tid);
        let _ = core.avx_upper(tid);
    }
    assert!(core.registers(0xffff_fff0).is_err());
    let _ = core.pid();
    let _ = core.auxiliary_vector();
    let _ = core.event();
    let _ = core.warnings();
    let mut buf = vec![0u8; 4096];
    for region in core.memory_regions().expect("regions of a core") {
        for address in [region.start, region.end.wrapping_sub(8), region.start.wrapping_add(0x1234)] {
            if let Ok(n) = core.read_memory(address, &mut buf) {
                assert!(n > 0 && n <= buf.len());
            }
        }
    }
    for m in core.modules() {
        let _ = core.read_memory(m.base, &mut buf[..64]);
    }
    if let Some(&tid) = threads.first()
        && let Ok(regs) = core.registers(tid)
    {
        let _ = core.read_memory(regs.rsp, &mut buf);
        let _ = core.read_memory(regs.rip, &mut buf[..16]);
    }
}

#[test]
fn a_whole_core_reads() {
    let mut core = open_bytes(real_core().to_vec()).expect("the core opens");
    assert!(core.warnings().is_empty(), "{:?}", core.warnings());
    let threads = core.threads();
    assert_eq!(threads.len(), 1, "sleep has one thread");
    let regs = core.registers(threads[0]).unwrap();
    let mut word = [0u8; 8];
    assert_eq!(core.read_memory(regs.rsp, &mut word).unwrap(), 8, "the stack is in a core");
    let modules = core.modules();
    assert!(modules.iter().any(|m| m.path.ends_with("sleep")), "{modules:?}");
    assert!(modules[0].path.ends_with("sleep"), "the executable first: {modules:?}");
    assert!(modules.iter().any(|m| m.path.to_string_lossy().contains("libc.so")), "{modules:?}");
    assert!(core.float_registers(threads[0]).is_ok());
    assert!(core.auxiliary_vector().unwrap().is_some_and(|a| !a.is_empty()));
    assert_eq!(core.pid(), threads[0]);
    let regions = core.memory_regions().unwrap();
    let named = |name: &str| regions.iter().find(|r| r.name.as_deref() == Some(name)).cloned();
    let stack = named("[stack]").expect("the main thread's stack is named");
    assert!((stack.start..stack.end).contains(&regs.rsp), "{stack:?} holds rsp {:#x}", regs.rsp);
    assert!(named("[vdso]").is_some_and(|v| v.executable), "{regions:?}");
    let exe = &modules[0];
    let image = regions.iter().find(|r| r.start == exe.base).expect("a region where the program is");
    assert_eq!(image.name.as_deref().map(Path::new), Some(exe.path.as_path()));
    exercise(&mut core);
}

#[test]
fn a_core_cut_short_anywhere_opens_with_what_is_left() {
    let whole = real_core();
    // Every length through the headers and notes (they come first), then lengths across the memory.
    let head = whole.len().min(16 * 1024);
    let (notes, notes_size) = notes_range(whole);
    let lengths = (0..head)
        .step_by(7)
        .chain((notes..notes + notes_size).step_by(3))
        .chain((head..whole.len()).step_by((whole.len() / 150).max(1)));
    let mut opened = 0;
    for len in lengths {
        match open_bytes(whole[..len].to_vec()) {
            Ok(mut core) => {
                opened += 1;
                assert!(core.warnings().iter().any(|w| w.contains("truncated")), "cut at {len}: {:?}", core.warnings());
                exercise(&mut core);
            }
            Err(e) => assert!(!e.to_string().contains('\n'), "one line: {e}"),
        }
    }
    assert!(opened > 100, "a core cut in its memory still opens ({opened} did)");
}

#[test]
fn flipped_bytes_never_panic() {
    let whole = real_core();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let head = whole.len().min(16 * 1024) as u64;
    let (notes, notes_size) = notes_range(whole);
    for round in 0..600 {
        let mut bytes = whole.to_vec();
        for _ in 0..1 + next() % 8 {
            // Mostly where the structure is (headers, notes); now and then anywhere.
            let at = match round % 3 {
                0 => (next() % head) as usize,
                1 => notes + (next() % notes_size as u64) as usize,
                _ => (next() % bytes.len() as u64) as usize,
            };
            bytes[at] ^= 1 << (next() % 8);
        }
        if let Ok(mut core) = open_bytes(bytes) {
            exercise(&mut core);
        }
    }
}

#[test]
fn another_machine_or_class_is_named() {
    let mut arm = real_core()[..64].to_vec();
    arm[18..20].copy_from_slice(&183u16.to_le_bytes());
    let e = open_bytes(arm).err().unwrap().to_string();
    assert!(e.contains("another machine (AArch64") && e.contains("x86-64"), "{e}");
    let mut elf32 = real_core()[..64].to_vec();
    elf32[4] = 1;
    let e = open_bytes(elf32).err().unwrap().to_string();
    assert!(e.contains("32-bit"), "{e}");
}
