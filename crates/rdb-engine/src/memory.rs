//! Reading debuggee memory from engine code that must not know where the bytes come from (symbols, unwinding,
//! expressions): a small trait, as probe-rs's debug-info crate takes one.

use crate::error::Result;

pub trait ReadMemory {
    /// Read up to `buf.len()` bytes at `address`; returns how many were read. Reading nothing is an error.
    fn read(&mut self, address: u64, buf: &mut [u8]) -> Result<usize>;

    /// Read exactly `buf.len()` bytes or fail with `Error::MemoryAccess`.
    fn read_exact(&mut self, address: u64, buf: &mut [u8]) -> Result<()> {
        let n = self.read(address, buf)?;
        if n < buf.len() {
            return Err(crate::error::Error::MemoryAccess(address + n as u64));
        }
        Ok(())
    }

    fn read_u64(&mut self, address: u64) -> Result<u64> {
        let mut b = [0u8; 8];
        self.read_exact(address, &mut b)?;
        Ok(u64::from_le_bytes(b))
    }
}

/// Memory captured at one moment: a range of bytes at a base address (a stack dump, a test's fake memory; later a
/// core file's segment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemorySnapshot {
    pub base: u64,
    pub bytes: Vec<u8>,
}

impl MemorySnapshot {
    /// Little-endian 64-bit words laid out from `base`.
    pub fn from_words(base: u64, words: &[u64]) -> MemorySnapshot {
        MemorySnapshot { base, bytes: words.iter().flat_map(|w| w.to_le_bytes()).collect() }
    }
}

impl ReadMemory for MemorySnapshot {
    fn read(&mut self, address: u64, buf: &mut [u8]) -> Result<usize> {
        let outside = || crate::error::Error::MemoryAccess(address);
        let off = usize::try_from(address.checked_sub(self.base).ok_or_else(outside)?).map_err(|_| outside())?;
        if off >= self.bytes.len() {
            return Err(outside());
        }
        let n = buf.len().min(self.bytes.len() - off);
        buf[..n].copy_from_slice(&self.bytes[off..off + n]);
        Ok(n)
    }
}
