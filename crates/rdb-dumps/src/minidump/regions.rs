//! The address space a minidump recorded: Windows' `MemoryInfoListStream` (what `VirtualQueryEx` said of each
//! region), Breakpad's `LinuxMapsStream` (`/proc/<pid>/maps` as text), or, for a dump with neither, the memory
//! ranges it holds. Each is worded as the live backend of its OS words its regions.

use rdb_engine::target::{Backing, ModuleRecord, Region};

const MEM_COMMIT: u32 = 0x1000;
const MEM_RESERVE: u32 = 0x2000;
const MEM_IMAGE: u32 = 0x100_0000;
const MEM_MAPPED: u32 = 0x4_0000;

const PAGE_NOACCESS: u32 = 0x01;
const PAGE_READWRITE: u32 = 0x04;
const PAGE_WRITECOPY: u32 = 0x08;
const PAGE_EXECUTE: u32 = 0x10;
const PAGE_EXECUTE_READ: u32 = 0x20;
const PAGE_EXECUTE_READWRITE: u32 = 0x40;
const PAGE_EXECUTE_WRITECOPY: u32 = 0x80;
const PAGE_GUARD: u32 = 0x100;

/// One `MINIDUMP_MEMORY_INFO`, the fields that matter.
pub(crate) struct WindowsInfo {
    pub base: u64,
    pub allocation_base: u64,
    pub size: u64,
    pub state: u32,
    pub protection: u32,
    pub kind: u32,
}

/// A Windows region as the live backend words it: a module's path at its allocation, MEM_FREE left out.
pub(crate) fn windows(info: &WindowsInfo, modules: &[ModuleRecord]) -> Option<Region> {
    if info.state != MEM_COMMIT && info.state != MEM_RESERVE {
        return None;
    }
    let p = if info.state == MEM_COMMIT { info.protection } else { 0 };
    let access = p & 0xff;
    Some(Region {
        start: info.base,
        end: info.base.saturating_add(info.size),
        readable: !matches!(access, 0 | PAGE_NOACCESS | PAGE_EXECUTE),
        writable: matches!(access, PAGE_READWRITE | PAGE_WRITECOPY | PAGE_EXECUTE_READWRITE | PAGE_EXECUTE_WRITECOPY),
        executable: matches!(
            access,
            PAGE_EXECUTE | PAGE_EXECUTE_READ | PAGE_EXECUTE_READWRITE | PAGE_EXECUTE_WRITECOPY
        ),
        copy_on_write: matches!(access, PAGE_WRITECOPY | PAGE_EXECUTE_WRITECOPY),
        guard: p & PAGE_GUARD != 0,
        name: modules.iter().find(|m| m.base == info.allocation_base).map(|m| m.path.to_string_lossy().into_owned()),
        backing: match info.kind {
            MEM_IMAGE => Backing::Image,
            MEM_MAPPED => Backing::Mapped,
            _ => Backing::Private,
        },
        reserved: info.state == MEM_RESERVE,
        allocation_base: Some(info.allocation_base),
        role: None,
    })
}

/// The regions of a Linux dump's `/proc/<pid>/maps` text, as the live backend reads the file.
pub(crate) fn linux_maps(text: &[u8]) -> Vec<Region> {
    rdb_engine::proc_maps::regions(&String::from_utf8_lossy(text))
}

/// For a dump that recorded no address space: each memory range it holds, named after the module it lies in.
pub(crate) fn from_ranges(spans: impl Iterator<Item = (u64, u64)>, modules: &[ModuleRecord]) -> Vec<Region> {
    spans
        .map(|(start, end)| {
            let module = modules.iter().find(|m| m.base <= start && start < m.base.saturating_add(m.size));
            Region {
                start,
                end,
                readable: true,
                name: module.map(|m| m.path.to_string_lossy().into_owned()),
                backing: if module.is_some() { Backing::Image } else { Backing::Private },
                ..Region::default()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rdb_engine::target::RegionRole;

    #[test]
    fn windows_regions_say_what_the_protection_gives() {
        let exe = ModuleRecord { base: 0x1_4000_0000, size: 0x2000, path: "C:\\prog.exe".into() };
        let info = WindowsInfo {
            base: 0x1_4000_1000,
            allocation_base: 0x1_4000_0000,
            size: 0x1000,
            state: MEM_COMMIT,
            protection: PAGE_EXECUTE_READ,
            kind: MEM_IMAGE,
        };
        let r = windows(&info, std::slice::from_ref(&exe)).unwrap();
        assert!(r.readable && r.executable && !r.writable && r.backing == Backing::Image);
        assert_eq!(r.name.as_deref(), Some("C:\\prog.exe"));
        let free = WindowsInfo { state: 0x1_0000, ..info };
        assert!(windows(&free, &[]).is_none());
    }

    #[test]
    fn maps_lines() {
        let text = b"55550000-55551000 r-xp 00000000 08:01 42 /usr/bin/prog\n7ffd0000-7ffd1000 rw-p 00000000 00:00 0 [stack]\nbad\n";
        let r = linux_maps(text);
        assert_eq!(r.len(), 2);
        assert_eq!((r[0].start, r[0].executable, r[0].backing), (0x5555_0000, true, Backing::Mapped));
        assert_eq!(r[1].role, Some(RegionRole::Stack));
    }
}
