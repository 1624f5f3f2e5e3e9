//! The debuggee's threads as data, for every front end (WinDbg's `~`, DAP's `threads`, Python's `d.threads`): each
//! thread's id, its index and the address of its environment block. It shapes no text.

use super::{Session, ThreadEntry};
use crate::target::Tid;

/// A thread and its environment block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThreadInfo {
    pub tid: Tid,
    /// Its index, counted from 0 in creation order and never reused (`~<n>`).
    pub index: u32,
    /// Where the thread's environment block is (see [`Session::environment_block`]); `None` where it cannot be
    /// read.
    pub environment_block: Option<u64>,
}

impl Session {
    /// Every thread, in creation order, with its environment block.
    pub fn threads_info(&mut self) -> Vec<ThreadInfo> {
        let threads = self.threads.clone();
        threads.into_iter().map(|t| self.thread_info(t)).collect()
    }

    /// One thread of [`Session::threads`] with its environment block.
    pub fn thread_info(&mut self, thread: ThreadEntry) -> ThreadInfo {
        ThreadInfo { tid: thread.tid, index: thread.index, environment_block: self.environment_block(thread.tid).ok() }
    }

    /// The address of thread `tid`'s environment block: on Windows its TEB; elsewhere the thread pointer
    /// (`fs_base`), which points at the C library's block for the thread (glibc's `struct pthread`) and so plays
    /// the TEB's part.
    pub fn environment_block(&mut self, tid: Tid) -> crate::Result<u64> {
        if self.has_environment_blocks() { self.teb_address(tid) } else { self.register(tid, "fs_base") }
    }
}
