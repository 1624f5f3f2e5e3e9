#!/usr/bin/env bash
# Rebuilds the binary seeds of the symbols and dumps fuzz targets (fuzz/corpus/) from the suite's debuggee sources,
# the smallest builds that cover each loader: ELF with DWARF from gcc (also optimised, and with zlib-compressed
# debug sections) and g++, Rust (legacy and v0 mangling), PE with DWARF, .pdata and imports from mingw-w64, and a
# PE DLL's exports. Also the module of the in-memory process (crates/rdb-fuzzkit/data/hello), built as the suite
# builds hello. Needs what scripts/setup.sh installs. The seeds are committed: run this only to refresh them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

out=fuzz/corpus/symbols
src=tests/debuggees
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"

gcc -g -O0 -fno-omit-frame-pointer -pthread -o crates/rdb-fuzzkit/data/hello "$src/hello.c"
cp crates/rdb-fuzzkit/data/hello "$out/elf-gcc-dwarf"
gcc -g -gz=zlib -O0 -o "$out/elf-gcc-dwarf-zlib" "$src/hello.c"
gcc -g -O2 -fomit-frame-pointer -o "$out/elf-gcc-dwarf-O2" "$src/frames.c"
g++ -g -O0 -o "$out/elf-gxx-dwarf" "$src/cxx.cc"

# no_std, so core's debug information stays out; overflow checks off, so no panic path pulls core's code in.
rust=(-g -C opt-level=0 -C overflow-checks=off -C panic=abort -C link-arg=-nostartfiles -C link-arg=-nostdlib
    -C link-arg=-Wl,--defsym,rust_eh_personality=0)
rustc "${rust[@]}" -o "$out/elf-rust-legacy" fuzz/seeds/rust_nostd.rs
rustc "${rust[@]}" -C symbol-mangling-version=v0 -o "$out/elf-rust-v0" fuzz/seeds/rust_nostd.rs

# Without the C runtime (and its debug information): main is the entry, msvcrt gives puts and printf, and gcc's
# call to __main (the constructors) gets an empty one.
echo 'void __main(void) {}' > "$tmp/main.c"
x86_64-w64-mingw32-gcc -g -O0 -fno-omit-frame-pointer -D__USE_MINGW_ANSI_STDIO=0 -nostartfiles -nodefaultlibs \
    -Wl,-e,main -o "$out/pe-mingw-dwarf.exe" "$src/hello.c" "$tmp/main.c" -lmsvcrt
x86_64-w64-mingw32-gcc -g -O0 -shared -nostdlib -Wl,-e,0 -o "$out/pe-dll-exports.dll" \
    tests/debuggees-windows/wplugin.c
ls -l "$out"

# The dumps target's seed: the kernel's core of a static program without the C library that writes through null
# (the kernel writes it where kernel.core_pattern says: here, `core` in the working directory).
dumps=fuzz/corpus/dumps
mkdir -p "$dumps"
gcc -g -O0 -fno-omit-frame-pointer -static -nostdlib -o "$tmp/crash" fuzz/seeds/crash_nostdlib.c
(cd "$tmp" && ulimit -c unlimited && { ./crash || true; })
cp "$tmp/core" "$dumps/core-kernel-static-nostdlib"
# And rdb's own small minidump of the same program at the same fault (Breakpad's Linux flavour).
cargo build -q -p rdb
"${CARGO_TARGET_DIR:-target}/debug/rdb" -c ".dump /m $tmp/crash.dmp; q" -g "$tmp/crash" >/dev/null
cp "$tmp/crash.dmp" "$dumps/minidump-rdb-small-static-nostdlib"
ls -l "$dumps"
