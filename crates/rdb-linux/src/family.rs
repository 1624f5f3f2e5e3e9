//! Families of processes (`.childdbg 1`, `-o`): forked children kept traced, each driven by a target of its own.
//!
//! Every process of the family is traced by the same thread, so `waitpid(-1)` in any of their targets can return
//! another process's stop. The targets share a [`Port`]: a target that reaps a status that is not its own stashes
//! it there for its owner, and the target being driven returns `EventKind::OtherProcess` when another member has
//! something to report, so the front end hands over to that process's session (as the Windows backend does with
//! its shared debug event stream).
//!
//! A followed child is first reported as `ChildProcess { followed: true }`: the parent's session writes its int3s'
//! original bytes into the child's copy (as for a child let go); then the child's own target reports it as after an
//! attach (`ProcessCreated`, its modules, a break-in where it came back from fork) and says it is a `forked_copy`, so
//! its session waits for no entry point and, for a vfork child running in its parent's memory, patches nothing until
//! the child execs. The parent's thread that vforked stays at its vfork stop while that child borrows the memory:
//! inside the kernel's wait for the child it could not be stopped again.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::rc::Rc;

use rdb_engine::target::{EventKind, Exception, ExceptionKind, Pid, ProcessFamily, Target};
use rdb_engine::{Error, Result};

use crate::ptrace::{self, WaitStatus};
use crate::{LinuxTarget, image, regs};

/// What the targets of one family share.
pub(crate) struct Port {
    /// Whether children forked from now on are kept traced (they join the family) or let go.
    pub follow_children: bool,
    /// The processes of the family whose targets exist.
    members: BTreeSet<i32>,
    /// Wait statuses reaped by a target they do not belong to, oldest first. `owner` is the process of the thread,
    /// when it could be told (a thread already reaped has no /proc entry left to ask).
    stash: VecDeque<Stashed>,
    /// Followed children cleaned and waiting to be adopted, and whether each runs in its parent's memory (vfork).
    new_children: BTreeMap<i32, bool>,
    /// Members that have events queued while released: they have something to report without a new status.
    queued: BTreeSet<i32>,
    /// Followed vfork children that still run in their parent's memory (until they exec or exit).
    borrowing: BTreeSet<i32>,
}

struct Stashed {
    owner: Option<i32>,
    tid: i32,
    status: WaitStatus,
}

impl Port {
    pub fn new(pid: i32) -> Rc<RefCell<Port>> {
        Rc::new(RefCell::new(Port {
            follow_children: false,
            members: BTreeSet::from([pid]),
            stash: VecDeque::new(),
            new_children: BTreeMap::new(),
            queued: BTreeSet::new(),
            borrowing: BTreeSet::new(),
        }))
    }

    /// The target of `pid` is gone: nothing it owns is waited for any more.
    pub fn leave(&mut self, pid: i32) {
        self.members.remove(&pid);
        self.stash.retain(|s| s.owner != Some(pid));
        self.queued.remove(&pid);
        self.borrowing.remove(&pid);
    }

    pub fn stash(&mut self, owner: Option<i32>, tid: i32, status: WaitStatus) {
        // A process already reaped has no /proc entry left to ask: a member's leader still names its process.
        let owner = owner.or_else(|| self.members.contains(&tid).then_some(tid));
        self.stash.push_back(Stashed { owner, tid, status });
    }

    /// The oldest stashed status of process `pid`, whose threads `known` recognises.
    pub fn take(&mut self, pid: i32, known: impl Fn(i32) -> bool) -> Option<(i32, WaitStatus)> {
        let i = self.stash.iter().position(|s| s.owner == Some(pid) || (s.owner.is_none() && known(s.tid)))?;
        self.stash.remove(i).map(|s| (s.tid, s.status))
    }

    /// The stashed status of thread `tid` (a new thread's or child's first stop, reaped before it was announced).
    pub fn take_tid(&mut self, tid: i32) -> Option<WaitStatus> {
        let i = self.stash.iter().position(|s| s.tid == tid)?;
        self.stash.remove(i).map(|s| s.status)
    }

    /// Another process of the family that has something to report (`pid` is the one asking).
    pub fn other_event(&self, pid: i32) -> Option<i32> {
        let stashed = self.stash.iter().filter_map(|s| s.owner).find(|o| *o != pid && self.members.contains(o));
        stashed
            .or_else(|| self.new_children.keys().next().copied())
            .or_else(|| self.queued.iter().copied().find(|p| *p != pid))
    }

    /// Whether processes other than `pid` may run and report.
    pub fn has_others(&self, pid: i32) -> bool {
        self.members.iter().any(|p| *p != pid) || !self.new_children.is_empty()
    }

    pub fn set_queued(&mut self, pid: i32, queued: bool) {
        if queued {
            self.queued.insert(pid);
        } else {
            self.queued.remove(&pid);
        }
    }

    /// A followed child, cleaned of its parent's int3s, waits to be adopted.
    pub fn add_child(&mut self, child: i32, shares_memory: bool) {
        self.new_children.insert(child, shares_memory);
        if shares_memory {
            self.borrowing.insert(child);
        }
    }

    /// A vfork child has exec'd or exited: its parent's memory is its parent's alone again.
    pub fn memory_returned(&mut self, child: i32) {
        self.borrowing.remove(&child);
    }

    pub fn borrows_memory(&self, child: i32) -> bool {
        self.borrowing.contains(&child)
    }
}

impl Drop for Port {
    /// Children never adopted (the family ended first) are clean already: let them run on.
    fn drop(&mut self) {
        for child in std::mem::take(&mut self.new_children).into_keys() {
            let _ = ptrace::detach(child, None);
        }
    }
}

impl ProcessFamily for LinuxTarget {
    fn follow_children(&mut self, on: bool) -> Result<()> {
        if self.gone {
            return Err(Error::NoProcess);
        }
        self.port.borrow_mut().follow_children = on;
        Ok(())
    }

    fn adopt(&mut self, pid: Pid) -> Result<Box<dyn Target>> {
        self.check_tracer()?;
        // The family hands over with this process held.
        self.complete_stop()?;
        let child = i32::try_from(pid).map_err(|_| Error::NoProcess)?;
        let shares_memory = self
            .port
            .borrow_mut()
            .new_children
            .remove(&child)
            .ok_or_else(|| Error::msg(format!("process {pid:x} is not a child waiting to be debugged")))?;
        let target = LinuxTarget::forked(child, self.launched, shares_memory, self.port.clone());
        Ok(Box::new(target?))
    }

    fn hold(&mut self) -> Result<()> {
        if self.gone {
            return Err(Error::NoProcess);
        }
        self.check_tracer()?;
        self.stop_all()
    }
}

impl LinuxTarget {
    /// A target for a followed child, stopped at its first stop. As after an attach, its first events are
    /// `ProcessCreated` (the program it runs, its parent's), `ModuleLoaded` for each module of the loader's list,
    /// and a break-in where it stands, just back from `fork`.
    fn forked(child: i32, launched: bool, shares_memory: bool, port: Rc<RefCell<Port>>) -> Result<LinuxTarget> {
        let mut target = LinuxTarget::new(child, launched);
        port.borrow_mut().members.insert(child);
        target.port = port;
        target.forked_copy = Some(shares_memory);
        target.threads.add(child, child, false);
        target.memory = crate::memory::Memory::open(child);
        let exe =
            image::exe(child).map_err(|e| Error::msg(format!("cannot read the executable of process {child}: {e}")))?;
        let image = exe.image.clone();
        let entry = exe.entry;
        target.exe = Some(exe);
        let created =
            EventKind::ProcessCreated { image_base: image.base, image_size: image.size, entry, path: image.path };
        target.push(child, created, None);
        let modules = rdb_engine::target::LoaderRendezvous::sync_modules(&mut target).unwrap_or_default();
        for module in modules {
            target.push(child, module, None);
        }
        let address = regs::get(child).map(|r| r.rip).unwrap_or(0);
        let exception = Exception { kind: ExceptionKind::BreakIn, address, first_chance: true };
        target.push(child, EventKind::Exception(exception), None);
        Ok(target)
    }

    /// Whether this status belongs to one of this process's threads (a new thread's included).
    pub(crate) fn owns(&self, tid: i32) -> bool {
        tid == self.pid
            || self.threads.get(tid).is_some()
            || self.early.contains(&tid)
            || crate::procfs::tgid(tid) == Some(self.pid)
    }

    /// Another process of the family has something to report (never while a thread steps: its step comes first).
    pub(crate) fn other_event(&self) -> Option<Pid> {
        self.port.borrow().other_event(self.pid).map(|p| p as Pid)
    }

    /// The first stop of a new thread or child traced from birth: reported early (to this target, or to another
    /// target of the family, which stashed it), or still due. `false` if it died before it ever ran.
    pub(crate) fn first_stop(&mut self, tid: i32) -> bool {
        if self.early.remove(&tid) {
            return true;
        }
        let mut stashed = self.port.borrow_mut().take_tid(tid);
        loop {
            let status = match stashed.take() {
                Some(status) => status,
                None => match ptrace::wait(tid, libc::__WALL) {
                    Ok(Some((_, status))) => status,
                    _ => return false,
                },
            };
            match status {
                WaitStatus::Stopped { .. } => return true,
                WaitStatus::Other => continue,
                WaitStatus::Exited(_) | WaitStatus::Signaled(_) => return false,
            }
        }
    }
}
