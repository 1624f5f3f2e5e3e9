//! `Z0`–`Z4`: the client's breakpoints and watchpoints as breakpoints of the engine's one table, owned by
//! [`Owner::GdbRemote`] (so they stand beside rdb's own and the console's, and a `monitor bl` shows them). gdb names
//! a breakpoint by its kind and address; the engine by an id: the map between the two is kept here.

use gdbstub::target::TargetResult;
use gdbstub::target::ext::breakpoints::{
    Breakpoints, HwBreakpoint, HwBreakpointOps, HwWatchpoint, HwWatchpointOps, SwBreakpoint, SwBreakpointOps, WatchKind,
};
use rdb_engine::session::{HwAccess, Kind, Location, Owner, Spec};

use crate::conditions::Conditions;
use crate::target::{Server, refused};

/// How gdb names a breakpoint: `Z<type>,<address>,<kind or length>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Software(u64),
    Hardware(u64),
    Watch { address: u64, length: u64, kind: u8 },
}

/// One of the client's breakpoints.
#[derive(Debug, Clone)]
pub struct GdbBreakpoint {
    pub key: Key,
    pub id: u32,
    pub conditions: Conditions,
}

/// The client's breakpoints.
#[derive(Debug, Default)]
pub struct GdbBreakpoints {
    all: Vec<GdbBreakpoint>,
}

impl GdbBreakpoints {
    pub fn by_id(&self, id: u32) -> Option<&GdbBreakpoint> {
        self.all.iter().find(|b| b.id == id)
    }

    fn by_key(&self, key: Key) -> Option<&GdbBreakpoint> {
        self.all.iter().find(|b| b.key == key)
    }

    /// Forget them all (the process is gone, or another took its place).
    pub fn clear(&mut self) {
        self.all.clear();
    }
}

impl Server {
    /// Insert (or, for a breakpoint gdb inserts again with new conditions, update) the breakpoint `key`.
    fn insert(&mut self, key: Key, kind: Kind, address: u64, conditions: Conditions) -> TargetResult<bool, Self> {
        let condition = conditions.engine();
        if let Some(existing) = self.breakpoints.by_key(key).map(|b| b.id) {
            self.call(move |d| d.session_mut().set_condition(existing, condition)).or_else(refused)?;
            if let Some(b) = self.breakpoints.all.iter_mut().find(|b| b.id == existing) {
                b.conditions = conditions;
            }
            return Ok(true);
        }
        let mut spec = Spec::new(Owner::GdbRemote, kind, Location::Expr(format!("{address:#x}")));
        spec.condition = condition;
        let tid = self.current_tid();
        let id = self.call(move |d| d.session_mut().add_breakpoint(tid, spec)).or_else(refused)?;
        self.breakpoints.all.push(GdbBreakpoint { key, id, conditions });
        Ok(true)
    }

    fn remove(&mut self, key: Key) -> TargetResult<bool, Self> {
        let Some(at) = self.breakpoints.all.iter().position(|b| b.key == key) else { return Ok(true) };
        let b = self.breakpoints.all.remove(at);
        self.call(move |d| Ok(d.session_mut().remove_breakpoint(b.id))).or_else(refused)?;
        Ok(true)
    }

    /// The conditions sent with the insertion of breakpoint type `kind` at `address`.
    fn conditions(&mut self, kind: u8, address: u64) -> TargetResult<Conditions, Self> {
        let programs = self.conditions.borrow_mut().take(kind, address).unwrap_or_default();
        Conditions::of(&programs, self.flavour).map_err(|_| gdbstub::target::TargetError::Errno(22))
    }

    /// The thread a breakpoint is resolved for (its expression's registers): the stop's.
    pub(crate) fn current_tid(&self) -> rdb_engine::target::Tid {
        self.stop.as_ref().map(|s| s.tid).unwrap_or(self.pid)
    }
}

impl Breakpoints for Server {
    fn support_sw_breakpoint(&mut self) -> Option<SwBreakpointOps<'_, Self>> {
        Some(self)
    }

    fn support_hw_breakpoint(&mut self) -> Option<HwBreakpointOps<'_, Self>> {
        Some(self)
    }

    fn support_hw_watchpoint(&mut self) -> Option<HwWatchpointOps<'_, Self>> {
        Some(self)
    }
}

impl SwBreakpoint for Server {
    fn add_sw_breakpoint(&mut self, address: u64, _kind: usize) -> TargetResult<bool, Self> {
        let conditions = self.conditions(0, address)?;
        self.insert(Key::Software(address), Kind::Software, address, conditions)
    }

    fn remove_sw_breakpoint(&mut self, address: u64, _kind: usize) -> TargetResult<bool, Self> {
        self.remove(Key::Software(address))
    }
}

impl HwBreakpoint for Server {
    fn add_hw_breakpoint(&mut self, address: u64, _kind: usize) -> TargetResult<bool, Self> {
        let conditions = self.conditions(1, address)?;
        let kind = Kind::Hardware { access: HwAccess::Execute, size: 1 };
        self.insert(Key::Hardware(address), kind, address, conditions)
    }

    fn remove_hw_breakpoint(&mut self, address: u64, _kind: usize) -> TargetResult<bool, Self> {
        self.remove(Key::Hardware(address))
    }
}

/// x86's debug registers watch writes, or reads and writes; a read watchpoint is an access watchpoint, as gdb's
/// own x86 port makes it (gdb tells reads from writes by whether the value changed).
fn access(kind: WatchKind) -> HwAccess {
    match kind {
        WatchKind::Write => HwAccess::Write,
        WatchKind::Read | WatchKind::ReadWrite => HwAccess::ReadWrite,
    }
}

fn watch_key(address: u64, length: u64, kind: WatchKind) -> Key {
    let kind = match kind {
        WatchKind::Write => 2,
        WatchKind::Read => 3,
        WatchKind::ReadWrite => 4,
    };
    Key::Watch { address, length, kind }
}

impl HwWatchpoint for Server {
    fn add_hw_watchpoint(&mut self, address: u64, length: u64, kind: WatchKind) -> TargetResult<bool, Self> {
        let Ok(size) = u8::try_from(length) else { return Ok(false) };
        let engine_kind = Kind::Hardware { access: access(kind), size };
        self.insert(watch_key(address, length, kind), engine_kind, address, Conditions::None)
    }

    fn remove_hw_watchpoint(&mut self, address: u64, length: u64, kind: WatchKind) -> TargetResult<bool, Self> {
        self.remove(watch_key(address, length, kind))
    }
}
