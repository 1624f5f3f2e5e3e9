//! A frame's values as plain data (`values::native` decides which C value becomes which), read through this
//! session's memory: what Python's `locals()` and a Rust program get instead of the console's text.

use super::Session;
use crate::values::{self, MAX_DEPTH, MAX_ELEMENTS, Native, Summary, Value};

impl Session {
    /// `value` (whose one-line meaning is `summary`) as plain data, its records and arrays read to
    /// [`MAX_DEPTH`] levels; an element or member that cannot be read is [`Native::Unavailable`].
    pub fn native(&mut self, value: &Value, summary: &Summary) -> Native {
        values::native(value, summary, MAX_DEPTH, &mut |v| self.children(v, "", 0, MAX_ELEMENTS).unwrap_or_default())
    }
}
