//! A program run over terms instead of values: every path from the start to an `end`, each `if_goto` a
//! [`term::choice`] between the two ways on. A program that jumps backwards (a loop), uses a tracing bytecode, or
//! has too many paths has no term, and so no MASM.

use std::rc::Rc;

use super::Program;
use super::bytecode::Insn;
use super::term::{self, Node};

/// The most instructions walked over all paths together (paths double at each `if_goto`).
const MAX_STEPS: usize = 4096;

pub(super) fn execute(program: &Program) -> Option<Rc<Node>> {
    let mut steps = 0usize;
    walk(program, 0, Vec::new(), Vec::new(), &mut steps)
}

/// The result of the path that starts at instruction `pc` with `stack`, having thrown away `effects`.
fn walk(
    program: &Program,
    mut pc: usize,
    mut stack: Vec<Rc<Node>>,
    mut effects: Vec<Rc<Node>>,
    steps: &mut usize,
) -> Option<Rc<Node>> {
    loop {
        *steps = steps.checked_add(1).filter(|&s| s <= MAX_STEPS)?;
        let insn = *program.insns.get(pc)?;
        let next = pc.checked_add(1)?;
        match insn {
            Insn::Binary(op) => {
                let b = stack.pop()?;
                let a = stack.pop()?;
                stack.push(term::binary(op, a, b)?);
            }
            Insn::LogNot => {
                let a = stack.pop()?;
                stack.push(term::log_not(a)?);
            }
            Insn::BitNot => {
                let a = stack.pop()?;
                stack.push(term::bit_not(a)?);
            }
            Insn::Ext(bits) => {
                let a = stack.pop()?;
                stack.push(term::sign_extend(bits, a)?);
            }
            Insn::ZeroExt(bits) => {
                let a = stack.pop()?;
                stack.push(term::zero_extend(bits, a)?);
            }
            Insn::Ref(size) => {
                let a = stack.pop()?;
                stack.push(term::read(size, a)?);
            }
            Insn::Const(v) => stack.push(term::constant(v)?),
            Insn::Reg(n) => stack.push(term::register(u32::from(n))?),
            Insn::Dup => {
                let a = stack.last()?.clone();
                stack.push(a);
            }
            Insn::Pop => effects.push(stack.pop()?),
            Insn::Swap => {
                let b = stack.pop()?;
                let a = stack.pop()?;
                stack.extend([b, a]);
            }
            Insn::Pick(n) => {
                let index = stack.len().checked_sub(usize::from(n).checked_add(1)?)?;
                let a = stack.get(index)?.clone();
                stack.push(a);
            }
            Insn::Rot => {
                let c = stack.pop()?;
                let b = stack.pop()?;
                let a = stack.pop()?;
                stack.extend([c, a, b]);
            }
            Insn::Goto(target) => {
                let target = usize::from(target);
                if target <= pc {
                    return None;
                }
                pc = target;
                continue;
            }
            Insn::IfGoto(target) => {
                let target = usize::from(target);
                if target <= pc {
                    return None;
                }
                let condition = stack.pop()?;
                // A condition known now takes one way only (no term for the other is built).
                match condition.constant() {
                    Some(0) => {}
                    Some(_) => {
                        pc = target;
                        continue;
                    }
                    None => {
                        let taken = walk(program, target, stack.clone(), effects.clone(), steps)?;
                        let not_taken = walk(program, next, stack, effects, steps)?;
                        return term::choice(condition, taken, not_taken);
                    }
                }
            }
            Insn::End => {
                let mut result = stack.pop()?;
                for effect in stack.into_iter().chain(effects).rev() {
                    result = term::discard(effect, result)?;
                }
                return Some(result);
            }
            Insn::Float
            | Insn::FloatOp
            | Insn::Trace
            | Insn::TraceQuick
            | Insn::Getv
            | Insn::Setv
            | Insn::Tracev
            | Insn::Tracenz
            | Insn::Trace16
            | Insn::Printf { .. } => return None,
        }
        pc = next;
    }
}
