//! Bits as booleans (libstdc++'s `std::vector<bool>`: words of `unsigned long`, 64 bits on Linux and 32 on
//! Windows, the first element at a bit offset).

use super::super::capped;
use super::super::context::ObjectContext;
use super::word;
use crate::error::{Error, Result};
use crate::values::children::RawChild;
use crate::values::cxx;
use crate::values::{BaseKind, ChildKind, Type, TypeKind, Value, ValueBytes};

/// Elements `start..start + count` of the `len` bits from word pointer `data`, the first at bit `offset`.
pub(crate) fn children(
    cx: &mut ObjectContext<'_>,
    data: &str,
    offset: &str,
    len: &str,
    start: u64,
    count: usize,
) -> Result<Vec<RawChild>> {
    let pointer = cx.value(data)?;
    let word_size = match pointer.ty.kind {
        TypeKind::Pointer { target: Some(word), .. } => cx.reader().type_of(word).and_then(|t| t.size),
        _ => None,
    }
    .filter(|&size| size == 4 || size == 8)
    .ok_or_else(|| Error::msg(format!("'{data}' does not point to 32- or 64-bit words")))?;
    let bits_per_word = 8 * word_size;
    let data = cxx::as_number(&pointer)?;
    let offset = cx.number(offset)?;
    let len = capped(cx.number(len)?, true).count;
    let end = len.min(start.saturating_add(count as u64));
    let boolean = Type { name: "bool".into(), size: Some(1), kind: TypeKind::Base(BaseKind::Bool) };
    let reader = cx.reader();
    let mut out = Vec::new();
    for index in start..end {
        let bit = offset.saturating_add(index);
        let word = word(reader, data.wrapping_add((bit / bits_per_word).wrapping_mul(word_size)))?;
        let set = (word >> (bit % bits_per_word)) & 1;
        out.push(RawChild {
            name: format!("[{index}]"),
            offset: None,
            bits: None,
            value: Value {
                ty: boolean.clone(),
                type_id: None,
                bytes: ValueBytes::Known(vec![set as u8]),
                address: None,
            },
            kind: ChildKind::Element(index),
        });
    }
    Ok(out)
}
