//! The debuggee as gdbstub asks for it: registers, memory and threads, each request one call into the engine on
//! the debugger's own thread (`Runner::call`). Everything decided about the debuggee is the engine's; this only
//! converts between the protocol's units (gdb's register numbers, its thread ids) and the engine's.

use std::cell::{Cell, RefCell};
use std::num::NonZeroUsize;
use std::rc::Rc;

use gdbstub::common::Tid as GdbTid;
use gdbstub::target::ext::base::BaseOps;
use gdbstub::target::ext::base::multithread::MultiThreadBase;
use gdbstub::target::ext::base::single_register_access::{SingleRegisterAccess, SingleRegisterAccessOps};
use gdbstub::target::{Target, TargetError, TargetResult};
use rdb_engine::debugger::Debugger;
use rdb_engine::runner::Runner;
use rdb_engine::session::Stop;
use rdb_engine::target::{Pid, Tid};

use crate::breakpoints::GdbBreakpoints;
use crate::conditions::PendingConditions;
use crate::framing::StopReply;
use crate::monitor::Monitor;
use crate::registers::{Flavour, Register, RegisterFile, RegisterNumber, X86_64, table};
use crate::resume::Actions;

/// What gdbstub drives: the engine behind its runner, and what the protocol needs remembered between packets.
pub struct Server {
    pub(crate) runner: Runner,
    pub(crate) flavour: Flavour,
    pub(crate) pid: Pid,
    /// The debuggee was launched by rdb (else attached): a launched one is killed when the client goes, an attached
    /// one detached.
    pub(crate) launched: bool,
    /// The stop the client was last told of.
    pub(crate) stop: Option<Stop>,
    /// The process has exited (or was killed): nothing is left to ask about.
    pub(crate) exited: bool,
    pub(crate) breakpoints: GdbBreakpoints,
    pub(crate) actions: Actions,
    pub(crate) conditions: Rc<RefCell<PendingConditions>>,
    /// How `?` is answered (see `framing.rs`): kept up to date with `stop`.
    pub(crate) question: Rc<RefCell<StopReply>>,
    pub(crate) monitor: Monitor,
    /// Why the resume the client last asked for could not be made (see `resume.rs`).
    pub(crate) refused_resume: Option<String>,
    /// The files the client has open through `vFile:` (see `host_io.rs`).
    pub(crate) files: crate::host_io::OpenFiles,
    /// The client is lldb (it asked `qHostInfo` or `qProcessInfo`, which gdb never does): see `lldb.rs`.
    pub(crate) lldb: Cell<bool>,
}

/// What a failed engine call answers the client: an error reply (`E..`), never the end of the session.
pub(crate) fn refused<T>(_error: rdb_engine::Error) -> TargetResult<T, Server> {
    Err(TargetError::Errno(14))
}

pub(crate) fn gdb_tid(tid: Tid) -> Option<GdbTid> {
    NonZeroUsize::new(tid as usize)
}

pub(crate) fn engine_tid(tid: GdbTid) -> Tid {
    tid.get() as Tid
}

impl Server {
    /// Run `f` on the debugger's thread.
    pub(crate) fn call<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Debugger) -> rdb_engine::Result<R> + Send + 'static,
    ) -> rdb_engine::Result<R> {
        self.runner.call(f)?
    }

    /// Thread `tid`'s registers as the client's description lays them out; the x87/SSE state only `with_float`
    /// (a system call of its own that a general register does not need).
    fn register_file(&self, tid: Tid, with_float: bool) -> rdb_engine::Result<RegisterFile> {
        let flavour = self.flavour;
        self.call(move |d| {
            let s = d.session_mut();
            let general = s.registers(tid)?;
            let float = if with_float { s.float_registers(tid).ok().flatten() } else { None };
            Ok(RegisterFile { general, float, flavour: Some(flavour) })
        })
    }

    /// Register number `n` of the description.
    fn register(&self, n: RegisterNumber) -> TargetResult<Register, Self> {
        table(self.flavour).get(n.0).copied().ok_or(TargetError::Errno(22))
    }

    /// Write `file` back: the general registers, and the x87/SSE ones where they changed from `before`.
    fn write_register_file(&self, tid: Tid, file: &RegisterFile, before: &RegisterFile) -> rdb_engine::Result<()> {
        let general = file.general;
        let float = file.float.filter(|f| before.float.as_ref() != Some(f));
        self.call(move |d| {
            let s = d.session_mut();
            if let Some(f) = float {
                s.set_float_registers(tid, &f)?;
            }
            s.set_registers(tid, &general)
        })
    }

    /// The debuggee's threads, the one of the last stop first (gdbstub's `?` names the first).
    pub(crate) fn threads(&self) -> Vec<Tid> {
        let first = self.stop.as_ref().map(|s| s.tid);
        let mut tids =
            self.call(|d| Ok(d.session().threads().iter().map(|t| t.tid).collect::<Vec<_>>())).unwrap_or_default();
        if let Some(first) = first
            && let Some(at) = tids.iter().position(|t| *t == first)
        {
            tids[..=at].rotate_right(1);
        }
        tids
    }
}

impl Target for Server {
    type Arch = X86_64;
    type Error = String;

    fn base_ops(&mut self) -> BaseOps<'_, X86_64, String> {
        BaseOps::MultiThread(self)
    }

    // rdb places every breakpoint itself; gdb must not write int3s through memory writes.
    fn guard_rail_implicit_sw_breakpoints(&self) -> bool {
        true
    }

    // rdb follows no child process for a client: it never reports a fork.
    fn use_fork_stop_reason(&self) -> bool {
        false
    }

    fn use_vfork_stop_reason(&self) -> bool {
        false
    }

    fn use_vforkdone_stop_reason(&self) -> bool {
        false
    }

    // lldb reads a run-length encoded reply wrongly in places (the ELF header it reads from memory).
    fn use_rle(&self) -> bool {
        false
    }

    fn use_target_description_xml(&self) -> bool {
        // The description comes from `support_target_description_xml_override`.
        true
    }

    fn support_breakpoints(&mut self) -> Option<gdbstub::target::ext::breakpoints::BreakpointsOps<'_, Self>> {
        Some(self)
    }

    fn support_target_description_xml_override(
        &mut self,
    ) -> Option<gdbstub::target::ext::target_description_xml_override::TargetDescriptionXmlOverrideOps<'_, Self>> {
        Some(self)
    }

    fn support_monitor_cmd(&mut self) -> Option<gdbstub::target::ext::monitor_cmd::MonitorCmdOps<'_, Self>> {
        Some(self)
    }

    fn support_exec_file(&mut self) -> Option<gdbstub::target::ext::exec_file::ExecFileOps<'_, Self>> {
        Some(self)
    }

    fn support_auxv(&mut self) -> Option<gdbstub::target::ext::auxv::AuxvOps<'_, Self>> {
        (self.flavour == Flavour::Linux).then_some(self)
    }

    fn support_libraries_svr4(&mut self) -> Option<gdbstub::target::ext::libraries::LibrariesSvr4Ops<'_, Self>> {
        (self.flavour == Flavour::Linux).then_some(self)
    }

    fn support_libraries(&mut self) -> Option<gdbstub::target::ext::libraries::LibrariesOps<'_, Self>> {
        (self.flavour == Flavour::Windows).then_some(self)
    }

    fn support_host_io(&mut self) -> Option<gdbstub::target::ext::host_io::HostIoOps<'_, Self>> {
        Some(self)
    }

    fn support_host_info(&mut self) -> Option<gdbstub::target::ext::host_info::HostInfoOps<'_, Self>> {
        Some(self)
    }

    fn support_process_info(&mut self) -> Option<gdbstub::target::ext::process_info::ProcessInfoOps<'_, Self>> {
        Some(self)
    }

    fn support_extended_mode(&mut self) -> Option<gdbstub::target::ext::extended_mode::ExtendedModeOps<'_, Self>> {
        Some(self)
    }
}

impl MultiThreadBase for Server {
    fn read_registers(&mut self, regs: &mut RegisterFile, tid: GdbTid) -> TargetResult<(), Self> {
        match self.register_file(engine_tid(tid), true) {
            Ok(file) => {
                *regs = file;
                Ok(())
            }
            Err(e) => refused(e),
        }
    }

    fn write_registers(&mut self, regs: &RegisterFile, tid: GdbTid) -> TargetResult<(), Self> {
        let tid = engine_tid(tid);
        let current = self.register_file(tid, true).or_else(refused)?;
        self.write_register_file(tid, regs, &current).or_else(refused)
    }

    fn support_single_register_access(&mut self) -> Option<SingleRegisterAccessOps<'_, GdbTid, Self>> {
        Some(self)
    }

    fn read_addrs(&mut self, start: u64, data: &mut [u8], _tid: GdbTid) -> TargetResult<usize, Self> {
        let len = data.len();
        let read = self.call(move |d| {
            let mut buf = vec![0u8; len];
            let n = d.session_mut().read_memory(start, &mut buf)?;
            buf.truncate(n);
            Ok(buf)
        });
        match read {
            Ok(bytes) if !bytes.is_empty() => {
                data[..bytes.len()].copy_from_slice(&bytes);
                Ok(bytes.len())
            }
            Ok(_) => Err(TargetError::Errno(14)),
            Err(e) => refused(e),
        }
    }

    fn write_addrs(&mut self, start: u64, data: &[u8], _tid: GdbTid) -> TargetResult<(), Self> {
        let data = data.to_vec();
        self.call(move |d| d.session_mut().write_memory(start, &data)).or_else(refused)
    }

    fn list_active_threads(&mut self, thread_is_active: &mut dyn FnMut(GdbTid)) -> Result<(), String> {
        if self.exited {
            return Ok(());
        }
        self.threads().into_iter().filter_map(gdb_tid).for_each(thread_is_active);
        Ok(())
    }

    fn support_resume(&mut self) -> Option<gdbstub::target::ext::base::multithread::MultiThreadResumeOps<'_, Self>> {
        Some(self)
    }
}

impl SingleRegisterAccess<GdbTid> for Server {
    fn read_register(&mut self, tid: GdbTid, reg: RegisterNumber, buf: &mut [u8]) -> TargetResult<usize, Self> {
        let r = self.register(reg)?;
        let file = self.register_file(engine_tid(tid), r.slot.is_float()).or_else(refused)?;
        match file.get(&r) {
            Some(bytes) if bytes.len() <= buf.len() => {
                buf[..bytes.len()].copy_from_slice(&bytes);
                Ok(bytes.len())
            }
            // Unavailable: gdbstub answers `x`s for a zero length.
            _ => Ok(0),
        }
    }

    fn write_register(&mut self, tid: GdbTid, reg: RegisterNumber, value: &[u8]) -> TargetResult<(), Self> {
        let r = self.register(reg)?;
        let tid = engine_tid(tid);
        let before = self.register_file(tid, r.slot.is_float()).or_else(refused)?;
        let mut file = before.clone();
        if !file.set(&r, value) {
            return Err(TargetError::Errno(22));
        }
        self.write_register_file(tid, &file, &before).or_else(refused)
    }
}
