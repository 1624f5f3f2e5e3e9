//! rust_demo: a Rust debuggee for demangling. `rust_demo::add` (never inlined) is called from main, and
//! `rust_demo::shapes::area` lives in a module. `<rust_demo::Square as rust_demo::Shape>::sides`, a trait method,
//! has a legacy-mangled name full of `$LT$`, `..` and `$u20$` (`_ZN..._$LT$rust_demo..Square$u20$as$u20$...`).
//! Prints "sum=5 area=12" and exits 0.

mod shapes {
    #[inline(never)]
    pub fn area(width: u64, height: u64) -> u64 {
        width * height
    }
}

trait Shape {
    fn sides(&self) -> u64;
}

struct Square;

impl Shape for Square {
    #[inline(never)]
    fn sides(&self) -> u64 {
        4
    }
}

#[inline(never)]
fn add(a: u64, b: u64) -> u64 {
    a + b
}

fn main() {
    let sum = add(2, 3);
    let area = shapes::area(3, 4) * (Square.sides() / 4);
    println!("sum={} area={}", sum, area);
}
