//! A value's children, decided once for every front end (`dx`, `dt`, DAP's `variables`, Python): a record's members
//! (a bitfield's bits taken out of its storage), an array's elements, and what a pointer points to — a record or
//! an array is shown through the pointer (as WinDbg's `dx` and VS Code do), anything else as one child `*p`.

use super::summary::unsigned;
use super::{BaseKind, ChildKind, Expansion, Type, TypeId, TypeKind, Value, ValueBytes, visualizers};
use crate::memory::ReadMemory;

/// What reading values needs from the program: types by id and by name, objects and bytes read from memory.
pub(crate) trait Reader {
    fn type_of(&mut self, id: TypeId) -> Option<Type>;
    /// The object of type `ty` at `address`.
    fn object(&mut self, ty: Type, type_id: Option<TypeId>, address: u64) -> Value;
    /// The memory values are read from (a string's bytes).
    fn memory(&mut self) -> &mut dyn ReadMemory;
    /// The template arguments of the record `id` names, in order (DWARF's template type parameters).
    fn template_args(&mut self, id: TypeId) -> Vec<TypeId>;
    /// The type called `name`, looked for first in the module whose debug information holds `near`.
    fn named_type(&mut self, name: &str, near: Option<TypeId>) -> Option<(Type, TypeId)>;
    /// The eight bytes at `address` as a little-endian number (a vptr, a vtable's slot).
    fn word(&mut self, address: u64) -> Option<u64> {
        let mut word = [0u8; 8];
        self.memory().read_exact(address, &mut word).ok()?;
        Some(u64::from_le_bytes(word))
    }
    /// The name of the symbol holding `address`, and where that symbol starts (a vtable's, for dynamic types).
    fn symbol_at(&mut self, _address: u64) -> Option<(String, u64)> {
        None
    }
    /// The concrete type of the Rust trait objects whose vtable is at `vtable` (a `&dyn Trait`'s).
    fn vtable_type(&mut self, _vtable: u64) -> Option<TypeId> {
        None
    }
}

/// One child before its summary.
pub(crate) struct RawChild {
    pub name: String,
    pub offset: Option<u64>,
    pub bits: Option<(u64, u64)>,
    pub value: Value,
    pub kind: ChildKind,
}

/// The most elements one question reads (a front end pages through the rest).
pub const MAX_ELEMENTS: usize = 10_000;

/// The children of `value` from `start`, at most `count` of them; `name` is the value's own name (for `*p`). A
/// library type a visualizer knows gives the children it defines (a `Vec`'s elements, a `std::map`'s entries).
pub(crate) fn children(
    value: &Value,
    name: &str,
    start: usize,
    count: usize,
    reader: &mut dyn Reader,
) -> Vec<RawChild> {
    let count = count.min(MAX_ELEMENTS);
    if let Some(found) = visualizers::children(value, start as u64, count, reader) {
        return found;
    }
    plain_children(value, name, start, count, reader)
}

/// The children of `value` as its type lays it out, without a visualizer.
pub(crate) fn plain_children(
    value: &Value,
    name: &str,
    start: usize,
    count: usize,
    reader: &mut dyn Reader,
) -> Vec<RawChild> {
    match &value.ty.kind {
        TypeKind::Record { members } => members
            .iter()
            .skip(start)
            .take(count)
            .filter_map(|m| {
                let ty = reader.type_of(m.ty)?;
                Some(RawChild {
                    // A Rust tuple's fields are `0`, `1`, as Rust names them (rustc writes `__0`).
                    name: super::rust::field_name(&m.name).to_string(),
                    offset: Some(m.offset),
                    bits: m.bits,
                    value: member(value, m.offset, m.bits, ty, m.ty),
                    kind: if m.base { ChildKind::Base } else { ChildKind::Member },
                })
            })
            .collect(),
        // A Rust enum's children are the fields of the variant it holds (none when no variant matches).
        TypeKind::Variants { .. } => {
            let Some(Ok((_, fields))) = super::rust::decoded(value, &mut |id| reader.type_of(id)) else {
                return Vec::new();
            };
            fields
                .into_iter()
                .skip(start)
                .take(count)
                .map(|(name, field)| {
                    // Its offset in the enum, where both are in memory.
                    let offset = field.address.zip(value.address).map(|(f, e)| f.wrapping_sub(e));
                    RawChild { name, offset, bits: None, value: field, kind: ChildKind::Member }
                })
                .collect()
        }
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
                        kind: ChildKind::Element(i as u64),
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
            // A pointer to a polymorphic class shows the object as its dynamic type.
            let pointee = super::dynamic::pointee(ty, *target, address, reader);
            match pointee.ty.kind {
                TypeKind::Record { .. } => children(&pointee, name, start, count, reader),
                _ if start > 0 => Vec::new(),
                _ => vec![RawChild {
                    name: format!("*{name}"),
                    offset: None,
                    bits: None,
                    value: pointee,
                    kind: ChildKind::Pointee,
                }],
            }
        }
        _ => Vec::new(),
    }
}

/// How many children `value` has, for a front end that pages through them.
pub(crate) fn expansion(value: &Value, reader: &mut dyn Reader) -> Expansion {
    if let Some(found) = visualizers::expansion(value, reader) {
        return found;
    }
    let named = |count: u64| Expansion { count, indexed: false, entries: false, claimed: None };
    let none = named(0);
    match &value.ty.kind {
        TypeKind::Record { members } => named(members.len() as u64),
        TypeKind::Array { count, .. } => {
            Expansion { count: count.unwrap_or(0), indexed: true, entries: false, claimed: None }
        }
        // The active variant's fields (none for `None`, or for a value no variant matches).
        TypeKind::Variants { .. } => named(plain_children(value, "", 0, MAX_ELEMENTS, reader).len() as u64),
        TypeKind::Pointer { target: Some(target), .. } => {
            let ValueBytes::Known(bytes) = &value.bytes else { return none };
            let address = unsigned(bytes);
            match reader.type_of(*target) {
                Some(ty) if address != 0 && ty.size.unwrap_or(0) > 0 => {
                    if matches!(ty.kind, TypeKind::Record { .. }) {
                        let pointee = super::dynamic::pointee(ty, *target, address, reader);
                        expansion(&pointee, reader)
                    } else {
                        named(1)
                    }
                }
                _ => none,
            }
        }
        _ => none,
    }
}

/// Whether a value of type `ty` may have children to show (a front end draws an expander for it); a value's own
/// count is [`Session::expansion`](crate::session::Session::expansion)'s.
pub fn has_children(ty: &Type) -> bool {
    match &ty.kind {
        TypeKind::Record { members } => !members.is_empty(),
        TypeKind::Array { count, .. } => count.unwrap_or(0) > 0,
        TypeKind::Pointer { target, .. } => target.is_some(),
        // Which variant a value holds decides; a front end asking finds none for `None`.
        TypeKind::Variants { variants, .. } => !variants.is_empty(),
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
