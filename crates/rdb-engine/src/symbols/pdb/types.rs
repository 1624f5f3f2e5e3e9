//! A PDB's type stream (TPI) read into the value model's [`Type`]: the simple types (indices below 0x1000, and
//! pointers to them), pointers and references (`LF_POINTER`), structs, classes and unions with their members,
//! bitfields and base classes (`LF_STRUCTURE`, `LF_CLASS`, `LF_UNION`, `LF_FIELDLIST`, `LF_BITFIELD`,
//! `LF_BCLASS`), arrays, enumerations with their enumerators, `const`/`volatile` (`LF_MODIFIER`, seen through as
//! DWARF's qualifiers are) and function types. A forward reference is resolved to its full definition by unique
//! name, else by name.
//!
//! The stream is read whole on the first question about a type (each record parsed by `pdb2` into owned data kept
//! here), never at load: `lm` and `k` do not pay for it. Malformed records are left out (a type that names one is
//! `<unknown type>`); every chain (modifiers, forward references, continued field lists) is followed a bounded
//! number of steps.

use std::collections::HashMap;

use pdb2::{FallibleIterator, TypeData, Variant};

use crate::values::{BaseKind, Member, Type, TypeId, TypeKind};

/// How a [`TypeId`] names a PDB type: its `die` is the type index with this bit set. A DWARF `.debug_info` offset
/// never has it (no section is 2^63 bytes), so one module may hand out both kinds (a mingw image: its own code's
/// types from the PDB, its runtime's from DWARF) and [`super::super::ModuleSymbols::type_of`] tells them apart.
pub(crate) const PDB_TYPE: u64 = 1 << 63;

/// How many modifiers, forward references, pointers and nested arrays a type is read through.
const MAX_DEPTH: usize = 16;

/// How many continuations of one field list are followed (a cycle of them must end).
const MAX_CONTINUATIONS: usize = 64;

/// The TypeId of type index `index` of the PDB of the module at `module`.
pub(crate) fn id(module: u64, index: u32) -> TypeId {
    TypeId { module, die: PDB_TYPE | u64::from(index) }
}

/// The type index a [`TypeId`] made by [`id`] holds; `None` for a DWARF one.
pub(crate) fn index_of(id: TypeId) -> Option<u32> {
    if id.die & PDB_TYPE == 0 { None } else { u32::try_from(id.die & !PDB_TYPE).ok() }
}

/// One type record, as much of it as the value model uses, owned.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Leaf {
    Record {
        keyword: &'static str,
        name: String,
        unique: Option<String>,
        size: u64,
        fields: Option<u32>,
        forward: bool,
    },
    Enum {
        name: String,
        unique: Option<String>,
        underlying: u32,
        fields: u32,
        forward: bool,
    },
    /// `mark`: `*`, `&` or `&&`; `member`: a pointer to member (shown by name only).
    Pointer {
        target: u32,
        mark: &'static str,
        constant: bool,
        member: bool,
    },
    Modifier {
        target: u32,
        constant: bool,
        volatile: bool,
    },
    /// `size`: the whole array's, in bytes (a PDB gives no count).
    Array {
        element: u32,
        size: u64,
    },
    Bitfield {
        target: u32,
        length: u8,
        position: u8,
    },
    FieldList {
        fields: Vec<Field>,
        continuation: Option<u32>,
    },
    Procedure,
}

/// One entry of a field list.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Field {
    Member { name: String, ty: u32, offset: u64 },
    Base { ty: u32, offset: u64 },
    Enumerator { name: String, value: i64 },
}

/// A PDB's types, read.
pub(crate) struct PdbTypes {
    module: u64,
    leaves: HashMap<u32, Leaf>,
    /// Complete definitions of records and enumerations by unique name and by name (the first of each).
    complete: HashMap<String, u32>,
    /// Whether the program is C++: records are then named without their keyword (`Shape`, not `class Shape`).
    cplusplus: bool,
}

impl PdbTypes {
    /// The types of the PDB in `bytes`, for the module at `module`; `cplusplus` as the compilands say.
    pub fn read(bytes: &'static [u8], module: u64, cplusplus: bool) -> Option<PdbTypes> {
        let mut pdb = super::open(bytes).ok()?;
        // The stream's own bytes, walked beside `pdb2`'s iterator: each record is looked at before `pdb2` parses
        // it (see `parseable`).
        let raw = pdb.raw_stream(pdb2::StreamIndex(2)).ok()??;
        let stream = raw.as_slice();
        let header_size = stream.get(4..8).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)?;
        // `pdb2` 0.11 takes the header off the stream with an `expect` (`ItemInformation::iter`).
        if header_size > stream.len() {
            return None;
        }
        let info = pdb.type_information().ok()?;
        let mut leaves = HashMap::new();
        let mut iter = info.iter();
        let mut at = header_size;
        while let Ok(Some(item)) = iter.next() {
            let Some(length) = stream.get(at..at + 2).map(|b| usize::from(u16::from_le_bytes([b[0], b[1]]))) else {
                break;
            };
            let Some(record) = stream.get(at + 2..at + 2 + length).filter(|r| r.len() == item.len()) else { break };
            at += 2 + length;
            if !parseable(record) {
                continue;
            }
            if let Some(leaf) = item.parse().ok().and_then(leaf) {
                leaves.insert(item.index().0, leaf);
            }
        }
        Some(PdbTypes::new(module, leaves, cplusplus))
    }

    /// Types made of `leaves` (what [`read`](Self::read) parses; tests make their own).
    pub fn new(module: u64, leaves: HashMap<u32, Leaf>, cplusplus: bool) -> PdbTypes {
        let mut complete = HashMap::new();
        let mut indices: Vec<u32> = leaves.keys().copied().collect();
        indices.sort_unstable();
        for index in indices {
            let (name, unique) = match &leaves[&index] {
                Leaf::Record { name, unique, forward: false, .. } | Leaf::Enum { name, unique, forward: false, .. } => {
                    (name, unique)
                }
                _ => continue,
            };
            if let Some(unique) = unique {
                complete.entry(format!("\u{1}{unique}")).or_insert(index);
            }
            complete.entry(name.clone()).or_insert(index);
        }
        PdbTypes { module, leaves, complete, cplusplus }
    }

    /// The id of type index `index`.
    pub fn id(&self, index: u32) -> TypeId {
        id(self.module, index)
    }

    /// The complete definition of the record or enumeration named `name` (`point`, `struct point`, `geo::Shape`).
    pub fn named(&self, name: &str) -> Option<u32> {
        let bare = ["struct ", "class ", "union ", "enum "].iter().find_map(|k| name.strip_prefix(k)).unwrap_or(name);
        self.complete.get(bare.trim()).copied()
    }

    /// The names of the records and enumerations defined, as [`type_of`](Self::type_of) writes them.
    pub fn names(&self) -> Vec<String> {
        self.complete
            .iter()
            .filter(|(k, _)| !k.starts_with('\u{1}'))
            .map(|(_, &index)| self.name_of(index, 0))
            .collect()
    }

    /// The type `id` names, if it is one of this PDB's.
    pub fn type_of(&self, id: TypeId) -> Option<Type> {
        if id.module != self.module {
            return None;
        }
        self.type_at(index_of(id)?, 0)
    }

    /// The complete definition a forward reference stands for (itself where it is one, or none is found).
    fn resolved(&self, index: u32) -> u32 {
        let (name, unique) = match self.leaves.get(&index) {
            Some(Leaf::Record { name, unique, forward: true, .. } | Leaf::Enum { name, unique, forward: true, .. }) => {
                (name, unique)
            }
            _ => return index,
        };
        unique
            .as_ref()
            .and_then(|u| self.complete.get(&format!("\u{1}{u}")))
            .or_else(|| self.complete.get(name))
            .copied()
            .unwrap_or(index)
    }

    pub fn type_at(&self, index: u32, depth: usize) -> Option<Type> {
        if depth > MAX_DEPTH {
            return None;
        }
        if index < 0x1000 {
            return simple(index, self.module);
        }
        let index = self.resolved(index);
        let ty = match self.leaves.get(&index)? {
            Leaf::Record { size, fields, forward, .. } => {
                let members = match fields {
                    Some(list) if !forward => self.members(*list, depth),
                    _ => Vec::new(),
                };
                let size = if *forward { None } else { Some(*size) };
                Type { name: self.name_of(index, depth), size, kind: TypeKind::Record { members } }
            }
            Leaf::Enum { underlying, fields, forward, .. } => {
                let under = self.type_at(*underlying, depth + 1);
                let mut signed = matches!(
                    under.as_ref().map(|u| &u.kind),
                    Some(TypeKind::Base(BaseKind::Signed | BaseKind::Char { signed: true }))
                );
                let enumerators: Vec<(String, i64)> = if *forward {
                    Vec::new()
                } else {
                    self.fields(*fields)
                        .into_iter()
                        .filter_map(|f| match f {
                            Field::Enumerator { name, value } => Some((name, value)),
                            _ => None,
                        })
                        .collect()
                };
                signed |= enumerators.iter().any(|(_, v)| *v < 0);
                Type {
                    name: self.name_of(index, depth),
                    size: under.and_then(|u| u.size),
                    kind: TypeKind::Enum { signed, enumerators },
                }
            }
            Leaf::Pointer { target, mark, member, .. } => {
                if *member {
                    return Some(Type { name: self.name_of(index, depth), size: Some(8), kind: TypeKind::Other });
                }
                Type {
                    name: self.name_of(index, depth),
                    size: Some(8),
                    kind: TypeKind::Pointer {
                        target: (*target != 0x03).then(|| self.id(*target)),
                        reference: *mark != "*",
                    },
                }
            }
            // `const void` is a modifier of the simple type void: an unreadable target is a damaged record.
            Leaf::Modifier { target, .. } => {
                let under = self.type_at(*target, depth + 1)?;
                Type { name: self.name_of(index, depth), size: under.size, kind: under.kind }
            }
            Leaf::Array { element, size } => {
                let element_size = self.type_at(*element, depth + 1).and_then(|t| t.size);
                let count = element_size.filter(|s| *s > 0).map(|s| size / s);
                Type {
                    name: self.name_of(index, depth),
                    size: Some(*size),
                    kind: TypeKind::Array { element: self.id(*element), count },
                }
            }
            Leaf::Bitfield { target, .. } => return self.type_at(*target, depth + 1),
            Leaf::Procedure => Type { name: "<function>".into(), size: None, kind: TypeKind::Function },
            Leaf::FieldList { .. } => return None,
        };
        Some(ty)
    }

    /// A type's name alone, as C and C++ write it (`struct point *`, `int [5]`, `const char *`).
    pub fn name_of(&self, index: u32, depth: usize) -> String {
        const UNKNOWN: &str = "<unknown type>";
        if depth > MAX_DEPTH {
            return UNKNOWN.into();
        }
        if index < 0x1000 {
            return simple(index, self.module).map(|t| t.name).unwrap_or_else(|| UNKNOWN.into());
        }
        let index = self.resolved(index);
        match self.leaves.get(&index) {
            Some(Leaf::Record { keyword, name, .. }) => self.tagged(keyword, name),
            Some(Leaf::Enum { name, .. }) => self.tagged("enum", name),
            Some(Leaf::Pointer { target, mark, constant, .. }) => {
                let pointer = pointer_name(&self.name_of(*target, depth + 1), mark);
                if *constant { format!("{pointer} const") } else { pointer }
            }
            Some(Leaf::Modifier { target, constant, volatile }) => {
                let mut name = self.name_of(*target, depth + 1);
                if *volatile {
                    name = qualified("volatile", &name);
                }
                if *constant {
                    name = qualified("const", &name);
                }
                name
            }
            Some(Leaf::Array { element, size }) => {
                let element_name = self.name_of(*element, depth + 1);
                let element_size = self.type_at(*element, depth + 1).and_then(|t| t.size).filter(|s| *s > 0);
                let dimension = match element_size {
                    Some(s) => format!("[{}]", size / s),
                    None => "[]".into(),
                };
                // An array of arrays: `int [3][4]`, this dimension first.
                match element_name.find(" [") {
                    Some(at) => format!("{} {dimension}{}", &element_name[..at], &element_name[at + 1..]),
                    None => format!("{element_name} {dimension}"),
                }
            }
            Some(Leaf::Bitfield { target, .. }) => self.name_of(*target, depth + 1),
            Some(Leaf::Procedure) => "<function>".into(),
            Some(Leaf::FieldList { .. }) | None => UNKNOWN.into(),
        }
    }

    /// A record's or enumeration's name: C's with its keyword, C++'s as the PDB qualifies it.
    fn tagged(&self, keyword: &str, name: &str) -> String {
        let name = if name.is_empty() { "<unnamed-tag>" } else { name };
        if self.cplusplus { name.to_string() } else { format!("{keyword} {name}") }
    }

    /// A field list's entries, its continuations followed.
    fn fields(&self, mut list: u32) -> Vec<Field> {
        let mut out = Vec::new();
        for _ in 0..MAX_CONTINUATIONS {
            let Some(Leaf::FieldList { fields, continuation }) = self.leaves.get(&list) else { break };
            out.extend(fields.iter().cloned());
            match continuation {
                Some(next) => list = *next,
                None => break,
            }
        }
        out
    }

    /// A record's data members, base classes first (named after their class).
    fn members(&self, list: u32, depth: usize) -> Vec<Member> {
        let fields = self.fields(list);
        let bases = fields.iter().filter_map(|f| match f {
            Field::Base { ty, offset } => Some(Member {
                name: self.name_of(*ty, depth + 1),
                ty: self.id(*ty),
                offset: *offset,
                bits: None,
                base: true,
            }),
            _ => None,
        });
        let data = fields.iter().filter_map(|f| match f {
            Field::Member { name, ty, offset } => Some(match self.leaves.get(ty) {
                Some(Leaf::Bitfield { target, length, position }) => Member {
                    name: name.clone(),
                    ty: self.id(*target),
                    offset: offset.saturating_add(u64::from(position / 8)),
                    bits: Some((u64::from(position % 8), u64::from(*length))),
                    base: false,
                },
                _ => Member { name: name.clone(), ty: self.id(*ty), offset: *offset, bits: None, base: false },
            }),
            _ => None,
        });
        bases.chain(data).collect()
    }
}

/// Whether `pdb2` 0.11 may parse a type record (its kind and data, without the length): only the kinds the value
/// model uses (another kind's parser may reserve what a damaged count claims, `LF_ARGLIST`'s), and an
/// `LF_POINTER` only with a pointer mode CodeView defines (`pdb2` reaches `unreachable!` on another).
pub(crate) fn parseable(record: &[u8]) -> bool {
    const LF_MODIFIER: u16 = 0x1001;
    const LF_POINTER: u16 = 0x1002;
    const LF_PROCEDURE: u16 = 0x1008;
    const LF_MFUNCTION: u16 = 0x1009;
    const LF_FIELDLIST: u16 = 0x1203;
    const LF_BITFIELD: u16 = 0x1205;
    const LF_ARRAY: u16 = 0x1503;
    const LF_CLASS: u16 = 0x1504;
    const LF_STRUCTURE: u16 = 0x1505;
    const LF_UNION: u16 = 0x1506;
    const LF_ENUM: u16 = 0x1507;
    let Some(kind) = record.get(..2).map(|b| u16::from_le_bytes([b[0], b[1]])) else { return false };
    match kind {
        LF_POINTER => record.get(6..10).is_some_and(|b| (u32::from_le_bytes([b[0], b[1], b[2], b[3]]) >> 5) & 7 <= 4),
        LF_MODIFIER | LF_PROCEDURE | LF_MFUNCTION | LF_FIELDLIST | LF_BITFIELD | LF_ARRAY | LF_CLASS | LF_STRUCTURE
        | LF_UNION | LF_ENUM => true,
        _ => false,
    }
}

/// A parsed record as a [`Leaf`]; `None` for the kinds the value model does not use.
fn leaf(data: TypeData<'_>) -> Option<Leaf> {
    let text = |s: pdb2::RawString<'_>| s.to_string().into_owned();
    Some(match data {
        TypeData::Class(c) => Leaf::Record {
            keyword: match c.kind {
                pdb2::ClassKind::Class => "class",
                _ => "struct",
            },
            name: text(c.name),
            unique: c.unique_name.map(text),
            size: c.size,
            fields: c.fields.map(|f| f.0),
            forward: c.properties.forward_reference(),
        },
        TypeData::Union(u) => Leaf::Record {
            keyword: "union",
            name: text(u.name),
            unique: u.unique_name.map(text),
            size: u.size,
            fields: Some(u.fields.0),
            forward: u.properties.forward_reference(),
        },
        TypeData::Enumeration(e) => Leaf::Enum {
            name: text(e.name),
            unique: e.unique_name.map(text),
            underlying: e.underlying_type.0,
            fields: e.fields.0,
            forward: e.properties.forward_reference(),
        },
        TypeData::Pointer(p) => Leaf::Pointer {
            target: p.underlying_type.0,
            mark: match p.attributes.pointer_mode() {
                pdb2::PointerMode::LValueReference => "&",
                pdb2::PointerMode::RValueReference => "&&",
                _ => "*",
            },
            constant: p.attributes.is_const(),
            member: p.attributes.pointer_to_member(),
        },
        TypeData::Modifier(m) => {
            Leaf::Modifier { target: m.underlying_type.0, constant: m.constant, volatile: m.volatile }
        }
        TypeData::Array(a) => Leaf::Array { element: a.element_type.0, size: u64::from(*a.dimensions.last()?) },
        TypeData::Bitfield(b) => Leaf::Bitfield { target: b.underlying_type.0, length: b.length, position: b.position },
        TypeData::Procedure(_) | TypeData::MemberFunction(_) => Leaf::Procedure,
        TypeData::FieldList(list) => Leaf::FieldList {
            fields: list
                .fields
                .into_iter()
                .filter_map(|f| match f {
                    TypeData::Member(m) => {
                        Some(Field::Member { name: text(m.name), ty: m.field_type.0, offset: m.offset })
                    }
                    TypeData::BaseClass(b) => Some(Field::Base { ty: b.base_class.0, offset: u64::from(b.offset) }),
                    // The vtable pointer a class introduces, at its start (`__vfptr`, as Microsoft's tools name
                    // it): what marks the class as polymorphic for dynamic types.
                    TypeData::VirtualFunctionTablePointer(v) => {
                        Some(Field::Member { name: "__vfptr".into(), ty: v.table.0, offset: 0 })
                    }
                    TypeData::Enumerate(e) => Some(Field::Enumerator { name: text(e.name), value: variant(e.value) }),
                    _ => None,
                })
                .collect(),
            continuation: list.continuation.map(|c| c.0),
        },
        _ => return None,
    })
}

fn variant(v: Variant) -> i64 {
    match v {
        Variant::U8(v) => i64::from(v),
        Variant::U16(v) => i64::from(v),
        Variant::U32(v) => i64::from(v),
        Variant::U64(v) => v as i64,
        Variant::I8(v) => i64::from(v),
        Variant::I16(v) => i64::from(v),
        Variant::I32(v) => i64::from(v),
        Variant::I64(v) => v,
    }
}

/// A simple type (an index below 0x1000): its kind in the low byte, and in the next four bits whether it is a
/// pointer to that kind (and how wide).
pub(crate) fn simple(index: u32, module: u64) -> Option<Type> {
    let mode = (index >> 8) & 0xf;
    let kind = index & 0xff;
    if mode != 0 {
        let size = match mode {
            1 => 2,
            2..=5 => 4,
            6 => 8,
            7 => 16,
            _ => return None,
        };
        let target = simple(kind, module)?;
        let name = pointer_name(&target.name, "*");
        let target = (kind != 0x03).then(|| id(module, kind));
        return Some(Type { name, size: Some(size), kind: TypeKind::Pointer { target, reference: false } });
    }
    let base = |name: &str, size: u64, kind: BaseKind| Type {
        name: name.into(),
        size: Some(size),
        kind: TypeKind::Base(kind),
    };
    use BaseKind::{Bool, Char, Float, Signed, Unsigned};
    Some(match kind {
        0x00 => Type { name: "<no type>".into(), size: None, kind: TypeKind::Other },
        0x03 => Type { name: "void".into(), size: None, kind: TypeKind::Void },
        0x08 => base("HRESULT", 4, Signed),
        0x10 => base("signed char", 1, Char { signed: true }),
        0x20 => base("unsigned char", 1, Char { signed: false }),
        0x70 => base("char", 1, Char { signed: true }),
        0x7c => base("char8_t", 1, Char { signed: false }),
        0x68 => base("signed char", 1, Char { signed: true }),
        0x69 => base("unsigned char", 1, Char { signed: false }),
        0x71 => base("wchar_t", 2, Unsigned),
        0x7a => base("char16_t", 2, Unsigned),
        0x7b => base("char32_t", 4, Unsigned),
        0x11 | 0x72 => base("short", 2, Signed),
        0x21 | 0x73 => base("unsigned short", 2, Unsigned),
        0x12 => base("long", 4, Signed),
        0x22 => base("unsigned long", 4, Unsigned),
        0x74 => base("int", 4, Signed),
        0x75 => base("unsigned int", 4, Unsigned),
        0x13 | 0x76 => base("long long", 8, Signed),
        0x23 | 0x77 => base("unsigned long long", 8, Unsigned),
        0x14 | 0x78 => base("__int128", 16, Signed),
        0x24 | 0x79 => base("unsigned __int128", 16, Unsigned),
        0x46 => base("_Float16", 2, Float),
        0x40 => base("float", 4, Float),
        0x41 => base("double", 8, Float),
        0x42 => base("long double", 10, Float),
        0x43 => base("__float128", 16, Float),
        0x30 => base("bool", 1, Bool),
        0x31 => base("bool16", 2, Bool),
        0x32 => base("bool32", 4, Bool),
        0x33 => base("bool64", 8, Bool),
        _ => return None,
    })
}

/// A pointer's or reference's name as C writes it: `char *`, `char **`.
fn pointer_name(pointee: &str, mark: &str) -> String {
    if pointee.ends_with(['*', '&']) { format!("{pointee}{mark}") } else { format!("{pointee} {mark}") }
}

/// A qualifier applied to a type's name as C writes it: before a plain name (`const char`), after a pointer.
fn qualified(qualifier: &str, name: &str) -> String {
    if name.ends_with(['*', '&']) { format!("{name} {qualifier}") } else { format!("{qualifier} {name}") }
}
