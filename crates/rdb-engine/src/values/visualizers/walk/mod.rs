//! The code that walks each kind of container a visualizer names, one kind per file: the definitions give the
//! member paths, these files the traversal. Every walk is bounded (by the container's capped length, and by a step
//! count where it follows pointers), so a corrupt container is never read for ever.

pub(super) mod alternative;
pub(super) mod array;
pub(super) mod bits;
pub(super) mod btree;
pub(super) mod deque;
pub(super) mod hash_table;
pub(super) mod list;
pub(super) mod ring;
pub(super) mod tree;

#[cfg(test)]
mod tests;

use super::context::ObjectContext;
use super::{Arg, EntryParts};
use crate::error::{Error, Result};
use crate::values::children::{RawChild, Reader, member};
use crate::values::summary::summary_of;
use crate::values::{ChildKind, Type, TypeId, TypeKind, language_text};

/// How deep base classes are searched for a member.
const MAX_BASES: usize = 8;

/// The type of a container's elements: template argument `arg.n` of the type of `arg.of` (of the object itself
/// where `of` is empty).
pub(super) fn element_type(cx: &mut ObjectContext<'_>, arg: &Arg) -> Result<(Type, TypeId)> {
    let found = if arg.of.is_empty() {
        cx.template_arg(arg.n)
    } else {
        let of = cx.value(arg.of)?;
        let id = of.type_id.ok_or_else(|| Error::msg(format!("'{}' has no type in the debug information", arg.of)))?;
        let args = cx.reader().template_args(id);
        let arg = args.get(arg.n.wrapping_sub(1)).copied();
        arg.and_then(|a| Some((cx.reader().type_of(a)?, a)))
    };
    found.ok_or_else(|| Error::msg(format!("no template argument {} of '{}'", arg.n, arg.of)))
}

/// The offset and type of member `name` of record `ty`, found in its base classes too.
pub(super) fn find_member(reader: &mut dyn Reader, ty: &Type, name: &str, depth: usize) -> Option<(u64, TypeId)> {
    let TypeKind::Record { members } = &ty.kind else { return None };
    if let Some(m) = members.iter().find(|m| m.name == name && !m.base) {
        return Some((m.offset, m.ty));
    }
    if depth >= MAX_BASES {
        return None;
    }
    members.iter().filter(|m| m.base).find_map(|m| {
        let base = reader.type_of(m.ty)?;
        let (offset, id) = find_member(reader, &base, name, depth + 1)?;
        Some((m.offset.wrapping_add(offset), id))
    })
}

/// The child for element `index` of a container, an object of type `ty` at `address`: `[index]`, or for a map's
/// entry its value named by its key (`["alice"]`).
pub(super) fn element_child(
    reader: &mut dyn Reader,
    ty: &Type,
    id: TypeId,
    address: u64,
    index: u64,
    entry: EntryParts,
) -> RawChild {
    let element = reader.object(ty.clone(), Some(id), address);
    if let Some((key, value)) = entry {
        let parts = find_member(reader, ty, key, 0).zip(find_member(reader, ty, value, 0));
        if let Some(((key_at, key_id), (value_at, value_id))) = parts
            && let (Some(key_ty), Some(value_ty)) = (reader.type_of(key_id), reader.type_of(value_id))
        {
            let key = member(&element, key_at, None, key_ty, key_id);
            let value = member(&element, value_at, None, value_ty, value_id);
            let text = language_text(&summary_of(&key, reader, 1));
            return RawChild {
                name: format!("[{text}]"),
                offset: None,
                bits: None,
                value,
                kind: ChildKind::Entry { key: Box::new(key) },
            };
        }
    }
    RawChild { name: format!("[{index}]"), offset: None, bits: None, value: element, kind: ChildKind::Element(index) }
}

/// The pointer-sized word at `address`, or an error naming it.
pub(super) fn word(reader: &mut dyn Reader, address: u64) -> Result<u64> {
    reader.word(address).ok_or(Error::MemoryAccess(address))
}
