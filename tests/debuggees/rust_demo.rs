//! rust_demo: a Rust debuggee for demangling. `rust_demo::add` (never inlined) is called from main, and
//! `rust_demo::shapes::area` lives in a module. Prints "sum=5 area=12" and exits 0.

mod shapes {
    #[inline(never)]
    pub fn area(width: u64, height: u64) -> u64 {
        width * height
    }
}

#[inline(never)]
fn add(a: u64, b: u64) -> u64 {
    a + b
}

fn main() {
    let sum = add(2, 3);
    let area = shapes::area(3, 4);
    println!("sum={} area={}", sum, area);
}
