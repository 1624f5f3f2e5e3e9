//! Reads of a mapped module file that shrank under rdb: zeros, not a SIGBUS. A page of a mapping that lies past
//! the end of its file (truncated since it was mapped: `cp` over a library truncates it before writing) raises
//! SIGBUS when read, which would kill rdb and the program it launched. rdb's SIGBUS handler puts a page of zeros in
//! the place of such a page of one of its module mappings and lets the read go on; a SIGBUS anywhere else goes to
//! the handler that was there before (Rust's own, which tells a stack overflow), or kills as it always did.
//!
//! The handler finds the mappings in a list it reads without locks: each mapping's [`Region`] is pushed on its head
//! once and never freed (the engine keeps module files for rdb's whole life anyway), and one that is dropped is
//! marked dead before it is unmapped.

use std::ffi::c_void;
use std::ops::Deref;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};
use std::sync::{Once, OnceLock};

use libc::{c_int, siginfo_t};

/// A module file's mapping whose lost pages read as zeros for as long as it lives.
pub struct Guarded {
    map: memmap2::Mmap,
    region: &'static Region,
}

/// Where one mapping lies, for the handler.
struct Region {
    start: usize,
    end: usize,
    live: AtomicBool,
    next: AtomicPtr<Region>,
}

/// The head of the list of every mapping's region.
static REGIONS: AtomicPtr<Region> = AtomicPtr::new(ptr::null_mut());
static PAGE_SIZE: AtomicUsize = AtomicUsize::new(0);
/// The SIGBUS disposition before rdb's, for what is not rdb's to handle.
static PREVIOUS: OnceLock<libc::sigaction> = OnceLock::new();
static INSTALL: Once = Once::new();

impl Guarded {
    pub fn new(map: memmap2::Mmap) -> Guarded {
        INSTALL.call_once(install);
        let start = map.as_ptr() as usize;
        let region: &'static Region = Box::leak(Box::new(Region {
            start,
            end: start + map.len(),
            live: AtomicBool::new(true),
            next: AtomicPtr::new(ptr::null_mut()),
        }));
        let mut head = REGIONS.load(Ordering::Acquire);
        loop {
            region.next.store(head, Ordering::Relaxed);
            let new = region as *const Region as *mut Region;
            match REGIONS.compare_exchange_weak(head, new, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => break,
                Err(current) => head = current,
            }
        }
        Guarded { map, region }
    }
}

impl Deref for Guarded {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.map
    }
}

impl Drop for Guarded {
    fn drop(&mut self) {
        // Before the field drops and unmaps: whatever is mapped at these addresses later is not this file.
        self.region.live.store(false, Ordering::Release);
    }
}

fn install() {
    // SAFETY: sysconf reads a system constant.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    PAGE_SIZE.store(usize::try_from(page).unwrap_or(4096), Ordering::Relaxed);
    // SAFETY: an all-zero sigaction is a valid value (no handler, empty flags), filled in below; sigemptyset and
    // sigaction read and write only the structs passed, which live across the calls. The handler is an
    // `extern "C"` function of the signature SA_SIGINFO calls, and async-signal-safe (see `on_sigbus`).
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_sigbus as extern "C" fn(c_int, *mut siginfo_t, *mut c_void) as usize;
        // SA_ONSTACK: on the alternate stack where a thread has one, as Rust's own handler runs.
        action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
        libc::sigemptyset(&mut action.sa_mask);
        let mut previous: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(libc::SIGBUS, &action, &mut previous) == 0 {
            let _ = PREVIOUS.set(previous);
        }
    }
}

/// The live region that holds `address`. Lock-free and allocation-free: called in the signal handler.
fn region_of(address: usize) -> Option<&'static Region> {
    let mut at = REGIONS.load(Ordering::Acquire);
    // SAFETY: every pointer in the list is a leaked `Region`, never freed.
    while let Some(region) = unsafe { at.as_ref() } {
        if region.live.load(Ordering::Acquire) && (region.start..region.end).contains(&address) {
            return Some(region);
        }
        at = region.next.load(Ordering::Acquire);
    }
    None
}

/// Put a page of zeros, readable only, in place of the page that holds `address`.
fn zero_page(address: usize) -> bool {
    let page = PAGE_SIZE.load(Ordering::Relaxed);
    let at = address & !(page - 1);
    // SAFETY: the page lies inside a live mapping of rdb's own module file (`region_of`), which only rdb's symbol
    // readers use and only read; MAP_FIXED replaces exactly that page of it with anonymous zeros, and mmap is a
    // plain system call, safe in a signal handler.
    let mapped = unsafe {
        libc::mmap(
            at as *mut c_void,
            page,
            libc::PROT_READ,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
            -1,
            0,
        )
    };
    mapped != libc::MAP_FAILED
}

extern "C" fn on_sigbus(signal: c_int, info: *mut siginfo_t, context: *mut c_void) {
    // SAFETY: for an SA_SIGINFO handler the kernel passes a valid siginfo_t, whose si_addr is the faulting address.
    let address = unsafe { (*info).si_addr() } as usize;
    if region_of(address).is_some() && zero_page(address) {
        // The read that faulted runs again, and reads zeros.
        return;
    }
    match PREVIOUS.get() {
        Some(previous) if previous.sa_sigaction != libc::SIG_DFL && previous.sa_sigaction != libc::SIG_IGN => {
            // SAFETY: the handler that was installed before rdb's, called as its flags say it expects to be.
            unsafe {
                if previous.sa_flags & libc::SA_SIGINFO != 0 {
                    let handler: extern "C" fn(c_int, *mut siginfo_t, *mut c_void) =
                        std::mem::transmute(previous.sa_sigaction);
                    handler(signal, info, context);
                } else {
                    let handler: extern "C" fn(c_int) = std::mem::transmute(previous.sa_sigaction);
                    handler(signal);
                }
            }
        }
        _ => {
            // No handler before rdb's: the default action, which the faulting read meets when it runs again.
            // SAFETY: an all-zero sigaction with SIG_DFL (0) is the default disposition; sigaction is
            // async-signal-safe.
            unsafe {
                let mut default: libc::sigaction = std::mem::zeroed();
                default.sa_sigaction = libc::SIG_DFL;
                libc::sigaction(signal, &default, ptr::null_mut());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn pages_lost_to_a_truncation_read_as_zeros() {
        let path = std::env::temp_dir().join(format!("rdb-host-truncation-{}", std::process::id()));
        let mut file = std::fs::File::create(&path).unwrap();
        let page = 4096;
        file.write_all(&vec![0xa5u8; 3 * page + 100]).unwrap();
        let bytes = crate::map_file(&path).unwrap();
        assert_eq!(bytes[0], 0xa5, "read before the truncation");
        // What `cp` over a library does first: the file is cut to a few bytes under the mapping.
        file.set_len(10).unwrap();
        let sum: u64 = bytes.iter().map(|&b| u64::from(b)).sum();
        assert_eq!(sum, 10 * 0xa5, "the first page's ten bytes still in the file, the rest zeros");
        assert_eq!(bytes.len(), 3 * page + 100);
        drop(bytes);
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn a_dropped_mapping_is_no_longer_guarded() {
        let path = std::env::temp_dir().join(format!("rdb-host-dropped-{}", std::process::id()));
        std::fs::write(&path, vec![1u8; 8192]).unwrap();
        let file = std::fs::File::open(&path).unwrap();
        // SAFETY: a file of this test's own, unchanged while mapped.
        let guarded = Guarded::new(unsafe { memmap2::Mmap::map(&file).unwrap() });
        let region = guarded.region;
        assert!(region_of(guarded.as_ptr() as usize).is_some_and(|r| ptr::eq(r, region)));
        drop(guarded);
        assert!(!region.live.load(Ordering::Acquire), "whatever is mapped there next is not this file");
        let _ = std::fs::remove_file(&path);
    }
}
