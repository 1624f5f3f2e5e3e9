//! Running a program at a hit, as gdbserver's `gdb_eval_agent_expr` does, for conditions MASM cannot say. Tracing
//! bytecodes (`trace`, `tracev`, `getv`, `setv`, `printf`...) belong to tracepoints and dprintf, not to a
//! breakpoint's condition: running one is an error (which stops, as every failed condition does).

use super::bytecode::Insn;
use super::{AgentError, Machine, Program, semantics};

/// The most instructions one evaluation runs: a backward jump can loop forever, and a condition must end.
const MAX_STEPS: usize = 100_000;

pub(super) fn run(program: &Program, machine: &mut dyn Machine) -> Result<u64, AgentError> {
    let mut stack: Vec<u64> = Vec::new();
    let mut pc = 0usize;
    for _ in 0..MAX_STEPS {
        let insn = *program.insns.get(pc).ok_or_else(|| AgentError::new("ran past the end"))?;
        let at = program.offsets.get(pc).copied().unwrap_or(0);
        let mut next = pc.saturating_add(1);
        match insn {
            Insn::Binary(op) => {
                let b = pop(&mut stack)?;
                let a = pop(&mut stack)?;
                let value = semantics::binary(op, a, b)
                    .ok_or_else(|| AgentError::new(format!("division by zero (`{}` at offset {at})", insn.name())))?;
                stack.push(value);
            }
            Insn::LogNot => {
                let a = pop(&mut stack)?;
                stack.push(u64::from(a == 0));
            }
            Insn::BitNot => {
                let a = pop(&mut stack)?;
                stack.push(!a);
            }
            Insn::Ext(bits) => {
                let a = pop(&mut stack)?;
                stack.push(semantics::sign_extend(a, bits));
            }
            Insn::ZeroExt(bits) => {
                let a = pop(&mut stack)?;
                stack.push(semantics::zero_extend(a, bits));
            }
            Insn::Ref(size) => {
                let address = pop(&mut stack)?;
                let mut buf = [0u8; 8];
                let part = buf.get_mut(..usize::from(size)).ok_or_else(|| AgentError::new("bad read size"))?;
                machine.read_memory(address, part)?;
                stack.push(u64::from_le_bytes(buf));
            }
            Insn::IfGoto(target) => {
                if pop(&mut stack)? != 0 {
                    next = usize::from(target);
                }
            }
            Insn::Goto(target) => next = usize::from(target),
            Insn::Const(value) => stack.push(value),
            Insn::Reg(number) => stack.push(machine.register(u32::from(number))?),
            Insn::End => return pop(&mut stack),
            Insn::Dup => {
                let a = pop(&mut stack)?;
                stack.extend([a, a]);
            }
            Insn::Pop => {
                pop(&mut stack)?;
            }
            Insn::Swap => {
                let b = pop(&mut stack)?;
                let a = pop(&mut stack)?;
                stack.extend([b, a]);
            }
            Insn::Pick(n) => {
                let index = stack.len().checked_sub(usize::from(n).saturating_add(1));
                let value = index.and_then(|i| stack.get(i).copied()).ok_or_else(underflow)?;
                stack.push(value);
            }
            Insn::Rot => {
                let c = pop(&mut stack)?;
                let b = pop(&mut stack)?;
                let a = pop(&mut stack)?;
                stack.extend([c, a, b]);
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
            | Insn::Printf { .. } => {
                return Err(AgentError::new(format!(
                    "`{}` (offset {at}) has no meaning in a breakpoint condition",
                    insn.name()
                )));
            }
        }
        pc = next;
    }
    Err(AgentError::new(format!("the condition ran more than {MAX_STEPS} bytecodes without reaching `end`")))
}

fn pop(stack: &mut Vec<u64>) -> Result<u64, AgentError> {
    stack.pop().ok_or_else(underflow)
}

/// Validation rules this out; kept as an error rather than a panic all the same.
fn underflow() -> AgentError {
    AgentError::new("the stack ran empty")
}
