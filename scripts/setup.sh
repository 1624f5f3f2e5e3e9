#!/usr/bin/env bash
# Installs what rdb's build and tests need beyond rustup's Rust, on Debian 12. Idempotent: it installs nothing
# when everything is already there.
#   - gcc and libc6-dev: the test debuggees (tests/debuggees/*.c) and the demo are C programs.
set -euo pipefail

need=()
command -v gcc >/dev/null 2>&1 || need+=(gcc)
[ -e /usr/include/stdio.h ] || need+=(libc6-dev)

if [ "${#need[@]}" -gt 0 ]; then
    echo "setup: installing ${need[*]}"
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        sudo="sudo"
    fi
    $sudo apt-get update
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y gcc libc6-dev
fi

if ! command -v cargo >/dev/null 2>&1 || ! command -v rustc >/dev/null 2>&1; then
    echo "setup: cargo and rustc are needed (install Rust with rustup)" >&2
    exit 1
fi
