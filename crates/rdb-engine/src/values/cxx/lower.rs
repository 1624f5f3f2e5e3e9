//! A C++ condition turned into a MASM expression over registers and memory, for one breakpoint site, so it can
//! be compiled into the debuggee like any MASM condition (see `session/compiled.rs`) and a false hit costs no stop.
//! The lowering keeps C's meaning exactly or refuses: every value is carried as a 64-bit number, signed ones sign-
//! extended (`(dwo(a) ^ 0x80000000) - 0x80000000`), results truncated to their C type, signed comparisons made
//! unsigned by flipping the sign bit. What MASM cannot say with C's meaning (floating point, signed division and
//! right shift, `?:`) is refused, and such a condition is decided by the engine at each hit instead.

use std::collections::HashMap;

use super::parse::{Binary, Expr, Unary};
use crate::symbols::StaticPlace;
use crate::values::{BaseKind, Type, TypeId, TypeKind};

/// What lowering needs of the program at the site.
pub trait Site {
    /// The type `id` names.
    fn type_of(&mut self, id: TypeId) -> Option<Type>;
    /// A global variable: its address and type.
    fn global(&mut self, name: &str) -> Option<(u64, Option<TypeId>)>;
}

/// A lowered operand: a 64-bit MASM expression for a scalar's value, or an object's address.
#[derive(Clone)]
struct Lowered {
    ty: Type,
    id: Option<TypeId>,
    /// The value as a 64-bit MASM expression (scalars only).
    value: Option<String>,
    /// The object's address as a MASM expression, where it is in memory.
    address: Option<String>,
    /// The value, where it is a constant of the text (a shift's count must be one).
    constant: Option<i64>,
}

/// How an integer is held: its size in bytes and whether it is signed.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Int {
    size: u64,
    signed: bool,
}

/// The MASM names of DWARF registers 0–16.
const REGISTERS: [&str; 17] = [
    "rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip",
];

/// `expr` as MASM at a site where `locals` are the variables' places; `None` where C's meaning cannot be kept.
pub fn lower(expr: &Expr, locals: &[(String, Option<TypeId>, StaticPlace)], site: &mut dyn Site) -> Option<String> {
    // The innermost variable of a name hides the outer ones (they come outermost first).
    let locals: HashMap<&str, (Option<TypeId>, StaticPlace)> =
        locals.iter().map(|(n, t, p)| (n.as_str(), (*t, *p))).collect();
    let mut l = Lowerer { locals, site, depth: 0 };
    let v = l.expr(expr)?;
    // A condition is true where it is non-zero.
    let int = l.int_of(&v.ty)?;
    Some(normalized(v.value?, int))
}

struct Lowerer<'a> {
    locals: HashMap<&'a str, (Option<TypeId>, StaticPlace)>,
    site: &'a mut dyn Site,
    depth: usize,
}

fn hex(v: u64) -> String {
    format!("0x{v:x}")
}

/// A 64-bit value truncated to `int`'s width and extended as its signedness says.
fn normalized(text: String, int: Int) -> String {
    match (int.size, int.signed) {
        (8, _) => text,
        (size, false) => format!("(({text}) & {})", hex((1u64 << (8 * size)) - 1)),
        (size, true) => {
            let sign = 1u64 << (8 * size - 1);
            format!("(((({text}) & {}) ^ {}) - {})", hex((1u64 << (8 * size)) - 1), hex(sign), hex(sign))
        }
    }
}

fn int_type(int: Int) -> Type {
    let name = match (int.size, int.signed) {
        (4, true) => "int",
        (4, false) => "unsigned int",
        (8, true) => "long",
        _ => "unsigned long",
    };
    Type {
        name: name.into(),
        size: Some(int.size),
        kind: TypeKind::Base(if int.signed { BaseKind::Signed } else { BaseKind::Unsigned }),
    }
}

impl Lowerer<'_> {
    /// How a scalar type is held; pointers as unsigned 8-byte numbers.
    fn int_of(&self, ty: &Type) -> Option<Int> {
        let size = ty.size?;
        if !matches!(size, 1 | 2 | 4 | 8) {
            return None;
        }
        let signed = match ty.kind {
            TypeKind::Base(BaseKind::Signed | BaseKind::Char { signed: true }) => true,
            TypeKind::Base(BaseKind::Unsigned | BaseKind::Char { signed: false } | BaseKind::Bool) => false,
            TypeKind::Enum { signed, .. } => signed,
            TypeKind::Pointer { .. } => false,
            _ => return None,
        };
        Some(Int { size, signed })
    }

    /// The object of type `ty` at the MASM address `address`, its value read when it is a scalar.
    fn at(&self, ty: Type, id: Option<TypeId>, address: String) -> Lowered {
        let value = self.int_of(&ty).map(|int| {
            let read = match int.size {
                1 => "by",
                2 => "wo",
                4 => "dwo",
                _ => "qwo",
            };
            normalized(format!("{read}({address})"), int)
        });
        Lowered { ty, id, value, address: Some(address), constant: None }
    }

    fn pointer_target(&mut self, v: &Lowered) -> Option<(Type, TypeId)> {
        let id = match v.ty.kind {
            TypeKind::Pointer { target: Some(id), .. } => id,
            TypeKind::Array { element, .. } => element,
            _ => return None,
        };
        Some((self.site.type_of(id)?, id))
    }

    /// A pointer's value, or an array's address (it decays).
    fn pointer_value(&self, v: &Lowered) -> Option<String> {
        match v.ty.kind {
            TypeKind::Array { .. } => v.address.clone(),
            TypeKind::Pointer { .. } => v.value.clone(),
            _ => None,
        }
    }

    fn expr(&mut self, e: &Expr) -> Option<Lowered> {
        self.depth += 1;
        if self.depth > 100 {
            return None;
        }
        let r = self.expr_inner(e);
        self.depth -= 1;
        r
    }

    fn expr_inner(&mut self, e: &Expr) -> Option<Lowered> {
        match e {
            Expr::Int { value, unsigned, long } => {
                let int = Int { size: if *long { 8 } else { 4 }, signed: !unsigned };
                let constant = i64::try_from(*value).ok();
                Some(Lowered {
                    ty: int_type(int),
                    id: None,
                    value: Some(normalized(hex(*value), int)),
                    address: None,
                    constant,
                })
            }
            Expr::Char(c) => {
                let int = Int { size: 1, signed: true };
                let ty =
                    Type { name: "char".into(), size: Some(1), kind: TypeKind::Base(BaseKind::Char { signed: true }) };
                Some(Lowered {
                    ty,
                    id: None,
                    value: Some(normalized(hex(u64::from(*c)), int)),
                    address: None,
                    constant: None,
                })
            }
            Expr::Bool(b) => Some(bool_value(hex(u64::from(*b)))),
            Expr::Name(name) => self.name(name),
            Expr::Member { of, member, arrow } => {
                let base = self.expr(of)?;
                let (record, address) = if *arrow {
                    let (ty, _) = self.pointer_target(&base)?;
                    (ty, self.pointer_value(&base)?)
                } else {
                    (base.ty.clone(), base.address.clone()?)
                };
                let TypeKind::Record { members } = &record.kind else { return None };
                let m = members.iter().find(|m| m.name == *member)?.clone();
                let ty = self.site.type_of(m.ty)?;
                let at = format!("({address} + {})", hex(m.offset));
                match m.bits {
                    None => Some(self.at(ty, Some(m.ty), at)),
                    Some((bit, width)) => {
                        let int = self.int_of(&ty)?;
                        let field = format!("((qwo({at}) >> {}) & {})", hex(bit), hex((1u64 << width.min(63)) - 1));
                        // A signed field's top bit is its sign.
                        let value = if int.signed {
                            let sign = 1u64 << (width - 1);
                            format!("(({field} ^ {}) - {})", hex(sign), hex(sign))
                        } else {
                            field
                        };
                        Some(Lowered { ty, id: Some(m.ty), value: Some(value), address: None, constant: None })
                    }
                }
            }
            Expr::Index(base, index) => {
                let base = self.expr(base)?;
                let index = self.expr(index)?;
                let (ty, id) = self.pointer_target(&base)?;
                let at = format!("({} + ({}) * {})", self.pointer_value(&base)?, index.value?, hex(ty.size?));
                Some(self.at(ty, Some(id), at))
            }
            Expr::Unary(Unary::Deref, operand) => {
                let p = self.expr(operand)?;
                let (ty, id) = self.pointer_target(&p)?;
                let at = self.pointer_value(&p)?;
                Some(self.at(ty, Some(id), at))
            }
            Expr::Unary(Unary::AddressOf, operand) => {
                let v = self.expr(operand)?;
                let ty = Type {
                    name: format!("{} *", v.ty.name),
                    size: Some(8),
                    kind: TypeKind::Pointer { target: v.id, reference: false },
                };
                Some(Lowered { ty, id: None, value: v.address, address: None, constant: None })
            }
            Expr::Unary(Unary::Not, operand) => {
                let v = self.expr(operand)?;
                Some(bool_value(format!("(({}) == 0)", v.value?)))
            }
            Expr::Unary(op @ (Unary::Neg | Unary::BitNot | Unary::Plus), operand) => {
                let v = self.expr(operand)?;
                let int = promote(self.int_of(&v.ty)?);
                let x = v.value?;
                let text = match op {
                    Unary::Neg => format!("(0 - ({x}))"),
                    Unary::BitNot => format!("(({x}) ^ 0xffffffffffffffff)"),
                    _ => x,
                };
                Some(computed(text, int))
            }
            Expr::Binary(op, a, b) => {
                let (a, b) = (self.expr(a)?, self.expr(b)?);
                self.binary(*op, a, b)
            }
            Expr::Cast(..) | Expr::Conditional(..) | Expr::Float(_) | Expr::SizeofExpr(_) | Expr::SizeofType(_) => None,
        }
    }

    fn name(&mut self, name: &str) -> Option<Lowered> {
        if name.starts_with('@') || name.contains('!') {
            return None;
        }
        if let Some(&(id, place)) = self.locals.get(name) {
            let ty = self.site.type_of(id?)?;
            return match place {
                StaticPlace::Register(r) => {
                    let int = self.int_of(&ty)?;
                    let register = REGISTERS.get(usize::from(r))?;
                    Some(Lowered {
                        ty,
                        id,
                        value: Some(normalized(format!("@{register}"), int)),
                        address: None,
                        constant: None,
                    })
                }
                StaticPlace::Memory { register, offset } => {
                    let register = REGISTERS.get(usize::from(register))?;
                    let at = if offset < 0 {
                        format!("(@{register} - {})", hex(offset.unsigned_abs()))
                    } else {
                        format!("(@{register} + {})", hex(offset as u64))
                    };
                    Some(self.at(ty, id, at))
                }
                StaticPlace::Absolute(a) => Some(self.at(ty, id, hex(a))),
            };
        }
        let (address, id) = self.site.global(name)?;
        let ty = self.site.type_of(id?)?;
        Some(self.at(ty, id, hex(address)))
    }

    fn binary(&mut self, op: Binary, a: Lowered, b: Lowered) -> Option<Lowered> {
        let pointer = |v: &Lowered| matches!(v.ty.kind, TypeKind::Pointer { .. } | TypeKind::Array { .. });
        if pointer(&a) || pointer(&b) {
            return match op {
                Binary::Eq | Binary::Ne | Binary::Lt | Binary::Le | Binary::Gt | Binary::Ge
                    if pointer(&a) && pointer(&b) =>
                {
                    Some(bool_value(format!(
                        "(({}) {} ({}))",
                        self.pointer_value(&a)?,
                        masm(op)?,
                        self.pointer_value(&b)?
                    )))
                }
                Binary::Eq | Binary::Ne => {
                    // A pointer against the literal 0 (`p != 0`).
                    let (p, n) = if pointer(&a) { (a, b) } else { (b, a) };
                    Some(bool_value(format!("(({}) {} ({}))", self.pointer_value(&p)?, masm(op)?, n.value?)))
                }
                Binary::And | Binary::Or => {
                    let x = self.pointer_value(&a).or(a.value)?;
                    let y = self.pointer_value(&b).or(b.value)?;
                    Some(bool_value(format!("(({x}) {} ({y}))", masm(op)?)))
                }
                _ => None,
            };
        }
        let (ia, ib) = (self.int_of(&a.ty)?, self.int_of(&b.ty)?);
        let (x, y) = (a.value.clone()?, b.value?);
        if matches!(op, Binary::And | Binary::Or) {
            return Some(bool_value(format!("((({x}) != 0) {} (({y}) != 0))", masm(op)?)));
        }
        // C's usual arithmetic conversions (LP64): both to the common type.
        let common = common(promote(ia), promote(ib));
        let (x, y) = (normalized(x, common), normalized(y, common));
        match op {
            Binary::Lt | Binary::Le | Binary::Gt | Binary::Ge | Binary::Eq | Binary::Ne => {
                let (x, y) = if common.signed && !matches!(op, Binary::Eq | Binary::Ne) {
                    (format!("(({x}) ^ 0x8000000000000000)"), format!("(({y}) ^ 0x8000000000000000)"))
                } else {
                    (x, y)
                };
                Some(bool_value(format!("(({x}) {} ({y}))", masm(op)?)))
            }
            // MASM divides without sign: C's meaning only for unsigned operands.
            Binary::Div | Binary::Rem if common.signed => None,
            // A shift has its left operand's type; only a constant count within its width has a meaning (C leaves
            // the others undefined). A signed right shift is arithmetic (`>>>`), as gcc and clang make it.
            Binary::Shl | Binary::Shr => {
                let int = promote(ia);
                let count = b.constant.filter(|c| (0..8 * int.size as i64).contains(c))?;
                let x = normalized(a.value?, ia);
                let shift = match op {
                    Binary::Shl => "<<",
                    _ if int.signed => ">>>",
                    _ => ">>",
                };
                let text = format!("(({x}) {shift} {})", hex(count as u64));
                Some(computed(text, int))
            }
            _ => {
                let text = format!("(({x}) {} ({y}))", masm(op)?);
                Some(computed(text, common))
            }
        }
    }
}

/// An integer the condition computes: `text`, truncated to `int` and extended as its signedness says.
fn computed(text: String, int: Int) -> Lowered {
    Lowered { ty: int_type(int), id: None, value: Some(normalized(text, int)), address: None, constant: None }
}

fn bool_value(text: String) -> Lowered {
    let ty = Type { name: "bool".into(), size: Some(1), kind: TypeKind::Base(BaseKind::Bool) };
    Lowered { ty, id: None, value: Some(text), address: None, constant: None }
}

/// Integer promotion: anything narrower than `int` becomes `int`.
fn promote(int: Int) -> Int {
    if int.size < 4 { Int { size: 4, signed: true } } else { int }
}

/// The common type of two promoted integers.
fn common(a: Int, b: Int) -> Int {
    let size = a.size.max(b.size);
    let unsigned = (!a.signed && a.size == size) || (!b.signed && b.size == size);
    Int { size, signed: !unsigned }
}

fn masm(op: Binary) -> Option<&'static str> {
    Some(match op {
        Binary::Mul => "*",
        Binary::Div => "/",
        Binary::Rem => "%",
        Binary::Add => "+",
        Binary::Sub => "-",
        Binary::Shl => "<<",
        Binary::Shr => ">>",
        Binary::Lt => "<",
        Binary::Le => "<=",
        Binary::Gt => ">",
        Binary::Ge => ">=",
        Binary::Eq => "==",
        Binary::Ne => "!=",
        Binary::BitAnd => "&",
        Binary::BitXor => "^",
        Binary::BitOr => "|",
        Binary::And => "&&",
        Binary::Or => "||",
    })
}

#[cfg(test)]
mod tests {
    use super::super::{evaluate, parse};
    use super::*;
    use crate::expr::{self, ExprContext};

    const INT: TypeId = TypeId { module: 1, die: 1 };
    const UINT: TypeId = TypeId { module: 1, die: 2 };

    struct Program;

    impl Site for Program {
        fn type_of(&mut self, id: TypeId) -> Option<Type> {
            match id {
                INT => Some(Type { name: "int".into(), size: Some(4), kind: TypeKind::Base(BaseKind::Signed) }),
                UINT => {
                    Some(Type { name: "unsigned int".into(), size: Some(4), kind: TypeKind::Base(BaseKind::Unsigned) })
                }
                _ => None,
            }
        }
        fn global(&mut self, _: &str) -> Option<(u64, Option<TypeId>)> {
            None
        }
    }

    /// A MASM context with rdi = `d` and memory holding `m` (an int) at rbp-0x14.
    struct Machine {
        d: u64,
        m: i32,
    }

    impl ExprContext for Machine {
        fn register(&mut self, name: &str) -> Option<u64> {
            match name {
                "rdi" => Some(self.d),
                "rbp" => Some(0x1000),
                _ => None,
            }
        }
        fn symbol(&mut self, _: &str) -> crate::error::Result<Option<u64>> {
            Ok(None)
        }
        fn read_memory(&mut self, address: u64, size: usize) -> crate::error::Result<u64> {
            assert_eq!(address, 0x1000 - 0x14);
            Ok((self.m as u32 as u64) & if size >= 8 { u64::MAX } else { (1u64 << (8 * size)) - 1 })
        }
    }

    /// The lowered condition's truth on the machine, and the C++ evaluator's on the same values.
    fn both(text: &str, d: i64, m: i32) -> (bool, bool) {
        let locals = vec![
            ("d".to_string(), Some(INT), StaticPlace::Register(5)),
            ("m".to_string(), Some(INT), StaticPlace::Memory { register: 6, offset: -0x14 }),
            ("u".to_string(), Some(UINT), StaticPlace::Memory { register: 6, offset: -0x14 }),
        ];
        let expr = parse(text, &|_| false).unwrap();
        let masm = lower(&expr, &locals, &mut Program).unwrap_or_else(|| panic!("{text} does not lower"));
        let lowered = expr::evaluate(&masm, &mut Machine { d: d as u64, m }).unwrap() != 0;
        (lowered, reference(&expr, d, m))
    }

    /// The C++ evaluator's answer, with `d` and `m` as values.
    fn reference(expr: &Expr, d: i64, m: i32) -> bool {
        struct Values(i64, i32);
        impl super::super::Context for Values {
            fn variable(&mut self, name: &str) -> crate::error::Result<crate::values::Value> {
                let (ty, bytes) = match name {
                    "d" => (Program.type_of(INT).unwrap(), (self.0 as i32).to_le_bytes()),
                    "m" => (Program.type_of(INT).unwrap(), self.1.to_le_bytes()),
                    _ => (Program.type_of(UINT).unwrap(), self.1.to_le_bytes()),
                };
                Ok(crate::values::Value {
                    ty,
                    type_id: None,
                    bytes: crate::values::ValueBytes::Known(bytes.to_vec()),
                    address: None,
                })
            }
            fn named_type(&mut self, _: &str) -> Option<(Type, Option<TypeId>)> {
                None
            }
            fn type_of(&mut self, id: TypeId) -> Option<Type> {
                Program.type_of(id)
            }
            fn object(&mut self, ty: Type, _: Option<TypeId>, _: u64) -> crate::values::Value {
                crate::values::Value {
                    ty,
                    type_id: None,
                    bytes: crate::values::ValueBytes::OptimizedOut,
                    address: None,
                }
            }
        }
        super::super::truth(&evaluate(expr, &mut Values(d, m)).unwrap()).unwrap()
    }

    #[test]
    fn lowered_conditions_mean_what_c_means() {
        let texts = [
            "d == 1",
            "d > m",
            "d < 0",
            "m >= -3",
            "d + m == 0",
            "d * 2 < m",
            "u > 5",
            "u < d",
            "d == 1 && m != 2",
            "d == 7 || m < 0",
            "!d",
            "-d > 2",
            "~m == 2",
            "(d & 3) == 1",
            "d - m < 0",
            "m == 'a'",
            "u << 1 > 4",
            "d >> 1 == -3",
            "(m >> 31) != 0",
            "(u >> 3) + (m << 2) > 5",
        ];
        for text in texts {
            for (d, m) in [(1, 2), (0, -3), (-5, 7), (7, -1), (i32::MAX as i64, i32::MIN), (-1, 0), (3, 97)] {
                let (lowered, reference) = both(text, d, m);
                assert_eq!(lowered, reference, "{text} with d = {d}, m = {m}");
            }
        }
    }

    #[test]
    fn what_masm_cannot_mean_is_refused() {
        let locals = vec![("d".to_string(), Some(INT), StaticPlace::Register(5))];
        for text in [
            "d / 2 == 1",
            "d >> 40",
            "d << d",
            "d % 3",
            "d ? 1 : 0",
            "(long)d > 1",
            "d > 1.5",
            "@rdi == 1",
            "nosuch == 1",
        ] {
            let expr = parse(text, &|_| false).unwrap();
            assert_eq!(lower(&expr, &locals, &mut Program), None, "{text}");
        }
    }
}
