//! The numbers DAP hands the client for frames (`frameId`) and for things with children (`variablesReference`):
//! valid until the debuggee runs again, as the specification says, so both tables are emptied at each resume.

use rdb_engine::target::Tid;
use rdb_engine::values::Value;

/// A frame: its thread and its number on that thread's stack (0 innermost, inlined calls counted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameRef {
    pub tid: Tid,
    pub frame: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    Locals,
    Arguments,
    Registers,
}

#[derive(Debug, Clone)]
pub enum Reference {
    Scope {
        at: FrameRef,
        kind: ScopeKind,
    },
    /// A value with children, its name as its parent shows it, the C++ expression that reaches it (for
    /// `evaluateName` and its children's), and the frame it was read in.
    Value {
        /// Boxed: a value is large beside a scope's reference.
        value: Box<Value>,
        name: String,
        path: Option<String>,
        at: FrameRef,
    },
}

#[derive(Default)]
pub struct References {
    frames: Vec<FrameRef>,
    values: Vec<Reference>,
}

impl References {
    pub fn clear(&mut self) {
        self.frames.clear();
        self.values.clear();
    }

    pub fn frame_id(&mut self, at: FrameRef) -> i64 {
        let i = self.frames.iter().position(|f| *f == at).unwrap_or_else(|| {
            self.frames.push(at);
            self.frames.len() - 1
        });
        i as i64 + 1
    }

    pub fn frame(&self, id: i64) -> Result<FrameRef, String> {
        usize::try_from(id - 1)
            .ok()
            .and_then(|i| self.frames.get(i).copied())
            .ok_or_else(|| format!("frame {id} is not a frame of this stop"))
    }

    pub fn add(&mut self, reference: Reference) -> i64 {
        self.values.push(reference);
        self.values.len() as i64
    }

    pub fn get(&self, id: i64) -> Result<&Reference, String> {
        usize::try_from(id - 1)
            .ok()
            .and_then(|i| self.values.get(i))
            .ok_or_else(|| format!("variablesReference {id} is not one of this stop"))
    }
}
