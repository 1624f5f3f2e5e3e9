//! A located variable's bytes: read from memory, taken from registers, or given by the debug information, piece by
//! piece. A piece that is gone makes the value gone: half a value is never shown as if it were whole.

use super::{ValueBytes, ValueLocation};
use crate::memory::ReadMemory;
use crate::symbols::{Located, Piece, PieceLocation, Unanswered};

/// DWARF's register numbers (0–16) by name, as the console names registers.
const DWARF_NAMES: [&str; 17] = [
    "rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip",
];

/// The name of DWARF register `n` (`xmm3` for 20).
pub(crate) fn register_name(n: u16) -> String {
    match n {
        0..=16 => DWARF_NAMES[usize::from(n)].to_string(),
        17..=32 => format!("xmm{}", n - 17),
        33..=40 => format!("st{}", n - 33),
        _ => format!("dwarf-register-{n}"),
    }
}

/// The registers of a frame a value may be read from: the general ones as numbers, the vector and x87 ones
/// (DWARF 17 and up) as bytes.
pub(crate) struct FrameRegisters<'a> {
    pub general: &'a dyn Fn(u16) -> Option<u64>,
    pub vector: &'a dyn Fn(u16) -> Option<[u8; 16]>,
}

/// The `size` bytes of a located value, and where it lives, in a frame whose known registers `registers` gives.
pub(crate) fn read(
    located: &Located,
    size: u64,
    registers: &FrameRegisters<'_>,
    mem: &mut dyn ReadMemory,
) -> (ValueLocation, ValueBytes) {
    // A value with no bytes (Rust's `()`, a zero-sized struct) is known wherever the compiler left it, or not.
    if size == 0 {
        let (location, _) = read(located, 1, registers, mem);
        return (location, ValueBytes::Known(Vec::new()));
    }
    // A value larger than any C object a summary reads is not read whole (a hostile size cannot allocate 4 GiB).
    let size = size.min(1 << 20) as usize;
    match located {
        Located::Unanswered(Unanswered::Memory(address)) => {
            (ValueLocation::OptimizedOut, ValueBytes::MemoryError(*address))
        }
        Located::Unanswered(_) => (ValueLocation::OptimizedOut, ValueBytes::OptimizedOut),
        Located::Constant(bytes) => (ValueLocation::Computed, ValueBytes::Known(fit(bytes, size))),
        Located::Pieces(pieces) => match pieces.as_slice() {
            [] => (ValueLocation::OptimizedOut, ValueBytes::OptimizedOut),
            [Piece { location, size_bits: None, .. }] => whole(location, size, registers, mem),
            pieces => (ValueLocation::Pieces, joined(pieces, size, registers, mem)),
        },
    }
}

/// A value in one place.
fn whole(
    location: &PieceLocation,
    size: usize,
    registers: &FrameRegisters<'_>,
    mem: &mut dyn ReadMemory,
) -> (ValueLocation, ValueBytes) {
    match location {
        PieceLocation::Memory(address) => {
            let mut bytes = vec![0u8; size];
            match mem.read_exact(*address, &mut bytes) {
                Ok(()) => (ValueLocation::Memory(*address), ValueBytes::Known(bytes)),
                Err(_) => (ValueLocation::Memory(*address), ValueBytes::MemoryError(*address)),
            }
        }
        PieceLocation::Register(n) if *n >= 17 => match (registers.vector)(*n).filter(|_| size <= 16) {
            Some(v) => (ValueLocation::Register(register_name(*n)), ValueBytes::Known(fit(&v, size))),
            None => (ValueLocation::Register(register_name(*n)), ValueBytes::OptimizedOut),
        },
        PieceLocation::Register(n) => match (registers.general)(*n).filter(|_| size <= 8) {
            Some(v) => (ValueLocation::Register(register_name(*n)), ValueBytes::Known(fit(&v.to_le_bytes(), size))),
            None => (ValueLocation::Register(register_name(*n)), ValueBytes::OptimizedOut),
        },
        PieceLocation::Value(bytes) => (ValueLocation::Computed, ValueBytes::Known(fit(bytes, size))),
        PieceLocation::Unavailable => (ValueLocation::OptimizedOut, ValueBytes::OptimizedOut),
    }
}

/// A value in pieces (`DW_OP_piece`): each piece's bytes in turn. Pieces of a whole number of bytes only.
fn joined(pieces: &[Piece], size: usize, registers: &FrameRegisters<'_>, mem: &mut dyn ReadMemory) -> ValueBytes {
    let mut out = Vec::with_capacity(size);
    for piece in pieces {
        let Some(bits) = piece.size_bits.filter(|b| b % 8 == 0 && piece.bit_offset.unwrap_or(0) == 0) else {
            return ValueBytes::OptimizedOut;
        };
        let n = (bits / 8) as usize;
        if out.len() + n > size {
            break;
        }
        match whole(&piece.location, n, registers, mem).1 {
            ValueBytes::Known(bytes) => out.extend(bytes),
            other => return other,
        }
    }
    if out.len() < size { ValueBytes::OptimizedOut } else { ValueBytes::Known(out) }
}

/// `bytes` cut or zero-extended to `size`.
fn fit(bytes: &[u8], size: usize) -> Vec<u8> {
    let mut out = bytes[..bytes.len().min(size)].to_vec();
    out.resize(size, 0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::MemorySnapshot;

    fn general(n: u16) -> Option<u64> {
        (n == 3).then_some(0x1122_3344_5566_7788)
    }

    fn vector(n: u16) -> Option<[u8; 16]> {
        (n == 17).then_some(
            1.5f64.to_le_bytes().iter().chain([9u8; 8].iter()).copied().collect::<Vec<_>>().try_into().unwrap(),
        )
    }

    const KNOWN: FrameRegisters<'static> = FrameRegisters { general: &general, vector: &vector };

    #[test]
    fn one_place_values() {
        let mut mem = MemorySnapshot { base: 0x1000, bytes: vec![1, 2, 3, 4, 5, 6, 7, 8] };
        let at = |l| Located::Pieces(vec![Piece { location: l, size_bits: None, bit_offset: None }]);
        assert_eq!(
            read(&at(PieceLocation::Memory(0x1002)), 4, &KNOWN, &mut mem),
            (ValueLocation::Memory(0x1002), ValueBytes::Known(vec![3, 4, 5, 6]))
        );
        assert_eq!(read(&at(PieceLocation::Memory(0x1006)), 4, &KNOWN, &mut mem).1, ValueBytes::MemoryError(0x1006));
        assert_eq!(
            read(&at(PieceLocation::Register(3)), 4, &KNOWN, &mut mem),
            (ValueLocation::Register("rbx".into()), ValueBytes::Known(vec![0x88, 0x77, 0x66, 0x55]))
        );
        // rax is not known in this frame: the value is gone, not rax's stale number.
        assert_eq!(read(&at(PieceLocation::Register(0)), 4, &KNOWN, &mut mem).1, ValueBytes::OptimizedOut);
        assert_eq!(read(&Located::Constant(vec![7]), 4, &KNOWN, &mut mem).1, ValueBytes::Known(vec![7, 0, 0, 0]));
        // A double in xmm0: its low eight bytes; xmm1 is not known.
        assert_eq!(
            read(&at(PieceLocation::Register(17)), 8, &KNOWN, &mut mem),
            (ValueLocation::Register("xmm0".into()), ValueBytes::Known(1.5f64.to_le_bytes().to_vec()))
        );
        assert_eq!(read(&at(PieceLocation::Register(18)), 8, &KNOWN, &mut mem).1, ValueBytes::OptimizedOut);
    }

    #[test]
    fn pieces_join_and_a_missing_piece_loses_the_value() {
        let mut mem = MemorySnapshot { base: 0x1000, bytes: vec![1, 2, 3, 4] };
        let piece = |l, bits| Piece { location: l, size_bits: Some(bits), bit_offset: None };
        let split =
            Located::Pieces(vec![piece(PieceLocation::Register(3), 32), piece(PieceLocation::Memory(0x1000), 32)]);
        assert_eq!(read(&split, 8, &KNOWN, &mut mem).1, ValueBytes::Known(vec![0x88, 0x77, 0x66, 0x55, 1, 2, 3, 4]));
        let gone = Located::Pieces(vec![piece(PieceLocation::Register(3), 32), piece(PieceLocation::Unavailable, 32)]);
        assert_eq!(read(&gone, 8, &KNOWN, &mut mem).1, ValueBytes::OptimizedOut);
    }
}
