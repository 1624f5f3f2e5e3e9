//! A bounded property test, from a fixed seed: `parse` never panics on arbitrary bytes; and for random valid
//! programs (gdb's shapes for `&&`, `||` and `?:`, every arithmetic bytecode, reads through registers and
//! constants, stack shuffles, values thrown away) over random registers and memory, the MASM translation, when
//! there is one, agrees with `evaluate` ([`agree`]: both fail, or the same truth) and compiles to what it
//! evaluates to (rdb-fuzzkit's checks).

use rdb_fuzzkit::expressions::{Context, MEMORY};
use rdb_fuzzkit::rng::Rng;

use super::support::{Thread, agree, register_name};
use crate::agent::Program;

/// The context's size: 20 register words, then more memory (all of it at `MEMORY`).
const STATE_LEN: usize = 256;

/// A program being written: bytes, and jumps waiting for their labels' offsets.
struct Asm {
    bytes: Vec<u8>,
    labels: Vec<Option<usize>>,
    jumps: Vec<(usize, usize)>,
}

impl Asm {
    fn op(&mut self, bytes: &[u8]) {
        self.bytes.extend_from_slice(bytes);
    }

    fn label(&mut self) -> usize {
        self.labels.push(None);
        self.labels.len() - 1
    }

    fn place(&mut self, label: usize) {
        self.labels[label] = Some(self.bytes.len());
    }

    fn jump(&mut self, opcode: u8, label: usize) {
        self.op(&[opcode]);
        self.jumps.push((self.bytes.len(), label));
        self.op(&[0, 0]);
    }

    fn finish(mut self) -> Vec<u8> {
        for (at, label) in self.jumps {
            let target = u16::try_from(self.labels[label].expect("placed")).expect("small program");
            self.bytes[at..at + 2].copy_from_slice(&target.to_be_bytes());
        }
        self.bytes
    }

    /// The shortest `const` for `v`, or sometimes a longer one.
    fn constant(&mut self, rng: &mut Rng, v: u64) {
        let wide = rng.one_in(4);
        if v <= 0xff && !wide {
            self.op(&[0x22, v as u8]);
        } else if v <= 0xffff && !wide {
            self.op(&[0x23]);
            self.op(&(v as u16).to_be_bytes());
        } else if v <= 0xffff_ffff && !wide {
            self.op(&[0x24]);
            self.op(&(v as u32).to_be_bytes());
        } else {
            self.op(&[0x25]);
            self.op(&v.to_be_bytes());
        }
    }
}

/// Code that pushes exactly one value, `depth` levels deep at most.
fn value(a: &mut Asm, rng: &mut Rng, depth: u32) {
    let choice = if depth == 0 { rng.below(3) } else { rng.below(14) };
    match choice {
        0 => {
            let v = match rng.below(4) {
                0 => rng.below(8) as u64,
                1 => MEMORY + rng.below(STATE_LEN + 16) as u64,
                2 => (rng.below(16) as u64).wrapping_neg(),
                _ => rng.next_u64(),
            };
            a.constant(rng, v);
        }
        1 => a.op(&[0x26, 0, rng.below(18) as u8]),
        2 => {
            // A read through a register or a constant address, as gdb reads locals and globals.
            if rng.one_in(2) {
                a.op(&[0x26, 0, rng.below(18) as u8, 0x22, rng.below(64) as u8, 0x02]);
            } else {
                let address = MEMORY + rng.below(STATE_LEN + 8) as u64;
                a.constant(rng, address);
            }
            a.op(&[*rng.pick(&[0x17, 0x18, 0x19, 0x1a])]);
        }
        3 => {
            value(a, rng, depth - 1);
            a.op(&[*rng.pick(&[0x17, 0x18, 0x19, 0x1a])]);
        }
        4 | 5 => {
            value(a, rng, depth - 1);
            value(a, rng, depth - 1);
            a.op(&[*rng.pick(&[
                0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0f, 0x10, 0x11, 0x13, 0x14, 0x15,
            ])]);
        }
        6 => {
            value(a, rng, depth - 1);
            match rng.below(4) {
                0 => a.op(&[0x0e]),
                1 => a.op(&[0x12]),
                2 => a.op(&[0x16, *rng.pick(&[1, 7, 8, 16, 31, 32, 63, 64, 70])]),
                _ => a.op(&[0x2a, *rng.pick(&[0, 1, 8, 16, 32, 63, 64, 70])]),
            }
        }
        7 => logical(a, rng, depth, true),
        8 => logical(a, rng, depth, false),
        9 => {
            // gdb's `c ? t : e`: c; log_not; if_goto else; t; goto end; else: e; end:
            let (otherwise, end) = (a.label(), a.label());
            value(a, rng, depth - 1);
            a.op(&[0x0e]);
            a.jump(0x20, otherwise);
            value(a, rng, depth - 1);
            a.jump(0x21, end);
            a.place(otherwise);
            value(a, rng, depth - 1);
            a.place(end);
        }
        10 => {
            // A raw `if_goto`, the taken side placed after the other.
            let (taken, end) = (a.label(), a.label());
            value(a, rng, depth - 1);
            a.jump(0x20, taken);
            value(a, rng, depth - 1);
            a.jump(0x21, end);
            a.place(taken);
            value(a, rng, depth - 1);
            a.place(end);
        }
        11 => {
            value(a, rng, depth - 1);
            value(a, rng, depth - 1);
            match rng.below(3) {
                0 => a.op(&[0x2b, 0x03]),
                1 => a.op(&[0x29]),
                _ => a.op(&[0x32, 1, 0x03, 0x02]),
            }
        }
        12 => {
            value(a, rng, depth - 1);
            value(a, rng, depth - 1);
            value(a, rng, depth - 1);
            a.op(&[0x33, 0x03, 0x11]);
        }
        _ => {
            value(a, rng, depth - 1);
            a.op(&[0x28, *rng.pick(&[0x02, 0x03, 0x13, 0x14])]);
        }
    }
}

/// gdb's `l && r` (`and`) or `l || r`, as `gen_logical_and`/`gen_logical_or` write them.
fn logical(a: &mut Asm, rng: &mut Rng, depth: u32, and: bool) {
    let (first, second, end) = (a.label(), a.label(), a.label());
    value(a, rng, depth - 1);
    if and {
        // l; if_goto first; goto false; first: r; if_goto second; goto false; second: 1; goto end; false: 0; end:
        let no = a.label();
        a.jump(0x20, first);
        a.jump(0x21, no);
        a.place(first);
        value(a, rng, depth - 1);
        a.jump(0x20, second);
        a.jump(0x21, no);
        a.place(second);
        a.op(&[0x22, 1]);
        a.jump(0x21, end);
        a.place(no);
        a.op(&[0x22, 0]);
    } else {
        // l; if_goto yes; r; if_goto yes; 0; goto end; yes: 1; end:
        a.jump(0x20, first);
        value(a, rng, depth - 1);
        a.jump(0x20, first);
        a.op(&[0x22, 0]);
        a.jump(0x21, end);
        a.place(first);
        a.op(&[0x22, 1]);
        let _ = second;
    }
    a.place(end);
}

fn program(rng: &mut Rng) -> Vec<u8> {
    let mut a = Asm { bytes: Vec::new(), labels: Vec::new(), jumps: Vec::new() };
    let depth = 1 + rng.below(4) as u32;
    value(&mut a, rng, depth);
    if rng.one_in(8) {
        value(&mut a, rng, 1);
    }
    a.op(&[0x27]);
    a.finish()
}

/// Registers that point into the memory (or just past it) more often than not, and random memory.
fn state(rng: &mut Rng) -> Vec<u8> {
    let mut bytes: Vec<u8> = (0..STATE_LEN).map(|_| rng.next_u64() as u8).collect();
    for word in bytes.chunks_mut(8).take(20) {
        let v = match rng.below(4) {
            0 | 1 => MEMORY + rng.below(STATE_LEN + 16) as u64,
            2 => rng.below(4) as u64,
            _ => rng.next_u64(),
        };
        word.copy_from_slice(&v.to_le_bytes());
    }
    bytes
}

#[test]
fn translations_agree_with_the_program() {
    let mut rng = Rng::new(0x6764_6261_6765_6e74);
    let (mut total, mut translated, mut failing, mut true_ones) = (0, 0, 0, 0);
    for _ in 0..3000 {
        let bytes = program(&mut rng);
        let program = Program::parse(&bytes).unwrap_or_else(|e| panic!("{bytes:02x?}: {e}"));
        total += 1;
        let Some(masm) = program.to_masm(&register_name) else { continue };
        translated += 1;
        for _ in 0..4 {
            match agree(&program, &masm, &state(&mut rng)) {
                Err(()) => failing += 1,
                Ok(true) => true_ones += 1,
                Ok(false) => {}
            }
        }
    }
    // Not vacuous: most programs translate, and the states give all three outcomes.
    assert!(translated * 10 > total * 8, "{translated} of {total} translated");
    assert!(failing > 500 && true_ones > 500, "{failing} failing, {true_ones} true");
    eprintln!("{translated} of {total} translated; on 4 states each: {failing} failing, {true_ones} true");
}

#[test]
fn arbitrary_bytes_never_panic() {
    let mut rng = Rng::new(0x7061_7273_6520_6279);
    let valid: Vec<Vec<u8>> = (0..200).map(|_| program(&mut rng)).collect();
    for i in 0..20_000 {
        let bytes: Vec<u8> = if i % 2 == 0 {
            let len = rng.below(24);
            (0..len).map(|_| if rng.one_in(3) { rng.next_u64() as u8 } else { rng.below(0x36) as u8 }).collect()
        } else {
            // A valid program, mutated: a byte changed, or cut short.
            let mut bytes = rng.pick(&valid).clone();
            let at = rng.below(bytes.len());
            if rng.one_in(3) {
                bytes.truncate(at);
            } else {
                bytes[at] = rng.next_u64() as u8;
            }
            bytes
        };
        let Ok(program) = Program::parse(&bytes) else { continue };
        let state = state(&mut rng);
        let _ = program.evaluate(&mut Thread(Context::new(&state)));
        if let Some(masm) = program.to_masm(&register_name) {
            let _ = agree(&program, &masm, &state);
        }
    }
}
