//! The debuggee's memory: `ReadProcessMemory`, `WriteProcessMemory` (through `VirtualProtectEx` where the page is
//! not writable, then `FlushInstructionCache`), `VirtualQueryEx`, guard pages for memory breakpoints, and the
//! engine's scratch memory (`VirtualAllocEx`, `VirtualFreeEx`).

use std::collections::BTreeMap;
use std::ffi::c_void;

use rdb_engine::target::{Backing, Region};
use rdb_engine::{Error, Result};
use windows_sys::Win32::Foundation::HANDLE;
use windows_sys::Win32::System::Diagnostics::Debug::{FlushInstructionCache, ReadProcessMemory, WriteProcessMemory};
use windows_sys::Win32::System::Memory::{
    MEM_COMMIT, MEM_FREE, MEM_IMAGE, MEM_MAPPED, MEM_RELEASE, MEM_RESERVE, MEMORY_BASIC_INFORMATION, PAGE_EXECUTE,
    PAGE_EXECUTE_READ, PAGE_EXECUTE_READWRITE, PAGE_EXECUTE_WRITECOPY, PAGE_GUARD, PAGE_NOACCESS,
    PAGE_PROTECTION_FLAGS, PAGE_READWRITE, PAGE_WRITECOPY, VirtualAllocEx, VirtualFreeEx, VirtualProtectEx,
    VirtualQueryEx,
};

use crate::context::last_error;

pub const PAGE_SIZE: u64 = 0x1000;
/// The top of the user address space of an x64 process.
const USER_END: u64 = 0x7fff_ffff_0000;

/// Read as much of `buf` as is readable from the start, page by page (ReadProcessMemory fails as a whole when
/// the range runs into an unreadable page).
pub fn read(process: HANDLE, address: u64, buf: &mut [u8]) -> Result<usize> {
    let mut done = 0usize;
    while done < buf.len() {
        let at = address.wrapping_add(done as u64);
        let to_page_end = (PAGE_SIZE - at % PAGE_SIZE) as usize;
        let chunk = to_page_end.min(buf.len() - done);
        let mut got = 0usize;
        // SAFETY: `buf[done..done + chunk]` is valid writable memory of `chunk` bytes; `process` is live.
        let ok = unsafe {
            ReadProcessMemory(process, at as *const c_void, buf[done..].as_mut_ptr().cast(), chunk, &mut got)
        };
        if ok == 0 || got == 0 {
            break;
        }
        done += got;
        if got < chunk {
            break;
        }
    }
    if done == 0 && !buf.is_empty() {
        return Err(Error::MemoryAccess(address));
    }
    Ok(done)
}

/// Write `data`, making read-only pages (code) writable for the time of the write, and flush the instruction
/// cache so the CPU sees the new bytes.
pub fn write(process: HANDLE, address: u64, data: &[u8]) -> Result<()> {
    if data.is_empty() {
        return Ok(());
    }
    if !write_raw(process, address, data) {
        let old = protect(process, address, data.len() as u64, PAGE_EXECUTE_READWRITE)
            .map_err(|_| Error::MemoryAccess(address))?;
        let ok = write_raw(process, address, data);
        let _ = protect(process, address, data.len() as u64, old);
        if !ok {
            return Err(Error::MemoryAccess(address));
        }
    }
    // SAFETY: flushing a range of the debuggee's address space reads nothing of ours.
    unsafe { FlushInstructionCache(process, address as *const c_void, data.len()) };
    Ok(())
}

fn write_raw(process: HANDLE, address: u64, data: &[u8]) -> bool {
    let mut written = 0usize;
    // SAFETY: `data` is valid for `data.len()` bytes; `process` is live.
    let ok = unsafe {
        WriteProcessMemory(process, address as *const c_void, data.as_ptr().cast(), data.len(), &mut written)
    };
    ok != 0 && written == data.len()
}

/// Change the protection of the pages covering `[address, address + len)`; returns the old protection.
pub fn protect(
    process: HANDLE,
    address: u64,
    len: u64,
    protection: PAGE_PROTECTION_FLAGS,
) -> Result<PAGE_PROTECTION_FLAGS> {
    let mut old: PAGE_PROTECTION_FLAGS = 0;
    // SAFETY: plain call on the debuggee's address space; `old` is a valid out-pointer.
    let ok = unsafe { VirtualProtectEx(process, address as *const c_void, len as usize, protection, &mut old) };
    if ok == 0 {
        return Err(last_error("VirtualProtectEx"));
    }
    Ok(old)
}

/// The region of memory that contains `address`.
pub fn query(process: HANDLE, address: u64) -> Option<MEMORY_BASIC_INFORMATION> {
    // SAFETY: MEMORY_BASIC_INFORMATION is plain data.
    let mut info: MEMORY_BASIC_INFORMATION = unsafe { std::mem::zeroed() };
    // SAFETY: `info` is a valid out-buffer of the size given.
    let n =
        unsafe { VirtualQueryEx(process, address as *const c_void, &mut info, size_of::<MEMORY_BASIC_INFORMATION>()) };
    (n != 0).then_some(info)
}

/// Every region the process holds (committed or reserved), named after the module whose image it belongs to, with
/// the protection the program gave it: the pages `guards` armed show their own protection, as the program sees it.
pub fn regions(process: HANDLE, modules: &BTreeMap<u64, String>, guards: &Guards) -> Vec<Region> {
    let mut out = Vec::new();
    let mut address = 0u64;
    while address < USER_END {
        let Some(info) = query(process, address) else { break };
        let start = info.BaseAddress as u64;
        let end = start + info.RegionSize as u64;
        if end <= address {
            break;
        }
        if info.State == MEM_COMMIT || info.State == MEM_RESERVE {
            let backing = match info.Type {
                MEM_IMAGE => Backing::Image,
                MEM_MAPPED => Backing::Mapped,
                _ => Backing::Private,
            };
            let region = Region {
                start,
                end,
                name: modules.get(&(info.AllocationBase as u64)).cloned(),
                backing,
                reserved: info.State == MEM_RESERVE,
                allocation_base: Some(info.AllocationBase as u64),
                ..Region::default()
            };
            // The system merges pages of one protection into a region: an armed page among pages the program
            // guarded itself is split out to show its own protection.
            let mut from = start;
            let protection = if info.State == MEM_COMMIT { info.Protect } else { 0 };
            for (page, own) in guards.armed_in(start, (end - start) as usize) {
                if page > from {
                    out.push(protected(Region { start: from, end: page, ..region.clone() }, protection));
                }
                out.push(protected(Region { start: page, end: page + PAGE_SIZE, ..region.clone() }, own));
                from = page + PAGE_SIZE;
            }
            if from < end {
                out.push(protected(Region { start: from, ..region }, protection));
            }
        }
        address = end;
    }
    out
}

/// `region` with the access a protection (`PAGE_*`) gives.
fn protected(region: Region, protection: PAGE_PROTECTION_FLAGS) -> Region {
    let p = protection & 0xff;
    Region {
        readable: !matches!(p, 0 | PAGE_NOACCESS | PAGE_EXECUTE),
        writable: matches!(p, PAGE_READWRITE | PAGE_WRITECOPY | PAGE_EXECUTE_READWRITE | PAGE_EXECUTE_WRITECOPY),
        executable: matches!(p, PAGE_EXECUTE | PAGE_EXECUTE_READ | PAGE_EXECUTE_READWRITE | PAGE_EXECUTE_WRITECOPY),
        copy_on_write: matches!(p, PAGE_WRITECOPY | PAGE_EXECUTE_WRITECOPY),
        guard: protection & PAGE_GUARD != 0,
        ..region
    }
}

/// Allocation granularity of VirtualAllocEx: reservations start on 64 KiB boundaries.
const GRANULARITY: u64 = 0x1_0000;
/// How far from `near` scratch memory may be: a rel32 displacement reaches ±2 GiB.
const REACH: u64 = 0x7fff_0000;

/// Executable memory within ±2 GiB of `near`: the first free region found walking outwards from it.
pub fn allocate_near(process: HANDLE, near: u64, size: u64) -> Result<u64> {
    let size = size.max(1).div_ceil(PAGE_SIZE) * PAGE_SIZE;
    let low = near.saturating_sub(REACH).max(GRANULARITY);
    let high = near.saturating_add(REACH).min(USER_END);
    // Upwards from `near`, then downwards: free regions are found with VirtualQueryEx.
    let mut candidates = Vec::new();
    let mut at = near & !(GRANULARITY - 1);
    while at < high && candidates.len() < 64 {
        let Some(info) = query(process, at) else { break };
        let start = info.BaseAddress as u64;
        let end = start + info.RegionSize as u64;
        if info.State == MEM_FREE {
            let aligned = start.div_ceil(GRANULARITY) * GRANULARITY;
            if aligned + size <= end && aligned + size <= high {
                candidates.push(aligned);
            }
        }
        at = end.max(at + GRANULARITY);
    }
    let mut at = near & !(GRANULARITY - 1);
    while at > low && candidates.len() < 128 {
        let Some(info) = query(process, at - 1) else { break };
        let start = info.BaseAddress as u64;
        let end = start + info.RegionSize as u64;
        if info.State == MEM_FREE && end >= low + size {
            let aligned = (end - size) & !(GRANULARITY - 1);
            if aligned >= start.max(low) {
                candidates.push(aligned);
            }
        }
        at = start;
    }
    candidates.sort_by_key(|c| c.abs_diff(near));
    for candidate in candidates {
        // SAFETY: reserving and committing fresh pages in the debuggee at a free address touches nothing of ours.
        let got = unsafe {
            VirtualAllocEx(
                process,
                candidate as *const c_void,
                size as usize,
                MEM_RESERVE | MEM_COMMIT,
                PAGE_EXECUTE_READWRITE,
            )
        };
        if !got.is_null() {
            return Ok(got as u64);
        }
    }
    Err(rdb_engine::err!("no free memory within 2 GiB of {}", rdb_engine::fmt::addr64(near)))
}

/// Give back what [`allocate_near`] returned at `address` (the whole reservation).
pub fn free(process: HANDLE, address: u64) -> Result<()> {
    // SAFETY: releasing a reservation of the debuggee's that the engine made and no longer uses; nothing of ours
    // points into it.
    let ok = unsafe { VirtualFreeEx(process, address as *mut c_void, 0, MEM_RELEASE) };
    if ok == 0 {
        return Err(last_error("VirtualFreeEx"));
    }
    Ok(())
}

/// Pages the engine armed as guard pages, with the protection each had before.
#[derive(Default)]
pub struct Guards {
    armed: BTreeMap<u64, PAGE_PROTECTION_FLAGS>,
}

impl Guards {
    pub fn arm(&mut self, process: HANDLE, page: u64) -> Result<()> {
        let own = match self.armed.get(&page) {
            Some(p) => *p,
            None => query(process, page).ok_or(Error::MemoryAccess(page))?.Protect & !PAGE_GUARD,
        };
        protect(process, page, PAGE_SIZE, own | PAGE_GUARD)?;
        self.armed.insert(page, own);
        Ok(())
    }

    pub fn disarm(&mut self, process: HANDLE, page: u64) -> Result<()> {
        match self.armed.remove(&page) {
            Some(own) => protect(process, page, PAGE_SIZE, own).map(|_| ()),
            None => Ok(()),
        }
    }

    /// A guard fault on `page`: the system took the guard off as it raised the exception (guard pages are
    /// one-shot), so the page is not armed any more, and the debugger's own reads must not put the guard back
    /// while the engine steps the faulting access over. The engine arms it again afterwards.
    pub fn fired(&mut self, page: u64) {
        self.armed.remove(&(page & !(PAGE_SIZE - 1)));
    }

    /// Give every armed page its own protection back (detach).
    pub fn disarm_all(&mut self, process: HANDLE) {
        for (page, own) in std::mem::take(&mut self.armed) {
            let _ = protect(process, page, PAGE_SIZE, own);
        }
    }

    /// The armed pages among those covering `[address, address + len)`.
    pub fn armed_in(&self, address: u64, len: usize) -> Vec<(u64, PAGE_PROTECTION_FLAGS)> {
        let first = address & !(PAGE_SIZE - 1);
        let last = address.saturating_add(len.max(1) as u64 - 1);
        self.armed.range(first..=last).map(|(p, o)| (*p, *o)).collect()
    }

    /// Run `f` with the guard taken off the armed pages of a range, so the debugger's own reads and writes neither
    /// fail on them nor consume their one-shot guard.
    pub fn lifted<T>(&self, process: HANDLE, address: u64, len: usize, f: impl FnOnce() -> T) -> T {
        let pages = self.armed_in(address, len);
        for (page, own) in &pages {
            let _ = protect(process, *page, PAGE_SIZE, *own);
        }
        let result = f();
        for (page, own) in &pages {
            let _ = protect(process, *page, PAGE_SIZE, *own | PAGE_GUARD);
        }
        result
    }
}

/// Read a NUL-terminated (or `max`-long) string: UTF-16 when `unicode`, else ANSI (taken as Latin-1/UTF-8).
pub fn read_string(process: HANDLE, address: u64, unicode: bool, max: usize) -> Option<String> {
    if address == 0 {
        return None;
    }
    let width = if unicode { 2 } else { 1 };
    let mut buf = vec![0u8; max * width];
    let n = read(process, address, &mut buf).ok()?;
    buf.truncate(n - n % width);
    let text = if unicode {
        let units: Vec<u16> =
            buf.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).take_while(|u| *u != 0).collect();
        String::from_utf16_lossy(&units)
    } else {
        let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
        String::from_utf8_lossy(&buf[..end]).into_owned()
    };
    Some(text)
}

pub fn read_u64(process: HANDLE, address: u64) -> Option<u64> {
    let mut b = [0u8; 8];
    (read(process, address, &mut b).ok()? == 8).then(|| u64::from_le_bytes(b))
}

fn read_u32(process: HANDLE, address: u64) -> Option<u32> {
    let mut b = [0u8; 4];
    (read(process, address, &mut b).ok()? == 4).then(|| u32::from_le_bytes(b))
}

/// `SizeOfImage` from the PE headers of the image mapped at `base`.
pub fn image_size(process: HANDLE, base: u64) -> Option<u64> {
    let e_lfanew = read_u32(process, base + 0x3c)?;
    let nt = base + u64::from(e_lfanew);
    if read_u32(process, nt)? != 0x4550 {
        return None;
    }
    // Signature (4) + IMAGE_FILE_HEADER (20) = optional header; SizeOfImage is at +56 in it.
    read_u32(process, nt + 24 + 56).map(u64::from)
}
