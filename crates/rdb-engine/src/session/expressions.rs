//! C++ expressions evaluated in a frame (WinDbg's `??` and `dx`, DAP's `evaluate`, Python's `eval`), and the
//! program's types by name (`dt`, casts). Names are found as a C++ debugger finds them: the frame's locals and
//! parameters (innermost block first), then the statics of the frame's file and the globals of its module, then
//! the globals of every other module; `module!name` looks only in that module.

use super::{Modules, Session};
use crate::error::{Error, Result};
use crate::regs::{self, Registers};
use crate::target::Tid;
use crate::values::cxx::{self, Context};
use crate::values::{self, Language, Type, TypeId, Value, Variable};

impl Session {
    /// Evaluate the C++ expression `text` in frame `frame` of thread `tid`. A frame without debug information
    /// still sees the program's globals.
    pub fn evaluate_cxx(&mut self, tid: Tid, frame: usize, text: &str) -> Result<Value> {
        let (locals, pc, registers) = match self.variables(tid, frame) {
            Ok(found) => (found.variables, Some(found.pc), Some(found.registers)),
            Err(_) => {
                let registers = match frame {
                    0 => self.registers(tid).ok(),
                    n => self.frames(tid, n + 1).ok().and_then(|f| f.get(n).map(|f| f.registers)),
                };
                (Vec::new(), self.registers(tid).ok().map(|r| r.rip), registers)
            }
        };
        let expr = {
            let modules = &self.modules;
            cxx::parse(text, &|name| {
                // A local's name hides a type of the same name, as in C++.
                !locals.iter().any(|v| v.name == name) && find_type(modules, name, pc).is_some()
            })?
        };
        let language = self.language_at(pc);
        let mut cx = FrameContext { session: self, locals, pc, registers, language };
        cxx::evaluate(&expr, &mut cx)
    }

    /// The language of the code at `pc` (its compilation unit's), which decides how expressions there are read
    /// and values written: `Other` where no debug information says.
    pub fn language_at(&self, pc: Option<u64>) -> Language {
        pc.and_then(|pc| self.modules.at(pc)?.symbols()?.language_at(pc)).unwrap_or(Language::Other)
    }

    /// The type named `name` (`struct point`, `point`, `counter_t`, `module!point`), looked for in the module
    /// holding `near` first, then in every module.
    pub fn find_type(&self, name: &str, near: Option<u64>) -> Option<(Type, TypeId)> {
        find_type(&self.modules, name, near)
    }

    /// The names of the types in module `module` (every module for `None`) that `matches` accepts: `module!name`.
    pub fn type_names(&self, module: Option<&str>, matches: &dyn Fn(&str) -> bool) -> Vec<String> {
        self.modules
            .iter()
            .filter(|m| module.is_none_or(|n| m.name.eq_ignore_ascii_case(n)))
            .filter_map(|m| Some((m.name.clone(), m.symbols()?.type_names(matches))))
            .flat_map(|(module, names)| names.into_iter().map(move |n| format!("{module}!{n}")))
            .collect()
    }
}

pub(super) fn find_type(modules: &Modules, name: &str, near: Option<u64>) -> Option<(Type, TypeId)> {
    let (module, name) = match name.split_once('!') {
        Some((m, n)) => (Some(modules.by_name(m)?), n),
        None => (None, name),
    };
    let name = name.trim();
    let candidates = module.into_iter().chain(near.and_then(|a| modules.at(a))).chain(modules.iter());
    for m in candidates {
        let Some(symbols) = m.symbols() else { continue };
        if let Some(id) = symbols.named_type(name)
            && let Some(ty) = symbols.type_of(id)
        {
            return Some((ty, id));
        }
        if module.is_some() {
            break;
        }
    }
    None
}

/// The evaluator's view of one frame.
struct FrameContext<'a> {
    session: &'a mut Session,
    locals: Vec<Variable>,
    pc: Option<u64>,
    /// The frame's registers, for `@rdi` (as the unwinder recovered them in a caller).
    registers: Option<Registers>,
    language: Language,
}

impl Context for FrameContext<'_> {
    fn variable(&mut self, name: &str) -> Result<Value> {
        if let Some(register) = name.strip_prefix('@') {
            let lower = register.to_ascii_lowercase();
            let value = self
                .registers
                .as_ref()
                .and_then(|r| r.get(&lower))
                .ok_or_else(|| Error::msg(format!("no register named '{register}'")))?;
            let size = regs::width(&lower).map(|bits| bits / 8).unwrap_or(8) as usize;
            let ty = Type {
                name: if size == 8 { "unsigned int64".into() } else { format!("unsigned int{}", size * 8) },
                size: Some(size as u64),
                kind: crate::values::TypeKind::Base(crate::values::BaseKind::Unsigned),
            };
            return Ok(Value {
                ty,
                type_id: None,
                bytes: crate::values::ValueBytes::Known(value.to_le_bytes()[..size].to_vec()),
                address: None,
            });
        }
        if let Some((module, name)) = name.split_once('!') {
            let m = self
                .session
                .modules
                .by_name(module)
                .ok_or_else(|| Error::msg(format!("no module named '{module}'")))?;
            let symbols = m.symbols().ok_or_else(|| Error::msg(format!("no symbols for module '{module}'")))?;
            let (address, ty) = symbols
                .global(name, self.pc)
                .ok_or_else(|| Error::msg(format!("no variable named '{name}' in {module}")))?;
            return self.global(address, ty);
        }
        if let Some(v) = self.locals.iter().rev().find(|v| v.name == name) {
            return Ok(v.value.clone());
        }
        // Inside a method, a member's name alone is `this->name`.
        if self.locals.iter().any(|v| v.name == "this") && !name.contains("::") {
            let member =
                cxx::Expr::Member { of: Box::new(cxx::Expr::Name("this".into())), member: name.into(), arrow: true };
            if let Ok(v) = cxx::evaluate(&member, self) {
                return Ok(v);
            }
        }
        let near = self.pc.and_then(|pc| self.session.modules.at(pc));
        let found =
            near.into_iter().chain(self.session.modules.iter()).find_map(|m| m.symbols()?.global(name, self.pc));
        match found {
            Some((address, ty)) => self.global(address, ty),
            None => Err(Error::msg(format!("no variable named '{name}' in this scope"))),
        }
    }

    fn named_type(&mut self, name: &str) -> Option<(Type, Option<TypeId>)> {
        find_type(&self.session.modules, name, self.pc).map(|(t, id)| (t, Some(id)))
    }

    fn type_of(&mut self, id: TypeId) -> Option<Type> {
        self.session.type_of(id)
    }

    fn language(&self) -> Language {
        self.language
    }

    fn element(&mut self, base: &Value, index: i64) -> Option<Result<Value>> {
        match self.session.with_reader(|reader| values::visualizers::element(base, index, reader)) {
            Ok(found) => found,
            Err(e) => Some(Err(e)),
        }
    }

    fn object(&mut self, ty: Type, id: Option<TypeId>, address: u64) -> Value {
        match self.session.object(ty.clone(), id, address) {
            Ok(v) => v,
            Err(_) => Value {
                ty,
                type_id: id,
                bytes: crate::values::ValueBytes::MemoryError(address),
                address: Some(address),
            },
        }
    }
}

impl FrameContext<'_> {
    fn global(&mut self, address: u64, ty: Option<TypeId>) -> Result<Value> {
        let t = ty.and_then(|id| self.session.type_of(id)).unwrap_or_else(Type::unknown);
        Ok(self.object(t, ty, address))
    }
}
