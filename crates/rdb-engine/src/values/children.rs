//! A value's children, decided once for every front end (`dx`, `dt`, DAP's `variables`, Python): a record's members
//! (a bitfield's bits taken out of its storage), an array's elements, and what a pointer points to — a record or
//! an array is shown through the pointer (as WinDbg's `dx` and VS Code do), anything else as one child `*p`.

use super::summary::unsigned;
use super::{BaseKind, Type, TypeId, TypeKind, Value, ValueBytes};

/// What reading children needs: types by id, and objects read from memory.
pub(crate) trait Reader {
    fn type_of(&mut self, id: TypeId) -> Option<Type>;
    /// The object of type `ty` at `address`.
    fn object(&mut self, ty: Type, type_id: Option<TypeId>, address: u64) -> Value;
}

/// One child before its summary.
pub(crate) struct RawChild {
    pub name: String,
    pub offset: Option<u64>,
    pub bits: Option<(u64, u64)>,
    pub value: Value,
}

/// The most elements one question reads (a front end pages through the rest).
pub const MAX_ELEMENTS: usize = 10_000;

/// The children of `value` from `start`, at most `count` of them; `name` is the value's own name (for `*p`).
pub(crate) fn children(
    value: &Value,
    name: &str,
    start: usize,
    count: usize,
    reader: &mut dyn Reader,
) -> Vec<RawChild> {
    let count = count.min(MAX_ELEMENTS);
    match &value.ty.kind {
        TypeKind::Record { members } => members
            .iter()
            .skip(start)
            .take(count)
            .filter_map(|m| {
                let ty = reader.type_of(m.ty)?;
                Some(RawChild {
                    name: m.name.clone(),
                    offset: Some(m.offset),
                    bits: m.bits,
                    value: member(value, m.offset, m.bits, ty, m.ty),
                })
            })
            .collect(),
        TypeKind::Array { element, count: n } => {
            let Some(ty) = reader.type_of(*element) else { return Vec::new() };
            let size = ty.size.unwrap_or(0);
            let n = n.unwrap_or(0) as usize;
            (start..n.min(start.saturating_add(count)))
                .map(|i| {
                    let offset = size.saturating_mul(i as u64);
                    RawChild {
                        name: format!("[{i}]"),
                        offset: None,
                        bits: None,
                        value: member(value, offset, None, ty.clone(), *element),
                    }
                })
                .collect()
        }
        TypeKind::Pointer { target: Some(target), .. } => {
            let ValueBytes::Known(bytes) = &value.bytes else { return Vec::new() };
            let address = unsigned(bytes);
            let Some(ty) = reader.type_of(*target) else { return Vec::new() };
            if address == 0 || ty.size.unwrap_or(0) == 0 {
                return Vec::new();
            }
            let pointee = reader.object(ty, Some(*target), address);
            match pointee.ty.kind {
                TypeKind::Record { .. } => children(&pointee, name, start, count, reader),
                _ if start > 0 => Vec::new(),
                _ => vec![RawChild { name: format!("*{name}"), offset: None, bits: None, value: pointee }],
            }
        }
        _ => Vec::new(),
    }
}

/// Whether a value has children to show (a front end draws an expander for it).
pub fn has_children(ty: &Type) -> bool {
    match &ty.kind {
        TypeKind::Record { members } => !members.is_empty(),
        TypeKind::Array { count, .. } => count.unwrap_or(0) > 0,
        TypeKind::Pointer { target, .. } => target.is_some(),
        _ => false,
    }
}

/// The member of `parent` at `offset` (and `bits`, for a bitfield), of type `ty`.
pub(crate) fn member(parent: &Value, offset: u64, bits: Option<(u64, u64)>, ty: Type, id: TypeId) -> Value {
    let size = ty.size.unwrap_or(0) as usize;
    let address = parent.address.map(|a| a.wrapping_add(offset));
    let bytes = match &parent.bytes {
        ValueBytes::Known(all) => {
            let from = usize::try_from(offset).unwrap_or(usize::MAX);
            match bits {
                Some((bit, width)) => {
                    let storage = all.get(from..).unwrap_or(&[]);
                    let raw = unsigned(&storage[..storage.len().min(8)]);
                    let mask = if width >= 64 { u64::MAX } else { (1u64 << width) - 1 };
                    let mut v = (raw >> bit.min(63)) & mask;
                    // A signed bitfield's top bit is its sign.
                    if matches!(ty.kind, TypeKind::Base(BaseKind::Signed))
                        && width > 0
                        && width < 64
                        && v >> (width - 1) & 1 == 1
                    {
                        v |= !mask;
                    }
                    ValueBytes::Known(v.to_le_bytes()[..size.min(8)].to_vec())
                }
                None => match all.get(from..from.saturating_add(size)) {
                    Some(b) => ValueBytes::Known(b.to_vec()),
                    None => ValueBytes::MemoryError(address.unwrap_or(0)),
                },
            }
        }
        other => other.clone(),
    };
    Value { ty, type_id: Some(id), bytes, address: if bits.is_some() { None } else { address } }
}
