//! DWARF type entries read into the value model's [`Type`]: base types, pointers and references, structs, classes
//! and unions with their members and bitfields, arrays, enumerations, typedefs and qualifiers (seen through).
//! Malformed DWARF (a cycle of typedefs, a reference out of the section) yields no type or an `Other`, never a
//! panic or a hang: every chain is followed a bounded number of steps.

use gimli::{AttributeValue, DwTag, UnitOffset, constants as dw};

use super::units::{Unit, reference, start_of};
use super::{DwarfInfo, attr_name};
use crate::values::{BaseKind, Language, Member, Type, TypeId, TypeKind, Variant};

/// How many typedefs, qualifiers and pointers a type's name may be built through.
const MAX_DEPTH: usize = 16;

impl DwarfInfo {
    /// The type `id` names, read from its unit.
    pub fn type_of(&self, id: TypeId) -> Option<Type> {
        if id.module != self.module {
            return None;
        }
        self.type_at(id.die, 0)
    }

    /// The template type arguments of the record `id` names (its `DW_TAG_template_type_parameter`s, in order),
    /// through its typedefs and qualifiers.
    pub fn template_args(&self, id: TypeId) -> Vec<TypeId> {
        if id.module != self.module {
            return Vec::new();
        }
        let mut global = id.die;
        for _ in 0..MAX_DEPTH {
            let Some((unit, offset)) = self.units.die(&self.dwarf, global) else { return Vec::new() };
            let Ok(entry) = unit.entry(offset) else { return Vec::new() };
            match entry.tag() {
                dw::DW_TAG_typedef
                | dw::DW_TAG_const_type
                | dw::DW_TAG_volatile_type
                | dw::DW_TAG_restrict_type
                | dw::DW_TAG_atomic_type => match entry.attr_value(dw::DW_AT_type).and_then(|v| reference(&unit, v)) {
                    Some(next) => global = next,
                    None => return Vec::new(),
                },
                _ => {
                    // A variadic template's arguments are in a pack (`std::variant<int, double>`'s `_Types`).
                    return children(&unit, offset)
                        .into_iter()
                        .flat_map(|(tag, child)| match tag {
                            dw::DW_TAG_GNU_template_parameter_pack => children(&unit, child),
                            _ => vec![(tag, child)],
                        })
                        .filter(|(tag, _)| *tag == dw::DW_TAG_template_type_parameter)
                        .filter_map(|(_, child)| {
                            let e = unit.entry(child).ok()?;
                            let ty = e.attr_value(dw::DW_AT_type).and_then(|v| reference(&unit, v))?;
                            Some(self.id(ty))
                        })
                        .collect();
                }
            }
        }
        Vec::new()
    }

    /// The id of the type entry at `.debug_info` offset `die` of this module.
    pub fn id(&self, die: u64) -> TypeId {
        TypeId { module: self.module, die }
    }

    fn type_at(&self, global: u64, depth: usize) -> Option<Type> {
        if depth > MAX_DEPTH {
            return None;
        }
        let (unit, offset) = self.units.die(&self.dwarf, global)?;
        let entry = unit.entry(offset).ok()?;
        let name = attr_name(&self.dwarf, &unit, &entry);
        let size = entry.attr_value(dw::DW_AT_byte_size).and_then(|v| v.udata_value());
        let target = entry.attr_value(dw::DW_AT_type).and_then(|v| reference(&unit, v));
        let ty = match entry.tag() {
            dw::DW_TAG_base_type => {
                let encoding = match entry.attr_value(dw::DW_AT_encoding) {
                    Some(AttributeValue::Encoding(e)) => e,
                    _ => return Some(Type { name: name.unwrap_or_default(), size, kind: TypeKind::Other }),
                };
                let kind = match encoding {
                    dw::DW_ATE_signed => BaseKind::Signed,
                    dw::DW_ATE_unsigned => BaseKind::Unsigned,
                    dw::DW_ATE_signed_char => BaseKind::Char { signed: true },
                    // UTF-8, UTF-16 and UTF-32 code units (`char8_t`, `char32_t`, Rust's `char`) are characters.
                    dw::DW_ATE_unsigned_char | dw::DW_ATE_UTF => BaseKind::Char { signed: false },
                    dw::DW_ATE_boolean => BaseKind::Bool,
                    dw::DW_ATE_float => BaseKind::Float,
                    _ => return Some(Type { name: name.unwrap_or_default(), size, kind: TypeKind::Other }),
                };
                Type { name: name.unwrap_or_default(), size, kind: TypeKind::Base(kind) }
            }
            dw::DW_TAG_pointer_type | dw::DW_TAG_reference_type | dw::DW_TAG_rvalue_reference_type => {
                let reference = entry.tag() != dw::DW_TAG_pointer_type;
                let mark = match entry.tag() {
                    dw::DW_TAG_pointer_type => "*",
                    dw::DW_TAG_reference_type => "&",
                    _ => "&&",
                };
                // rustc names its pointers and references as Rust writes them (`&str`, `*const u8`).
                let name = name.unwrap_or_else(|| {
                    let pointee = target.map(|t| self.type_name(t, depth + 1)).unwrap_or_else(|| "void".into());
                    unnamed_pointer(&unit, &pointee, mark)
                });
                Type {
                    name,
                    size: size.or(Some(8)),
                    kind: TypeKind::Pointer { target: target.map(|t| self.id(t)), reference },
                }
            }
            dw::DW_TAG_structure_type | dw::DW_TAG_class_type | dw::DW_TAG_union_type
                if let Some(kind) = self.variants(&unit, offset) =>
            {
                let name = self.tagged(&unit, offset, "enum", name.as_deref());
                Type { name, size, kind }
            }
            dw::DW_TAG_structure_type | dw::DW_TAG_class_type | dw::DW_TAG_union_type => {
                let keyword = keyword(entry.tag()).unwrap_or("struct");
                // Base classes first, as members named after their class, at their offsets.
                let members = children(&unit, offset)
                    .into_iter()
                    .filter_map(|(tag, child)| match tag {
                        dw::DW_TAG_inheritance => {
                            let mut m = member(&self.dwarf, &unit, child, self.module)?;
                            m.name = self.type_name(m.ty.die, depth + 1);
                            m.base = true;
                            Some(m)
                        }
                        dw::DW_TAG_member => member(&self.dwarf, &unit, child, self.module),
                        _ => None,
                    })
                    .collect();
                let name = self.tagged(&unit, offset, keyword, name.as_deref());
                Type { name, size, kind: TypeKind::Record { members } }
            }
            dw::DW_TAG_array_type => {
                let element = target?;
                let counts: Vec<Option<u64>> = children(&unit, offset)
                    .into_iter()
                    .filter(|(tag, _)| *tag == dw::DW_TAG_subrange_type)
                    .map(|(_, child)| subrange_count(&unit, child))
                    .collect();
                let element_type = self.type_at(element, depth + 1)?;
                // A multi-dimensional array is read as one run of its elements.
                let count = counts.iter().try_fold(1u64, |n, c| c.and_then(|c| n.checked_mul(c)));
                let dims: String =
                    counts.iter().map(|c| c.map(|c| format!("[{c}]")).unwrap_or_else(|| "[]".into())).collect();
                let size = size.or_else(|| element_type.size?.checked_mul(count?));
                let name = if super::units::language(&unit) == Language::Rust {
                    // Rust writes `[i32; 4]` (and `[[u8; 2]; 3]` for nested arrays, which rustc also nests).
                    counts.iter().rev().fold(element_type.name.clone(), |inner, c| match c {
                        Some(c) => format!("[{inner}; {c}]"),
                        None => format!("[{inner}]"),
                    })
                } else {
                    format!("{} {}", element_type.name, if dims.is_empty() { "[]".into() } else { dims })
                };
                Type { name, size, kind: TypeKind::Array { element: self.id(element), count } }
            }
            dw::DW_TAG_enumeration_type => {
                let underlying = target.and_then(|t| self.type_at(t, depth + 1));
                let mut signed = matches!(
                    underlying.as_ref().map(|u| &u.kind),
                    Some(TypeKind::Base(BaseKind::Signed | BaseKind::Char { signed: true }))
                );
                let mut enumerators = Vec::new();
                for (tag, child) in children(&unit, offset) {
                    if tag != dw::DW_TAG_enumerator {
                        continue;
                    }
                    let Ok(e) = unit.entry(child) else { continue };
                    let value = match e.attr_value(dw::DW_AT_const_value) {
                        Some(AttributeValue::Sdata(v)) => {
                            signed |= v < 0;
                            v
                        }
                        Some(v) => v.udata_value().map(|u| u as i64).unwrap_or(0),
                        None => continue,
                    };
                    enumerators.push((attr_name(&self.dwarf, &unit, &e).unwrap_or_default(), value));
                }
                let name = self.tagged(&unit, offset, "enum", name.as_deref());
                Type {
                    name,
                    size: size.or(underlying.and_then(|u| u.size)),
                    kind: TypeKind::Enum { signed, enumerators },
                }
            }
            dw::DW_TAG_typedef => {
                let under = target.and_then(|t| self.type_at(t, depth + 1));
                let name = self.scoped(&unit, offset, name.unwrap_or_default());
                match under {
                    Some(under) => Type { name, size: under.size, kind: under.kind },
                    None => Type { name, size: None, kind: TypeKind::Void },
                }
            }
            dw::DW_TAG_const_type | dw::DW_TAG_volatile_type | dw::DW_TAG_restrict_type | dw::DW_TAG_atomic_type => {
                let qualifier = qualifier(entry.tag());
                match target.and_then(|t| self.type_at(t, depth + 1)) {
                    Some(under) => Type { name: qualified(qualifier, &under.name), size: under.size, kind: under.kind },
                    None => Type { name: format!("{qualifier} void"), size: None, kind: TypeKind::Void },
                }
            }
            dw::DW_TAG_subroutine_type => Type { name: "<function>".into(), size: None, kind: TypeKind::Function },
            dw::DW_TAG_unspecified_type if name.as_deref() == Some("decltype(nullptr)") => Type {
                name: "std::nullptr_t".into(),
                size: Some(8),
                kind: TypeKind::Pointer { target: None, reference: false },
            },
            _ => Type { name: name.unwrap_or_else(|| "<unknown type>".into()), size, kind: TypeKind::Other },
        };
        Some(ty)
    }

    /// A Rust enum (a record holding a `DW_TAG_variant_part`): its discriminant member and its variants, each
    /// with the discriminant values choosing it (none for the default) and the record of its fields.
    fn variants(&self, unit: &Unit, offset: UnitOffset<usize>) -> Option<TypeKind> {
        let (_, part) = children(unit, offset).into_iter().find(|(tag, _)| *tag == dw::DW_TAG_variant_part)?;
        let part_entry = unit.entry(part).ok()?;
        let discr_at = part_entry.attr_value(dw::DW_AT_discr).and_then(|v| reference(unit, v));
        let mut discriminant = None;
        let mut variants = Vec::new();
        for (tag, child) in children(unit, part) {
            match tag {
                dw::DW_TAG_member => {
                    let global = child.to_debug_info_offset(&unit.header).map(|o| o.0 as u64);
                    if global.is_some() && global == discr_at {
                        discriminant = member(&self.dwarf, unit, child, self.module);
                    }
                }
                dw::DW_TAG_variant => {
                    let Ok(v) = unit.entry(child) else { continue };
                    let values = match v.attr_value(dw::DW_AT_discr_value) {
                        Some(AttributeValue::Sdata(n)) => vec![n as u64],
                        // A 128-bit discriminant's value (`DW_FORM_data16`, read as a block): its low half, which
                        // `rust::active` compares where the discriminant's high half is zero.
                        Some(AttributeValue::Block(block)) => {
                            let bytes = gimli::Reader::to_slice(&block).map(|b| b.to_vec()).unwrap_or_default();
                            let mut low = [0u8; 8];
                            let n = bytes.len().min(8);
                            low[..n].copy_from_slice(&bytes[..n]);
                            vec![u64::from_le_bytes(low)]
                        }
                        Some(value) => match value.udata_value() {
                            Some(n) => vec![n],
                            // A value rdb cannot read must not make its variant the default: it is left out.
                            None => continue,
                        },
                        None => Vec::new(),
                    };
                    let Some((_, field)) = children(unit, child).into_iter().find(|(tag, _)| *tag == dw::DW_TAG_member)
                    else {
                        continue;
                    };
                    let Some(m) = member(&self.dwarf, unit, field, self.module) else { continue };
                    variants.push(Variant { name: m.name, values, fields: m.ty });
                }
                _ => {}
            }
        }
        Some(TypeKind::Variants { discriminant, variants })
    }

    /// A record's or enumeration's name as its language writes it: C with its keyword (`struct point`), C++
    /// qualified by its namespaces and classes (`geo::Shape`).
    fn tagged(&self, unit: &Unit, offset: UnitOffset<usize>, keyword: &str, name: Option<&str>) -> String {
        let name = name.unwrap_or("<unnamed-tag>");
        match start_of(unit) {
            Some(start) => {
                let scopes = self.units.scopes(&self.dwarf, unit, start);
                if scopes.cplusplus { format!("{}{name}", scopes.prefix(offset)) } else { format!("{keyword} {name}") }
            }
            None => format!("{keyword} {name}"),
        }
    }

    /// A name declared in C++ qualified by its namespaces and classes; a C name as it is.
    fn scoped(&self, unit: &Unit, offset: UnitOffset<usize>, name: String) -> String {
        match start_of(unit) {
            Some(start) => format!("{}{name}", self.units.scopes(&self.dwarf, unit, start).prefix(offset)),
            None => name,
        }
    }

    /// A type's name alone (for what a pointer points to: its members are not needed).
    fn type_name(&self, global: u64, depth: usize) -> String {
        if depth > MAX_DEPTH {
            return "<unknown type>".into();
        }
        let Some((unit, offset)) = self.units.die(&self.dwarf, global) else { return "<unknown type>".into() };
        let Ok(entry) = unit.entry(offset) else { return "<unknown type>".into() };
        let name = attr_name(&self.dwarf, &unit, &entry);
        let target = entry.attr_value(dw::DW_AT_type).and_then(|v| reference(&unit, v));
        let inner = |mark: &str| {
            let pointee = target.map(|t| self.type_name(t, depth + 1)).unwrap_or_else(|| "void".into());
            unnamed_pointer(&unit, &pointee, mark)
        };
        if let Some(keyword) = keyword(entry.tag()) {
            return self.tagged(&unit, offset, keyword, name.as_deref());
        }
        match entry.tag() {
            dw::DW_TAG_pointer_type | dw::DW_TAG_reference_type | dw::DW_TAG_rvalue_reference_type
                if name.is_some() =>
            {
                name.unwrap_or_default()
            }
            dw::DW_TAG_pointer_type => inner("*"),
            dw::DW_TAG_reference_type => inner("&"),
            dw::DW_TAG_rvalue_reference_type => inner("&&"),
            dw::DW_TAG_const_type | dw::DW_TAG_volatile_type | dw::DW_TAG_restrict_type | dw::DW_TAG_atomic_type => {
                let under = target.map(|t| self.type_name(t, depth + 1)).unwrap_or_else(|| "void".into());
                qualified(qualifier(entry.tag()), &under)
            }
            dw::DW_TAG_subroutine_type => "<function>".into(),
            dw::DW_TAG_array_type => {
                self.type_at(global, depth).map(|t| t.name).unwrap_or_else(|| "<unknown type>".into())
            }
            dw::DW_TAG_typedef => self.scoped(&unit, offset, name.unwrap_or_default()),
            _ => name.unwrap_or_else(|| "<unknown type>".into()),
        }
    }
}

/// The name of a pointer the debug information leaves unnamed: as C writes it, or in a Rust unit (where rustc
/// names references and leaves raw pointers such as a slice's `data_ptr` unnamed) as Rust does, `*mut u8`.
fn unnamed_pointer(unit: &Unit, pointee: &str, mark: &str) -> String {
    if super::units::language(unit) == Language::Rust { format!("*mut {pointee}") } else { pointer_name(pointee, mark) }
}

/// A pointer's or reference's name as C writes it: `char *`, `char **`, `const char *const`.
fn pointer_name(pointee: &str, mark: &str) -> String {
    if pointee.ends_with(['*', '&']) { format!("{pointee}{mark}") } else { format!("{pointee} {mark}") }
}

/// The keyword C writes before a struct's, class's, union's or enumeration's tag.
pub(super) fn keyword(tag: DwTag) -> Option<&'static str> {
    Some(match tag {
        dw::DW_TAG_structure_type => "struct",
        dw::DW_TAG_class_type => "class",
        dw::DW_TAG_union_type => "union",
        dw::DW_TAG_enumeration_type => "enum",
        _ => return None,
    })
}

fn qualifier(tag: DwTag) -> &'static str {
    match tag {
        dw::DW_TAG_const_type => "const",
        dw::DW_TAG_volatile_type => "volatile",
        dw::DW_TAG_restrict_type => "restrict",
        _ => "_Atomic",
    }
}

/// `const` applied to a type's name as C writes it: before a plain name (`const char`), after a pointer
/// (`char * const`).
fn qualified(qualifier: &str, name: &str) -> String {
    if name.ends_with('*') || name.ends_with('&') {
        format!("{name} {qualifier}")
    } else {
        format!("{qualifier} {name}")
    }
}

/// The children of the entry at `offset`: their tags and offsets.
pub(super) fn children(unit: &Unit, offset: UnitOffset<usize>) -> Vec<(DwTag, UnitOffset<usize>)> {
    let mut out = Vec::new();
    let Ok(mut tree) = unit.entries_tree(Some(offset)) else { return out };
    let Ok(root) = tree.root() else { return out };
    let mut children = root.children();
    while let Ok(Some(child)) = children.next() {
        out.push((child.entry().tag(), child.entry().offset()));
    }
    out
}

fn member(
    dwarf: &gimli::Dwarf<crate::symbols::file::Reader>,
    unit: &Unit,
    offset: UnitOffset<usize>,
    module: u64,
) -> Option<Member> {
    let entry = unit.entry(offset).ok()?;
    let ty = entry.attr_value(dw::DW_AT_type).and_then(|v| reference(unit, v))?;
    let name = attr_name(dwarf, unit, &entry).unwrap_or_default();
    let location = match entry.attr_value(dw::DW_AT_data_member_location) {
        // DWARF 2's form: an expression, in practice `DW_OP_plus_uconst n`.
        Some(AttributeValue::Exprloc(expr)) => {
            let mut ops = expr.operations(unit.encoding());
            match ops.next() {
                Ok(Some(gimli::Operation::PlusConstant { value })) => Some(value),
                _ => None,
            }
        }
        Some(v) => v.udata_value(),
        None => None,
    };
    let bit_size = entry.attr_value(dw::DW_AT_bit_size).and_then(|v| v.udata_value());
    let byte_size = entry.attr_value(dw::DW_AT_byte_size).and_then(|v| v.udata_value());
    let (offset, bits) = match (bit_size, entry.attr_value(dw::DW_AT_data_bit_offset).and_then(|v| v.udata_value())) {
        // DWARF 4 and 5: the bit offset from the start of the record.
        (Some(width), Some(bit)) => (bit / 8, Some((bit % 8, width))),
        (Some(width), None) => {
            // DWARF 2 and 3: the offset of the storage unit, and the field's offset from its most significant bit.
            let storage = byte_size.unwrap_or(4);
            let from_msb = entry.attr_value(dw::DW_AT_bit_offset).and_then(|v| v.udata_value()).unwrap_or(0);
            let from_lsb = (storage * 8).checked_sub(from_msb.checked_add(width)?)?;
            let base = location.unwrap_or(0);
            (base + from_lsb / 8, Some((from_lsb % 8, width)))
        }
        _ => (location.unwrap_or(0), None),
    };
    Some(Member { name, ty: TypeId { module, die: ty }, offset, bits, base: false })
}

/// How many elements a subrange counts: `DW_AT_count`, or `DW_AT_upper_bound` + 1 (lower bound 0, as in C).
fn subrange_count(unit: &Unit, offset: UnitOffset<usize>) -> Option<u64> {
    let entry = unit.entry(offset).ok()?;
    if let Some(count) = entry.attr_value(dw::DW_AT_count).and_then(|v| v.udata_value()) {
        return Some(count);
    }
    let upper = entry.attr_value(dw::DW_AT_upper_bound)?;
    // An upper bound of -1 (all ones in its form) is a zero-length array.
    match upper {
        AttributeValue::Sdata(-1) => Some(0),
        AttributeValue::Data4(u32::MAX) | AttributeValue::Data8(u64::MAX) => Some(0),
        v => v.udata_value()?.checked_add(1),
    }
}
