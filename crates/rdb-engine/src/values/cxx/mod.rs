//! WinDbg's C++ expression evaluator (`??`, `dx`, `@@c++()`, `bp /w`): a parser of C++ expressions and their
//! evaluation against the program's variables and types, which the caller supplies through [`Context`].

mod eval;
mod lower;
mod parse;

pub use eval::{Context, as_number, evaluate, truth};
pub use lower::{Site, lower};
pub use parse::{Binary, Expr, TypeName, Unary, parse};
