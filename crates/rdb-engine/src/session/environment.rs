//! The Windows environment blocks of the debuggee: where they are comes from the target's `EnvironmentBlocks`
//! capability; what they hold is read here through the patch-masking reader, so `!peb` shows the debuggee's own
//! bytes, and what the user wrote into them.

use super::Session;
use crate::error::Result;
use crate::target::{EnvironmentBlocks, Tid};
use crate::windows_blocks::{self, Peb, Teb};

/// Why a target has no `$peb`, `$teb`, `!peb` or `!teb`.
fn not_windows() -> crate::error::Error {
    crate::err!("only Windows targets have a PEB and TEBs")
}

impl Session {
    /// Whether the debuggee has a PEB and TEBs (a live Windows target).
    pub fn has_environment_blocks(&mut self) -> bool {
        self.target().is_ok_and(|t| t.environment_blocks().is_some())
    }

    fn environment_blocks(&mut self) -> Result<&mut dyn EnvironmentBlocks> {
        self.target()?.environment_blocks().ok_or_else(not_windows)
    }

    /// `$peb`: the address of the process environment block.
    pub fn peb_address(&mut self) -> Result<u64> {
        self.environment_blocks()?.peb()
    }

    /// `$teb` of a thread: the address of its thread environment block.
    pub fn teb_address(&mut self, tid: Tid) -> Result<u64> {
        self.environment_blocks()?.teb(tid)
    }

    /// `!peb [address]`: the PEB at `address`, or the process's own.
    pub fn peb(&mut self, address: Option<u64>) -> Result<Peb> {
        let address = match address {
            Some(a) => {
                // A PEB anywhere else is garbage read as one: only Windows targets have them.
                self.environment_blocks()?;
                a
            }
            None => self.peb_address()?,
        };
        windows_blocks::read_peb(&mut self.memory()?, address)
    }

    /// `!teb [address]`: the TEB at `address`, or thread `tid`'s.
    pub fn teb(&mut self, address: Option<u64>, tid: Tid) -> Result<Teb> {
        let address = match address {
            Some(a) => {
                self.environment_blocks()?;
                a
            }
            None => self.teb_address(tid)?,
        };
        windows_blocks::read_teb(&mut self.memory()?, address)
    }
}
