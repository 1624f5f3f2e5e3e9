//! C++ expressions (WinDbg's `??`, `dx`, `bp /w`) over a program made from the input, read both ways the engine
//! reads them and checked against each other:
//!
//! - parsing and evaluating never panic, whatever the text and the values;
//! - where a condition lowers to MASM for a breakpoint site (to run inside the debuggee), the MASM, evaluated on a
//!   machine holding the same values, is true exactly where the C++ evaluator says the condition is.
//!
//! The program has, at the site: `i` (int) in rdi, whose upper half holds junk as a real register's would; `u`
//! (unsigned int), `l` (long), `c` (char), `p` (int *), `s` (struct s { int a; unsigned b : 3; int *q; }) and
//! `arr` (int [4]) in the frame below rbp; and the global `g` (short). The input is the expression's text, a NUL,
//! then the bytes of the machine: rdi, then the memory the frame and the global live in, from [`MEMORY`].

use rdb_engine::Result;
use rdb_engine::error::Error;
use rdb_engine::expr::{self, ExprContext};
use rdb_engine::symbols::StaticPlace;
use rdb_engine::values::cxx::{self, Context, Site};
use rdb_engine::values::{BaseKind, Member, Type, TypeId, TypeKind, Value, ValueBytes};

/// Where the machine's memory starts; rbp points `FRAME` bytes into it, the global `g` at `GLOBAL`.
pub const MEMORY: u64 = 0x1000;
const FRAME: u64 = 0x80;
const GLOBAL: u64 = MEMORY + 0xc0;
const MEMORY_SIZE: usize = 0x100;

const INT: TypeId = id(1);
const UINT: TypeId = id(2);
const LONG: TypeId = id(3);
const CHAR: TypeId = id(4);
const PTR: TypeId = id(5);
const RECORD: TypeId = id(6);
const ARRAY: TypeId = id(7);
const SHORT: TypeId = id(8);

const fn id(die: u64) -> TypeId {
    TypeId::new(1, die)
}

fn base(name: &str, size: u64, kind: BaseKind) -> Type {
    Type { name: name.into(), size: Some(size), kind: TypeKind::Base(kind) }
}

/// The program's types.
fn type_of(id: TypeId) -> Option<Type> {
    Some(match id {
        INT => base("int", 4, BaseKind::Signed),
        UINT => base("unsigned int", 4, BaseKind::Unsigned),
        LONG => base("long", 8, BaseKind::Signed),
        CHAR => base("char", 1, BaseKind::Char { signed: true }),
        SHORT => base("short", 2, BaseKind::Signed),
        PTR => Type {
            name: "int *".into(),
            size: Some(8),
            kind: TypeKind::Pointer { target: Some(INT), reference: false },
        },
        RECORD => Type {
            name: "struct s".into(),
            size: Some(16),
            kind: TypeKind::Record {
                members: vec![
                    Member { name: "a".into(), ty: INT, offset: 0, bits: None, base: false },
                    Member { name: "b".into(), ty: UINT, offset: 4, bits: Some((0, 3)), base: false },
                    Member { name: "q".into(), ty: PTR, offset: 8, bits: None, base: false },
                ],
            },
        },
        ARRAY => {
            Type { name: "int [4]".into(), size: Some(16), kind: TypeKind::Array { element: INT, count: Some(4) } }
        }
        _ => return None,
    })
}

/// The locals: their names, types and places at the site (offsets from rbp).
const LOCALS: [(&str, TypeId, i64); 6] =
    [("u", UINT, -8), ("l", LONG, -16), ("c", CHAR, -20), ("p", PTR, -32), ("arr", ARRAY, -48), ("s", RECORD, -64)];

/// The machine the condition reads: rdi and the memory, from the input's bytes.
pub struct Machine {
    rdi: u64,
    memory: Vec<u8>,
}

impl Machine {
    pub fn new(bytes: &[u8]) -> Machine {
        let mut word = [0u8; 8];
        let n = bytes.len().min(8);
        word[..n].copy_from_slice(&bytes[..n]);
        let mut memory = bytes.get(8..).unwrap_or(&[]).to_vec();
        memory.resize(MEMORY_SIZE, 0);
        Machine { rdi: u64::from_le_bytes(word), memory }
    }

    fn read(&self, address: u64, size: usize) -> Option<&[u8]> {
        let at = usize::try_from(address.checked_sub(MEMORY)?).ok()?;
        self.memory.get(at..at.checked_add(size)?)
    }
}

impl ExprContext for Machine {
    fn register(&mut self, name: &str) -> Option<u64> {
        match name {
            "rdi" => Some(self.rdi),
            "rbp" => Some(MEMORY + FRAME),
            _ => None,
        }
    }

    fn symbol(&mut self, _: &str) -> Result<Option<u64>> {
        Ok(None)
    }

    fn read_memory(&mut self, address: u64, size: usize) -> Result<u64> {
        let bytes = self.read(address, size).ok_or(Error::MemoryAccess(address))?;
        let mut word = [0u8; 8];
        word[..bytes.len()].copy_from_slice(bytes);
        Ok(u64::from_le_bytes(word))
    }
}

impl Context for Machine {
    fn variable(&mut self, name: &str) -> Result<Value> {
        if name == "i" {
            let ty = type_of(INT).unwrap_or_else(Type::unknown);
            let bytes = ValueBytes::Known(self.rdi.to_le_bytes()[..4].to_vec());
            return Ok(Value { ty, type_id: Some(INT), bytes, address: None });
        }
        if name == "g" {
            return Ok(self.object(type_of(SHORT).unwrap_or_else(Type::unknown), Some(SHORT), GLOBAL));
        }
        let (_, ty, offset) = LOCALS
            .iter()
            .find(|(n, _, _)| *n == name)
            .ok_or_else(|| Error::msg(format!("no variable named '{name}'")))?;
        let address = (MEMORY + FRAME).wrapping_add(*offset as u64);
        Ok(self.object(type_of(*ty).unwrap_or_else(Type::unknown), Some(*ty), address))
    }

    fn named_type(&mut self, name: &str) -> Option<(Type, Option<TypeId>)> {
        let id = match name {
            "int" => INT,
            "unsigned int" => UINT,
            "long" => LONG,
            "char" => CHAR,
            "short" => SHORT,
            "struct s" => RECORD,
            _ => return None,
        };
        Some((type_of(id)?, Some(id)))
    }

    fn type_of(&mut self, id: TypeId) -> Option<Type> {
        type_of(id)
    }

    fn object(&mut self, ty: Type, id: Option<TypeId>, address: u64) -> Value {
        let size = ty.size.unwrap_or(0) as usize;
        let bytes = match self.read(address, size) {
            Some(b) => ValueBytes::Known(b.to_vec()),
            None => ValueBytes::MemoryError(address),
        };
        Value { ty, type_id: id, bytes, address: Some(address) }
    }
}

/// The site's view for lowering: the program's types, the global at its address.
struct SiteView;

impl Site for SiteView {
    fn type_of(&mut self, id: TypeId) -> Option<Type> {
        type_of(id)
    }

    fn global(&mut self, name: &str) -> Option<(u64, Option<TypeId>)> {
        (name == "g").then_some((GLOBAL, Some(SHORT)))
    }
}

/// The locals' places at the site, as the symbol layer gives them.
fn places() -> Vec<(String, Option<TypeId>, StaticPlace)> {
    let mut places = vec![("i".to_string(), Some(INT), StaticPlace::Register(5))];
    places.extend(
        LOCALS
            .iter()
            .map(|(n, ty, offset)| (n.to_string(), Some(*ty), StaticPlace::Memory { register: 6, offset: *offset })),
    );
    places
}

/// Split an input into the expression's text (lossy UTF-8) and the machine's bytes.
pub fn split(input: &[u8]) -> (String, &[u8]) {
    match input.iter().position(|&b| b == 0) {
        Some(nul) => (String::from_utf8_lossy(&input[..nul]).into_owned(), &input[nul + 1..]),
        None => (String::from_utf8_lossy(input).into_owned(), &[][..]),
    }
}

/// Read the input's expression both ways and check they agree; panics if they do not.
pub fn run(input: &[u8]) {
    let (text, bytes) = split(input);
    let mut machine = Machine::new(bytes);
    let Ok(parsed) = cxx::parse(&text, &|n| machine_type(n)) else { return };
    let evaluated = cxx::evaluate(&parsed, &mut machine).and_then(|v| cxx::truth(&v));
    let Some(masm) = cxx::lower(&parsed, &places(), &mut SiteView) else { return };
    let compiled = expr::evaluate(&masm, &mut machine).map(|v| v != 0);
    // Where the C++ evaluator has an answer and the MASM one too, they are the same (a read the C++ evaluator makes
    // lazily may fault in MASM, which reads every operand: the engine then decides, as it does in the debuggee).
    if let (Ok(expected), Ok(got)) = (&evaluated, &compiled) {
        assert_eq!(got, expected, "{text:?} lowered to {masm:?}");
    }
}

fn machine_type(name: &str) -> bool {
    matches!(name, "int" | "unsigned int" | "long" | "char" | "short" | "struct s")
}
