//! Registers beyond the general ones, for a front end's `r`: the wide ones by name (xmm, ymm, st: bytes, from the
//! target's x87/SSE state and, for ymm's upper halves, its AVX state), `mxcsr`, and the user's pseudo-registers
//! `$t0`–`$t19`, which live in the session and are read by expressions and conditions at each use.

use super::Session;
use crate::error::Result;
use crate::target::{FloatRegisters, Tid};
use crate::wide_regs::Wide;

/// `$t0`–`$t19`, as WinDbg has them.
pub(super) const USER_REGISTERS: usize = 20;

/// Which of `$t0`–`$t19` a lowercase name (with its `$`) is.
pub(super) fn user_register_index(name: &str) -> Option<usize> {
    let digits = name.strip_prefix("$t")?;
    if digits.is_empty() || (digits.len() > 1 && digits.starts_with('0')) {
        return None;
    }
    digits.parse::<usize>().ok().filter(|&n| n < USER_REGISTERS)
}

impl Session {
    /// The thread's x87 and SSE registers, or one line saying the target has none.
    fn float_state(&mut self, tid: Tid) -> Result<FloatRegisters> {
        self.float_registers(tid)?.ok_or_else(|| crate::err!("the target has no x87 or SSE registers to read"))
    }

    /// A wide register's bytes, little-endian (`Wide::size` of them). ymm needs the target's AVX state: where it
    /// cannot give it, one line says so.
    pub fn wide_register(&mut self, tid: Tid, wide: Wide) -> Result<Vec<u8>> {
        let f = self.float_state(tid)?;
        Ok(match wide {
            Wide::Xmm(n) => f.xmm[n].to_vec(),
            Wide::St(n) => f.st[n].to_vec(),
            Wide::Ymm(n) => {
                let upper = match self.target()?.vector_registers() {
                    Some(v) => v.avx_upper(tid)?,
                    None => None,
                };
                let upper = upper.ok_or_else(|| {
                    crate::err!("the upper halves of the ymm registers are not available on this target (xmm{n} is the lower half)")
                })?;
                [f.xmm[n], upper[n]].concat()
            }
        })
    }

    /// Write a wide register from its bytes, little-endian (`Wide::size` of them). The ymm registers' upper halves
    /// are read-only: `xmm<n>` writes the lower.
    pub fn set_wide_register(&mut self, tid: Tid, wide: Wide, bytes: &[u8]) -> Result<()> {
        if bytes.len() != wide.size() {
            return Err(crate::err!("{:?} takes {} bytes, not {}", wide, wide.size(), bytes.len()));
        }
        let mut f = self.float_state(tid)?;
        match wide {
            Wide::Xmm(n) => f.xmm[n].copy_from_slice(bytes),
            Wide::St(n) => f.st[n].copy_from_slice(bytes),
            Wide::Ymm(n) => {
                return Err(crate::err!("ymm{n} cannot be written here: r xmm{n}= writes its lower half"));
            }
        }
        self.set_float_registers(tid, &f)
    }

    pub(super) fn mxcsr(&mut self, tid: Tid) -> Result<u64> {
        Ok(u64::from(self.float_state(tid)?.mxcsr))
    }

    pub(super) fn set_mxcsr(&mut self, tid: Tid, value: u64) -> Result<()> {
        let mut f = self.float_state(tid)?;
        f.mxcsr = u32::try_from(value).map_err(|_| crate::err!("{value:#x} does not fit in mxcsr (32 bits)"))?;
        self.set_float_registers(tid, &f)
    }

    /// `$t0`–`$t19` (lowercase, with the `$`); `None` for any other name.
    pub fn user_register(&self, name: &str) -> Option<u64> {
        user_register_index(name).map(|i| self.user_registers[i])
    }

    /// Set one of `$t0`–`$t19`; any other pseudo-register is the engine's, and is refused.
    pub fn set_user_register(&mut self, name: &str, value: u64) -> Result<()> {
        let lower = name.to_ascii_lowercase();
        match user_register_index(&lower) {
            Some(i) => {
                self.user_registers[i] = value;
                Ok(())
            }
            None if self.pseudo_register(&lower).is_some() => {
                Err(crate::err!("{lower} is the debugger's and cannot be set; $t0 to $t19 are yours"))
            }
            None => Err(crate::err!("Bad register error at '{name}'")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_register_names() {
        assert_eq!(user_register_index("$t0"), Some(0));
        assert_eq!(user_register_index("$t19"), Some(19));
        for bad in ["$t20", "$t", "$t01", "$tid", "$t-1", "t0"] {
            assert_eq!(user_register_index(bad), None, "{bad}");
        }
    }
}
