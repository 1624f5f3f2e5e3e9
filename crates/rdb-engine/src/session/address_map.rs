//! The process's address space as data (WinDbg's `!address`): each region the target reports, with what it is used
//! for, and the gaps between them as free space. What a region is used for is judged here, once for every OS: the
//! pages of a module's range are its image, the allocation a thread's stack pointer is in is that thread's stack,
//! the OS's own names (the heap, the main stack) and, where there is one, the process heap of the environment block.
//! It shapes no text.

use std::path::PathBuf;

use super::Session;
use crate::error::Result;
use crate::target::{Backing, Region, RegionRole, Tid};

/// Where user space ends on x86-64: the top of the lower canonical half.
const USER_SPACE_END: u64 = 0x0000_8000_0000_0000;

/// Whether a region holds memory, only holds address space back, or is not held at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemoryState {
    Commit,
    Reserve,
    Free,
}

/// What a region is used for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Usage {
    Free,
    /// A module's image: its name (as expressions take it) and file.
    Image {
        module: String,
        path: PathBuf,
    },
    /// A thread's stack: its index and id where a thread's stack pointer is in it.
    Stack {
        thread: Option<(u32, Tid)>,
    },
    Heap,
    /// A file mapped as data, by its name where the target gives it.
    MappedFile(Option<String>),
    /// Anything else, with the OS's name for it (`[vdso]`) where it has one.
    Other(Option<String>),
}

/// One region of the address space.
#[derive(Debug, Clone, PartialEq)]
pub struct AddressRegion {
    /// The region as the target reported it; a free one has only its range.
    pub region: Region,
    pub state: MemoryState,
    /// Where the allocation the region belongs to starts (a free region is its own).
    pub allocation_base: u64,
    pub usage: Usage,
}

impl AddressRegion {
    /// The first region of its allocation (WinDbg marks it `+`).
    pub fn starts_allocation(&self) -> bool {
        self.allocation_base == self.region.start
    }
}

impl Session {
    /// Every region of the address space, in address order, the gaps between the target's regions free, up to
    /// the end of user space.
    pub fn address_map(&mut self) -> Result<Vec<AddressRegion>> {
        let mut regions = self.target()?.memory_regions()?;
        regions.sort_by_key(|r| r.start);
        let stacks = self.stack_pointers();
        let heap = self.process_heap();
        let mut out = Vec::with_capacity(regions.len() * 2 + 1);
        let mut at = 0u64;
        for region in regions {
            if region.start < at || region.end <= region.start {
                continue;
            }
            // Free space is within user space only (the kernel may map a page above it: `[vsyscall]`).
            let gap_end = region.start.min(USER_SPACE_END);
            if gap_end > at {
                out.push(free(at, gap_end));
            }
            at = region.end;
            out.push(self.held(region, &stacks, heap));
        }
        if at < USER_SPACE_END {
            out.push(free(at, USER_SPACE_END));
        }
        // A stack's allocation is the stack as a whole (its reserved part and guard page too).
        let stack_allocations: Vec<(u64, Option<(u32, Tid)>)> = out
            .iter()
            .filter_map(|r| match r.usage {
                Usage::Stack { thread: Some(t) } => Some((r.allocation_base, Some(t))),
                _ => None,
            })
            .collect();
        for r in out.iter_mut().filter(|r| r.state != MemoryState::Free) {
            if let Some((_, thread)) = stack_allocations.iter().find(|(base, _)| *base == r.allocation_base) {
                r.usage = Usage::Stack { thread: *thread };
            }
        }
        Ok(out)
    }

    /// The region of the address space `address` is in.
    pub fn address_region(&mut self, address: u64) -> Result<AddressRegion> {
        self.address_map()?
            .into_iter()
            .find(|r| r.region.start <= address && address < r.region.end)
            .ok_or_else(|| crate::err!("{} is not in the user address space", crate::fmt::addr64(address)))
    }

    /// A region the target reported, with its use.
    fn held(&self, mut region: Region, stacks: &[(u64, u32, Tid)], heap: Option<u64>) -> AddressRegion {
        let module = self.modules.at(region.start);
        if module.is_some() {
            // Part of an image the loader mapped (told by the module's range where the OS does not say so itself:
            // its file's segments, and the zeroed pages after them).
            region.backing = Backing::Image;
        }
        let allocation_base = region.allocation_base.or(module.map(|m| m.base)).unwrap_or(region.start);
        let thread = stacks.iter().find(|(sp, ..)| region.start <= *sp && *sp < region.end).map(|(_, i, t)| (*i, *t));
        let usage = if let Some(m) = module {
            Usage::Image { module: m.name.clone(), path: m.path.clone() }
        } else if thread.is_some() || region.role == Some(RegionRole::Stack) {
            Usage::Stack { thread }
        } else if region.role == Some(RegionRole::Heap) || heap.is_some_and(|h| h == allocation_base) {
            Usage::Heap
        } else if region.backing == Backing::Mapped {
            Usage::MappedFile(region.name.clone())
        } else {
            Usage::Other(region.name.clone())
        };
        let state = if region.reserved { MemoryState::Reserve } else { MemoryState::Commit };
        AddressRegion { region, state, allocation_base, usage }
    }

    /// Each thread's stack pointer, with its index and id.
    fn stack_pointers(&mut self) -> Vec<(u64, u32, Tid)> {
        let threads = self.threads.clone();
        threads.iter().filter_map(|t| self.registers(t.tid).ok().map(|r| (r.rsp, t.index, t.tid))).collect()
    }

    /// The process heap the environment block names, where the target has one.
    fn process_heap(&mut self) -> Option<u64> {
        if !self.has_environment_blocks() {
            return None;
        }
        self.peb(None).ok().map(|p| p.process_heap).filter(|h| *h != 0)
    }
}

/// A gap in the target's regions.
fn free(start: u64, end: u64) -> AddressRegion {
    AddressRegion {
        region: Region { start, end, ..Region::default() },
        state: MemoryState::Free,
        allocation_base: start,
        usage: Usage::Free,
    }
}
