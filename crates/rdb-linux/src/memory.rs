//! The debuggee's memory: reads through process_vm_readv with /proc/pid/mem as the fallback, writes through
//! /proc/pid/mem (which reaches read-only code, the kernel forcing the write) with PTRACE_POKEDATA as the last
//! resort, and the map of its regions.

use std::fs::{File, OpenOptions};
use std::io::IoSliceMut;
use std::os::unix::fs::FileExt;

use nix::sys::uio::{RemoteIoVec, process_vm_readv};
use nix::unistd::Pid;
use rdb_engine::target::Region;
use rdb_engine::{Error, Result};

const WORD: u64 = 8;

pub(crate) struct Memory {
    pid: i32,
    /// /proc/pid/mem, bound to the address space it was opened on (reopen after exec).
    file: Option<File>,
}

impl Memory {
    pub fn open(pid: i32) -> Memory {
        let file = OpenOptions::new().read(true).write(true).open(format!("/proc/{pid}/mem")).ok();
        Memory { pid, file }
    }

    /// An empty accessor, for a process that is gone.
    pub fn none(pid: i32) -> Memory {
        Memory { pid, file: None }
    }

    /// Read as much of `buf` as is readable from `address` on; reading nothing is `MemoryAccess`.
    pub fn read(&self, address: u64, buf: &mut [u8]) -> Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        // Never run past the end of the address space.
        let room = usize::try_from(u64::MAX - address).unwrap_or(usize::MAX).saturating_add(1);
        let len = buf.len().min(room.max(1));
        let buf = &mut buf[..len];
        let mut done = self.vm_read(address, buf);
        if done < len {
            done += self.file_read(address + done as u64, &mut buf[done..]);
        }
        if done == 0 { Err(Error::MemoryAccess(address)) } else { Ok(done) }
    }

    fn vm_read(&self, address: u64, buf: &mut [u8]) -> usize {
        let Ok(base) = usize::try_from(address) else { return 0 };
        let remote = [RemoteIoVec { base, len: buf.len() }];
        process_vm_readv(Pid::from_raw(self.pid), &mut [IoSliceMut::new(buf)], &remote).unwrap_or(0)
    }

    fn file_read(&self, address: u64, buf: &mut [u8]) -> usize {
        let Some(file) = &self.file else { return 0 };
        let mut done = 0;
        while done < buf.len() {
            // /proc/pid/mem takes the address as the file offset, which must fit an off_t.
            let Some(offset) = address.checked_add(done as u64).filter(|&o| o <= i64::MAX as u64) else { break };
            match file.read_at(&mut buf[done..], offset) {
                Ok(0) | Err(_) => break,
                Ok(n) => done += n,
            }
        }
        done
    }

    /// Write all of `data` at `address`, even into read-only pages. `poke_tid` is a stopped thread for the
    /// PTRACE_POKEDATA fallback.
    pub fn write(&self, address: u64, data: &[u8], poke_tid: Option<i32>) -> Result<()> {
        if data.is_empty() {
            return Ok(());
        }
        if address.checked_add(data.len() as u64).is_none() {
            return Err(Error::MemoryAccess(address));
        }
        let done = self.file_write(address, data);
        if done == data.len() {
            return Ok(());
        }
        let address = address + done as u64;
        match poke_tid {
            Some(tid) => poke(tid, address, &data[done..]),
            None => Err(Error::MemoryAccess(address)),
        }
    }

    fn file_write(&self, address: u64, data: &[u8]) -> usize {
        let Some(file) = &self.file else { return 0 };
        let mut done = 0;
        while done < data.len() {
            let Some(offset) = address.checked_add(done as u64).filter(|&o| o <= i64::MAX as u64) else { break };
            match file.write_at(&data[done..], offset) {
                Ok(0) | Err(_) => break,
                Ok(n) => done += n,
            }
        }
        done
    }
}

/// Write word by word with PTRACE_PEEKDATA/POKEDATA, merging partial words with what is there.
pub(crate) fn poke(tid: i32, address: u64, data: &[u8]) -> Result<()> {
    use nix::sys::ptrace;
    let pid = Pid::from_raw(tid);
    let end = address + data.len() as u64;
    let mut word_at = address & !(WORD - 1);
    while word_at < end {
        let first_byte = word_at.max(address);
        let fail = || Error::MemoryAccess(first_byte);
        let ptr = word_at as usize as ptrace::AddressType;
        let mut bytes = ptrace::read(pid, ptr).map_err(|_| fail())?.to_le_bytes();
        for (i, b) in bytes.iter_mut().enumerate() {
            let at = word_at + i as u64;
            if (address..end).contains(&at) {
                *b = data[(at - address) as usize];
            }
        }
        ptrace::write(pid, ptr, i64::from_le_bytes(bytes)).map_err(|_| fail())?;
        let Some(next) = word_at.checked_add(WORD) else { break };
        word_at = next;
    }
    Ok(())
}

/// Read `N` bytes at `address` of the process `tid` belongs to, through PTRACE_PEEKDATA (a word may straddle
/// into an unreadable page: then nothing is read).
pub(crate) fn peek<const N: usize>(tid: i32, address: u64) -> Result<[u8; N]> {
    let mut out = [0u8; N];
    for (i, chunk) in out.chunks_mut(WORD as usize).enumerate() {
        let at = address + (i as u64) * WORD;
        let word = nix::sys::ptrace::read(Pid::from_raw(tid), at as usize as nix::sys::ptrace::AddressType)
            .map_err(|_| Error::MemoryAccess(at))?;
        chunk.copy_from_slice(&word.to_le_bytes()[..chunk.len()]);
    }
    Ok(out)
}

/// The mapped regions of a process, from /proc/pid/maps.
pub(crate) fn regions(pid: i32) -> Result<Vec<Region>> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/maps")).map_err(|_| Error::NoProcess)?;
    Ok(rdb_engine::proc_maps::regions(&text))
}
