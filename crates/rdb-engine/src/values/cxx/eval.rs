//! Evaluating a parsed C++ expression to a typed [`Value`], with C's rules: the usual arithmetic conversions
//! (to `int`, `unsigned int`, `long`, `unsigned long` or `double`), pointer arithmetic scaled by the pointee's
//! size, comparisons and logic giving `bool`, `*` and `->` reading the debuggee's memory, `&` of what has an
//! address.

use super::parse::{Binary, Expr, TypeName, Unary};
use crate::error::{Error, Result};
use crate::values::summary::{signed_of, unsigned};
use crate::values::{BaseKind, Language, Member, Type, TypeId, TypeKind, Value, ValueBytes};

/// What evaluation asks of the program being debugged.
pub trait Context {
    /// The variable `name` (`local`, `global`, `module!name`, `ns::name`) as seen from the current frame.
    fn variable(&mut self, name: &str) -> Result<Value>;
    /// The type called `name` (`int`, `struct point`, `counter_t`) and its id where the debug information has one.
    fn named_type(&mut self, name: &str) -> Option<(Type, Option<TypeId>)>;
    fn type_of(&mut self, id: TypeId) -> Option<Type>;
    /// The object of type `ty` at `address`.
    fn object(&mut self, ty: Type, id: Option<TypeId>, address: u64) -> Value;
    /// The language of the frame the expression is evaluated in: Rust's rules apply in a Rust frame (`.` reaches
    /// a field through references, `t.0`, indexing a slice).
    fn language(&self) -> Language {
        Language::Other
    }
    /// Element `index` of a record a visualizer shows as a container (`v[5000]` of a `Vec` or a `std::vector`);
    /// `None` where no visualizer knows the record.
    fn element(&mut self, _base: &Value, _index: i64) -> Option<Result<Value>> {
        None
    }
}

/// How many references Rust's `.` looks through to find a field (`s.x` where `s: &&Struct`).
const MAX_AUTO_DEREF: usize = 8;

/// A number as the evaluator computes with it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Num {
    Int(i64),
    Uint(u64),
    Float(f64),
}

/// Evaluate `expr`.
pub fn evaluate(expr: &Expr, cx: &mut dyn Context) -> Result<Value> {
    match expr {
        Expr::Int { value, unsigned, long } => Ok(match (unsigned, long) {
            (false, false) => int_value("int", 4, *value as i64),
            (true, false) => uint_value("unsigned int", 4, *value),
            (false, true) => int_value("long", 8, *value as i64),
            (true, true) => uint_value("unsigned long", 8, *value),
        }),
        Expr::Float(f) => Ok(float_value(*f)),
        Expr::Char(c) => Ok(Value {
            ty: Type { name: "char".into(), size: Some(1), kind: TypeKind::Base(BaseKind::Char { signed: true }) },
            type_id: None,
            bytes: ValueBytes::Known(vec![*c]),
            address: None,
        }),
        Expr::Bool(b) => Ok(bool_value(*b)),
        Expr::Name(name) => {
            let v = cx.variable(name)?;
            referred(v, cx)
        }
        Expr::Member { of, member, arrow } => {
            let mut base = evaluate(of, cx)?;
            if *arrow {
                base = deref(&base, cx)?;
            } else if cx.language() == Language::Rust {
                // Rust's `.` dereferences as often as it takes to reach a value with fields.
                for _ in 0..MAX_AUTO_DEREF {
                    if !matches!(base.ty.kind, TypeKind::Pointer { target: Some(_), .. }) {
                        break;
                    }
                    base = deref(&base, cx)?;
                }
            } else if matches!(base.ty.kind, TypeKind::Pointer { .. }) {
                return Err(Error::msg(format!("'{}' is a pointer: use '->' for its member '{member}'", base.ty.name)));
            }
            let v = member_of(&base, member, cx)?;
            referred(v, cx)
        }
        Expr::Index(base, index) => {
            let mut base = evaluate(base, cx)?;
            let index = as_int(&number(&evaluate(index, cx)?)?);
            let rust = cx.language() == Language::Rust;
            if rust {
                // Rust indexes through references (`r[1]` where `r: &[i32; 4]`).
                for _ in 0..MAX_AUTO_DEREF {
                    match &base.ty.kind {
                        TypeKind::Pointer { target: Some(_), .. } => base = deref(&base, cx)?,
                        _ => break,
                    }
                }
            }
            // A slice by its length (before any visualizer's children, which for `&str` are not its bytes).
            if rust && let Some(v) = slice_element(&base, index, cx)? {
                return Ok(v);
            }
            if matches!(base.ty.kind, TypeKind::Record { .. })
                && let Some(found) = cx.element(&base, index)
            {
                return found;
            }
            if rust {
                // An array by its count: Rust checks its bounds.
                if let TypeKind::Array { count: Some(n), .. } = base.ty.kind
                    && !(0..n as i64).contains(&index)
                {
                    return Err(Error::msg(format!("index {index} is out of bounds: the length is {n}")));
                }
            }
            element(&base, index, cx)
        }
        Expr::Unary(op, operand) => unary(*op, evaluate(operand, cx)?, cx),
        Expr::Binary(Binary::And, a, b) => {
            let a = truth(&evaluate(a, cx)?)?;
            Ok(bool_value(a && truth(&evaluate(b, cx)?)?))
        }
        Expr::Binary(Binary::Or, a, b) => {
            let a = truth(&evaluate(a, cx)?)?;
            Ok(bool_value(a || truth(&evaluate(b, cx)?)?))
        }
        Expr::Binary(op, a, b) => {
            let (a, b) = (evaluate(a, cx)?, evaluate(b, cx)?);
            binary(*op, a, b, cx)
        }
        Expr::Conditional(c, a, b) => {
            if truth(&evaluate(c, cx)?)? {
                evaluate(a, cx)
            } else {
                evaluate(b, cx)
            }
        }
        Expr::Cast(t, operand) => {
            let v = evaluate(operand, cx)?;
            let (ty, id) = resolve_type(t, cx)?;
            cast(v, ty, id)
        }
        Expr::SizeofType(t) => {
            let (ty, _) = resolve_type(t, cx)?;
            let size = ty.size.ok_or_else(|| Error::msg(format!("'{}' has no size", ty.name)))?;
            Ok(uint_value("unsigned long", 8, size))
        }
        Expr::SizeofExpr(e) => {
            let v = evaluate(e, cx)?;
            let size = v.ty.size.ok_or_else(|| Error::msg(format!("'{}' has no size", v.ty.name)))?;
            Ok(uint_value("unsigned long", 8, size))
        }
    }
}

/// What a C++ reference refers to (a reference is used as its object); any other value as it is.
fn referred(v: Value, cx: &mut dyn Context) -> Result<Value> {
    match v.ty.kind {
        TypeKind::Pointer { reference: true, .. } => deref(&v, cx),
        _ => Ok(v),
    }
}

/// A cast's or `sizeof`'s type: its base looked up, then a pointer made for each `*`.
fn resolve_type(t: &TypeName, cx: &mut dyn Context) -> Result<(Type, Option<TypeId>)> {
    let base = canonical_base(&t.base);
    let (mut ty, mut id) = match cx.named_type(&base) {
        Some(found) => found,
        None => builtin(&base).map(|ty| (ty, None)).ok_or_else(|| Error::msg(format!("no type named '{}'", t.base)))?,
    };
    for _ in 0..t.pointers {
        ty = pointer_to(&ty, id);
        id = None;
    }
    Ok((ty, id))
}

/// A base type's words in the order compilers name them in DWARF (`unsigned long` stays, `long unsigned` too).
fn canonical_base(base: &str) -> String {
    base.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The C base types by name, for casts a program's debug information does not name.
fn builtin(name: &str) -> Option<Type> {
    let (size, kind) = match name {
        "char" | "signed char" => (1, BaseKind::Char { signed: true }),
        "unsigned char" => (1, BaseKind::Char { signed: false }),
        "short" | "short int" | "signed short" => (2, BaseKind::Signed),
        "unsigned short" | "short unsigned int" | "unsigned short int" => (2, BaseKind::Unsigned),
        "int" | "signed" | "signed int" => (4, BaseKind::Signed),
        "unsigned" | "unsigned int" => (4, BaseKind::Unsigned),
        "long" | "long int" | "long long" | "long long int" | "signed long" => (8, BaseKind::Signed),
        "unsigned long" | "long unsigned int" | "unsigned long long" | "long long unsigned int" => {
            (8, BaseKind::Unsigned)
        }
        "float" => (4, BaseKind::Float),
        "double" => (8, BaseKind::Float),
        "bool" | "_Bool" => (1, BaseKind::Bool),
        "void" => return Some(Type { name: "void".into(), size: None, kind: TypeKind::Void }),
        _ => return None,
    };
    Some(Type { name: name.into(), size: Some(size), kind: TypeKind::Base(kind) })
}

fn pointer_to(ty: &Type, id: Option<TypeId>) -> Type {
    Type { name: format!("{} *", ty.name), size: Some(8), kind: TypeKind::Pointer { target: id, reference: false } }
}

fn int_value(name: &str, size: usize, v: i64) -> Value {
    let kind = TypeKind::Base(BaseKind::Signed);
    Value {
        ty: Type { name: name.into(), size: Some(size as u64), kind },
        type_id: None,
        bytes: ValueBytes::Known(v.to_le_bytes()[..size].to_vec()),
        address: None,
    }
}

fn uint_value(name: &str, size: usize, v: u64) -> Value {
    let kind = TypeKind::Base(BaseKind::Unsigned);
    Value {
        ty: Type { name: name.into(), size: Some(size as u64), kind },
        type_id: None,
        bytes: ValueBytes::Known(v.to_le_bytes()[..size].to_vec()),
        address: None,
    }
}

fn float_value(f: f64) -> Value {
    let kind = TypeKind::Base(BaseKind::Float);
    Value {
        ty: Type { name: "double".into(), size: Some(8), kind },
        type_id: None,
        bytes: ValueBytes::Known(f.to_le_bytes().to_vec()),
        address: None,
    }
}

fn bool_value(b: bool) -> Value {
    let kind = TypeKind::Base(BaseKind::Bool);
    Value {
        ty: Type { name: "bool".into(), size: Some(1), kind },
        type_id: None,
        bytes: ValueBytes::Known(vec![u8::from(b)]),
        address: None,
    }
}

/// The bytes of a value, or why it has none.
fn known(v: &Value) -> Result<&[u8]> {
    match &v.bytes {
        ValueBytes::Known(b) => Ok(b),
        ValueBytes::OptimizedOut => Err(Error::msg("the value is optimized out")),
        ValueBytes::MemoryError(a) => Err(Error::msg(format!("memory access error at {a:#x}"))),
    }
}

/// A scalar value as a number.
fn number(v: &Value) -> Result<Num> {
    let bytes = known(v)?;
    Ok(match &v.ty.kind {
        TypeKind::Base(BaseKind::Signed | BaseKind::Char { signed: true }) => Num::Int(signed_of(bytes)),
        TypeKind::Base(BaseKind::Unsigned | BaseKind::Char { signed: false } | BaseKind::Bool) => {
            Num::Uint(unsigned(bytes))
        }
        TypeKind::Base(BaseKind::Float) => match bytes.len() {
            4 => Num::Float(f64::from(f32::from_le_bytes(bytes.try_into().unwrap_or_default()))),
            8 => Num::Float(f64::from_le_bytes(bytes.try_into().unwrap_or_default())),
            _ => return Err(Error::msg(format!("'{}' is not supported in expressions", v.ty.name))),
        },
        TypeKind::Enum { signed: true, .. } => Num::Int(signed_of(bytes)),
        TypeKind::Enum { .. } | TypeKind::Pointer { .. } => Num::Uint(unsigned(bytes)),
        _ => return Err(Error::msg(format!("'{}' is not a number", v.ty.name))),
    })
}

fn as_int(n: &Num) -> i64 {
    match *n {
        Num::Int(i) => i,
        Num::Uint(u) => u as i64,
        Num::Float(f) => f as i64,
    }
}

/// A value as one 64-bit number, as MASM takes a C++ result: an integer sign- or zero-extended, a pointer's
/// address, an array's or a record's address, a bool 1 or 0, a floating value truncated.
pub fn as_number(v: &Value) -> Result<u64> {
    match v.ty.kind {
        TypeKind::Array { .. } | TypeKind::Record { .. } => {
            v.address.ok_or_else(|| Error::msg(format!("the value of type '{}' has no address", v.ty.name)))
        }
        _ => Ok(as_int(&number(v)?) as u64),
    }
}

/// Whether a value is true as a condition: non-zero (a pointer non-null).
pub fn truth(v: &Value) -> Result<bool> {
    Ok(match number(v)? {
        Num::Int(i) => i != 0,
        Num::Uint(u) => u != 0,
        Num::Float(f) => f != 0.0,
    })
}

/// The result of an arithmetic operator on values of these types: `int` unless a wider or unsigned operand
/// says otherwise (C's usual arithmetic conversions, LP64).
fn result_type(a: &Value, b: &Value) -> (bool, usize) {
    let class = |v: &Value| -> (bool, usize) {
        let size = v.ty.size.unwrap_or(4) as usize;
        let unsigned =
            matches!(v.ty.kind, TypeKind::Base(BaseKind::Unsigned | BaseKind::Bool) | TypeKind::Pointer { .. });
        if size < 4 { (false, 4) } else { (unsigned, size.min(8)) }
    };
    let (ua, sa) = class(a);
    let (ub, sb) = class(b);
    let size = sa.max(sb);
    let unsigned = (ua && sa == size) || (ub && sb == size);
    (unsigned, size)
}

/// `v` as a number of the integer type `unsigned`/`size` holds it (a 4-byte one truncated and extended).
fn fit(v: i64, unsigned: bool, size: usize) -> i64 {
    match (size, unsigned) {
        (4, true) => v as u32 as i64,
        (4, false) => v as i32 as i64,
        _ => v,
    }
}

/// A computed integer of the type `unsigned`/`size` names; its bytes are `v`'s low ones.
fn make_int(unsigned: bool, size: usize, v: i64) -> Value {
    match (unsigned, size) {
        (false, 4) => int_value("int", 4, v),
        (true, 4) => uint_value("unsigned int", 4, v as u64),
        (false, _) => int_value("long", 8, v),
        (true, _) => uint_value("unsigned long", 8, v as u64),
    }
}

fn unary(op: Unary, v: Value, cx: &mut dyn Context) -> Result<Value> {
    match op {
        Unary::Deref => deref(&v, cx),
        Unary::AddressOf => {
            let address =
                v.address.ok_or_else(|| Error::msg(format!("the value of type '{}' has no address", v.ty.name)))?;
            let mut ty = pointer_to(&v.ty, v.type_id);
            if cx.language() == Language::Rust {
                ty.name = format!("&{}", v.ty.name);
            }
            Ok(Value { ty, type_id: None, bytes: ValueBytes::Known(address.to_le_bytes().to_vec()), address: None })
        }
        Unary::Not => Ok(bool_value(!truth(&v)?)),
        Unary::Plus | Unary::Neg | Unary::BitNot => {
            let (unsigned, size) = result_type(&v, &v);
            match number(&v)? {
                Num::Float(f) if op == Unary::Neg => Ok(float_value(-f)),
                Num::Float(f) if op == Unary::Plus => Ok(float_value(f)),
                Num::Float(_) => Err(Error::msg("'~' needs an integer")),
                n => {
                    let i = as_int(&n);
                    let r = match op {
                        Unary::Neg => i.wrapping_neg(),
                        Unary::BitNot => !i,
                        _ => i,
                    };
                    Ok(make_int(unsigned, size, r))
                }
            }
        }
    }
}

fn binary(op: Binary, a: Value, b: Value, cx: &mut dyn Context) -> Result<Value> {
    let pointer = |v: &Value| matches!(v.ty.kind, TypeKind::Pointer { .. } | TypeKind::Array { .. });
    // Pointer arithmetic: p + n, n + p, p - n scale by the pointee's size; p - q counts elements.
    if matches!(op, Binary::Add | Binary::Sub) && (pointer(&a) || pointer(&b)) {
        if pointer(&a) && pointer(&b) && op == Binary::Sub {
            let size = pointee_size(&a, cx)?.max(1) as i64;
            let d = (address_of_pointer(&a)? as i64).wrapping_sub(address_of_pointer(&b)? as i64);
            return Ok(int_value("long", 8, d / size));
        }
        let (p, n) = if pointer(&a) { (a, b) } else { (b, a) };
        if pointer(&n) {
            return Err(Error::msg("two pointers cannot be added"));
        }
        let size = pointee_size(&p, cx)? as i64;
        let n = as_int(&number(&n)?);
        let delta = n.wrapping_mul(size);
        let base = address_of_pointer(&p)?;
        let address = if op == Binary::Add { base.wrapping_add(delta as u64) } else { base.wrapping_sub(delta as u64) };
        let (ty, id) = pointer_type_of(&p, cx);
        return Ok(Value { ty, type_id: id, bytes: ValueBytes::Known(address.to_le_bytes().to_vec()), address: None });
    }
    let (x, y) = (number(&a)?, number(&b)?);
    // A shift has its left operand's (promoted) type, and a count outside the type's width is undefined in C:
    // refused rather than given the hardware's or anyone's meaning.
    if matches!(op, Binary::Shl | Binary::Shr) {
        let (Num::Int(_) | Num::Uint(_), Num::Int(_) | Num::Uint(_)) = (x, y) else {
            return Err(Error::msg("a shift needs integers"));
        };
        let (unsigned, size) = result_type(&a, &a);
        let bits = 8 * size as i64;
        let count = as_int(&y);
        if !(0..bits).contains(&count) {
            return Err(Error::msg(format!("shift count {count} is outside 0..{}", bits - 1)));
        }
        let v = as_int(&x);
        let v = fit(v, unsigned, size);
        let shifted = match op {
            Binary::Shl => v.wrapping_shl(count as u32),
            _ if unsigned => ((v as u64) >> count) as i64,
            _ => v >> count,
        };
        return Ok(make_int(unsigned, size, shifted));
    }
    if let (Num::Float(_), _) | (_, Num::Float(_)) = (x, y) {
        let f = |n: Num| match n {
            Num::Int(i) => i as f64,
            Num::Uint(u) => u as f64,
            Num::Float(f) => f,
        };
        let (x, y) = (f(x), f(y));
        return Ok(match op {
            Binary::Add => float_value(x + y),
            Binary::Sub => float_value(x - y),
            Binary::Mul => float_value(x * y),
            Binary::Div => float_value(x / y),
            Binary::Lt => bool_value(x < y),
            Binary::Le => bool_value(x <= y),
            Binary::Gt => bool_value(x > y),
            Binary::Ge => bool_value(x >= y),
            Binary::Eq => bool_value(x == y),
            Binary::Ne => bool_value(x != y),
            _ => return Err(Error::msg("the operator needs integers")),
        });
    }
    let (unsigned, size) = result_type(&a, &b);
    let (i, j) = (as_int(&x), as_int(&y));
    // Compare in the result type: -1 < 1u is false in C, as here.
    let (i, j) = (fit(i, unsigned, size), fit(j, unsigned, size));
    let less = if unsigned { (i as u64) < (j as u64) } else { i < j };
    let zero = || Error::msg("division by zero");
    let value = match op {
        Binary::Add => i.wrapping_add(j),
        Binary::Sub => i.wrapping_sub(j),
        Binary::Mul => i.wrapping_mul(j),
        Binary::Div if j == 0 => return Err(zero()),
        Binary::Rem if j == 0 => return Err(zero()),
        Binary::Div if unsigned => ((i as u64) / (j as u64)) as i64,
        Binary::Rem if unsigned => ((i as u64) % (j as u64)) as i64,
        Binary::Div => i.wrapping_div(j),
        Binary::Rem => i.wrapping_rem(j),
        Binary::Shl | Binary::Shr => unreachable!("shifts are evaluated above"),
        Binary::BitAnd => i & j,
        Binary::BitOr => i | j,
        Binary::BitXor => i ^ j,
        Binary::Lt => return Ok(bool_value(less)),
        Binary::Ge => return Ok(bool_value(!less)),
        Binary::Gt => return Ok(bool_value(!less && i != j)),
        Binary::Le => return Ok(bool_value(less || i == j)),
        Binary::Eq => return Ok(bool_value(i == j)),
        Binary::Ne => return Ok(bool_value(i != j)),
        Binary::And | Binary::Or => unreachable!("evaluated with short-circuit above"),
    };
    Ok(make_int(unsigned, size, value))
}

/// The address a pointer holds, or an array's own address (an array decays to a pointer to its first element).
fn address_of_pointer(v: &Value) -> Result<u64> {
    match v.ty.kind {
        TypeKind::Array { .. } => v.address.ok_or_else(|| Error::msg("the array has no address")),
        _ => Ok(unsigned(known(v)?)),
    }
}

/// The pointer type a pointer or an array (decaying) has.
fn pointer_type_of(v: &Value, cx: &mut dyn Context) -> (Type, Option<TypeId>) {
    match &v.ty.kind {
        TypeKind::Array { element, .. } => {
            let ty = cx.type_of(*element).unwrap_or_else(|| builtin("char").unwrap_or_else(Type::unknown));
            (pointer_to(&ty, Some(*element)), None)
        }
        _ => (v.ty.clone(), v.type_id),
    }
}

fn pointee(v: &Value, cx: &mut dyn Context) -> Result<(Type, Option<TypeId>)> {
    let id = match &v.ty.kind {
        TypeKind::Pointer { target: Some(id), .. } => *id,
        TypeKind::Array { element, .. } => *element,
        TypeKind::Pointer { target: None, .. } => return made_pointee(&v.ty, cx),
        _ => return Err(Error::msg(format!("'{}' is not a pointer", v.ty.name))),
    };
    let ty = cx.type_of(id).ok_or_else(|| Error::msg(format!("the type '{}' points to is unknown", v.ty.name)))?;
    Ok((ty, Some(id)))
}

/// What a pointer type a cast made points to, made again from its name: the debug information has no entry for
/// `int *` as a pointee of the `int **` in `*(int **)p`, so the cast's pointer names its pointee by text only.
fn made_pointee(ty: &Type, cx: &mut dyn Context) -> Result<(Type, Option<TypeId>)> {
    let no_type = || Error::msg(format!("'{}' points to no type", ty.name));
    let inner = ty.name.strip_suffix(" *").ok_or_else(no_type)?;
    let base = inner.trim_end_matches(" *");
    let pointers = (inner.len() - base.len()) / 2;
    if base.is_empty() || base == "void" && pointers == 0 {
        return Err(no_type());
    }
    resolve_type(&TypeName { base: base.to_string(), pointers }, cx)
}

fn pointee_size(v: &Value, cx: &mut dyn Context) -> Result<u64> {
    let (ty, _) = pointee(v, cx)?;
    ty.size.ok_or_else(|| Error::msg(format!("'{}' has no size", ty.name)))
}

fn deref(v: &Value, cx: &mut dyn Context) -> Result<Value> {
    let (ty, id) = pointee(v, cx)?;
    let address = address_of_pointer(v)?;
    Ok(cx.object(ty, id, address))
}

fn element(base: &Value, index: i64, cx: &mut dyn Context) -> Result<Value> {
    let (ty, id) = pointee(base, cx)?;
    let size = ty.size.ok_or_else(|| Error::msg(format!("'{}' has no size", ty.name)))?;
    let offset = index.wrapping_mul(size as i64) as u64;
    // An array with its bytes known but no address (in registers) gives its element from its bytes.
    if let (TypeKind::Array { .. }, None, ValueBytes::Known(bytes)) = (&base.ty.kind, base.address, &base.bytes) {
        let from = usize::try_from(offset).ok().filter(|f| f + size as usize <= bytes.len());
        let from = from.ok_or_else(|| Error::msg(format!("index {index} is outside the array")))?;
        return Ok(Value {
            ty,
            type_id: id,
            bytes: ValueBytes::Known(bytes[from..from + size as usize].to_vec()),
            address: None,
        });
    }
    let address = address_of_pointer(base)?.wrapping_add(offset);
    Ok(cx.object(ty, id, address))
}

/// Element `index` of a Rust slice (`&[T]`, `&str`: a record of `data_ptr` and `length`), bounds checked;
/// `None` for a value that is not a slice.
fn slice_element(base: &Value, index: i64, cx: &mut dyn Context) -> Result<Option<Value>> {
    let TypeKind::Record { members } = &base.ty.kind else { return Ok(None) };
    let (Some(data), Some(length)) =
        (members.iter().find(|m| m.name == "data_ptr"), members.iter().find(|m| m.name == "length"))
    else {
        return Ok(None);
    };
    let length = member_of(base, &length.name, cx)?;
    let length = as_number(&length)?;
    if index < 0 || index as u64 >= length {
        return Err(Error::msg(format!("index {index} is out of bounds: the length is {length}")));
    }
    let data = member_of(base, &data.name, cx)?;
    element(&data, index, cx).map(Some)
}

fn member_of(base: &Value, name: &str, cx: &mut dyn Context) -> Result<Value> {
    // A Rust enum's fields are those of the variant it holds.
    if let TypeKind::Variants { .. } = &base.ty.kind {
        let decoded = crate::values::rust::decoded(base, &mut |id| cx.type_of(id));
        return match decoded {
            Some(Ok((variant, fields))) => {
                fields.into_iter().find(|(n, _)| n == name).map(|(_, v)| v).ok_or_else(|| {
                    Error::msg(format!("'{}' holds {variant}, which has no field '{name}'", base.ty.name))
                })
            }
            _ => Err(Error::msg(format!("'{}' holds no variant rdb can tell", base.ty.name))),
        };
    }
    let TypeKind::Record { members } = &base.ty.kind else {
        return Err(Error::msg(format!("'{}' has no members", base.ty.name)));
    };
    let found = find_member(members, name, cx, 0)
        .ok_or_else(|| Error::msg(format!("'{}' has no member '{name}'", base.ty.name)))?;
    let (offset, member) = found;
    let ty = cx.type_of(member.ty).ok_or_else(|| Error::msg(format!("the type of '{name}' is unknown")))?;
    Ok(crate::values::children::member(base, offset, member.bits, ty, member.ty))
}

/// The member `name` of a record, looking into anonymous structs and unions; its offset from the record's start.
fn find_member(members: &[Member], name: &str, cx: &mut dyn Context, depth: usize) -> Option<(u64, Member)> {
    // A Rust tuple's field `0` is `__0` in the debug information.
    if let Some(m) = members.iter().find(|m| m.name == name || crate::values::rust::field_name(&m.name) == name) {
        return Some((m.offset, m.clone()));
    }
    if depth > 8 {
        return None;
    }
    // Anonymous structs and unions, and base classes, lend their members.
    for m in members.iter().filter(|m| m.name.is_empty() || m.base) {
        if let Some(Type { kind: TypeKind::Record { members: inner }, .. }) = cx.type_of(m.ty)
            && let Some((offset, found)) = find_member(&inner, name, cx, depth + 1)
        {
            return Some((m.offset + offset, found));
        }
    }
    None
}

/// A value converted to `ty`: numbers to numbers, integers and pointers to pointers.
fn cast(v: Value, ty: Type, id: Option<TypeId>) -> Result<Value> {
    let size = ty.size.unwrap_or(0) as usize;
    let n = match v.ty.kind {
        TypeKind::Array { .. } => Num::Uint(address_of_pointer(&v)?),
        _ => number(&v)?,
    };
    let bytes = match (&ty.kind, n) {
        (TypeKind::Base(BaseKind::Float), n) => {
            let f = match n {
                Num::Int(i) => i as f64,
                Num::Uint(u) => u as f64,
                Num::Float(f) => f,
            };
            if size == 4 { (f as f32).to_le_bytes().to_vec() } else { f.to_le_bytes().to_vec() }
        }
        (TypeKind::Base(BaseKind::Bool), n) => {
            vec![u8::from(as_int(&n) != 0 || matches!(n, Num::Float(f) if f != 0.0))]
        }
        (TypeKind::Base(_) | TypeKind::Enum { .. } | TypeKind::Pointer { .. }, n) => {
            let i = match n {
                Num::Float(f) => f as i64,
                other => as_int(&other),
            };
            i.to_le_bytes()[..size.min(8)].to_vec()
        }
        _ => return Err(Error::msg(format!("cannot cast '{}' to '{}'", v.ty.name, ty.name))),
    };
    Ok(Value { ty, type_id: id, bytes: ValueBytes::Known(bytes), address: None })
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;
    use crate::values::Member;

    /// A program with `int n = -3`, `unsigned u = 2`, `int arr[4] = {10, 20, 30, 40}` at 0x1000, `int *q = &arr[1]`,
    /// `struct s { int a; int b; } rec = {7, 9}`.
    struct Fake;

    const INT: TypeId = TypeId { module: 1, die: 1 };
    const REC: TypeId = TypeId { module: 1, die: 2 };

    fn int_type() -> Type {
        Type { name: "int".into(), size: Some(4), kind: TypeKind::Base(BaseKind::Signed) }
    }

    fn memory(address: u64) -> Option<i32> {
        (0x1000..0x1010).contains(&address).then(|| [10, 20, 30, 40][((address - 0x1000) / 4) as usize])
    }

    impl Context for Fake {
        fn variable(&mut self, name: &str) -> Result<Value> {
            Ok(match name {
                "n" => int_value("int", 4, -3),
                "u" => uint_value("unsigned int", 4, 2),
                "arr" => Value {
                    ty: Type {
                        name: "int [4]".into(),
                        size: Some(16),
                        kind: TypeKind::Array { element: INT, count: Some(4) },
                    },
                    type_id: None,
                    bytes: ValueBytes::Known([10i32, 20, 30, 40].iter().flat_map(|v| v.to_le_bytes()).collect()),
                    address: Some(0x1000),
                },
                "q" => Value {
                    ty: Type {
                        name: "int *".into(),
                        size: Some(8),
                        kind: TypeKind::Pointer { target: Some(INT), reference: false },
                    },
                    type_id: None,
                    bytes: ValueBytes::Known(0x1004u64.to_le_bytes().to_vec()),
                    address: None,
                },
                "rec" => Value {
                    ty: self.type_of(REC).unwrap(),
                    type_id: Some(REC),
                    bytes: ValueBytes::Known([7i32, 9].iter().flat_map(|v| v.to_le_bytes()).collect()),
                    address: Some(0x2000),
                },
                _ => return Err(Error::msg(format!("no variable named '{name}'"))),
            })
        }
        fn named_type(&mut self, name: &str) -> Option<(Type, Option<TypeId>)> {
            (name == "int").then(|| (int_type(), Some(INT)))
        }
        fn type_of(&mut self, id: TypeId) -> Option<Type> {
            match id {
                INT => Some(int_type()),
                REC => Some(Type {
                    name: "struct s".into(),
                    size: Some(8),
                    kind: TypeKind::Record {
                        members: vec![
                            Member { name: "a".into(), ty: INT, offset: 0, bits: None, base: false },
                            Member { name: "b".into(), ty: INT, offset: 4, bits: None, base: false },
                        ],
                    },
                }),
                _ => None,
            }
        }
        fn object(&mut self, ty: Type, id: Option<TypeId>, address: u64) -> Value {
            let bytes = match memory(address) {
                Some(v) => ValueBytes::Known(v.to_le_bytes().to_vec()),
                // A pointer to `arr[1]` at 0x3000.
                None if address == 0x3000 => ValueBytes::Known(0x1004u64.to_le_bytes().to_vec()),
                None => ValueBytes::MemoryError(address),
            };
            Value { ty, type_id: id, bytes, address: Some(address) }
        }
    }

    fn eval(text: &str) -> Result<(String, i64)> {
        let v = evaluate(&parse(text, &|n| n == "int")?, &mut Fake)?;
        Ok((v.ty.name.clone(), as_int(&number(&v)?)))
    }

    #[test]
    fn a_cast_to_a_pointer_to_a_pointer_dereferences_twice() {
        // The debug information has no entry for the `int *` an `int **` points to: it is made from its name.
        assert_eq!(eval("**(int **)0x3000").unwrap(), ("int".into(), 20));
        let once = evaluate(&parse("*(int **)0x3000", &|n| n == "int").unwrap(), &mut Fake).unwrap();
        assert_eq!((once.ty.name.as_str(), address_of_pointer(&once).unwrap()), ("int *", 0x1004));
        assert_eq!(eval("(*(int **)0x3000)[1]").unwrap(), ("int".into(), 30));
        let void = evaluate(&parse("*(void *)0x3000", &|n| n == "int").unwrap(), &mut Fake).unwrap_err();
        assert!(void.to_string().contains("'void *' points to no type"), "{void}");
    }

    #[test]
    fn c_arithmetic() {
        assert_eq!(eval("n * 2 + 1").unwrap(), ("int".into(), -5));
        assert_eq!(eval("-7 / 2").unwrap(), ("int".into(), -3));
        assert_eq!(eval("-7 % 2").unwrap(), ("int".into(), -1));
        // int and unsigned int: n converts to unsigned, so -3 < 2u is false, as in C.
        assert_eq!(eval("n < u").unwrap(), ("bool".into(), 0));
        assert_eq!(eval("n + u").unwrap(), ("unsigned int".into(), 0xffff_ffff));
        assert_eq!(eval("(unsigned)-1 >> 28").unwrap(), ("unsigned int".into(), 15));
        assert_eq!(eval("5000000000 + 1").unwrap(), ("long".into(), 5_000_000_001));
        assert_eq!(eval("n ? 1 : 2").unwrap().1, 1);
        assert!(eval("1 / (u - 2)").is_err());
    }

    #[test]
    fn pointers_arrays_and_members() {
        assert_eq!(eval("arr[2]").unwrap(), ("int".into(), 30));
        assert_eq!(eval("*q").unwrap(), ("int".into(), 20));
        assert_eq!(eval("q[2]").unwrap(), ("int".into(), 40));
        assert_eq!(eval("*(q + 1)").unwrap(), ("int".into(), 30));
        assert_eq!(eval("q - arr").unwrap(), ("long".into(), 1));
        assert_eq!(eval("(q + 1) - q").unwrap(), ("long".into(), 1));
        assert_eq!(eval("&arr[3]").unwrap(), ("int *".into(), 0x100c));
        assert_eq!(eval("rec.b - rec.a").unwrap(), ("int".into(), 2));
        assert_eq!(eval("sizeof(rec)").unwrap(), ("unsigned long".into(), 8));
        assert_eq!(eval("sizeof(int *)").unwrap(), ("unsigned long".into(), 8));
        assert_eq!(eval("(int)2.9").unwrap(), ("int".into(), 2));
        // Reading past the fake memory is an error when the value is used, not a wrong number.
        assert!(eval("q[8] + 1").is_err());
        assert!(eval("rec.c").is_err());
        assert!(eval("rec->a").is_err());
        assert!(eval("*n").is_err());
        assert!(eval("&(n + 1)").is_err());
    }
}
