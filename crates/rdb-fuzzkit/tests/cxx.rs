//! C++ expressions, as the `cxx` fuzz target reads them, on thousands of generated expressions and machines from a
//! fixed seed: nothing panics, and where a condition lowers to MASM for a site, the MASM is true exactly where the
//! C++ evaluator says the condition is (`rdb_fuzzkit::cxx::run` checks it).

use rdb_fuzzkit::cxx::run;
use rdb_fuzzkit::rng::Rng;

const EXPRESSIONS: usize = 8000;

#[rustfmt::skip]
const ATOMS: &[&str] = &[
    "i", "u", "l", "c", "g", "p[1]", "*p", "s.a", "s.b", "s.q", "*s.q", "arr[2]", "arr[i & 3]", "p[-1]", "0", "1",
    "-1", "7", "0x7fffffff", "0xffffffff", "4294967296", "'a'", "'\\0'", "true", "false", "sizeof(int)", "(char)i",
    "(unsigned int)l", "(long)c", "&arr[1]", "nosuch", "s", "p", "arr",
];
const UNARY: &[&str] = &["-", "!", "~", "+", "*", "&"];
#[rustfmt::skip]
const BINARY: &[&str] = &[
    " + ", " - ", " * ", " / ", " % ", " << ", " >> ", " < ", " <= ", " > ", " >= ", " == ", " != ", " & ", " ^ ",
    " | ", " && ", " || ",
];

fn expression(rng: &mut Rng, depth: usize) -> String {
    if depth == 0 || rng.one_in(3) {
        return rng.pick(ATOMS).to_string();
    }
    match rng.below(5) {
        0 => format!("{}{}", rng.pick(UNARY), expression(rng, depth - 1)),
        1 => format!("({})", expression(rng, depth - 1)),
        _ => format!("{}{}{}", expression(rng, depth - 1), rng.pick(BINARY), expression(rng, depth - 1)),
    }
}

/// The text, a NUL, then the machine: rdi (junk above its low half), then the memory (words pointing into it
/// among them, so `p` and `s.q` often point somewhere readable).
fn input(rng: &mut Rng) -> Vec<u8> {
    let mut bytes = expression(rng, 4).into_bytes();
    if rng.one_in(10) {
        let at = rng.below(bytes.len() + 1);
        bytes.insert(at, rng.next_u64() as u8);
    }
    bytes.push(0);
    for _ in 0..33 {
        let word = match rng.below(3) {
            0 => 0x1000 + 4 * rng.below(64) as u64,
            1 => rng.next_u64() >> rng.below(64),
            _ => (rng.next_u64() as i64 >> rng.below(64)) as u64,
        };
        bytes.extend(word.to_le_bytes());
    }
    bytes
}

#[test]
fn conditions_lowered_to_masm_mean_what_the_cxx_evaluator_says() {
    let mut rng = Rng::new(0x5eed_c0de);
    for _ in 0..EXPRESSIONS {
        run(&input(&mut rng));
    }
}

#[test]
fn malformed_texts_and_machines_do_not_panic() {
    for text in ["", "(", "p->", "s.", "arr[", "((((((((((", "'", "1e", "sizeof(", "(struct s *", "i ? : 1", "\u{ff}"] {
        run(format!("{text}\0").as_bytes());
        run(text.as_bytes());
    }
}
