//! A `gu` (or a `p` over a call) across a `longjmp`. The run waits at the return address for the thread to come
//! back with its stack pointer at or above the frame's CFA; a frame a longjmp abandons never comes back, and a later
//! call at the same return address and depth would pass for it. So the thread's entry into a longjmp is watched
//! too: it is stepped through the C runtime until it lands, and if it lands outside the frame (its stack pointer at
//! or above the CFA) the run ends there, where gdb's `finish` ends when glibc's probes tell it where a longjmp lands
//! (this libc has none, so gdb stops in the later call). If it lands inside the frame, the run goes on waiting.

use super::{Internal, Session, Stop, StopReason};
use crate::error::Result;
use crate::target::Tid;

/// The entry points of a longjmp in C runtimes: glibc's names (aliases of two functions), fortify's checked one,
/// and the C runtime's `longjmp` on Windows.
const LONGJMPS: [&str; 6] =
    ["longjmp", "_longjmp", "siglongjmp", "__longjmp_chk", "__libc_siglongjmp", "__libc_longjmp"];

/// The most instructions a thread is stepped through a longjmp before the engine gives up following it (and
/// waits at the return address as before): glibc's takes about fifty.
const MAX_STEPS: u32 = 10_000;

/// A thread of a `gu` or `p` inside a longjmp, being stepped until it lands.
#[derive(Debug, Clone)]
pub(super) struct Unwinding {
    tid: Tid,
    /// The CFA of the frame being returned from.
    sp: u64,
    /// The run's temporary breakpoints (its return address, the longjmp entries), put back if the frame lives on.
    temporaries: Vec<Internal>,
    /// The module of the longjmp: the thread has landed once it runs outside it.
    runtime: (u64, u64),
    steps: u32,
}

impl Session {
    /// The temporary breakpoints that watch `tid` enter a longjmp while it returns from the frame whose CFA is `sp`.
    pub(super) fn longjmp_watches(&self, tid: Tid, sp: u64) -> Vec<Internal> {
        let mut addresses: Vec<u64> = self
            .modules
            .iter()
            .filter_map(|m| m.symbols())
            .flat_map(|symbols| LONGJMPS.iter().flat_map(|name| symbols.lookup(name)))
            .collect();
        addresses.sort_unstable();
        addresses.dedup();
        addresses.into_iter().map(|address| Internal::Longjmp { address, tid, sp }).collect()
    }

    /// `tid`, returning from the frame whose CFA is `sp`, has entered the longjmp at `address`: it is followed
    /// (from the stop this hit makes) until it lands.
    pub(super) fn longjmp_entered(&mut self, tid: Tid, sp: u64, address: u64) {
        let Some(module) = self.modules.at(address) else { return };
        let temporaries = self.image.internal.iter().copied().filter(|i| i.is_temporary()).collect();
        self.unwinding = Some(Unwinding { tid, sp, temporaries, runtime: (module.base, module.end()), steps: 0 });
    }

    /// The stop `s` while a longjmp is followed: `None` if none is (or `s` is not its step: the stop stands),
    /// else what comes of it: the next step, the run resumed (`Some(None)`), or the stop where it landed.
    pub(super) fn follow_longjmp(&mut self, s: &Stop) -> Result<Option<Option<Stop>>> {
        let Some(mut u) = self.unwinding.take() else { return Ok(None) };
        if s.reason != StopReason::Step || s.tid != u.tid || self.thread_index(u.tid).is_none() {
            // Something else stopped the run on the way (a breakpoint in a cleanup handler): `gc` carries on with
            // the `gu` or `p` itself, waiting at its return address, rather than with one step of the follow.
            for run in [&mut self.interrupted, &mut self.last_run].into_iter().flatten() {
                run.step = None;
                run.temporaries.clone_from(&u.temporaries);
            }
            return Ok(None);
        }
        let regs = self.registers(u.tid)?;
        let inside = (u.runtime.0..u.runtime.1).contains(&regs.rip);
        if inside && u.steps < MAX_STEPS {
            u.steps += 1;
            let tid = u.tid;
            self.unwinding = Some(u);
            return Ok(Some(self.start_run(self.continuing(None), Some(tid))?));
        }
        if regs.rsp >= u.sp {
            // Landed outside the frame: it will never return. The run ends here.
            return Ok(None);
        }
        // Landed inside the frame (or not followed to the end): wait for its return as before.
        self.image.internal.extend(u.temporaries);
        Ok(Some(self.start_run(self.continuing(None), None)?))
    }
}
