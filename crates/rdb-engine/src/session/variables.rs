//! The variables of a frame as data, for every front end (WinDbg's `dv`, DAP's `scopes`/`variables`, Python's
//! `locals()`): each parameter and local in scope at the frame's pc, with its type, where it lives and its value;
//! and the questions asked of values afterwards (their children, an object at an address, a type by its id).
//! Which registers a frame knows is decided here once: all of them in frame 0; in a caller only those a call
//! preserves (the System V callee-saved registers, rsp and rip), since a callee may have overwritten the others.

use super::{Modules, PatchedMemory, Session};
use crate::error::{Error, Result};
use crate::memory::ReadMemory;
use crate::regs::Registers;
use crate::symbols::{FrameAccess, ModuleSymbols, dwarf_reg};
use crate::target::{FloatRegisters, Tid};
use crate::unwind;
use crate::values::{self, Child, Expansion, Summary, Type, TypeId, Value, ValueBytes, ValueLocation, Variable};

/// The variables in scope in one frame.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameVariables {
    /// The frame's function, as the debug information names it.
    pub function: Option<String>,
    /// Parameters first, in declaration order, then locals, outermost block first.
    pub variables: Vec<Variable>,
    /// The frame's pc as its scope was looked up (a caller's return address − 1), for globals near it.
    pub pc: u64,
    /// The frame's registers as the unwinder recovered them (a caller's: those its CFI restores).
    pub registers: Registers,
}

/// DWARF numbers of the registers a call preserves: rbx, rbp, rsp, r12–r15, and rip (the return address).
const PRESERVED: [u16; 8] = [3, 6, 7, 12, 13, 14, 15, 16];

/// The largest object read whole (a hostile type size cannot make rdb allocate gigabytes).
const MAX_OBJECT: u64 = 1 << 20;

impl Session {
    /// The parameters and locals in scope in frame `frame` (0 = innermost) of thread `tid`.
    pub fn variables(&mut self, tid: Tid, frame: usize) -> Result<FrameVariables> {
        let regs = self.registers(tid)?;
        // Only the innermost real frame knows the vector registers (no unwinder recovers them).
        let floats = self.float_registers(tid).ok().flatten();
        let Session { modules, target, state, image, .. } = self;
        let mut mem = PatchedMemory::of(target, *state, &image.patches, modules)?;
        let module_at = |a: u64| modules.at(a).and_then(|m| m.symbols());
        let mut frames = unwind::unwind(&regs, &module_at, &mut mem, frame.saturating_add(1));
        // Frame numbers count inlined calls as frames of their own: find the real frame and the call in it.
        let named = super::frames::name_frames(frames.clone(), modules, &|_| None);
        let Some(shown) = named.get(frame) else {
            return Err(Error::msg(format!("frame {frame:#x} does not exist: the stack has {} frames", named.len())));
        };
        let inlined = shown.inlined.unwrap_or(0);
        let frame = named[..frame].iter().filter(|f| f.inlined.is_none()).count();
        let Some(this) = frames.get(frame) else {
            return Err(Error::msg(format!("frame {frame:#x} does not exist: the stack has {} frames", frames.len())));
        };
        // A caller's pc is a return address: its scope and locations are the call's, one byte before.
        let pc = super::frames::lookup_address(this);
        let register = known_registers(&frames, frame, modules, &mut mem);
        let vector = move |n: u16| {
            let floats = floats.filter(|_| frame == 0)?;
            let bytes = floats.by_dwarf(n)?;
            let mut out = [0u8; 16];
            out[..bytes.len()].copy_from_slice(bytes);
            Some(out)
        };
        let registers = values::FrameRegisters { general: &register, vector: &vector };
        // Entry values come from the callers' call sites: unwound and read only for a scope that asks for one.
        let entry = match module_at(pc) {
            Some(symbols) if symbols.asks_entry_values(pc, inlined) => {
                frames = unwind::unwind(&regs, &module_at, &mut mem, frame + 1 + ENTRY_VALUE_DEPTH);
                entry_values(&frames, frame, modules, &mut mem, ENTRY_VALUE_DEPTH)
            }
            _ => Vec::new(),
        };
        let this = &frames[frame];
        let access = FrameAccess { register: &register, cfa: this.cfa, innermost: frame == 0, inlined, entry: &entry };
        let no_info = || {
            let place = modules.place(pc).map(|p| p.name()).unwrap_or_else(|| format!("{pc:#x}"));
            Error::msg(format!("no debug information for {place}: no variables there"))
        };
        let symbols = module_at(pc).ok_or_else(no_info)?;
        let (function, located) = symbols.frame_variables(pc, &access, &mut mem).ok_or_else(no_info)?;
        let variables = located
            .into_iter()
            .map(|v| {
                let ty = v.ty.and_then(|id| symbols.type_of(id)).unwrap_or_else(Type::unknown);
                let size = ty.size.unwrap_or(0).min(MAX_OBJECT);
                let (location, bytes) = values::read(&v.located, size, &registers, &mut mem);
                let address = match location {
                    ValueLocation::Memory(a) => Some(a),
                    _ => None,
                };
                let value = Value { ty, type_id: v.ty, bytes, address };
                let summary = summarize(&value, modules, &mut mem);
                Variable { name: v.name, kind: v.kind, location, value, summary }
            })
            .collect();
        Ok(FrameVariables { function, variables, pc, registers: this.regs })
    }

    /// Thread `tid`'s x87 and SSE registers, where the target has them.
    pub fn float_registers(&mut self, tid: Tid) -> Result<Option<FloatRegisters>> {
        match self.target()?.vector_registers() {
            Some(v) => v.float_registers(tid).map(Some),
            None => Ok(None),
        }
    }

    /// Write thread `tid`'s x87 and SSE registers (a gdb client's `P` of an `xmm` register).
    pub fn set_float_registers(&mut self, tid: Tid, regs: &FloatRegisters) -> Result<()> {
        self.execution()?;
        match self.target()?.vector_registers() {
            Some(v) => v.set_float_registers(tid, regs),
            None => Err(crate::err!("the target has no x87 or SSE registers to write")),
        }
    }

    /// The type `id` names (handed out in a [`Value`] or a [`Type`]'s members).
    pub fn type_of(&self, id: TypeId) -> Option<Type> {
        symbols_of(&self.modules, id)?.type_of(id)
    }

    /// The object of type `ty` at `address`, read through the patch-masked memory.
    pub fn object(&mut self, ty: Type, type_id: Option<TypeId>, address: u64) -> Result<Value> {
        let Session { modules, target, state, image, .. } = self;
        let mut mem = PatchedMemory::of(target, *state, &image.patches, modules)?;
        Ok(read_object(&mut mem, ty, type_id, address))
    }

    /// `value` as its dynamic type: a pointer or reference to a polymorphic class as one to the class of the
    /// object it points to (`Circle *` for a `Shape *`, from the object's vtable), an object reached through one
    /// (`*shape`) as the whole object; any other value as it is.
    pub fn dynamic(&mut self, value: &Value) -> Result<Value> {
        self.with_reader(|reader| {
            let refined = match value.ty.kind {
                values::TypeKind::Record { .. } => values::whole_object(value, reader),
                _ => values::refine(value, reader),
            };
            refined.unwrap_or_else(|| value.clone())
        })
    }

    /// What `value` shows as on one line (a library type's as its visualizer defines).
    pub fn summary(&mut self, value: &Value) -> Result<Summary> {
        self.with_reader(|reader| values::summary_of(value, reader, 0))
    }

    /// The children of `value` (called `name`), from `start`, at most `count`: members, elements, what a pointer
    /// points to, or a library type's as its visualizer defines (a `Vec`'s elements, a `std::map`'s entries).
    pub fn children(&mut self, value: &Value, name: &str, start: usize, count: usize) -> Result<Vec<Child>> {
        self.with_reader(|reader| {
            values::children(value, name, start, count, reader)
                .into_iter()
                .map(|mut c| {
                    // A pointer among them shows its object's dynamic type.
                    if let Some(refined) = values::refine(&c.value, reader) {
                        c.value = refined;
                    }
                    let summary = values::summary_of(&c.value, reader, 0);
                    Child { name: c.name, offset: c.offset, bits: c.bits, value: c.value, summary, kind: c.kind }
                })
                .collect()
        })
    }

    /// How many children `value` has, for a front end that pages through them with [`Session::children`] (a
    /// corrupt container's claimed length is capped, and said).
    pub fn expansion(&mut self, value: &Value) -> Result<Expansion> {
        self.with_reader(|reader| values::expansion(value, reader))
    }

    /// `f` given the program's values: memory through the patch mask, types from the modules' debug information.
    pub(crate) fn with_reader<R>(&mut self, f: impl FnOnce(&mut dyn values::Reader) -> R) -> Result<R> {
        let Session { modules, target, state, image, .. } = self;
        let mut mem = PatchedMemory::of(target, *state, &image.patches, modules)?;
        let mut reader = MemoryReader { modules, mem: &mut mem };
        Ok(f(&mut reader))
    }
}

/// How many callers out a frame's entry values are followed (a call site's value may be the caller's own entry
/// value, given by its caller's call site).
const ENTRY_VALUE_DEPTH: usize = 3;

/// The registers frame `k` of `frames` knows. A frame that made no call (frame 0, or one a signal interrupted,
/// whose registers the signal frame restores) knows every register; a caller those a call preserves, and those no
/// function it called since can have changed (gcc's -fipa-ra keeps values in them across calls to functions it
/// knows leave them be).
fn known_registers(
    frames: &[unwind::Frame],
    k: usize,
    modules: &Modules,
    mem: &mut dyn ReadMemory,
) -> impl Fn(u16) -> Option<u64> + use<> {
    let this = &frames[k];
    let regs: Registers = this.regs;
    let all_known = !this.after_call;
    let untouched = if all_known { u32::MAX } else { !clobbered(&frames[..k], modules, mem) };
    move |n: u16| {
        let known = all_known || PRESERVED.contains(&n) || (n < 32 && untouched & (1 << n) != 0);
        if known { dwarf_reg(&regs, n) } else { None }
    }
}

/// The values frame `k`'s registers had when its function was entered, as far as its caller's call site says
/// (`DW_TAG_call_site_parameter`), evaluated in the caller's frame, itself given its own entry values `depth`
/// callers out.
fn entry_values(
    frames: &[unwind::Frame],
    k: usize,
    modules: &Modules,
    mem: &mut dyn ReadMemory,
    depth: usize,
) -> Vec<(u16, u64)> {
    let (Some(this), Some(caller)) = (frames.get(k), frames.get(k + 1)) else { return Vec::new() };
    let Some(return_address) = this.return_address.filter(|_| depth > 0 && !caller.signal_trampoline) else {
        return Vec::new();
    };
    let caller_entry = entry_values(frames, k + 1, modules, mem, depth - 1);
    let register = known_registers(frames, k + 1, modules, mem);
    let access =
        FrameAccess { register: &register, cfa: caller.cfa, innermost: false, inlined: 0, entry: &caller_entry };
    let call = return_address.wrapping_sub(1);
    match modules.at(call).and_then(|m| m.symbols()) {
        Some(symbols) => symbols.call_site_values(return_address, &access, mem),
        None => Vec::new(),
    }
}

/// The most code of one function read to see which registers it writes.
const MAX_FUNCTION: u64 = 64 << 10;

/// The registers (a mask over DWARF's numbers) that the functions of `callees` (the frames a caller's call led
/// to, innermost first) may have changed: everything where any of them calls on, makes a system call, was
/// interrupted by a signal, or cannot be read.
fn clobbered(callees: &[unwind::Frame], modules: &Modules, mem: &mut dyn ReadMemory) -> u32 {
    let mut written = 0u32;
    for (i, callee) in callees.iter().enumerate() {
        if callee.signal_trampoline || (i > 0 && !callee.after_call) {
            return u32::MAX;
        }
        let pc = super::frames::lookup_address(callee);
        let Some((start, end)) = modules.function_extent(pc) else { return u32::MAX };
        let len = end.saturating_sub(start);
        if len == 0 || len > MAX_FUNCTION {
            return u32::MAX;
        }
        let mut code = vec![0u8; len as usize];
        if mem.read_exact(start, &mut code).is_err() {
            return u32::MAX;
        }
        match crate::disasm::registers_written(&code, start) {
            Some(mask) => written |= mask,
            None => return u32::MAX,
        }
    }
    written
}

fn symbols_of(modules: &Modules, id: TypeId) -> Option<&ModuleSymbols> {
    modules.at(id.module).and_then(|m| m.symbols()).filter(|s| s.base() == id.module)
}

pub(crate) fn summarize(value: &Value, modules: &Modules, mem: &mut dyn ReadMemory) -> Summary {
    values::summary_of(value, &mut MemoryReader { modules, mem }, 0)
}

pub(crate) fn read_object(mem: &mut dyn ReadMemory, ty: Type, type_id: Option<TypeId>, address: u64) -> Value {
    let size = ty.size.unwrap_or(0);
    let bytes = if size > MAX_OBJECT {
        ValueBytes::MemoryError(address)
    } else {
        let mut bytes = vec![0u8; size as usize];
        match mem.read_exact(address, &mut bytes) {
            Ok(()) => ValueBytes::Known(bytes),
            Err(_) => ValueBytes::MemoryError(address),
        }
    };
    Value { ty, type_id, bytes, address: Some(address) }
}

/// Children read from the debuggee's memory, types from the modules' debug information.
pub(crate) struct MemoryReader<'a> {
    modules: &'a Modules,
    mem: &'a mut dyn ReadMemory,
}

impl values::Reader for MemoryReader<'_> {
    fn type_of(&mut self, id: TypeId) -> Option<Type> {
        symbols_of(self.modules, id)?.type_of(id)
    }

    fn object(&mut self, ty: Type, type_id: Option<TypeId>, address: u64) -> Value {
        read_object(self.mem, ty, type_id, address)
    }

    fn symbol_at(&mut self, address: u64) -> Option<(String, u64)> {
        let symbol = self.modules.symbol_at(address)?.1?;
        Some((symbol.name, symbol.address))
    }

    fn vtable_type(&mut self, vtable: u64) -> Option<TypeId> {
        self.modules.at(vtable)?.symbols()?.vtable_type(vtable)
    }

    fn memory(&mut self) -> &mut dyn ReadMemory {
        self.mem
    }

    fn template_args(&mut self, id: TypeId) -> Vec<TypeId> {
        symbols_of(self.modules, id).map(|s| s.template_args(id)).unwrap_or_default()
    }

    fn named_type(&mut self, name: &str, near: Option<TypeId>) -> Option<(Type, TypeId)> {
        super::expressions::find_type(self.modules, name, near.map(|id| id.module))
    }
}
