//! The debug-event wait: `WaitForDebugEventEx` where the system has it (it delivers `OutputDebugStringW` text as
//! UTF-16), else `WaitForDebugEvent` (Wine 8 exports no Ex version), and `ContinueDebugEvent`.

use rdb_engine::Result;
use windows_sys::Win32::Foundation::{ERROR_SEM_TIMEOUT, GetLastError, NTSTATUS, WAIT_TIMEOUT};
use windows_sys::Win32::System::Diagnostics::Debug::{ContinueDebugEvent, DEBUG_EVENT, WaitForDebugEvent};
use windows_sys::Win32::System::LibraryLoader::{GetModuleHandleW, GetProcAddress};
use windows_sys::core::BOOL;

use crate::context::last_error;

type WaitFn = unsafe extern "system" fn(*mut DEBUG_EVENT, u32) -> BOOL;

pub struct Waiter {
    wait: WaitFn,
}

impl Waiter {
    pub fn new() -> Waiter {
        let kernel32: Vec<u16> = "kernel32.dll".encode_utf16().chain([0]).collect();
        // SAFETY: kernel32 is loaded in every process; the name is NUL-terminated.
        let module = unsafe { GetModuleHandleW(kernel32.as_ptr()) };
        // SAFETY: the procedure name is a NUL-terminated ANSI string.
        let ex = (!module.is_null()).then(|| unsafe { GetProcAddress(module, c"WaitForDebugEventEx".as_ptr().cast()) });
        let wait = match ex.flatten() {
            // SAFETY: WaitForDebugEventEx has exactly WaitForDebugEvent's signature.
            Some(f) => unsafe { std::mem::transmute::<unsafe extern "system" fn() -> isize, WaitFn>(f) },
            None => WaitForDebugEvent,
        };
        Waiter { wait }
    }

    /// The next debug event, or `None` when `timeout_ms` passed without one.
    pub fn wait(&self, timeout_ms: u32) -> Result<Option<DEBUG_EVENT>> {
        // SAFETY: DEBUG_EVENT is plain data for which zero is valid.
        let mut event: DEBUG_EVENT = unsafe { std::mem::zeroed() };
        // SAFETY: `event` is a valid out-buffer; the function pointer is one of the two wait functions.
        if unsafe { (self.wait)(&mut event, timeout_ms) } == 0 {
            // SAFETY: plain call.
            let error = unsafe { GetLastError() };
            if error == ERROR_SEM_TIMEOUT || error == WAIT_TIMEOUT {
                return Ok(None);
            }
            return Err(last_error("WaitForDebugEvent"));
        }
        Ok(Some(event))
    }
}

/// Let the thread that reported an event go on; `status` is DBG_CONTINUE or DBG_EXCEPTION_NOT_HANDLED.
pub fn continue_event(pid: u32, tid: u32, status: NTSTATUS) -> Result<()> {
    // SAFETY: plain call.
    if unsafe { ContinueDebugEvent(pid, tid, status) } == 0 {
        return Err(last_error("ContinueDebugEvent"));
    }
    Ok(())
}
