//! Breakpoint conditions evaluated inside the debuggee: where a `bp /w` condition only reads registers and memory,
//! its breakpoint is a `jmp` to a [`Trampoline`] instead of an int3, and a hit whose condition is false costs no
//! stop at all. A true one (or one the engine must judge itself: a division by zero, a read that faults) reaches
//! the trampoline's int3 with every register put back, and from there the engine handles it as a hit of the
//! breakpoint at its own address, evaluating the condition again, so what the user sees is exactly what the int3
//! would have given.
//!
//! When a jump may stand where an int3 would (decided here, before every resume, from what is wanted then):
//! - the breakpoint is the only thing at its address (one enabled `bp` with a condition, no internal breakpoint),
//!   and no other patch, execute `ba` or thread's rip falls inside the bytes the jump covers;
//! - no data or memory breakpoint is armed (the trampoline writes the stack under the red zone, unseen by them);
//! - the condition names only general registers, rip, flags and constant pseudo-registers;
//! - the covered instructions can run elsewhere and none of them branches; a jump covering several of them only
//!   at a function's first instruction, when no direct branch or rip-relative address in the function points
//!   inside them (gdb's fast tracepoints take one instruction of 5 bytes or more; a function entry is where
//!   people put breakpoints, and its prologue instructions are short);
//! - scratch memory is to be had within a rel32 of the site.
//!
//! Otherwise the int3 is used, as before. Trampolines, like copies, are never freed while the process lives.
//! Known gap: a thread interrupted by a signal exactly inside the covered instructions, whose handler is running
//! when the jump is written, would return into it: rdb sees every thread's rip, not saved signal contexts.

use std::collections::BTreeMap;

use iced_x86::{Decoder, DecoderOptions, OpKind};

use super::breakpoints::{HwAccess, Kind, Language};
use super::conditions::CheckContext;
use super::run::single_step_of;
use super::{Pseudo, Session, live};
use crate::expr;
use crate::regs;
use crate::target::{ContinueStatus, Exception, ExceptionKind, Resume, Target, Tid};
use crate::trampoline::{self, Placement, Source, Trampoline};
use crate::values::cxx;

/// The most of a function scanned for branches into the covered instructions.
const MAX_SCAN: u64 = 1 << 20;

#[derive(Default)]
pub struct Compiled {
    /// Per breakpoint address: the condition decided for, and the trampoline made for it (an index into
    /// `written`), or `None` when it cannot be compiled there.
    decided: BTreeMap<u64, (String, Option<usize>)>,
    /// Every trampoline written, current or not, so a thread found in any of them can be put back.
    written: Vec<Trampoline>,
}

impl Compiled {
    /// The trampoline whose code holds `address`.
    fn at(&self, address: u64) -> Option<&Trampoline> {
        self.written.iter().find(|t| t.contains(address))
    }

    /// An address as the user should see it: one in a trampoline's copies becomes the original one.
    pub fn present(&self, address: u64) -> u64 {
        self.at(address).and_then(|t| t.original_of_copy(address)).unwrap_or(address)
    }

    /// The code in `[start, end)` changed: decisions about sites there are stale.
    pub fn code_changed(&mut self, start: u64, end: u64) {
        let start = start.saturating_sub(crate::relocate::MAX_INSTRUCTION as u64 * 4);
        self.decided.retain(|a, _| *a < start || *a >= end);
    }

    /// A module came or went: symbols compiled into conditions as constants may have moved.
    pub fn symbols_changed(&mut self) {
        self.decided.clear();
    }

    /// The process is gone, or exec replaced its memory.
    pub fn forget(&mut self) {
        *self = Compiled::default();
    }
}

/// The program as a C++ condition sees it from one breakpoint site.
struct SiteView<'a> {
    session: &'a Session,
    site: u64,
}

impl cxx::Site for SiteView<'_> {
    fn type_of(&mut self, id: crate::values::TypeId) -> Option<crate::values::Type> {
        self.session.type_of(id)
    }

    fn global(&mut self, name: &str) -> Option<(u64, Option<crate::values::TypeId>)> {
        let near = self.session.modules.at(self.site);
        near.into_iter().chain(self.session.modules.iter()).find_map(|m| m.symbols()?.global(name, Some(self.site)))
    }
}

/// 8 bytes of a thread's stack (a trampoline's saved frame), as the target holds them.
fn read_u64(target: &mut dyn Target, address: u64) -> Option<u64> {
    let mut b = [0u8; 8];
    (target.read_memory(address, &mut b).ok()? == 8).then(|| u64::from_le_bytes(b))
}

impl Session {
    /// Whether breakpoint `id`'s condition runs inside the debuggee now (its jump is in) at one of its sites.
    pub fn condition_compiled(&self, id: u32) -> bool {
        let Some(b) = self.breakpoints.get(id) else { return false };
        b.sites.iter().any(|s| self.condition_compiled_at(s.address))
    }

    /// Whether a compiled condition's jump stands at `address` instead of an int3.
    pub fn condition_compiled_at(&self, address: u64) -> bool {
        self.image.patches.written(address).is_some_and(|w| w.len() > 1)
    }

    /// Replace the int3s of `wanted` by jumps to compiled conditions wherever one may stand (see the module's
    /// comment).
    pub(super) fn compile_conditions(&mut self, wanted: &mut BTreeMap<u64, Vec<u8>>) {
        let candidates: Vec<(u64, String)> = wanted
            .keys()
            .filter_map(|&address| {
                let ids = self.breakpoints.enabled_at(address);
                let [id] = ids.as_slice() else { return None };
                let spec = &self.breakpoints.get(*id)?.spec;
                // A breakpoint for one thread is decided in the engine: the trampoline knows no thread. MASM
                // compiles as it is; C++ once lowered to MASM for this site, where C's meaning allows.
                let condition = spec.condition.as_ref().filter(|_| spec.thread.is_none())?;
                let text = match condition.language {
                    Language::Masm => condition.text.clone(),
                    Language::Cxx => self.lowered_condition(address, &condition.text)?,
                    Language::Windbg => return None,
                };
                (!self.image.internal.iter().any(|i| i.address() == address)).then_some((address, text))
            })
            .collect();
        if candidates.is_empty() || self.watching_memory() {
            return;
        }
        for (site, condition) in candidates {
            let Some((covered, start)) = self.trampoline_for(site, &condition).map(|t| (t.covered, t.start)) else {
                continue;
            };
            let end = site + covered;
            let executes_inside = self.breakpoints.iter().any(|b| {
                matches!(b.spec.kind, Kind::Hardware { access: HwAccess::Execute, .. })
                    && b.armed().any(|s| s.address >= site && s.address < end)
            });
            if executes_inside || wanted.range(site + 1..end).next().is_some() {
                continue;
            }
            let Some(bytes) = trampoline::jump(site, covered, start) else { continue };
            // A thread inside the covered bytes (it stepped there with `t`) would run into the jump's middle.
            if self.image.patches.written(site) != Some(bytes.as_slice()) && self.thread_inside(site + 1, end) {
                continue;
            }
            wanted.insert(site, bytes);
        }
    }

    /// A C++ condition as MASM at `site`: its variables read where they are there (a register, a stack slot, a
    /// global's address). `None` where some variable has no fixed place there or C's meaning cannot be kept.
    fn lowered_condition(&self, site: u64, text: &str) -> Option<String> {
        let symbols = self.modules.at(site)?.symbols()?;
        let locals = symbols.static_places(site)?;
        let expr = cxx::parse(text, &|n| self.find_type(n, Some(site)).is_some()).ok()?;
        cxx::lower(&expr, &locals, &mut SiteView { session: self, site })
    }

    /// The trampoline for `condition` at `site`, made once.
    fn trampoline_for(&mut self, site: u64, condition: &str) -> Option<&Trampoline> {
        let decided = match self.image.compiled.decided.get(&site) {
            Some((c, decided)) if c == condition => *decided,
            _ => {
                let decided = self.write_trampoline(site, condition);
                self.image.compiled.decided.insert(site, (condition.to_string(), decided));
                decided
            }
        };
        self.image.compiled.written.get(decided?)
    }

    /// Compile `condition` for `site` and write its trampoline into scratch memory near it.
    fn write_trampoline(&mut self, site: u64, condition: &str) -> Option<usize> {
        let code = expr::compile(condition, &mut CheckContext { session: self, symbols: true }).ok()?;
        let mut bytes = [0u8; 64];
        let n = self.read_memory(site, &mut bytes).ok()?;
        let covered = trampoline::covered_instructions(&bytes[..n], site)?;
        let end = covered.last()?.next_ip();
        if covered.len() > 1 && !self.nothing_jumps_into(site, end) {
            return None;
        }
        // What each register name of the condition is inside the debuggee; `$tid`, `$ra`, `$peb` and `$teb` are the
        // engine's to find, per thread.
        let names: Vec<(String, Option<Source>)> = code
            .iter()
            .filter_map(|op| match op {
                expr::Op::Register(name) => Some(name.clone()),
                _ => None,
            })
            .map(|name| {
                let source = match self.pseudo_register(&name) {
                    Some(Pseudo::Register(r)) => regs::location(r).map(Source::Register),
                    Some(Pseudo::Value(v)) => Some(Source::Const(v)),
                    Some(Pseudo::Engine) => None,
                    None => regs::location(&name).map(Source::Register),
                };
                (name, source)
            })
            .collect();
        let resolve = |name: &str| names.iter().find(|(n, _)| n == name).and_then(|(_, s)| *s);
        // One written before for the same code (decisions are made again whenever a module loads) serves again.
        let same = self.image.compiled.written.iter().position(|t| {
            t.site == site && trampoline::assemble(&code, site, &covered, t.start, &resolve).is_some_and(|n| n == *t)
        });
        if same.is_some() {
            return same;
        }
        // Assembled once where it will not live, to know how much room it needs (only the jumps out of it may
        // grow where it does live).
        let room = trampoline::assemble(&code, site, &covered, site, &resolve)?.code.len() as u64 + 16;
        let target = live(&mut self.target)?;
        let at = self.image.scratch.piece(target, site, room);
        // Mapping scratch memory may run a system call in the debuggee (Linux), which can change registers.
        self.forget_registers();
        let t = trampoline::assemble(&code, site, &covered, at?, &resolve)?;
        if t.code.len() as u64 > room {
            return None;
        }
        live(&mut self.target)?.write_memory(t.start, &t.code).ok()?;
        self.image.compiled.written.push(t);
        Some(self.image.compiled.written.len() - 1)
    }

    /// Whether `site` is the first instruction of a function in which no direct branch, and no rip-relative
    /// address (a computed jump's table, a landing pad), points inside `(site, end)`.
    fn nothing_jumps_into(&mut self, site: u64, end: u64) -> bool {
        let extent = self.modules.at(site).and_then(|m| m.symbols()).and_then(|s| s.function_extent(site));
        let Some((start, function_end)) = extent else { return false };
        if start != site || function_end < end {
            return false;
        }
        let mut code = vec![0u8; (function_end - start).min(MAX_SCAN) as usize];
        if self.read_memory(start, &mut code).ok() != Some(code.len()) {
            return false;
        }
        let inside = |a: u64| a > site && a < end;
        Decoder::with_ip(64, &code, start, DecoderOptions::NONE).into_iter().all(|i| {
            let branch = matches!(i.op0_kind(), OpKind::NearBranch16 | OpKind::NearBranch32 | OpKind::NearBranch64)
                && inside(i.near_branch_target());
            let address = i.is_ip_rel_memory_operand() && inside(i.ip_rel_memory_address());
            !i.is_invalid() && !branch && !address
        })
    }

    /// Whether some thread's rip is in `[start, end)`.
    fn thread_inside(&mut self, start: u64, end: u64) -> bool {
        let threads: Vec<Tid> = self.threads.iter().map(|t| t.tid).collect();
        threads.into_iter().any(|tid| self.registers(tid).is_ok_and(|r| r.rip >= start && r.rip < end))
    }

    /// The start of the out-of-line copies of the trampoline whose jump is at `at` now: a thread standing at `at`
    /// that has passed the breakpoint runs on from there, without evaluating the condition again.
    pub(super) fn compiled_step_off(&self, at: u64) -> Option<u64> {
        let written = self.image.patches.written(at)?;
        let (_, Some(index)) = self.image.compiled.decided.get(&at)? else { return None };
        let t = self.image.compiled.written.get(*index)?;
        (trampoline::jump(at, t.covered, t.start).as_deref() == Some(written)).then(|| t.copies_start())
    }

    /// An exception raised in a trampoline: its int3 (the condition was true, or is the engine's to judge) or a
    /// fault of the condition's memory reads. Either is a hit of the breakpoint at the site, with the thread's
    /// registers put back as they were there. `None` for anything else.
    pub(super) fn compiled_hit(&mut self, tid: Tid, e: &Exception) -> Option<Exception> {
        let t = self.image.compiled.at(e.address)?.clone();
        // Only a memory fault can be the condition's own doing: a signal that merely arrives while a thread is in
        // the trampoline (a timer) is the program's, and goes its way.
        let ours = match e.kind {
            ExceptionKind::Breakpoint => e.address == t.trap,
            ExceptionKind::AccessViolation { .. } => t.in_condition(e.address),
            _ => false,
        };
        if !ours {
            return None;
        }
        let mut regs = self.registers(tid).ok()?;
        regs.rip = e.address;
        let target = live(&mut self.target)?;
        if t.place(&mut regs, &mut |a| read_u64(target, a)) != Some(Placement::AtSite) {
            return None;
        }
        self.set_registers(tid, &regs).ok()?;
        Some(Exception { kind: ExceptionKind::Breakpoint, address: t.site, first_chance: true })
    }

    /// Put every thread found in a trampoline back where it is in the original code (see `displaced.rs`'s
    /// `leave_copies`, which calls this): at the site with its own registers, or past the covered instructions.
    /// One in the middle of the copies first finishes them, alone.
    pub(super) fn leave_trampolines(&mut self) {
        if self.image.compiled.written.is_empty() {
            return;
        }
        let threads: Vec<Tid> = self.threads.iter().map(|t| t.tid).collect();
        self.forget_registers();
        for tid in threads {
            // Each step moves one copied instruction on; there are at most a few.
            for _ in 0..=trampoline::JUMP_LEN {
                let Some(target) = live(&mut self.target) else { return };
                let Ok(mut regs) = target.registers(tid) else { break };
                let Some(t) = self.image.compiled.at(regs.rip) else { break };
                let site = t.site;
                match t.place(&mut regs, &mut |a| read_u64(target, a)) {
                    Some(Placement::AtSite | Placement::After(_)) => {
                        let _ = target.set_registers(tid, &regs);
                        break;
                    }
                    Some(Placement::Passed) => {
                        if target.set_registers(tid, &regs).is_ok() {
                            self.image.displaced.owe(tid, site);
                        }
                        break;
                    }
                    Some(Placement::InCopies) => {
                        let stepped = target.resume(ContinueStatus::Handled, Resume::Step { tid });
                        let event = stepped.and_then(|()| target.wait_event());
                        if event.ok().and_then(|e| single_step_of(&e, tid)).is_none() {
                            break;
                        }
                    }
                    None => break,
                }
            }
        }
    }
}
