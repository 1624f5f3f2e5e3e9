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
