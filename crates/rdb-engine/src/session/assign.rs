//! Giving a variable a new value (DAP's `setVariable`, a watch edited in an editor): the new value is a C++
//! expression evaluated in the frame, converted to the variable's type as C converts it on assignment, and
//! written where the variable lives. Only a value in memory of a scalar type (a number, a character, a boolean,
//! an enumeration, a pointer) can be set: a register's or a computed one has nowhere rdb may write yet, and a
//! record or array is set member by member.

use super::Session;
use crate::error::{Error, Result};
use crate::target::Tid;
use crate::values::{BaseKind, Summary, TypeKind, Value, ValueBytes};

impl Session {
    /// Set `target` (a value read in frame `frame` of thread `tid`) to the C++ expression `text`; returns the
    /// value as read back.
    pub fn assign(&mut self, tid: Tid, frame: usize, target: &Value, text: &str) -> Result<Value> {
        self.check_can_change()?;
        let Some(address) = target.address else {
            return Err(Error::msg("the value is not in memory (a register, or computed): it cannot be set"));
        };
        let size = target.ty.size.unwrap_or(0) as usize;
        let source = self.evaluate_cxx(tid, frame, text)?;
        let number = match self.summary(&source)? {
            Summary::Signed(v) | Summary::Char(v) => Number::Int(v as i128),
            Summary::Enum { value, .. } => Number::Int(value as i128),
            Summary::Unsigned(v) | Summary::Pointer { address: v, .. } => Number::Int(v as i128),
            Summary::Bool(b) => Number::Int(b as i128),
            Summary::Float(f) => Number::Float(f),
            _ => return Err(Error::msg(format!("'{text}' is not a number, a character or a pointer"))),
        };
        let bytes = match (&target.ty.kind, number) {
            (TypeKind::Base(BaseKind::Float), n) => match size {
                4 => (n.float() as f32).to_le_bytes().to_vec(),
                8 => n.float().to_le_bytes().to_vec(),
                _ => return Err(Error::msg(format!("a {}-byte floating-point value cannot be set", size))),
            },
            (TypeKind::Base(BaseKind::Bool), n) => {
                let mut b = vec![0u8; size];
                if let Some(first) = b.first_mut() {
                    *first = (n.float() != 0.0) as u8;
                }
                b
            }
            (TypeKind::Base(_) | TypeKind::Enum { .. } | TypeKind::Pointer { .. }, n) if (1..=8).contains(&size) => {
                // C's conversion to an integer type: truncation toward zero, then the low bytes.
                let v = match n {
                    Number::Int(v) => v,
                    Number::Float(f) => f as i128,
                };
                v.to_le_bytes()[..size].to_vec()
            }
            _ => return Err(Error::msg(format!("a value of type {} cannot be set as a whole", target.ty.name))),
        };
        self.write_memory(address, &bytes)?;
        let ty = target.ty.clone();
        self.object(ty, target.type_id, address).map(|v| {
            if let ValueBytes::Known(_) = v.bytes { v } else { Value { bytes: ValueBytes::Known(bytes), ..v } }
        })
    }
}

#[derive(Clone, Copy)]
enum Number {
    Int(i128),
    Float(f64),
}

impl Number {
    fn float(self) -> f64 {
        match self {
            Number::Int(v) => v as f64,
            Number::Float(f) => f,
        }
    }
}
