//! What a value shows as on one line, decided once for every front end: the number its bytes hold by its type, a
//! character pointer's string, an enumerator's name.

use super::children::Reader;
use super::{BaseKind, Type, TypeKind, Value, ValueBytes, visualizers};
use crate::memory::ReadMemory;

/// The most characters of a string a summary reads (WinDbg and gdb both cut long strings short).
pub const MAX_STRING: usize = 256;

/// A value's one-line meaning.
#[derive(Debug, Clone, PartialEq)]
pub enum Summary {
    Signed(i64),
    Unsigned(u64),
    Bool(bool),
    /// A character type's value (a number that is also a character).
    Char(i64),
    Float(f64),
    /// A pointer; for a pointer to a character type, the string it points to where that is readable.
    Pointer {
        address: u64,
        string: Option<String>,
    },
    /// An enumeration's value and the enumerator that has it.
    Enum {
        value: i64,
        name: Option<String>,
    },
    /// A struct, class or union: shown by its type.
    Record,
    /// An array; an array of characters with its text up to the first NUL.
    Array {
        string: Option<String>,
    },
    /// A string object's text (Rust's `String` and `&str`, C++'s `std::string`), read by a visualizer.
    Text(String),
    /// A line composed by a visualizer or by a language's own rules (`Some(7)`, `{ len=3 }`,
    /// `Circle { radius: 2.5 }`), already in the language's text: decimal numbers, quoted strings.
    Line(String),
    /// A function, or a type rdb does not model.
    Opaque,
    OptimizedOut,
    MemoryError(u64),
}

/// What `value` shows as on one line: the line a visualizer defines where one knows its type, else what its bytes
/// mean by its type. `depth` counts the lines being composed around this one (a visualizer's line shows its
/// children's), so a self-referring value ends.
pub(crate) fn summary_of(value: &Value, reader: &mut dyn Reader, depth: usize) -> Summary {
    if matches!(value.bytes, ValueBytes::Known(_)) && value.ty.size.is_none() {
        return Summary::Opaque;
    }
    // A value the compiler left nowhere has no parts for a visualizer to show.
    if value.bytes == ValueBytes::OptimizedOut {
        return Summary::OptimizedOut;
    }
    if let Some(line) = visualizers::line(value, reader, depth) {
        return line;
    }
    // Rust's enums and tuples as Rust writes them, their parts by these same rules.
    if let Some(line) = super::rust::line(value, reader, depth) {
        return line;
    }
    let pointee = match &value.ty.kind {
        TypeKind::Pointer { target: Some(t), .. } => reader.type_of(*t),
        TypeKind::Array { element, .. } => reader.type_of(*element),
        _ => None,
    };
    summarize(&value.ty, &value.bytes, &|_| pointee.clone(), reader.memory())
}

/// The summary of a value of type `ty`; `pointee` resolves the type a pointer points to or an array holds, and
/// `mem` reads a character pointer's string.
pub(crate) fn summarize(
    ty: &Type,
    value: &ValueBytes,
    pointee: &dyn Fn(super::TypeId) -> Option<Type>,
    mem: &mut dyn ReadMemory,
) -> Summary {
    let bytes = match value {
        ValueBytes::Known(bytes) => bytes,
        ValueBytes::OptimizedOut => return Summary::OptimizedOut,
        ValueBytes::MemoryError(address) => return Summary::MemoryError(*address),
    };
    match &ty.kind {
        TypeKind::Base(kind) => base(*kind, bytes),
        TypeKind::Pointer { target, .. } => {
            let address = unsigned(bytes);
            let string = target
                .and_then(pointee)
                .filter(|t| is_char(t) && t.size == Some(1))
                .filter(|_| address != 0)
                .and_then(|_| read_string(mem, address));
            Summary::Pointer { address, string }
        }
        TypeKind::Enum { signed, enumerators } => {
            let value = if *signed { signed_of(bytes) } else { unsigned(bytes) as i64 };
            let name = enumerators.iter().find(|(_, v)| *v == value).map(|(n, _)| n.clone());
            Summary::Enum { value, name }
        }
        // A Rust enum's line is composed by `rust::line`, which needs its fields' summaries.
        TypeKind::Record { .. } | TypeKind::Variants { .. } => Summary::Record,
        TypeKind::Array { element, .. } => {
            let string = pointee(*element).filter(|e| is_char(e) && e.size == Some(1)).map(|_| {
                let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
                String::from_utf8_lossy(&bytes[..end]).into_owned()
            });
            Summary::Array { string }
        }
        TypeKind::Void | TypeKind::Function | TypeKind::Other => Summary::Opaque,
    }
}

/// A summary as a language writes it inside a composed line (`7`, `"BAD"`, `2.5`, `'a'`, `true`, `0x7ffe1000`);
/// a record shows as `{...}`, as gdb and lldb show a nested aggregate.
pub fn language_text(summary: &Summary) -> String {
    match summary {
        Summary::Signed(v) => v.to_string(),
        Summary::Unsigned(v) => v.to_string(),
        Summary::Bool(b) => b.to_string(),
        Summary::Char(c) => match u32::try_from(*c).ok().and_then(char::from_u32) {
            Some(ch) => format!("{ch:?}"),
            None => c.to_string(),
        },
        Summary::Float(f) => format!("{f:?}"),
        Summary::Pointer { string: Some(s), .. } | Summary::Text(s) | Summary::Array { string: Some(s) } => {
            format!("{s:?}")
        }
        Summary::Pointer { address, string: None } => format!("{address:#x}"),
        Summary::Enum { name: Some(name), .. } => name.clone(),
        Summary::Enum { value, name: None } => value.to_string(),
        Summary::Line(line) => line.clone(),
        Summary::Record | Summary::Array { string: None } | Summary::Opaque => "{...}".into(),
        Summary::OptimizedOut => "<optimized out>".into(),
        Summary::MemoryError(address) => format!("<unreadable at {address:#x}>"),
    }
}

fn base(kind: BaseKind, bytes: &[u8]) -> Summary {
    match kind {
        // Wider than a register (`__int128`, Rust's `u128`): in decimal, whole. Nothing at all: Rust's `()`.
        BaseKind::Signed | BaseKind::Unsigned if bytes.len() == 16 => {
            let mut wide = [0u8; 16];
            wide.copy_from_slice(bytes);
            match kind {
                BaseKind::Signed => Summary::Line(i128::from_le_bytes(wide).to_string()),
                _ => Summary::Line(u128::from_le_bytes(wide).to_string()),
            }
        }
        BaseKind::Signed | BaseKind::Unsigned if bytes.is_empty() => Summary::Line("()".into()),
        BaseKind::Signed => Summary::Signed(signed_of(bytes)),
        BaseKind::Unsigned => Summary::Unsigned(unsigned(bytes)),
        BaseKind::Char { signed: true } => Summary::Char(signed_of(bytes)),
        BaseKind::Char { signed: false } => Summary::Char(unsigned(bytes) as i64),
        BaseKind::Bool => Summary::Bool(unsigned(bytes) != 0),
        BaseKind::Float => match bytes.len() {
            4 => Summary::Float(f64::from(f32::from_le_bytes(bytes.try_into().unwrap_or_default()))),
            8 => Summary::Float(f64::from_le_bytes(bytes.try_into().unwrap_or_default())),
            // x87's 80-bit long double, held in 16 bytes.
            10 | 16 => Summary::Float(extended(bytes)),
            _ => Summary::Opaque,
        },
    }
}

fn is_char(ty: &Type) -> bool {
    matches!(ty.kind, TypeKind::Base(BaseKind::Char { .. }))
}

/// The bytes as an unsigned little-endian number (at most eight of them).
pub(crate) fn unsigned(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    let n = bytes.len().min(8);
    word[..n].copy_from_slice(&bytes[..n]);
    u64::from_le_bytes(word)
}

/// The bytes as a signed little-endian number, sign-extended from their width.
pub(crate) fn signed_of(bytes: &[u8]) -> i64 {
    let n = bytes.len().min(8);
    if n == 0 {
        return 0;
    }
    let shift = 64 - 8 * n as u32;
    ((unsigned(bytes) << shift) as i64) >> shift
}

/// An x87 80-bit extended value (64-bit mantissa with explicit integer bit, 15-bit exponent, sign).
fn extended(bytes: &[u8]) -> f64 {
    if bytes.len() < 10 {
        return f64::NAN;
    }
    let mantissa = unsigned(&bytes[..8]);
    let top = u16::from_le_bytes([bytes[8], bytes[9]]);
    let sign = if top & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exponent = i32::from(top & 0x7fff);
    if exponent == 0 && mantissa == 0 {
        return sign * 0.0;
    }
    if exponent == 0x7fff {
        return if mantissa << 1 == 0 { sign * f64::INFINITY } else { f64::NAN };
    }
    sign * (mantissa as f64) * 2f64.powi(exponent - 16383 - 63)
}

/// The NUL-terminated string at `address`, at most [`MAX_STRING`] bytes; `None` where its first byte cannot be
/// read. Read a chunk at a time, so a string that ends just before an unmapped page is still read whole.
pub(crate) fn read_string(mem: &mut dyn ReadMemory, address: u64) -> Option<String> {
    let mut out = Vec::new();
    let mut at = address;
    while out.len() < MAX_STRING {
        // Never read across a page boundary in one go: the next page may be unmapped.
        let to_page_end = 0x1000 - (at & 0xfff) as usize;
        let mut chunk = vec![0u8; to_page_end.min(MAX_STRING - out.len())];
        let n = mem.read(at, &mut chunk).ok().filter(|&n| n > 0);
        let Some(n) = n else {
            if out.is_empty() {
                return None;
            }
            break;
        };
        if let Some(end) = chunk[..n].iter().position(|&b| b == 0) {
            out.extend_from_slice(&chunk[..end]);
            return Some(String::from_utf8_lossy(&out).into_owned());
        }
        out.extend_from_slice(&chunk[..n]);
        at = at.wrapping_add(n as u64);
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_by_width_and_sign() {
        assert_eq!(signed_of(&[0xfe, 0xff, 0xff, 0xff]), -2);
        assert_eq!(signed_of(&[0x7f]), 127);
        assert_eq!(unsigned(&[0xfe, 0xff, 0xff, 0xff]), 0xffff_fffe);
        assert_eq!(base(BaseKind::Float, &1.5f32.to_le_bytes()), Summary::Float(1.5));
        assert_eq!(base(BaseKind::Float, &(-2.25f64).to_le_bytes()), Summary::Float(-2.25));
        // 1.5 as an x87 extended value: mantissa 0xC000.., exponent 0x3fff.
        let mut ext = 0xc000_0000_0000_0000u64.to_le_bytes().to_vec();
        ext.extend([0xff, 0x3f, 0, 0, 0, 0, 0, 0]);
        assert_eq!(base(BaseKind::Float, &ext), Summary::Float(1.5));
        assert_eq!(base(BaseKind::Char { signed: true }, &[0xff]), Summary::Char(-1));
        assert_eq!(base(BaseKind::Bool, &[1]), Summary::Bool(true));
    }
}
