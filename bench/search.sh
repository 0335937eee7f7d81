#!/usr/bin/env bash
# Search's benchmark (issue 18): search/query over 1,000,000 messages in
# 2,000 sessions beside ripgrep over the same messages as JSON files,
# messages/add with and without the index, and the index's size, in one run.
#
#   bench/search.sh           full run (several minutes), writes the search part of docs/benchmarks.md
#   bench/search.sh --smoke   tiny counts (seconds), writes build/release/benchmarks-search-smoke.md
#
# Builds aieditor and the benchmark (bench/search/, the CMake target
# bench-search) with the release preset into build/release, installs ripgrep
# when missing (scripts/bootstrap.sh), and runs it under a time limit.
# Nothing asserts a time. See bench/README.md.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

smoke=0
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=1 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "bench/search.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

log() { printf 'bench/search: %s\n' "$*" >&2; }

command -v rg >/dev/null || scripts/bootstrap.sh
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
log "building aieditor and bench-search (release preset) into build/release"
cmake --preset release "${launcher[@]}" >/dev/null
cmake --build build/release --target aieditor bench-search -j2 >/dev/null

if [ "$smoke" = 1 ]; then
  out=build/release/benchmarks-search-smoke.md work=build/release/bench-search-smoke limit=300 cmd="bench/search.sh --smoke"
else
  out=docs/benchmarks.md work=build/release/bench-search-work limit=3600 cmd="bench/search.sh"
fi
args=(--server "$root/build/release/server/aieditor" --work "$work" --out "$out" --command "$cmd")
[ "$smoke" = 1 ] && args+=(--smoke)
status=0
timeout --kill-after=10 "$limit" build/release/bench/search/bench-search "${args[@]}" || status=$?
rm -rf "$work"  # the corpus: a database and JSON files
exit $status
