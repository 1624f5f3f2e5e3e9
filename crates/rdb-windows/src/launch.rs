//! Starting a debuggee: `CreateProcessW` with `DEBUG_ONLY_THIS_PROCESS` (or `DEBUG_PROCESS` to follow its
//! children), and `DebugActiveProcess` for attaching.

use std::ffi::OsString;
use std::os::windows::ffi::OsStrExt;
use std::os::windows::io::{AsRawHandle, BorrowedHandle, OwnedHandle};
use std::path::{Path, PathBuf};

use std::ffi::c_void;

use rdb_engine::Result;
use windows_sys::Wdk::System::Threading::ProcessDebugFlags;
use windows_sys::Win32::Foundation::{HANDLE, HANDLE_FLAG_INHERIT, INVALID_HANDLE_VALUE, SetHandleInformation};
use windows_sys::Win32::System::Console::{GetStdHandle, STD_ERROR_HANDLE, STD_INPUT_HANDLE, STD_OUTPUT_HANDLE};
use windows_sys::Win32::System::Diagnostics::Debug::{DebugActiveProcess, DebugSetProcessKillOnExit};
use windows_sys::Win32::System::Threading::{
    CREATE_NEW_PROCESS_GROUP, CREATE_UNICODE_ENVIRONMENT, CreateProcessW, DEBUG_ONLY_THIS_PROCESS, DEBUG_PROCESS,
    OpenProcess, PROCESS_ALL_ACCESS, PROCESS_INFORMATION, STARTF_USESTDHANDLES, STARTUPINFOW,
};

use crate::context::last_error;
use crate::handles;

/// Where a launched program starts: its whole environment when it is not rdb's own, and its directory (rdb's own
/// when `None`).
#[derive(Debug, Clone, Default)]
pub struct Place {
    pub environment: Option<Vec<(OsString, OsString)>>,
    pub cwd: Option<PathBuf>,
}

/// Create `program` with `command_line` (the line its C runtime splits into its arguments, the program's name
/// first) under the debugger, stopped until the first `WaitForDebugEvent`; its standard input, output and error
/// are `streams` where given (a redirection), else rdb's; its environment and directory as `place` says.
pub fn create(
    program: &Path,
    command_line: &str,
    streams: [Option<OwnedHandle>; 3],
    follow_children: bool,
    place: &Place,
) -> Result<(u32, OwnedHandle)> {
    let mut program = resolve(program)?;
    if place.cwd.is_some() {
        // Found from rdb's directory, as the user named it, wherever it then runs.
        program =
            std::path::absolute(&program).map_err(|e| rdb_engine::err!("cannot run {}: {e}", program.display()))?;
    }
    let mut command_line: Vec<u16> = command_line.encode_utf16().chain([0]).collect();
    let application: Vec<u16> = program.as_os_str().to_string_lossy().encode_utf16().chain([0]).collect();
    let environment = place.environment.as_deref().map(environment_block);
    let directory: Option<Vec<u16>> = place.cwd.as_ref().map(|d| d.as_os_str().encode_wide().chain([0]).collect());
    // SAFETY: STARTUPINFOW and PROCESS_INFORMATION are plain data for which zero is valid.
    let mut startup: STARTUPINFOW = unsafe { std::mem::zeroed() };
    startup.cb = size_of::<STARTUPINFOW>() as u32;
    // Kept open until the program has its own copies.
    let inherited = standard_handles(streams)?;
    if let Some(handles) = &inherited {
        startup.dwFlags |= STARTF_USESTDHANDLES;
        [startup.hStdInput, startup.hStdOutput, startup.hStdError] = handles.each_ref().map(handle_of);
    }
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
            // Only handles made inheritable are inherited: the standard ones of a redirection, below.
            i32::from(inherited.is_some()),
            // A process group of its own: Ctrl-C in the console is rdb's break-in, not the debuggee's end.
            debug | CREATE_UNICODE_ENVIRONMENT | CREATE_NEW_PROCESS_GROUP,
            environment.as_ref().map_or(std::ptr::null(), |b| b.as_ptr().cast()),
            directory.as_ref().map_or(std::ptr::null(), |d| d.as_ptr()),
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

/// An environment block as `CreateProcessW` takes one with `CREATE_UNICODE_ENVIRONMENT`: `name=value` strings in
/// UTF-16, each NUL-terminated, sorted by name ignoring case as Windows keeps them, and one more NUL at the end.
/// A pair whose name is empty or holds `=` or a NUL cannot be written and is left out.
fn environment_block(variables: &[(OsString, OsString)]) -> Vec<u16> {
    let mut pairs: Vec<(Vec<u16>, Vec<u16>)> = variables
        .iter()
        .map(|(k, v)| (k.encode_wide().collect::<Vec<u16>>(), v.encode_wide().collect::<Vec<u16>>()))
        .filter(|(k, v)| {
            // Names like `=C:` (a drive's directory) keep their leading `=`.
            let inner = k.get(1..).unwrap_or_default();
            !k.is_empty() && !inner.contains(&u16::from(b'=')) && !k.contains(&0) && !v.contains(&0)
        })
        .collect();
    let upper = |name: &[u16]| String::from_utf16_lossy(name).to_uppercase();
    pairs.sort_by_cached_key(|(k, _)| upper(k));
    let mut block = Vec::new();
    for (k, v) in pairs {
        block.extend(k);
        block.push(u16::from(b'='));
        block.extend(v);
        block.push(0);
    }
    if block.is_empty() {
        // An empty block is still two NULs.
        block.push(0);
    }
    block.push(0);
    block
}

/// The three standard handles of a launch with a redirection, each inheritable (the given ones, rdb's own for the
/// rest); `None` without one, when the program gets rdb's console as Windows gives it.
fn standard_handles(streams: [Option<OwnedHandle>; 3]) -> Result<Option<[Option<OwnedHandle>; 3]>> {
    if streams.iter().all(Option::is_none) {
        return Ok(None);
    }
    let own = [STD_INPUT_HANDLE, STD_OUTPUT_HANDLE, STD_ERROR_HANDLE];
    let mut handles: [Option<OwnedHandle>; 3] = [None, None, None];
    for ((slot, given), which) in handles.iter_mut().zip(streams).zip(own) {
        // rdb's own standard handle, duplicated so it can be made inheritable (a missing one stays missing).
        let handle = given.or_else(|| {
            // SAFETY: GetStdHandle returns a handle rdb owns (or null): it is only borrowed to duplicate it.
            let raw = unsafe { GetStdHandle(which) };
            if raw.is_null() || raw == INVALID_HANDLE_VALUE {
                return None;
            }
            // SAFETY: a live handle of this process, borrowed for the duplication only.
            unsafe { BorrowedHandle::borrow_raw(raw) }.try_clone_to_owned().ok()
        });
        if let Some(h) = &handle {
            // SAFETY: a handle this function owns; only its inheritance flag changes.
            if unsafe { SetHandleInformation(h.as_raw_handle(), HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT) } == 0 {
                return Err(last_error("SetHandleInformation"));
            }
        }
        *slot = handle;
    }
    Ok(Some(handles))
}

fn handle_of(handle: &Option<OwnedHandle>) -> HANDLE {
    handle.as_ref().map_or(std::ptr::null_mut(), |h| h.as_raw_handle())
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
