// rust_dyn: Rust trait objects (`&dyn Shape`, `Box<dyn Shape>`) for dynamic types: each names its concrete type
// through its vtable. main prints the values (the tests' oracle) and stops at the marked "show" line.
trait Shape {
    fn area(&self) -> f64;
}

struct Circle {
    radius: f64,
}

struct Rect {
    w: i32,
    h: i32,
}

impl Shape for Circle {
    fn area(&self) -> f64 {
        3.0 * self.radius * self.radius
    }
}

impl Shape for Rect {
    fn area(&self) -> f64 {
        (self.w * self.h) as f64
    }
}

fn main() {
    let c = Circle { radius: 2.5 };
    let r: &dyn Shape = &c;
    let b: Box<dyn Shape> = Box::new(Rect { w: 3, h: 4 });
    println!("radius={} w={} h={} areas={} {}", c.radius, 3, 4, r.area(), b.area());
    let total = r.area() + b.area(); /* @show */
    std::process::exit((total as i32) & 0x7f);
}
