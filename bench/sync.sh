#!/usr/bin/env bash
# Sync's benchmark (issue 15): aieditor syncing through aieditor-backend, each
# figure beside its reference, in one run.
#
#   bench/sync.sh           full run (about a minute), writes the sync part of docs/benchmarks.md
#   bench/sync.sh --smoke   tiny counts (seconds), writes build/release/benchmarks-sync-smoke.md
#
# Builds aieditor, aieditor-backend and the benchmark (bench/sync/, the CMake
# target bench-sync) with the release preset into build/release, and runs it
# under a time limit. Nothing asserts a time. See bench/README.md.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

smoke=0
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=1 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "bench/sync.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

log() { printf 'bench/sync: %s\n' "$*" >&2; }

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
log "building aieditor, aieditor-backend and bench-sync (release preset) into build/release"
cmake --preset release "${launcher[@]}" >/dev/null
cmake --build build/release --target aieditor aieditor-backend bench-sync -j2 >/dev/null

if [ "$smoke" = 1 ]; then
  out=build/release/benchmarks-sync-smoke.md work=build/release/bench-sync-smoke limit=300 cmd="bench/sync.sh --smoke"
else
  out=docs/benchmarks.md work=build/release/bench-sync-work limit=1200 cmd="bench/sync.sh"
fi
args=(--server "$root/build/release/server/aieditor" --backend "$root/build/release/backend/aieditor-backend"
      --work "$work" --out "$out" --command "$cmd")
[ "$smoke" = 1 ] && args+=(--smoke)
status=0
timeout --kill-after=10 "$limit" build/release/bench/sync/bench-sync "${args[@]}" || status=$?
rm -rf "$work"  # the run's databases
exit $status
