//! A frame's values as plain data (`values::native` decides which C value becomes which), read through this
//! session's memory: what Python's `locals()` and a Rust program get instead of the console's text.

use super::Session;
use crate::values::{self, Child, Expansion, MAX_DEPTH, MAX_ELEMENTS, Native, Summary, Value};

impl Session {
    /// `value` (whose one-line meaning is `summary`) as plain data, its records and arrays read to
    /// [`MAX_DEPTH`] levels; an element or member that cannot be read is [`Native::Unavailable`].
    pub fn native(&mut self, value: &Value, summary: &Summary) -> Native {
        values::native(value, summary, MAX_DEPTH, &mut SessionValues(self))
    }
}

/// The children and summaries `values::native` asks for, read through the session.
struct SessionValues<'a>(&'a mut Session);

impl values::NativeSource for SessionValues<'_> {
    fn children(&mut self, value: &Value) -> Vec<Child> {
        self.0.children(value, "", 0, MAX_ELEMENTS).unwrap_or_default()
    }

    fn summary(&mut self, value: &Value) -> Summary {
        self.0.summary(value).unwrap_or(Summary::Opaque)
    }

    fn expansion(&mut self, value: &Value) -> Expansion {
        self.0.expansion(value).unwrap_or(Expansion { count: 0, indexed: false, entries: false, claimed: None })
    }

    fn variant(&mut self, value: &Value) -> Option<String> {
        let decoded = self.0.with_reader(|reader| values::rust::decoded(value, &mut |id| reader.type_of(id)));
        decoded.ok()??.ok().map(|(name, _)| name)
    }
}
