// rust_values_o1: rust_values.rs built at opt-level=1 (rustc's values as an optimized build leaves them).
// rdb-build: -C opt-level=1
include!("rust_values.rs");
