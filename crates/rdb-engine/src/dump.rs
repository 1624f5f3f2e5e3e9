//! Dumps rdb writes of a stopped process (`.dump`): which kind, and the view of the process a format writer is
//! given. The engine decides what goes in (memory as the program sees it, registers as the user sees them, which
//! regions are the program's); a writer (`rdb-dumps`) only lays it out in its format, and the OS's own writer,
//! where a target offers one ([`crate::target::NativeDumps`]), is preferred for minidumps.

use crate::memory::ReadMemory;
use crate::regs::Registers;
use crate::target::{Exception, FloatRegisters, ModuleRecord, Pid, Region, SnapshotOs, Tid};

/// What `.dump` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DumpKind {
    /// A minidump with every readable page of the process (`/ma`).
    FullMinidump,
    /// A small minidump: threads, their stacks, modules, the exception and a little memory around the addresses
    /// that matter (`/m`).
    SmallMinidump,
    /// An ELF core file, as the Linux kernel writes one (`/core`): Linux processes only.
    Core,
}

/// One thread of the stopped process.
#[derive(Debug, Clone, PartialEq)]
pub struct DumpThread {
    pub tid: Tid,
    /// As the user sees them: a thread stopped on a breakpoint of rdb's has rip at the breakpoint.
    pub registers: Registers,
    /// The x87 and SSE registers, where the target gives them.
    pub float: Option<FloatRegisters>,
    /// Its TEB (Windows) where the target knows it.
    pub teb: Option<u64>,
}

/// A range of the process's memory that maps a file, from `offset` in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappedRange {
    pub start: u64,
    pub end: u64,
    pub offset: u64,
    pub path: std::path::PathBuf,
}

/// The exception the process stopped for, and the thread it happened on.
#[derive(Debug, Clone, PartialEq)]
pub struct DumpException {
    pub tid: Tid,
    pub exception: Exception,
}

/// The stopped process as a dump writer sees it: everything comes from the engine, so nothing rdb put into the
/// process (its int3s and jumps, its scratch code) reaches a dump.
pub struct ProcessView<'a> {
    pub pid: Pid,
    pub os: SnapshotOs,
    /// The event's thread first, then the others in creation order.
    pub threads: Vec<DumpThread>,
    /// The executable first.
    pub modules: Vec<ModuleRecord>,
    /// The program's regions in address order (rdb's own scratch memory left out).
    pub regions: Vec<Region>,
    /// Where the modules' files are mapped, page by page, with the file offsets (a core's `NT_FILE` note: how a
    /// reader of the core finds each module and its base); empty in the view of a minidump writer.
    pub mapped_files: Vec<MappedRange>,
    pub exception: Option<DumpException>,
    /// The auxiliary vector (raw `AT_*` pairs), where the OS has one.
    pub auxv: Option<Vec<u8>>,
    /// The process's command line as the writer records it (the executable's path and arguments), where known.
    pub command_line: Option<String>,
    /// The process's memory as the program sees it: bytes rdb patched read as their originals.
    pub memory: Box<dyn ReadMemory + 'a>,
}

impl ProcessView<'_> {
    /// The regions a dump holds memory of: readable, committed, not a one-shot guard page.
    pub fn dumpable_regions(&self) -> impl Iterator<Item = &Region> {
        self.regions.iter().filter(|r| r.readable && !r.reserved && !r.guard)
    }

    /// The region that holds `address`.
    pub fn region_at(&self, address: u64) -> Option<&Region> {
        self.regions.iter().find(|r| r.start <= address && address < r.end)
    }
}
