//! WinDbg's MASM expressions: numbers in the current radix (16; `0n` decimal, `0x` hex, `0y` binary, backticks
//! ignored), registers (`@rax`, or bare where the name is no number), pseudo-registers (`$ip`), symbols
//! (`module!symbol`, `symbol`), `poi`/`by`/`wo`/`dwo`/`qwo`/`hi`/`low`, arithmetic, bitwise, shifts, comparisons
//! and `and`/`or`/`not`, with C's `&&`, `||` and `!` for breakpoint conditions.
//!
//! # Syntax
//!
//! Numbers: the default radix is 16 (`10` is 16); `0x10` hex, `0n10` decimal, `0t17` octal, `0y101` binary, a
//! prefix with no digits is 0, an `h` suffix means hex (`10h`), backticks inside a number are ignored
//! (`` 00007fff`f7dc2000 ``), letters in any case.
//!
//! Words (`` [A-Za-z0-9_.$:?~@`] ``, at most one `!`, C++ template arguments `<...>` after `::` or `!`) are read in
//! WinDbg's order: a word that is a valid hex number is a number (`add` is 0xadd, `ah` is 0xa); a word that
//! starts with `$` is a pseudo-register (`$ip`); a register name is a register (`rax`, `eax`, `r8d`, `efl`);
//! anything else is a symbol (`main`, `demo!main`, `std::rt::lang_start`, `demo!ns::f`). `!add` and `demo!add`
//! are always symbols; `@name` is always a register. A word that starts with a digit must be a number.
//!
//! Operators, from lowest to highest precedence, all left-associative:
//!
//! | level | operators |
//! |---|---|
//! | 1 | `\|\|` (logical or, an rdb convenience) |
//! | 2 | `&&` (logical and, an rdb convenience) |
//! | 3 | `or`, `\|` (bitwise) |
//! | 4 | `xor`, `^` |
//! | 5 | `and`, `&` (bitwise) |
//! | 6 | `=`, `==`, `!=`, `<`, `>`, `<=`, `>=` (unsigned; 1 or 0) |
//! | 7 | `<<`, `>>` (logical), `>>>` (arithmetic) |
//! | 8 | binary `+`, `-` |
//! | 9 | `*`, `/`, `mod`, `%` (unsigned) |
//! | 10 | unary `+`, `-`, `not` and `!` (1 if zero, else 0), `hi` (bits 16–31), `low` (bits 0–15), `by`, `wo`, `dwo`, `qwo`, `poi` (read 1, 2, 4, 8, 8 bytes) |
//!
//! `( )` and `[ ]` group. Arithmetic wraps in 64 bits.
//!
//! `!` before a word is WinDbg's "any module" (`!add` is the symbol `add`), so logical not is `!` before anything
//! else: `!(x)`, `!@rcx`, `!0`, `! x`.

use crate::error::{Error, Result};

/// What an expression may look at.
pub trait ExprContext {
    /// A register or pseudo-register by name, without `@` (`rax`, `eax`, `$ip`, `$exentry`). `None` if unknown.
    fn register(&mut self, name: &str) -> Option<u64>;
    /// A symbol (`module!name`, `name`, or a module name alone for its base). `Ok(None)` if unknown.
    fn symbol(&mut self, name: &str) -> Result<Option<u64>>;
    /// Read a `size`-byte little-endian value (1, 2, 4 or 8).
    fn read_memory(&mut self, address: u64, size: usize) -> Result<u64>;
    /// The value of the C++ expression `text` (`@@c++(...)`) as a number: an integer sign-extended, a pointer's
    /// address, a bool 1 or 0. Only a context that knows the program's variables has one.
    fn cxx(&mut self, text: &str) -> Result<u64> {
        Err(Error::msg(format!("C++ expressions are not available here: '@@c++({text})'")))
    }
}

/// Evaluate `text` to a 64-bit value.
pub fn evaluate(text: &str, ctx: &mut dyn ExprContext) -> Result<u64> {
    let mut p = Parser::new(text, ctx, false);
    let value = p.expression(0)?;
    let next = p.peek();
    if next.tok != Tok::End {
        return Err(p.syntax(next.start));
    }
    Ok(value)
}

/// Check `text` as `evaluate` would read it, without depending on the values it would see: syntax, symbols and
/// register names are checked (the context answers for them), while arithmetic that fails only for some values
/// (dividing by zero) passes. For breakpoint conditions, checked when they are set and evaluated at every hit;
/// the context decides what registers and memory read as meanwhile.
pub fn check(text: &str, ctx: &mut dyn ExprContext) -> Result<()> {
    let mut p = Parser::new(text, ctx, false);
    p.checking = true;
    p.expression(0)?;
    let next = p.peek();
    if next.tok != Tok::End {
        return Err(p.syntax(next.start));
    }
    Ok(())
}

/// One step of an expression compiled to postfix code ([`compile`]): a stack machine over 64-bit values whose
/// result is exactly what [`evaluate`] gives, for code generated elsewhere (conditions run inside the debuggee).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Push a number (a literal, or a symbol resolved when compiled).
    Const(u64),
    /// Push a register or pseudo-register, by its lowercase name without `@` (`rdi`, `eax`, `$ip`).
    Register(String),
    /// Pop an address, push the `size`-byte value there (1, 2, 4 or 8), zero-extended.
    Read(usize),
    /// Pop, push the two's complement negation.
    Neg,
    /// Pop, push 1 if it was zero, else 0 (`!`, `not`).
    Not,
    /// Pop, push bits 16–31.
    Hi,
    /// Pop, push bits 0–15.
    Low,
    /// Pop the right operand, then the left one, push the result.
    Binary(Bin),
}

/// Compile `text` to postfix code, reading it as [`evaluate`] would. The context answers for names only (its
/// register values and memory are not used); symbols are resolved now and become constants.
pub fn compile(text: &str, ctx: &mut dyn ExprContext) -> Result<Vec<Op>> {
    let mut p = Parser::new(text, ctx, false);
    p.checking = true;
    p.code = Some(Vec::new());
    p.expression(0)?;
    let next = p.peek();
    if next.tok != Tok::End {
        return Err(p.syntax(next.start));
    }
    Ok(p.code.unwrap_or_default())
}

/// Evaluate the longest expression at the start of `text` and say how many bytes of `text` it took (leading
/// whitespace included, trailing whitespace not), so commands can split their arguments: `db <expr> L<count>`,
/// `eb <addr> <v1> <v2>`, `bp <addr> 5`.
///
/// The rule: outside brackets, an expression ends at whitespace unless that whitespace is followed by a binary
/// operator which is itself followed by something that starts an operand. So `rax + 8 L10` takes `rax + 8`,
/// `rax+8 L10` takes `rax+8`, `1 2` takes `1`, `1 -2` takes `1 -2` (= -1), `poi (rsp) 5` takes `poi (rsp)`,
/// `(1 2)` is an error. The expression also ends at the first thing that cannot continue it, whitespace or not
/// (`1,2` takes `1`; `main "k"` takes `main`). Errors inside the expression (unknown symbol, bad register,
/// unreadable memory, nothing that starts an expression) are errors, not an early end.
pub fn parse_prefix(text: &str, ctx: &mut dyn ExprContext) -> Result<(u64, usize)> {
    let mut p = Parser::new(text, ctx, true);
    let value = p.expression(0)?;
    Ok((value, p.pos))
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bin {
    LogOr,
    LogAnd,
    Or,
    Xor,
    And,
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    Shl,
    Shr,
    Sar,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

impl Bin {
    /// Precedence: higher binds tighter.
    fn level(self) -> u8 {
        match self {
            Bin::LogOr => 1,
            Bin::LogAnd => 2,
            Bin::Or => 3,
            Bin::Xor => 4,
            Bin::And => 5,
            Bin::Eq | Bin::Ne | Bin::Lt | Bin::Gt | Bin::Le | Bin::Ge => 6,
            Bin::Shl | Bin::Shr | Bin::Sar => 7,
            Bin::Add | Bin::Sub => 8,
            Bin::Mul | Bin::Div | Bin::Mod => 9,
        }
    }

    /// The operator's value, as the evaluator computes it (wrapping, unsigned, 1 or 0 for truth).
    pub fn apply(self, l: u64, r: u64) -> Result<u64> {
        let b = |c: bool| u64::from(c);
        Ok(match self {
            Bin::LogOr => b(l != 0 || r != 0),
            Bin::LogAnd => b(l != 0 && r != 0),
            Bin::Or => l | r,
            Bin::Xor => l ^ r,
            Bin::And => l & r,
            Bin::Eq => b(l == r),
            Bin::Ne => b(l != r),
            Bin::Lt => b(l < r),
            Bin::Gt => b(l > r),
            Bin::Le => b(l <= r),
            Bin::Ge => b(l >= r),
            Bin::Shl => {
                if r >= 64 {
                    0
                } else {
                    l << r
                }
            }
            Bin::Shr => {
                if r >= 64 {
                    0
                } else {
                    l >> r
                }
            }
            Bin::Sar => ((l as i64) >> r.min(63)) as u64,
            Bin::Add => l.wrapping_add(r),
            Bin::Sub => l.wrapping_sub(r),
            Bin::Mul => l.wrapping_mul(r),
            Bin::Div => l.checked_div(r).ok_or_else(divide_by_zero)?,
            Bin::Mod => l.checked_rem(r).ok_or_else(divide_by_zero)?,
        })
    }
}

fn divide_by_zero() -> Error {
    Error::msg("Divide by zero")
}

/// Unary keyword operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unary {
    Not,
    Hi,
    Low,
    Read(usize),
}

fn unary_keyword(word: &str) -> Option<Unary> {
    Some(match word.to_ascii_lowercase().as_str() {
        "not" => Unary::Not,
        "hi" => Unary::Hi,
        "low" => Unary::Low,
        "by" => Unary::Read(1),
        "wo" => Unary::Read(2),
        "dwo" => Unary::Read(4),
        "qwo" | "poi" => Unary::Read(8),
        _ => return None,
    })
}

fn binary_keyword(word: &str) -> Option<Bin> {
    Some(match word.to_ascii_lowercase().as_str() {
        "and" => Bin::And,
        "or" => Bin::Or,
        "xor" => Bin::Xor,
        "mod" => Bin::Mod,
        _ => return None,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok<'a> {
    /// A number, register name, keyword or symbol.
    Word(&'a str),
    /// `@name`, without the `@`.
    Reg(&'a str),
    /// `@!"name"`: a symbol whose name holds characters an expression cannot (`Dog::speak() const`).
    Sym(&'a str),
    /// `@@c++(...)`: a C++ expression inside MASM, without its wrapper.
    Cxx(&'a str),
    /// A punctuation operator (`+`, `<<`, `!=`, …).
    Op(Bin),
    /// `!` not before a word: logical not.
    Not,
    /// `(` or `[`.
    Open(u8),
    /// `)` or `]`.
    Close(u8),
    /// Something that starts no token.
    Bad,
    End,
}

#[derive(Debug, Clone, Copy)]
struct Token<'a> {
    tok: Tok<'a>,
    start: usize,
    end: usize,
}

fn is_word_start(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'$' | b'.' | b'?' | b'~')
}

fn is_word_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'$' | b'.' | b'?' | b'~' | b':' | b'@' | b'`')
}

/// If `b[open]` is `<` opening balanced C++ template arguments, the index just past the matching `>`.
fn template_end(b: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = open;
    while let Some(&c) = b.get(i) {
        match c {
            b'<' => depth += 1,
            b'>' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            b',' | b' ' | b'*' | b'&' => {}
            c if is_word_char(c) => {}
            _ => return None,
        }
        i += 1;
    }
    None
}

/// The end of the word starting at `start` (which holds a word-start character, or a `!` before one).
fn word_end(b: &[u8], start: usize) -> usize {
    let mut i = start;
    let mut bang = false;
    let mut scoped = false;
    while let Some(&c) = b.get(i) {
        if is_word_char(c) {
            if c == b':' && b.get(i + 1) == Some(&b':') {
                scoped = true;
            }
            i += 1;
        } else if c == b'!' && !bang {
            let next = b.get(i + 1).copied();
            if next == Some(b'=') || (i == start && !next.is_some_and(is_word_start)) {
                break;
            }
            bang = true;
            scoped = true;
            i += 1;
        } else if c == b'<' && scoped && i > start {
            match template_end(b, i) {
                Some(end) => i = end,
                None => break,
            }
        } else {
            break;
        }
    }
    i
}

/// The end of `module!symbol` at `start` when the module is written as its file's name, with characters no word
/// holds (`libstdc++.so.6!__cxa_throw`, `ld-linux-x86-64.so.2!_dl_debug_state`); `None` for any other text. Such a
/// word also reads as arithmetic (`libstdc + +.so.6!...`): the parser takes it whole only where a module answers
/// to that name (see [`Parser::file_module_word`]).
fn file_module_end(b: &[u8], start: usize) -> Option<usize> {
    if !b.get(start).is_some_and(|&c| c.is_ascii_alphabetic() || c == b'_') {
        return None;
    }
    let in_name = |c: &u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'+' | b'-');
    let bang = start + b[start..].iter().position(|c| !in_name(c))?;
    let module = &b[start..bang];
    let symbol_follows = b.get(bang + 1).is_some_and(|&c| is_word_start(c));
    (b[bang] == b'!' && symbol_follows && module.iter().any(|c| matches!(c, b'+' | b'-'))).then(|| word_end(b, bang))
}

/// The token at or after `pos` (whitespace skipped).
fn lex(text: &str, pos: usize) -> Token<'_> {
    let b = text.as_bytes();
    let mut start = pos.min(b.len());
    while b.get(start).is_some_and(|c| c.is_ascii_whitespace()) {
        start += 1;
    }
    let tok = |tok, len: usize| Token { tok, start, end: start + len };
    let Some(&c) = b.get(start) else { return tok(Tok::End, 0) };
    let next = b.get(start + 1).copied();
    let next2 = b.get(start + 2).copied();
    match c {
        b'(' | b'[' => tok(Tok::Open(c), 1),
        b')' | b']' => tok(Tok::Close(c), 1),
        b'+' => tok(Tok::Op(Bin::Add), 1),
        b'-' => tok(Tok::Op(Bin::Sub), 1),
        b'*' => tok(Tok::Op(Bin::Mul), 1),
        b'/' => tok(Tok::Op(Bin::Div), 1),
        b'%' => tok(Tok::Op(Bin::Mod), 1),
        b'^' => tok(Tok::Op(Bin::Xor), 1),
        b'&' if next == Some(b'&') => tok(Tok::Op(Bin::LogAnd), 2),
        b'&' => tok(Tok::Op(Bin::And), 1),
        b'|' if next == Some(b'|') => tok(Tok::Op(Bin::LogOr), 2),
        b'|' => tok(Tok::Op(Bin::Or), 1),
        b'=' if next == Some(b'=') => tok(Tok::Op(Bin::Eq), 2),
        b'=' => tok(Tok::Op(Bin::Eq), 1),
        b'!' if next == Some(b'=') => tok(Tok::Op(Bin::Ne), 2),
        b'<' if next == Some(b'<') => tok(Tok::Op(Bin::Shl), 2),
        b'<' if next == Some(b'=') => tok(Tok::Op(Bin::Le), 2),
        b'<' => tok(Tok::Op(Bin::Lt), 1),
        b'>' if next == Some(b'>') && next2 == Some(b'>') => tok(Tok::Op(Bin::Sar), 3),
        b'>' if next == Some(b'>') => tok(Tok::Op(Bin::Shr), 2),
        b'>' if next == Some(b'=') => tok(Tok::Op(Bin::Ge), 2),
        b'>' => tok(Tok::Op(Bin::Gt), 1),
        b'@' if text[start..].get(..6).is_some_and(|w| w.eq_ignore_ascii_case("@@c++(")) => {
            // The C++ text runs to the parenthesis that closes the one after `c++`.
            let mut depth = 0usize;
            let close = text[start + 5..].char_indices().find_map(|(i, c)| {
                match c {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i);
                        }
                    }
                    _ => {}
                }
                None
            });
            match close {
                Some(i) => Token { tok: Tok::Cxx(&text[start + 6..start + 5 + i]), start, end: start + 6 + i },
                None => tok(Tok::Bad, 1),
            }
        }
        b'@' if next == Some(b'!') && next2 == Some(b'"') => match text[start + 3..].find('"') {
            Some(len) => Token { tok: Tok::Sym(&text[start + 3..start + 3 + len]), start, end: start + 4 + len },
            None => tok(Tok::Bad, 1),
        },
        b'@' => {
            let mut end = start + 1;
            while b.get(end).is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'$') {
                end += 1;
            }
            if end == start + 1 { tok(Tok::Bad, 1) } else { Token { tok: Tok::Reg(&text[start + 1..end]), start, end } }
        }
        b'!' if next.is_some_and(|c| is_word_start(c) && !c.is_ascii_digit()) => {
            let end = word_end(b, start);
            Token { tok: Tok::Word(&text[start..end]), start, end }
        }
        c if is_word_start(c) => {
            let end = word_end(b, start);
            Token { tok: Tok::Word(&text[start..end]), start, end }
        }
        b'!' => tok(Tok::Not, 1),
        _ => tok(Tok::Bad, 1),
    }
}

/// The binary operator a token stands for, if any.
fn binary_op(t: &Token<'_>) -> Option<Bin> {
    match t.tok {
        Tok::Op(op) => Some(op),
        Tok::Word(w) => binary_keyword(w),
        _ => None,
    }
}

/// Whether a token can begin an operand.
fn starts_operand(t: &Token<'_>) -> bool {
    match t.tok {
        Tok::Word(w) => binary_keyword(w).is_none(),
        Tok::Reg(_) | Tok::Sym(_) | Tok::Open(_) | Tok::Not | Tok::Op(Bin::Add | Bin::Sub) => true,
        _ => false,
    }
}

enum Number {
    Value(u64),
    Overflow,
    Invalid,
}

/// A word as a MASM number in radix 16, if it is one.
fn parse_number(word: &str) -> Number {
    let s: String = word.chars().filter(|&c| c != '`').map(|c| c.to_ascii_lowercase()).collect();
    if s.is_empty() {
        return Number::Invalid;
    }
    let (radix, digits) = if let Some(d) = s.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = s.strip_prefix("0n") {
        (10, d)
    } else if let Some(d) = s.strip_prefix("0t") {
        (8, d)
    } else if let Some(d) = s.strip_prefix("0y") {
        (2, d)
    } else if let Some(d) = s.strip_suffix('h').filter(|d| !d.is_empty()) {
        (16, d)
    } else {
        (16, s.as_str())
    };
    let mut value = 0u64;
    for c in digits.chars() {
        let Some(d) = c.to_digit(radix) else { return Number::Invalid };
        match value.checked_mul(u64::from(radix)).and_then(|v| v.checked_add(u64::from(d))) {
            Some(v) => value = v,
            None => return Number::Overflow,
        }
    }
    Number::Value(value)
}

/// How deeply brackets and unary operators may nest before the evaluator gives up (keeps the stack bounded).
const MAX_NESTING: usize = 200;

struct Parser<'t, 'c> {
    text: &'t str,
    ctx: &'c mut dyn ExprContext,
    /// `parse_prefix` mode: stop at top-level whitespace not followed by a binary operator and an operand.
    prefix: bool,
    /// The end of the last token taken.
    pos: usize,
    /// Open brackets around the current position.
    brackets: usize,
    /// Current recursion through unary operators and brackets.
    nesting: usize,
    /// `check`: arithmetic errors that depend on values do not count.
    checking: bool,
    /// `compile`: the postfix code of what was read so far.
    code: Option<Vec<Op>>,
}

impl<'t, 'c> Parser<'t, 'c> {
    fn new(text: &'t str, ctx: &'c mut dyn ExprContext, prefix: bool) -> Self {
        Parser { text, ctx, prefix, pos: 0, brackets: 0, nesting: 0, checking: false, code: None }
    }

    /// Record one step of code when compiling.
    fn emit(&mut self, op: Op) {
        if let Some(code) = &mut self.code {
            code.push(op);
        }
    }

    fn peek(&self) -> Token<'t> {
        lex(self.text, self.pos)
    }

    fn take(&mut self, t: &Token<'_>) {
        self.pos = t.end;
    }

    /// "Syntax error at '<the rest of the text from `at`>'", or `'<EOL>'` at the end.
    fn syntax(&self, at: usize) -> Error {
        let rest = self.text.get(at..).unwrap_or("").trim();
        let rest = if rest.is_empty() { "<EOL>" } else { rest };
        Error::msg(format!("Syntax error at '{rest}'"))
    }

    /// Precedence climbing: an operand, then binary operators of level `min_level` or higher.
    fn expression(&mut self, min_level: u8) -> Result<u64> {
        let mut lhs = self.unary()?;
        loop {
            let t = self.peek();
            let Some(op) = binary_op(&t) else { break };
            if op.level() < min_level {
                break;
            }
            if self.prefix && self.brackets == 0 && t.start > self.pos && !starts_operand(&lex(self.text, t.end)) {
                break;
            }
            self.take(&t);
            let rhs = self.expression(op.level() + 1)?;
            self.emit(Op::Binary(op));
            lhs = match op.apply(lhs, rhs) {
                Err(_) if self.checking => 0,
                result => result?,
            };
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> Result<u64> {
        let t = self.peek();
        if self.nesting >= MAX_NESTING {
            return Err(Error::msg(format!(
                "Expression too deeply nested at '{}'",
                self.text.get(t.start..).unwrap_or("").trim()
            )));
        }
        self.nesting += 1;
        let value = self.unary_inner(t);
        self.nesting -= 1;
        value
    }

    fn unary_inner(&mut self, t: Token<'t>) -> Result<u64> {
        match t.tok {
            Tok::Op(Bin::Add) => {
                self.take(&t);
                self.unary()
            }
            Tok::Op(Bin::Sub) => {
                self.take(&t);
                let x = self.unary()?;
                self.emit(Op::Neg);
                Ok(x.wrapping_neg())
            }
            Tok::Not => {
                self.take(&t);
                let x = self.unary()?;
                self.emit(Op::Not);
                Ok(u64::from(x == 0))
            }
            Tok::Word(w) => match unary_keyword(w) {
                Some(keyword) => {
                    self.take(&t);
                    self.keyword_operator(keyword)
                }
                None => self.primary(t),
            },
            _ => self.primary(t),
        }
    }

    /// `not`, `hi`, `low`, `by`, `wo`, `dwo`, `qwo`, `poi` and their operand.
    fn keyword_operator(&mut self, keyword: Unary) -> Result<u64> {
        let x = self.unary()?;
        self.emit(match keyword {
            Unary::Not => Op::Not,
            Unary::Hi => Op::Hi,
            Unary::Low => Op::Low,
            Unary::Read(size) => Op::Read(size),
        });
        match keyword {
            Unary::Not => Ok(u64::from(x == 0)),
            Unary::Hi => Ok((x >> 16) & 0xffff),
            Unary::Low => Ok(x & 0xffff),
            // Compiled code reads memory when it runs, not now.
            Unary::Read(_) if self.code.is_some() => Ok(0),
            Unary::Read(size) => {
                let v = self.ctx.read_memory(x, size)?;
                Ok(if size >= 8 { v } else { v & ((1u64 << (size * 8)) - 1) })
            }
        }
    }

    fn primary(&mut self, t: Token<'t>) -> Result<u64> {
        match t.tok {
            Tok::Open(open) => {
                self.take(&t);
                self.brackets += 1;
                let value = self.expression(0)?;
                let close = self.peek();
                let want = if open == b'(' { b')' } else { b']' };
                if close.tok != Tok::Close(want) {
                    return Err(self.syntax(close.start));
                }
                self.take(&close);
                self.brackets -= 1;
                Ok(value)
            }
            Tok::Reg(name) => {
                self.take(&t);
                let lower = name.to_ascii_lowercase();
                let value =
                    self.ctx.register(&lower).ok_or_else(|| Error::msg(format!("Bad register error at '@{name}'")))?;
                self.emit(Op::Register(lower));
                Ok(value)
            }
            Tok::Sym(name) => {
                self.take(&t);
                let value =
                    self.ctx.symbol(name)?.ok_or_else(|| Error::msg(format!("Couldn't resolve error at '{name}'")))?;
                self.emit(Op::Const(value));
                Ok(value)
            }
            Tok::Cxx(text) => {
                self.take(&t);
                // A C++ value changes from hit to hit: it has no compiled form (the engine evaluates it).
                if self.code.is_some() {
                    return Err(Error::msg("a condition with @@c++() is evaluated by the engine"));
                }
                if self.checking {
                    return Ok(0);
                }
                self.ctx.cxx(text)
            }
            Tok::Word(w) if binary_keyword(w).is_none() => {
                let (w, end) = self.file_module_word(w, t)?;
                self.pos = end;
                self.word(w, t.start)
            }
            _ => Err(self.syntax(t.start)),
        }
    }

    /// `t`, or the longer word `module!symbol` at its start when its module is written as a file name that a module
    /// of the program answers to (`libstdc++.so.6!__cxa_throw`): otherwise `+` and `-` are operators.
    fn file_module_word(&mut self, w: &'t str, t: Token<'t>) -> Result<(&'t str, usize)> {
        let Some(end) = file_module_end(self.text.as_bytes(), t.start) else { return Ok((w, t.end)) };
        let word = &self.text[t.start..end];
        let module = word.split_once('!').map_or(word, |(m, _)| m);
        Ok(match self.ctx.symbol(module)? {
            Some(_) => (word, end),
            None => (w, t.end),
        })
    }

    /// A number, pseudo-register, register or symbol, in WinDbg's order, recorded when compiling: a register by
    /// name, anything else as the constant it is.
    fn word(&mut self, w: &str, at: usize) -> Result<u64> {
        let (value, register) = self.word_value(w, at)?;
        self.emit(match register {
            Some(name) => Op::Register(name),
            None => Op::Const(value),
        });
        Ok(value)
    }

    /// The value of a word, and the register it names, if it names one.
    fn word_value(&mut self, w: &str, at: usize) -> Result<(u64, Option<String>)> {
        let first = w.as_bytes().first().copied().unwrap_or(b'!');
        match parse_number(w) {
            Number::Value(v) => return Ok((v, None)),
            Number::Overflow => return Err(Error::msg(format!("Overflow error at '{w}'"))),
            Number::Invalid if first.is_ascii_digit() => return Err(self.syntax(at)),
            Number::Invalid => {}
        }
        if first == b'$' {
            let lower = w.to_ascii_lowercase();
            let value = self.ctx.register(&lower).ok_or_else(|| bad_register(w))?;
            return Ok((value, Some(lower)));
        }
        let is_reg = !w.contains('!') && crate::regs::is_register(w);
        let lower = w.to_ascii_lowercase();
        if let Some(v) = is_reg.then(|| self.ctx.register(&lower)).flatten() {
            return Ok((v, Some(lower)));
        }
        // `!name` is `name` in any module; `module!` is the module.
        let name = w.strip_prefix('!').or_else(|| w.strip_suffix('!')).unwrap_or(w);
        match self.ctx.symbol(name)? {
            Some(v) => Ok((v, None)),
            None if is_reg => Err(bad_register(w)),
            None => Err(Error::msg(format!("Couldn't resolve error at '{w}'"))),
        }
    }
}

fn bad_register(name: &str) -> Error {
    Error::msg(format!("Bad register error at '{name}'"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::regs::Registers;
    use std::collections::HashMap;

    struct Fake {
        regs: Registers,
        pseudo: HashMap<&'static str, u64>,
        symbols: HashMap<&'static str, u64>,
        memory: HashMap<u64, u8>,
        asked: Vec<String>,
    }

    impl Fake {
        fn new() -> Self {
            let regs = Registers {
                rax: 0x1122_3344_5566_7788,
                rbx: 0x200,
                rcx: 0x10,
                rsp: 0x7fff_0000,
                r8: 0xffff_ffff_0000_0005,
                rip: 0x401126,
                rflags: 0x246,
                ..Default::default()
            };
            let mut memory = HashMap::new();
            for (i, b) in 0x1000u64.to_le_bytes().iter().enumerate() {
                memory.insert(0x7fff_0000 + i as u64, *b);
            }
            for (i, b) in 0x8877_6655_4433_2211u64.to_le_bytes().iter().enumerate() {
                memory.insert(0x1000 + i as u64, *b);
            }
            let symbols = HashMap::from([
                ("demo!main", 0x401126),
                ("main", 0x401126),
                ("demo!add", 0x401000),
                ("add", 0x401000),
                ("demo", 0x400000),
                ("libc_so!puts", 0x7fff_f7e5_0000),
                ("std::rt::lang_start", 0x402000),
                ("demo!ns::f", 0x403000),
                ("demo!std::vector<int>::push_back", 0x404000),
                ("main.cold", 0x405000),
                ("?foo@@YAXXZ", 0x406000),
                ("demo!Dog::speak() const", 0x407000),
                ("libstdc++.so.6", 0x7fff_f000_0000),
                ("libstdc++.so.6!__cxa_throw", 0x7fff_f000_1000),
                ("ld-linux-x86-64.so.2", 0x7fff_e000_0000),
                ("ld-linux-x86-64.so.2!_dl_debug_state", 0x7fff_e000_0010),
            ]);
            let pseudo = HashMap::from([("$ip", 0x401126), ("$exentry", 0x401000), ("$peb", 0x7ff0_0000)]);
            Fake { regs, pseudo, symbols, memory, asked: Vec::new() }
        }
    }

    impl ExprContext for Fake {
        fn register(&mut self, name: &str) -> Option<u64> {
            self.pseudo.get(name).copied().or_else(|| self.regs.get(name))
        }
        fn symbol(&mut self, name: &str) -> Result<Option<u64>> {
            self.asked.push(name.to_string());
            if name == "broken" {
                return Err(Error::msg("symbol table corrupt"));
            }
            Ok(self.symbols.get(name).copied())
        }
        fn read_memory(&mut self, address: u64, size: usize) -> Result<u64> {
            let mut v = 0u64;
            for i in 0..size as u64 {
                let a = address.wrapping_add(i);
                let b = *self.memory.get(&a).ok_or(Error::MemoryAccess(a))?;
                v |= u64::from(b) << (8 * i);
            }
            Ok(v)
        }
    }

    fn ev(text: &str) -> u64 {
        evaluate(text, &mut Fake::new()).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn err(text: &str) -> String {
        match evaluate(text, &mut Fake::new()) {
            Ok(v) => panic!("{text}: expected an error, got {v:#x}"),
            Err(e) => e.to_string(),
        }
    }

    fn prefix(text: &str) -> (u64, usize) {
        parse_prefix(text, &mut Fake::new()).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn quoted_symbols_hold_any_characters() {
        assert_eq!(ev(r#"@!"demo!Dog::speak() const""#), 0x407000);
        assert_eq!(ev(r#"@!"demo!Dog::speak() const"+4"#), 0x407004);
        assert!(
            evaluate(r#"@!"demo!nothing""#, &mut Fake::new()).unwrap_err().to_string().contains("Couldn't resolve")
        );
        assert!(evaluate(r#"@!"open"#, &mut Fake::new()).is_err());
    }

    #[test]
    fn numbers_and_radixes() {
        assert_eq!(ev("10"), 0x10);
        assert_eq!(ev("0n10"), 10);
        assert_eq!(ev("0N10"), 10);
        assert_eq!(ev("0x10"), 0x10);
        assert_eq!(ev("0X1f"), 0x1f);
        assert_eq!(ev("0y101"), 5);
        assert_eq!(ev("0t17"), 0o17);
        assert_eq!(ev("10h"), 0x10);
        assert_eq!(ev("0ffH"), 0xff);
        assert_eq!(ev("00007fff`f7dc2000"), 0x7fff_f7dc_2000);
        assert_eq!(ev("ffffffff`ffffffff"), u64::MAX);
        assert_eq!(ev("0x"), 0);
        assert_eq!(ev("0n"), 0);
        assert_eq!(ev("4AB3"), 0x4ab3);
        assert_eq!(ev("  42  "), 0x42);
        assert!(err("0n1a").starts_with("Syntax error at '0n1a'"));
        assert!(err("0y102").starts_with("Syntax error"));
        assert!(err("1g").starts_with("Syntax error"));
        assert_eq!(err("1`0000`0000`0000`0000"), "Overflow error at '1`0000`0000`0000`0000'");
    }

    #[test]
    fn precedence_and_arithmetic() {
        assert_eq!(ev("1+2*3"), 7);
        assert_eq!(ev("(1+2)*3"), 9);
        assert_eq!(ev("[1+2]*3"), 9);
        assert_eq!(ev("10-4-2"), 0xa);
        assert_eq!(ev("0n100/0n10/0n2"), 5);
        assert_eq!(ev("0n17 mod 0n5"), 2);
        assert_eq!(ev("0n17 % 0n5"), 2);
        assert_eq!(ev("1 << 2 + 1"), 8, "shifts bind looser than +");
        assert_eq!(ev("1 << 4 * 2"), 0x100);
        assert_eq!(ev("100 >> 4"), 0x10);
        assert_eq!(ev("-10 >> 0n60"), 0xf);
        assert_eq!(ev("-10 >>> 4"), u64::MAX);
        assert_eq!(ev("1 << 0n64"), 0);
        assert_eq!(ev("0-1"), u64::MAX);
        assert_eq!(ev("-1"), u64::MAX);
        assert_eq!(ev("--1"), 1);
        assert_eq!(ev("+5"), 5);
        assert_eq!(ev("-1*2"), u64::MAX - 1);
        assert_eq!(ev("ffffffffffffffff+2"), 1, "wraps");
        assert_eq!(ev("f0 and 3c"), 0x30);
        assert_eq!(ev("f0 & 3c"), 0x30);
        assert_eq!(ev("f0 or 0f"), 0xff);
        assert_eq!(ev("f0 | 0f"), 0xff);
        assert_eq!(ev("ff xor 0f"), 0xf0);
        assert_eq!(ev("ff ^ 0f"), 0xf0);
        assert_eq!(ev("1 or 6 xor 3 and 2"), 5, "1 | (6 ^ (3 & 2))");
        assert_eq!(ev("1 | 6 == 6"), 1, "comparison binds tighter than or");
        assert_eq!(ev("1 + 1 == 2"), 1);
        assert_eq!(ev("not 0"), 1);
        assert_eq!(ev("not 5"), 0);
        assert_eq!(ev("not 0 + 1"), 2, "unary binds tightest");
        assert_eq!(ev("hi(12345678)"), 0x1234);
        assert_eq!(ev("low(12345678)"), 0x5678);
        assert_eq!(ev("1 && 0"), 0);
        assert_eq!(ev("1 && 2"), 1);
        assert_eq!(ev("0 || 3"), 1);
        assert_eq!(ev("0 || 0"), 0);
        assert_eq!(ev("1 || 0 && 0"), 1, "&& binds tighter than ||");
        assert_eq!(ev("((((1))))"), 1);
        assert_eq!(err("1/0"), "Divide by zero");
        assert_eq!(err("1 mod 0"), "Divide by zero");
        assert_eq!(err("5 % (2-2)"), "Divide by zero");
    }

    #[test]
    fn logical_operators_for_conditions() {
        assert_eq!(ev("!0"), 1);
        assert_eq!(ev("!1"), 0);
        assert_eq!(ev("!(rcx == 10)"), 0);
        assert_eq!(ev("!@rbx"), 0);
        assert_eq!(ev("! 0"), 1);
        assert_eq!(ev("!!5"), 1);
        assert_eq!(ev("!0 + 1"), 2, "unary binds tightest");
        assert_eq!(ev("!add"), 0x401000, "! before a word is still any module's symbol");
        assert_eq!(ev("rcx == 10 && rbx == 200"), 1);
        assert_eq!(ev("rcx == 11 || !(rbx != 200)"), 1);
        assert_eq!(ev("(rcx > 1) and (rbx >= 200)"), 1);
        assert_eq!(ev("not (rcx < 1) or 0"), 1);
        assert_eq!(ev("poi(@rsp) == 1000 && by(1000) == 11"), 1);
        assert_eq!(prefix("!@rcx 'a'"), (0, 5));
        assert_eq!(err("!"), "Syntax error at '<EOL>'");
        assert_eq!(err("1 ! 2"), "Syntax error at '! 2'");
    }

    #[test]
    fn check_reads_the_expression_without_its_values() {
        let c = |text: &str| check(text, &mut Fake::new()).map_err(|e| e.to_string());
        assert_eq!(c("rcx == 7"), Ok(()));
        assert_eq!(c("1 / (rcx - 10)"), Ok(()), "dividing by zero depends on the values");
        assert_eq!(c("poi(0) > 3"), Err(Error::MemoryAccess(0).to_string()), "the context answers for memory");
        assert_eq!(c("nosuch > 3"), Err("Couldn't resolve error at 'nosuch'".into()));
        assert_eq!(c("@nosuch > 3"), Err("Bad register error at '@nosuch'".into()));
        assert_eq!(c("rcx =="), Err("Syntax error at '<EOL>'".into()));
        assert_eq!(c("rcx 7"), Err("Syntax error at '7'".into()));
    }

    #[test]
    fn comparisons() {
        assert_eq!(ev("1 = 1"), 1);
        assert_eq!(ev("1 == 2"), 0);
        assert_eq!(ev("1 != 2"), 1);
        assert_eq!(ev("1!=1"), 0);
        assert_eq!(ev("1 < 2"), 1);
        assert_eq!(ev("2 < 1"), 0);
        assert_eq!(ev("2 > 1"), 1);
        assert_eq!(ev("2 <= 2"), 1);
        assert_eq!(ev("3 >= 4"), 0);
        assert_eq!(ev("-1 > 0"), 1, "unsigned");
        assert_eq!(ev("rbx<201"), 1);
        assert_eq!(ev("rbx>1ff"), 1);
        assert_eq!(ev("@rbx!=200"), 0);
        assert_eq!(ev("rbx!=200"), 0);
    }

    #[test]
    fn registers_versus_hex() {
        assert_eq!(ev("@rax"), 0x1122_3344_5566_7788);
        assert_eq!(ev("rax"), 0x1122_3344_5566_7788);
        assert_eq!(ev("RAX"), 0x1122_3344_5566_7788);
        assert_eq!(ev("eax"), 0x5566_7788);
        assert_eq!(ev("ebx"), 0x200, "x is no hex digit");
        assert_eq!(ev("@al"), 0x88);
        assert_eq!(ev("al"), 0x88);
        assert_eq!(ev("ah"), 0xa, "ah is the hex number a with an h suffix");
        assert_eq!(ev("@ah"), 0x77);
        assert_eq!(ev("ab"), 0xab);
        assert_eq!(ev("add"), 0xadd);
        assert_eq!(ev("r8d"), 5);
        assert_eq!(ev("r8"), 0xffff_ffff_0000_0005);
        assert_eq!(ev("rip"), 0x401126);
        assert_eq!(ev("efl"), 0x246);
        assert_eq!(ev("@rsp+8"), 0x7fff_0008);
        assert_eq!(ev("rcx*2"), 0x20);
        assert_eq!(ev("@$ip"), 0x401126);
        assert_eq!(ev("$ip"), 0x401126);
        assert_eq!(ev("$exentry"), 0x401000);
        assert_eq!(ev("@$peb+10"), 0x7ff0_0010);
        assert_eq!(err("@ab"), "Bad register error at '@ab'");
        assert_eq!(err("@foo"), "Bad register error at '@foo'");
        assert_eq!(err("@$nosuch"), "Bad register error at '@$nosuch'");
        assert_eq!(err("$nosuch"), "Bad register error at '$nosuch'");
        assert_eq!(err("dr7"), "Bad register error at 'dr7'", "a register the context cannot read");
        assert!(err("@").starts_with("Syntax error"));
        assert!(err("@@rax").starts_with("Syntax error"));
    }

    #[test]
    fn symbols() {
        assert_eq!(ev("demo!main"), 0x401126);
        assert_eq!(ev("main"), 0x401126);
        assert_eq!(ev("main+5"), 0x40112b);
        assert_eq!(ev("demo!main+0x10"), 0x401136);
        assert_eq!(ev("!add"), 0x401000, "! forces a symbol");
        assert_eq!(ev("demo!add"), 0x401000);
        assert_eq!(ev("add"), 0xadd, "a hex word is a number");
        assert_eq!(ev("demo"), 0x400000);
        assert_eq!(ev("demo!"), 0x400000);
        assert_eq!(ev("libc_so!puts"), 0x7fff_f7e5_0000);
        assert_eq!(ev("std::rt::lang_start"), 0x402000);
        assert_eq!(ev("demo!ns::f"), 0x403000);
        assert_eq!(ev("demo!std::vector<int>::push_back+1"), 0x404001);
        assert_eq!(ev("main.cold"), 0x405000);
        assert_eq!(ev("?foo@@YAXXZ"), 0x406000);
        assert_eq!(ev("demo!main==main"), 1);
        assert_eq!(ev("poi(demo!main - 401126 + @rsp)"), 0x1000);
        assert_eq!(err("nosuch"), "Couldn't resolve error at 'nosuch'");
        assert_eq!(err("demo!nosuch+1"), "Couldn't resolve error at 'demo!nosuch'");
        assert_eq!(err("broken"), "symbol table corrupt");
        let mut f = Fake::new();
        assert!(evaluate("1+!add", &mut f).is_ok());
        assert_eq!(f.asked, ["add"]);
    }

    #[test]
    fn modules_named_by_file_names_with_operators_in_them() {
        assert_eq!(ev("libstdc++.so.6!__cxa_throw"), 0x7fff_f000_1000);
        assert_eq!(ev("libstdc++.so.6!__cxa_throw+4"), 0x7fff_f000_1004);
        assert_eq!(ev("ld-linux-x86-64.so.2!_dl_debug_state - 10"), 0x7fff_e000_0000);
        assert_eq!(prefix("libstdc++.so.6!__cxa_throw 5"), (0x7fff_f000_1000, 26));
        assert_eq!(err("libstdc++.so.6!nosuch"), "Couldn't resolve error at 'libstdc++.so.6!nosuch'");
        // No module answers to `main-demo`: the minus is arithmetic.
        assert_eq!(ev("main-demo!main"), 0x401126 - 0x401126);
        let mut f = Fake::new();
        assert!(evaluate("main-demo!main", &mut f).is_ok());
        assert_eq!(f.asked, ["main-demo", "main", "demo!main"], "the module asked for first");
    }

    #[test]
    fn memory() {
        assert_eq!(ev("poi(@rsp)"), 0x1000);
        assert_eq!(ev("poi rsp"), 0x1000);
        assert_eq!(ev("poi(poi(rsp))"), 0x8877_6655_4433_2211);
        assert_eq!(ev("qwo(1000)"), 0x8877_6655_4433_2211);
        assert_eq!(ev("dwo(1000)"), 0x4433_2211);
        assert_eq!(ev("wo(1000)"), 0x2211);
        assert_eq!(ev("by(1000)"), 0x11);
        assert_eq!(ev("by(1001)"), 0x22);
        assert_eq!(ev("poi rsp+8"), 0x1008, "unary binds tighter than +");
        assert_eq!(ev("poi(rsp)+8"), 0x1008);
        assert_eq!(ev("by 1000 + 1"), 0x12);
        assert_eq!(ev("POI(@rsp)"), 0x1000);
        assert_eq!(err("poi(0)"), Error::MemoryAccess(0).to_string());
        assert_eq!(err("dwo(1006)"), Error::MemoryAccess(0x1008).to_string());
    }

    #[test]
    fn syntax_errors() {
        assert_eq!(err(""), "Syntax error at '<EOL>'");
        assert_eq!(err("   "), "Syntax error at '<EOL>'");
        assert_eq!(err("1 +"), "Syntax error at '<EOL>'");
        assert_eq!(err("1 2"), "Syntax error at '2'");
        assert_eq!(err("(1"), "Syntax error at '<EOL>'");
        assert_eq!(err("(1]"), "Syntax error at ']'");
        assert_eq!(err("1)"), "Syntax error at ')'");
        assert_eq!(err("1 + * 2"), "Syntax error at '* 2'");
        assert_eq!(err("poi"), "Syntax error at '<EOL>'");
        assert_eq!(err("and"), "Syntax error at 'and'");
        assert_eq!(err("1 # 2"), "Syntax error at '# 2'");
        assert_eq!(err("rax\u{e9}"), "Syntax error at '\u{e9}'");
    }

    #[test]
    fn prefix_splitting() {
        assert_eq!(prefix("rax + 8 L10"), (0x1122_3344_5566_7790, 7));
        assert_eq!(prefix("rax+8 L10"), (0x1122_3344_5566_7790, 5));
        assert_eq!(prefix("1 2"), (1, 1));
        assert_eq!(prefix("  1 2"), (1, 3));
        assert_eq!(prefix("1 -2"), (u64::MAX, 4));
        assert_eq!(prefix("1 - 2 3"), (u64::MAX, 5));
        assert_eq!(prefix("1000 L10"), (0x1000, 4));
        assert_eq!(prefix("main 5"), (0x401126, 4));
        assert_eq!(prefix("main \"k;g\""), (0x401126, 4));
        assert_eq!(prefix("poi (rsp) 5"), (0x1000, 9));
        assert_eq!(prefix("poi(rsp + 8 - 8) 5"), (0x1000, 16));
        assert_eq!(prefix("(1 + 2) * 3 4"), (9, 11));
        assert_eq!(prefix("f0 and 3c 1"), (0x30, 9));
        assert_eq!(prefix("1 and"), (1, 1), "no operand after the operator: the expression ends before it");
        assert!(
            parse_prefix("1 + L10", &mut Fake::new()).is_err(),
            "an operator and an operand continue the expression"
        );
        assert_eq!(prefix("1,2"), (1, 1));
        assert_eq!(prefix("1 )"), (1, 1));
        assert_eq!(prefix("demo!main+8 L3"), (0x40112e, 11));
        assert_eq!(prefix("1 == 1 2"), (1, 6));
        let mut f = Fake::new();
        assert!(parse_prefix("(1 2)", &mut f).is_err());
        assert!(parse_prefix("", &mut f).is_err());
        assert!(parse_prefix(" L10", &mut f).is_err());
        assert_eq!(parse_prefix("nosuch 1", &mut f).unwrap_err().to_string(), "Couldn't resolve error at 'nosuch'");
        // The rest after the consumed part, for the caller.
        let text = "rax + 8 L10";
        let (_, n) = prefix(text);
        assert_eq!(text[n..].trim(), "L10");
    }

    /// The postfix code's meaning, run against the same context `evaluate` reads.
    fn run(code: &[Op], ctx: &mut Fake) -> Result<u64> {
        let mut stack: Vec<u64> = Vec::new();
        for op in code {
            let value = match op {
                Op::Const(v) => *v,
                Op::Register(name) => ctx.register(name).expect("a register"),
                Op::Read(size) => {
                    let address = stack.pop().unwrap();
                    ctx.read_memory(address, *size)?
                }
                Op::Neg => stack.pop().unwrap().wrapping_neg(),
                Op::Not => u64::from(stack.pop().unwrap() == 0),
                Op::Hi => (stack.pop().unwrap() >> 16) & 0xffff,
                Op::Low => stack.pop().unwrap() & 0xffff,
                Op::Binary(b) => {
                    let r = stack.pop().unwrap();
                    let l = stack.pop().unwrap();
                    b.apply(l, r)?
                }
            };
            stack.push(value);
        }
        assert_eq!(stack.len(), 1, "{code:?}");
        Ok(stack[0])
    }

    #[test]
    fn compiled_code_computes_what_evaluate_does() {
        for text in [
            "@rcx == 0n16",
            "rcx == 10 && rbx >= 200",
            "poi(@rsp) == 1000 || 0",
            "by(1000) + wo(1000) * dwo(1000) - qwo(1000)",
            "-rcx + not rax + !(rbx) + !@rcx",
            "hi rax + low(rax)",
            "(rax >> 0n64) + (rax << 3) + (r8 >>> 0n70) + (r8 >>> 4)",
            "rax / rcx + rax % rcx + (rax mod 7)",
            "eax == 55667788 and (ah | 1) ^ (r8d xor 3)",
            "main + $ip - demo!add + @$exentry",
            "rbx < 201 && rbx > 1ff && rbx <= 200 && rbx != 0 && rbx = 200",
            "efl & 40",
        ] {
            let code = compile(text, &mut Fake::new()).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(run(&code, &mut Fake::new()).unwrap(), evaluate(text, &mut Fake::new()).unwrap(), "{text}");
        }
        assert!(compile("rcx ==", &mut Fake::new()).is_err());
        assert!(compile("nosuchsymbol == 1", &mut Fake::new()).is_err());
        // Compiling reads no memory and divides nothing: those are for each hit.
        assert!(compile("poi(0) / 0", &mut Fake::new()).is_ok());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!("{}1{}", "(".repeat(100_000), ")".repeat(100_000));
        assert!(err(&deep).starts_with("Expression too deeply nested"));
        let negs = format!("{}1", "-".repeat(100_000));
        assert!(err(&negs).starts_with("Expression too deeply nested"));
        let nots = "not ".repeat(50_000) + "1";
        assert!(err(&nots).starts_with("Expression too deeply nested"));
        assert_eq!(ev(&format!("{}1{}", "(".repeat(50), ")".repeat(50))), 1);
        // Long flat chains are loops, not recursion.
        let long = vec!["1"; 100_000].join("+");
        assert_eq!(ev(&long), 100_000);
    }

    #[test]
    fn fuzzish_inputs_never_panic() {
        let pieces = [
            "(",
            ")",
            "[",
            "]",
            "+",
            "-",
            "*",
            "/",
            "%",
            "<<",
            ">>",
            ">>>",
            "<",
            ">",
            "=",
            "==",
            "!=",
            "!",
            "@",
            "@@",
            "$",
            "$ip",
            "poi",
            "by",
            "not",
            "and",
            "or",
            "xor",
            "mod",
            "hi",
            "low",
            "0x",
            "0n",
            "0y",
            "0t",
            "`",
            "h",
            "rax",
            "eax",
            "ah",
            "demo!",
            "!main",
            "::",
            "<int>",
            "~",
            "?",
            ".",
            " ",
            "  ",
            "1",
            "ff",
            "0n99",
            "ffffffffffffffffff",
            "\u{e9}",
            "\u{1F600}",
            "\t",
            "&&",
            "||",
            "&",
            "|",
            "^",
            ",",
            "\"",
            "L10",
            "main",
            "broken",
            "nosuch",
            "1000",
            "rsp",
        ];
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..20_000 {
            let n = (next() % 8) as usize;
            let text: String = (0..n).map(|_| pieces[(next() % pieces.len() as u64) as usize]).collect();
            let mut f = Fake::new();
            let _ = evaluate(&text, &mut f);
            if let Ok((_, used)) = parse_prefix(&text, &mut f) {
                assert!(used <= text.len() && text.is_char_boundary(used), "{text:?}");
            }
        }
    }
}
