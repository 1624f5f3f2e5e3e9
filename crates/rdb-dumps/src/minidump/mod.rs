//! Minidumps (Windows' `MiniDumpWriteDump`, Wine's included; Breakpad's and Crashpad's Linux ones, as
//! `minidump-writer` writes them) as targets that only read.
//!
//! The streams are read once, at open (`read.rs`, on rust-minidump); the process's memory stays in the mapped file
//! and is read range by range when asked (`memory.rs`). Memory the dump left out (a small dump holds stacks and
//! little else; no dump holds the modules' code unless it is full) is an error here: the engine reads a module's
//! code from its image file itself.

mod context;
mod exception;
mod memory;
mod read;
mod regions;
// The tests write real dumps with minidump-writer, which writes Linux ones on Linux.
#[cfg(all(test, target_os = "linux"))]
mod tests;

use std::path::Path;

use rdb_engine::regs::Registers;
use rdb_engine::symbols::source::FileBytes;
use rdb_engine::target::{
    EnvironmentBlocks, Event, FloatRegisters, ModuleRecord, Pid, Region, Snapshot, SnapshotFormat, SnapshotOs, Target,
    Tid, VectorRegisters,
};
use rdb_engine::{Error, Result};

use read::{Parsed, Thread};

/// Where a TEB (x64) holds its process's PEB.
const TEB_PEB: u64 = 0x60;

pub(crate) fn open(path: &Path, bytes: FileBytes) -> Result<Box<dyn Target>> {
    let parsed = read::read(path, &bytes)?;
    Ok(Box::new(MinidumpTarget { bytes, parsed }))
}

/// A process as a minidump recorded it.
struct MinidumpTarget {
    bytes: FileBytes,
    parsed: Parsed,
}

impl MinidumpTarget {
    fn thread(&self, tid: Tid) -> Result<&Thread> {
        self.parsed.threads.iter().find(|t| t.tid == tid).ok_or(Error::NoSuchThread(tid))
    }

    fn read_u64(&self, address: u64) -> Option<u64> {
        let mut word = [0u8; 8];
        (self.parsed.memory.read(&self.bytes, address, &mut word) == 8).then(|| u64::from_le_bytes(word))
    }
}

fn no_registers(tid: Tid) -> Error {
    Error::msg(format!("the dump holds no registers for thread {tid:#x}"))
}

impl Target for MinidumpTarget {
    fn pid(&self) -> Pid {
        self.parsed.pid
    }

    fn read_memory(&mut self, address: u64, buf: &mut [u8]) -> Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        match self.parsed.memory.read(&self.bytes, address, buf) {
            0 => Err(Error::MemoryAccess(address)),
            n => Ok(n),
        }
    }

    fn registers(&mut self, tid: Tid) -> Result<Registers> {
        self.thread(tid)?.context.map(|c| c.registers).ok_or_else(|| no_registers(tid))
    }

    fn threads(&self) -> Vec<Tid> {
        self.parsed.threads.iter().map(|t| t.tid).collect()
    }

    fn memory_regions(&mut self) -> Result<Vec<Region>> {
        Ok(self.parsed.regions.clone())
    }

    fn snapshot(&mut self) -> Option<&mut dyn Snapshot> {
        Some(self)
    }

    fn environment_blocks(&mut self) -> Option<&mut dyn EnvironmentBlocks> {
        match self.parsed.os {
            SnapshotOs::Windows => Some(self),
            SnapshotOs::Linux => None,
        }
    }

    fn vector_registers(&mut self) -> Option<&mut dyn VectorRegisters> {
        Some(self)
    }

    fn auxiliary_vector(&mut self) -> Result<Option<Vec<u8>>> {
        Ok(self.parsed.auxv.clone())
    }
}

impl Snapshot for MinidumpTarget {
    fn modules(&mut self) -> Vec<ModuleRecord> {
        self.parsed.modules.clone()
    }

    fn event(&mut self) -> Option<Event> {
        self.parsed.event.clone()
    }

    fn exception_context(&mut self) -> Option<Registers> {
        self.parsed.exception_context.map(|c| c.registers)
    }

    fn warnings(&mut self) -> Vec<String> {
        self.parsed.warnings.clone()
    }

    fn os(&mut self) -> SnapshotOs {
        self.parsed.os
    }

    fn format(&mut self) -> SnapshotFormat {
        if self.parsed.full_memory { SnapshotFormat::FullMinidump } else { SnapshotFormat::Minidump }
    }
}

impl EnvironmentBlocks for MinidumpTarget {
    fn peb(&mut self) -> Result<u64> {
        // Every TEB of the process points at the one PEB: the first the dump holds answers.
        let tebs = || self.parsed.threads.iter().map(|t| t.teb).filter(|&teb| teb != 0);
        if let Some(peb) = tebs().find_map(|teb| self.read_u64(teb.checked_add(TEB_PEB)?)) {
            return Ok(peb);
        }
        Err(match tebs().next() {
            Some(teb) => Error::msg(format!(
                "the dump does not hold the TEB at {teb:#x}, where the PEB's address is (a dump written without \
                 the threads' environment blocks)"
            )),
            None => Error::msg("the dump records no thread's TEB, where the PEB's address is"),
        })
    }

    fn teb(&mut self, tid: Tid) -> Result<u64> {
        match self.thread(tid)?.teb {
            0 => Err(Error::msg(format!("the dump records no TEB for thread {tid:#x}"))),
            teb => Ok(teb),
        }
    }
}

impl VectorRegisters for MinidumpTarget {
    fn float_registers(&mut self, tid: Tid) -> Result<FloatRegisters> {
        let context = self.thread(tid)?.context.ok_or_else(|| no_registers(tid))?;
        context.float.ok_or_else(|| Error::msg(format!("the dump holds no x87 or SSE registers for thread {tid:#x}")))
    }

    fn set_float_registers(&mut self, _tid: Tid, _regs: &FloatRegisters) -> Result<()> {
        Err(Error::msg("the target is a snapshot of a process (a dump): it cannot run or be changed"))
    }
}
