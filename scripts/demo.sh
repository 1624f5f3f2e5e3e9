#!/usr/bin/env bash
# A real rdb session on examples/demo.c: break in sum_list, show the stack with each frame's parameters, the
# variables and the list they point to (from DWARF), the registers, the stack memory and a global string, return
# to main (the sum, 55 = 0x37, is in rax) and quit.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
cargo build --release
target="${CARGO_TARGET_DIR:-target}"

# rdb names a module after its file: the program is called `demo`, so its symbols are `demo!...`.
mkdir -p "$target/demo"
gcc -g -O0 -fno-omit-frame-pointer -o "$target/demo/demo" examples/demo.c

commands="bp demo!sum_list; g; kp; dv /t; dx -r2 head; ?? head->value * 2; r; dq @rsp L4; db demo!banner L20; gu; r rax; q"
echo "\$ rdb -c \"$commands\" $target/demo/demo"
"$target/release/rdb" -c "$commands" "$target/demo/demo"
