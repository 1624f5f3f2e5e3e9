//! A visualizer's expressions evaluated over one object, as natvis evaluates them: a bare name is the object's
//! member (`len`, `buf.inner.ptr`), `$T1`, `$T2` … are the object type's template arguments.

use crate::error::Result;
use crate::values::children::Reader;
use crate::values::cxx::{self, Context};
use crate::values::{Type, TypeId, Value};

/// The name the object itself goes by inside an expression (not a name a program can declare).
const THIS: &str = "$this";

pub(crate) struct ObjectContext<'a> {
    this: &'a Value,
    reader: &'a mut dyn Reader,
}

impl<'a> ObjectContext<'a> {
    pub fn new(this: &'a Value, reader: &'a mut dyn Reader) -> ObjectContext<'a> {
        ObjectContext { this, reader }
    }

    pub fn reader(&mut self) -> &mut dyn Reader {
        self.reader
    }

    /// The value of `expr` over the object.
    pub fn value(&mut self, expr: &str) -> Result<Value> {
        let named: Vec<String> = cast_names(expr)
            .into_iter()
            .filter(|name| template_index(name).is_none() && self.reader.named_type(name, self.this.type_id).is_some())
            .collect();
        let parsed = cxx::parse(expr, &|name| template_index(name).is_some() || named.iter().any(|n| n == name))?;
        cxx::evaluate(&parsed, self)
    }

    /// The value of `expr` as a number (a pointer's address, a length).
    pub fn number(&mut self, expr: &str) -> Result<u64> {
        cxx::as_number(&self.value(expr)?)
    }

    /// The object's `n`th template argument (from 1).
    pub fn template_arg(&mut self, n: usize) -> Option<(Type, TypeId)> {
        let id = self.this.type_id?;
        let arg = *self.reader.template_args(id).get(n.checked_sub(1)?)?;
        Some((self.reader.type_of(arg)?, arg))
    }
}

/// The names a cast in `expr` may name as its type (`size_t` in `(size_t *)p`): a name right after `(`, followed
/// by `*` or `)`. The program's types are looked up for these alone.
fn cast_names(expr: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (at, _) in expr.match_indices('(') {
        let rest = expr[at + 1..].trim_start();
        let len =
            rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':' || c == '$')).unwrap_or(rest.len());
        let (name, after) = rest.split_at(len);
        if !name.is_empty() && matches!(after.trim_start().chars().next(), Some('*' | ')')) {
            out.push(name.to_string());
        }
    }
    out
}

/// `$T3` → 3.
fn template_index(name: &str) -> Option<usize> {
    name.strip_prefix("$T")?.parse().ok()
}

impl Context for ObjectContext<'_> {
    fn variable(&mut self, name: &str) -> Result<Value> {
        if name == THIS {
            return Ok(self.this.clone());
        }
        let member =
            cxx::Expr::Member { of: Box::new(cxx::Expr::Name(THIS.into())), member: name.into(), arrow: false };
        cxx::evaluate(&member, self)
    }

    fn named_type(&mut self, name: &str) -> Option<(Type, Option<TypeId>)> {
        if let Some(n) = template_index(name) {
            return self.template_arg(n).map(|(ty, id)| (ty, Some(id)));
        }
        self.reader.named_type(name, self.this.type_id).map(|(ty, id)| (ty, Some(id)))
    }

    fn type_of(&mut self, id: TypeId) -> Option<Type> {
        self.reader.type_of(id)
    }

    fn object(&mut self, ty: Type, id: Option<TypeId>, address: u64) -> Value {
        self.reader.object(ty, id, address)
    }

    fn element(&mut self, base: &Value, index: i64) -> Option<Result<Value>> {
        super::element(base, index, self.reader)
    }
}
