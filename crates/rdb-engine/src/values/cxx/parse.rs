//! C++ expressions as WinDbg's `??`, `dx` and `bp /w` take them, parsed into a tree: names (locals, globals,
//! `module!name`, `ns::name`), number, character and floating literals, member access (`.`, `->`), indexing,
//! calls-free unary and binary operators with C's precedence, casts to named types and `sizeof`. Whether a
//! parenthesised name is a type (`(counter_t)x`) is asked of the caller, who knows the program's types.

use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// An integer literal; `unsigned` and `long` from its suffix or size.
    Int {
        value: u64,
        unsigned: bool,
        long: bool,
    },
    Float(f64),
    Char(u8),
    Bool(bool),
    Name(String),
    Member {
        of: Box<Expr>,
        member: String,
        arrow: bool,
    },
    Index(Box<Expr>, Box<Expr>),
    Unary(Unary, Box<Expr>),
    Binary(Binary, Box<Expr>, Box<Expr>),
    Conditional(Box<Expr>, Box<Expr>, Box<Expr>),
    Cast(TypeName, Box<Expr>),
    SizeofType(TypeName),
    SizeofExpr(Box<Expr>),
}

impl Expr {
    /// Every name the expression reads (`p` in `p->x`, `vars!count`, `@rdi`), in order.
    pub fn names(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect_names(&mut out);
        out
    }

    fn collect_names<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Expr::Name(n) => out.push(n),
            Expr::Member { of, .. } => of.collect_names(out),
            Expr::Index(a, b) | Expr::Binary(_, a, b) => {
                a.collect_names(out);
                b.collect_names(out);
            }
            Expr::Conditional(a, b, c) => {
                a.collect_names(out);
                b.collect_names(out);
                c.collect_names(out);
            }
            Expr::Unary(_, e) | Expr::Cast(_, e) | Expr::SizeofExpr(e) => e.collect_names(out),
            Expr::Int { .. } | Expr::Float(_) | Expr::Char(_) | Expr::Bool(_) | Expr::SizeofType(_) => {}
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unary {
    Neg,
    Plus,
    Not,
    BitNot,
    Deref,
    AddressOf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binary {
    Mul,
    Div,
    Rem,
    Add,
    Sub,
    Shl,
    Shr,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    BitAnd,
    BitXor,
    BitOr,
    And,
    Or,
}

/// A type as a cast or `sizeof` names it: a base name (`unsigned int`, `struct point`, `counter_t`) and how many
/// `*` follow it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeName {
    pub base: String,
    pub pointers: usize,
}

/// How deeply an expression may nest (a hostile `((((...` must not exhaust the stack).
const MAX_DEPTH: usize = 200;

const BASE_WORDS: &[&str] =
    &["void", "char", "short", "int", "long", "signed", "unsigned", "float", "double", "bool", "_Bool", "wchar_t"];

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Number(String),
    Char(u8),
    Ident(String),
    Punct(&'static str),
}

/// Punctuation, longest first.
const PUNCT: &[&str] = &[
    "->", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "::", "+", "-", "*", "/", "%", "<", ">", "&", "|", "^", "!",
    "~", "(", ")", "[", "]", ".", "?", ":",
];

fn lex(text: &str) -> Result<Vec<Token>> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit())) {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.' || chars[i] == '`') {
                // An exponent's sign belongs to the number (1e-3).
                if (chars[i] == 'e' || chars[i] == 'E')
                    && !chars[start..i].iter().any(|c| *c == 'x' || *c == 'X')
                    && matches!(chars.get(i + 1), Some('+' | '-'))
                {
                    i += 1;
                }
                i += 1;
            }
            tokens.push(Token::Number(chars[start..i].iter().filter(|c| **c != '`').collect()));
        } else if c.is_alphabetic() || c == '_' || c == '$' || c == '@' {
            let start = i;
            // `module!name` is one name; `@@` prefixes of WinDbg are not C++.
            while i < chars.len() && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '$' | '@' | '!')) {
                i += 1;
            }
            tokens.push(Token::Ident(chars[start..i].iter().collect()));
        } else if c == '\'' {
            let (value, len) = char_literal(&chars[i..])?;
            tokens.push(Token::Char(value));
            i += len;
        } else if let Some(p) = PUNCT.iter().find(|p| chars[i..].starts_with(&p.chars().collect::<Vec<_>>())) {
            tokens.push(Token::Punct(p));
            i += p.len();
        } else {
            return Err(Error::msg(format!("unexpected '{c}' in the expression")));
        }
    }
    Ok(tokens)
}

/// A character literal at the start of `chars` (`'a'`, `'\n'`, `'\x41'`, `'\0'`): its value and length.
fn char_literal(chars: &[char]) -> Result<(u8, usize)> {
    let bad = || Error::msg("bad character literal");
    match chars.get(1..) {
        Some(['\\', esc, rest @ ..]) => {
            let (value, used) = match esc {
                'n' => (b'\n', 1),
                't' => (b'\t', 1),
                'r' => (b'\r', 1),
                '0' => (0, 1),
                '\\' => (b'\\', 1),
                '\'' => (b'\'', 1),
                '"' => (b'"', 1),
                'x' => {
                    let hex: String = rest.iter().take_while(|c| c.is_ascii_hexdigit()).take(2).collect();
                    (u8::from_str_radix(&hex, 16).map_err(|_| bad())?, 1 + hex.len())
                }
                _ => return Err(bad()),
            };
            if chars.get(2 + used) != Some(&'\'') {
                return Err(bad());
            }
            Ok((value, 3 + used))
        }
        Some([c, '\'', ..]) if c.is_ascii() => Ok((*c as u8, 3)),
        _ => Err(bad()),
    }
}

struct Parser<'a> {
    tokens: Vec<Token>,
    at: usize,
    depth: usize,
    is_type: &'a dyn Fn(&str) -> bool,
}

/// Parse `text`; `is_type` says whether a name is a type the program defines (a typedef, a struct's tag).
pub fn parse(text: &str, is_type: &dyn Fn(&str) -> bool) -> Result<Expr> {
    let tokens = lex(text)?;
    if tokens.is_empty() {
        return Err(Error::msg("an expression is expected"));
    }
    let mut p = Parser { tokens, at: 0, depth: 0, is_type };
    let e = p.conditional()?;
    match p.peek() {
        None => Ok(e),
        Some(t) => Err(Error::msg(format!("unexpected {} in the expression", describe(t)))),
    }
}

fn describe(t: &Token) -> String {
    match t {
        Token::Number(n) => format!("'{n}'"),
        Token::Char(c) => format!("'{}'", *c as char),
        Token::Ident(i) => format!("'{i}'"),
        Token::Punct(p) => format!("'{p}'"),
    }
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn peek_punct(&self, p: &str) -> bool {
        matches!(self.peek(), Some(Token::Punct(q)) if *q == p)
    }

    fn eat(&mut self, p: &str) -> bool {
        if self.peek_punct(p) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, p: &str) -> Result<()> {
        if self.eat(p) {
            Ok(())
        } else {
            Err(Error::msg(match self.peek() {
                Some(t) => format!("'{p}' expected, not {}", describe(t)),
                None => format!("'{p}' expected at the end of the expression"),
            }))
        }
    }

    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Error::msg("the expression nests too deeply"));
        }
        let r = f(self);
        self.depth -= 1;
        r
    }

    fn conditional(&mut self) -> Result<Expr> {
        self.nested(|p| {
            let c = p.binary(0)?;
            if !p.eat("?") {
                return Ok(c);
            }
            let a = p.conditional()?;
            p.expect(":")?;
            let b = p.conditional()?;
            Ok(Expr::Conditional(Box::new(c), Box::new(a), Box::new(b)))
        })
    }

    /// Binary operators by precedence climbing (C's levels, loosest first).
    fn binary(&mut self, level: usize) -> Result<Expr> {
        const LEVELS: &[&[(&str, Binary)]] = &[
            &[("||", Binary::Or)],
            &[("&&", Binary::And)],
            &[("|", Binary::BitOr)],
            &[("^", Binary::BitXor)],
            &[("&", Binary::BitAnd)],
            &[("==", Binary::Eq), ("!=", Binary::Ne)],
            &[("<=", Binary::Le), (">=", Binary::Ge), ("<", Binary::Lt), (">", Binary::Gt)],
            &[("<<", Binary::Shl), (">>", Binary::Shr)],
            &[("+", Binary::Add), ("-", Binary::Sub)],
            &[("*", Binary::Mul), ("/", Binary::Div), ("%", Binary::Rem)],
        ];
        if level == LEVELS.len() {
            return self.unary();
        }
        let mut left = self.binary(level + 1)?;
        'more: loop {
            for (p, op) in LEVELS[level] {
                if self.eat(p) {
                    let right = self.nested(|s| s.binary(level + 1))?;
                    left = Expr::Binary(*op, Box::new(left), Box::new(right));
                    continue 'more;
                }
            }
            return Ok(left);
        }
    }

    fn unary(&mut self) -> Result<Expr> {
        self.nested(|p| {
            let op = match p.peek() {
                Some(Token::Punct("-")) => Some(Unary::Neg),
                Some(Token::Punct("+")) => Some(Unary::Plus),
                Some(Token::Punct("!")) => Some(Unary::Not),
                Some(Token::Punct("~")) => Some(Unary::BitNot),
                Some(Token::Punct("*")) => Some(Unary::Deref),
                Some(Token::Punct("&")) => Some(Unary::AddressOf),
                _ => None,
            };
            if let Some(op) = op {
                p.at += 1;
                return Ok(Expr::Unary(op, Box::new(p.unary()?)));
            }
            if matches!(p.peek(), Some(Token::Ident(i)) if i == "sizeof") {
                p.at += 1;
                if p.peek_punct("(") && p.type_follows(1) {
                    p.at += 1;
                    let t = p.type_name()?;
                    p.expect(")")?;
                    return Ok(Expr::SizeofType(t));
                }
                return Ok(Expr::SizeofExpr(Box::new(p.unary()?)));
            }
            if p.peek_punct("(") && p.type_follows(1) {
                p.at += 1;
                let t = p.type_name()?;
                p.expect(")")?;
                return Ok(Expr::Cast(t, Box::new(p.unary()?)));
            }
            p.postfix()
        })
    }

    /// Whether a type name starts `n` tokens ahead (`int`, `struct point`, `counter_t`, `geo::Shape`).
    fn type_follows(&self, n: usize) -> bool {
        match self.tokens.get(self.at + n) {
            Some(Token::Ident(i)) => {
                if BASE_WORDS.contains(&i.as_str())
                    || matches!(i.as_str(), "struct" | "union" | "enum" | "class" | "const" | "volatile")
                {
                    return true;
                }
                // A qualified name is asked whole.
                let mut name = i.clone();
                let mut k = self.at + n + 1;
                while let (Some(Token::Punct("::")), Some(Token::Ident(next))) =
                    (self.tokens.get(k), self.tokens.get(k + 1))
                {
                    name = format!("{name}::{next}");
                    k += 2;
                }
                (self.is_type)(&name)
            }
            _ => false,
        }
    }

    fn type_name(&mut self) -> Result<TypeName> {
        let mut words: Vec<String> = Vec::new();
        while let Some(Token::Ident(i)) = self.peek() {
            let i = i.clone();
            if matches!(i.as_str(), "const" | "volatile") {
                self.at += 1;
                continue;
            }
            let keyword = matches!(i.as_str(), "struct" | "union" | "enum" | "class");
            // After a tag keyword or a program's type name, the name is complete; base words combine.
            if !words.is_empty()
                && !BASE_WORDS.contains(&i.as_str())
                && !words.last().is_some_and(|w| ["struct", "union", "enum", "class"].contains(&w.as_str()))
            {
                break;
            }
            self.at += 1;
            words.push(i.clone());
            if !keyword && !BASE_WORDS.contains(&i.as_str()) {
                // `ns::Type`
                while self.eat("::") {
                    match self.peek() {
                        Some(Token::Ident(n)) => {
                            let n = n.clone();
                            self.at += 1;
                            let last = words.pop().unwrap_or_default();
                            words.push(format!("{last}::{n}"));
                        }
                        _ => return Err(Error::msg("a name is expected after '::'")),
                    }
                }
                if !words.first().is_some_and(|w| ["struct", "union", "enum", "class"].contains(&w.as_str())) {
                    break;
                }
            }
        }
        let mut pointers = 0;
        loop {
            if self.eat("*") {
                pointers += 1;
            } else if matches!(self.peek(), Some(Token::Ident(i)) if i == "const" || i == "volatile") {
                self.at += 1;
            } else {
                break;
            }
        }
        if words.is_empty() {
            return Err(Error::msg("a type name is expected"));
        }
        Ok(TypeName { base: words.join(" "), pointers })
    }

    fn postfix(&mut self) -> Result<Expr> {
        let mut e = self.primary()?;
        loop {
            if self.eat(".") || self.peek_punct("->") {
                let arrow = self.eat("->");
                let Some(Token::Ident(member)) = self.peek().cloned() else {
                    return Err(Error::msg("a member name is expected after '.' or '->'"));
                };
                self.at += 1;
                e = Expr::Member { of: Box::new(e), member, arrow };
            } else if let Some(Token::Number(n)) = self.peek().filter(|_| tuple_field_follows(&e))
                && let Some(fields) = n.strip_prefix('.')
            {
                // Rust's tuple fields: `t.0`, and `t.0.1` (which the lexer reads as one number).
                let fields: Vec<String> = fields.split('.').map(str::to_string).collect();
                // The lexer reads on through names too: `t.0.at` is fields `0` and `at`.
                let field = |f: &String| {
                    f.bytes().all(|b| b.is_ascii_digit())
                        || f.starts_with(|c: char| c.is_alphabetic() || c == '_')
                            && f.chars().all(|c| c.is_alphanumeric() || c == '_')
                };
                if fields.iter().any(|f| f.is_empty() || !field(f)) {
                    return Err(Error::msg(format!("bad tuple field '{n}'")));
                }
                self.at += 1;
                for member in fields {
                    e = Expr::Member { of: Box::new(e), member, arrow: false };
                }
            } else if self.eat("[") {
                let index = self.nested(|p| p.conditional())?;
                self.expect("]")?;
                e = Expr::Index(Box::new(e), Box::new(index));
            } else {
                return Ok(e);
            }
        }
    }

    fn primary(&mut self) -> Result<Expr> {
        let Some(t) = self.peek().cloned() else { return Err(Error::msg("the expression ends too soon")) };
        self.at += 1;
        match t {
            Token::Number(n) => number(&n),
            Token::Char(c) => Ok(Expr::Char(c)),
            Token::Ident(i) if i == "true" || i == "false" => Ok(Expr::Bool(i == "true")),
            Token::Ident(mut i) => {
                while self.eat("::") {
                    match self.peek() {
                        Some(Token::Ident(n)) => {
                            i = format!("{i}::{n}");
                            self.at += 1;
                        }
                        _ => return Err(Error::msg("a name is expected after '::'")),
                    }
                }
                Ok(Expr::Name(i))
            }
            Token::Punct("(") => {
                let e = self.nested(|p| p.conditional())?;
                self.expect(")")?;
                Ok(e)
            }
            Token::Punct(p) => Err(Error::msg(format!("unexpected '{p}' in the expression"))),
        }
    }
}

/// Whether `.0` after `e` is a tuple field (`t.0`): after a name, a member, an element or a parenthesis, never
/// after a number (where `1 .5` is no expression anyway).
fn tuple_field_follows(e: &Expr) -> bool {
    matches!(e, Expr::Name(_) | Expr::Member { .. } | Expr::Index(..))
        || matches!(e, Expr::Unary(..) | Expr::Binary(..) | Expr::Conditional(..) | Expr::Cast(..))
}

/// A C number literal: decimal, `0x` hex, `0` octal, WinDbg's `0n` decimal, with `u`/`l` suffixes; or a floating
/// literal.
fn number(text: &str) -> Result<Expr> {
    let bad = || Error::msg(format!("bad number '{text}'"));
    let lower = text.to_ascii_lowercase();
    let is_hex = lower.starts_with("0x");
    if !is_hex && (lower.contains('.') || lower.contains('e')) {
        let t = lower.trim_end_matches(['f', 'l']);
        return t.parse::<f64>().map(Expr::Float).map_err(|_| bad());
    }
    let digits = lower.trim_end_matches(['u', 'l']);
    let suffix = &lower[digits.len()..];
    let (radix, body) = if let Some(h) = digits.strip_prefix("0x") {
        (16, h)
    } else if let Some(d) = digits.strip_prefix("0n") {
        (10, d)
    } else if digits.len() > 1 && digits.starts_with('0') {
        (8, &digits[1..])
    } else {
        (10, digits)
    };
    let value = u64::from_str_radix(body, radix).map_err(|_| bad())?;
    let unsigned = suffix.contains('u') || (radix != 10 && value > i32::MAX as u64 && value <= u32::MAX as u64);
    let long = suffix.contains('l') || value > u32::MAX as u64 || (radix == 10 && value > i32::MAX as u64);
    Ok(Expr::Int { value, unsigned, long })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Expr {
        parse(text, &|n| n == "counter_t").unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn name(n: &str) -> Box<Expr> {
        Box::new(Expr::Name(n.into()))
    }

    #[test]
    fn precedence_and_postfix() {
        assert_eq!(
            p("a + b * c"),
            Expr::Binary(Binary::Add, name("a"), Box::new(Expr::Binary(Binary::Mul, name("b"), name("c"))))
        );
        assert_eq!(
            p("p->x[2].y"),
            Expr::Member {
                of: Box::new(Expr::Index(
                    Box::new(Expr::Member { of: name("p"), member: "x".into(), arrow: true }),
                    Box::new(Expr::Int { value: 2, unsigned: false, long: false })
                )),
                member: "y".into(),
                arrow: false
            }
        );
        assert_eq!(p("depth == 1 && p->x > 5"), {
            let l =
                Expr::Binary(Binary::Eq, name("depth"), Box::new(Expr::Int { value: 1, unsigned: false, long: false }));
            let r = Expr::Binary(
                Binary::Gt,
                Box::new(Expr::Member { of: name("p"), member: "x".into(), arrow: true }),
                Box::new(Expr::Int { value: 5, unsigned: false, long: false }),
            );
            Expr::Binary(Binary::And, Box::new(l), Box::new(r))
        });
        assert_eq!(p("vars!global_count"), Expr::Name("vars!global_count".into()));
        assert_eq!(p("ns::inner::v"), Expr::Name("ns::inner::v".into()));
    }

    #[test]
    fn casts_sizeof_and_literals() {
        assert_eq!(
            p("(struct point *)x"),
            Expr::Cast(TypeName { base: "struct point".into(), pointers: 1 }, name("x"))
        );
        assert_eq!(
            p("(unsigned long)x"),
            Expr::Cast(TypeName { base: "unsigned long".into(), pointers: 0 }, name("x"))
        );
        assert_eq!(p("(counter_t)x"), Expr::Cast(TypeName { base: "counter_t".into(), pointers: 0 }, name("x")));
        // A parenthesised name that is no type is an expression.
        assert_eq!(p("(x)"), Expr::Name("x".into()));
        assert_eq!(p("sizeof(int)"), Expr::SizeofType(TypeName { base: "int".into(), pointers: 0 }));
        assert_eq!(p("sizeof buf"), Expr::SizeofExpr(name("buf")));
        assert_eq!(p("'a'"), Expr::Char(b'a'));
        assert_eq!(p("'\\n'"), Expr::Char(b'\n'));
        assert_eq!(p("1.5"), Expr::Float(1.5));
        assert_eq!(p("0x10"), Expr::Int { value: 16, unsigned: false, long: false });
        assert_eq!(p("0n10"), Expr::Int { value: 10, unsigned: false, long: false });
        assert_eq!(p("5000000000"), Expr::Int { value: 5_000_000_000, unsigned: false, long: true });
    }

    #[test]
    fn bad_expressions_are_errors() {
        for bad in ["", "a +", "(a", "a[1", "p->", "1 2", "#", "'ab'", "0xZZ", "sizeof(int", &"(".repeat(1000)] {
            assert!(parse(bad, &|_| false).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn rust_tuple_fields() {
        let field = |of: Box<Expr>, member: &str| Expr::Member { of, member: member.into(), arrow: false };
        assert_eq!(p("t.0"), field(name("t"), "0"));
        // The lexer reads `.0.1` and `.2.at` as numbers: they are fields one after another.
        assert_eq!(p("t.0.1"), field(Box::new(field(name("t"), "0")), "1"));
        assert_eq!(p("all.2.at.y"), field(Box::new(field(Box::new(field(name("all"), "2")), "at")), "y"));
        assert_eq!(p("(*r).0"), field(Box::new(Expr::Unary(Unary::Deref, name("r"))), "0"));
        for bad in ["t.0e", "1 .5", "t.0..1"] {
            assert!(parse(bad, &|_| false).is_err(), "{bad:?}");
        }
    }
}
