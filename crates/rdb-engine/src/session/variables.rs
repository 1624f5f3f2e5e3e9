//! The variables of a frame as data, for every front end (WinDbg's `dv`, DAP's `scopes`/`variables`, Python's
//! `locals()`): each parameter and local in scope at the frame's pc, with its type, where it lives and its value.
//! Which registers a frame knows is decided here once: all of them in frame 0; in a caller only those a call
//! preserves (the System V callee-saved registers, rsp and rip), since a callee may have overwritten the others.

use super::PatchedMemory;
use super::Session;
use crate::error::{Error, Result};
use crate::regs::Registers;
use crate::symbols::{FrameAccess, dwarf_reg};
use crate::target::Tid;
use crate::unwind;
use crate::values::{self, Summary, Type, TypeKind, ValueBytes, Variable};

/// The variables in scope in one frame.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameVariables {
    /// The frame's function, as the debug information names it.
    pub function: Option<String>,
    /// Parameters first, in declaration order, then locals, outermost block first.
    pub variables: Vec<Variable>,
}

/// DWARF numbers of the registers a call preserves: rbx, rbp, rsp, r12–r15, and rip (the return address).
const PRESERVED: [u16; 8] = [3, 6, 7, 12, 13, 14, 15, 16];

impl Session {
    /// The parameters and locals in scope in frame `frame` (0 = innermost) of thread `tid`.
    pub fn variables(&mut self, tid: Tid, frame: usize) -> Result<FrameVariables> {
        let regs = self.registers(tid)?;
        let Session { modules, target, state, image, .. } = self;
        let mut mem = PatchedMemory::of(target, *state, &image.patches)?;
        let module_at = |a: u64| modules.at(a).and_then(|m| m.symbols());
        let frames = unwind::unwind(&regs, &module_at, &mut mem, frame.saturating_add(1));
        let Some(this) = frames.get(frame) else {
            return Err(Error::msg(format!("frame {frame} does not exist: the stack has {} frames", frames.len())));
        };
        // A caller's pc is a return address: its scope and locations are the call's, one byte before.
        let pc = if frame == 0 { this.regs.rip } else { this.regs.rip.wrapping_sub(1) };
        let frame_regs: Registers = this.regs;
        let register = move |n: u16| {
            if frame == 0 || PRESERVED.contains(&n) { dwarf_reg(&frame_regs, n) } else { None }
        };
        let access = FrameAccess { register: &register, cfa: this.cfa, innermost: frame == 0 };
        let Some(symbols) = module_at(pc) else {
            return Err(Error::msg(format!("no module holds {pc:#x}: no variables there")));
        };
        let Some((function, located)) = symbols.frame_variables(pc, &access, &mut mem) else {
            return Err(Error::msg(format!(
                "no debug information for {}: no variables there",
                modules.place(pc).map(|p| p.name()).unwrap_or_else(|| format!("{pc:#x}"))
            )));
        };
        let unknown = || Type { name: "<unknown type>".into(), size: None, kind: TypeKind::Other };
        let variables = located
            .into_iter()
            .map(|v| {
                let ty = v.ty.and_then(|id| symbols.type_of(id)).unwrap_or_else(unknown);
                let (location, value) = values::read(&v.located, ty.size.unwrap_or(0), &register, &mut mem);
                let summary = match (&value, ty.size) {
                    (ValueBytes::Known(_), None) => Summary::Opaque,
                    _ => values::summarize(&ty, &value, &|id| symbols.type_of(id), &mut mem),
                };
                Variable { name: v.name, kind: v.kind, ty, location, value, summary }
            })
            .collect();
        Ok(FrameVariables { function, variables })
    }
}
