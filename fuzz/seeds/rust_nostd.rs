// The Rust seed of the symbols fuzz target: rust_demo's functions without the standard library, so the binary
// (DWARF, mangled names, CFI) is a few kilobytes rather than the four megabytes std's debug information makes.
#![no_std]
#![no_main]

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

#[no_mangle]
pub extern "C" fn _start() -> ! {
    let _ = add(2, 3) + shapes::area(3, 4);
    loop {}
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}
