//! The stopped process as a dump writer sees it ([`ProcessView`]), and the OS's own minidump writer run with rdb's
//! patches lifted. What a dump holds is decided here: registers as the user sees them (the session's, with rip
//! rewound onto a breakpoint of rdb's), memory through the patch-masking reader, rdb's scratch memory left out.

use std::path::Path;

use super::{Session, live};
use crate::dump::{DumpException, DumpKind, DumpThread, MappedRange, ProcessView};
use crate::error::{Error, Result};
use crate::target::{ModuleRecord, Region, SnapshotOs, Tid};

impl Session {
    /// The OS of the process: a snapshot says; a live target with environment blocks is a Windows process.
    pub fn process_os(&mut self) -> Result<SnapshotOs> {
        let target = self.target()?;
        if let Some(snapshot) = target.snapshot() {
            return Ok(snapshot.os());
        }
        Ok(if target.environment_blocks().is_some() { SnapshotOs::Windows } else { SnapshotOs::Linux })
    }

    /// The stopped process as a writer of a `kind` dump sees it.
    pub fn process_view(&mut self, kind: DumpKind, command_line: Option<String>) -> Result<ProcessView<'_>> {
        let os = self.process_os()?;
        let event_tid = self.event_tid;
        let mut tids: Vec<Tid> = self.threads.iter().map(|t| t.tid).collect();
        if let Some(i) = tids.iter().position(|&t| t == event_tid) {
            let event = tids.remove(i);
            tids.insert(0, event);
        }
        let mut threads = Vec::with_capacity(tids.len());
        for tid in tids {
            // A thread that cannot be read (ending as the process stopped) is left out rather than the whole dump.
            let Ok(registers) = self.registers(tid) else { continue };
            let float = self.target()?.vector_registers().and_then(|v| v.float_registers(tid).ok());
            let teb = match self.target()?.environment_blocks() {
                Some(blocks) => blocks.teb(tid).ok(),
                None => None,
            };
            threads.push(DumpThread { tid, registers, float, teb });
        }
        let modules = self.dump_modules();
        // Only a core lists the files mapped (NT_FILE); finding them reads every module's file.
        let mapped_files = if kind == DumpKind::Core { self.mapped_files() } else { Vec::new() };
        let mut regions = self.target()?.memory_regions()?;
        for (base, size) in self.image.scratch.chunks() {
            regions = cut_out(regions, base, base.saturating_add(size));
        }
        let exception = self.stop_exception.clone().map(|exception| DumpException { tid: event_tid, exception });
        let auxv = self.auxiliary_vector().ok().flatten();
        let pid = self.pid;
        let memory = Box::new(self.memory()?);
        Ok(ProcessView { pid, os, threads, modules, regions, mapped_files, exception, auxv, command_line, memory })
    }

    /// Where each module's file is mapped, from its image's segments (sections): what a core's `NT_FILE` lists.
    fn mapped_files(&self) -> Vec<MappedRange> {
        let mut ranges = Vec::new();
        for m in self.modules.iter() {
            let Some(symbols) = m.symbols() else { continue };
            for (start, end, offset) in symbols.file_mappings() {
                ranges.push(MappedRange { start, end, offset, path: m.path.clone() });
            }
        }
        ranges
    }

    /// The modules as the session knows them, the executable first.
    fn dump_modules(&self) -> Vec<ModuleRecord> {
        let mut modules: Vec<ModuleRecord> =
            self.modules.iter().map(|m| ModuleRecord { base: m.base, size: m.size, path: m.path.clone() }).collect();
        if let Some(exe) = &self.exe_path
            && let Some(i) = modules.iter().position(|m| &m.path == exe)
        {
            let m = modules.remove(i);
            modules.insert(0, m);
        }
        modules
    }

    /// Write a minidump with the OS's own writer, where the target has one: `Ok(false)` when it has none. rdb's
    /// patches are lifted for the call, since that writer reads the process's raw memory, and put back after.
    pub fn write_native_minidump(&mut self, path: &Path, full: bool, overwrite: bool) -> Result<bool> {
        let exception = self.stop_exception.clone();
        let tid = self.event_tid;
        let Session { target, image, state, .. } = self;
        if *state != super::State::Stopped {
            return Err(Error::NoProcess);
        }
        let Some(target) = live(target) else { return Ok(false) };
        if target.native_dumps().is_none() {
            return Ok(false);
        }
        let lifted = image.patches.lift(target);
        if let Some((address, e)) = lifted.first() {
            image.patches.put_back(target);
            return Err(crate::err!("cannot lift the breakpoint at {}: {e}", crate::fmt::addr64(*address)));
        }
        let written = match target.native_dumps() {
            Some(native) => native.write_minidump(path, full, overwrite, exception.as_ref().map(|e| (tid, e))),
            None => Ok(()),
        };
        let restored = image.patches.put_back(target);
        written?;
        match restored.first() {
            Some((address, e)) => {
                Err(crate::err!("the breakpoint at {} could not be put back: {e}", crate::fmt::addr64(*address)))
            }
            None => Ok(true),
        }
    }
}

/// `regions` without `[start, end)` (rdb's scratch memory), a region split where it straddles the range.
fn cut_out(regions: Vec<Region>, start: u64, end: u64) -> Vec<Region> {
    let mut out = Vec::with_capacity(regions.len());
    for r in regions {
        if r.end <= start || r.start >= end {
            out.push(r);
            continue;
        }
        if r.start < start {
            out.push(Region { end: start, ..r.clone() });
        }
        if r.end > end {
            out.push(Region { start: end, ..r });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::cut_out;
    use crate::target::Region;

    fn region(start: u64, end: u64) -> Region {
        Region { start, end, readable: true, ..Region::default() }
    }

    #[test]
    fn scratch_memory_is_cut_out_of_the_regions() {
        let regions = vec![region(0x1000, 0x2000), region(0x2000, 0x6000), region(0x8000, 0x9000)];
        let cut = cut_out(regions, 0x3000, 0x4000);
        let spans: Vec<(u64, u64)> = cut.iter().map(|r| (r.start, r.end)).collect();
        assert_eq!(spans, [(0x1000, 0x2000), (0x2000, 0x3000), (0x4000, 0x6000), (0x8000, 0x9000)]);
        assert_eq!(cut_out(vec![region(0x3000, 0x4000)], 0x3000, 0x4000), []);
    }
}
