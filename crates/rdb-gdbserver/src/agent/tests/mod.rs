//! The agent-expression module's tests: real bytecode captured from gdb 13 (`captured`), the checks of parsing
//! (`parsing`), and a bounded property test over random programs (`random`). Every test judges a translation the
//! same way ([`support::agree`]): rdb's MASM evaluator, given the translation, fails exactly when the program fails
//! and is otherwise non-zero exactly when the program's result is.

mod captured;
mod parsing;
mod random;
mod support;
