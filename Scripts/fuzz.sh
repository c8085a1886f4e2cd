#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ (address sanitizer on) and runs each on its seed corpus.
#
# usage: Scripts/fuzz.sh [--ci] [--seconds N] [--build-only] [TARGET...]
#   TARGET      fuzz-png, fuzz-jpeg, ... (default: all, see Fuzz/Package.swift); the "fuzz-" prefix may be left off
#   --seconds N seconds per target (default 120; --ci: 5)
#   --ci        short runs; exits 0 (with a message) when the toolchain has no libFuzzer runtime
#   --build-only
# Environment: FUZZ_JOBS (build jobs, default 2), FUZZ_ARGS (extra libFuzzer flags), NICE (default 15),
#   FUZZ_BUILD_EACH=1 (build only the named targets).
#
# Each target runs in one process with -rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=10. The evolving corpus
# lives in .build-fuzz/corpus/<target> (seeded from Fuzz/corpus/<target>, which is left untouched); crash, timeout
# and out-of-memory inputs land in .build-fuzz/artifacts/<target>/. Exit status: 0 clean, 1 when some target
# found a crash/timeout/OOM (the inputs are listed), 2 on a build failure with a working fuzzer toolchain.
set -uo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SCRATCH="$ROOT/.build-fuzz"
CI=0; SECONDS_PER=""; BUILD_ONLY=0; WANT=()
while [ $# -gt 0 ]; do
    case "$1" in
        --ci) CI=1 ;;
        --seconds) SECONDS_PER="$2"; shift ;;
        --build-only) BUILD_ONLY=1 ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        fuzz-*) WANT+=("$1") ;;
        -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
        *) WANT+=("fuzz-$1") ;;
    esac
    shift
done
[ -n "$SECONDS_PER" ] || { [ $CI = 1 ] && SECONDS_PER=5 || SECONDS_PER=120; }
NICE_CMD=(nice -n "${NICE:-15}")

ALL=($(sed -n 's/^    "\(fuzz-[a-z0-9-]*\)",$/\1/p' "$ROOT/Fuzz/Package.swift"))
[ ${#WANT[@]} -gt 0 ] || WANT=("${ALL[@]}")
for t in "${WANT[@]}"; do
    [[ " ${ALL[*]} " == *" $t "* ]] || { echo "fuzz.sh: no target $t (have: ${ALL[*]})" >&2; exit 2; }
done

# 1. Does this toolchain link a Swift libFuzzer binary at all?
mkdir -p "$SCRATCH/probe"
cat > "$SCRATCH/probe/probe.swift" <<'SWIFT'
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt { 0 }
SWIFT
if ! "${NICE_CMD[@]}" swiftc -sanitize=fuzzer,address -parse-as-library "$SCRATCH/probe/probe.swift" \
        -o "$SCRATCH/probe/probe" > "$SCRATCH/probe/log" 2>&1; then
    echo "fuzz.sh: SKIPPED: this Swift toolchain cannot build libFuzzer binaries (-sanitize=fuzzer,address):"
    sed -n '1,5p' "$SCRATCH/probe/log" | sed 's/^/    /'
    exit 0
fi

# 2. Build (the main package's targets are compiled with the same sanitizers and coverage instrumentation).
echo "fuzz.sh: building ${#WANT[@]} target(s) in $SCRATCH"
# --sanitize=fuzzer tells SwiftPM not to rename the executables' `main` (libFuzzer supplies it). The sanitizers
# themselves come as one combined -Xswiftc flag, which follows SwiftPM's own: with two separate flags
# (--sanitize=fuzzer --sanitize=address) the second overrides the first for the compiler and the objects get no
# coverage instrumentation (libFuzzer then runs blind: "no interesting inputs were found").
BUILD_ARGS=(--package-path "$ROOT/Fuzz" --scratch-path "$SCRATCH" --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address
            -j "${FUZZ_JOBS:-2}")
PRODUCTS=("")                                   # all targets in one (incremental) build
[ "${FUZZ_BUILD_EACH:-0}" = 1 ] && PRODUCTS=("${WANT[@]}")   # only the named ones (a cold build, fewer links)
for t in "${PRODUCTS[@]}"; do
    log="$SCRATCH/build${t:+-$t}.log"
    if ! "${NICE_CMD[@]}" swift build "${BUILD_ARGS[@]}" ${t:+--product "$t"} > "$log" 2>&1; then
        grep -v 'ld.gold: warning' "$log" | tail -20
        echo "fuzz.sh: FAILED to build ${t:-the fuzz targets} (log: $log)"
        exit 2
    fi
done
BIN="$("${NICE_CMD[@]}" swift build "${BUILD_ARGS[@]}" --show-bin-path)"
[ $BUILD_ONLY = 1 ] && { echo "fuzz.sh: built into $BIN"; exit 0; }

# 3. Run each target, one at a time.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1}"
# The Swift runtime's own crash handler would race libFuzzer's (and trips ASan reading the crashed stack).
export SWIFT_BACKTRACE=enable=no
FOUND=0
printf '%-20s %10s %6s %7s %7s %8s  %s\n' target execs secs cov ft crashes artifacts > "$SCRATCH/summary.txt"
for t in "${WANT[@]}"; do
    corpus="$SCRATCH/corpus/$t"; art="$SCRATCH/artifacts/$t"; log="$SCRATCH/run-$t.log"
    mkdir -p "$corpus" "$art"
    [ -d "$ROOT/Fuzz/corpus/$t" ] && cp -n "$ROOT/Fuzz/corpus/$t"/* "$corpus"/ 2>/dev/null
    before=$(ls "$art" | wc -l)
    echo "fuzz.sh: $t for ${SECONDS_PER}s"
    start=$(date +%s)
    # shellcheck disable=SC2086
    "${NICE_CMD[@]}" "$BIN/$t" -max_total_time="$SECONDS_PER" -rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=10 \
        -print_final_stats=1 -artifact_prefix="$art/" ${FUZZ_ARGS:-} "$corpus" > "$log" 2>&1
    rc=$?
    secs=$(( $(date +%s) - start ))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<< "$last"); ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<< "$last")
    [ -n "$execs" ] || execs=$(sed -n 's/^#\([0-9]*\).*/\1/p' <<< "$last")
    new=$(( $(ls "$art" | wc -l) - before ))
    crashes=$new
    # A non-zero exit without an artifact is still a failure worth showing (e.g. a deadly signal in libFuzzer).
    if [ $rc -ne 0 ] && [ $new -eq 0 ]; then
        if grep -qE 'ERROR: (libFuzzer|AddressSanitizer)|==ERROR|Fatal error|deadly signal' "$log"; then crashes=1; fi
    fi
    list=$(ls -t "$art" | head -"$new" | tr '\n' ' ')
    printf '%-20s %10s %6s %7s %7s %8s  %s\n' "$t" "${execs:-?}" "$secs" "${cov:-?}" "${ft:-?}" "$crashes" "$list" >> "$SCRATCH/summary.txt"
    if [ "$crashes" -gt 0 ]; then
        FOUND=1
        echo "fuzz.sh: $t FOUND $crashes problem input(s) in $art (log: $log):"
        grep -E -m3 -A12 'ERROR:|Fatal error|==ERROR' "$log" | head -30 | sed 's/^/    /'
    fi
done
echo
cat "$SCRATCH/summary.txt"
exit $FOUND
