#!/usr/bin/env bash
# Builds one of rdb's fuzz targets (fuzz/fuzz_targets: commands, expressions, symbols) with libFuzzer's coverage
# instrumentation and runs it; prints how many inputs it ran at the end.
#
#   scripts/fuzz.sh <target> [libFuzzer options]      fuzz (until Ctrl-C, or -runs=N, -max_total_time=S)
#   scripts/fuzz.sh <target> <file>... [options]      run the given inputs once each (a crash to replay)
#
# Stable Rust is enough: cargo-fuzz's -Z flags are replaced by the codegen flags below (sancov with 8-bit counters,
# the PC table and compare tracing, as cargo-fuzz sets them), and libfuzzer-sys builds libFuzzer with g++.
# The corpus grows in fuzz/work/<target>/ (not committed), starting from the seeds in fuzz/corpus/<target>/; crashes
# go to fuzz/artifacts/<target>/. `symbols` runs in fork mode (-fork=1): its module files are kept in memory for the
# life of the process by design (see fuzz/fuzz_targets/symbols.rs), and fork mode ends each child after a while.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 1 ]; then
    echo "usage: scripts/fuzz.sh <commands|expressions|symbols> [<input file>...] [libFuzzer options]" >&2
    exit 2
fi
target="$1"
shift
case "$target" in
    commands) defaults=(-max_len=2048 -dict=fuzz/dicts/commands.dict) ;;
    expressions) defaults=(-max_len=1024 -dict=fuzz/dicts/expressions.dict) ;;
    symbols) defaults=(-fork=1) ;;
    *)
        echo "fuzz.sh: no target '$target': commands, expressions or symbols" >&2
        exit 2
        ;;
esac

bash scripts/setup.sh

triple="$(rustc -vV | sed -n 's/^host: //p')"
export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions -Coverflow-checks"
# An explicit --target keeps RUSTFLAGS off build scripts; the target directory is the fuzz package's own.
cargo build --release --manifest-path fuzz/Cargo.toml --target "$triple" --target-dir fuzz/target --bin "$target"
binary="fuzz/target/$triple/release/$target"

if [ $# -gt 0 ] && [ -f "$1" ]; then
    exec "$binary" "$@"
fi

work="fuzz/work/$target"
mkdir -p "$work" "fuzz/artifacts/$target"
log="fuzz/work/$target.log"
set +e
"$binary" "$work" "fuzz/corpus/$target" -artifact_prefix="fuzz/artifacts/$target/" -print_final_stats=1 \
    "${defaults[@]}" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# The number of inputs run: libFuzzer's final statistics, or in fork mode the parent's last report (the children's
# runs added up).
runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
[ -n "$runs" ] || runs="$(sed -n 's/^#\([0-9]*\): cov:.*/\1/p' "$log" | tail -n 1)"
coverage="$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -n 1)"
echo "fuzz.sh: $target: ${runs:-0} inputs run; ${coverage:-no coverage reported}; corpus $(find "$work" -type f | wc -l) files in $work"
exit "$status"
