//! Rust's values as Rust writes them, decided once for every front end: which variant an enum holds (tagged or
//! niche layout alike, as rustc describes both with `DW_TAG_variant_part`), and the one-line text of an enum
//! (`Some(7)`, `None`, `Err("BAD")`, `Circle { radius: 2.5 }`, `Rect(3, 4)`) and of a tuple (`(1, 2.5)`).

use super::children::{Reader, member};
use super::summary::summary_of;
use super::summary::unsigned;
use super::{BaseKind, Member, Summary, Type, TypeId, TypeKind, Value, ValueBytes, Variant};

/// How deeply values nested in a line are written out before `..` stands for the rest.
const MAX_NESTING: usize = 3;

/// Why no variant of an enum matched its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unmatched {
    /// The discriminant's bytes are not there (optimized out, unreadable).
    Unknown,
    /// The discriminant holds a value no variant has, and there is no default variant: a corrupt value.
    Invalid(u64),
}

/// The variant an enum value holds: the variant whose discriminant values include the discriminant's value (read
/// with its own width), else the variant with none (the default, which a niche layout gives the variant whose
/// data holds the niche). An enum with no discriminant has one variant.
pub fn active<'a>(
    value: &Value,
    discriminant: Option<&Member>,
    variants: &'a [Variant],
    discriminant_type: Option<&Type>,
) -> Result<&'a Variant, Unmatched> {
    let Some(discriminant) = discriminant else {
        return match variants {
            [only] => Ok(only),
            _ => variants.iter().find(|v| v.values.is_empty()).ok_or(Unmatched::Unknown),
        };
    };
    let ValueBytes::Known(bytes) = &value.bytes else { return Err(Unmatched::Unknown) };
    let width = discriminant_type.and_then(|t| t.size).unwrap_or(8).min(16) as usize;
    let from = usize::try_from(discriminant.offset).map_err(|_| Unmatched::Unknown)?;
    let raw = bytes.get(from..from.saturating_add(width)).ok_or(Unmatched::Unknown)?;
    // A discriminant wider than 64 bits (a niche in a u128) matches only where its high half is zero.
    let high_zero = raw.iter().skip(8).all(|&b| b == 0);
    let found = unsigned(raw);
    let mask = if width >= 8 { u64::MAX } else { (1u64 << (8 * width)) - 1 };
    let chosen = variants.iter().find(|v| high_zero && v.values.iter().any(|&d| d & mask == found));
    chosen.or_else(|| variants.iter().find(|v| v.values.is_empty())).ok_or(Unmatched::Invalid(found))
}

/// The fields of `variant` (read out of the enum's own bytes: rustc places them at offsets from its start), each
/// with its Rust name (`0` for `__0`).
pub(crate) fn variant_fields(value: &Value, variant: &Variant, types: &mut Types<'_>) -> Vec<(String, Value)> {
    let Some(Type { kind: TypeKind::Record { members }, .. }) = types(variant.fields) else {
        return Vec::new();
    };
    members
        .iter()
        .filter_map(|m| {
            let ty = types(m.ty)?;
            Some((field_name(&m.name).to_string(), member(value, m.offset, m.bits, ty, m.ty)))
        })
        .collect()
}

/// The enum's variant and fields as data: what its children and its line are made from.
pub(crate) fn decoded(value: &Value, types: &mut Types<'_>) -> Option<Result<Decoded, Unmatched>> {
    let TypeKind::Variants { discriminant, variants } = &value.ty.kind else { return None };
    let discriminant_type = discriminant.as_ref().and_then(|d| types(d.ty));
    Some(
        active(value, discriminant.as_ref(), variants, discriminant_type.as_ref())
            .map(|v| (v.name.clone(), variant_fields(value, v, types))),
    )
}

/// Types by id.
pub(crate) type Types<'a> = dyn FnMut(TypeId) -> Option<Type> + 'a;

/// An enum value's variant name and its fields.
pub(crate) type Decoded = (String, Vec<(String, Value)>);

/// A Rust field's name as Rust writes it: a tuple's or tuple variant's `__0` is `0`.
pub fn field_name(name: &str) -> &str {
    match name.strip_prefix("__") {
        Some(digits) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => digits,
        _ => name,
    }
}

/// Whether `ty` is a Rust tuple: a record rustc names `(i32, f64)` with fields `__0`, `__1`, …
pub fn is_tuple(ty: &Type) -> bool {
    match &ty.kind {
        TypeKind::Record { members } => {
            ty.name.starts_with('(') && members.iter().enumerate().all(|(i, m)| m.name == format!("__{i}"))
        }
        _ => false,
    }
}

/// The line of a Rust enum or tuple, `depth` levels inside another line; `None` for any other value.
pub(crate) fn line(value: &Value, reader: &mut dyn Reader, depth: usize) -> Option<Summary> {
    if let ValueBytes::OptimizedOut = value.bytes {
        return None;
    }
    if is_tuple(&value.ty) {
        let TypeKind::Record { members } = &value.ty.kind else { return None };
        let fields: Vec<(String, Value)> = members
            .iter()
            .filter_map(|m| Some((m.name.clone(), member(value, m.offset, m.bits, reader.type_of(m.ty)?, m.ty))))
            .collect();
        let mut texts: Vec<String> = fields.iter().map(|(_, v)| nested_text(v, reader, depth)).collect();
        if texts.len() == 1 {
            texts[0].push(',');
        }
        return Some(Summary::Line(format!("({})", texts.join(", "))));
    }
    let decoded = decoded(value, &mut |id| reader.type_of(id))?;
    Some(Summary::Line(match decoded {
        Ok((name, fields)) => variant_text(&name, &fields, reader, depth),
        Err(Unmatched::Unknown) => return None,
        Err(Unmatched::Invalid(found)) => {
            format!("<invalid discriminant {found:#x}: no variant of {} has it>", value.ty.name)
        }
    }))
}

/// `Name`, `Name(a, b)` or `Name { x: a, y: b }`.
fn variant_text(name: &str, fields: &[(String, Value)], reader: &mut dyn Reader, depth: usize) -> String {
    if fields.is_empty() {
        return name.to_string();
    }
    if depth >= MAX_NESTING {
        return format!("{name}(..)");
    }
    let tuple = fields.iter().all(|(n, _)| n.bytes().all(|b| b.is_ascii_digit()));
    let texts: Vec<String> = fields
        .iter()
        .map(|(n, v)| {
            let text = nested_text(v, reader, depth);
            if tuple { text } else { format!("{n}: {text}") }
        })
        .collect();
    if tuple { format!("{name}({})", texts.join(", ")) } else { format!("{name} {{ {} }}", texts.join(", ")) }
}

/// A value inside a line, as Rust's `{:?}` writes it where rdb can: numbers, characters, strings, nested enums,
/// tuples and structs (a struct by its fields, as deep as [`MAX_NESTING`]).
fn nested_text(value: &Value, reader: &mut dyn Reader, depth: usize) -> String {
    // A reference (rustc names it `&T`) is written as what it refers to, as `{:?}` writes it.
    if let TypeKind::Pointer { target: Some(target), .. } = value.ty.kind
        && value.ty.name.starts_with('&')
        && depth + 1 < MAX_NESTING
        && let ValueBytes::Known(bytes) = &value.bytes
        && let Some(ty) = reader.type_of(target).filter(|t| t.size.is_some_and(|s| s > 0))
    {
        let address = unsigned(bytes);
        if address != 0 {
            let referred = reader.object(ty, Some(target), address);
            if !matches!(referred.bytes, ValueBytes::MemoryError(_)) {
                return nested_text(&referred, reader, depth + 1);
            }
        }
    }
    let summary = summary_of(value, reader, depth + 1);
    match summary {
        // A `Box` or an `Rc` of a struct is written as the struct it holds, as `{:?}` writes it.
        Summary::Record if let Some(held) = super::visualizers::line_value(value, reader) => {
            nested_text(&held, reader, depth + 1)
        }
        Summary::Record if depth + 1 < MAX_NESTING => {
            let TypeKind::Record { members } = &value.ty.kind else { return short_name(&value.ty.name).into() };
            let fields: Vec<(String, Value)> = members
                .iter()
                .filter_map(|m| {
                    let ty = reader.type_of(m.ty)?;
                    Some((field_name(&m.name).to_string(), member(value, m.offset, m.bits, ty, m.ty)))
                })
                .collect();
            variant_text(short_name(&value.ty.name), &fields, reader, depth + 1)
        }
        Summary::Record => format!("{} {{ .. }}", short_name(&value.ty.name)),
        other => text(&value.ty, &other),
    }
}

/// A summary as Rust writes it inside a line: `7`, `true`, `'a'`, `2.5`, `"text"`, `Green`; beyond the
/// language's common text ([`language_text`](super::language_text)), a `u8` is a number, not a character, an
/// `f32` is written as the `f32` it is, and a struct past the nesting limit by its name.
pub fn text(ty: &Type, summary: &Summary) -> String {
    match summary {
        Summary::Char(c) if !matches!(ty.kind, TypeKind::Base(BaseKind::Char { .. })) => c.to_string(),
        // Rust's `{:?}` of an f32 is the shortest text that reads back as that f32, not as the f64 it widens to.
        Summary::Float(f) if ty.size == Some(4) => format!("{:?}", *f as f32),
        Summary::Record | Summary::Array { string: None } | Summary::Opaque => short_name(&ty.name).to_string(),
        other => super::language_text(other),
    }
}

/// A type's name without its path or generic arguments, as a derived `Debug` writes a struct: `Point` for
/// `rust_values::Point`, `Map` for `serde_json::map::Map<alloc::string::String, serde_json::value::Value>`.
pub fn short_name(name: &str) -> &str {
    let head = &name[..name.find('<').unwrap_or(name.len())];
    match head.rfind("::") {
        Some(i) => &head[i + 2..],
        None => head,
    }
}

#[cfg(test)]
#[path = "rust_tests.rs"]
mod tests;
