//! The one DWARF expression evaluator. A CFI rule (where the CFA is, where a register was saved) and a variable's
//! location are both DWARF expressions; both are evaluated here, against one frame's registers and the debuggee's
//! memory, so an operation understood for one is understood for the other.
//!
//! What a frame cannot answer (a register a caller's frame does not know, thread-local storage, an entry value)
//! makes the whole expression unavailable: a value that is gone is reported as gone, never guessed.

use gimli::{EvaluationResult, Expression, Location, Reader as _, Value, ValueType};

use super::file::Reader;
use crate::memory::ReadMemory;

/// What an expression may ask of the frame it is evaluated in.
pub(crate) struct ExpressionFrame<'a> {
    /// A DWARF register's value in this frame; `None` where the frame does not know it (a caller-saved register
    /// in a caller's frame, which the callee may have overwritten).
    pub register: &'a dyn Fn(u16) -> Option<u64>,
    pub mem: &'a mut dyn ReadMemory,
    /// runtime address − file address of the module the expression comes from (`DW_OP_addr` is a file address).
    pub bias: u64,
    /// The function's frame base (`DW_AT_frame_base`, evaluated), for `DW_OP_fbreg`.
    pub frame_base: Option<u64>,
    /// The frame's canonical frame address, for `DW_OP_call_frame_cfa`.
    pub cfa: Option<u64>,
    /// A base type's value type, for the typed operations of DWARF 5 (`DW_OP_convert`, `DW_OP_regval_type`).
    pub base_type: &'a dyn Fn(gimli::UnitOffset<usize>) -> Option<ValueType>,
    /// An address of `.debug_addr` by index (`DW_OP_addrx`), as a file address.
    pub indexed_address: &'a dyn Fn(gimli::DebugAddrIndex<usize>) -> Option<u64>,
    /// The value a DWARF register had when the function was entered (`DW_OP_entry_value`), where the caller's call
    /// site says what it passed.
    pub entry_value: &'a dyn Fn(u16) -> Option<u64>,
}

/// Where one piece of an evaluated location is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PieceLocation {
    /// In memory at this runtime address.
    Memory(u64),
    /// In a DWARF register.
    Register(u16),
    /// Nowhere: the value itself, computed (`DW_OP_stack_value`) or given (`DW_OP_implicit_value`), little-endian.
    Value(Vec<u8>),
    /// Gone (an empty piece, or a pointer to an object that was optimised away).
    Unavailable,
}

/// One piece of a location: where it is, and how many bits of the object it holds (`None`: all of it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Piece {
    pub location: PieceLocation,
    pub size_bits: Option<u64>,
    pub bit_offset: Option<u64>,
}

/// Why an expression has no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Unanswered {
    /// Something the frame does not know (a register, the frame base, an entry value, TLS).
    Unavailable,
    /// Memory the expression reads is not readable.
    Memory(u64),
    /// The expression itself is malformed or uses an operation rdb does not evaluate.
    Invalid,
}

/// The most operations one evaluation runs: a malformed expression that loops ends in an error, not a hang.
const MAX_OPERATIONS: u32 = 10_000;

/// Evaluate `expr` in `frame`; `initial` is pushed first (a CFI register rule pushes the CFA).
pub(crate) fn evaluate(
    expr: Expression<Reader>,
    encoding: gimli::Encoding,
    frame: &mut ExpressionFrame<'_>,
    initial: Option<u64>,
) -> Result<Vec<Piece>, Unanswered> {
    let mut eval = expr.evaluation(encoding);
    eval.set_max_iterations(MAX_OPERATIONS);
    if let Some(v) = initial {
        eval.set_initial_value(v);
    }
    let invalid = |_| Unanswered::Invalid;
    let mut state = eval.evaluate().map_err(invalid)?;
    loop {
        state = match state {
            EvaluationResult::Complete => break,
            EvaluationResult::RequiresMemory { address, size, base_type, .. } => {
                let size = usize::from(size).clamp(1, 8);
                let mut bytes = [0u8; 8];
                frame.mem.read_exact(address, &mut bytes[..size]).map_err(|_| Unanswered::Memory(address))?;
                let raw = u64::from_le_bytes(bytes);
                let value = match typed(frame, base_type)? {
                    Some(ty) => Value::from_u64(ty, raw).map_err(invalid)?,
                    None => Value::Generic(raw),
                };
                eval.resume_with_memory(value).map_err(invalid)?
            }
            EvaluationResult::RequiresRegister { register, base_type } => {
                let raw = (frame.register)(register.0).ok_or(Unanswered::Unavailable)?;
                let value = match typed(frame, base_type)? {
                    Some(ty) => Value::from_u64(ty, raw).map_err(invalid)?,
                    None => Value::Generic(raw),
                };
                eval.resume_with_register(value).map_err(invalid)?
            }
            EvaluationResult::RequiresFrameBase => {
                eval.resume_with_frame_base(frame.frame_base.ok_or(Unanswered::Unavailable)?).map_err(invalid)?
            }
            EvaluationResult::RequiresCallFrameCfa => {
                eval.resume_with_call_frame_cfa(frame.cfa.ok_or(Unanswered::Unavailable)?).map_err(invalid)?
            }
            EvaluationResult::RequiresRelocatedAddress(a) => {
                eval.resume_with_relocated_address(a.wrapping_add(frame.bias)).map_err(invalid)?
            }
            EvaluationResult::RequiresIndexedAddress { index, relocate } => {
                let a = (frame.indexed_address)(index).ok_or(Unanswered::Invalid)?;
                let a = if relocate { a.wrapping_add(frame.bias) } else { a };
                eval.resume_with_indexed_address(a).map_err(invalid)?
            }
            EvaluationResult::RequiresBaseType(offset) => {
                let ty = (frame.base_type)(offset).ok_or(Unanswered::Invalid)?;
                eval.resume_with_base_type(ty).map_err(invalid)?
            }
            // A register's value at the function's entry, where the caller's call site gives it (only the plain
            // `DW_OP_entry_value(DW_OP_regN)` form). Thread-local storage needs the thread's TLS block: the value
            // is unavailable, not guessed.
            EvaluationResult::RequiresEntryValue(expr) => {
                let mut ops = expr.operations(encoding);
                let (Ok(Some(gimli::Operation::Register { register })), Ok(None)) = (ops.next(), ops.next()) else {
                    return Err(Unanswered::Unavailable);
                };
                let value = (frame.entry_value)(register.0).ok_or(Unanswered::Unavailable)?;
                eval.resume_with_entry_value(Value::Generic(value)).map_err(invalid)?
            }
            EvaluationResult::RequiresTls(_) => return Err(Unanswered::Unavailable),
            _ => return Err(Unanswered::Invalid),
        };
    }
    Ok(eval
        .result()
        .into_iter()
        .map(|p| Piece {
            location: match p.location {
                Location::Address { address } => PieceLocation::Memory(address),
                Location::Register { register } => PieceLocation::Register(register.0),
                Location::Value { value } => PieceLocation::Value(value_bytes(value)),
                Location::Bytes { value } => {
                    PieceLocation::Value(value.to_slice().map(|b| b.to_vec()).unwrap_or_default())
                }
                Location::Empty | Location::ImplicitPointer { .. } => PieceLocation::Unavailable,
            },
            size_bits: p.size_in_bits,
            bit_offset: p.bit_offset,
        })
        .collect())
}

/// The value type of a typed operation (`None` for the generic type, offset 0).
fn typed(frame: &ExpressionFrame<'_>, base_type: gimli::UnitOffset<usize>) -> Result<Option<ValueType>, Unanswered> {
    if base_type.0 == 0 {
        return Ok(None);
    }
    (frame.base_type)(base_type).map(Some).ok_or(Unanswered::Invalid)
}

/// A computed value's bytes, little-endian, as wide as its type.
fn value_bytes(value: Value) -> Vec<u8> {
    match value {
        Value::Generic(v) | Value::U64(v) => v.to_le_bytes().to_vec(),
        Value::I64(v) => v.to_le_bytes().to_vec(),
        Value::I8(v) => v.to_le_bytes().to_vec(),
        Value::U8(v) => v.to_le_bytes().to_vec(),
        Value::I16(v) => v.to_le_bytes().to_vec(),
        Value::U16(v) => v.to_le_bytes().to_vec(),
        Value::I32(v) => v.to_le_bytes().to_vec(),
        Value::U32(v) => v.to_le_bytes().to_vec(),
        Value::F32(v) => v.to_le_bytes().to_vec(),
        Value::F64(v) => v.to_le_bytes().to_vec(),
    }
}

/// The first piece as one address-sized number: what a CFI rule or a frame base is.
pub(crate) fn as_address(pieces: &[Piece], register: &dyn Fn(u16) -> Option<u64>) -> Option<u64> {
    match &pieces.first()?.location {
        PieceLocation::Memory(address) => Some(*address),
        PieceLocation::Register(r) => register(*r),
        PieceLocation::Value(bytes) => {
            let mut word = [0u8; 8];
            let n = bytes.len().min(8);
            word[..n].copy_from_slice(&bytes[..n]);
            Some(u64::from_le_bytes(word))
        }
        PieceLocation::Unavailable => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Error, Result};

    struct Words(u64, Vec<u64>);

    impl ReadMemory for Words {
        fn read(&mut self, address: u64, buf: &mut [u8]) -> Result<usize> {
            let off = address.checked_sub(self.0).ok_or(Error::MemoryAccess(address))? as usize;
            let bytes: Vec<u8> = self.1.iter().flat_map(|w| w.to_le_bytes()).collect();
            if off >= bytes.len() {
                return Err(Error::MemoryAccess(address));
            }
            let n = buf.len().min(bytes.len() - off);
            buf[..n].copy_from_slice(&bytes[off..off + n]);
            Ok(n)
        }
    }

    const ENCODING: gimli::Encoding = gimli::Encoding { format: gimli::Format::Dwarf32, version: 5, address_size: 8 };

    fn run(ops: &[u8], frame_base: Option<u64>, known: &dyn Fn(u16) -> Option<u64>) -> Result<Vec<Piece>, Unanswered> {
        let data: &'static [u8] = Box::leak(ops.to_vec().into_boxed_slice());
        let expr = Expression(Reader::new(data, gimli::RunTimeEndian::Little));
        let mut mem = Words(0x1000, vec![0x1111, 0x2222, 0x3333]);
        let mut frame = ExpressionFrame {
            register: known,
            mem: &mut mem,
            bias: 0x5000_0000,
            frame_base,
            cfa: Some(0x2000),
            base_type: &|_| None,
            indexed_address: &|_| None,
            entry_value: &|n| (n == 5).then_some(42),
        };
        evaluate(expr, ENCODING, &mut frame, None)
    }

    fn regs(n: u16) -> Option<u64> {
        match n {
            6 => Some(0x1010), // rbp
            7 => Some(0x1000), // rsp
            _ => None,
        }
    }

    #[test]
    fn frame_base_relative_is_an_address() {
        // DW_OP_fbreg -24
        let pieces = run(&[0x91, 0x68], Some(0x1100), &regs).unwrap();
        assert_eq!(pieces[0].location, PieceLocation::Memory(0x1100 - 24));
        assert_eq!(run(&[0x91, 0x68], None, &regs), Err(Unanswered::Unavailable));
    }

    #[test]
    fn registers_the_frame_knows_and_does_not() {
        // DW_OP_reg6 (rbp): the variable is in the register.
        assert_eq!(run(&[0x56], None, &regs).unwrap()[0].location, PieceLocation::Register(6));
        // DW_OP_breg7 +8; DW_OP_deref: a read through a known register.
        let pieces = run(&[0x77, 0x08, 0x06], None, &regs).unwrap();
        assert_eq!(pieces[0].location, PieceLocation::Memory(0x2222));
        // DW_OP_breg0 (rax) +0: rax is not known in this frame.
        assert_eq!(run(&[0x70, 0x00], None, &regs), Err(Unanswered::Unavailable));
    }

    #[test]
    fn computed_and_split_values() {
        // DW_OP_lit5; DW_OP_stack_value
        let pieces = run(&[0x35, 0x9f], None, &regs).unwrap();
        assert_eq!(pieces[0].location, PieceLocation::Value(5u64.to_le_bytes().to_vec()));
        // DW_OP_reg6; DW_OP_piece 4; DW_OP_piece 4 (the second half optimised out)
        let pieces = run(&[0x56, 0x93, 0x04, 0x93, 0x04], None, &regs).unwrap();
        assert_eq!(pieces.len(), 2);
        assert_eq!((pieces[0].location.clone(), pieces[0].size_bits), (PieceLocation::Register(6), Some(32)));
        assert_eq!(pieces[1].location, PieceLocation::Unavailable);
        // DW_OP_addr 0x4000 is a file address: relocated by the module's bias.
        let mut addr = vec![0x03];
        addr.extend(0x4000u64.to_le_bytes());
        assert_eq!(run(&addr, None, &regs).unwrap()[0].location, PieceLocation::Memory(0x5000_4000));
    }

    #[test]
    fn what_cannot_be_known_is_unavailable_and_garbage_is_invalid() {
        // DW_OP_entry_value(DW_OP_reg5); DW_OP_stack_value: rdi's entry value is known (42), rsi's is not.
        assert_eq!(
            run(&[0xa3, 0x01, 0x55, 0x9f], None, &regs).unwrap()[0].location,
            PieceLocation::Value(42u64.to_le_bytes().to_vec())
        );
        assert_eq!(run(&[0xa3, 0x01, 0x54, 0x9f], None, &regs), Err(Unanswered::Unavailable));
        // DW_OP_breg7 +0x100; DW_OP_deref: unreadable memory.
        assert_eq!(run(&[0x77, 0x80, 0x02, 0x06], None, &regs), Err(Unanswered::Memory(0x1100)));
        // An unknown opcode; a branch that loops forever.
        assert_eq!(run(&[0xff], None, &regs), Err(Unanswered::Invalid));
        assert_eq!(run(&[0x2f, 0xfd, 0xff], None, &regs), Err(Unanswered::Invalid));
    }
}
