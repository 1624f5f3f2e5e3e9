//! The user's breakpoint table (`bp`, `bu`, `bm`, `ba`, `bpm`, `bl`, `bc`, `bd`, `be`): what each breakpoint stands
//! for, whether it is resolved to an address, its condition (`/w`), pass count and hits. Patching is not done here but in `patches.rs`
//! (int3s), `hardware.rs` (debug registers) and `guards.rs` (guard pages), from what this table wants.

use std::collections::BTreeSet;

use crate::target::{Access, Tid};

/// Where a breakpoint is meant to be, in the user's words, so it can be resolved again when modules load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// An expression: `demo!main`, `0x401000`, `@rip+4`.
    Expr(String),
    /// A source line: `` `demo.c:12` `` or `` `demo!demo.c:12` ``.
    Line { module: Option<String>, file: String, line: u32 },
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Expr(e) => f.write_str(e),
            Location::Line { module: Some(m), file, line } => write!(f, "`{m}!{file}:{line}`"),
            Location::Line { module: None, file, line } => write!(f, "`{file}:{line}`"),
        }
    }
}

/// How a breakpoint catches the debuggee.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `bp`, `bu`, `bm`: an int3 patched into code.
    Software,
    /// `ba`: a debug register watching `size` bytes (1, 2, 4 or 8, aligned) at the address.
    Hardware { access: HwAccess, size: u8 },
    /// `bpm`: guard pages over `size` bytes from the address.
    Memory { access: MemAccess, size: u64 },
}

/// What a debug register fires on (DR7's R/W field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HwAccess {
    /// `e`: executing the instruction (a fault: the thread stops on it).
    Execute,
    /// `w`: writing (a trap: the thread stops after the instruction).
    Write,
    /// `r`: reading or writing.
    ReadWrite,
}

impl HwAccess {
    /// WinDbg's letter for it.
    pub fn letter(self) -> char {
        match self {
            HwAccess::Execute => 'e',
            HwAccess::Write => 'w',
            HwAccess::ReadWrite => 'r',
        }
    }
}

/// Which accesses a memory breakpoint stops on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemAccess {
    Read,
    Write,
    Execute,
    Any,
}

impl MemAccess {
    pub fn letter(self) -> char {
        match self {
            MemAccess::Read => 'r',
            MemAccess::Write => 'w',
            MemAccess::Execute => 'x',
            MemAccess::Any => 'a',
        }
    }

    /// Whether an access of that kind is a hit. An access the engine could not classify counts, so no hit is
    /// missed for want of knowing.
    pub fn matches(self, access: Option<Access>) -> bool {
        match (self, access) {
            (MemAccess::Any, _) | (_, None) => true,
            (MemAccess::Read, Some(a)) => a == Access::Read,
            (MemAccess::Write, Some(a)) => a == Access::Write,
            (MemAccess::Execute, Some(a)) => a == Access::Execute,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Breakpoint {
    pub id: u32,
    pub kind: Kind,
    /// `ba ~<n>`: only this thread.
    pub thread: Option<Tid>,
    pub location: Location,
    /// The resolved address; `None` while deferred.
    pub address: Option<u64>,
    /// `bu`: stays symbolic and resolves whenever a matching module loads.
    pub deferred: bool,
    pub enabled: bool,
    /// `bp /w "<expr>"`: a MASM expression evaluated on the thread that hit; a hit where it is zero is no hit.
    pub condition: Option<String>,
    /// The pass count given with `bp <where> <count>`: the breakpoint stops on that pass.
    pub passes: u32,
    /// Passes left before it stops; stays at 1 once reached, as WinDbg's `bl` shows it.
    pub remaining: u32,
    pub hits: u64,
    /// Commands the console runs at each hit (`bp <where> "cmds"`).
    pub commands: Option<String>,
    /// A data breakpoint's watched value as last seen (when it was set, then at each pass), and the one before.
    pub value: Option<u64>,
    pub previous: Option<u64>,
}

impl Breakpoint {
    /// Whether `address` is in the range a memory breakpoint watches.
    pub fn covers(&self, address: u64) -> bool {
        match (self.kind, self.address) {
            (Kind::Memory { size, .. }, Some(start)) => address >= start && address - start < size,
            _ => false,
        }
    }
}

#[derive(Default)]
pub struct Breakpoints {
    list: Vec<Breakpoint>,
}

impl Breakpoints {
    /// Add a software breakpoint with the lowest free id (WinDbg reuses cleared ids).
    pub fn add(
        &mut self,
        location: Location,
        address: Option<u64>,
        deferred: bool,
        passes: u32,
        commands: Option<String>,
    ) -> u32 {
        self.add_kind(Kind::Software, None, location, address, deferred, passes, commands)
    }

    /// Add a breakpoint of any kind with the lowest free id.
    #[allow(clippy::too_many_arguments)]
    pub fn add_kind(
        &mut self,
        kind: Kind,
        thread: Option<Tid>,
        location: Location,
        address: Option<u64>,
        deferred: bool,
        passes: u32,
        commands: Option<String>,
    ) -> u32 {
        let id = (0..).find(|i| self.list.iter().all(|b| b.id != *i)).expect("ids are unbounded");
        let passes = passes.max(1);
        self.list.push(Breakpoint {
            id,
            kind,
            thread,
            location,
            address,
            deferred,
            enabled: true,
            condition: None,
            passes,
            remaining: passes,
            hits: 0,
            commands,
            value: None,
            previous: None,
        });
        self.list.sort_by_key(|b| b.id);
        id
    }

    pub fn get_mut(&mut self, id: u32) -> Option<&mut Breakpoint> {
        self.list.iter_mut().find(|b| b.id == id)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Breakpoint> {
        self.list.iter()
    }

    pub fn get(&self, id: u32) -> Option<&Breakpoint> {
        self.list.iter().find(|b| b.id == id)
    }

    pub fn ids(&self) -> Vec<u32> {
        self.list.iter().map(|b| b.id).collect()
    }

    pub fn remove(&mut self, id: u32) -> bool {
        let before = self.list.len();
        self.list.retain(|b| b.id != id);
        before != self.list.len()
    }

    pub fn set_enabled(&mut self, id: u32, enabled: bool) -> bool {
        match self.list.iter_mut().find(|b| b.id == id) {
            Some(b) => {
                b.enabled = enabled;
                true
            }
            None => false,
        }
    }

    /// The addresses that must hold an int3 for the user's breakpoints.
    pub fn wanted(&self) -> BTreeSet<u64> {
        self.software().filter(|b| b.enabled).filter_map(|b| b.address).collect()
    }

    fn software(&self) -> impl Iterator<Item = &Breakpoint> {
        self.list.iter().filter(|b| b.kind == Kind::Software)
    }

    /// Whether a software breakpoint already sits at `address` (so `bp` twice at one place is one breakpoint).
    pub fn at_address(&self, address: u64) -> Option<u32> {
        self.software().find(|b| b.address == Some(address)).map(|b| b.id)
    }

    /// The enabled software breakpoints at `address`: an int3 there was theirs.
    pub fn enabled_at(&self, address: u64) -> Vec<u32> {
        self.software().filter(|b| b.enabled && b.address == Some(address)).map(|b| b.id).collect()
    }

    /// Count a pass of breakpoint `id` (whose condition, if any, held); returns whether it stops (its pass count
    /// is reached).
    pub fn pass(&mut self, id: u32) -> bool {
        let Some(b) = self.get_mut(id) else { return false };
        b.hits += 1;
        if b.remaining > 1 {
            b.remaining -= 1;
            false
        } else {
            true
        }
    }

    /// Breakpoints waiting for an address (deferred, or whose module went away).
    pub fn unresolved_mut(&mut self) -> impl Iterator<Item = &mut Breakpoint> {
        self.list.iter_mut().filter(|b| b.address.is_none())
    }

    /// A module at `[start, end)` went away: its breakpoints wait for it to come back.
    pub fn unresolve_range(&mut self, start: u64, end: u64) {
        for b in &mut self.list {
            if b.address.is_some_and(|a| a >= start && a < end) {
                b.address = None;
            }
        }
    }

    /// The process is gone (restart): every breakpoint waits for its module again, with its counts reset.
    pub fn unresolve_all(&mut self) {
        for b in &mut self.list {
            b.address = None;
            b.remaining = b.passes;
            b.hits = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_reused_lowest_first() {
        let mut t = Breakpoints::default();
        let a = t.add(Location::Expr("a".into()), Some(1), false, 1, None);
        let b = t.add(Location::Expr("b".into()), Some(2), false, 1, None);
        assert_eq!((a, b), (0, 1));
        assert!(t.remove(0));
        assert_eq!(t.add(Location::Expr("c".into()), Some(3), false, 1, None), 0);
    }

    fn hit(t: &mut Breakpoints, address: u64) -> Vec<u32> {
        t.enabled_at(address).into_iter().filter(|id| t.pass(*id)).collect()
    }

    #[test]
    fn pass_count_stops_on_the_nth_pass_then_every_time() {
        let mut t = Breakpoints::default();
        t.add(Location::Expr("x".into()), Some(0x10), false, 3, None);
        assert!(hit(&mut t, 0x10).is_empty());
        assert!(hit(&mut t, 0x10).is_empty());
        assert_eq!(hit(&mut t, 0x10), vec![0]);
        assert_eq!(hit(&mut t, 0x10), vec![0]);
        assert_eq!(t.get(0).unwrap().hits, 4);
    }

    #[test]
    fn disabled_breakpoints_are_not_wanted_nor_hit() {
        let mut t = Breakpoints::default();
        t.add(Location::Expr("x".into()), Some(0x10), false, 1, None);
        t.set_enabled(0, false);
        assert!(t.wanted().is_empty());
        assert!(hit(&mut t, 0x10).is_empty());
    }
}
