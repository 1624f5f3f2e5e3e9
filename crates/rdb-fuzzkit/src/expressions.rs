//! MASM expressions over a context made from the input, read every way the engine reads them (`evaluate`, `check`,
//! `compile`, `parse_prefix`) and checked against each other:
//!
//! - `check` and `compile` accept the same texts, and everything `evaluate` accepts;
//! - what `check` accepts, `evaluate` fails on only for a value (a division by zero, unreadable memory);
//! - compiled code run on a stack machine gives what `evaluate` gives (conditions run inside the debuggee are
//!   compiled; the engine evaluates the others);
//! - `parse_prefix` takes a prefix of the text that ends on a character boundary and evaluates to its value.
//!
//! The input is the expression's text, then a NUL, then the context's bytes: the registers' values, eight bytes
//! each in `r`'s order, and the memory mapped at [`MEMORY`] (the same bytes). Symbols are a fixed set of names,
//! each worth a word of the context bytes.

use rdb_engine::expr::{self, Bin, ExprContext, Op};
use rdb_engine::regs::{GPR_NAMES, Registers};
use rdb_engine::{Error, Result};

/// Where the context bytes are readable (`poi(1000)`).
pub const MEMORY: u64 = 0x1000;

/// The names the context resolves, as a session would: qualified, bare, a module alone (its base), C++ and Rust
/// paths, a name only `@!"..."` can spell. `ambiguous` fails, as a session's lookup can.
const SYMBOLS: [&str; 10] = [
    "hello!main",
    "main",
    "hello!add",
    "add",
    "hello",
    "libc!puts",
    "std::rt::lang_start",
    "hello!ns::f",
    "Dog::speak() const",
    "hello!vector<int>::size",
];

/// Registers, memory and symbols, all from the context bytes.
pub struct Context {
    regs: Registers,
    memory: Vec<u8>,
}

impl Context {
    pub fn new(bytes: &[u8]) -> Context {
        let mut regs = Registers::default();
        let names = GPR_NAMES.iter().copied().chain(["rip", "rflags", "fs_base", "gs_base"]);
        for (name, word) in names.zip(bytes.chunks(8)) {
            regs.set(name, word_of(word));
        }
        Context { regs, memory: bytes.to_vec() }
    }

    /// Symbol `index`'s value: a word from the end of the context bytes, else a made-up address in the module.
    fn symbol_value(&self, index: usize) -> u64 {
        self.memory.chunks(8).rev().nth(index).map_or(0x5555_5555_4000 + 0x100 * index as u64, word_of)
    }
}

/// A little-endian word from up to 8 bytes.
fn word_of(bytes: &[u8]) -> u64 {
    bytes.iter().rev().fold(0, |acc, b| (acc << 8) | u64::from(*b))
}

impl ExprContext for Context {
    fn register(&mut self, name: &str) -> Option<u64> {
        match name {
            "$ip" => Some(self.regs.rip),
            "$csp" => Some(self.regs.rsp),
            "$ra" => Some(self.symbol_value(0)),
            "$tid" => Some(0x4d2),
            _ => self.regs.get(name),
        }
    }

    fn symbol(&mut self, name: &str) -> Result<Option<u64>> {
        if name.eq_ignore_ascii_case("ambiguous") {
            return Err(Error::msg("Ambiguous symbol error at 'ambiguous'"));
        }
        Ok(SYMBOLS.iter().position(|s| *s == name).map(|i| self.symbol_value(i)))
    }

    /// `@@c++(...)`: the C++ text's length (the C++ evaluator has its own target, `cxx`; here only its place in
    /// MASM is checked).
    fn cxx(&mut self, text: &str) -> Result<u64> {
        Ok(text.len() as u64)
    }

    fn read_memory(&mut self, address: u64, size: usize) -> Result<u64> {
        let bytes = address
            .checked_sub(MEMORY)
            .and_then(|offset| usize::try_from(offset).ok())
            .and_then(|offset| self.memory.get(offset..offset.checked_add(size)?))
            .ok_or(Error::MemoryAccess(address))?;
        Ok(word_of(bytes))
    }
}

/// The context `check` and `compile` are given, as a session gives them (`session::conditions`): names answer as
/// they will, memory reads as 0, since what it holds at a hit is not known when a condition is set.
struct Checking<'a>(&'a mut Context);

impl ExprContext for Checking<'_> {
    fn register(&mut self, name: &str) -> Option<u64> {
        self.0.register(name)
    }

    fn symbol(&mut self, name: &str) -> Result<Option<u64>> {
        self.0.symbol(name)
    }

    fn read_memory(&mut self, _address: u64, _size: usize) -> Result<u64> {
        Ok(0)
    }
}

/// Split an input into the expression's text (lossy UTF-8) and the context bytes.
pub fn split(input: &[u8]) -> (String, &[u8]) {
    let (text, context) = match input.iter().position(|&b| b == 0) {
        Some(nul) => (&input[..nul], &input[nul + 1..]),
        None => (input, &[][..]),
    };
    (String::from_utf8_lossy(text).into_owned(), context)
}

/// Read the input's expression every way and check that the readings agree; panics if they do not.
pub fn run(input: &[u8]) {
    let (text, context) = split(input);
    let ctx = &mut Context::new(context);
    let evaluated = expr::evaluate(&text, ctx);
    let checked = expr::check(&text, &mut Checking(ctx));
    let compiled = expr::compile(&text, &mut Checking(ctx));
    // A condition holding C++ (`@@c++(...)`) is checked but never compiled: the engine evaluates it at each hit.
    let cxx_refused = compiled.as_ref().is_err_and(|e| e.to_string().contains("@@c++()"));
    assert!(
        checked.is_ok() == compiled.is_ok() || (checked.is_ok() && cxx_refused),
        "check and compile disagree on {text:?}: {checked:?}, {compiled:?}"
    );
    match (&evaluated, &checked) {
        (Ok(_), Err(e)) => panic!("check refuses {text:?}, which evaluates: {e}"),
        (Err(e), Ok(())) => assert!(value_dependent(e), "check accepts {text:?}, which fails for no value: {e}"),
        _ => {}
    }
    if let (Ok(value), Ok(code)) = (&evaluated, &compiled) {
        assert_eq!(execute(code, ctx).as_ref(), Ok(value), "compiled {text:?} to {code:?}");
    }
    if let Ok((value, used)) = expr::parse_prefix(&text, ctx) {
        assert!(text.is_char_boundary(used), "parse_prefix of {text:?} took {used} bytes, inside a character");
        let prefix = &text[..used];
        assert_eq!(expr::evaluate(prefix, ctx), Ok(value), "parse_prefix of {text:?} took {prefix:?}");
    }
}

/// Failures that depend on the values an expression meets, which `check` lets pass.
fn value_dependent(e: &Error) -> bool {
    matches!(e, Error::MemoryAccess(_)) || e.to_string() == "Divide by zero"
}

/// Run compiled code as the debuggee's stack machine would, over the same context.
fn execute(code: &[Op], ctx: &mut Context) -> Result<u64> {
    let mut stack: Vec<u64> = Vec::new();
    let underflow = || Error::msg("compiled code popped an empty stack");
    for op in code {
        let value = match op {
            Op::Const(v) => *v,
            Op::Register(name) => ctx.register(name).ok_or_else(|| Error::msg(format!("no register {name}")))?,
            Op::Read(size) => {
                let address = stack.pop().ok_or_else(underflow)?;
                ctx.read_memory(address, *size)?
            }
            Op::Neg => stack.pop().ok_or_else(underflow)?.wrapping_neg(),
            Op::Not => u64::from(stack.pop().ok_or_else(underflow)? == 0),
            Op::Hi => (stack.pop().ok_or_else(underflow)? >> 16) & 0xffff,
            Op::Low => stack.pop().ok_or_else(underflow)? & 0xffff,
            Op::Binary(op) => {
                let right = stack.pop().ok_or_else(underflow)?;
                let left = stack.pop().ok_or_else(underflow)?;
                Bin::apply(*op, left, right)?
            }
        };
        stack.push(value);
    }
    match stack[..] {
        [value] => Ok(value),
        _ => Err(Error::msg(format!("compiled code left {} values", stack.len()))),
    }
}
