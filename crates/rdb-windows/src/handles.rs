//! Handle ownership. Handles the debugger opens or is given to keep (the process handle of `CreateProcessW` or
//! `OpenProcess`) are [`OwnedHandle`]s and close when dropped. Handles inside debug events belong to the debug
//! subsystem (the process and thread handles, closed when their exit event is continued) except `hFile`, which the
//! debugger must close itself: [`close_file_handle`] does it as soon as the path has been read from it.

use std::os::windows::io::{FromRawHandle, OwnedHandle};

use windows_sys::Win32::Foundation::{CloseHandle, HANDLE};

/// Take ownership of a handle the debugger must close.
pub fn owned(handle: HANDLE) -> Option<OwnedHandle> {
    if handle.is_null() || handle as isize == -1 {
        return None;
    }
    // SAFETY: the caller passes a handle that was just returned to it for it to own and close, used nowhere else.
    Some(unsafe { OwnedHandle::from_raw_handle(handle) })
}

/// Close the `hFile` of a create-process or load-DLL event (NULL when the system gave none).
pub fn close_file_handle(file: HANDLE) {
    if !file.is_null() && file as isize != -1 {
        // SAFETY: the debug event handed this file handle to the debugger to close; it is closed exactly once.
        unsafe { CloseHandle(file) };
    }
}
