//! A live process's memory against its ELF file, through `/proc/<pid>/mem`: the load bias, symbols' runtime
//! addresses, globals, and the stray-patch check (`text_diff`, `assert_text_clean`) a detach must pass.

use std::fs;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::time::Duration;

use crate::process::{process_state, tracer_pid, wait_until};

/// The ELF file of `exe`, parsed enough for the checks below.
struct Elf {
    data: Vec<u8>,
}

impl Elf {
    fn read(exe: &Path) -> Elf {
        Elf { data: fs::read(exe).unwrap_or_else(|e| panic!("read {}: {e}", exe.display())) }
    }

    fn file(&self) -> object::File<'_> {
        object::File::parse(&*self.data).expect("parse ELF")
    }
}

/// The load bias of `exe` in process `pid`: runtime address = file address + bias.
pub fn load_bias(pid: u32, exe: &Path) -> u64 {
    use object::{Object, ObjectSegment};
    let canon = fs::canonicalize(exe).unwrap_or_else(|_| exe.to_path_buf());
    let maps = fs::read_to_string(format!("/proc/{pid}/maps")).unwrap_or_else(|e| panic!("read maps of {pid}: {e}"));
    let base = maps
        .lines()
        .filter_map(|l| {
            let fields: Vec<&str> = l.split_whitespace().collect();
            if fields.len() < 6 || Path::new(fields[5]) != canon || u64::from_str_radix(fields[2], 16) != Ok(0) {
                return None;
            }
            u64::from_str_radix(fields[0].split('-').next()?, 16).ok()
        })
        .min()
        .unwrap_or_else(|| panic!("{} is not mapped in process {pid}:\n{maps}", canon.display()));
    let elf = Elf::read(exe);
    let first_vaddr = elf.file().segments().map(|s| s.address()).min().unwrap_or(0) & !0xfff;
    base - first_vaddr
}

/// One byte of `.text` that differs between the file and the live process.
#[derive(Debug)]
pub struct TextDiff {
    pub address: u64,
    pub file: u8,
    pub live: u8,
}

/// Compares the `.text` section of `exe` with the live memory of `pid` (via `/proc/<pid>/mem`).
pub fn text_diff(pid: u32, exe: &Path) -> Vec<TextDiff> {
    use object::{Object, ObjectSection};
    let elf = Elf::read(exe);
    let file = elf.file();
    let text = file.section_by_name(".text").expect(".text section");
    let bytes = text.data().expect(".text data");
    let start = text.address() + load_bias(pid, exe);
    let live = read_memory(pid, start, bytes.len());
    bytes
        .iter()
        .zip(&live)
        .enumerate()
        .filter(|(_, (f, l))| f != l)
        .map(|(i, (f, l))| TextDiff { address: start + i as u64, file: *f, live: *l })
        .collect()
}

/// Fails the test if the live `.text` of `exe` in `pid` differs from the file (a stray 0xCC left behind).
pub fn assert_text_clean(pid: u32, exe: &Path) {
    let diffs = text_diff(pid, exe);
    assert!(
        diffs.is_empty(),
        "process {pid}: live .text of {} differs from the file at {} places (stray breakpoints?): {:x?}",
        exe.display(),
        diffs.len(),
        &diffs[..diffs.len().min(16)]
    );
}

/// Reads `len` bytes of process memory at `address` through `/proc/<pid>/mem`.
pub fn read_memory(pid: u32, address: u64, len: usize) -> Vec<u8> {
    let mem = fs::File::open(format!("/proc/{pid}/mem")).unwrap_or_else(|e| panic!("open /proc/{pid}/mem: {e}"));
    let mut buf = vec![0u8; len];
    mem.read_exact_at(&mut buf, address).unwrap_or_else(|e| panic!("read /proc/{pid}/mem at {address:#x}: {e}"));
    buf
}

/// The runtime address of symbol `name` of `exe` in process `pid`.
pub fn symbol_address(pid: u32, exe: &Path, name: &str) -> u64 {
    use object::{Object, ObjectSymbol};
    let elf = Elf::read(exe);
    let file = elf.file();
    let sym = file
        .symbols()
        .find(|s| s.name() == Ok(name))
        .unwrap_or_else(|| panic!("no symbol {name} in {}", exe.display()));
    sym.address() + load_bias(pid, exe)
}

/// Reads the 8-byte global `name` of `exe` in the live process `pid`.
pub fn read_global_u64(pid: u32, exe: &Path, name: &str) -> u64 {
    let bytes = read_memory(pid, symbol_address(pid, exe, name), 8);
    u64::from_le_bytes(bytes.try_into().unwrap())
}

/// Asserts that process `pid` is running freely: not traced, not stopped, and its global counter `spins`
/// (of the `loop` debuggee) advances.
pub fn assert_loop_runs_free(pid: u32, exe: &Path) {
    assert!(
        wait_until(Duration::from_secs(5), || tracer_pid(pid) == Some(0)),
        "process {pid} is still traced (TracerPid {:?})",
        tracer_pid(pid)
    );
    let state = process_state(pid);
    assert!(matches!(state, Some('R') | Some('S')), "process {pid} should be running or sleeping, state {state:?}");
    let before = read_global_u64(pid, exe, "spins");
    let advanced = wait_until(Duration::from_secs(5), || read_global_u64(pid, exe, "spins") > before);
    assert!(advanced, "process {pid} no longer advances (spins stuck at {before})");
}
