//! An ELF core file of a stopped Linux process, from the engine's [`ProcessView`], written by the `elfcore` crate
//! (`CoreDumpBuilder::from_source`): a PT_NOTE with the process (NT_PRPSINFO), each thread's registers
//! (NT_PRSTATUS, the event's thread first, with the signal it stopped for; NT_PRFPREG from its x87/SSE state) and the
//! auxiliary vector (NT_AUXV, which gdb needs to relocate a position-independent executable), then one PT_LOAD per
//! readable region with its bytes as the program sees them. No NT_FILE: the engine's regions carry no file
//! offsets, and gdb finds the shared libraries through the loader's list in the dumped memory.

use std::io::Write;

use elfcore::{ArchComponentState, ArchState, CoreDumpBuilder, CoreError, Elf64_Auxv, MappedFile, ProcessInfoSource};
use elfcore::{ReadProcessMemory, ThreadView, VaProtection, VaRegion};
use rdb_engine::dump::ProcessView;
use rdb_engine::memory::ReadMemory;
use rdb_engine::regs::Registers;
use rdb_engine::target::{Backing, Region};
use rdb_engine::{Error, Result};

/// NT_PRFPREG: the x87/SSE state as FXSAVE lays it out (Linux's `user_fpregs_struct`).
const NT_PRFPREG: u32 = 2;
const PAGE: usize = 4096;

/// Write an ELF core file of `view` to `out`. `signal` is the signal the event's thread stopped for (0 for none).
pub fn write<W: Write>(view: &mut ProcessView<'_>, signal: u32, out: W) -> Result<()> {
    let comm = view.modules.first().and_then(|m| m.path.file_name()).map(|n| n.to_string_lossy().into_owned());
    let comm: String = comm.unwrap_or_default().chars().take(15).collect();
    let cmd_line = view.command_line.clone().unwrap_or_else(|| comm.clone());
    // elfcore sizes every thread's notes by the first thread's: the x87/SSE note goes in for all or for none.
    let with_float = view.threads.iter().all(|t| t.float.is_some());
    let threads: Vec<ThreadView> = view
        .threads
        .iter()
        .map(|t| {
            let mut components = Vec::new();
            if let Some(float) = t.float.as_ref().filter(|_| with_float) {
                let mut area = vec![0u8; 512];
                if float.to_fxsave(&mut area) {
                    components.push(ArchComponentState {
                        name: "Floating point",
                        note_type: NT_PRFPREG,
                        note_name: b"CORE",
                        data: area,
                    });
                }
            }
            ThreadView {
                tid: t.tid as i32,
                cmd_line: cmd_line.clone(),
                comm: comm.clone(),
                state: b't',
                ppid: 0,
                pgrp: view.pid as i32,
                session: 0,
                flags: 0,
                utime: 0,
                stime: 0,
                cutime: 0,
                cstime: 0,
                nice: 0,
                uid: 0,
                gid: 0,
                // Every thread's note carries the signal, as the kernel writes them (BFD keeps the last one's);
                // the event's thread comes first, which gdb makes current.
                cursig: signal as u16,
                sighold: 0,
                sigpend: 0,
                arch_state: Box::new(ArchState { gpr_state: user_regs(&t.registers), components }),
            }
        })
        .collect();
    // A region that does not read at all (Linux's `[vvar]`) is left out, as the kernel leaves it out of its cores;
    // elfcore fills a page that fails inside a region with 0xf1 bytes, since a PT_LOAD cannot have holes.
    let readable: Vec<Region> = view.dumpable_regions().cloned().collect();
    let readable: Vec<_> =
        readable.into_iter().filter(|r| view.memory.read(r.start, &mut [0u8; 1]).is_ok_and(|n| n == 1)).collect();
    let regions = readable
        .iter()
        .map(|r| VaRegion {
            begin: r.start,
            end: r.end,
            offset: 0,
            protection: VaProtection {
                is_private: r.backing != Backing::Mapped || r.copy_on_write,
                read: r.readable,
                write: r.writable,
                execute: r.executable,
            },
            mapped_file_name: r.name.clone(),
        })
        .collect();
    let auxv = view.auxv.as_deref().map(|bytes| {
        bytes.chunks_exact(16).map(|pair| Elf64_Auxv { a_type: word(&pair[..8]), a_val: word(&pair[8..]) }).collect()
    });
    // elfcore writes the process's note (NT_PRPSINFO, which gdb needs) from the thread whose id is the process's
    // and refuses without one: where the main thread has ended (`pthread_exit` in main), the first thread stands
    // in for it, and the note names that thread's id as the process's.
    let pid = view.pid as i32;
    let pid = if threads.iter().any(|t| t.tid == pid) { pid } else { threads.first().map_or(pid, |t| t.tid) };
    let source = Source { pid, threads, regions, auxv };
    let reader = Reader { memory: view.memory.as_mut() };
    CoreDumpBuilder::from_source(source, reader)
        .write(out)
        .map(|_| ())
        .map_err(|e| Error::msg(format!("cannot write the core file: {e}")))
}

fn word(bytes: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(bytes);
    u64::from_le_bytes(b)
}

/// The registers in Linux's `user_regs_struct` order, as NT_PRSTATUS holds them.
fn user_regs(r: &Registers) -> Vec<u64> {
    vec![
        r.r15,
        r.r14,
        r.r13,
        r.r12,
        r.rbp,
        r.rbx,
        r.r11,
        r.r10,
        r.r9,
        r.r8,
        r.rax,
        r.rcx,
        r.rdx,
        r.rsi,
        r.rdi,
        r.orig_rax,
        r.rip,
        u64::from(r.cs),
        r.rflags,
        r.rsp,
        u64::from(r.ss),
        r.fs_base,
        r.gs_base,
        u64::from(r.ds),
        u64::from(r.es),
        u64::from(r.fs),
        u64::from(r.gs),
    ]
}

struct Source {
    pid: i32,
    threads: Vec<ThreadView>,
    regions: Vec<VaRegion>,
    auxv: Option<Vec<Elf64_Auxv>>,
}

impl ProcessInfoSource for Source {
    fn pid(&self) -> i32 {
        self.pid
    }
    fn threads(&self) -> &[ThreadView] {
        &self.threads
    }
    fn va_regions(&self) -> &[VaRegion] {
        &self.regions
    }
    fn mapped_files(&self) -> Option<&[MappedFile]> {
        None
    }
    fn aux_vector(&self) -> Option<&[Elf64_Auxv]> {
        self.auxv.as_deref()
    }
    fn page_size(&self) -> usize {
        PAGE
    }
}

/// The process's memory as the engine gives it (patches masked).
struct Reader<'a> {
    memory: &'a mut dyn ReadMemory,
}

impl ReadProcessMemory for Reader<'_> {
    fn read_process_memory(&mut self, base: usize, buf: &mut [u8]) -> std::result::Result<usize, CoreError> {
        self.memory.read(base as u64, buf).map_err(|_| CoreError::InternalError("memory that does not read"))
    }
}
