//! The `Target` trait: the engine's only view of an operating system.
//!
//! A backend (ptrace on Linux, the Win32 debugging API on Windows, later a core file or a minidump) translates its OS
//! into the [`Event`] vocabulary below and offers a small set of mechanical primitives. It keeps no breakpoint or
//! stepping logic: the engine patches bytes, rewinds `rip` after an int3 and decides what to do with every event.
//!
//! Capabilities that only some targets have are optional extensions returned as `Option<&mut dyn ...>`, in the
//! manner of gdbstub's target traits, rather than methods that fail with "unsupported" at run time.

use std::path::PathBuf;
use std::sync::Arc;

use crate::error::Result;
use crate::regs::{DebugRegisters, Registers};

pub type Pid = u32;
pub type Tid = u32;

/// One debug event, as the Win32 debugging API would report it. When a backend returns an event from
/// [`Execution::wait_event`], every thread of the debuggee is stopped (all-stop), except after a breakpoint that the
/// backend reports lazily (see [`Execution::stop_others`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub pid: Pid,
    /// The thread the event happened on (for process-wide events, the main or last thread).
    pub tid: Tid,
    pub kind: EventKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    /// The process exists and its main thread is stopped before any of its code ran (Windows: CREATE_PROCESS;
    /// Linux: the stop after `execve`). `image_base` is the executable's load address, `image_size` the extent of
    /// its image, `entry` its entry point. The executable is a module from then on; no `ModuleLoaded` follows for it.
    ProcessCreated {
        image_base: u64,
        image_size: u64,
        entry: u64,
        path: PathBuf,
    },
    /// A new thread, stopped before it runs. `start` is its start address where the OS tells it.
    ThreadCreated {
        start: Option<u64>,
    },
    /// A thread ended. The main thread may end before the others (`pthread_exit`); `ProcessExited` comes when the
    /// last one does.
    ThreadExited {
        code: i64,
    },
    /// The process is gone; no further events follow. The target accepts no more requests but `kill`/`detach`.
    ProcessExited {
        status: ExitStatus,
    },
    /// A module was mapped: `base` is its lowest mapped address, `size` the extent of its image.
    ModuleLoaded {
        base: u64,
        size: u64,
        path: PathBuf,
    },
    ModuleUnloaded {
        base: u64,
    },
    /// OutputDebugString (Windows only).
    DebugString {
        text: String,
    },
    /// Another process of the debuggee's family (a child being followed) has an event. This process is held,
    /// every thread stopped, so the front end can let that process's own session take the event (see
    /// [`ProcessFamily`]).
    OtherProcess {
        pid: Pid,
    },
    /// A RIP_EVENT: the system reports that the debuggee died of an error outside the debugger's control
    /// (Windows only). `error` is a Win32 error code, `kind` its SLE_ severity (0 when only the code is known).
    RipError {
        error: u32,
        kind: u32,
    },
    /// An exception (Windows) or a signal-delivery stop (Linux).
    Exception(Exception),
    /// The debuggee made a new process (Linux `fork`, `vfork`), held stopped before it runs a single instruction,
    /// with a copy of the debuggee's memory, patches included, or (`shares_memory`, vfork) the debuggee's memory
    /// itself until it calls exec or exits. The engine cleans it of its int3s and lets it go through
    /// [`ChildProcesses`]; a `followed` child is not let go undebugged but joins the debuggee's family (its own
    /// [`EventKind::OtherProcess`] follows, see [`ProcessFamily`]).
    ChildProcess {
        child: Pid,
        shares_memory: bool,
        followed: bool,
    },
    /// The child that shared the debuggee's memory has exec'd or exited: the memory is the debuggee's alone again.
    SharedMemoryReleased {
        child: Pid,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    Code(i64),
    /// Killed by a signal (Linux).
    Signal(i32),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Exception {
    pub kind: ExceptionKind,
    /// Where it happened. For [`ExceptionKind::Breakpoint`] this is the address of the `int3` byte; the thread's
    /// `rip` is then one past it, as on Windows. The engine rewinds `rip` for breakpoints it owns.
    pub address: u64,
    /// First chance: the debuggee's own handlers have not seen it yet. A second-chance exception is one the
    /// debuggee did not handle and that will end it when continued.
    pub first_chance: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExceptionKind {
    /// An `int3` executed (EXCEPTION_BREAKPOINT; SIGTRAP with SI_KERNEL).
    Breakpoint,
    /// The trap flag or a debug register fired (EXCEPTION_SINGLE_STEP; SIGTRAP with TRAP_TRACE or TRAP_HWBKPT).
    /// `dr6` says which, where the backend knows it.
    SingleStep {
        dr6: u64,
    },
    /// The debugger asked the target to stop ([`Interrupter::interrupt`]).
    BreakIn,
    /// A memory fault. `fault_address` is the data address that could not be accessed, where known.
    AccessViolation {
        fault_address: Option<u64>,
        write: Option<bool>,
        signal: Option<i32>,
    },
    /// A page guard fired (STATUS_GUARD_PAGE_VIOLATION). `access` is what the instruction did, where the OS says.
    GuardPage {
        fault_address: u64,
        access: Option<Access>,
    },
    IllegalInstruction {
        signal: Option<i32>,
    },
    IntegerDivideByZero {
        signal: Option<i32>,
    },
    /// Any other exception code (Windows: the NTSTATUS code and its parameters).
    Other {
        code: u32,
        parameters: Vec<u64>,
    },
    /// Any other Unix signal, by number.
    Signal {
        signo: i32,
    },
}

impl ExceptionKind {
    /// The exception's code in Windows' numbering (NTSTATUS: `0xc0000005` for an access violation), which names an
    /// exception the same way on every OS; a Unix signal with no such counterpart is its signal number.
    pub fn code(&self) -> u32 {
        match self {
            ExceptionKind::Breakpoint | ExceptionKind::BreakIn => 0x8000_0003,
            ExceptionKind::SingleStep { .. } => 0x8000_0004,
            ExceptionKind::AccessViolation { .. } => 0xc000_0005,
            ExceptionKind::GuardPage { .. } => 0x8000_0001,
            ExceptionKind::IllegalInstruction { .. } => 0xc000_001d,
            ExceptionKind::IntegerDivideByZero { .. } => 0xc000_0094,
            ExceptionKind::Other { code, .. } => *code,
            ExceptionKind::Signal { signo } => *signo as u32,
        }
    }
}

/// The kind of a memory access that faulted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
    Execute,
}

/// How the thread that reported the last exception continues (Win32's ContinueDebugEvent status).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContinueStatus {
    /// DBG_CONTINUE: the exception (signal) is swallowed.
    Handled,
    /// DBG_EXCEPTION_NOT_HANDLED: the exception (signal) is delivered to the debuggee.
    NotHandled,
}

/// How the debuggee runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resume {
    /// Every thread runs (after a lazy breakpoint event, the reporting thread joins the others, still running).
    All,
    /// Only `tid` executes one instruction (trap flag); every other thread stays stopped. Never after a lazy event
    /// before [`Execution::stop_others`]. The next event is that
    /// thread's: its `SingleStep`, or what it did instead (an exception, its exit), reported before any event
    /// already queued from other threads.
    Step { tid: Tid },
}

/// A region of the address space the process holds (mapped, or only reserved), with the protection the program
/// gave it: never the debugger's own guard pages.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Region {
    pub start: u64,
    pub end: u64,
    pub readable: bool,
    pub writable: bool,
    pub executable: bool,
    /// The file mapped there (a module's path on Windows), or the OS's name for the region (`[stack]`).
    pub name: Option<String>,
    /// What backs the pages.
    pub backing: Backing,
    /// Address space set aside and not yet usable (Windows' MEM_RESERVE); nothing reads or runs there.
    pub reserved: bool,
    /// A write gives the process a private copy of the page (Windows' WRITECOPY).
    pub copy_on_write: bool,
    /// A guard page of the program's (or its OS's: a stack's growth guard), one-shot.
    pub guard: bool,
    /// Where the allocation the region is part of starts, where the OS says (Windows' AllocationBase).
    pub allocation_base: Option<u64>,
    /// What the OS says the region is for, where it says.
    pub role: Option<RegionRole>,
}

/// What backs a region's pages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Backing {
    /// Anonymous memory of the process's own.
    #[default]
    Private,
    /// A file mapped as data.
    Mapped,
    /// An executable image mapped by the loader (the OS says so, as Windows does; elsewhere the engine tells it from
    /// the modules it knows).
    Image,
}

/// What the OS names a region as being for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionRole {
    Stack,
    Heap,
}

/// A handle that can ask a running target to stop from another thread (the console's Ctrl-C handler).
pub trait Interrupter: Send + Sync {
    /// Ask every thread to stop; the next [`Execution::wait_event`] returns an [`ExceptionKind::BreakIn`] exception.
    fn interrupt(&self);
}

/// What every target provides, live or captured: a process to look at. A live process also runs and can be changed
/// ([`Target::execution`]); a snapshot of one (a core file, a minidump) can only be read, and says what it recorded
/// ([`Target::snapshot`]).
///
/// A target is driven from one thread: the thread that launched or attached it (ptrace requires this). Only the
/// [`Interrupter`] may be used from elsewhere.
pub trait Target {
    /// The process being debugged.
    fn pid(&self) -> Pid;

    /// Read memory; returns how many bytes were read from the start of `buf` (fewer when the range runs into an
    /// unmapped page). Reading nothing at all is an error.
    fn read_memory(&mut self, address: u64, buf: &mut [u8]) -> Result<usize>;

    fn registers(&mut self, tid: Tid) -> Result<Registers>;

    /// The live threads, main thread first.
    fn threads(&self) -> Vec<Tid>;

    fn memory_regions(&mut self) -> Result<Vec<Region>>;

    /// Running the process and changing it: events, resuming, writing memory and registers. `None` for a target
    /// that only reads (a core file or a minidump), as gdbstub makes resuming optional.
    fn execution(&mut self) -> Option<&mut dyn Execution> {
        None
    }

    /// What a snapshot recorded of the process when it was taken (its modules, the exception it died of), for a
    /// target that has no events to report them.
    fn snapshot(&mut self) -> Option<&mut dyn Snapshot> {
        None
    }

    /// The Windows process and thread environment blocks (`@$peb`, `@$teb`, `!peb`, `!teb`).
    fn environment_blocks(&mut self) -> Option<&mut dyn EnvironmentBlocks> {
        None
    }

    /// The x87 and SSE registers (where floating-point values live: a `double` local at `-O2`, a float parameter).
    fn vector_registers(&mut self) -> Option<&mut dyn VectorRegisters> {
        None
    }

    /// The auxiliary vector the kernel gave the process at its start (ELF's `AT_*` pairs), as raw bytes; `None`
    /// where the OS has none.
    fn auxiliary_vector(&mut self) -> Result<Option<Vec<u8>>> {
        Ok(None)
    }
}

/// A live process: what a target that runs offers beyond reading it.
pub trait Execution: Target {
    /// Block until the next debug event. On return every thread is stopped, or, for a breakpoint hit (an int3 at an
    /// address), possibly only the thread that reports it: see [`Execution::stop_others`].
    fn wait_event(&mut self) -> Result<Event>;

    /// Complete the all-stop of the last event. A backend may report a breakpoint hit *lazily*, with only the
    /// reporting thread stopped and the others still running, because most hits (a false condition, a pass count
    /// not reached) need nothing but that thread: its registers and memory read, and the thread resumed in place
    /// with `Resume::All` (which then runs only the threads that are stopped). Before the engine does anything
    /// else — writes memory or patches, single-steps, touches another thread, reports a stop to the user,
    /// detaches — it calls `stop_others`, which stops every other thread as `wait_event` would have; events they
    /// report on the way are queued (see [`Execution::queued_events`]) and returned before anything runs again.
    /// A no-op when nothing is running (every event of a backend that is never lazy, as Windows, where the system
    /// holds every thread while an event is pending).
    fn stop_others(&mut self) -> Result<()> {
        Ok(())
    }

    /// Continue after the last event: `status` applies to the exception the last event reported (ignored for
    /// other events), `how` says which threads run.
    fn resume(&mut self, status: ContinueStatus, how: Resume) -> Result<()>;

    /// Write memory, even to pages that are not writable (code). Flushes the instruction cache where needed.
    fn write_memory(&mut self, address: u64, data: &[u8]) -> Result<()>;

    fn set_registers(&mut self, tid: Tid, regs: &Registers) -> Result<()>;

    fn debug_registers(&mut self, tid: Tid) -> Result<DebugRegisters>;
    fn set_debug_registers(&mut self, tid: Tid, regs: &DebugRegisters) -> Result<()>;

    /// A handle to break into the running target from another thread.
    fn interrupter(&self) -> Arc<dyn Interrupter>;

    /// Events of stopped threads that the next `wait_event` calls will return before the debuggee runs again
    /// (all-stop can catch several threads that hit breakpoints together), so the engine shows those threads as
    /// their events will (one that hit an int3 of ours, on the int3). Linux collects them itself. Windows reports one
    /// event at a time and holds the others back in the system: its target names each thread that stands one past
    /// an int3 and that the system says is inside an exception; where the system does not say (Wine 8), each such
    /// thread that has run since the debugger last wrote its registers is presumed to be, and the target puts its
    /// rip back where it found it before it runs, so a thread that had only run the instruction before, hitting
    /// nothing, runs on as it was.
    fn queued_events(&mut self) -> Vec<Event> {
        Vec::new()
    }

    /// Let the process run on undebugged. The engine has already removed every patch and debug register.
    fn detach(&mut self) -> Result<()>;

    /// End the process. Returns once it is gone.
    fn kill(&mut self) -> Result<()>;

    /// Give thread `tid` signal `signo` as it next runs, in place of whatever signal the continue would deliver
    /// (gdb's `signal SIGUSR2` at any stop). Only where the OS has signals.
    fn raise_signal(&mut self, tid: Tid, signo: i32) -> Result<()> {
        let _ = (tid, signo);
        Err(crate::err!("this target has no signals to raise: an exception can only be passed on or handled"))
    }

    /// Whether the debugger created the process (so `q` kills it) or attached to it (so `q` detaches).
    fn launched(&self) -> bool;

    /// Whether the OS itself stops a new debuggee at an int3 once the loader has mapped the startup modules
    /// (Windows' loader breakpoint in ntdll, and the breakpoint that ends an attach). The engine takes the first
    /// int3 that is not its own as the initial breakpoint. Other targets get theirs from the engine.
    fn os_initial_breakpoint(&self) -> bool {
        false
    }

    /// The dynamic loader's module list, for targets whose OS does not report module loads by itself (Linux).
    fn loader_rendezvous(&mut self) -> Option<&mut dyn LoaderRendezvous> {
        None
    }

    /// Children the debuggee forks, for targets that report them ([`EventKind::ChildProcess`]).
    fn child_processes(&mut self) -> Option<&mut dyn ChildProcesses> {
        None
    }

    /// Guard pages, for memory breakpoints (`bpm`).
    fn page_guards(&mut self) -> Option<&mut dyn PageGuards> {
        None
    }

    /// Memory the engine can put code in, inside the debuggee (fast paths of breakpoints).
    fn scratch_memory(&mut self) -> Option<&mut dyn ScratchMemory> {
        None
    }

    /// Child processes followed as debuggees of their own (`.childdbg 1`, `-o`).
    fn process_family(&mut self) -> Option<&mut dyn ProcessFamily> {
        None
    }

    /// The OS's own minidump writer (Windows' `MiniDumpWriteDump`), which the engine prefers to rdb's for a
    /// minidump of a process of that OS.
    fn native_dumps(&mut self) -> Option<&mut dyn NativeDumps> {
        None
    }

    /// A forked child taken over by [`ProcessFamily::adopt`], still running its parent's program (until it execs):
    /// `Some(shares_memory)`. Its entry point is long passed, so the engine does not wait for it there; while it
    /// runs in its parent's memory (vfork), nothing may be patched in it.
    fn forked_copy(&self) -> Option<bool> {
        None
    }
}

/// A module as a snapshot recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleRecord {
    pub base: u64,
    pub size: u64,
    pub path: PathBuf,
}

/// Optional capability of targets without events (a core file, a minidump): what the snapshot recorded, which a
/// live target reports as events instead.
pub trait Snapshot {
    /// The executable first, then the other modules, as the snapshot lists them.
    fn modules(&mut self) -> Vec<ModuleRecord>;

    /// The event the snapshot was taken for (a crash's exception, on its thread), if it recorded one.
    fn event(&mut self) -> Option<Event>;

    /// The registers of the event's thread at the moment of the exception, when the snapshot recorded them apart
    /// from the thread's own (a minidump written from inside the process by an exception handler records the
    /// thread inside that handler, and the crash in its exception stream): WinDbg's `.ecxr` switches to them.
    fn exception_context(&mut self) -> Option<Registers> {
        None
    }

    /// What the snapshot lacks or what could not be read of it (a truncated file, a memory range past its end, a
    /// note that does not parse), one line each, for the user to hear when it is opened.
    fn warnings(&mut self) -> Vec<String> {
        Vec::new()
    }

    /// The OS of the process the snapshot was taken of, which is not always the one rdb runs on.
    fn os(&mut self) -> SnapshotOs;

    /// What kind of file the snapshot is, which says how much of the process it can show.
    fn format(&mut self) -> SnapshotFormat;
}

/// The kinds of snapshot file, by what they hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotFormat {
    /// An ELF core file: the process's writable memory, its threads, and the files it mapped.
    CoreFile,
    /// A minidump with the threads' stacks and some memory around them.
    Minidump,
    /// A minidump with all the process's memory.
    FullMinidump,
}

/// The OS a snapshot's process ran on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotOs {
    Linux,
    Windows,
}

/// Optional capability: executable memory inside the debuggee for code the engine writes there (instructions
/// displaced by a breakpoint, run out of line; breakpoint conditions compiled to machine code). The engine owns
/// what is in it; the target only maps and unmaps it. It goes away with the process, and the engine gives it back
/// before a detach.
pub trait ScratchMemory {
    /// Map `size` bytes (rounded up to pages), readable, writable and executable, within ±2 GiB of `near` so a
    /// rel32 jump or rip-relative operand reaches from one to the other. Returns the address.
    fn allocate(&mut self, near: u64, size: u64) -> Result<u64>;
    /// Unmap what [`ScratchMemory::allocate`] returned at `address` for `size` bytes (the size it was asked for).
    fn free(&mut self, address: u64, size: u64) -> Result<()>;
}

/// Optional capability of targets that can follow the debuggee's children: each child becomes a target of its
/// own, driven by a session of its own, and every process of the family stops when one of them reports an event.
pub trait ProcessFamily {
    /// Whether processes the debuggee creates from now on are debugged too.
    fn follow_children(&mut self, on: bool) -> Result<()>;
    /// A target for a process that an [`EventKind::OtherProcess`] named; its `wait_event` starts with the event
    /// that was waiting (for a new child, its `ProcessCreated`).
    fn adopt(&mut self, pid: Pid) -> Result<Box<dyn Target>>;
    /// Stop every thread of this process while it runs with no event pending (the front end stops the whole
    /// family when one process stops).
    fn hold(&mut self) -> Result<()>;
}

/// Optional capability: one-shot guard pages, the mechanism of memory breakpoints (Win32's PAGE_GUARD; on Linux an
/// `mprotect` made inside the debuggee).
///
/// An armed page faults on the next access of any kind, reported as [`ExceptionKind::GuardPage`] with the data
/// address; the fault disarms it (the OS drops PAGE_GUARD as it raises the exception). The engine decides whether
/// the access was a hit and re-arms the page after stepping the thread over the access.
pub trait PageGuards {
    /// Arm the page that starts at `page` (a multiple of the page size).
    fn arm(&mut self, page: u64) -> Result<()>;
    /// Give the page back its own protection (a no-op if the guard already fired).
    fn disarm(&mut self, page: u64) -> Result<()>;
}

/// Optional capability of Windows targets: where the process environment block and each thread's environment
/// block are. The engine reads their fields itself.
pub trait EnvironmentBlocks {
    /// The PEB's address.
    fn peb(&mut self) -> Result<u64>;
    /// The TEB of `tid` (the thread local base the create-thread event reported).
    fn teb(&mut self, tid: Tid) -> Result<u64>;
}

/// Optional capability: a thread's floating-point and vector registers.
pub trait VectorRegisters {
    fn float_registers(&mut self, tid: Tid) -> Result<FloatRegisters>;

    /// Write the x87 and SSE registers of a stopped thread (what `FloatRegisters` holds; the rest of the state, the
    /// x87 tag and instruction pointers, stays as it is). Live targets only.
    fn set_float_registers(&mut self, tid: Tid, regs: &FloatRegisters) -> Result<()>;

    /// The upper halves of ymm0–ymm15 (bits 128–255, AVX's part of the XSAVE state), or `None` where the target
    /// cannot give them (no AVX, or no way to read the extended state): a front end says so rather than show zeros.
    fn avx_upper(&mut self, _tid: Tid) -> Result<Option<[[u8; 16]; 16]>> {
        Ok(None)
    }
}

/// A thread's x87 and SSE registers, as `FXSAVE` lays them out (and Linux's `user_fpregs_struct` and Windows's
/// `XMM_SAVE_AREA32` hold them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FloatRegisters {
    /// st0–st7 (the x87 stack, top first), 80 bits each.
    pub st: [[u8; 10]; 8],
    /// xmm0–xmm15.
    pub xmm: [[u8; 16]; 16],
    pub mxcsr: u32,
    /// The x87 control and status words.
    pub fcw: u16,
    pub fsw: u16,
}

impl FloatRegisters {
    /// Read from an `FXSAVE` image (at least 416 bytes: control words, st0–7 in 16-byte slots from byte 32,
    /// mxcsr at 24, xmm0–15 from byte 160).
    pub fn from_fxsave(area: &[u8]) -> Option<FloatRegisters> {
        if area.len() < 416 {
            return None;
        }
        let mut r = FloatRegisters {
            fcw: u16::from_le_bytes([area[0], area[1]]),
            fsw: u16::from_le_bytes([area[2], area[3]]),
            mxcsr: u32::from_le_bytes(area[24..28].try_into().ok()?),
            ..FloatRegisters::default()
        };
        for (i, st) in r.st.iter_mut().enumerate() {
            st.copy_from_slice(&area[32 + 16 * i..32 + 16 * i + 10]);
        }
        for (i, xmm) in r.xmm.iter_mut().enumerate() {
            xmm.copy_from_slice(&area[160 + 16 * i..160 + 16 * i + 16]);
        }
        Some(r)
    }

    /// Write into an `FXSAVE` image (at least 416 bytes) what these registers hold, the rest left as it is.
    pub fn to_fxsave(&self, area: &mut [u8]) -> bool {
        if area.len() < 416 {
            return false;
        }
        area[0..2].copy_from_slice(&self.fcw.to_le_bytes());
        area[2..4].copy_from_slice(&self.fsw.to_le_bytes());
        area[24..28].copy_from_slice(&self.mxcsr.to_le_bytes());
        for (i, st) in self.st.iter().enumerate() {
            area[32 + 16 * i..32 + 16 * i + 10].copy_from_slice(st);
        }
        for (i, xmm) in self.xmm.iter().enumerate() {
            area[160 + 16 * i..160 + 16 * i + 16].copy_from_slice(xmm);
        }
        true
    }

    /// A register by its DWARF number: xmm0–15 are 17–32, st0–7 are 33–40.
    pub fn by_dwarf(&self, n: u16) -> Option<&[u8]> {
        match n {
            17..=32 => Some(&self.xmm[usize::from(n - 17)]),
            33..=40 => Some(&self.st[usize::from(n - 33)]),
            _ => None,
        }
    }
}

/// Optional capability of targets whose debuggee's children start as copies of it, breakpoints and all (fork).
pub trait ChildProcesses {
    /// Let a child reported by [`EventKind::ChildProcess`] run on (undebugged, or as a new process of the family if
    /// it is `followed`), after writing `restore` (address, original byte) into its memory so no int3 of the
    /// parent's is left in it.
    fn release_child(&mut self, child: Pid, restore: &[(u64, u8)]) -> Result<()>;
}

/// Optional capability of targets whose loader announces module changes by calling a function the debugger can
/// break on (glibc's `r_debug.r_brk`), rather than through a debug event.
///
/// The engine owns the breakpoint: it asks for the address, plants an internal breakpoint there, and on each hit
/// asks the backend to re-read the loader's list, which the backend turns into module events.
pub trait LoaderRendezvous {
    /// The address the loader calls after each change of its module list, once the loader has published it
    /// (on Linux: `r_debug.r_brk`, readable once the executable's entry point is reached). `None` for a static
    /// executable.
    fn breakpoint_address(&mut self) -> Result<Option<u64>>;

    /// Re-read the loader's module list and return what changed since the last call, as `ModuleLoaded` and
    /// `ModuleUnloaded` events. Returns nothing while the loader is in the middle of a change.
    fn sync_modules(&mut self) -> Result<Vec<EventKind>>;

    /// The loader's list as it stands, executable first, for a client that reads it itself (gdb's
    /// `qXfer:libraries-svr4:read`). Empty while the loader is in the middle of a change or before it has run.
    fn link_map(&mut self) -> Result<Vec<LinkMapEntry>>;
}

/// One entry of the loader's list (glibc's `struct link_map`), as the loader wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkMapEntry {
    /// Where the entry is (gdb's `lm`).
    pub address: u64,
    /// How far the module was moved from the addresses its file gives (`l_addr`).
    pub bias: u64,
    /// Its dynamic section (`l_ld`).
    pub dynamic: u64,
    /// Its name as the loader has it (empty for the executable), bytes as they are.
    pub name: Vec<u8>,
}

/// Optional capability of live targets whose OS writes minidumps itself (Windows' `MiniDumpWriteDump`). The OS
/// writer reads the process's raw memory: the engine lifts its patches before the call and puts them back after.
pub trait NativeDumps {
    /// Write a minidump of the stopped process to `path` (created, or replaced when `overwrite`): with every
    /// readable page when `full`, else threads, stacks, modules and the exception. `exception` is the stop's
    /// exception, if it was one, and its thread, whose registers the target reads as they are now.
    fn write_minidump(
        &mut self,
        path: &std::path::Path,
        full: bool,
        overwrite: bool,
        exception: Option<(Tid, &Exception)>,
    ) -> Result<()>;
}
