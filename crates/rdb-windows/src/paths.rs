//! Module and image paths: from the event's `lpImageName` (a pointer, in the debuggee, to a pointer to the name,
//! often NULL) or from the file handle the event carries.

use std::path::PathBuf;

use windows_sys::Win32::Foundation::HANDLE;
use windows_sys::Win32::Storage::FileSystem::GetFinalPathNameByHandleW;

use crate::memory;

/// The name an event points at through `lpImageName`, if it points at one.
pub fn from_image_name(process: HANDLE, image_name: u64, unicode: bool) -> Option<PathBuf> {
    let name = memory::read_u64(process, image_name)?;
    let text = memory::read_string(process, name, unicode, 1024)?;
    (!text.is_empty()).then(|| PathBuf::from(text))
}

/// The path of an open file, without the `\\?\` prefix.
pub fn from_file_handle(file: HANDLE) -> Option<PathBuf> {
    if file.is_null() {
        return None;
    }
    let mut buf = vec![0u16; 1024];
    // SAFETY: `buf` is a valid writable buffer of the length given; `file` is the event's open file handle.
    let n = unsafe { GetFinalPathNameByHandleW(file, buf.as_mut_ptr(), buf.len() as u32, 0) } as usize;
    if n == 0 || n >= buf.len() {
        return None;
    }
    let text = String::from_utf16_lossy(&buf[..n]);
    let text = text.strip_prefix(r"\\?\UNC\").map(|t| format!(r"\\{t}")).unwrap_or(text);
    let text = text.strip_prefix(r"\\?\").map(str::to_string).unwrap_or(text);
    Some(PathBuf::from(text))
}
