#!/usr/bin/env bash
# Builds one of rdb's fuzz targets (fuzz/fuzz_targets: commands, expressions, cxx, gdb_packets, dumps, symbols) with libFuzzer's coverage
# instrumentation and runs it; prints how many inputs it ran at the end.
#
#   scripts/fuzz.sh <target> [libFuzzer options]      fuzz (until Ctrl-C, or -runs=N, -max_total_time=S)
#   scripts/fuzz.sh <target> <file>... [options]      run the given inputs once each (a crash to replay)
#
# Stable Rust is enough: cargo-fuzz's -Z flags are replaced by the codegen flags below (sancov with 8-bit counters,
# the PC table and compare tracing, as cargo-fuzz sets them), and libfuzzer-sys builds libFuzzer with g++.
# The corpus grows in fuzz/work/<target>/ (not committed), starting from the seeds in fuzz/corpus/<target>/; crashes
# go to fuzz/artifacts/<target>/; libFuzzer's output to fuzz/work/<target>.log.
#
# `symbols` keeps every module file it loads in memory for the life of its process (the symbol layer's design, see
# fuzz/fuzz_targets/symbols.rs), so it runs as a series of processes of RECYCLE_RUNS inputs each, each starting
# from the corpus the last one left (merged down every tenth process): -runs and -max_total_time count for the
# whole series.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 1 ]; then
    echo "usage: scripts/fuzz.sh <commands|expressions|cxx|gdb_packets|dumps|symbols> [<input file>...] [libFuzzer options]" >&2
    exit 2
fi
target="$1"
shift
recycle_runs=0
case "$target" in
    commands) defaults=(-max_len=2048 -dict=fuzz/dicts/commands.dict) ;;
    expressions) defaults=(-max_len=1024 -dict=fuzz/dicts/expressions.dict) ;;
    cxx) defaults=(-max_len=1024 -dict=fuzz/dicts/cxx.dict) ;;
    gdb_packets) defaults=(-max_len=4096 -dict=fuzz/dicts/gdb_packets.dict) ;;
    # Seeds: the kernel's core of a static program with no C library (a null write two frames down), and minidumps.
    dumps) defaults=(-max_len=262144) ;;
    symbols)
        defaults=()
        recycle_runs="${RECYCLE_RUNS:-30000}"
        ;;
    *)
        echo "fuzz.sh: no target '$target': commands, expressions, cxx, gdb_packets, dumps or symbols" >&2
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
: >"$log"

# The totals asked for, taken out of the options when processes are recycled (each is given what is left).
runs_wanted=-1
time_wanted=0
options=()
for option in "$@"; do
    case "$option" in
        -runs=*) runs_wanted="${option#-runs=}" ;;
        -max_total_time=*) time_wanted="${option#-max_total_time=}" ;;
        *) options+=("$option") ;;
    esac
done

# One libFuzzer process; appends its output to the log.
fuzz() {
    "$binary" "$work" "fuzz/corpus/$target" -artifact_prefix="fuzz/artifacts/$target/" -print_final_stats=1 \
        "${defaults[@]}" "${options[@]}" "$@" 2>&1 | tee -i -a "$log"
    return "${PIPESTATUS[0]}"
}

# The inputs run so far: each process's final statistics added up (with -fork, the parent's last report, which
# adds up its children's).
runs_of_log() {
    if grep -q '^stat::number_of_executed_units:' "$log"; then
        sed -n 's/^stat::number_of_executed_units: *//p' "$log" | awk '{s += $1} END {print s + 0}'
    else
        sed -n 's/^#\([0-9]*\): cov:.*/\1/p' "$log" | awk '{n = $1} END {print n + 0}'
    fi
}

start=$SECONDS
status=0
processes=0
if [ "$recycle_runs" -eq 0 ]; then
    limits=()
    [ "$runs_wanted" -ge 0 ] && limits+=(-runs="$runs_wanted")
    [ "$time_wanted" -gt 0 ] && limits+=(-max_total_time="$time_wanted")
    fuzz "${limits[@]}" || status=$?
else
    while true; do
        done_runs="$(runs_of_log)"
        this=$recycle_runs
        if [ "$runs_wanted" -ge 0 ]; then
            [ "$done_runs" -ge "$runs_wanted" ] && break
            this=$((runs_wanted - done_runs < recycle_runs ? runs_wanted - done_runs : recycle_runs))
        fi
        limits=(-runs="$this")
        if [ "$time_wanted" -gt 0 ]; then
            left=$((time_wanted - (SECONDS - start)))
            [ "$left" -le 0 ] && break
            limits+=(-max_total_time="$left")
        fi
        fuzz "${limits[@]}" || status=$?
        [ "$status" -eq 0 ] || break
        processes=$((processes + 1))
        # Each process starts from every file the others left and deletes none of them, even those it reduced:
        # every tenth time, the corpus is merged down to the files that add coverage.
        if [ $((processes % 10)) -eq 0 ]; then
            rm -rf "$work.merged"
            mkdir "$work.merged"
            "$binary" -merge=1 "$work.merged" "$work" >"$work.merge.log" 2>&1
            rm -rf "$work"
            mv "$work.merged" "$work"
        fi
    done
fi

runs="$(runs_of_log)"
coverage="$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -n 1)"
seconds=$((SECONDS - start))
echo "fuzz.sh: $target: $runs inputs run in ${seconds}s ($((runs / (seconds > 0 ? seconds : 1)))/s);" \
    "${coverage:-no coverage reported}; corpus $(find "$work" -type f | wc -l) files in $work"
exit "$status"
