//! A program checked before anything runs it, as gdb's `ax_reqs` checks what it sends: every byte decodes, every
//! jump lands on an instruction, every path reaches `end` with something to return, no instruction pops more than
//! the stack holds, paths that meet agree on the stack's depth, and the stack never grows past gdbserver's 100
//! entries. After this, running the program cannot underflow its stack.

use super::bytecode::{self, Insn};
use super::{AgentError, Program};

/// gdbserver's `STACK_MAX`: a program that needs more stack than gdbserver gives it is refused here.
pub(super) const MAX_DEPTH: usize = 100;

pub(super) fn parse(bytes: &[u8]) -> Result<Program, AgentError> {
    if bytes.is_empty() {
        return Err(AgentError::new("the agent expression is empty"));
    }
    // Every byte decodes, in order (gdb reads the whole program the same way).
    let mut insns = Vec::new();
    let mut offsets = Vec::new();
    let mut offset = 0usize;
    while offset < bytes.len() {
        let (insn, len) = bytecode::decode(bytes, offset)?;
        insns.push(insn);
        offsets.push(offset);
        offset = offset.saturating_add(len);
    }
    // Jumps by byte offset become jumps by instruction index.
    let index_of = |from: usize, target: u16| {
        offsets.binary_search(&usize::from(target)).map_err(|_| {
            let at = offsets.get(from).copied().unwrap_or(0);
            AgentError::new(format!("the jump at offset {at} goes to {target}, which is not the start of a bytecode"))
        })
    };
    for i in 0..insns.len() {
        let resolved = match insns.get(i).copied() {
            Some(Insn::IfGoto(t)) => Insn::IfGoto(to_u16(index_of(i, t)?)),
            Some(Insn::Goto(t)) => Insn::Goto(to_u16(index_of(i, t)?)),
            _ => continue,
        };
        if let Some(slot) = insns.get_mut(i) {
            *slot = resolved;
        }
    }
    check_stack(&insns, &offsets)?;
    Ok(Program { insns, offsets })
}

/// An instruction index that came from a 16-bit offset fits in 16 bits (there is at most one instruction a byte).
fn to_u16(index: usize) -> u16 {
    u16::try_from(index).unwrap_or(u16::MAX)
}

/// Walk every reachable path, recording the stack depth before each instruction.
fn check_stack(insns: &[Insn], offsets: &[usize]) -> Result<(), AgentError> {
    let at = |i: usize| offsets.get(i).copied().unwrap_or(0);
    let mut depth_before: Vec<Option<usize>> = vec![None; insns.len()];
    let mut work = vec![(0usize, 0usize)];
    while let Some((i, depth)) = work.pop() {
        let Some(&insn) = insns.get(i) else {
            return Err(AgentError::new("the agent expression runs past its end without reaching `end`"));
        };
        match depth_before.get(i).copied().flatten() {
            Some(seen) if seen == depth => continue,
            Some(seen) => {
                return Err(AgentError::new(format!(
                    "paths meet at offset {} with different stack depths ({seen} and {depth})",
                    at(i)
                )));
            }
            None => {}
        }
        if let Some(slot) = depth_before.get_mut(i) {
            *slot = Some(depth);
        }
        let (needs, leaves) = insn.stack_effect();
        if depth < needs {
            return Err(AgentError::new(format!(
                "`{}` at offset {} needs {needs} values on the stack, and there are {depth}",
                insn.name(),
                at(i)
            )));
        }
        let after = depth - needs + leaves;
        if after > MAX_DEPTH {
            return Err(AgentError::new(format!("the stack grows past {MAX_DEPTH} values at offset {}", at(i))));
        }
        let next = i.saturating_add(1);
        match insn {
            Insn::End => {}
            Insn::Goto(t) => work.push((usize::from(t), after)),
            Insn::IfGoto(t) => {
                work.push((usize::from(t), after));
                work.push((next, after));
            }
            _ => work.push((next, after)),
        }
    }
    Ok(())
}
