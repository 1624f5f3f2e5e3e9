#!/usr/bin/env bash
# Installs what rdb's build and tests need beyond rustup's Rust, on Debian 12. Idempotent: it installs nothing
# when everything is already there.
#   - gcc, g++, libc6-dev: the test debuggees (tests/debuggees/*.c) and the demo are C programs; the symbol tests
#     build a C++ one.
#   - gdb, binutils (nm): the symbol and unwinding tests cross-check rdb's answers against them.
#   - libc6-dbg: libc's separate debug info, so stacks through libc name its internal functions and lines.
#   - gcc-mingw-w64-x86-64: PE executables with DWARF, for the PE symbol and .pdata unwinding tests and the Windows
#     debuggees (tests/debuggees-windows); also the linker of rdb.exe.
#   - g++-mingw-w64-x86-64-win32: the C++ debuggees built for Windows (C++ exceptions through mingw's libstdc++).
#   - rustc-web, cargo-web, rust-web-src: Debian's Rust 1.96 with the standard library's source, which
#     `cargo xtask build-windows` builds for x86_64-pc-windows-gnu (rustup's toolchain has no Windows std here).
#   - wine64: runs rdb.exe and the Windows debuggees for the Windows test suite.
#   - clang-14: debuggees built by clang as well as gcc (its DWARF 5: rbp frame bases, DW_OP_addrx), for the
#     source-level tests.
#   - lld-14, llvm-14: Windows debuggees whose symbols are in a PDB (clang-14 -gcodeview linked by lld-link-14 or
#     ld.lld-14; tests/debuggees-windows/wpdb*.c and .cc), and llvm-pdbutil-14, the PDB tests' oracle.
#   - gdbserver, lldb-16 (with lldb-server-16): the gdb remote server's tests drive rdb --gdbserver with real gdb and
#     lldb, and its bench line compares it with gdbserver.
#   - gdb-multiarch: a gdb that knows Windows targets, for driving rdb.exe --gdbserver under Wine.
#   - python3, python3-venv, python3-dev: the Python package (crates/rdb-python) is built and tested in a virtual
#     environment (maturin and pytest come from PyPI into it); its Rust unit tests link libpython.
set -euo pipefail

need=()
command -v gcc >/dev/null 2>&1 || need+=(gcc)
command -v g++ >/dev/null 2>&1 || need+=(g++)
command -v gdb >/dev/null 2>&1 || need+=(gdb)
command -v nm >/dev/null 2>&1 || need+=(binutils)
command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || need+=(gcc-mingw-w64-x86-64)
command -v x86_64-w64-mingw32-g++ >/dev/null 2>&1 || need+=(g++-mingw-w64-x86-64-win32)
[ -e /usr/include/stdio.h ] || need+=(libc6-dev)
[ -d /usr/lib/debug/.build-id ] || need+=(libc6-dbg)
[ -x /usr/bin/rustc ] || need+=(rustc-web)
[ -x /usr/bin/cargo ] || need+=(cargo-web)
[ -d /usr/lib/rustlib/src/rust/library/std ] || need+=(rust-web-src)
[ -x /usr/lib/wine/wine64 ] || need+=(wine64)
command -v clang-14 >/dev/null 2>&1 || need+=(clang-14)
command -v lld-link-14 >/dev/null 2>&1 || need+=(lld-14)
command -v llvm-pdbutil-14 >/dev/null 2>&1 || need+=(llvm-14)
command -v gdbserver >/dev/null 2>&1 || need+=(gdbserver)
command -v lldb-16 >/dev/null 2>&1 || need+=(lldb-16)
command -v gdb-multiarch >/dev/null 2>&1 || need+=(gdb-multiarch)
command -v python3 >/dev/null 2>&1 || need+=(python3)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
[ -n "$(ls /usr/include/python3*/Python.h 2>/dev/null)" ] || need+=(python3-dev)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)

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

# The DAP scenarios' client (tests/dap): installed once, again only when the lock file changes.
dap_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/dap"
if [ ! -d "$dap_dir/node_modules/@vscode/debugadapter-testsupport" ] \
    || [ "$dap_dir/package-lock.json" -nt "$dap_dir/node_modules/.package-lock.json" ]; then
    echo "setup: installing the DAP test client (npm ci in tests/dap)"
    (cd "$dap_dir" && npm ci --no-audit --no-fund)
fi
