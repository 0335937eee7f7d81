#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, the `fuzz` preset: clang-19 with ASan
# and UBSan) and runs each for SECONDS, starting from its seed corpus in
# fuzz/corpus/<target>. Fails on any crash, leak, timeout or out-of-memory.
#
#   scripts/fuzz.sh            every target for 600 s
#   scripts/fuzz.sh 60         every target for 60 s (CI, from scripts/test.sh)
#   FUZZ_JOBS=1 scripts/fuzz.sh 60 converters sse    these targets, one at a time
#
# New inputs that reach new code go to build/fuzz/corpus/<target> (kept between
# runs, never in the repo); a crashing input goes to build/fuzz/findings/<target>/
# and its path is printed. Reproduce one with build/fuzz/fuzz/fuzz_<target> FILE.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-600}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(lsp_stream converters session_import sse)
jobs=${FUZZ_JOBS:-2}

scripts/bootstrap.sh fuzz
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz

work=build/fuzz
mkdir -p "$work/logs"
# halt on the first report; a leak fails like a crash.
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

run() {
  local target=$1
  mkdir -p "$work/corpus/$target" "$work/findings/$target"
  touch "$work/logs/$target.start"
  # The first directory receives new inputs; the seeds are only read.
  if "$work/fuzz/fuzz_$target" "$work/corpus/$target" "fuzz/corpus/$target" \
       -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2560 -max_len=16384 \
       -print_final_stats=1 -artifact_prefix="$work/findings/$target/" >"$work/logs/$target.log" 2>&1; then
    echo "fuzz: $target ran ${seconds} s clean ($(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/logs/$target.log" | grep -o '[0-9]*$') inputs)"
  else
    echo "fuzz: $target FAILED; log $work/logs/$target.log, input(s):" >&2
    find "$work/findings/$target" -type f -newer "$work/logs/$target.start" | sed 's/^/  /' >&2
    tail -n 40 "$work/logs/$target.log" >&2
    return 1
  fi
}

status=0
pids=()
for target in "${targets[@]}"; do
  run "$target" &
  pids+=($!)
  if ((${#pids[@]} >= jobs)); then
    wait "${pids[0]}" || status=1
    pids=("${pids[@]:1}")
  fi
done
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
# A target that crashes or times out leaves its scratch database (fuzz/FuzzServer.cpp).
for dir in /dev/shm/aieditor-fuzz-* /tmp/aieditor-fuzz-*; do
  [ -d "$dir" ] && ! kill -0 "${dir##*-}" 2>/dev/null && rm -rf "$dir"
done
exit "$status"
