//! A synthetic x64 Windows process for tests: a PEB, its loader data with three modules on a circular load-order
//! list, process parameters with their strings and environment, and one TEB, at the offsets Windows uses. Memory
//! that was not written is unmapped, so tests can cut the lists where they like.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::memory::ReadMemory;

pub const PEB: u64 = 0x21_d000;
pub const LDR: u64 = 0x7ffb_1c2a_4380;
pub const PARAMS: u64 = 0x25_2000;
pub const ENVIRONMENT: u64 = 0x25_4000;
pub const TEB: u64 = 0x21_f000;
pub const HEAP: u64 = 0x25_0000;
pub const IMAGE_BASE: u64 = 0x1_4000_0000;
/// Where the strings start: the first module's full name.
pub const STRINGS: u64 = 0x26_0000;
/// The loader entries, in load order.
pub const ENTRIES: [u64; 3] = [0x25_2b90, 0x25_2c90, 0x25_3c40];
/// (base, TimeDateStamp, full name) of each entry.
pub const MODULES: [(u64, u32, &str); 3] = [
    (IMAGE_BASE, 0x5f2a_1b3c, r"C:\x\wevents.exe"),
    (0x7ffb_1c10_0000, 0x6349_a4f2, r"C:\windows\system32\ntdll.dll"),
    (0x7ffb_1b00_0000, 0x38b3_69c4, r"C:\windows\system32\kernel32.dll"),
];
pub const CURRENT_DIRECTORY: &str = r"C:\x\";
pub const COMMAND_LINE: &str = r#""C:\x\wevents.exe" a b"#;
pub const ENVIRONMENT_STRINGS: [&str; 2] = ["=C:=C:\\x", "PATH=C:\\windows"];
pub const LAST_STATUS: u32 = 0xc000_0034;

/// Debuggee memory, byte by byte; bytes never written are unmapped.
#[derive(Default, Clone)]
pub struct Memory(pub BTreeMap<u64, u8>);

impl Memory {
    pub fn put(&mut self, address: u64, bytes: &[u8]) {
        for (i, b) in bytes.iter().enumerate() {
            self.0.insert(address + i as u64, *b);
        }
    }
    pub fn zero(&mut self, address: u64, len: usize) {
        self.put(address, &vec![0; len]);
    }
    pub fn u64(&mut self, address: u64, value: u64) {
        self.put(address, &value.to_le_bytes());
    }
    pub fn u32(&mut self, address: u64, value: u32) {
        self.put(address, &value.to_le_bytes());
    }
    /// Unmap `len` bytes at `address`.
    pub fn unmap(&mut self, address: u64, len: usize) {
        for a in address..address + len as u64 {
            self.0.remove(&a);
        }
    }
    /// A UNICODE_STRING at `at` whose text is stored at `buffer`.
    pub fn unicode(&mut self, at: u64, text: &str, buffer: u64) {
        let units: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let length = units.len() as u16;
        self.put(at, &length.to_le_bytes());
        self.put(at + 2, &(length + 2).to_le_bytes());
        self.u64(at + 8, buffer);
        self.put(buffer, &units);
        self.put(buffer + u64::from(length), &[0, 0]);
    }
}

impl ReadMemory for Memory {
    fn read(&mut self, address: u64, buf: &mut [u8]) -> Result<usize> {
        let mut n = 0;
        while n < buf.len() {
            match self.0.get(&(address + n as u64)) {
                Some(b) => buf[n] = *b,
                None => break,
            }
            n += 1;
        }
        if n == 0 {
            return Err(Error::MemoryAccess(address));
        }
        Ok(n)
    }
}

/// The synthetic process, its TEB's client id `pid.tid`.
pub fn process(pid: u64, tid: u64) -> Memory {
    let mut m = Memory::default();
    // The PEB is a page, as on Windows.
    m.zero(PEB, 0x1000);
    m.put(PEB + 2, &[1]);
    m.u64(PEB + 0x10, IMAGE_BASE);
    m.u64(PEB + 0x18, LDR);
    m.u64(PEB + 0x20, PARAMS);
    m.u64(PEB + 0x30, HEAP);
    m.u32(PEB + 0xbc, 0x70);

    m.zero(LDR, 0x58);
    m.put(LDR + 4, &[1]);
    let head = LDR + 0x10;
    m.u64(head, ENTRIES[0]);
    m.u64(head + 8, ENTRIES[2]);
    m.u64(LDR + 0x20, ENTRIES[0] + 0x10);
    m.u64(LDR + 0x28, ENTRIES[2] + 0x10);
    m.u64(LDR + 0x30, ENTRIES[1] + 0x20);
    m.u64(LDR + 0x38, ENTRIES[2] + 0x20);
    let mut strings = STRINGS;
    for (i, (&entry, &(base, stamp, name))) in ENTRIES.iter().zip(MODULES.iter()).enumerate() {
        m.zero(entry, 0x100);
        m.u64(entry, if i + 1 < ENTRIES.len() { ENTRIES[i + 1] } else { head });
        m.u64(entry + 8, if i == 0 { head } else { ENTRIES[i - 1] });
        m.u64(entry + 0x30, base);
        m.u64(entry + 0x38, base + 0x1000);
        m.u32(entry + 0x40, 0x10_0000);
        m.unicode(entry + 0x48, name, strings);
        let base_name = name.rsplit('\\').next().unwrap_or(name);
        m.unicode(entry + 0x58, base_name, strings + 0x200);
        m.u32(entry + 0x80, stamp);
        strings += 0x400;
    }

    m.zero(PARAMS, 0x400);
    m.unicode(PARAMS + 0x38, CURRENT_DIRECTORY, strings);
    m.unicode(PARAMS + 0x60, MODULES[0].2, strings + 0x200);
    m.unicode(PARAMS + 0x70, COMMAND_LINE, strings + 0x400);
    m.unicode(PARAMS + 0xb0, MODULES[0].2, strings + 0x600);
    // DllPath stays an empty string with a null buffer, as on Windows 10.
    m.u64(PARAMS + 0x80, ENVIRONMENT);
    let block: Vec<u8> = ENVIRONMENT_STRINGS
        .iter()
        .flat_map(|s| s.encode_utf16().chain([0]))
        .chain([0])
        .flat_map(u16::to_le_bytes)
        .collect();
    m.put(ENVIRONMENT, &block);

    m.zero(TEB, 0x2000);
    m.u64(TEB + 0x8, 0x15_0000);
    m.u64(TEB + 0x10, 0x14_c000);
    m.u64(TEB + 0x20, 0x1e00);
    m.u64(TEB + 0x30, TEB);
    m.u64(TEB + 0x40, pid);
    m.u64(TEB + 0x48, tid);
    m.u64(TEB + 0x58, 0x25_3530);
    m.u64(TEB + 0x60, PEB);
    m.u32(TEB + 0x68, 187);
    m.u32(TEB + 0x1250, LAST_STATUS);
    m
}
