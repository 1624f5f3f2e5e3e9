//! Source-level values: `dv` (the current frame's parameters and locals), `.frame` (which frame is current),
//! `??` and `dx` (C++ expressions), `dt` (types and objects). The engine finds, locates, reads and evaluates
//! ([`Session::variables`], `evaluate_cxx`, `children`, `find_type`); this file only chooses and prints.
//!
//! [`Session::variables`]: rdb_engine::session::Session::variables

use rdb_engine::fmt::addr64;
use rdb_engine::values::cxx;
use rdb_engine::values::{Summary, Type, TypeKind, Value, ValueBytes, has_children};
use rdb_engine::wildcard;
use rdb_engine::{Error, Result};

use super::{Cx, Flow};
use crate::report;

/// `dv [/t] [/v] [/i] [pattern]`: the variables in scope in the current frame, or those whose names match the
/// wildcard `pattern`.
pub fn dv(cx: &mut Cx, args: &str) -> Result<Flow> {
    let (mut types, mut locations, mut kinds) = (false, false, false);
    let mut pattern = None;
    for word in args.split_whitespace() {
        match word.to_ascii_lowercase().as_str() {
            "/t" => types = true,
            "/v" => locations = true,
            "/i" => kinds = true,
            "/tv" | "/vt" => (types, locations) = (true, true),
            flag if flag.starts_with('/') => return Err(Error::msg(format!("dv: unknown option '{word}'"))),
            _ if pattern.is_none() => pattern = Some(word.to_string()),
            _ => return Err(Error::msg(format!("dv: one pattern only, not '{word}'"))),
        }
    }
    let (tid, frame) = (cx.tid(), cx.console.frame(cx.dbg));
    let found = cx.session().variables(tid, frame)?;
    let shown: Vec<_> =
        found.variables.iter().filter(|v| pattern.as_deref().is_none_or(|p| wildcard::matches(p, &v.name))).collect();
    for (variable, line) in shown.iter().zip(report::dv_lines(&shown, types, locations)) {
        if kinds {
            let kind = match variable.kind {
                rdb_engine::values::VariableKind::Parameter => "prv param ",
                rdb_engine::values::VariableKind::Local => "prv local ",
            };
            cx.out(format!("{kind} {line}"));
        } else {
            cx.out(line);
        }
    }
    Ok(Flow::Next)
}

/// `.frame [/r] [N]`: show the current frame, or make frame `N` (hex, as `kn` numbers them) current; `/r` adds the
/// frame's registers as the unwinder recovered them.
pub fn frame(cx: &mut Cx, args: &str) -> Result<Flow> {
    let mut args = args.trim();
    let registers = match args.strip_prefix("/r") {
        Some(rest) => {
            args = rest.trim();
            true
        }
        None => false,
    };
    let tid = cx.tid();
    let index = match args {
        "" => cx.console.frame(cx.dbg),
        n => usize::try_from(cx.eval(n)?).map_err(|_| Error::msg(format!("frame {n} does not exist")))?,
    };
    let frames = cx.session().frames(tid, index.saturating_add(1))?;
    let Some(frame) = frames.get(index) else {
        return Err(Error::msg(format!("frame {index:#x} does not exist: the stack has {} frames", frames.len())));
    };
    cx.console.choose_frame(cx.dbg, index);
    let (sp, ret) = report::frame_columns(frame);
    let line = format!("{:02x} {sp} {ret}     {}", frame.index, report::call_site(frame));
    cx.out(line);
    if registers {
        for line in report::register_dump(&frame.registers) {
            cx.out(line);
        }
    }
    Ok(Flow::Next)
}

/// The most children `dx` and `dt` show of one value (`[...]` says there are more).
const MAX_SHOWN: usize = 100;

/// `?? <C++ expression>`: the value with its type (`int 0n126`); a record, or a pointer to one, with its
/// members in `dt`'s shape.
pub fn cxx(cx: &mut Cx, args: &str) -> Result<Flow> {
    let text = args.trim();
    if text.is_empty() {
        return Err(Error::msg("?? needs a C++ expression"));
    }
    let (tid, frame) = (cx.tid(), cx.console.frame(cx.dbg));
    let value = cx.session().evaluate_cxx(tid, frame, text)?;
    let summary = cx.session().summary(&value)?;
    match (&summary, value.address) {
        (Summary::Record, _) => cx.out(&value.ty.name),
        // An array is shown at its address, with its text where it holds characters (WinDbg's shape).
        (Summary::Array { string }, Some(address)) => {
            let text = string.as_ref().map(|s| format!("  {}", report::quoted(s))).unwrap_or_default();
            cx.out(format!("{} 0x{}{text}", value.ty.name, addr64(address)))
        }
        _ => cx.out(format!("{} {}", value.ty.name, report::value_text(&value.ty, &summary))),
    }
    if matches!(value.ty.kind, TypeKind::Record { .. }) || points_to_record(cx, &value) {
        members(cx, &value, text, 0, 0, false)?;
    }
    Ok(Flow::Next)
}

fn points_to_record(cx: &mut Cx, value: &Value) -> bool {
    match value.ty.kind {
        TypeKind::Pointer { target: Some(id), .. } => {
            cx.session().type_of(id).is_some_and(|t| matches!(t.kind, TypeKind::Record { .. }))
        }
        _ => false,
    }
}

/// The members of a record (or of the record a pointer points to) in `dt`'s shape, recursing `levels` deeper;
/// `layout` shows types instead of values.
fn members(cx: &mut Cx, value: &Value, name: &str, depth: usize, levels: usize, layout: bool) -> Result<()> {
    let children = cx.session().children(value, name, 0, MAX_SHOWN)?;
    for child in children {
        let text = if layout {
            match child.bits {
                Some((bit, width)) => report::bitfield_text(bit, width),
                None => {
                    let session = cx.session();
                    report::dt_type_name(&child.value.ty, &|id| session.type_of(id), 0)
                }
            }
        } else {
            match (child.bits, &child.value.bytes) {
                (Some((_, width)), ValueBytes::Known(bytes)) => report::bitfield_value(unsigned(bytes, width), width),
                // A record shows as its type, unless a visualizer gives it a line (a string's text).
                _ if matches!(child.summary, Summary::Record) => report::tag(&child.value.ty.name).to_string(),
                _ => report::value_text(&child.value.ty, &child.summary),
            }
        };
        cx.out(report::member_line(depth, child.offset, &child.name, &text));
        if levels > 0 && matches!(child.value.ty.kind, TypeKind::Record { .. }) {
            members(cx, &child.value, &child.name, depth + 1, levels - 1, layout)?;
        }
    }
    Ok(())
}

/// A bitfield's bits as a number (its bytes hold the field's value, sign-extended for a signed field).
fn unsigned(bytes: &[u8], width: u64) -> u64 {
    let mut word = [0u8; 8];
    let n = bytes.len().min(8);
    word[..n].copy_from_slice(&bytes[..n]);
    let v = u64::from_le_bytes(word);
    if width >= 64 { v } else { v & ((1u64 << width) - 1) }
}

/// `dt [-r[N]] [module!]Type [address|variable]`, `dt [-r[N]] variable`: a type's layout with offsets, or an
/// object's members with their values.
pub fn dt(cx: &mut Cx, args: &str) -> Result<Flow> {
    let mut levels = 0;
    let mut words: Vec<&str> = Vec::new();
    for word in args.split_whitespace() {
        match word.strip_prefix("-r") {
            Some("") => levels = 1,
            Some(n) => levels = n.parse().map_err(|_| Error::msg(format!("dt: bad recursion depth '{word}'")))?,
            None if word.starts_with('-') => return Err(Error::msg(format!("dt: unknown option '{word}'"))),
            None => words.push(word),
        }
    }
    let levels = levels.min(16);
    let Some(&first) = words.first() else { return Err(Error::msg("dt needs a type or a variable")) };
    if words.len() > 2 {
        return Err(Error::msg(format!("dt: unexpected '{}'", words[2])));
    }
    let (tid, frame) = (cx.tid(), cx.console.frame(cx.dbg));
    let near = cx.rip().ok();
    let session = cx.session();
    let found = session.find_type(first, near);
    let (value, header) = match (found, words.get(1)) {
        // A type alone: its layout.
        (Some((ty, id)), None) => {
            let module = type_module(cx, first, near);
            cx.out(format!("{module}!{}", report::tag(&ty.name)));
            if let TypeKind::Variants { variants, .. } = &ty.kind {
                // A Rust enum: each variant, with the layout of the fields it holds.
                for variant in variants {
                    cx.out(report::variant_line(0, &variant.name));
                    if let Some(fields) = cx.session().type_of(variant.fields) {
                        let fields = Value {
                            ty: fields,
                            type_id: Some(variant.fields),
                            bytes: ValueBytes::OptimizedOut,
                            address: None,
                        };
                        members(cx, &fields, first, 1, levels, true)?;
                    }
                }
                return Ok(Flow::Next);
            }
            let value = Value { ty, type_id: Some(id), bytes: ValueBytes::OptimizedOut, address: None };
            members(cx, &value, first, 0, levels, true)?;
            return Ok(Flow::Next);
        }
        // A type and where an object of it is: an address, or a variable holding the object or a pointer to it.
        (Some((ty, id)), Some(at)) => {
            // A variable holding the object is read where it is; one holding a pointer, where that points.
            let address = match cx.session().evaluate_cxx(tid, frame, at) {
                Ok(v @ Value { ty: Type { kind: TypeKind::Pointer { .. }, .. }, bytes: ValueBytes::Known(_), .. }) => {
                    cxx::as_number(&v)?
                }
                Ok(Value { address: Some(a), .. }) => a,
                _ => cx.eval(at)?,
            };
            let header = format!("{}!{}", type_module(cx, first, near), report::tag(&ty.name));
            (cx.session().object(ty, Some(id), address)?, header)
        }
        // A variable: its type's members with their values.
        (None, None) => {
            let v = cx
                .session()
                .evaluate_cxx(tid, frame, first)
                .map_err(|e| Error::msg(format!("no type or variable named '{first}' ({e})")))?;
            let header = match v.address {
                Some(a) => format!("Local var @ {:#x} Type {}", a, report::tag(&v.ty.name)),
                None => format!("Type {}", report::tag(&v.ty.name)),
            };
            (v, header)
        }
        (None, Some(_)) => return Err(Error::msg(format!("no type named '{first}'"))),
    };
    cx.out(header);
    if matches!(value.ty.kind, TypeKind::Record { .. }) || points_to_record(cx, &value) {
        members(cx, &value, first, 0, levels, false)?;
    } else if matches!(value.ty.kind, TypeKind::Variants { .. }) {
        // A Rust enum: the value as Rust writes it (it names the variant), then the fields the variant holds.
        let summary = cx.session().summary(&value)?;
        cx.out(report::value_text(&value.ty, &summary));
        members(cx, &value, first, 0, levels, false)?;
    } else {
        let summary = cx.session().summary(&value)?;
        cx.out(report::value_text(&value.ty, &summary));
    }
    Ok(Flow::Next)
}

/// The module a type name was found in, for `dt`'s header (`vars!point`).
fn type_module(cx: &mut Cx, name: &str, near: Option<u64>) -> String {
    if let Some((module, _)) = name.split_once('!') {
        return module.to_string();
    }
    let session = cx.session();
    let bare = name.rsplit('!').next().unwrap_or(name);
    let in_module = |m: &str| !session.type_names(Some(m), &|n| n == bare).is_empty();
    let near_module = near.and_then(|a| session.modules.at(a)).map(|m| m.name.clone());
    if let Some(m) = near_module.filter(|m| in_module(m)) {
        return m;
    }
    session.modules.iter().map(|m| m.name.clone()).find(|m| in_module(m)).unwrap_or_else(|| "?".into())
}

/// `dx [-r N] [-c N] <C++ expression>`: the value with its type, and its children `N` levels deep (1 by default);
/// `-c N` skips a container's first `N` children (the next page after the 100 shown).
pub fn dx(cx: &mut Cx, args: &str) -> Result<Flow> {
    let mut text = args.trim();
    let mut levels = 1usize;
    let mut skip = 0u64;
    while let Some((flag, rest)) =
        text.strip_prefix("-r").map(|r| ('r', r)).or_else(|| text.strip_prefix("-c").map(|r| ('c', r)))
    {
        let rest = rest.trim_start();
        let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        text = rest[digits.len()..].trim_start();
        match flag {
            'r' => levels = digits.parse().map_err(|_| Error::msg("dx: -r needs a depth"))?,
            _ => skip = digits.parse().map_err(|_| Error::msg("dx: -c needs a count of children to skip"))?,
        }
    }
    if text.is_empty() {
        return Err(Error::msg("dx needs a C++ expression"));
    }
    let (tid, frame) = (cx.tid(), cx.console.frame(cx.dbg));
    let value = cx.session().evaluate_cxx(tid, frame, text)?;
    // As WinDbg's dx, a pointer to a polymorphic class shows its object's dynamic type.
    let value = cx.session().dynamic(&value)?;
    let summary = cx.session().summary(&value)?;
    cx.out(report::dx_line(0, text, &value.ty, &summary));
    dx_children(cx, &value, text, 1, levels.min(16), skip)?;
    Ok(Flow::Next)
}

/// A value's children (from the `skip`th) `levels` deep, at most [`MAX_SHOWN`] of each value, then how many
/// more there are.
fn dx_children(cx: &mut Cx, value: &Value, name: &str, indent: usize, levels: usize, skip: u64) -> Result<()> {
    if levels == 0 || !has_children(&value.ty) {
        return Ok(());
    }
    let expansion = cx.session().expansion(value)?;
    let start = usize::try_from(skip).unwrap_or(usize::MAX);
    let children = cx.session().children(value, name, start, MAX_SHOWN)?;
    for child in &children {
        let label = match child.offset {
            Some(offset) => format!("[+0x{offset:03x}] {}", child.name),
            None => child.name.clone(),
        };
        cx.out(report::dx_line(indent, &label, &child.value.ty, &child.summary));
        dx_children(cx, &child.value, &child.name, indent + 1, levels - 1, 0)?;
    }
    let shown_to = skip.saturating_add(children.len() as u64);
    for line in report::dx_more_lines(indent, name, shown_to, &expansion) {
        cx.out(line);
    }
    Ok(())
}
