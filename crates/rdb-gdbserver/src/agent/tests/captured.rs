//! Real bytecode, captured from gdb 13.1 talking to gdbserver (`set breakpoint condition-evaluation target`,
//! `set remotelogfile`, the `Z0` packet's `X<len>,<hex>`), for conditions on this program built with `gcc -g -O0`,
//! with a breakpoint at `f` (after its prologue: locals are at `rbp` + 16 (the CFA) + a DWARF offset):
//!
//! ```c
//! struct point { int x; int y; short s; char c; unsigned char uc; };
//! int g = 5; unsigned int ug = 7; long gl = -3;
//! struct point gp = { 1, 2, 3, 'a', 200 }; struct point *gptr = &gp; char buf[16] = "hello";
//! int f(int x, unsigned u, char c, short s, struct point *p, long l)
//! {
//!     int a = x + 1; int b = a * 2; unsigned char uc = (unsigned char)c; volatile int v = a + b;
//!     return a + b + uc + v + s + (int)l + (int)u + (p ? p->y : 0);
//! }
//! ```
//!
//! Every one translates to MASM, and agrees with the program on frames where it is true, false, and where a
//! pointer it follows is null (the globals live at 0x5555_5555_8010.., outside the test's memory: reading them
//! fails on both sides).

use rdb_fuzzkit::expressions::MEMORY;

use super::support::{State, agree, register_name, unhex};
use crate::agent::Program;

/// `rbp` in the test frames; the memory is 0x1000..0x1200.
const RBP: u64 = MEMORY + 0x100;
/// Where `p` points when it is not null.
const POINT: u64 = MEMORY + 0x180;

/// f's locals and arguments, and the point `p` may point to.
#[derive(Clone, Copy)]
struct Frame {
    x: i32,
    a: i32,
    b: i32,
    c: i8,
    s: i16,
    u: u32,
    uc: u8,
    p: u64,
    l: i64,
    point: (i32, i32, i16, i8, u8),
    rax: u64,
    rdi: u64,
    rsi: u64,
}

const FRAME: Frame = Frame {
    x: 5,
    a: 1,
    b: 2,
    c: 0x7a,
    s: -4,
    u: 9,
    uc: 122,
    p: POINT,
    l: 40,
    point: (4, 2, 3, 97, 200),
    rax: 1,
    rdi: 5,
    rsi: 9,
};

impl Frame {
    fn state(&self) -> Vec<u8> {
        let mut s = State::new(0x200);
        s.set_register(0, self.rax).set_register(4, self.rsi).set_register(5, self.rdi).set_register(6, RBP);
        s.set_register(7, RBP - 0x40);
        s.write_at(RBP - 20, &self.x.to_le_bytes())
            .write_at(RBP - 4, &self.a.to_le_bytes())
            .write_at(RBP - 8, &self.b.to_le_bytes())
            .write_at(RBP - 28, &self.c.to_le_bytes())
            .write_at(RBP - 32, &self.s.to_le_bytes())
            .write_at(RBP - 24, &self.u.to_le_bytes())
            .write_at(RBP - 9, &[self.uc])
            .write_at(RBP - 40, &self.p.to_le_bytes())
            .write_at(RBP - 48, &self.l.to_le_bytes());
        let (x, y, ps, pc, puc) = self.point;
        s.write_at(POINT, &x.to_le_bytes())
            .write_at(POINT + 4, &y.to_le_bytes())
            .write_at(POINT + 8, &ps.to_le_bytes())
            .write_at(POINT + 10, &pc.to_le_bytes())
            .write_at(POINT + 11, &[puc]);
        s.0
    }
}

/// The C condition, the program gdb sent for it, and what it gives on frames: `Some(truth)`, or `None` where
/// reading fails.
struct Case {
    c: &'static str,
    hex: &'static str,
    frames: Vec<(Frame, Option<bool>)>,
}

fn cases() -> Vec<Case> {
    let f = FRAME;
    let null = Frame { p: 0, ..f };
    let wild = Frame { p: 0xdead_0000, ..f };
    let case = |c, hex, frames| Case { c, hex, frames };
    vec![
        case(
            "x == 5",
            "26000622100222dc16080219162022051327",
            vec![(f, Some(true)), (Frame { x: 6, ..f }, Some(false))],
        ),
        case(
            "a == 1 && b == 2",
            "26000622100222ec16080219162022011320001721003326000622100222e816080219162022021320002e2100332201210035220027",
            vec![(f, Some(true)), (Frame { a: 0, ..f }, Some(false)), (Frame { b: 3, ..f }, Some(false))],
        ),
        case(
            "p && p->x > 3",
            "26000622100222c81608021a20001221003026000622100222c81608021a19162022032b1420002b2100302201210032220027",
            vec![
                (f, Some(true)),
                (Frame { point: (3, 2, 3, 97, 200), ..f }, Some(false)),
                (Frame { point: (-9, 2, 3, 97, 200), ..f }, Some(false)),
                (null, Some(false)),
                (wild, None),
            ],
        ),
        case(
            "p->y < 3",
            "26000622100222c81608021a22040219162022031427",
            vec![(f, Some(true)), (Frame { point: (4, -7, 3, 97, 200), ..f }, Some(true)), (null, None)],
        ),
        case(
            "c == 0x7a",
            "26000622100222d4160802171608227a1327",
            vec![(f, Some(true)), (Frame { c: -1, ..f }, Some(false))],
        ),
        case(
            "s < -3",
            "26000622100222d016080218161022fd16081427",
            vec![(f, Some(true)), (Frame { s: -3, ..f }, Some(false)), (Frame { s: 3, ..f }, Some(false))],
        ),
        case(
            "u > 8",
            "26000622100222d81608021922082a202b1527",
            vec![(f, Some(true)), (Frame { u: 8, ..f }, Some(false)), (Frame { u: u32::MAX, ..f }, Some(true))],
        ),
        case(
            "uc == 122",
            "26000622100222e716080217227a1327",
            vec![(f, Some(true)), (Frame { uc: 0, ..f }, Some(false))],
        ),
        case(
            "g == 5 || ug != 7",
            "25000055555555801019162022051320002a2500005555555580141922072a20130e20002a220021002c220127",
            vec![(f, None)],
        ),
        case("gl < 0", "2500005555555580181a164022001427", vec![(f, None)]),
        case("gptr->c == 97", "2500005555555580401a220a0217160822611327", vec![(f, None)]),
        case(
            "l / 3 == 13",
            "26000622100222c01608021a16402203051640220d1327",
            vec![(f, Some(true)), (Frame { l: -40, ..f }, Some(false)), (Frame { l: 39, ..f }, Some(true))],
        ),
        case(
            "l % 7 == 5",
            "26000622100222c01608021a1640220707164022051327",
            vec![(f, Some(true)), (Frame { l: -40, ..f }, Some(false)), (Frame { l: 12, ..f }, Some(true))],
        ),
        case(
            "x << 2 == 20",
            "26000622100222dc160802191620220209162022141327",
            vec![(f, Some(true)), (Frame { x: 0x4000_0005, ..f }, Some(true)), (Frame { x: 4, ..f }, Some(false))],
        ),
        case("gl >> 1 == -2", "2500005555555580181a164022010a164022fe16081327", vec![(f, None)]),
        case(
            "!(x == 5)",
            "26000622100222dc1608021916202205130e27",
            vec![(f, Some(false)), (Frame { x: 0, ..f }, Some(true))],
        ),
        case("buf[1] == 101", "2500005555555580302201022a4017160822651327", vec![(f, None)]),
        case(
            "~x == -6",
            "26000622100222dc16080219162012162022fa16081327",
            vec![(f, Some(true)), (Frame { x: -6, ..f }, Some(false))],
        ),
        case("$rax == 1", "260000164022011327", vec![(f, Some(true)), (Frame { rax: 2, ..f }, Some(false))]),
        case(
            "p->uc >= 200",
            "26000622100222c81608021a220b02172300c8140e27",
            vec![(f, Some(true)), (Frame { point: (4, 2, 3, 97, 199), ..f }, Some(false)), (null, None)],
        ),
        case(
            "x != 5 && (a == 6 || b == 12)",
            "26000622100222dc1608021916202205130e20001821005226000622100222ec16080219162022061320004526000622100222e8160802191620220c132000452200210047220120004d2100522201210054220027",
            vec![
                (f, Some(false)),
                (Frame { x: 4, ..f }, Some(false)),
                (Frame { x: 4, a: 6, ..f }, Some(true)),
                (Frame { x: 4, b: 12, ..f }, Some(true)),
            ],
        ),
        case(
            "x ? a : b",
            "26000622100222dc1608021916200e20002326000622100222ec16080219162021003126000622100222e816080219162027",
            vec![
                (f, Some(true)),
                (Frame { a: 0, ..f }, Some(false)),
                (Frame { x: 0, a: 0, ..f }, Some(true)),
                (Frame { x: 0, b: 0, ..f }, Some(false)),
            ],
        ),
        case(
            "u / 2 == 4",
            "26000622100222d81608021922022a20062a2022042a201327",
            vec![(f, Some(true)), (Frame { u: 10, ..f }, Some(false))],
        ),
        case(
            "x * 3 - 1 == 14",
            "26000622100222dc16080219162022030416202201031620220e1327",
            vec![(f, Some(true)), (Frame { x: 4, ..f }, Some(false))],
        ),
        case(
            "gptr != 0 && gptr->y == 2",
            "2500005555555580401a2200130e2000142100322500005555555580401a22040219162022021320002d2100322201210034220027",
            vec![(f, None)],
        ),
        case(
            "$rdi == 5 && $rsi == 9",
            "260005164022051320000e210021260004164022091320001c2100212201210023220027",
            vec![(f, Some(true)), (Frame { rdi: 4, ..f }, Some(false)), (Frame { rsi: 4, ..f }, Some(false))],
        ),
        case(
            "l == 40 && p->s == 3",
            "26000622100222c01608021a164022281320001721003726000622100222c81608021a2208021816102203132000322100372201210039220027",
            vec![
                (f, Some(true)),
                (Frame { l: 41, ..f }, Some(false)),
                (Frame { l: 41, ..null }, Some(false)),
                (null, None),
            ],
        ),
    ]
}

#[test]
fn gdb_conditions_translate_and_agree_with_the_program() {
    for case in cases() {
        let program = Program::parse(&unhex(case.hex)).unwrap_or_else(|e| panic!("{}: {e}", case.c));
        let masm = program.to_masm(&register_name).unwrap_or_else(|| panic!("{} does not translate", case.c));
        for (frame, want) in &case.frames {
            let got = agree(&program, &masm, &frame.state()).ok();
            assert_eq!(got, *want, "{}\nMASM {masm}", case.c);
        }
    }
}

/// The translations read as a person would write them, where gdb's shapes allow.
#[test]
fn translations_read_plainly() {
    let masm = |hex: &str| Program::parse(&unhex(hex)).unwrap().to_masm(&register_name).unwrap();
    assert_eq!(masm("26000622100222dc16080219162022051327"), "(dwo((@rbp - 0x14)) == 0x5)", "x == 5");
    assert_eq!(masm("260000164022011327"), "(@rax == 0x1)", "$rax == 1");
    assert_eq!(
        masm("260005164022051320000e210021260004164022091320001c2100212201210023220027"),
        "((@rdi == 0x5) && (@rsi == 0x9))",
        "$rdi == 5 && $rsi == 9"
    );
    assert_eq!(
        masm(
            "26000622100222ec16080219162022011320001721003326000622100222e816080219162022021320002e2100332201210035220027"
        ),
        "((dwo((@rbp - 0x4)) == 0x1) && (dwo(((@rbp - 0x4) + (0xfffffffffffffffc * (dwo((@rbp - 0x4)) == 0x1)))) == 0x2))",
        "a == 1 && b == 2: b is read where a is when a != 1"
    );
}
