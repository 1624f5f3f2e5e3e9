//! Forked children: held at their first stop until the engine has them cleaned of the parent's breakpoints (and the
//! backend of its guard pages), then let go, or, followed, handed to the family (`family.rs`). They are copies of
//! the debuggee, so without this the first int3 one reaches would kill it.

use std::fs::OpenOptions;
use std::os::unix::fs::FileExt;

use rdb_engine::target::{ChildProcesses, Pid};
use rdb_engine::{Error, Result};

use crate::{LinuxTarget, guards, inject, ptrace};

impl ChildProcesses for LinuxTarget {
    fn release_child(&mut self, child: Pid, restore: &[(u64, u8)]) -> Result<()> {
        let child = child as i32;
        let Some(followed) = self.children.remove(&child) else {
            return Err(Error::msg(format!("process {child} is not a child held by the debugger")));
        };
        let shared = self.shared_child.take_if(|c| *c == child).is_some();
        let mut written = write_bytes(child, restore);
        if !shared {
            // A vfork child's guard pages are the debuggee's own, which the engine takes out while the child runs.
            written = written.and(self.unguard_child(child));
        }
        if followed {
            // Kept traced, stopped, for a target of its own (`ProcessFamily::adopt`), which starts it clean.
            self.port.borrow_mut().add_child(child, shared);
            if shared {
                self.lent_memory = Some(child);
            }
            return written;
        }
        // Let it go even when the writes failed: a held child would hang its parent's wait() forever.
        let detached = ptrace::detach(child, None)
            .map_err(|e| Error::msg(format!("cannot let child process {child} go: {}", e.desc())));
        written.and(detached)
    }
}

impl LinuxTarget {
    /// A forked child is a copy of the debuggee, guard pages and all: in it they get their own protection back.
    fn unguard_child(&mut self, child: i32) -> Result<()> {
        let pages = self.guards.pages();
        if pages.is_empty() {
            return Ok(());
        }
        let site = self.syscall_site();
        for (page, own) in pages {
            let args = [page, guards::PAGE, own as u64, 0, 0, 0];
            let r = inject::syscall(child, site, libc::SYS_mprotect, args).map_err(|b| b.error)?;
            if r < 0 {
                return Err(Error::msg(format!("cannot unguard page {page:#x} in child process {child}")));
            }
        }
        Ok(())
    }

    /// Let go of children not released yet (the debugger is leaving).
    pub(crate) fn release_children(&mut self) {
        self.shared_child = None;
        for child in std::mem::take(&mut self.children).into_keys() {
            let _ = ptrace::detach(child, None);
        }
    }
}

fn write_bytes(pid: i32, restore: &[(u64, u8)]) -> Result<()> {
    if restore.is_empty() {
        return Ok(());
    }
    let mem = OpenOptions::new()
        .write(true)
        .open(format!("/proc/{pid}/mem"))
        .map_err(|e| Error::msg(format!("cannot open the memory of child process {pid}: {e}")))?;
    for &(address, byte) in restore {
        mem.write_all_at(&[byte], address).map_err(|_| Error::MemoryAccess(address))?;
    }
    Ok(())
}
