//! Scratch memory for the engine's code: pages mapped inside the debuggee by an injected `mmap`, at a hole of its
//! address space (from /proc/pid/maps) within rel32 reach of the code the engine names, and unmapped by an injected
//! `munmap` when the engine gives them back.

use nix::errno::Errno;
use rdb_engine::target::{Region, ScratchMemory};
use rdb_engine::{Error, Result};

use crate::{LinuxTarget, memory, procfs};

const PAGE: u64 = 0x1000;
/// How far a rel32 jump or rip-relative operand reaches.
const REACH: u64 = 1 << 31;
/// The lowest address worth trying (vm.mmap_min_addr is at most this on usual systems).
const LOWEST: u64 = 0x10000;
/// The end of the user address space with 4-level paging (the kernel maps higher only when asked to).
const USER_END: u64 = 0x7fff_ffff_f000;
/// Room kept free for the heap to grow into with `brk` above where it starts, and for the main stack below it.
const HEAP_ROOM: u64 = 256 << 20;
const STACK_ROOM: u64 = 64 << 20;
/// Holes tried before giving up (another mapping may appear between reading the map and mapping).
const MAX_TRIES: usize = 16;

/// Where `size` bytes (page-rounded) may be mapped within reach of `near`, nearest first: the point nearest to
/// `near` of each hole between `busy` ranges (sorted or not) that the whole block fits in, in reach both ends.
pub(crate) fn candidates(near: u64, size: u64, busy: &[(u64, u64)]) -> Vec<u64> {
    let mut busy: Vec<(u64, u64)> = busy.to_vec();
    busy.sort_unstable();
    let mut holes = Vec::new();
    let mut from = LOWEST;
    for &(start, end) in &busy {
        if start > from {
            holes.push((from, start.min(USER_END)));
        }
        from = from.max(end);
    }
    if from < USER_END {
        holes.push((from, USER_END));
    }
    let within = |a: u64| a.abs_diff(near) < REACH;
    let mut out: Vec<u64> = holes
        .into_iter()
        .filter(|&(start, end)| end > start && end - start >= size)
        .map(|(start, end)| (near & !(PAGE - 1)).clamp(start, end - size))
        .filter(|&at| within(at) && within(at + size))
        .collect();
    out.sort_by_key(|&at| at.abs_diff(near));
    out
}

/// The ranges a new mapping must stay out of: every region, and the room the heap and the main stack grow into.
fn busy(regions: &[Region], start_brk: Option<u64>) -> Vec<(u64, u64)> {
    let mut busy: Vec<(u64, u64)> = regions.iter().map(|r| (r.start, r.end)).collect();
    if let Some(brk) = start_brk {
        busy.push((brk, brk.saturating_add(HEAP_ROOM)));
    }
    if let Some(stack) = regions.iter().find(|r| r.name.as_deref() == Some("[stack]")) {
        busy.push((stack.start.saturating_sub(STACK_ROOM), stack.start));
    }
    busy
}

/// `size` rounded up to whole pages, as the kernel maps it.
fn pages(size: u64) -> Result<u64> {
    size.checked_add(PAGE - 1)
        .map(|s| s & !(PAGE - 1))
        .filter(|&s| s < REACH)
        .ok_or_else(|| Error::msg(format!("{size:#x} bytes of scratch memory are too many")))
}

impl ScratchMemory for LinuxTarget {
    fn allocate(&mut self, near: u64, size: u64) -> Result<u64> {
        if size == 0 {
            return Err(Error::msg("cannot map 0 bytes of scratch memory"));
        }
        let size = pages(size)?;
        if self.gone {
            return Err(Error::NoProcess);
        }
        let regions = memory::regions(self.pid)?;
        let busy = busy(&regions, procfs::start_brk(self.pid));
        let protection = (libc::PROT_READ | libc::PROT_WRITE | libc::PROT_EXEC) as u64;
        let flags = (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED_NOREPLACE) as u64;
        for at in candidates(near, size, &busy).into_iter().take(MAX_TRIES) {
            let r = self.syscall(libc::SYS_mmap, [at, size, protection, flags, u64::MAX, 0])?;
            if r as u64 == at {
                return Ok(at);
            }
            if r >= 0 {
                // A kernel older than MAP_FIXED_NOREPLACE (4.17) takes the address as a hint only and put the
                // mapping elsewhere: undo it.
                self.syscall(libc::SYS_munmap, [r as u64, size, 0, 0, 0, 0])?;
                continue;
            }
            let errno = Errno::from_raw((-r) as i32);
            if errno != Errno::EEXIST {
                return Err(Error::msg(format!("cannot map scratch memory in the debuggee: {}", errno.desc())));
            }
        }
        Err(Error::msg(format!("no room for {size:#x} bytes of scratch memory within 2 GiB of {near:#x}")))
    }

    fn free(&mut self, address: u64, size: u64) -> Result<()> {
        if !address.is_multiple_of(PAGE) || size == 0 {
            return Err(Error::msg(format!("{address:#x} ({size:#x} bytes) is not scratch memory")));
        }
        let size = pages(size)?;
        let r = self.syscall(libc::SYS_munmap, [address, size, 0, 0, 0, 0])?;
        if r < 0 {
            return Err(Error::msg(Errno::from_raw((-r) as i32).desc()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_hole_first() {
        let busy = [(0x5555_0000_0000, 0x5555_0001_0000), (0x5555_0002_0000, 0x5555_0003_0000)];
        let c = candidates(0x5555_0000_8000, 0x1000, &busy);
        // Just above the code, then just below it, then between the two mappings' far side.
        assert_eq!(c[0], 0x5555_0001_0000);
        assert_eq!(c[1], 0x5554_ffff_f000);
        assert_eq!(c[2], 0x5555_0003_0000);
    }

    #[test]
    fn a_hole_too_small_or_out_of_reach_is_skipped() {
        let busy = [(LOWEST, 0x5555_0001_0000), (0x5555_0001_1000, USER_END)];
        assert!(candidates(0x5555_0000_8000, 0x2000, &busy).is_empty());
        assert_eq!(candidates(0x5555_0000_8000, 0x1000, &busy), [0x5555_0001_0000]);
        let far = [(LOWEST, 0x1_0000_0000)];
        assert!(candidates(0x1000_0000, 0x1000, &far).iter().all(|&a| a.abs_diff(0x1000_0000) < REACH));
        assert!(candidates(0x1000_0000, 0x1000, &far).is_empty());
    }

    #[test]
    fn the_heap_and_the_stack_keep_room_to_grow() {
        let stack = Region {
            start: 0x7ffd_0000_0000,
            end: 0x7ffd_0002_0000,
            readable: true,
            writable: true,
            executable: false,
            name: Some("[stack]".into()),
            ..Region::default()
        };
        let b = busy(&[stack], Some(0x5555_1000_0000));
        assert!(b.contains(&(0x5555_1000_0000, 0x5555_1000_0000 + HEAP_ROOM)));
        assert!(b.contains(&(0x7ffd_0000_0000 - STACK_ROOM, 0x7ffd_0000_0000)));
    }
}
