//! MASM expressions, as the `expressions` fuzz target reads them, on a few thousand generated expressions and
//! contexts from a fixed seed: no reading panics, and `evaluate`, `check`, `compile` and `parse_prefix` agree
//! (`rdb_fuzzkit::expressions::run` checks it).

use rdb_engine::expr;
use rdb_fuzzkit::expressions::{Context, run, split};
use rdb_fuzzkit::rng::Rng;

const EXPRESSIONS: usize = 6000;

#[rustfmt::skip]
const ATOMS: &[&str] = &[
    "0", "1", "10", "0x10", "0n10", "0t17", "0y101", "10h", "ffffffff`ffffffff", "1`0000", "0n18446744073709551616",
    "add", "ah", "@rax", "rax", "eax", "al", "@r8d", "@rip", "@efl", "@$ip", "@$ra", "$csp", "$tid", "@cs",
    "hello!main", "main", "!add", "hello!", "hello", "libc!puts", "std::rt::lang_start", "hello!ns::f",
    "@!\"Dog::speak() const\"", "hello!vector<int>::size", "ambiguous", "nothing", "@nothing", "$nothing", "1000",
    "1008", "0n4096", "9z",
];
const UNARY: &[&str] = &["-", "+", "!", "not ", "hi ", "low ", "by ", "wo ", "dwo ", "qwo ", "poi ", "poi", "~"];
#[rustfmt::skip]
const BINARY: &[&str] = &[
    "+", "-", "*", "/", "%", " mod ", "&", " and ", "|", " or ", "^", " xor ", "<<", ">>", ">>>", "==", "=", "!=", "<",
    ">", "<=", ">=", "&&", "||", " ", "", ",",
];

/// An expression of nested operators over atoms, `depth` levels at most.
fn expression(rng: &mut Rng, depth: usize) -> String {
    if depth == 0 || rng.one_in(3) {
        return rng.pick(ATOMS).to_string();
    }
    match rng.below(4) {
        0 => format!("{}{}", rng.pick(UNARY), expression(rng, depth - 1)),
        1 => {
            let (open, close) = *rng.pick(&[("(", ")"), ("[", "]"), ("(", "]"), ("(", "")]);
            format!("{open}{}{close}", expression(rng, depth - 1))
        }
        _ => format!("{}{}{}", expression(rng, depth - 1), rng.pick(BINARY), expression(rng, depth - 1)),
    }
}

/// The text, a NUL, then context bytes: registers and memory, words that point into the memory among them.
fn input(rng: &mut Rng) -> Vec<u8> {
    let mut bytes = expression(rng, 5).into_bytes();
    if rng.one_in(8) {
        let at = rng.below(bytes.len() + 1);
        bytes.insert(at, rng.next_u64() as u8);
    }
    bytes.push(0);
    for _ in 0..rng.below(24) {
        let word = if rng.one_in(2) { 0x1000 + 8 * rng.below(24) as u64 } else { rng.next_u64() >> rng.below(64) };
        bytes.extend(word.to_le_bytes());
    }
    bytes
}

#[test]
fn the_context_resolves_registers_symbols_and_memory_from_the_input() {
    let mut bytes = b"poi(@rax) + hello!main\0".to_vec();
    bytes.extend(0x1008u64.to_le_bytes()); // rax
    bytes.extend(0x20u64.to_le_bytes()); // rbx, and memory at 0x1008
    let (text, context) = split(&bytes);
    // hello!main, the first symbol, is worth the context's last word.
    assert_eq!(expr::evaluate(&text, &mut Context::new(context)), Ok(0x20 + 0x20));
    run(&bytes);
}

#[test]
fn generated_expressions_read_alike_every_way() {
    let mut rng = Rng::new(0x5eed_0002);
    let mut evaluated = 0;
    for _ in 0..EXPRESSIONS {
        let bytes = input(&mut rng);
        run(&bytes);
        let (text, context) = split(&bytes);
        evaluated += usize::from(expr::evaluate(&text, &mut Context::new(context)).is_ok());
    }
    // The generator reaches both values and errors.
    assert!(evaluated > EXPRESSIONS / 10 && evaluated < EXPRESSIONS * 9 / 10, "{evaluated} of {EXPRESSIONS}");
}
