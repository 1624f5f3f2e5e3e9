//! What the engine has put into one process image and keeps about it: the bytes it patched, the debug registers
//! and guard pages it armed, the code it wrote (copies, trampolines) and the memory that holds it, its internal
//! breakpoints, and the threads it is stepping off them. All of it belongs to the address space of one program, so
//! all of it is forgotten together when that address space goes: a new target, an `execve`, the process's end. A
//! cache of anything read from the process (types, values) belongs here too, so nothing survives an image it was
//! not read from.

use super::Internal;
use super::compiled::Compiled;
use super::displaced::Displaced;
use super::guards::Guards;
use super::hardware::Hardware;
use super::patches::Patches;
use super::run::StepOff;
use super::scratch::Scratch;
use crate::target::Tid;

#[derive(Default)]
pub(super) struct Image {
    /// Every byte patched, with its original.
    pub patches: Patches,
    /// The debug registers `ba` uses.
    pub hardware: Hardware,
    /// The guard pages of `bpm`.
    pub guards: Guards,
    /// Instructions run out of line (or emulated) so threads step off our int3s with the int3 left in.
    pub displaced: Displaced,
    /// Conditions compiled into the debuggee, with jumps to them instead of int3s.
    pub compiled: Compiled,
    /// The engine's executable memory in the debuggee, for copies and trampolines.
    pub scratch: Scratch,
    /// Breakpoints the engine plants for itself (entry point, loader rendezvous, a step's return, `g <where>`).
    pub internal: Vec<Internal>,
    /// The thread that stopped on an int3 of ours, and where: it steps off it before running on.
    pub step_off: Option<(Tid, u64)>,
    /// The thread executing one instruction alone right now, with our breakpoint on it out of the way.
    pub stepping_off: Option<StepOff>,
    /// A vfork child runs in the debuggee's memory: no int3 or guard page goes in until it has exec'd or exited.
    pub patches_suspended: bool,
    /// The loader's rendezvous could not be read: the image is debugged without it (`loader.rs`).
    pub loader_lost: bool,
}

impl Image {
    /// The address space is gone (or replaced): forget everything about it, writing nothing. Which breakpoint holds
    /// which debug register is the breakpoints', not the image's, and stays.
    pub fn forget(&mut self) {
        self.patches.forget_all();
        self.hardware.forget();
        self.guards.forget();
        self.displaced.forget();
        self.compiled.forget();
        self.scratch = Scratch::default();
        self.internal.clear();
        self.step_off = None;
        self.stepping_off = None;
        self.patches_suspended = false;
        self.loader_lost = false;
    }
}
