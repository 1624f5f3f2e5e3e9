#!/usr/bin/env bash
# Installs what rdb's build and tests need beyond rustup's Rust, on Debian 12. Idempotent: it installs nothing
# when everything is already there.
#   - gcc, g++, libc6-dev: the test debuggees (tests/debuggees/*.c) and the demo are C programs; the symbol tests
#     build a C++ one.
#   - gdb, binutils (nm): the symbol and unwinding tests cross-check rdb's answers against them.
#   - libc6-dbg: libc's separate debug info, so stacks through libc name its internal functions and lines.
#   - gcc-mingw-w64-x86-64-posix: PE executables with DWARF, for the PE symbol and .pdata unwinding tests.
set -euo pipefail

need=()
command -v gcc >/dev/null 2>&1 || need+=(gcc)
command -v g++ >/dev/null 2>&1 || need+=(g++)
command -v gdb >/dev/null 2>&1 || need+=(gdb)
command -v nm >/dev/null 2>&1 || need+=(binutils)
command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || need+=(gcc-mingw-w64-x86-64-posix)
[ -e /usr/include/stdio.h ] || need+=(libc6-dev)
[ -d /usr/lib/debug/.build-id ] || need+=(libc6-dbg)

if [ "${#need[@]}" -gt 0 ]; then
    echo "setup: installing ${need[*]}"
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        sudo="sudo"
    fi
    $sudo apt-get update
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${need[@]}"
fi

if ! command -v cargo >/dev/null 2>&1 || ! command -v rustc >/dev/null 2>&1; then
    echo "setup: cargo and rustc are needed (install Rust with rustup)" >&2
    exit 1
fi
