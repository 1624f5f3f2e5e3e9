//! Minidumps written by the OS (`MiniDumpWriteDump`, dbghelp; Wine has it too), the engine's preferred writer for a
//! Windows process: it records what Windows' tools expect (thread and handle data, memory info). The engine has
//! lifted its patches before the call. The stop's exception goes in as the OS's own structures built here, in
//! rdb's memory (`ClientPointers = FALSE`), its thread's context read as it is now (rip rewound onto a breakpoint
//! of the engine's).

use std::os::windows::io::AsRawHandle;
use std::path::Path;

use rdb_engine::Result;
use rdb_engine::target::{Exception, ExceptionKind, NativeDumps, Tid};
use windows_sys::Win32::Foundation::{HANDLE, NTSTATUS};
use windows_sys::Win32::System::Diagnostics::Debug::{
    EXCEPTION_POINTERS, EXCEPTION_RECORD, MINIDUMP_EXCEPTION_INFORMATION, MINIDUMP_TYPE, MiniDumpNormal,
    MiniDumpWithFullMemory, MiniDumpWithFullMemoryInfo, MiniDumpWithHandleData, MiniDumpWithThreadInfo,
    MiniDumpWithUnloadedModules, MiniDumpWriteDump,
};

use super::WindowsTarget;
use crate::context::{self, Context, last_error};

/// What `.dump /ma` asks of the OS's writer, as WinDbg asks it: all memory, and what describes it.
const FULL: MINIDUMP_TYPE = MiniDumpWithFullMemory
    | MiniDumpWithFullMemoryInfo
    | MiniDumpWithHandleData
    | MiniDumpWithThreadInfo
    | MiniDumpWithUnloadedModules;

impl NativeDumps for WindowsTarget {
    fn write_minidump(
        &mut self,
        path: &Path,
        full: bool,
        overwrite: bool,
        exception: Option<(Tid, &Exception)>,
    ) -> Result<()> {
        self.live()?;
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true);
        if overwrite {
            options.create(true).truncate(true);
        } else {
            options.create_new(true);
        }
        let file = options.open(path).map_err(|e| rdb_engine::err!("{}: {e}", path.display()))?;
        let written = self.write_to(file.as_raw_handle(), full, exception);
        drop(file);
        if written.is_err() {
            let _ = std::fs::remove_file(path);
        }
        written
    }
}

impl WindowsTarget {
    fn write_to(&mut self, file: HANDLE, full: bool, exception: Option<(Tid, &Exception)>) -> Result<()> {
        let kind = if full { FULL } else { MiniDumpNormal };
        let mut built = match exception {
            Some((tid, e)) => Some((tid, record(e), self.thread_context(tid)?)),
            None => None,
        };
        let mut pointers = built.as_mut().map(|(_, record, context)| EXCEPTION_POINTERS {
            ExceptionRecord: record as *mut EXCEPTION_RECORD,
            ContextRecord: &mut context.0,
        });
        let info = match (&built, pointers.as_mut()) {
            (Some((tid, _, _)), Some(pointers)) => Some(MINIDUMP_EXCEPTION_INFORMATION {
                ThreadId: *tid,
                ExceptionPointers: pointers as *mut EXCEPTION_POINTERS,
                ClientPointers: 0,
            }),
            _ => None,
        };
        let info_ptr = info.as_ref().map_or(std::ptr::null(), |i| i as *const MINIDUMP_EXCEPTION_INFORMATION);
        // SAFETY: the process handle is the debuggee's, open while the target lives; `file` is an open file handle
        // with read and write access; `info_ptr` is null or points at `info`, whose pointers lead to `pointers`,
        // the record and the context, all alive on this frame for the whole call (ClientPointers = FALSE: they
        // are in rdb's memory); no user streams, no callback.
        let ok = unsafe {
            MiniDumpWriteDump(self.handle(), self.pid, file, kind, info_ptr, std::ptr::null(), std::ptr::null())
        };
        if ok == 0 {
            return Err(last_error("MiniDumpWriteDump"));
        }
        Ok(())
    }

    /// The thread's general and x87/SSE registers as they are now, for the exception's context.
    fn thread_context(&mut self, tid: Tid) -> Result<Context> {
        let handle = self.thread(tid)?.handle;
        let mut context = Context::get(handle, context::FULL | context::FLOAT)?;
        // Only what was asked for: the exception-reporting bits the system adds are no part of a dumped context.
        context.0.ContextFlags = context::FULL | context::FLOAT;
        Ok(context)
    }
}

/// The exception as an EXCEPTION_RECORD: its code, where, and its parameters (an access violation's kind of access
/// and address).
fn record(e: &Exception) -> EXCEPTION_RECORD {
    let parameters: Vec<u64> = match &e.kind {
        ExceptionKind::AccessViolation { fault_address: Some(a), write, .. } => {
            vec![u64::from(write.unwrap_or(false)), *a]
        }
        ExceptionKind::Other { parameters, .. } => parameters.iter().take(15).copied().collect(),
        _ => Vec::new(),
    };
    let mut information = [0usize; 15];
    for (slot, p) in information.iter_mut().zip(&parameters) {
        *slot = *p as usize;
    }
    EXCEPTION_RECORD {
        ExceptionCode: e.kind.code() as NTSTATUS,
        ExceptionFlags: 0,
        ExceptionRecord: std::ptr::null_mut(),
        ExceptionAddress: e.address as usize as *mut core::ffi::c_void,
        NumberParameters: parameters.len() as u32,
        ExceptionInformation: information,
    }
}
