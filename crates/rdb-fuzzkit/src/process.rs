//! An in-memory process for the command language: what a dump of `hello` (`tests/debuggees/hello.c` built with the
//! suite's flags, kept as `data/hello` so its addresses never move) would hold, stopped in `add`. It is a target
//! without execution (a [`Snapshot`]), so every command that reads runs for real against it, and every command that
//! would run or change the process takes its error path; nothing in it depends on this machine but the module file.
//!
//! Memory: the module's segments at [`BASE`]; a heap at [`HEAP`] with a string, a wide string and pointers; two
//! stacks at [`STACK`] holding the frames of thread 0 (`add` ← `middle` ← `outer` ← `main`) and thread 1 (`tick` ←
//! `main`), each chained by frame pointers and matching the module's CFI, so `k` walks them either way.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use object::{Object, ObjectSegment, ObjectSymbol, SegmentFlags};
use rdb_engine::debugger::{Debugger, Host, Launch};
use rdb_engine::regs::Registers;
use rdb_engine::session::Stop;
use rdb_engine::target::{
    Backing, Event, EventKind, Exception, ExceptionKind, ModuleRecord, Pid, Region, Snapshot, SnapshotFormat,
    SnapshotOs, Target, Tid,
};
use rdb_engine::{Error, Result};

pub const PID: Pid = 0x4d2;
/// Thread 0 (the one the snapshot stopped on) and thread 1.
pub const TIDS: [Tid; 2] = [0x4d2, 0x4d7];
/// Where the module is loaded (a PIE's usual address with randomisation off).
pub const BASE: u64 = 0x5555_5555_4000;
pub const HEAP: u64 = 0x5555_5555_9000;
const HEAP_SIZE: u64 = 0x1000;
/// Both threads' stacks: thread 0's frames in the first page, thread 1's in the second.
pub const STACK: u64 = 0x7fff_ffff_0000;
const STACK_SIZE: u64 = 0x2000;
/// The length of every function's prologue in the module (`push rbp; mov rbp, rsp`): a thread stopped past it has
/// its frame set up.
const PROLOGUE: u64 = 4;

/// The module file the process runs.
pub fn module_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/hello")
}

#[derive(Clone)]
struct Mapping {
    region: Region,
    bytes: Vec<u8>,
}

/// The process: its memory, its threads' registers, its one module.
#[derive(Clone)]
pub struct MemoryProcess {
    mappings: Vec<Mapping>,
    threads: Vec<(Tid, Registers)>,
    module_size: u64,
}

impl MemoryProcess {
    /// A fresh copy of the process (built from the module file once per program run).
    pub fn new() -> MemoryProcess {
        static IMAGE: OnceLock<MemoryProcess> = OnceLock::new();
        IMAGE.get_or_init(build).clone()
    }

    /// A debugger that has opened a fresh copy of the process, and the stop it opened at. It launches and attaches
    /// nothing: this process is its only debuggee.
    pub fn opened() -> (Debugger, Stop) {
        MemoryProcess::open(Box::new(MemoryProcess::new()))
    }

    /// A debugger that has opened `target` (this process or a variant of it), and the stop it opened at.
    pub fn open(target: Box<dyn Target>) -> (Debugger, Stop) {
        MemoryProcess::open_telling(target, Box::new(|_| {}))
    }

    /// As [`MemoryProcess::open`], telling `listener` the notices (the modules, what the snapshot lacks).
    pub fn open_telling(target: Box<dyn Target>, listener: rdb_engine::session::Listener) -> (Debugger, Stop) {
        let mut dbg = Debugger::new(Box::new(NoHost), listener);
        let stop = dbg.open(target).expect("a snapshot always opens");
        (dbg, stop)
    }

    /// Read what is mapped from `address` on, across adjacent mappings; how many bytes were read.
    fn read(&self, address: u64, buf: &mut [u8]) -> usize {
        let mut n = 0;
        while n < buf.len() {
            let Some(at) = address.checked_add(n as u64) else { break };
            let Some(m) = self.mappings.iter().find(|m| m.region.start <= at && at < m.region.end) else { break };
            let offset = (at - m.region.start) as usize;
            let k = (buf.len() - n).min(m.bytes.len() - offset);
            buf[n..n + k].copy_from_slice(&m.bytes[offset..offset + k]);
            n += k;
        }
        n
    }

    fn mapping_at(&mut self, address: u64) -> &mut Mapping {
        self.mappings.iter_mut().find(|m| m.region.start <= address && address < m.region.end).expect("mapped")
    }

    fn write(&mut self, address: u64, bytes: &[u8]) {
        let m = self.mapping_at(address);
        let offset = (address - m.region.start) as usize;
        m.bytes[offset..offset + bytes.len()].copy_from_slice(bytes);
    }

    /// Where a call from the function `caller` (address, size) to `callee` returns: just past its `call rel32`.
    fn return_address(&self, caller: (u64, u64), callee: u64) -> u64 {
        let mut code = vec![0u8; caller.1 as usize];
        self.read(caller.0, &mut code);
        (0..code.len().saturating_sub(4))
            .find(|&i| {
                let rel = code.get(i + 1..i + 5).and_then(|r| r.try_into().ok()).map(i32::from_le_bytes);
                code[i] == 0xe8 && rel.is_some_and(|rel| (caller.0 + i as u64 + 5).wrapping_add(rel as u64) == callee)
            })
            .map(|i| caller.0 + i as u64 + 5)
            .unwrap_or_else(|| panic!("no call to {callee:#x} in the function at {:#x}", caller.0))
    }

    /// Lay out a thread's frames, innermost first, from `rbp` up: each frame's saved rbp and return address, the
    /// outermost ending the chain with zeros. The innermost function stands just past its prologue. Returns the
    /// thread's registers.
    fn frames(&mut self, functions: &[(u64, u64)], rbp: u64) -> Registers {
        const FRAME: u64 = 0x20;
        for (i, &callee) in functions.iter().enumerate() {
            let frame = rbp + FRAME * i as u64;
            let (saved_rbp, return_address) = match functions.get(i + 1) {
                Some(&caller) => (frame + FRAME, self.return_address(caller, callee.0)),
                None => (0, 0),
            };
            self.write(frame, &saved_rbp.to_le_bytes());
            self.write(frame + 8, &return_address.to_le_bytes());
        }
        Registers {
            rip: functions[0].0 + PROLOGUE,
            rbp,
            rsp: rbp - 0x10,
            rflags: 0x246,
            cs: 0x33,
            ss: 0x2b,
            ..Default::default()
        }
    }
}

impl Default for MemoryProcess {
    fn default() -> MemoryProcess {
        MemoryProcess::new()
    }
}

/// The process as a dump of `hello` would have it.
fn build() -> MemoryProcess {
    let path = module_path();
    let file =
        std::fs::read(&path).unwrap_or_else(|e| panic!("the in-memory process's module {}: {e}", path.display()));
    let elf = object::File::parse(&*file).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut mappings: Vec<Mapping> = elf
        .segments()
        .map(|segment| {
            let mut bytes = segment.data().expect("the module's segments are in its file").to_vec();
            bytes.resize(segment.size() as usize, 0);
            let flags = match segment.flags() {
                SegmentFlags::Elf { p_flags, .. } => p_flags.0,
                _ => 4,
            };
            let start = BASE + segment.address();
            let region = Region {
                start,
                end: start + segment.size(),
                readable: flags & 4 != 0,
                writable: flags & 2 != 0,
                executable: flags & 1 != 0,
                name: Some(path.display().to_string()),
                backing: Backing::Image,
                ..Region::default()
            };
            Mapping { region, bytes }
        })
        .collect();
    let module_end = mappings.iter().map(|m| m.region.end).max().unwrap_or(BASE);
    let anonymous = |start: u64, size: u64| Mapping {
        region: Region { start, end: start + size, readable: true, writable: true, ..Region::default() },
        bytes: vec![0; size as usize],
    };
    mappings.push(anonymous(HEAP, HEAP_SIZE));
    mappings.push(anonymous(STACK, STACK_SIZE));
    mappings.sort_by_key(|m| m.region.start);

    let symbol = |name: &str| {
        elf.symbols()
            .find(|s| s.name() == Ok(name))
            .map(|s| (BASE + s.address(), s.size()))
            .unwrap_or_else(|| panic!("no symbol {name} in {}", path.display()))
    };
    let message = symbol("message").0;
    let mut process =
        MemoryProcess { mappings, threads: Vec::new(), module_size: (module_end - BASE + 0xfff) & !0xfff };

    // The heap: a C string, a UTF-16 string, then pointers to the module's message, to both strings, and a null.
    process.write(HEAP, b"Hello from the heap\0");
    let wide: Vec<u8> = "Wide heap\0".encode_utf16().flat_map(u16::to_le_bytes).collect();
    process.write(HEAP + 0x40, &wide);
    for (i, pointer) in [message, HEAP, HEAP + 0x40, 0, 0x1122_3344_5566_7788].iter().enumerate() {
        process.write(HEAP + 0x80 + 8 * i as u64, &pointer.to_le_bytes());
    }

    let [add, middle, outer, main, tick] = ["add", "middle", "outer", "main", "tick"].map(symbol);
    let mut first = process.frames(&[add, middle, outer, main], STACK + 0x800);
    (first.rdi, first.rsi, first.rax, first.fs_base) = (1, 2, HEAP + 0x80, HEAP + 0x800);
    let mut second = process.frames(&[tick, main], STACK + 0x1800);
    (second.rdi, second.rcx, second.fs_base) = (3, HEAP, HEAP + 0x900);
    process.threads = vec![(TIDS[0], first), (TIDS[1], second)];
    process
}

impl Target for MemoryProcess {
    fn pid(&self) -> Pid {
        PID
    }

    fn read_memory(&mut self, address: u64, buf: &mut [u8]) -> Result<usize> {
        match self.read(address, buf) {
            0 => Err(Error::MemoryAccess(address)),
            n => Ok(n),
        }
    }

    fn registers(&mut self, tid: Tid) -> Result<Registers> {
        self.threads.iter().find(|(t, _)| *t == tid).map(|(_, r)| *r).ok_or(Error::NoSuchThread(tid))
    }

    fn threads(&self) -> Vec<Tid> {
        self.threads.iter().map(|(t, _)| *t).collect()
    }

    fn memory_regions(&mut self) -> Result<Vec<Region>> {
        Ok(self.mappings.iter().map(|m| m.region.clone()).collect())
    }

    fn snapshot(&mut self) -> Option<&mut dyn Snapshot> {
        Some(self)
    }
}

impl Snapshot for MemoryProcess {
    fn modules(&mut self) -> Vec<ModuleRecord> {
        vec![ModuleRecord { base: BASE, size: self.module_size, path: module_path() }]
    }

    /// Thread 0 hit a breakpoint where it stands.
    fn event(&mut self) -> Option<Event> {
        let (tid, regs) = self.threads[0];
        let exception = Exception { kind: ExceptionKind::Breakpoint, address: regs.rip, first_chance: true };
        Some(Event { pid: PID, tid, kind: EventKind::Exception(exception) })
    }

    fn os(&mut self) -> SnapshotOs {
        SnapshotOs::Linux
    }

    fn format(&mut self) -> SnapshotFormat {
        SnapshotFormat::CoreFile
    }
}

/// The in-memory process is the debugger's only debuggee: `.restart` and `.attach` are refused in one line.
pub(crate) struct NoHost;

impl Host for NoHost {
    fn launch(&mut self, launch: &Launch, _: bool) -> Result<Box<dyn Target>> {
        Err(Error::msg(format!(
            "cannot launch {}: only the in-memory process is debugged here",
            self.command_line(launch)
        )))
    }

    /// No machine's quoting applies to a process that is never started: the words as they were given.
    fn command_line(&self, launch: &Launch) -> String {
        std::iter::once(launch.program.display().to_string())
            .chain(launch.args.iter().cloned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn attach(&mut self, pid: Pid) -> Result<Box<dyn Target>> {
        Err(Error::msg(format!("cannot attach to {pid}: only the in-memory process is debugged here")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_stand_in_their_functions_with_frames_chained() {
        let mut p = MemoryProcess::new();
        let regs = p.registers(TIDS[0]).unwrap();
        let mut word = [0u8; 8];
        assert_eq!(p.read_memory(regs.rbp, &mut word).unwrap(), 8);
        assert_eq!(u64::from_le_bytes(word), regs.rbp + 0x20, "add's saved rbp is middle's frame");
        assert!(p.read_memory(STACK - 1, &mut word).is_err());
        assert_eq!(p.modules()[0].base, BASE);
        assert_eq!(p.threads(), TIDS);
    }
}
