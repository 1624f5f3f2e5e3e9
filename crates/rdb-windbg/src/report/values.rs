//! Variables and values in WinDbg's words: `dv`'s lines (`          depth = 0n2`), with `/t` their types and with
//! `/v` where they live, and a value's one-line text (`0n5`, `0x00000000`0040201c "label"`, `GREEN (0n5)`).

use rdb_engine::fmt::addr64;
use rdb_engine::values::{BaseKind, Expansion, Summary, Type, TypeId, TypeKind, ValueLocation, Variable};

/// The narrowest column `dv` right-aligns names in.
const NAME_COLUMN: usize = 14;

/// `dv`'s lines for `variables`: names right-aligned in one column, each `= value`; `types` puts each type first
/// (`/t`), `locations` each place first (`/v`: an address, `@rbx`, or why there is none).
pub fn dv_lines(variables: &[&Variable], types: bool, locations: bool) -> Vec<String> {
    let width = variables.iter().map(|v| v.name.chars().count()).max().unwrap_or(0).max(NAME_COLUMN);
    variables
        .iter()
        .map(|v| {
            let mut line = String::new();
            if locations {
                line.push_str(&format!("{:<19} ", location_text(&v.location)));
            }
            let name = if types { format!("{} {}", v.value.ty.name, v.name) } else { format!("{:>width$}", v.name) };
            line.push_str(&format!("{name} = {}", value_text(&v.value.ty, &v.summary)));
            line
        })
        .collect()
}

/// Where a value lives, as `dv /v` shows it.
pub fn location_text(location: &ValueLocation) -> String {
    match location {
        ValueLocation::Memory(address) => addr64(*address),
        ValueLocation::Register(name) => format!("@{name}"),
        ValueLocation::Pieces => "<pieces>".into(),
        ValueLocation::Computed => "<computed>".into(),
        ValueLocation::OptimizedOut => "<optimized out>".into(),
    }
}

/// A value of type `ty` on one line.
pub fn value_text(ty: &Type, summary: &Summary) -> String {
    match summary {
        Summary::Signed(v) => format!("0n{v}"),
        Summary::Unsigned(v) => format!("{v:#x}"),
        Summary::Bool(b) => b.to_string(),
        Summary::Char(c) => match shown_char(*c, ty.size.unwrap_or(1) > 1) {
            Some(ch) => format!("0n{c} '{ch}'"),
            None => format!("0n{c}"),
        },
        Summary::Float(f) => float_text(*f),
        Summary::Pointer { address, string: Some(text) } => format!("{} {}", pointer(*address), quoted(text)),
        Summary::Pointer { address, string: None } => pointer(*address),
        Summary::Enum { value, name: Some(name) } => format!("{name} (0n{value})"),
        Summary::Enum { value, name: None } => format!("0n{value}"),
        Summary::Array { string: Some(text) } => format!("{} {}", ty.name, quoted(text)),
        Summary::Text(text) => quoted(text),
        Summary::Line(line) => crate::output::printable(line).into_owned(),
        Summary::Record | Summary::Array { string: None } | Summary::Opaque => ty.name.clone(),
        Summary::OptimizedOut => "<value optimized out>".into(),
        Summary::MemoryError(_) => "<Memory access error>".into(),
    }
}

/// A character value's character where it prints as one: ASCII's and, for a `wide` character type (Rust's
/// `char`, `char32_t`), any printable Unicode scalar value (`é`).
fn shown_char(c: i64, wide: bool) -> Option<char> {
    let ch = char::from_u32(u32::try_from(c).ok()?)?;
    let printable = ch == ' ' || (!ch.is_control() && !ch.is_whitespace());
    (printable && (wide || ch.is_ascii())).then_some(ch)
}

/// A pointer as WinDbg shows one in a value: `0x` and the address's two halves.
fn pointer(address: u64) -> String {
    format!("0x{}", addr64(address))
}

/// A string in double quotes, its quotes and backslashes escaped (control characters are escaped on output).
pub fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// A floating-point value in its shortest exact form: `1.5`, `0.25`, `-inf`, `nan`; outside 1e-5..1e17 with an
/// exponent, as C's `%g` writes one (`1.5e+20`, `5e-324`).
fn float_text(f: f64) -> String {
    if f.is_nan() {
        "nan".into()
    } else if f.is_infinite() {
        if f < 0.0 { "-inf".into() } else { "inf".into() }
    } else if f == 0.0 || (1e-5..1e17).contains(&f.abs()) {
        format!("{f}")
    } else {
        let text = format!("{f:e}");
        match text.split_once('e') {
            Some((mantissa, exponent)) if !exponent.starts_with('-') => format!("{mantissa}e+{exponent}"),
            _ => text,
        }
    }
}

/// A record member's line, as `dt` and `??` show it: `   +0x004 y                : 0n4`, indented by `depth`.
pub fn member_line(depth: usize, offset: Option<u64>, name: &str, text: &str) -> String {
    match offset {
        Some(offset) => format!("{}+0x{offset:03x} {name:<16} : {text}", "   ".repeat(depth + 1)),
        // A visualizer's child (a container's element) has no offset in the object.
        None => format!("{}{name:<21} : {text}", "   ".repeat(depth + 1)),
    }
}

/// A Rust enum's variant heading the fields it holds in `dt`'s layout of the enum (`   Circle`).
pub fn variant_line(depth: usize, name: &str) -> String {
    format!("{}{name}", "   ".repeat(depth + 1))
}

/// A bitfield's layout as `dt` shows it: `Pos 1, 3 Bits`.
pub fn bitfield_text(bit: u64, width: u64) -> String {
    format!("Pos {bit}, {width} Bit{}", if width == 1 { "" } else { "s" })
}

/// A bitfield's value as `dt` shows it: in binary, as wide as the field (`0y101`).
pub fn bitfield_value(value: u64, width: u64) -> String {
    format!("0y{value:0w$b}", w = width.min(64) as usize)
}

/// A type as `dt` names it in a layout: `Int4B`, `Uint8B`, `Char`, `UChar`, `Float`, `Ptr64 Char`, `[16] Char`,
/// a record or enum by its tag. `pointee` resolves what a pointer points to and what an array holds.
pub fn dt_type_name(ty: &Type, pointee: &dyn Fn(TypeId) -> Option<Type>, depth: usize) -> String {
    if depth > 8 {
        return ty.name.clone();
    }
    let size = ty.size.unwrap_or(0);
    match &ty.kind {
        TypeKind::Base(BaseKind::Signed) => format!("Int{size}B"),
        TypeKind::Base(BaseKind::Unsigned) => format!("Uint{size}B"),
        TypeKind::Base(BaseKind::Char { signed: true }) => "Char".into(),
        TypeKind::Base(BaseKind::Char { signed: false }) => "UChar".into(),
        TypeKind::Base(BaseKind::Bool) => "Bool".into(),
        TypeKind::Base(BaseKind::Float) => "Float".into(),
        TypeKind::Pointer { target, .. } => {
            let to =
                target.and_then(pointee).map(|t| dt_type_name(&t, pointee, depth + 1)).unwrap_or_else(|| "Void".into());
            format!("Ptr64 {to}")
        }
        TypeKind::Array { element, count } => {
            let of = pointee(*element).map(|t| dt_type_name(&t, pointee, depth + 1)).unwrap_or_else(|| "?".into());
            format!("[{}] {of}", count.map(|c| c.to_string()).unwrap_or_default())
        }
        TypeKind::Record { .. } | TypeKind::Enum { .. } | TypeKind::Variants { .. } => tag(&ty.name).to_string(),
        TypeKind::Void => "Void".into(),
        TypeKind::Function => "Void".into(),
        TypeKind::Other => ty.name.clone(),
    }
}

/// A record's or enum's name without its keyword (`point` for `struct point`).
pub fn tag(name: &str) -> &str {
    ["struct ", "class ", "union ", "enum "].iter().find_map(|k| name.strip_prefix(k)).unwrap_or(name)
}

/// A value on one line as `dx` shows it: numbers in decimal, pointers in hex, a string after its pointer.
pub fn dx_value_text(ty: &Type, summary: &Summary) -> Option<String> {
    Some(match summary {
        Summary::Signed(v) => v.to_string(),
        Summary::Unsigned(v) => v.to_string(),
        Summary::Bool(b) => b.to_string(),
        Summary::Char(c) => match shown_char(*c, ty.size.unwrap_or(1) > 1) {
            Some(ch) => format!("{c} '{ch}'"),
            None => c.to_string(),
        },
        Summary::Float(f) => float_text(*f),
        Summary::Pointer { address, string: Some(text) } => format!("{address:#x} : {}", quoted(text)),
        Summary::Pointer { address, string: None } => format!("{address:#x}"),
        Summary::Enum { value, name: Some(name) } => format!("{name} ({value})"),
        Summary::Enum { value, name: None } => value.to_string(),
        Summary::Array { string: Some(text) } | Summary::Text(text) => quoted(text),
        Summary::Line(line) => crate::output::printable(line).into_owned(),
        Summary::Record | Summary::Array { string: None } | Summary::Opaque => return None,
        Summary::OptimizedOut => "<value optimized out>".into(),
        Summary::MemoryError(_) => "<Memory access error>".into(),
    })
}

/// `dx`'s line after the children it showed of a container with more: how many more, and the command that shows
/// the next ones (WinDbg's `-c`, which skips that many); and a corrupt container's claimed length.
pub fn dx_more_lines(indent: usize, expression: &str, shown_to: u64, expansion: &Expansion) -> Vec<String> {
    let pad = "    ".repeat(indent);
    let mut lines = Vec::new();
    if expansion.count > shown_to {
        let more = expansion.count - shown_to;
        lines.push(format!("{pad}[...] {more} more: dx -c {shown_to} {expression}"));
    }
    if let Some(claimed) = expansion.claimed {
        lines.push(format!(
            "{pad}(its length says {claimed} elements, which cannot be right: only the first {} are shown)",
            expansion.count
        ));
    }
    lines
}

/// One `dx` line: `name             : value [Type: T]`, or without a value for a record or array.
pub fn dx_line(indent: usize, name: &str, ty: &Type, summary: &Summary) -> String {
    let pad = "    ".repeat(indent);
    let type_name = tag(&ty.name);
    match dx_value_text(ty, summary) {
        Some(v) => format!("{pad}{name:<16} : {v} [Type: {type_name}]"),
        None => format!("{pad}{name:<16} [Type: {type_name}]"),
    }
}

#[cfg(test)]
mod tests {
    use rdb_engine::values::{Value, ValueBytes, VariableKind};

    use super::*;

    fn var(name: &str, ty: &str, kind: TypeKind, summary: Summary, location: ValueLocation) -> Variable {
        Variable {
            name: name.into(),
            kind: VariableKind::Local,
            location,
            value: Value {
                ty: Type { name: ty.into(), size: Some(4), kind },
                type_id: None,
                bytes: ValueBytes::Known(vec![]),
                address: None,
            },
            summary,
        }
    }

    #[test]
    fn dv_shapes() {
        let depth = var(
            "depth",
            "int",
            TypeKind::Base(BaseKind::Signed),
            Summary::Signed(2),
            ValueLocation::Memory(0x7ffe_0000_1000),
        );
        let label = var(
            "label",
            "const char *",
            TypeKind::Pointer { target: None, reference: false },
            Summary::Pointer { address: 0x40_2010, string: Some("say \"hi\"".into()) },
            ValueLocation::Register("rbx".into()),
        );
        let gone =
            var("n", "int", TypeKind::Base(BaseKind::Signed), Summary::OptimizedOut, ValueLocation::OptimizedOut);
        assert_eq!(
            dv_lines(&[&depth, &label, &gone], false, false),
            [
                "         depth = 0n2",
                r#"         label = 0x00000000`00402010 "say \"hi\"""#,
                "             n = <value optimized out>"
            ]
        );
        assert_eq!(dv_lines(&[&depth], true, false), ["int depth = 0n2"]);
        assert_eq!(dv_lines(&[&label], false, true)[0].split_whitespace().next(), Some("@rbx"));
        assert_eq!(dv_lines(&[&depth], false, true), ["00007ffe`00001000            depth = 0n2"]);
    }

    #[test]
    fn value_texts() {
        let t = |name: &str| Type { name: name.into(), size: Some(16), kind: TypeKind::Other };
        assert_eq!(value_text(&t("unsigned int"), &Summary::Unsigned(42)), "0x2a");
        assert_eq!(value_text(&t("char"), &Summary::Char(113)), "0n113 'q'");
        assert_eq!(value_text(&t("char"), &Summary::Char(10)), "0n10");
        assert_eq!(value_text(&t("double"), &Summary::Float(1.5)), "1.5");
        assert_eq!(value_text(&t("double"), &Summary::Float(1.5e20)), "1.5e+20");
        assert_eq!(value_text(&t("double"), &Summary::Float(5e-324)), "5e-324");
        assert_eq!(value_text(&t("double"), &Summary::Float(-0.25)), "-0.25");
        assert_eq!(
            value_text(&t("enum color"), &Summary::Enum { value: 5, name: Some("GREEN".into()) }),
            "GREEN (0n5)"
        );
        assert_eq!(value_text(&t("char [16]"), &Summary::Array { string: Some("deep".into()) }), "char [16] \"deep\"");
        assert_eq!(value_text(&t("struct point"), &Summary::Record), "struct point");
        assert_eq!(value_text(&t("int *"), &Summary::MemoryError(8)), "<Memory access error>");
    }
}
