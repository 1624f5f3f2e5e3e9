//! The engine's values in DAP's words: a value's one-line text, and whether (and how many) children it has.

use rdb_engine::values::{Child, ChildKind, Expansion, Summary, Type};

/// A value on one line as C writes it: numbers in decimal (hex when the client asks), a character with its
/// number, a pointer in hex with the string it points to, an enumerator by name, a record or an array by its type.
pub fn text(summary: &Summary, ty: &Type, hex: bool) -> String {
    match summary {
        Summary::Signed(v) if hex => format!("{:#x}", *v as u64 & mask(ty)),
        Summary::Unsigned(v) if hex => format!("{v:#x}"),
        Summary::Signed(v) => v.to_string(),
        Summary::Unsigned(v) => v.to_string(),
        Summary::Bool(b) => b.to_string(),
        Summary::Char(c) => match u8::try_from(*c).ok().filter(|b| b.is_ascii_graphic() || *b == b' ') {
            Some(b) => format!("{c} '{}'", quoted_char(b as char)),
            None => c.to_string(),
        },
        Summary::Float(f) => f.to_string(),
        Summary::Pointer { address, string: Some(s) } => format!("{address:#x} {}", quoted(s)),
        Summary::Pointer { address, string: None } => format!("{address:#x}"),
        Summary::Enum { name: Some(name), .. } => name.clone(),
        Summary::Enum { value, name: None } => value.to_string(),
        Summary::Array { string: Some(s) } | Summary::Text(s) => quoted(s),
        // Composed by a visualizer or a language's rules, strings already quoted: only control characters escaped.
        Summary::Line(line) => {
            line.chars().map(|c| if c.is_control() { quoted_char(c) } else { c.to_string() }).collect()
        }
        Summary::Record | Summary::Array { string: None } | Summary::Opaque => format!("{{{}}}", ty.name),
        Summary::OptimizedOut => "<optimized out>".into(),
        Summary::MemoryError(a) => format!("<memory at {a:#x} cannot be read>"),
    }
}

/// The bits of a signed value of `ty`'s size, for its two's-complement hex.
fn mask(ty: &Type) -> u64 {
    match ty.size {
        Some(n @ 1..=7) => (1u64 << (n * 8)) - 1,
        _ => u64::MAX,
    }
}

/// Text the debuggee controls, in double quotes with C's escapes: never a raw control character.
pub fn quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            c => out.push_str(&quoted_char(c)),
        }
    }
    out.push('"');
    out
}

fn quoted_char(c: char) -> String {
    match c {
        '\\' => "\\\\".into(),
        '\'' => "\\'".into(),
        '\n' => "\\n".into(),
        '\t' => "\\t".into(),
        '\r' => "\\r".into(),
        c if c.is_control() => format!("\\x{:02x}", c as u32),
        c => c.to_string(),
    }
}

/// DAP's counts of a value's children (named, indexed) from the engine's expansion; `None` for a value without.
pub fn counts(expansion: &Expansion) -> Option<(Option<u64>, Option<u64>)> {
    match expansion {
        Expansion { count: 0, .. } => None,
        Expansion { count, indexed: true, .. } => Some((None, Some(*count))),
        Expansion { count, indexed: false, .. } => Some((Some(*count), None)),
    }
}

/// The C++ expression that reaches a child of the value `parent` reaches, where there is one (a map's entry or a
/// visualizer's item has none; an element of a visualized container is reached by `[i]` through it).
pub fn child_path(parent: &str, child: &Child) -> Option<String> {
    match &child.kind {
        ChildKind::Member if !child.name.is_empty() => Some(format!("({parent}).{}", child.name)),
        ChildKind::Element(i) => Some(format!("({parent})[{i}]")),
        ChildKind::Pointee => Some(format!("*({parent})")),
        _ => None,
    }
}

/// The children of `value` a client may name (`setVariable`, `dataBreakpointInfo`): all of them, up to a bound
/// no editor shows more of.
pub fn named_child_candidates(
    s: &mut rdb_engine::session::Session,
    value: &rdb_engine::values::Value,
    name: &str,
) -> rdb_engine::Result<Vec<Child>> {
    let there = s.expansion(value)?.count.min(100_000) as usize;
    s.children(value, name, 0, there)
}
