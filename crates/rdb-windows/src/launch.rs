//! Starting a debuggee: `CreateProcessW` with `DEBUG_ONLY_THIS_PROCESS` (or `DEBUG_PROCESS` to follow its
//! children), and `DebugActiveProcess` for attaching.

use std::os::windows::io::OwnedHandle;
use std::path::{Path, PathBuf};

use std::ffi::c_void;

use rdb_engine::Result;
use windows_sys::Wdk::System::Threading::ProcessDebugFlags;
use windows_sys::Win32::Foundation::HANDLE;
use windows_sys::Win32::System::Diagnostics::Debug::{DebugActiveProcess, DebugSetProcessKillOnExit};
use windows_sys::Win32::System::Threading::{
    CREATE_NEW_PROCESS_GROUP, CREATE_UNICODE_ENVIRONMENT, CreateProcessW, DEBUG_ONLY_THIS_PROCESS, DEBUG_PROCESS,
    OpenProcess, PROCESS_ALL_ACCESS, PROCESS_INFORMATION, STARTUPINFOW,
};

use crate::context::last_error;
use crate::handles;

/// Create `program` with `command_line` (the line its C runtime splits into its arguments, the program's name
/// first) under the debugger, stopped until the first `WaitForDebugEvent`.
pub fn create(program: &Path, command_line: &str, follow_children: bool) -> Result<(u32, OwnedHandle)> {
    let program = resolve(program)?;
    let mut command_line: Vec<u16> = command_line.encode_utf16().chain([0]).collect();
    let application: Vec<u16> = program.as_os_str().to_string_lossy().encode_utf16().chain([0]).collect();
    // SAFETY: STARTUPINFOW and PROCESS_INFORMATION are plain data for which zero is valid.
    let mut startup: STARTUPINFOW = unsafe { std::mem::zeroed() };
    startup.cb = size_of::<STARTUPINFOW>() as u32;
    // SAFETY: as above.
    let mut info: PROCESS_INFORMATION = unsafe { std::mem::zeroed() };
    let debug = if follow_children { DEBUG_PROCESS } else { DEBUG_ONLY_THIS_PROCESS };
    // SAFETY: every pointer is valid for the call: NUL-terminated UTF-16 strings (the command line writable, as
    // CreateProcessW requires), zeroed startup info with its size set, and an out-struct for the handles.
    let ok = unsafe {
        CreateProcessW(
            application.as_ptr(),
            command_line.as_mut_ptr(),
            std::ptr::null(),
            std::ptr::null(),
            0,
            // A process group of its own: Ctrl-C in the console is rdb's break-in, not the debuggee's end.
            debug | CREATE_UNICODE_ENVIRONMENT | CREATE_NEW_PROCESS_GROUP,
            std::ptr::null(),
            std::ptr::null(),
            &startup,
            &mut info,
        )
    };
    if ok == 0 {
        let e = std::io::Error::last_os_error();
        return Err(rdb_engine::err!(
            "cannot run {}: {}",
            program.display(),
            e.to_string().trim_end_matches(['\r', '\n', '.'])
        ));
    }
    // A launched debuggee ends with rdb, as PTRACE_O_EXITKILL makes it on Linux. The setting is the debugging
    // thread's, for all its debuggees, and an attach or a detach on this thread turned it off.
    // SAFETY: plain call; applies to the calling thread's debuggees.
    unsafe { DebugSetProcessKillOnExit(1) };
    // The thread handle is not needed: the create-process event brings one of its own.
    drop(handles::owned(info.hThread));
    let process = handles::owned(info.hProcess).ok_or_else(|| last_error("CreateProcessW"))?;
    Ok((info.dwProcessId, process))
}

/// A handle to a process, for a child that the debug event stream reported.
pub fn open(pid: u32) -> Result<OwnedHandle> {
    // SAFETY: plain call; the handle returned is owned below.
    let process = unsafe { OpenProcess(PROCESS_ALL_ACCESS, 0, pid) };
    handles::owned(process).ok_or_else(|| last_error("OpenProcess"))
}

#[link(name = "ntdll")]
unsafe extern "system" {
    fn NtSetInformationProcess(process: HANDLE, class: i32, information: *const c_void, length: u32) -> i32;
}

/// `.childdbg`: whether the processes the debuggee creates from now on are debugged too (the debug flags'
/// "inherit" bit, which `DEBUG_PROCESS` sets at creation).
pub fn set_debug_children(process: HANDLE, on: bool) -> Result<()> {
    let flags: u32 = u32::from(on);
    // SAFETY: `flags` is a valid 4-byte buffer for ProcessDebugFlags; `process` is live.
    let status = unsafe {
        NtSetInformationProcess(process, ProcessDebugFlags, (&flags as *const u32).cast(), size_of::<u32>() as u32)
    };
    if status != 0 {
        return Err(rdb_engine::err!("cannot change the debugging of child processes: status {:08x}", status as u32));
    }
    Ok(())
}

/// Attach to a running process. It stays alive if rdb itself dies.
pub fn attach(pid: u32) -> Result<OwnedHandle> {
    // SAFETY: plain call; the handle returned is owned below.
    let process = unsafe { OpenProcess(PROCESS_ALL_ACCESS, 0, pid) };
    let process = handles::owned(process).ok_or_else(|| {
        let e = std::io::Error::last_os_error();
        rdb_engine::err!("cannot attach to process {pid}: {}", e.to_string().trim_end_matches(['\r', '\n', '.']))
    })?;
    // SAFETY: plain call.
    if unsafe { DebugActiveProcess(pid) } == 0 {
        let e = std::io::Error::last_os_error();
        return Err(rdb_engine::err!(
            "cannot attach to process {pid}: {}",
            e.to_string().trim_end_matches(['\r', '\n', '.'])
        ));
    }
    // SAFETY: plain call; applies to the calling thread's debuggees.
    unsafe { DebugSetProcessKillOnExit(0) };
    Ok(process)
}

/// The program to run: as given, or with `.exe` added as the Windows shell would.
fn resolve(program: &Path) -> Result<PathBuf> {
    if program.is_file() {
        return Ok(program.to_path_buf());
    }
    let with_exe = PathBuf::from(format!("{}.exe", program.display()));
    if program.extension().is_none() && with_exe.is_file() {
        return Ok(with_exe);
    }
    Err(rdb_engine::err!("cannot run {}: The system cannot find the file specified", program.display()))
}
