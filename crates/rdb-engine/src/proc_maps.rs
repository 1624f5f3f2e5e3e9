//! The text of Linux's `/proc/<pid>/maps` as regions: the Linux backend reads it from the live file, the minidump
//! reader from a Linux dump's `LinuxMaps` stream (Breakpad copies the file there), so both read it one way. A text
//! format, not a call into the OS: it is read here as ELF and PE are.

use crate::target::{Backing, Region, RegionRole};

/// Every line of `text` that is a mapping, as a region (lines that are not are skipped).
pub fn regions(text: &str) -> Vec<Region> {
    text.lines().filter_map(region).collect()
}

/// One line: `start-end perms offset dev inode [name]`.
pub fn region(line: &str) -> Option<Region> {
    let mut fields = line.splitn(6, ' ');
    let (start, end) = fields.next()?.split_once('-')?;
    let perms = fields.next()?.as_bytes();
    let inode = fields.nth(2).unwrap_or("0");
    let name = fields.next().map(str::trim).filter(|n| !n.is_empty()).map(String::from);
    // The kernel's names for what it set up itself; a region with an inode maps a file.
    let role = match name.as_deref() {
        Some("[stack]") => Some(RegionRole::Stack),
        Some("[heap]") => Some(RegionRole::Heap),
        _ => None,
    };
    let backing = if inode.trim() != "0" { Backing::Mapped } else { Backing::Private };
    let (start, end) = (u64::from_str_radix(start, 16).ok()?, u64::from_str_radix(end, 16).ok()?);
    (start < end).then(|| Region {
        start,
        end,
        readable: perms.first() == Some(&b'r'),
        writable: perms.get(1) == Some(&b'w'),
        executable: perms.get(2) == Some(&b'x'),
        name,
        backing,
        role,
        ..Region::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_lines() {
        let r = region("7f0000001000-7f0000002000 r-xp 00001000 08:01 1234      /usr/lib/libc.so.6").unwrap();
        assert_eq!((r.start, r.end), (0x7f00_0000_1000, 0x7f00_0000_2000));
        assert!(r.readable && !r.writable && r.executable);
        assert_eq!(r.name.as_deref(), Some("/usr/lib/libc.so.6"));
        assert_eq!((r.backing, r.role), (Backing::Mapped, None));
        let anon = region("1000-2000 rw-p 00000000 00:00 0 ").unwrap();
        assert_eq!((anon.name, anon.backing), (None, Backing::Private));
        let heap = region("5000-6000 rw-p 00000000 00:00 0                          [heap]").unwrap();
        assert_eq!((heap.name.as_deref(), heap.role), (Some("[heap]"), Some(RegionRole::Heap)));
        let stack = region("7ffe0000-7fff0000 rw-p 00000000 00:00 0    [stack]").unwrap();
        assert_eq!(stack.role, Some(RegionRole::Stack));
        assert!(region("garbage").is_none());
        assert!(region("2000-1000 rw-p 00000000 00:00 0").is_none(), "an end before the start");
    }
}
