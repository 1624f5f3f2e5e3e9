//! glibc's loader rendezvous: `struct r_debug`, found through the executable's DT_DEBUG entry, gives the address
//! the loader calls after each change of its module list (`r_brk`) and the list itself (`r_map`), which is walked
//! to report modules loaded and unloaded.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rdb_engine::target::{EventKind, LinkMapEntry, LoaderRendezvous};
use rdb_engine::{Error, Result};

use crate::image::Elf;
use crate::{LinuxTarget, Module};

const DT_NULL: u64 = 0;
const DT_DEBUG: u64 = 21;
/// `struct r_debug` offsets: r_version i32 @0, r_map @8, r_brk @16, r_state i32 @24, r_ldbase @32.
const R_MAP: u64 = 8;
const R_BRK: u64 = 16;
const R_STATE: u64 = 24;
const RT_CONSISTENT: u32 = 0;
/// `struct link_map` offsets: l_addr @0, l_name @8, l_ld @16, l_next @24.
const L_NAME: u64 = 8;
const L_LD: u64 = 16;
const L_NEXT: u64 = 24;
/// Bounds against a corrupt list or dynamic section.
const MAX_MODULES: usize = 4096;
const MAX_DYNAMIC: u64 = 1024;
const MAX_NAME: usize = 4096;

impl LinuxTarget {
    fn read_exact(&self, address: u64, buf: &mut [u8]) -> Result<()> {
        match self.memory.read(address, buf)? {
            n if n == buf.len() => Ok(()),
            n => Err(Error::MemoryAccess(address.wrapping_add(n as u64))),
        }
    }

    fn read_u64(&self, address: u64) -> Result<u64> {
        let mut b = [0u8; 8];
        self.read_exact(address, &mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn read_u32(&self, address: u64) -> Result<u32> {
        let mut b = [0u8; 4];
        self.read_exact(address, &mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    /// A NUL-terminated string of the debuggee.
    fn read_c_string(&self, address: u64) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        let mut chunk = [0u8; 256];
        while out.len() < MAX_NAME {
            let n = self.memory.read(address.wrapping_add(out.len() as u64), &mut chunk)?;
            if let Some(end) = chunk[..n].iter().position(|&b| b == 0) {
                out.extend_from_slice(&chunk[..end]);
                return Ok(out);
            }
            out.extend_from_slice(&chunk[..n]);
        }
        Ok(out)
    }

    /// The address of `struct r_debug`, once the loader has filled in DT_DEBUG.
    fn r_debug(&mut self) -> Result<Option<u64>> {
        if self.gone {
            return Err(Error::NoProcess);
        }
        if self.r_debug.is_some() {
            return Ok(self.r_debug);
        }
        let Some(dynamic) = self.exe.as_ref().and_then(|e| e.dynamic) else { return Ok(None) };
        for i in 0..MAX_DYNAMIC {
            let entry = dynamic.wrapping_add(i * 16);
            let tag = self.read_u64(entry)?;
            if tag == DT_NULL {
                break;
            }
            if tag == DT_DEBUG {
                let value = self.read_u64(entry.wrapping_add(8))?;
                self.r_debug = (value != 0).then_some(value);
                return Ok(self.r_debug);
            }
        }
        Ok(None)
    }

    /// Where a module of the list lies: from its file, or from its headers in memory when the file is gone.
    fn place(&self, l_addr: u64, path: &Path) -> (u64, u64) {
        let inside = Path::new(&format!("/proc/{}/root", self.pid)).join(path.strip_prefix("/").unwrap_or(path));
        let elf = Elf::from_file(&inside).or_else(|| Elf::from_file(path)).or_else(|| self.elf_in_memory(l_addr));
        match elf {
            Some(elf) => (l_addr.wrapping_add(elf.lowest), elf.size()),
            None => (l_addr, 0),
        }
    }

    /// The ELF and program headers mapped at `address` (a shared object's first page).
    fn elf_in_memory(&self, address: u64) -> Option<Elf> {
        let mut header = [0u8; 64];
        self.read_exact(address, &mut header).ok()?;
        let phoff = u64::from_le_bytes(header[32..40].try_into().ok()?);
        let phnum = u64::from(u16::from_le_bytes(header[56..58].try_into().ok()?));
        let len = usize::try_from(phoff.checked_add(phnum * 56)?).ok().filter(|&l| l <= 64 * 1024)?;
        let mut bytes = vec![0u8; len.max(64)];
        self.read_exact(address, &mut bytes).ok()?;
        Elf::parse(&bytes)
    }
}

/// The vDSO (and any other name that is no file): not a module to report.
fn is_file_module(name: &[u8]) -> bool {
    use std::os::unix::ffi::OsStrExt;
    !name.is_empty() && (name.contains(&b'/') || Path::new(std::ffi::OsStr::from_bytes(name)).exists())
}

impl LoaderRendezvous for LinuxTarget {
    fn breakpoint_address(&mut self) -> Result<Option<u64>> {
        let Some(r_debug) = self.r_debug()? else { return Ok(None) };
        let brk = self.read_u64(r_debug.wrapping_add(R_BRK))?;
        Ok((brk != 0).then_some(brk))
    }

    fn sync_modules(&mut self) -> Result<Vec<EventKind>> {
        let Some(r_debug) = self.r_debug()? else { return Ok(Vec::new()) };
        if self.read_u32(r_debug.wrapping_add(R_STATE))? != RT_CONSISTENT {
            return Ok(Vec::new());
        }
        let mut now: BTreeMap<u64, (PathBuf, u64)> = BTreeMap::new();
        let mut entry = self.read_u64(r_debug.wrapping_add(R_MAP))?;
        let mut first = true;
        let mut seen = 0;
        while entry != 0 && seen < MAX_MODULES {
            seen += 1;
            let l_addr = self.read_u64(entry)?;
            let name_at = self.read_u64(entry.wrapping_add(L_NAME))?;
            let next = self.read_u64(entry.wrapping_add(L_NEXT))?;
            let name = if name_at == 0 { Vec::new() } else { self.read_c_string(name_at)? };
            // The first entry is the executable, reported with the process.
            if !std::mem::take(&mut first) && is_file_module(&name) {
                use std::os::unix::ffi::OsStringExt;
                let path = PathBuf::from(std::ffi::OsString::from_vec(name));
                let (base, size) = self.place(l_addr, &path);
                now.insert(base, (path, size));
            }
            entry = next;
        }
        let mut changes = Vec::new();
        let gone: Vec<u64> = self
            .modules
            .iter()
            .filter(|(base, m)| !m.pinned && now.get(base).is_none_or(|(path, _)| *path != m.path))
            .map(|(&base, _)| base)
            .collect();
        for base in gone {
            self.modules.remove(&base);
            changes.push(EventKind::ModuleUnloaded { base });
        }
        for (base, (path, size)) in now {
            if self.modules.contains_key(&base) {
                continue;
            }
            self.modules.insert(base, Module { path: path.clone(), pinned: false });
            changes.push(EventKind::ModuleLoaded { base, size, path });
        }
        Ok(changes)
    }

    fn link_map(&mut self) -> Result<Vec<LinkMapEntry>> {
        let Some(r_debug) = self.r_debug()? else { return Ok(Vec::new()) };
        if self.read_u32(r_debug.wrapping_add(R_STATE))? != RT_CONSISTENT {
            return Ok(Vec::new());
        }
        let mut list = Vec::new();
        let mut entry = self.read_u64(r_debug.wrapping_add(R_MAP))?;
        while entry != 0 && list.len() < MAX_MODULES {
            let name_at = self.read_u64(entry.wrapping_add(L_NAME))?;
            list.push(LinkMapEntry {
                address: entry,
                bias: self.read_u64(entry)?,
                dynamic: self.read_u64(entry.wrapping_add(L_LD))?,
                name: if name_at == 0 { Vec::new() } else { self.read_c_string(name_at)? },
            });
            entry = self.read_u64(entry.wrapping_add(L_NEXT))?;
        }
        Ok(list)
    }
}
