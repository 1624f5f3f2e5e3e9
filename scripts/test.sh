#!/usr/bin/env bash
# Runs the whole test suite: unit tests of every crate and the integration tests of crates/rdb/tests, which
# build the debuggees of tests/debuggees and drive the rdb binary under real ptrace, and build the debuggees of
# tests/debuggees-windows with mingw-w64 and drive rdb.exe under Wine; then the Python package's pytest suite.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

# rdb.exe for the Windows tests, built before them so its build does not compete with running tests (the tests
# would build it themselves). Should it fail, the Linux tests still run and the Windows ones report why.
if exe="$(cargo xtask build-windows | tail -n 1)"; then
    export RDB_WINDOWS_EXE="$exe"
else
    echo "test: cargo xtask build-windows failed; the Windows tests will fail" >&2
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT

set +e
cargo test --workspace --no-fail-fast 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# The engine is a library other programs drive (issue 18): its documentation builds without a warning.
if ! RUSTDOCFLAGS="-D warnings" cargo doc --quiet -p rdb-engine --no-deps 2>&1 | tee -a "$log"; then
    echo "test: the engine's documentation has warnings (cargo doc -p rdb-engine --no-deps)" >&2
    status=1
fi

# The Python package (crates/rdb-python) in a virtual environment of its own: maturin and pytest from PyPI, the
# package built from this tree (debug, sharing the build above) and installed into it, its tests run there.
pyenv="${CARGO_TARGET_DIR:-target}/pyenv"
set +e
(
    set -e
    [ -x "$pyenv/bin/python" ] || python3 -m venv "$pyenv"
    "$pyenv/bin/pip" install --quiet --upgrade "maturin>=1.9.4,<2" pytest
    VIRTUAL_ENV="$(cd "$pyenv" && pwd)" "$pyenv/bin/maturin" develop --quiet -m crates/rdb-python/Cargo.toml
    "$pyenv/bin/python" -m pytest -q crates/rdb-python/tests
) 2>&1 | tee -a "$log"
python_status=${PIPESTATUS[0]}
set -e
if [ "$python_status" -ne 0 ]; then
    echo "test: the Python package's tests failed" >&2
    status=1
fi

echo
echo "==== summary"
grep -E '^test result:' "$log" || true
grep -E '^[0-9]+ (passed|failed).* in [0-9.]+s' "$log" | sed 's/^/pytest: /' || true
passed=$(grep -E '^test result:' "$log" | sed -E 's/.* ([0-9]+) passed.*/\1/' | awk '{s+=$1} END {print s+0}')
failed=$(grep -E '^test result:' "$log" | sed -E 's/.* ([0-9]+) failed.*/\1/' | awk '{s+=$1} END {print s+0}')
echo "total: $passed passed, $failed failed"
exit "$status"
