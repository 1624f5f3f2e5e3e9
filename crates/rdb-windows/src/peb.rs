//! Where the process environment block is: `NtQueryInformationProcess(ProcessBasicInformation)`.

use rdb_engine::Result;
use windows_sys::Wdk::System::Threading::{NtQueryInformationProcess, ProcessBasicInformation};
use windows_sys::Win32::Foundation::HANDLE;
use windows_sys::Win32::System::Threading::PROCESS_BASIC_INFORMATION;

pub fn address(process: HANDLE) -> Result<u64> {
    // SAFETY: PROCESS_BASIC_INFORMATION is plain data.
    let mut info: PROCESS_BASIC_INFORMATION = unsafe { std::mem::zeroed() };
    let mut len = 0u32;
    // SAFETY: `info` is a valid out-buffer of the size given.
    let status = unsafe {
        NtQueryInformationProcess(
            process,
            ProcessBasicInformation,
            (&mut info as *mut PROCESS_BASIC_INFORMATION).cast(),
            size_of::<PROCESS_BASIC_INFORMATION>() as u32,
            &mut len,
        )
    };
    if status != 0 {
        return Err(rdb_engine::err!("NtQueryInformationProcess failed: status {:08x}", status as u32));
    }
    Ok(info.PebBaseAddress as u64)
}
