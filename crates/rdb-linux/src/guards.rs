//! Guard pages for memory breakpoints (`bpm`), with the semantics of Windows' PAGE_GUARD: an armed page is made
//! inaccessible by an `mprotect` injected into the debuggee; the first access to it faults (SIGSEGV, SEGV_ACCERR,
//! its address in the page), which is reported as a guard-page exception, is never delivered to the program, and
//! gives the page its own protection back (one-shot, as Windows drops PAGE_GUARD as it raises the exception).

use std::collections::BTreeMap;

use nix::errno::Errno;
use rdb_engine::target::{PageGuards, Region};
use rdb_engine::{Error, Result};

use crate::inject::Site;
use crate::{LinuxTarget, memory};

pub(crate) const PAGE: u64 = 0x1000;

pub(crate) fn page_of(address: u64) -> u64 {
    address & !(PAGE - 1)
}

/// The armed pages, each with its own protection (PROT_* bits) to give back.
#[derive(Debug, Default)]
pub(crate) struct Guards {
    armed: BTreeMap<u64, i32>,
}

impl Guards {
    pub fn is_armed(&self, page: u64) -> bool {
        self.armed.contains_key(&page)
    }

    /// Whether an armed page overlaps `[address, address + len)`.
    pub fn covers(&self, address: u64, len: u64) -> bool {
        let last = page_of(address.saturating_add(len.max(1) - 1));
        self.armed.range(page_of(address)..=last).next().is_some()
    }

    /// The armed pages overlapping `[address, address + len)`, with their own protection.
    fn armed_in(&self, address: u64, len: u64) -> Vec<(u64, i32)> {
        let last = page_of(address.saturating_add(len.max(1) - 1));
        self.armed.range(page_of(address)..=last).map(|(&p, &o)| (p, o)).collect()
    }

    /// Every armed page with its own protection.
    pub fn pages(&self) -> Vec<(u64, i32)> {
        self.armed.iter().map(|(&p, &o)| (p, o)).collect()
    }

    /// Forget every page without touching the debuggee (its address space is gone or replaced).
    pub fn clear(&mut self) {
        self.armed.clear();
    }

    /// The regions as the program made them: an armed page shows its own protection, as VirtualQueryEx shows a
    /// PAGE_GUARD page's protection without the guard.
    pub fn unguarded(&self, regions: Vec<Region>) -> Vec<Region> {
        let mut out = Vec::with_capacity(regions.len());
        for region in regions {
            let mut from = region.start;
            for (page, own) in self.armed_in(region.start, region.end - region.start) {
                if page > from {
                    out.push(Region { start: from, end: page, ..region.clone() });
                }
                out.push(Region {
                    start: page,
                    end: page + PAGE,
                    readable: own & libc::PROT_READ != 0,
                    writable: own & libc::PROT_WRITE != 0,
                    executable: own & libc::PROT_EXEC != 0,
                    ..region.clone()
                });
                from = page + PAGE;
            }
            if from < region.end {
                out.push(Region { start: from, ..region });
            }
        }
        out
    }
}

/// The protection of a region, as `mprotect` takes it.
fn protection(r: &Region) -> i32 {
    let mut p = libc::PROT_NONE;
    if r.readable {
        p |= libc::PROT_READ;
    }
    if r.writable {
        p |= libc::PROT_WRITE;
    }
    if r.executable {
        p |= libc::PROT_EXEC;
    }
    p
}

impl LinuxTarget {
    /// `mprotect` one page inside the debuggee.
    fn protect(&mut self, page: u64, protection: i32) -> Result<()> {
        let r = self.syscall(libc::SYS_mprotect, [page, PAGE, protection as u64, 0, 0, 0])?;
        if r < 0 {
            let e = Errno::from_raw((-r) as i32);
            return Err(Error::msg(format!("cannot change the protection of page {page:#x}: {}", e.desc())));
        }
        Ok(())
    }

    /// A guard fault is being reported: the page gets its own protection back (one-shot).
    pub(crate) fn guard_fired(&mut self, page: u64) {
        if let Some(own) = self.guards.armed.remove(&page) {
            // Failing, the page stays inaccessible, and the program's next access faults as an ordinary fault.
            let _ = self.protect(page, own);
        }
    }

    /// Give every armed page its own protection back (detach).
    pub(crate) fn disarm_all_guards(&mut self) {
        for (page, own) in std::mem::take(&mut self.guards.armed) {
            let _ = self.protect(page, own);
        }
    }

    /// Run `f` with the armed pages of a range given their own protection, so the debugger's own access neither
    /// fails on them nor fires them (needed only where /proc/pid/mem cannot force its way through).
    pub(crate) fn lifted<T>(&mut self, address: u64, len: u64, f: impl FnOnce(&mut LinuxTarget) -> T) -> T {
        let pages = self.guards.armed_in(address, len);
        let lifted: Vec<(u64, i32)> = pages.into_iter().filter(|&(p, own)| self.protect(p, own).is_ok()).collect();
        let result = f(self);
        for (page, _) in lifted {
            let _ = self.protect(page, libc::PROT_NONE);
        }
        result
    }
}

impl PageGuards for LinuxTarget {
    fn arm(&mut self, page: u64) -> Result<()> {
        if !page.is_multiple_of(PAGE) {
            return Err(Error::msg(format!("{page:#x} is not the start of a page")));
        }
        if self.gone {
            return Err(Error::NoProcess);
        }
        let own = match self.guards.armed.get(&page) {
            Some(&own) => own,
            None => memory::regions(self.pid)?
                .iter()
                .find(|r| r.start <= page && page < r.end)
                .map(protection)
                .ok_or(Error::MemoryAccess(page))?,
        };
        // The instruction injected system calls run is fetched from its page: with every one the vDSO has guarded,
        // nothing could disarm them.
        if matches!(self.syscall_site(), Site::Found(_)) && self.site_avoiding(Some(page)) == Site::Borrowed {
            return Err(Error::msg(format!(
                "page {page:#x} holds the instruction the debugger runs system calls with"
            )));
        }
        self.protect(page, libc::PROT_NONE)?;
        self.guards.armed.insert(page, own);
        Ok(())
    }

    fn disarm(&mut self, page: u64) -> Result<()> {
        match self.guards.armed.get(&page).copied() {
            Some(own) => {
                self.protect(page, own)?;
                self.guards.armed.remove(&page);
                Ok(())
            }
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(start: u64, end: u64) -> Region {
        Region { start, end, readable: true, writable: true, name: Some("data".into()), ..Region::default() }
    }

    #[test]
    fn an_armed_page_shows_its_own_protection() {
        let mut g = Guards::default();
        g.armed.insert(0x2000, libc::PROT_READ | libc::PROT_WRITE);
        // The kernel shows the armed page as a region of its own, ---p.
        let none = Region { readable: false, writable: false, ..region(0x2000, 0x3000) };
        let shown = g.unguarded(vec![region(0x1000, 0x2000), none, region(0x3000, 0x5000)]);
        assert!(shown.iter().all(|r| r.readable && r.writable && !r.executable), "{shown:?}");
        assert_eq!(shown.len(), 3);
        // Merged with a neighbour of the same protection (the page was PROT_NONE already), it is cut out.
        g.armed.insert(0x2000, libc::PROT_READ);
        let merged = Region { readable: false, writable: false, ..region(0x1000, 0x4000) };
        let shown = g.unguarded(vec![merged]);
        let spans: Vec<(u64, u64, bool)> = shown.iter().map(|r| (r.start, r.end, r.readable)).collect();
        assert_eq!(spans, [(0x1000, 0x2000, false), (0x2000, 0x3000, true), (0x3000, 0x4000, false)]);
    }

    #[test]
    fn covers_any_page_of_a_range() {
        let mut g = Guards::default();
        g.armed.insert(0x2000, 0);
        assert!(g.covers(0x1fff, 2));
        assert!(!g.covers(0x1000, 0x1000));
        assert!(g.covers(0x2fff, 1));
    }
}
