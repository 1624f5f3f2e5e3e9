//! The breakpoint table every front end shares: each breakpoint is the [`Spec`] its owner asked for, with the
//! places it resolved to (its [`Site`]s: one per address, each enabled on its own), its pass count and its hits.
//! One table for `bp`, `ba` and `bpm`. Nothing here resolves a location or touches the debuggee: adding goes
//! through `Session::add_breakpoint` (`placing.rs`), and patching is `patches.rs` (int3s), `hardware.rs` (debug
//! registers) and `guards.rs` (guard pages), from what this table wants.

mod spec;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

pub use spec::{Condition, HwAccess, Kind, Language, Location, MemAccess, Owner, Spec};

/// One place a breakpoint resolved to. A location the user names once may stand for several (every inlined copy
/// of a function, every instance of a template): each is a site, hit and enabled on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub address: u64,
    /// A site disabled on its own stays out of the debuggee while the rest of its breakpoint is in.
    pub enabled: bool,
    /// Hits counted here (the breakpoint's `hits` is the sum over its sites, and over the sites it had before).
    pub hits: u64,
    /// A data breakpoint's watched value here as last seen (when it was set, then at each hit), and the one before.
    pub value: Option<u64>,
    pub previous: Option<u64>,
}

impl Site {
    pub fn new(address: u64) -> Site {
        Site { address, enabled: true, hits: 0, value: None, previous: None }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breakpoint {
    pub id: u32,
    pub spec: Spec,
    /// `bd`/`be`: the breakpoint as a whole; a site is in the debuggee only when both it and its breakpoint are.
    pub enabled: bool,
    /// Where it resolved to; none while it waits for its module (`bu`, or its module went away).
    pub sites: Vec<Site>,
    /// Passes left before it stops; stays at 1 once reached, as WinDbg's `bl` shows it.
    pub remaining: u32,
    pub hits: u64,
    /// The site of the last hit counted, so a front end can say where it stopped.
    pub last_hit: Option<u64>,
}

impl Breakpoint {
    pub fn is_resolved(&self) -> bool {
        !self.sites.is_empty()
    }

    /// The site at `address`.
    pub fn site(&self, address: u64) -> Option<&Site> {
        self.sites.iter().find(|s| s.address == address)
    }

    pub fn addresses(&self) -> Vec<u64> {
        self.sites.iter().map(|s| s.address).collect()
    }

    /// The sites that belong in the debuggee: enabled, of an enabled breakpoint.
    pub fn armed(&self) -> impl Iterator<Item = &Site> {
        self.sites.iter().filter(move |s| self.enabled && s.enabled)
    }

    /// The armed site of a memory breakpoint whose range holds `address`.
    pub fn covering(&self, address: u64) -> Option<&Site> {
        let Kind::Memory { size, .. } = self.spec.kind else { return None };
        self.armed().find(|s| address >= s.address && address - s.address < size)
    }

    fn site_mut(&mut self, address: u64) -> Option<&mut Site> {
        self.sites.iter_mut().find(|s| s.address == address)
    }
}

#[derive(Default)]
pub struct Breakpoints {
    list: Vec<Breakpoint>,
}

impl Breakpoints {
    /// Add a breakpoint with the lowest free id (WinDbg reuses cleared ids), whatever its owner: ids are one
    /// space, so a stop names its breakpoints unambiguously to every front end.
    pub(in crate::session) fn insert(&mut self, spec: Spec, sites: Vec<Site>) -> u32 {
        let id = (0..).find(|i| self.list.iter().all(|b| b.id != *i)).expect("ids are unbounded");
        let passes = spec.passes.max(1);
        let spec = Spec { passes, ..spec };
        self.restore(Breakpoint { id, spec, enabled: true, sites, remaining: passes, hits: 0, last_hit: None });
        id
    }

    /// Add a breakpoint in place of some removed a moment ago (WinDbg's "breakpoint 0 redefined"): under the first
    /// one's id, with the hits they counted, so a redefinition does not start the count again.
    pub(in crate::session) fn insert_replacing(
        &mut self,
        spec: Spec,
        mut sites: Vec<Site>,
        replaced: &[Breakpoint],
    ) -> u32 {
        let Some(first) = replaced.first() else { return self.insert(spec, sites) };
        for site in &mut sites {
            site.hits += replaced.iter().filter_map(|b| b.site(site.address)).map(|s| s.hits).sum::<u64>();
        }
        let passes = spec.passes.max(1);
        let spec = Spec { passes, ..spec };
        let hits = replaced.iter().map(|b| b.hits).sum();
        let id = first.id;
        self.restore(Breakpoint { id, spec, enabled: true, sites, remaining: passes, hits, last_hit: None });
        id
    }

    /// Put back a breakpoint removed a moment ago, under its own id (an add that failed after replacing it).
    pub(in crate::session) fn restore(&mut self, b: Breakpoint) {
        self.list.push(b);
        self.list.sort_by_key(|b| b.id);
    }

    pub(in crate::session) fn get_mut(&mut self, id: u32) -> Option<&mut Breakpoint> {
        self.list.iter_mut().find(|b| b.id == id)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Breakpoint> {
        self.list.iter()
    }

    /// `owner`'s breakpoints, by id.
    pub fn owned_by(&self, owner: Owner) -> impl Iterator<Item = &Breakpoint> {
        self.list.iter().filter(move |b| b.spec.owner == owner)
    }

    pub fn get(&self, id: u32) -> Option<&Breakpoint> {
        self.list.iter().find(|b| b.id == id)
    }

    pub fn ids(&self) -> Vec<u32> {
        self.list.iter().map(|b| b.id).collect()
    }

    pub(in crate::session) fn remove(&mut self, id: u32) -> Option<Breakpoint> {
        let i = self.list.iter().position(|b| b.id == id)?;
        Some(self.list.remove(i))
    }

    pub(in crate::session) fn set_enabled(&mut self, id: u32, enabled: bool) -> bool {
        self.get_mut(id).map(|b| b.enabled = enabled).is_some()
    }

    /// Enable or disable breakpoint `id`'s site at `address` alone.
    pub(in crate::session) fn set_site_enabled(&mut self, id: u32, address: u64, enabled: bool) -> bool {
        self.get_mut(id).and_then(|b| b.site_mut(address)).map(|s| s.enabled = enabled).is_some()
    }

    /// The addresses that must hold an int3 for the breakpoints: every armed site of a software breakpoint.
    pub fn wanted(&self) -> BTreeSet<u64> {
        self.software().flat_map(|b| b.armed()).map(|s| s.address).collect()
    }

    fn software(&self) -> impl Iterator<Item = &Breakpoint> {
        self.list.iter().filter(|b| b.spec.kind == Kind::Software)
    }

    /// The software breakpoints with a site armed at `address`: an int3 there was theirs (several owners' may
    /// share one address, and each counts the hit).
    pub fn enabled_at(&self, address: u64) -> Vec<u32> {
        self.software().filter(|b| b.armed().any(|s| s.address == address)).map(|b| b.id).collect()
    }

    /// The armed sites of the hardware breakpoints, each wanting a debug register.
    pub fn hardware_sites(&self) -> Vec<(u32, u64)> {
        let hardware = self.list.iter().filter(|b| matches!(b.spec.kind, Kind::Hardware { .. }));
        hardware.flat_map(|b| b.armed().map(|s| (b.id, s.address))).collect()
    }

    /// Count a pass of breakpoint `id` at its site `address` (its condition, if any, held); returns whether it
    /// stops (its pass count, shared by all its sites, is reached).
    pub(in crate::session) fn pass(&mut self, id: u32, address: u64) -> bool {
        let Some(b) = self.get_mut(id) else { return false };
        Self::count(b, address);
        if b.remaining > 1 {
            b.remaining -= 1;
            false
        } else {
            true
        }
    }

    /// Count a hit of breakpoint `id` at `address` that does not stop though its pass count is reached: the front
    /// end's hook ran there and let the debuggee go on (`hooks.rs`).
    pub(in crate::session) fn hit_handled(&mut self, id: u32, address: u64) {
        if let Some(b) = self.get_mut(id) {
            Self::count(b, address);
        }
    }

    /// Count a hit of breakpoint `id` at `address` that stops whatever its pass count says (its condition could
    /// not be evaluated).
    pub(in crate::session) fn hit_regardless(&mut self, id: u32, address: u64) {
        if let Some(b) = self.get_mut(id) {
            Self::count(b, address);
        }
    }

    fn count(b: &mut Breakpoint, address: u64) {
        b.hits += 1;
        b.last_hit = Some(address);
        if let Some(s) = b.site_mut(address) {
            s.hits += 1;
        }
    }

    /// A data breakpoint's site saw `value`: the value it had becomes the previous one.
    pub(in crate::session) fn watched(&mut self, id: u32, address: u64, value: Option<u64>) {
        if let Some(s) = self.get_mut(id).and_then(|b| b.site_mut(address)) {
            s.previous = s.value;
            s.value = value;
        }
    }

    /// Breakpoints waiting for an address (deferred, or whose module went away), by id.
    pub fn unresolved(&self) -> Vec<u32> {
        self.list.iter().filter(|b| !b.is_resolved()).map(|b| b.id).collect()
    }

    /// Give a waiting breakpoint the sites it resolved to.
    pub(in crate::session) fn resolve(&mut self, id: u32, sites: Vec<Site>) {
        if let Some(b) = self.get_mut(id) {
            b.sites = sites;
        }
    }

    /// A module at `[start, end)` went away: its sites go with it, and a breakpoint left with none waits for its
    /// module to come back.
    pub(in crate::session) fn unresolve_range(&mut self, start: u64, end: u64) {
        for b in &mut self.list {
            b.sites.retain(|s| s.address < start || s.address >= end);
        }
    }

    /// The process is gone (restart): every breakpoint waits for its module again, with its counts reset.
    pub(in crate::session) fn unresolve_all(&mut self) {
        for b in &mut self.list {
            b.sites.clear();
            b.remaining = b.spec.passes;
            b.hits = 0;
            b.last_hit = None;
        }
    }
}
