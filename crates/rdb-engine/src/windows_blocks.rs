//! The Windows process and thread environment blocks (PEB, TEB) of an x64 process, read from its memory: the
//! layouts, and the walk of the loader's module list.
//!
//! The target only says where the blocks are; everything else is read here, field by field, through a
//! [`ReadMemory`], so what is shown is what the debuggee holds (and what `eb @$peb+2 0` changed). The layouts are
//! those of 64-bit Windows (and of Wine, which follows them): ntdll's own definitions, not the abridged ones of
//! the SDK's `winternl.h`. Everything read through a pointer the debuggee controls is bounded: the module walk
//! stops after [`MAX_MODULES`] entries or at an entry seen before, strings are read up to their 16-bit length.

use std::collections::HashSet;

use crate::error::Result;
use crate::memory::ReadMemory;

/// PEB field offsets (x64).
mod peb {
    pub const INHERITED_ADDRESS_SPACE: usize = 0x0;
    pub const READ_IMAGE_FILE_EXEC_OPTIONS: usize = 0x1;
    pub const BEING_DEBUGGED: usize = 0x2;
    pub const IMAGE_BASE_ADDRESS: usize = 0x10;
    pub const LDR: usize = 0x18;
    pub const PROCESS_PARAMETERS: usize = 0x20;
    pub const SUB_SYSTEM_DATA: usize = 0x28;
    pub const PROCESS_HEAP: usize = 0x30;
    pub const NT_GLOBAL_FLAG: usize = 0xbc;
    /// The fields above, read in one go.
    pub const SIZE: usize = 0xc0;
    /// Windows 10 and later (and Wine); the PEB is a whole page, so older systems read it as 0.
    pub const NT_GLOBAL_FLAG2: u64 = 0x7c4;
}

/// PEB_LDR_DATA field offsets (x64): three list heads (`LIST_ENTRY`: Flink, Blink).
mod ldr {
    pub const INITIALIZED: usize = 0x4;
    pub const IN_LOAD_ORDER: usize = 0x10;
    pub const IN_MEMORY_ORDER: usize = 0x20;
    pub const IN_INITIALIZATION_ORDER: usize = 0x30;
    pub const SIZE: usize = 0x40;
}

/// LDR_DATA_TABLE_ENTRY field offsets (x64). The load-order links are at its start, so a link of that list is
/// the address of its entry.
mod entry {
    pub const DLL_BASE: usize = 0x30;
    pub const ENTRY_POINT: usize = 0x38;
    pub const SIZE_OF_IMAGE: usize = 0x40;
    pub const FULL_DLL_NAME: usize = 0x48;
    pub const BASE_DLL_NAME: usize = 0x58;
    pub const TIME_DATE_STAMP: usize = 0x80;
    pub const SIZE: usize = 0x88;
}

/// RTL_USER_PROCESS_PARAMETERS field offsets (x64); the strings are UNICODE_STRINGs.
mod params {
    pub const CURRENT_DIRECTORY: usize = 0x38;
    pub const DLL_PATH: usize = 0x50;
    pub const IMAGE_PATH_NAME: usize = 0x60;
    pub const COMMAND_LINE: usize = 0x70;
    pub const ENVIRONMENT: usize = 0x80;
    pub const WINDOW_TITLE: usize = 0xb0;
    pub const SIZE: usize = 0xc0;
}

/// TEB field offsets (x64): the NT_TIB first, then the Win32 part.
mod teb {
    pub const EXCEPTION_LIST: usize = 0x0;
    pub const STACK_BASE: usize = 0x8;
    pub const STACK_LIMIT: usize = 0x10;
    pub const SUB_SYSTEM_TIB: usize = 0x18;
    pub const FIBER_DATA: usize = 0x20;
    pub const ARBITRARY_USER_POINTER: usize = 0x28;
    pub const SELF: usize = 0x30;
    pub const ENVIRONMENT_POINTER: usize = 0x38;
    pub const CLIENT_ID_PROCESS: usize = 0x40;
    pub const CLIENT_ID_THREAD: usize = 0x48;
    pub const ACTIVE_RPC_HANDLE: usize = 0x50;
    pub const THREAD_LOCAL_STORAGE_POINTER: usize = 0x58;
    pub const PROCESS_ENVIRONMENT_BLOCK: usize = 0x60;
    pub const LAST_ERROR_VALUE: usize = 0x68;
    pub const COUNT_OF_OWNED_CRITICAL_SECTIONS: usize = 0x6c;
    pub const HEAD_SIZE: usize = 0x70;
    pub const LAST_STATUS_VALUE: u64 = 0x1250;
    pub const HARD_ERROR_MODE: u64 = 0x16b0;
}

/// The most loader entries walked: far more than any real process loads, few enough to stop a corrupt list fast.
pub const MAX_MODULES: usize = 4096;

/// The most environment bytes read (the block has no length a debugger can trust).
pub const MAX_ENVIRONMENT_BYTES: usize = 0x20000;

/// Why a walk through debuggee memory stopped before its natural end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// The next element could not be read.
    Unreadable(u64),
    /// The list came back to an element already seen, not to its head.
    Loop(u64),
    /// The walk hit its bound: this many elements were taken.
    Limit(usize),
}

/// A `LIST_ENTRY` head: its forward and backward links.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListHead {
    pub flink: u64,
    pub blink: u64,
}

/// One LDR_DATA_TABLE_ENTRY.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoaderModule {
    /// The entry's address.
    pub entry: u64,
    pub base: u64,
    pub entry_point: u64,
    pub size: u32,
    pub time_date_stamp: u32,
    /// `None` where the string could not be read.
    pub full_name: Option<String>,
    pub base_name: Option<String>,
}

/// PEB_LDR_DATA and the modules of its load-order list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loader {
    pub initialized: bool,
    pub in_load_order: ListHead,
    pub in_memory_order: ListHead,
    pub in_initialization_order: ListHead,
    pub modules: Vec<LoaderModule>,
    /// Set when the walk did not get back to the list head.
    pub cut: Option<Cut>,
}

/// RTL_USER_PROCESS_PARAMETERS' strings; `None` where a string could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessParameters {
    pub current_directory: Option<String>,
    pub window_title: Option<String>,
    pub image_path_name: Option<String>,
    pub command_line: Option<String>,
    pub dll_path: Option<String>,
    pub environment: u64,
    /// `NAME=value` strings of the environment block, in order.
    pub environment_strings: Vec<String>,
    pub environment_cut: Option<Cut>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peb {
    pub address: u64,
    pub inherited_address_space: bool,
    pub read_image_file_exec_options: bool,
    pub being_debugged: bool,
    pub image_base: u64,
    pub nt_global_flag: u32,
    pub nt_global_flag2: u32,
    pub ldr: u64,
    /// `None` where `Ldr` is null or unreadable (a process whose loader has not run yet).
    pub loader: Option<Loader>,
    pub sub_system_data: u64,
    pub process_heap: u64,
    pub process_parameters: u64,
    pub parameters: Option<ProcessParameters>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Teb {
    pub address: u64,
    pub exception_list: u64,
    pub stack_base: u64,
    pub stack_limit: u64,
    pub sub_system_tib: u64,
    pub fiber_data: u64,
    pub arbitrary_user_pointer: u64,
    pub self_pointer: u64,
    pub environment_pointer: u64,
    pub client_process: u64,
    pub client_thread: u64,
    pub rpc_handle: u64,
    pub tls_storage: u64,
    pub peb: u64,
    pub last_error: u32,
    pub last_status: u32,
    pub owned_locks: u32,
    pub hard_error_mode: u32,
}

/// Little-endian fields of a block read in one piece.
struct Fields(Vec<u8>);

impl Fields {
    fn read(mem: &mut dyn ReadMemory, address: u64, size: usize) -> Result<Fields> {
        let mut bytes = vec![0u8; size];
        mem.read_exact(address, &mut bytes)?;
        Ok(Fields(bytes))
    }
    fn u8(&self, at: usize) -> u8 {
        self.0[at]
    }
    fn u16(&self, at: usize) -> u16 {
        u16::from_le_bytes([self.0[at], self.0[at + 1]])
    }
    fn u32(&self, at: usize) -> u32 {
        u32::from_le_bytes(self.0[at..at + 4].try_into().expect("4 bytes"))
    }
    fn u64(&self, at: usize) -> u64 {
        u64::from_le_bytes(self.0[at..at + 8].try_into().expect("8 bytes"))
    }
    fn list(&self, at: usize) -> ListHead {
        ListHead { flink: self.u64(at), blink: self.u64(at + 8) }
    }
    /// The UNICODE_STRING at `at`: its text, `None` if its buffer is null or unreadable. Its length is 16 bits,
    /// so at most 64 KiB is read.
    fn unicode(&self, mem: &mut dyn ReadMemory, at: usize) -> Option<String> {
        let length = usize::from(self.u16(at) & !1);
        let buffer = self.u64(at + 8);
        if buffer == 0 {
            return None;
        }
        let mut bytes = vec![0u8; length];
        if length > 0 {
            mem.read_exact(buffer, &mut bytes).ok()?;
        }
        let units: Vec<u16> = bytes.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
        Some(String::from_utf16_lossy(&units))
    }
}

fn read_u32(mem: &mut dyn ReadMemory, address: u64) -> Result<u32> {
    let mut b = [0u8; 4];
    mem.read_exact(address, &mut b)?;
    Ok(u32::from_le_bytes(b))
}

/// The PEB at `address`. Only the PEB itself must be readable: an unreadable loader list or parameter block is
/// reported in the result, not as an error.
pub fn read_peb(mem: &mut dyn ReadMemory, address: u64) -> Result<Peb> {
    let f = Fields::read(mem, address, peb::SIZE)?;
    let ldr = f.u64(peb::LDR);
    let process_parameters = f.u64(peb::PROCESS_PARAMETERS);
    Ok(Peb {
        address,
        inherited_address_space: f.u8(peb::INHERITED_ADDRESS_SPACE) != 0,
        read_image_file_exec_options: f.u8(peb::READ_IMAGE_FILE_EXEC_OPTIONS) != 0,
        being_debugged: f.u8(peb::BEING_DEBUGGED) != 0,
        image_base: f.u64(peb::IMAGE_BASE_ADDRESS),
        nt_global_flag: f.u32(peb::NT_GLOBAL_FLAG),
        nt_global_flag2: read_u32(mem, address + peb::NT_GLOBAL_FLAG2)?,
        ldr,
        loader: (ldr != 0).then(|| read_loader(mem, ldr).ok()).flatten(),
        sub_system_data: f.u64(peb::SUB_SYSTEM_DATA),
        process_heap: f.u64(peb::PROCESS_HEAP),
        process_parameters,
        parameters: (process_parameters != 0).then(|| read_parameters(mem, process_parameters).ok()).flatten(),
    })
}

/// PEB_LDR_DATA at `address`, and the modules of its load-order list.
pub fn read_loader(mem: &mut dyn ReadMemory, address: u64) -> Result<Loader> {
    let f = Fields::read(mem, address, ldr::SIZE)?;
    let in_load_order = f.list(ldr::IN_LOAD_ORDER);
    let (modules, cut) = walk_modules(mem, address + ldr::IN_LOAD_ORDER as u64, in_load_order.flink, MAX_MODULES);
    Ok(Loader {
        initialized: f.u8(ldr::INITIALIZED) != 0,
        in_load_order,
        in_memory_order: f.list(ldr::IN_MEMORY_ORDER),
        in_initialization_order: f.list(ldr::IN_INITIALIZATION_ORDER),
        modules,
        cut,
    })
}

/// Follow a load-order list from its first link until it comes back to `head`, defensively: the debuggee may be
/// in the middle of changing it, or may have overwritten it. At most `limit` entries are taken.
fn walk_modules(mem: &mut dyn ReadMemory, head: u64, first: u64, limit: usize) -> (Vec<LoaderModule>, Option<Cut>) {
    let mut modules = Vec::new();
    let mut seen = HashSet::new();
    let mut link = first;
    while link != head {
        if modules.len() == limit {
            return (modules, Some(Cut::Limit(limit)));
        }
        if !seen.insert(link) {
            return (modules, Some(Cut::Loop(link)));
        }
        let Ok(f) = Fields::read(mem, link, entry::SIZE) else {
            return (modules, Some(Cut::Unreadable(link)));
        };
        modules.push(LoaderModule {
            entry: link,
            base: f.u64(entry::DLL_BASE),
            entry_point: f.u64(entry::ENTRY_POINT),
            size: f.u32(entry::SIZE_OF_IMAGE),
            time_date_stamp: f.u32(entry::TIME_DATE_STAMP),
            full_name: f.unicode(mem, entry::FULL_DLL_NAME),
            base_name: f.unicode(mem, entry::BASE_DLL_NAME),
        });
        // InLoadOrderLinks.Flink, at the entry's start.
        link = f.u64(0);
    }
    (modules, None)
}

/// RTL_USER_PROCESS_PARAMETERS at `address`.
pub fn read_parameters(mem: &mut dyn ReadMemory, address: u64) -> Result<ProcessParameters> {
    let f = Fields::read(mem, address, params::SIZE)?;
    let environment = f.u64(params::ENVIRONMENT);
    let (environment_strings, environment_cut) =
        if environment == 0 { (Vec::new(), None) } else { read_environment(mem, environment) };
    Ok(ProcessParameters {
        current_directory: f.unicode(mem, params::CURRENT_DIRECTORY),
        window_title: f.unicode(mem, params::WINDOW_TITLE),
        image_path_name: f.unicode(mem, params::IMAGE_PATH_NAME),
        command_line: f.unicode(mem, params::COMMAND_LINE),
        dll_path: f.unicode(mem, params::DLL_PATH),
        environment,
        environment_strings,
        environment_cut,
    })
}

/// The environment block: UTF-16 strings, each NUL-terminated, ended by an empty one. Read a page at a time, so a
/// block that ends just before an unmapped page is read whole.
fn read_environment(mem: &mut dyn ReadMemory, address: u64) -> (Vec<String>, Option<Cut>) {
    let mut strings = Vec::new();
    let mut current: Vec<u16> = Vec::new();
    let mut at = address;
    let mut pending: Option<u8> = None;
    while at - address < MAX_ENVIRONMENT_BYTES as u64 {
        let chunk = (0x1000 - (at & 0xfff)) as usize;
        let mut buf = vec![0u8; chunk];
        let Ok(n) = mem.read(at, &mut buf) else {
            return (strings, Some(Cut::Unreadable(at)));
        };
        for &byte in &buf[..n] {
            let Some(low) = pending.take() else {
                pending = Some(byte);
                continue;
            };
            let unit = u16::from_le_bytes([low, byte]);
            if unit != 0 {
                current.push(unit);
            } else if current.is_empty() {
                return (strings, None);
            } else {
                strings.push(String::from_utf16_lossy(&std::mem::take(&mut current)));
            }
        }
        at += n as u64;
        if n < chunk {
            return (strings, Some(Cut::Unreadable(at)));
        }
    }
    let taken = strings.len();
    (strings, Some(Cut::Limit(taken)))
}

/// The TEB at `address`.
pub fn read_teb(mem: &mut dyn ReadMemory, address: u64) -> Result<Teb> {
    let f = Fields::read(mem, address, teb::HEAD_SIZE)?;
    Ok(Teb {
        address,
        exception_list: f.u64(teb::EXCEPTION_LIST),
        stack_base: f.u64(teb::STACK_BASE),
        stack_limit: f.u64(teb::STACK_LIMIT),
        sub_system_tib: f.u64(teb::SUB_SYSTEM_TIB),
        fiber_data: f.u64(teb::FIBER_DATA),
        arbitrary_user_pointer: f.u64(teb::ARBITRARY_USER_POINTER),
        self_pointer: f.u64(teb::SELF),
        environment_pointer: f.u64(teb::ENVIRONMENT_POINTER),
        client_process: f.u64(teb::CLIENT_ID_PROCESS),
        client_thread: f.u64(teb::CLIENT_ID_THREAD),
        rpc_handle: f.u64(teb::ACTIVE_RPC_HANDLE),
        tls_storage: f.u64(teb::THREAD_LOCAL_STORAGE_POINTER),
        peb: f.u64(teb::PROCESS_ENVIRONMENT_BLOCK),
        last_error: f.u32(teb::LAST_ERROR_VALUE),
        owned_locks: f.u32(teb::COUNT_OF_OWNED_CRITICAL_SECTIONS),
        last_status: read_u32(mem, address + teb::LAST_STATUS_VALUE)?,
        hard_error_mode: read_u32(mem, address + teb::HARD_ERROR_MODE)?,
    })
}

/// A synthetic Windows process's memory, for tests here and in the front ends that render the blocks.
#[cfg(any(test, feature = "fixtures"))]
pub mod fixture;
#[cfg(test)]
mod tests;
