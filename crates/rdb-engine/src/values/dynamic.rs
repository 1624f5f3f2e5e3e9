//! Dynamic types, decided once for every front end: a pointer or reference to a polymorphic C++ class points to
//! an object of some class derived from it, named by the vtable its vptr points into (`vtable for Circle` in the
//! Itanium ABI, `Circle::`vftable'` in Microsoft's), as WinDbg's `dx` shows `[Type: Circle *]`. The vtable also
//! says where the whole object starts when the pointer points to a base class's part of it (the Itanium ABI's
//! offset-to-top, 16 bytes before the address point; Microsoft's complete object locator, 8 bytes before).
//!
//! Rust's trait objects (`&dyn Shape`, `Box<dyn Shape>`: a pointer and a vtable) name their concrete type through
//! the vtable too: rustc describes each vtable by a variable `<Circle as Shape>::{vtable}` whose type's
//! `DW_AT_containing_type` is `Circle`; such a value is shown as a pointer to that type (`&Circle`).
//!
//! Nothing here is believed without a check: a vptr that points into no vtable, a vtable of a class not derived
//! from the static type, an offset to the top past any sane object, all leave the value as its static type.

use super::children::Reader;
use super::summary::unsigned;
use super::{Type, TypeId, TypeKind, Value, ValueBytes};

/// How deep base classes are followed (a corrupt or hostile type graph may be cyclic).
const MAX_DEPTH: usize = 16;

/// The largest offset from a base class's part to the object's start believed (no object is larger than this).
const MAX_OFFSET: i64 = 1 << 24;

/// The most derived object a pointer to a record of type `ty` at `address` points into: its type, the type's id
/// and its start. `None` when the record is not polymorphic, its vtable is not recognised, or the dynamic type is
/// the static type at the same address (nothing to show differently).
/// `near` is the static type's id: the derived class is looked for in its module first.
pub(crate) fn most_derived(
    ty: &Type,
    near: Option<TypeId>,
    address: u64,
    reader: &mut dyn Reader,
) -> Option<(Type, TypeId, u64)> {
    if !matches!(ty.kind, TypeKind::Record { .. }) || !has_vptr(ty, reader, 0) {
        return None;
    }
    let vptr = reader.word(address)?;
    if vptr == 0 {
        return None;
    }
    let (symbol, start) = reader.symbol_at(vptr)?;
    let (class, offset) = if let Some(class) = itanium_class(&symbol) {
        // Itanium: the address point follows offset-to-top and the typeinfo pointer.
        if vptr.checked_sub(start)? < 16 {
            return None;
        }
        (class.to_string(), reader.word(vptr - 16)? as i64)
    } else if let Some((class, primary)) = microsoft_class(&symbol) {
        // Microsoft: the symbol is the address point itself; the complete object locator before it (with RTTI)
        // says the part's offset in the object. Without one, only the primary table's part is known: at 0.
        if vptr != start {
            return None;
        }
        let locator = reader.word(vptr.checked_sub(8)?).filter(|&l| l != 0);
        let header = locator.and_then(|l| Some((reader.word(l)?, l)));
        match header {
            // The locator's signature (1 on x64) and then the part's offset, 32 bits each.
            Some((words, _)) if words as u32 == 1 => (class, -i64::from((words >> 32) as u32)),
            _ if primary => (class, 0),
            _ => return None,
        }
    } else {
        return None;
    };
    if !(-MAX_OFFSET..=0).contains(&offset) {
        return None;
    }
    let (derived, id) = reader.named_type(&class, near)?;
    let start = address.wrapping_add(offset as u64);
    if !matches!(derived.kind, TypeKind::Record { .. }) || derived.size.unwrap_or(0) == 0 {
        return None;
    }
    if same_name(&derived.name, &ty.name) {
        return None;
    }
    // A vtable of a class that does not derive from the static type: a vptr gone wrong.
    if !derives_from(&derived, &ty.name, reader, 0) {
        return None;
    }
    Some((derived, id, start))
}

/// `value` as its dynamic type where it is a pointer or reference to a polymorphic class whose object is of a
/// derived class: a `Circle *` pointing to the whole object, for a `Shape *`. `None` where nothing changes.
pub(crate) fn refine(value: &Value, reader: &mut dyn Reader) -> Option<Value> {
    if matches!(value.ty.kind, TypeKind::Record { .. }) {
        return trait_object(value, reader);
    }
    let TypeKind::Pointer { target: Some(target), reference } = value.ty.kind else { return None };
    let ValueBytes::Known(bytes) = &value.bytes else { return None };
    let address = unsigned(bytes);
    if address == 0 {
        return None;
    }
    let pointee = reader.type_of(target)?;
    let (derived, id, start) = most_derived(&pointee, Some(target), address, reader)?;
    let name = format!("{} {}", derived.name, if reference { "&" } else { "*" });
    Some(Value {
        ty: Type { name, size: value.ty.size, kind: TypeKind::Pointer { target: Some(id), reference } },
        type_id: None,
        bytes: ValueBytes::Known(start.to_le_bytes()[..bytes.len().min(8)].to_vec()),
        address: value.address,
    })
}

/// A Rust trait object (`&dyn Shape`, `Box<dyn Shape, Global>`: a record of `pointer` and `vtable`) as a pointer
/// to its concrete type (`&Circle`, `Box<Circle, Global>`).
fn trait_object(value: &Value, reader: &mut dyn Reader) -> Option<Value> {
    let TypeKind::Record { members } = &value.ty.kind else { return None };
    let dyn_at = value.ty.name.find("dyn ")?;
    let (pointer, vtable) = match members.as_slice() {
        [p, v] if p.name == "pointer" && v.name == "vtable" => (p, v),
        _ => return None,
    };
    let ValueBytes::Known(bytes) = &value.bytes else { return None };
    let word = |offset: u64| {
        let at = usize::try_from(offset).ok()?;
        Some(unsigned(bytes.get(at..at.checked_add(8)?)?))
    };
    let (address, table) = (word(pointer.offset)?, word(vtable.offset)?);
    if address == 0 || table == 0 {
        return None;
    }
    let id = reader.vtable_type(table)?;
    let concrete = reader.type_of(id)?;
    // The trait's path ends where its angle brackets close, at a `,` or `>` outside them, or at the end.
    let rest = &value.ty.name[dyn_at..];
    let mut depth = 0usize;
    let end = rest
        .char_indices()
        .find(|&(_, c)| match c {
            '<' => {
                depth += 1;
                false
            }
            '>' if depth > 0 => {
                depth -= 1;
                false
            }
            '>' | ',' => depth == 0,
            _ => false,
        })
        .map_or(rest.len(), |(i, _)| i);
    let name = format!("{}{}{}", &value.ty.name[..dyn_at], bare(&concrete.name), &rest[end..]);
    Some(Value {
        ty: Type { name, size: Some(8), kind: TypeKind::Pointer { target: Some(id), reference: true } },
        type_id: None,
        bytes: ValueBytes::Known(address.to_le_bytes().to_vec()),
        address: value.address.map(|a| a.wrapping_add(pointer.offset)),
    })
}

/// A record object as its dynamic type, where it is the part of a derived object a polymorphic base class's
/// (`*shape`): the whole object. Only for an object a pointer led to: a base class's part shown among its derived
/// object's members must stay the part.
pub(crate) fn whole_object(value: &Value, reader: &mut dyn Reader) -> Option<Value> {
    if let Some(pointer) = trait_object(value, reader) {
        return Some(pointer);
    }
    let address = value.address?;
    let (derived, id, start) = most_derived(&value.ty, value.type_id, address, reader)?;
    Some(reader.object(derived, Some(id), start))
}

/// The object a pointer to `ty` (id `id`) at `address` points to, as its dynamic type where it has one.
pub(crate) fn pointee(ty: Type, id: TypeId, address: u64, reader: &mut dyn Reader) -> Value {
    match most_derived(&ty, Some(id), address, reader) {
        Some((derived, derived_id, start)) => reader.object(derived, Some(derived_id), start),
        None => reader.object(ty, Some(id), address),
    }
}

/// Whether a record has a vptr at its start: its own (`_vptr.Shape` from gcc, `_vptr$Shape` from clang,
/// `__vfptr` from a PDB) or its first base class's.
fn has_vptr(ty: &Type, reader: &mut dyn Reader, depth: usize) -> bool {
    let TypeKind::Record { members } = &ty.kind else { return false };
    if depth > MAX_DEPTH {
        return false;
    }
    members.iter().filter(|m| m.offset == 0).any(|m| {
        if m.name.starts_with("_vptr") || m.name == "__vfptr" {
            return true;
        }
        m.base && reader.type_of(m.ty).is_some_and(|base| has_vptr(&base, reader, depth + 1))
    })
}

/// Whether `ty` has a base class named `base`, at any depth.
fn derives_from(ty: &Type, base: &str, reader: &mut dyn Reader, depth: usize) -> bool {
    let TypeKind::Record { members } = &ty.kind else { return false };
    if depth > MAX_DEPTH {
        return false;
    }
    members.iter().filter(|m| m.base).any(|m| {
        reader.type_of(m.ty).is_some_and(|b| same_name(&b.name, base) || derives_from(&b, base, reader, depth + 1))
    })
}

/// Two names of one record, whatever qualifiers or keyword one of them carries (`const Shape`, `struct Shape`).
fn same_name(a: &str, b: &str) -> bool {
    bare(a) == bare(b)
}

fn bare(name: &str) -> &str {
    let mut name = name.trim();
    for prefix in ["const ", "volatile ", "struct ", "class ", "union "] {
        name = name.strip_prefix(prefix).unwrap_or(name);
    }
    name.strip_suffix(" const").unwrap_or(name)
}

/// The class an Itanium vtable's symbol names, as demanglers write it: `vtable for Circle` (c++filt's words),
/// `{vtable(Circle)}` (cpp_demangle's).
fn itanium_class(symbol: &str) -> Option<String> {
    let class = symbol.strip_prefix("vtable for ").or_else(|| symbol.strip_prefix("{vtable(")?.strip_suffix(")}"))?;
    Some(class.to_string())
}

/// The class a Microsoft vtable's symbol names, and whether it is the class's primary table: demangled
/// (`const geo::Circle::`vftable'`, `const Both::`vftable'{for `Counted'}`) or as linked (`??_7Circle@geo@@6B@`,
/// `??_7Both@@6BCounted@@@`). A template's mangled name is not read.
fn microsoft_class(symbol: &str) -> Option<(String, bool)> {
    if let Some(mangled) = symbol.strip_prefix("??_7") {
        let (path, rest) = mangled.split_once("@@6B")?;
        if path.contains(['?', '$']) || path.is_empty() {
            return None;
        }
        let class: Vec<&str> = path.split('@').rev().collect();
        return Some((class.join("::"), rest == "@"));
    }
    let symbol = symbol.strip_prefix("const ").unwrap_or(symbol);
    let (class, rest) = symbol.split_once("::`vftable'")?;
    Some((class.to_string(), rest.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::ReadMemory;
    use crate::values::Member;
    use std::collections::HashMap;

    /// A program's memory, symbols and types, as a test lays them out.
    #[derive(Default)]
    struct Image {
        memory: HashMap<u64, u64>,
        symbols: Vec<(String, u64, u64)>,
        types: HashMap<u64, Type>,
    }

    impl ReadMemory for Image {
        fn read(&mut self, address: u64, buf: &mut [u8]) -> crate::error::Result<usize> {
            for (i, byte) in buf.iter_mut().enumerate() {
                let at = address + i as u64;
                let word = self.memory.get(&(at & !7)).ok_or(crate::error::Error::MemoryAccess(at))?;
                *byte = word.to_le_bytes()[(at & 7) as usize];
            }
            Ok(buf.len())
        }
    }

    impl Reader for Image {
        fn type_of(&mut self, id: TypeId) -> Option<Type> {
            self.types.get(&id.die).cloned()
        }

        fn object(&mut self, ty: Type, type_id: Option<TypeId>, address: u64) -> Value {
            let size = ty.size.unwrap_or(0);
            let bytes = (0..size.div_ceil(8))
                .flat_map(|i| self.memory.get(&(address + 8 * i)).copied().unwrap_or(0).to_le_bytes())
                .take(size as usize)
                .collect();
            Value { ty, type_id, bytes: ValueBytes::Known(bytes), address: Some(address) }
        }

        fn memory(&mut self) -> &mut dyn ReadMemory {
            self
        }

        fn template_args(&mut self, _: TypeId) -> Vec<TypeId> {
            Vec::new()
        }

        fn symbol_at(&mut self, address: u64) -> Option<(String, u64)> {
            self.symbols
                .iter()
                .find(|(_, start, size)| (*start..start + size).contains(&address))
                .map(|(n, s, _)| (n.clone(), *s))
        }

        fn vtable_type(&mut self, vtable: u64) -> Option<TypeId> {
            (vtable == 0x9300).then_some(TypeId::new(0, 11))
        }

        fn named_type(&mut self, name: &str, _near: Option<TypeId>) -> Option<(Type, TypeId)> {
            self.types.iter().find(|(_, t)| t.name == name).map(|(id, t)| (t.clone(), TypeId::new(0, *id)))
        }
    }

    fn member(name: &str, ty: u64, offset: u64, base: bool) -> Member {
        Member { name: name.into(), ty: TypeId::new(0, ty), offset, bits: None, base }
    }

    fn record(name: &str, size: u64, members: Vec<Member>) -> Type {
        Type { name: name.into(), size: Some(size), kind: TypeKind::Record { members } }
    }

    /// Shape (vptr, id), Circle : Shape (radius), Other (vptr), Counted (vptr, count), Both : Named, Counted;
    /// a Circle at 0x1000 and a Both at 0x2000.
    fn image() -> Image {
        let mut image = Image::default();
        let ptr =
            Type { name: "void *".into(), size: Some(8), kind: TypeKind::Pointer { target: None, reference: false } };
        image.types.insert(1, ptr);
        image
            .types
            .insert(10, record("Shape", 16, vec![member("_vptr.Shape", 1, 0, false), member("id", 1, 8, false)]));
        image
            .types
            .insert(11, record("Circle", 24, vec![member("Shape", 10, 0, true), member("radius", 1, 16, false)]));
        image.types.insert(12, record("Other", 8, vec![member("_vptr.Other", 1, 0, false)]));
        image.types.insert(13, record("Named", 16, vec![member("_vptr.Named", 1, 0, false)]));
        image.types.insert(14, record("Counted", 16, vec![member("_vptr.Counted", 1, 0, false)]));
        image.types.insert(15, record("Both", 40, vec![member("Named", 13, 0, true), member("Counted", 14, 16, true)]));
        image.types.insert(16, record("Plain", 8, vec![member("x", 1, 0, false)]));
        image.symbols.push(("vtable for Circle".into(), 0x9000, 0x28));
        image.symbols.push(("{vtable(Other)}".into(), 0x9100, 0x28));
        image.symbols.push(("vtable for Both".into(), 0x9200, 0x50));
        image.memory.insert(0x9000, 0); // Circle's offset to top
        image.memory.insert(0x1000, 0x9010);
        image.memory.insert(0x1010, 0x4004_0000_0000_0000); // 2.5
        image.memory.insert(0x9200, 0);
        image.memory.insert(0x9228, (-16i64) as u64); // Both's secondary table: Counted at +16
        image.memory.insert(0x2000, 0x9210);
        image.memory.insert(0x2010, 0x9238);
        image
    }

    fn pointer_to(target: u64, address: u64) -> Value {
        Value {
            ty: Type {
                name: "Shape *".into(),
                size: Some(8),
                kind: TypeKind::Pointer { target: Some(TypeId::new(0, target)), reference: false },
            },
            type_id: None,
            bytes: ValueBytes::Known(address.to_le_bytes().to_vec()),
            address: None,
        }
    }

    #[test]
    fn a_base_pointer_shows_the_derived_object() {
        let mut image = image();
        let shape = image.types[&10].clone();
        let (derived, id, start) = most_derived(&shape, None, 0x1000, &mut image).expect("Circle");
        assert_eq!((derived.name.as_str(), id.die, start), ("Circle", 11, 0x1000));
        let refined = refine(&pointer_to(10, 0x1000), &mut image).expect("a Circle *");
        assert_eq!(refined.ty.name, "Circle *");
        let object = pointee(shape, TypeId::new(0, 10), 0x1000, &mut image);
        assert_eq!(object.ty.name, "Circle");
    }

    #[test]
    fn a_second_base_points_into_the_middle_of_the_object() {
        let mut image = image();
        let counted = image.types[&14].clone();
        let (derived, _, start) = most_derived(&counted, None, 0x2010, &mut image).expect("Both");
        assert_eq!((derived.name.as_str(), start), ("Both", 0x2000));
        let refined = refine(&pointer_to(14, 0x2010), &mut image).expect("a Both *");
        assert_eq!(refined.bytes, ValueBytes::Known(0x2000u64.to_le_bytes().to_vec()));
    }

    #[test]
    fn corrupt_or_unrelated_vtables_leave_the_static_type() {
        let mut image = image();
        let shape = image.types[&10].clone();
        // A vptr into no vtable, a null one, an unreadable object.
        image.memory.insert(0x3000, 0x5555);
        image.memory.insert(0x3100, 0);
        assert!(most_derived(&shape, None, 0x3000, &mut image).is_none());
        assert!(most_derived(&shape, None, 0x3100, &mut image).is_none());
        assert!(most_derived(&shape, None, 0x7000, &mut image).is_none());
        // A vtable of a class not derived from Shape.
        image.memory.insert(0x3200, 0x9110);
        image.memory.insert(0x9100, 0);
        assert!(most_derived(&shape, None, 0x3200, &mut image).is_none());
        // An offset to top past any object; a vptr at the table's very start.
        image.memory.insert(0x3300, 0x9010);
        image.memory.insert(0x9000, (-(1i64 << 40)) as u64);
        assert!(most_derived(&shape, None, 0x3300, &mut image).is_none());
        image.memory.insert(0x3400, 0x9000);
        assert!(most_derived(&shape, None, 0x3400, &mut image).is_none());
        // A record without a vptr is never read as anything else.
        let plain = image.types[&16].clone();
        image.memory.insert(0x3500, 0x9010);
        assert!(most_derived(&plain, None, 0x3500, &mut image).is_none());
        let object = pointee(shape, TypeId::new(0, 10), 0x3000, &mut image);
        assert_eq!(object.ty.name, "Shape");
    }

    #[test]
    fn a_rust_trait_object_shows_its_concrete_type() {
        let mut image = image();
        let fat = |name: &str, table: u64| Value {
            ty: record(name, 16, vec![member("pointer", 1, 0, false), member("vtable", 1, 8, false)]),
            type_id: None,
            bytes: ValueBytes::Known([0x1000u64.to_le_bytes(), table.to_le_bytes()].concat()),
            address: Some(0x4000),
        };
        let shown = refine(&fat("&dyn demo::Shape", 0x9300), &mut image).expect("a &Circle");
        assert_eq!(shown.ty.name, "&Circle");
        assert_eq!(shown.bytes, ValueBytes::Known(0x1000u64.to_le_bytes().to_vec()));
        let boxed = refine(&fat("alloc::boxed::Box<dyn demo::Shape<i32>, alloc::alloc::Global>", 0x9300), &mut image);
        assert_eq!(boxed.expect("a Box<Circle>").ty.name, "alloc::boxed::Box<Circle, alloc::alloc::Global>");
        // A vtable rustc described nowhere, or a record that is no trait object, stays as it is.
        assert!(refine(&fat("&dyn demo::Shape", 0x9310), &mut image).is_none());
        assert!(refine(&fat("demo::Pair", 0x9300), &mut image).is_none());
    }

    #[test]
    fn vtable_names() {
        assert_eq!(itanium_class("vtable for ns::Circle<int>").as_deref(), Some("ns::Circle<int>"));
        assert_eq!(itanium_class("{vtable(Circle)}").as_deref(), Some("Circle"));
        assert_eq!(itanium_class("Circle::area"), None);
        let class = microsoft_class;
        assert_eq!(class("const Circle::`vftable'"), Some(("Circle".into(), true)));
        assert_eq!(class("const Both::`vftable'{for `Counted'}"), Some(("Both".into(), false)));
        assert_eq!(class("??_7Circle@geo@@6B@"), Some(("geo::Circle".into(), true)));
        assert_eq!(class("??_7Both@@6BCounted@@@"), Some(("Both".into(), false)));
        assert_eq!(class("??_7?$Box@H@@6B@"), None);
        assert_eq!(class("vtable for Circle"), None);
    }
}
