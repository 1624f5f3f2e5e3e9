//! A SwissTable (hashbrown's `RawTable`, Rust's `HashMap` and `HashSet`): one control byte per bucket, a full
//! bucket's with its top bit clear; the buckets laid out below the control bytes, bucket `i` at
//! `ctrl - (i + 1) * size`. The walk reads control bytes only as far as the table's own bucket count (capped), so a
//! corrupt mask is never read for ever.

use super::super::context::ObjectContext;
use super::super::{MAX_CONTAINER_SCAN, capped};
use crate::error::{Error, Result};
use crate::values::children::{RawChild, member};
use crate::values::summary::summary_of;
use crate::values::{ChildKind, Type, TypeId, TypeKind, Value, language_text};

/// The paths of a table: its control bytes' pointer, its bucket mask (buckets − 1), its full buckets' count, and
/// a value whose type's first template argument is a bucket's type (`RawTable<(K, V)>`). A map's buckets are
/// `(key, value)` tuples shown as entries; a set's `(key, ())`, shown as elements.
pub(crate) struct HashTable {
    pub ctrl: &'static str,
    pub mask: &'static str,
    pub items: &'static str,
    pub bucket: &'static str,
    pub map: bool,
}

/// How many entries the table holds, as it says.
pub(crate) fn length(cx: &mut ObjectContext<'_>, table: &HashTable) -> Result<u64> {
    cx.number(table.items)
}

/// Entries `start..start + count` of the table, in bucket order.
pub(crate) fn children(
    cx: &mut ObjectContext<'_>,
    table: &HashTable,
    start: u64,
    count: usize,
) -> Result<Vec<RawChild>> {
    let ctrl = cx.number(table.ctrl)?;
    let mask = cx.number(table.mask)?;
    let buckets = mask.checked_add(1).filter(|b| b.is_power_of_two()).ok_or_else(|| {
        Error::msg(format!("a hash table's bucket mask {mask:#x} is not one less than a power of two"))
    })?;
    let items = capped(length(cx, table)?, !table.map).count;
    let bucket_holder = cx.value(table.bucket)?;
    let (ty, id) = bucket_type(cx, &bucket_holder)?;
    let size = ty.size.filter(|&s| s > 0).ok_or_else(|| Error::msg("a hash table's bucket has no size"))?;
    let wanted = items.min(start.saturating_add(count as u64));
    let mut out = Vec::new();
    let mut found = 0u64;
    let mut at = 0u64;
    let mut chunk = vec![0u8; 4096];
    // Buckets past the cap are not scanned: a table claiming 2^60 of them shows what the first ones hold.
    let scanned = buckets.min(MAX_CONTAINER_SCAN);
    while at < scanned && found < wanted {
        let n = (scanned - at).min(chunk.len() as u64) as usize;
        cx.reader()
            .memory()
            .read_exact(ctrl.wrapping_add(at), &mut chunk[..n])
            .map_err(|_| Error::msg(format!("a hash table's control bytes at {:#x} cannot be read", ctrl + at)))?;
        for (k, &byte) in chunk[..n].iter().enumerate() {
            if byte & 0x80 != 0 {
                continue;
            }
            if found >= start && found < wanted {
                let i = at + k as u64;
                let address = ctrl.wrapping_sub((i + 1).wrapping_mul(size));
                let bucket = cx.reader().object(ty.clone(), Some(id), address);
                out.push(entry(cx, &bucket, found, table.map));
            }
            found += 1;
            if found >= wanted {
                break;
            }
        }
        at += n as u64;
    }
    Ok(out)
}

/// The type of a bucket: the first template argument of `holder`'s type.
fn bucket_type(cx: &mut ObjectContext<'_>, holder: &Value) -> Result<(Type, TypeId)> {
    let id = holder.type_id.ok_or_else(|| Error::msg("a hash table's type is unknown"))?;
    let arg = *cx.reader().template_args(id).first().ok_or_else(|| Error::msg("a hash table has no bucket type"))?;
    let ty = cx.reader().type_of(arg).ok_or_else(|| Error::msg("a hash table's bucket type is unknown"))?;
    Ok((ty, arg))
}

/// Bucket number `n` (counting full ones) as a child: a map's `[key] : value`, a set's `[n] : key`.
fn entry(cx: &mut ObjectContext<'_>, bucket: &Value, n: u64, map: bool) -> RawChild {
    let field = |cx: &mut ObjectContext<'_>, k: usize| -> Option<Value> {
        let TypeKind::Record { members } = &bucket.ty.kind else { return None };
        let m = members.get(k)?;
        let ty = cx.reader().type_of(m.ty)?;
        Some(member(bucket, m.offset, m.bits, ty, m.ty))
    };
    let key = field(cx, 0).unwrap_or_else(|| bucket.clone());
    if !map {
        return RawChild { name: format!("[{n}]"), offset: None, bits: None, value: key, kind: ChildKind::Element(n) };
    }
    let value = field(cx, 1).unwrap_or_else(|| bucket.clone());
    let text = language_text(&summary_of(&key, cx.reader(), 1));
    RawChild {
        name: format!("[{text}]"),
        offset: None,
        bits: None,
        value,
        kind: ChildKind::Entry { key: Box::new(key) },
    }
}
