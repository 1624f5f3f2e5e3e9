//! Breakpoint hits the system holds back. Windows reports one debug event at a time: a thread that executed an int3
//! together with the thread whose event is reported waits inside the system, its rip one past the int3, until the
//! events before its own are continued. The engine shows such a thread on its breakpoint, as its own event will
//! (see [`Execution::queued_events`](rdb_engine::target::Execution::queued_events)); this finds them.
//!
//! A thread stands one past an int3 either because it executed it and waits to report it, or because it ran the
//! one-byte instruction the int3 replaced (stepped off it, or before the int3 went in) and has not moved since. The
//! system tells the two apart where it says whether a thread is inside an exception (`CONTEXT_EXCEPTION_ACTIVE`,
//! Windows 7 and later). Wine 8 does not say. There a thread found with exactly the registers the debugger last gave
//! it has not run an instruction since, so it waits for nothing (rdb leaves threads one past a breakpoint when it
//! steps them off it); any other thread one past an int3 is presumed to wait, and the rewind the engine makes for
//! the user to see is undone before the thread runs, so a thread that was waiting reports its hit from where it
//! was, and one that was not runs on from where it was.

use std::collections::HashMap;

use rdb_engine::target::{Event, EventKind, Exception, ExceptionKind, Target, Tid};

use super::WindowsTarget;
use crate::context::{self, Context};

const INT3: u8 = 0xcc;

#[derive(Default)]
pub(super) struct Unreported {
    /// The hits found since the debuggee last ran; `None` until they are looked for. Looked for once: a thread the
    /// engine has put back on its int3 no longer stands one past it.
    found: Option<Vec<Event>>,
    /// The threads of hits presumed (the system did not say), with the address of their int3.
    presumed: Vec<(Tid, u64)>,
    /// The general registers and rip each thread was given by the last write of its context.
    placed: HashMap<Tid, [u64; 17]>,
}

impl Unreported {
    /// A write of `tid`'s context succeeded: until the thread runs an instruction it holds just that.
    pub(super) fn written(&mut self, tid: Tid, ctx: &Context) {
        self.placed.insert(tid, general_registers(ctx));
    }

    /// What was last written to `tid` no longer tells whether it has run since: it is gone, or was put back where
    /// the system left it.
    pub(super) fn forget(&mut self, tid: Tid) {
        self.placed.remove(&tid);
    }
}

/// rip and the sixteen general registers: what any instruction a thread runs changes (but a few that only touch
/// flags or memory, as `nop`).
fn general_registers(ctx: &Context) -> [u64; 17] {
    let c = &ctx.0;
    [
        c.Rip, c.Rax, c.Rbx, c.Rcx, c.Rdx, c.Rsi, c.Rdi, c.Rbp, c.Rsp, c.R8, c.R9, c.R10, c.R11, c.R12, c.R13, c.R14,
        c.R15,
    ]
}

impl WindowsTarget {
    /// The breakpoint hits that threads other than the reporting one wait to report, as the events they will be.
    pub(super) fn unreported_hits(&mut self) -> Vec<Event> {
        if let Some(found) = &self.unreported.found {
            return found.clone();
        }
        let reporting = self.pending.map(|p| p.tid);
        let others: Vec<Tid> = self.threads.iter().map(|t| t.tid).filter(|t| Some(*t) != reporting).collect();
        let mut found = Vec::new();
        let mut presumed = Vec::new();
        for tid in others {
            let Ok(ctx) = self.context(tid) else { continue };
            let (int3, active, registers) = (ctx.0.Rip.wrapping_sub(1), ctx.exception_active(), general_registers(ctx));
            let unmoved = self.unreported.placed.get(&tid) == Some(&registers);
            let mut byte = [0u8];
            let waits = active.unwrap_or(!unmoved);
            if !waits || !matches!(self.read_memory(int3, &mut byte), Ok(1)) || byte[0] != INT3 {
                continue;
            }
            if active.is_none() {
                presumed.push((tid, int3));
            }
            let hit = Exception { kind: ExceptionKind::Breakpoint, address: int3, first_chance: true };
            found.push(Event { pid: self.pid, tid, kind: EventKind::Exception(hit) });
        }
        self.unreported.found = Some(found.clone());
        self.unreported.presumed = presumed;
        found
    }

    /// Before the debuggee runs or is let go: each thread of a presumed hit that was moved onto its int3 goes back
    /// one past it, where the system left it; and what was found is forgotten.
    pub(super) fn undo_presumed_rewinds(&mut self) {
        self.unreported.found = None;
        for (tid, int3) in std::mem::take(&mut self.unreported.presumed) {
            let Ok(ctx) = self.context(tid) else { continue };
            if ctx.0.Rip == int3 {
                ctx.0.Rip = int3 + 1;
                let _ = self.write_context(tid, context::FULL);
            }
            // Back where the system left it, the thread may still wait to report its hit.
            self.unreported.forget(tid);
        }
    }
}
