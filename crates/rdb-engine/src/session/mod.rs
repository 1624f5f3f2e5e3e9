//! `Session`: one process under the engine's control. It owns the target, the module and thread lists, the
//! breakpoint table, what the engine put into the process image (`image.rs`) and the event filters; `run.rs` holds
//! the event loop, `control.rs` what a front end asks of it. Front ends reach a `Session` through the
//! [`crate::debugger::Debugger`] that holds it (one per process of a family) and never reach around it to the
//! target. It hands out data (stops, notices, frames, threads, disassembly); every call names the thread it is for.

mod address_map;
mod analysis;
mod assign;
mod breakpoints;
mod compiled;
mod conditions;
mod control;
mod cxx_throw;
mod disassembly;
mod displaced;
mod dump_view;
mod environment;
mod exception_context;
mod expressions;
mod filters;
mod frames;
mod guards;
mod hardware;
mod hooks;
mod image;
mod lazy;
mod loader;
mod longjmp;
mod module_images;
mod modules;
mod native;
mod patches;
mod placing;
mod run;
mod scratch;
mod snapshot;
mod source_step;
mod stop;
#[cfg(test)]
mod tests;
mod threads;
mod variables;
mod watch;
mod wide_registers;

use std::path::PathBuf;

pub use address_map::{AddressRegion, MemoryState, Usage};
pub use analysis::{Analysis, Blame, is_system_module};
pub use breakpoints::{
    Breakpoint, Breakpoints, Condition, HwAccess, Kind, Language, Location, MemAccess, Owner, Site, Spec,
};
pub use control::Resumption;
pub use disassembly::DisassemblyLine;
pub use filters::{Action, EventCode, Filter, Filters, exception_code, signal_name};
pub use frames::StackFrame;
pub use hooks::{HitAnswer, HitHook, LazyHit};
pub use module_images::find_image;
pub use modules::{Module, Modules, Place, SymbolMatch, SymbolOffset, SymbolState, file_name};
pub use stop::{Notice, Stop, StopReason, Symbolic};
pub use threads::ThreadInfo;
pub use variables::FrameVariables;
use wide_registers::{USER_REGISTERS, user_register_index};

use crate::disasm::{self, Instruction};
use crate::error::{Error, Result};
use crate::expr::{self, ExprContext};
use crate::memory::ReadMemory;
use crate::regs::{self, DebugRegisters, Registers};
use crate::target::{ContinueStatus, Execution, Pid, Target, Tid};
use crate::unwind::{self, Frame};
use control::{Interrupted, ToCall};
use image::Image;
use patches::Patches;

/// A thread as the console numbers it: indices count up from 0 in creation order and are never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThreadEntry {
    pub tid: Tid,
    pub index: u32,
}

/// Breakpoints the engine plants for itself; never shown in `bl`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Internal {
    /// The executable's entry point: the Linux counterpart of the loader breakpoint.
    Entry(u64),
    /// The dynamic loader's rendezvous function (`r_debug.r_brk`).
    LoaderRendezvous(u64),
    /// The return address of a call being stepped over or a function being stepped out of: stop when `tid` gets
    /// there with its stack pointer at or above `sp` (so a recursive call does not stop early).
    Return { address: u64, tid: Tid, sp: u64 },
    /// `g <where>`: stop on any thread.
    RunTo(u64),
    /// A longjmp's entry, while `tid` returns from the frame whose CFA is `sp` (see `longjmp.rs`).
    Longjmp { address: u64, tid: Tid, sp: u64 },
    /// A C++ runtime's `__cxa_throw`, while the `eh` filter wants C++ exceptions (see `cxx_throw.rs`).
    CxxThrow(u64),
}

impl Internal {
    fn address(self) -> u64 {
        match self {
            Internal::Entry(a) | Internal::LoaderRendezvous(a) | Internal::RunTo(a) | Internal::CxxThrow(a) => a,
            Internal::Return { address, .. } | Internal::Longjmp { address, .. } => address,
        }
    }

    /// Temporary breakpoints go away at every stop.
    fn is_temporary(self) -> bool {
        matches!(self, Internal::Return { .. } | Internal::RunTo(_) | Internal::Longjmp { .. })
    }
}

/// The life of the debuggee, as far as the session knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Stopped, every thread held, waiting for the user.
    Stopped,
    /// Running with no one waiting for its next event (released while another process of its family is driven).
    Running,
    /// The process has exited (or was killed, or detached): nothing to run.
    Gone,
}

pub type Listener = Box<dyn FnMut(&Notice)>;

pub struct Session {
    target: Option<Box<dyn Target>>,
    state: State,
    pid: Pid,
    launched: bool,
    pub modules: Modules,
    /// Every front end's breakpoints; changed only through the session's methods, which keep the debuggee in line.
    breakpoints: Breakpoints,
    pub filters: Filters,
    /// What the engine has put into the current process image and keeps about it.
    image: Image,
    threads: Vec<ThreadEntry>,
    next_thread_index: u32,
    /// Threads created since the debuggee last ran on (a break-in thread the OS injected is among them).
    threads_created_running: Vec<Tid>,
    /// The thread of the last event.
    event_tid: Tid,
    /// How many stops the user has been shown (a front end's choice of thread lasts until the next one).
    stops: u64,
    /// The last exception the debuggee raised (`.exr -1`).
    last_exception: Option<crate::target::Exception>,
    /// The exception the stop the user sees is for (a breakpoint, a step's trap, a break-in, a fault), which a dump
    /// records: unlike `last_exception`, nothing from an earlier stop.
    stop_exception: Option<crate::target::Exception>,
    /// Registers read since the debuggee last ran (see [`Session::registers`]).
    register_cache: std::collections::HashMap<Tid, Registers>,
    /// The last stop for an exception (`.ecxr`, `!analyze`).
    fault: Option<exception_context::Fault>,
    /// Registers standing in for a thread's own: the exception's context a snapshot recorded, after `.ecxr`.
    context: Option<exception_context::ContextOverride>,
    /// The user's pseudo-registers `$t0`–`$t19`, kept for the session (WinDbg's, per session).
    user_registers: [u64; USER_REGISTERS],
    /// The thread shown stopped on a hard-coded int3 of the program's (or the OS's), and where: it steps past it
    /// when it runs on, as WinDbg does.
    past_int3: Option<(Tid, u64)>,
    /// The OS stops a new debuggee at an int3 of its own (Windows): the first foreign int3 is that stop.
    awaiting_initial_breakpoint: bool,
    /// At a stop for an exception the program raised, how `g` continues it (its filter's setting; `gh` and `gn`
    /// choose for themselves). `None` at every other stop: what stopped is the engine's own (a breakpoint, a step,
    /// the initial breakpoint, a break-in) or no exception at all, and it always continues handled.
    program_exception: Option<ContinueStatus>,
    /// The thread the current run steps (`t`), `None` when every thread runs.
    running_step: Option<Tid>,
    /// At a breakpoint stop, the run it interrupted, for `gc`.
    interrupted: Option<Interrupted>,
    /// At any stop, the run it interrupted, for [`Resumption::Again`].
    last_run: Option<Interrupted>,
    /// The `pc`/`tc` under way.
    to_call: Option<ToCall>,
    /// The thread of a `gu` or `p` being followed through a longjmp.
    unwinding: Option<longjmp::Unwinding>,
    /// The step by source line under way.
    line_step: Option<source_step::LineStep>,
    exe_path: Option<PathBuf>,
    entry: u64,
    /// Where the loaded C++ runtimes throw (`__cxa_throw`), watched while the `eh` filter wants it.
    throw_sites: Vec<u64>,
    listener: Listener,
    /// The front end's code run at a breakpoint hit before it stops (`hooks.rs`), and what it answered at the
    /// last event.
    hit_hook: Option<HitHook>,
    hooked: Vec<(u32, HitAnswer)>,
}

impl Session {
    /// Take control of a target that has just been launched or attached, and run it to its first stop (the initial
    /// breakpoint of a launch, the break-in of an attach). `listener` receives every notice as it happens.
    pub fn start(target: Box<dyn Target>, listener: Listener) -> Result<(Session, Stop)> {
        let mut session = Session::empty(listener);
        let stop = session.attach_target(target)?;
        Ok((session, stop))
    }

    /// A session with no debuggee (after `.detach`, or before `.attach`).
    pub fn empty(listener: Listener) -> Session {
        Session {
            target: None,
            state: State::Gone,
            pid: 0,
            launched: false,
            modules: Modules::default(),
            breakpoints: Breakpoints::default(),
            filters: Filters::default(),
            image: Image::default(),
            threads: Vec::new(),
            next_thread_index: 0,
            threads_created_running: Vec::new(),
            event_tid: 0,
            stops: 0,
            awaiting_initial_breakpoint: false,
            past_int3: None,
            register_cache: std::collections::HashMap::new(),
            fault: None,
            context: None,
            user_registers: [0; USER_REGISTERS],
            last_exception: None,
            stop_exception: None,
            program_exception: None,
            running_step: None,
            interrupted: None,
            last_run: None,
            to_call: None,
            unwinding: None,
            line_step: None,
            exe_path: None,
            entry: 0,
            throw_sites: Vec::new(),
            listener,
            hit_hook: None,
            hooked: Vec::new(),
        }
    }

    /// Debug a new target in this session, keeping breakpoints (re-resolved as modules load) and filters:
    /// `.restart` and `.attach`. Any current debuggee must have been ended first.
    pub fn attach_target(&mut self, mut target: Box<dyn Target>) -> Result<Stop> {
        if target.execution().is_none() {
            return Ok(self.open_snapshot(target));
        }
        self.take_target(target);
        self.run_from_event()
    }

    /// Take `target` in, forgetting everything about the previous one; the first event is still to be waited for.
    fn take_target(&mut self, mut target: Box<dyn Target>) {
        self.forget_registers();
        self.pid = target.pid();
        self.launched = target.execution().is_some_and(|e| e.launched());
        self.target = Some(target);
        self.state = State::Stopped;
        self.modules.clear();
        self.image.forget();
        self.threads.clear();
        self.next_thread_index = 0;
        self.breakpoints.unresolve_all();
        self.awaiting_initial_breakpoint = false;
        self.past_int3 = None;
        self.program_exception = None;
        self.interrupted = None;
        self.fault = None;
    }

    pub fn state(&self) -> State {
        self.state
    }

    pub fn pid(&self) -> Pid {
        self.pid
    }

    /// `.sympath`: search `dirs` for the modules' separate debug files before the system's places. Symbols are read
    /// again when next needed (what was compiled from them too).
    pub fn set_symbol_path(&mut self, dirs: Vec<PathBuf>) {
        self.modules.set_symbol_path(dirs);
        self.image.compiled.symbols_changed();
    }

    /// The auxiliary vector the process started with (raw `AT_*` pairs), where the OS has one.
    pub fn auxiliary_vector(&mut self) -> Result<Option<Vec<u8>>> {
        self.target()?.auxiliary_vector()
    }

    pub fn is_live(&self) -> bool {
        self.state == State::Stopped && self.target.is_some()
    }

    /// Whether rdb created the debuggee (so `q` kills it) rather than attached to it.
    pub fn launched(&self) -> bool {
        self.launched
    }

    pub fn exe_path(&self) -> Option<&PathBuf> {
        self.exe_path.as_ref()
    }

    pub fn threads(&self) -> &[ThreadEntry] {
        &self.threads
    }

    /// The thread of the last event: the one a stop is for, and the thread a front end shows first.
    pub fn event_thread(&self) -> Tid {
        self.event_tid
    }

    /// How many stops this session has had: a front end's own choice of current thread holds until the next.
    pub fn stop_count(&self) -> u64 {
        self.stops
    }

    /// The thread with console index `index` (`~<n>`).
    pub fn thread_by_index(&self, index: u32) -> Result<Tid> {
        let t = self.threads.iter().find(|t| t.index == index);
        t.map(|t| t.tid).ok_or_else(|| crate::err!("Illegal thread error: no thread {index}"))
    }

    pub fn thread_index(&self, tid: Tid) -> Option<u32> {
        self.threads.iter().find(|t| t.tid == tid).map(|t| t.index)
    }

    /// The executable's entry point (`$exentry`).
    pub fn entry(&self) -> u64 {
        self.entry
    }

    /// The last exception the debuggee raised, for `.exr -1`.
    pub fn last_exception(&self) -> Option<&crate::target::Exception> {
        self.last_exception.as_ref()
    }

    /// An interrupter for the console's Ctrl-C handler.
    pub fn interrupter(&mut self) -> Option<std::sync::Arc<dyn crate::target::Interrupter>> {
        live(&mut self.target).map(|t| t.interrupter())
    }

    fn target(&mut self) -> Result<&mut (dyn Target + 'static)> {
        if self.state != State::Stopped {
            return Err(Error::NoProcess);
        }
        self.target.as_deref_mut().ok_or(Error::NoProcess)
    }

    /// The stopped debuggee as a process that runs and can be changed; a snapshot (a dump) says it cannot.
    fn execution(&mut self) -> Result<&mut dyn Execution> {
        self.target()?.execution().ok_or_else(cannot_run)
    }

    /// Whether the target is a snapshot of a process (a dump), which only reads.
    pub fn is_snapshot(&mut self) -> bool {
        self.target.as_deref_mut().is_some_and(|t| t.snapshot().is_some())
    }

    /// The one error of every request that would run or change a snapshot (a breakpoint, `.restart`, following
    /// children), for a front end to ask before it does anything; `Ok` for a live process or none.
    pub fn check_can_change(&mut self) -> Result<()> {
        if self.is_snapshot() { Err(cannot_run()) } else { Ok(()) }
    }

    /// Whether the target runs (a live process) rather than only reads (a snapshot of one).
    pub fn can_run(&mut self) -> bool {
        self.target().is_ok_and(|t| t.execution().is_some())
    }

    fn notify(&mut self, notice: Notice) {
        (self.listener)(&notice);
    }

    // ---- memory -------------------------------------------------------------------------------------------

    /// Read memory as the program sees it: bytes the engine patched read as their originals.
    pub fn read_memory(&mut self, address: u64, buf: &mut [u8]) -> Result<usize> {
        self.memory()?.read(address, buf)
    }

    /// The stopped debuggee's memory as the program sees it, for reading words, strings and structures
    /// (`ReadMemory::read_u64`, ...): the one patch-masked path every read of the debuggee goes through.
    pub fn memory(&mut self) -> Result<PatchedMemory<'_>> {
        let Session { target, state, image, modules, .. } = self;
        PatchedMemory::of(target, *state, &image.patches, modules)
    }

    /// Write memory. Where the range covers a patched byte, the new byte becomes that patch's original.
    pub fn write_memory(&mut self, address: u64, data: &[u8]) -> Result<()> {
        self.image.displaced.code_changed(address, address.saturating_add(data.len() as u64));
        self.image.compiled.code_changed(address, address.saturating_add(data.len() as u64));
        let bytes = self.image.patches.absorb_write(address, data);
        self.execution()?.write_memory(address, &bytes)
    }

    // ---- registers ----------------------------------------------------------------------------------------

    /// A thread's registers, read from the target once per stop: a breakpoint pass asks for them several times
    /// (the hit, the condition, the step off), and each read is a system call or more.
    ///
    /// Where the user made the exception's context current (`.ecxr`), those registers stand in for the thread's
    /// own: every register read of the session comes here, unwinding included.
    pub fn registers(&mut self, tid: Tid) -> Result<Registers> {
        if let Some(registers) = self.context_registers(tid) {
            self.target()?;
            return Ok(registers);
        }
        self.thread_registers(tid)
    }

    /// A thread's own registers, whatever context the user made current.
    fn thread_registers(&mut self, tid: Tid) -> Result<Registers> {
        if let Some(regs) = self.register_cache.get(&tid).copied() {
            self.target()?;
            return Ok(regs);
        }
        let regs = self.target()?.registers(tid)?;
        self.register_cache.insert(tid, regs);
        Ok(regs)
    }

    pub fn set_registers(&mut self, tid: Tid, regs: &Registers) -> Result<()> {
        let written = self.execution()?.set_registers(tid, regs);
        match written {
            Ok(()) => self.register_cache.insert(tid, *regs),
            Err(_) => self.register_cache.remove(&tid),
        };
        written
    }

    /// Forget what was read of the threads: they are about to run (or ran).
    fn forget_registers(&mut self) {
        self.register_cache.clear();
        self.context = None;
    }

    pub fn debug_registers(&mut self, tid: Tid) -> Result<DebugRegisters> {
        self.execution()?.debug_registers(tid)
    }

    /// Read one register by name (general, partial, segment, flags or debug register).
    pub fn register(&mut self, tid: Tid, name: &str) -> Result<u64> {
        if name.eq_ignore_ascii_case(regs::MXCSR) {
            return self.mxcsr(tid);
        }
        if regs::is_debug_register(name) {
            return self.debug_registers(tid)?.get(name).ok_or_else(|| crate::err!("Bad register error at '{name}'"));
        }
        self.registers(tid)?.get(name).ok_or_else(|| crate::err!("Bad register error at '{name}'"))
    }

    /// Set one register by name.
    pub fn set_register(&mut self, tid: Tid, name: &str, value: u64) -> Result<()> {
        if name.eq_ignore_ascii_case(regs::MXCSR) {
            return self.set_mxcsr(tid, value);
        }
        if regs::is_debug_register(name) {
            let mut d = self.debug_registers(tid)?;
            d.set(name, value);
            self.execution()?.set_debug_registers(tid, &d)?;
            // While `ba` breakpoints exist the engine owns the debug registers: the next resume writes them again.
            self.image.hardware.forget_thread(tid);
            return Ok(());
        }
        let mut r = self.registers(tid)?;
        if !r.set(name, value) {
            return Err(crate::err!("Bad register error at '{name}'"));
        }
        self.set_registers(tid, &r)
    }

    // ---- symbols and expressions --------------------------------------------------------------------------

    /// The instruction at `address` (as the program wrote it, not our int3), with branch targets symbolized.
    pub fn instruction_at(&mut self, address: u64) -> Option<Instruction> {
        let mut bytes = [0u8; 16];
        let n = self.read_memory(address, &mut bytes).ok()?;
        disasm::decode(&bytes[..n], address, 1, &|a| self.modules.describe(a)).into_iter().next()
    }

    /// `module!symbol+0xoff` for an address, or the bare address.
    pub fn describe(&self, address: u64) -> String {
        self.modules.describe(address).unwrap_or_else(|| crate::fmt::addr64(address))
    }

    /// Evaluate a MASM expression on thread `tid` (its registers, `$tid`, `$ra`).
    pub fn evaluate(&mut self, tid: Tid, text: &str) -> Result<u64> {
        expr::evaluate(text, &mut EvalContext { session: self, tid })
    }

    /// Evaluate the longest leading expression of `text` on thread `tid`; returns the value and the bytes consumed.
    pub fn evaluate_prefix(&mut self, tid: Tid, text: &str) -> Result<(u64, usize)> {
        expr::parse_prefix(text, &mut EvalContext { session: self, tid })
    }

    // ---- stacks -------------------------------------------------------------------------------------------

    /// Unwind the stack of `tid`, at most `max` frames.
    pub fn stack(&mut self, tid: Tid, max: usize) -> Result<Vec<Frame>> {
        let regs = self.registers(tid)?;
        let Session { modules, target, state, image, .. } = self;
        let mut mem = PatchedMemory::of(target, *state, &image.patches, modules)?;
        let module_at = |a: u64| modules.at(a).and_then(|m| m.symbols());
        Ok(unwind::unwind(&regs, &module_at, &mut mem, max))
    }

    // ---- process families ---------------------------------------------------------------------------------

    /// `.childdbg`: whether the debuggee's children are debugged too.
    pub fn follow_children(&mut self, on: bool) -> Result<()> {
        match self.execution()?.process_family() {
            Some(family) => family.follow_children(on),
            None => Err(crate::err!("this target cannot debug child processes")),
        }
    }

    /// A session of its own for the process of the family that a [`StopReason::OtherProcess`] named. It is
    /// released: its first event (for a new child, its creation) waits for [`Session::drive`]. It shares this
    /// session's event filters.
    pub fn adopt(&mut self, pid: Pid, listener: Listener) -> Result<Session> {
        let target = match self.execution()?.process_family() {
            Some(family) => family.adopt(pid)?,
            None => return Err(crate::err!("this target cannot debug child processes")),
        };
        let mut child = Session::empty(listener);
        child.filters = self.filters.clone();
        child.take_target(target);
        child.state = State::Running;
        Ok(child)
    }

    // ---- ending -------------------------------------------------------------------------------------------

    /// Remove every trace of the debugger from the debuggee: patched bytes, debug registers, guard pages.
    fn remove_all_patches(&mut self) {
        let threads: Vec<Tid> = self.threads.iter().map(|t| t.tid).collect();
        let Some(target) = live(&mut self.target) else { return };
        self.image.patches.remove_all(target);
        self.image.hardware.remove_all(target, &threads);
        self.image.guards.remove_all(target.page_guards());
        // Disarming may run system calls in the debuggee (Linux).
        self.forget_registers();
    }

    /// `.detach`: restore the debuggee's code and let it run on undebugged.
    pub fn detach(&mut self) -> Result<()> {
        self.execution()?;
        // A thread in a copy goes back to the original code before the debuggee is on its own.
        self.leave_copies();
        self.remove_all_patches();
        // With no thread in it and no jump to it left, the engine's code goes too.
        self.free_scratch();
        let result = live(&mut self.target).map(|t| t.detach()).unwrap_or(Ok(()));
        self.drop_target();
        result
    }

    /// Give thread `tid` signal `signo` when it next runs, instead of any signal its stop would pass on (gdb's
    /// `signal SIG`).
    pub fn raise_signal(&mut self, tid: Tid, signo: i32) -> Result<()> {
        if !self.threads.iter().any(|t| t.tid == tid) {
            return Err(Error::NoSuchThread(tid));
        }
        self.execution()?.raise_signal(tid, signo)
    }

    /// Kill the debuggee.
    pub fn kill(&mut self) -> Result<()> {
        if self.target.is_some() && !self.can_run() && self.state == State::Stopped {
            return Err(cannot_run());
        }
        let result = match live(&mut self.target) {
            Some(t) if self.state == State::Stopped => t.kill(),
            _ => Ok(()),
        };
        self.drop_target();
        result
    }

    /// `q`: kill a debuggee rdb launched, detach from one it attached to.
    pub fn end(&mut self) -> Result<()> {
        if self.state == State::Running {
            let _ = self.hold();
        }
        if self.state != State::Stopped || !self.can_run() {
            // Nothing runs (a snapshot is just closed).
            self.drop_target();
            return Ok(());
        }
        if self.launched { self.kill() } else { self.detach() }
    }

    fn drop_target(&mut self) {
        self.forget_registers();
        self.target = None;
        self.state = State::Gone;
        self.image.forget();
        self.threads.clear();
    }
}

/// The error of everything that would run or change a snapshot.
fn cannot_run() -> Error {
    crate::err!("this is a dump: it cannot run or be changed")
}

/// The target as a live process, whatever the session's state (for cleaning up on the way out).
pub(super) fn live(target: &mut Option<Box<dyn Target>>) -> Option<&mut dyn Execution> {
    target.as_deref_mut().and_then(|t| t.execution())
}

impl Drop for Session {
    /// A session that ends in any way (quit, error, a panic unwinding) never leaves a patched byte behind.
    fn drop(&mut self) {
        let _ = self.end();
    }
}

/// Debuggee memory with the engine's patches hidden: an int3 or a jump to a compiled condition reads as the byte
/// it replaced, so a front end, the unwinder and the expression evaluator all see the program's own code and data.
/// For a snapshot, what it did not record and a module's file holds (code a core file leaves out) is read from the
/// module's image (see [`ModuleSymbols::read_image`](crate::symbols::ModuleSymbols::read_image)).
pub struct PatchedMemory<'a> {
    target: &'a mut dyn Target,
    patches: &'a Patches,
    /// The modules whose files fill what a snapshot lacks; `None` for a live process, whose memory is all there.
    images: Option<&'a Modules>,
}

impl<'a> PatchedMemory<'a> {
    /// The memory of a stopped target; borrowing the session's parts, not the session, lets the unwinder hold the
    /// module list at the same time.
    fn of(
        target: &'a mut Option<Box<dyn Target>>,
        state: State,
        patches: &'a Patches,
        modules: &'a Modules,
    ) -> Result<Self> {
        let target = target.as_deref_mut().filter(|_| state == State::Stopped).ok_or(Error::NoProcess)?;
        let images = target.snapshot().is_some().then_some(modules);
        Ok(PatchedMemory { target, patches, images })
    }
}

impl ReadMemory for PatchedMemory<'_> {
    fn read(&mut self, address: u64, buf: &mut [u8]) -> Result<usize> {
        let Some(modules) = self.images else {
            let n = self.target.read_memory(address, buf)?;
            self.patches.mask(address, &mut buf[..n]);
            return Ok(n);
        };
        // A snapshot: the range may cross from what it recorded to what only a module's file holds, and back.
        let mut done = 0;
        while done < buf.len() {
            let at = address.wrapping_add(done as u64);
            let rest = &mut buf[done..];
            let n = match self.target.read_memory(at, rest) {
                Ok(n) if n > 0 => n,
                _ => modules.read_image(at, rest),
            };
            if n == 0 {
                break;
            }
            done += n;
        }
        if done == 0 {
            return Err(Error::MemoryAccess(address));
        }
        Ok(done)
    }
}

/// What an expression sees: the current thread's registers, the modules' symbols, memory.
struct EvalContext<'a> {
    session: &'a mut Session,
    tid: Tid,
}

/// What a pseudo-register stands for: the one table both the evaluator and the condition compiler read.
pub(super) enum Pseudo {
    /// Another name for a register (`$ip` is rip).
    Register(&'static str),
    /// A value of the process (`$exentry`, `$ptrsize`).
    Value(u64),
    /// The thread's id, its stack's return address, the PEB and TEB: found by the engine, per thread.
    Engine,
}

impl Session {
    /// The pseudo-register `name` (lowercase, with its `$`), or `None` for an unknown one.
    pub(super) fn pseudo_register(&self, name: &str) -> Option<Pseudo> {
        Some(match name {
            "$ip" => Pseudo::Register("rip"),
            "$csp" => Pseudo::Register("rsp"),
            "$retreg" => Pseudo::Register("rax"),
            "$exentry" => Pseudo::Value(self.entry),
            "$tpid" => Pseudo::Value(u64::from(self.pid)),
            "$ptrsize" => Pseudo::Value(8),
            "$pagesize" => Pseudo::Value(0x1000),
            "$tid" | "$ra" | "$peb" | "$teb" => Pseudo::Engine,
            // The user's own (`r $t0 = 5`): the engine's to read at each use, as the user may change them.
            n if user_register_index(n).is_some() => Pseudo::Engine,
            _ => return None,
        })
    }
}

impl ExprContext for EvalContext<'_> {
    fn register(&mut self, name: &str) -> Option<u64> {
        let lower = name.to_ascii_lowercase();
        match self.session.pseudo_register(&lower) {
            Some(Pseudo::Register(r)) => return self.session.register(self.tid, r).ok(),
            Some(Pseudo::Value(v)) => return Some(v),
            Some(Pseudo::Engine) => {
                return match lower.as_str() {
                    "$tid" => Some(u64::from(self.tid)),
                    // Windows only: elsewhere they are unknown pseudo-registers, as in WinDbg.
                    "$peb" => self.session.peb_address().ok(),
                    "$teb" => self.session.teb_address(self.tid).ok(),
                    n if user_register_index(n).is_some() => self.session.user_register(n),
                    _ => {
                        let frames = self.session.stack(self.tid, 2).ok()?;
                        frames.get(1).map(|f| f.regs.rip)
                    }
                };
            }
            None => {}
        }
        if !regs::is_register(&lower) {
            return None;
        }
        self.session.register(self.tid, &lower).ok()
    }

    fn symbol(&mut self, name: &str) -> Result<Option<u64>> {
        Ok(self.session.modules.resolve(name))
    }

    fn cxx(&mut self, text: &str) -> Result<u64> {
        let value = self.session.evaluate_cxx(self.tid, 0, text)?;
        crate::values::cxx::as_number(&value)
    }

    fn read_memory(&mut self, address: u64, size: usize) -> Result<u64> {
        let mut buf = [0u8; 8];
        let size = size.min(8);
        let mut mem = self.session.memory()?;
        mem.read_exact(address, &mut buf[..size])?;
        Ok(u64::from_le_bytes(buf))
    }
}
