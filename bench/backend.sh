#!/usr/bin/env bash
# The team backend's benchmark (issue 14): aieditor-backend beside its floors, in one run.
#
#   bench/backend.sh                     full run (about 2 minutes), writes the backend part of docs/benchmarks.md
#   bench/backend.sh --smoke             tiny counts (seconds), writes build/release/benchmarks-backend-smoke.md
#   bench/backend.sh --postgres CONNINFO also measure on that PostgreSQL (its floor uses the same database)
#   bench/backend.sh --with-postgres     also measure on a throwaway PostgreSQL 15, started and stopped
#                                        by the tests' own tests/backend/postgres.sh
#
# Builds aieditor-backend and the benchmark (bench/backend/, the CMake target
# bench-backend) with the release preset into build/release, and runs it under
# a time limit. Nothing asserts a time. See bench/README.md.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

smoke=0 postgres="" throwaway=0
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=1 ;;
    --with-postgres) throwaway=1 ;;
    --postgres)
      [ $# -ge 2 ] || { echo "bench/backend.sh: --postgres needs a conninfo" >&2; exit 2; }
      postgres="$2"; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "bench/backend.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

log() { printf 'bench/backend: %s\n' "$*" >&2; }

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
log "building aieditor-backend and bench-backend (release preset) into build/release"
cmake --preset release "${launcher[@]}" >/dev/null
cmake --build build/release --target aieditor-backend bench-backend -j2 >/dev/null

if [ "$throwaway" = 1 ]; then
  [ -z "$postgres" ] || { echo "bench/backend.sh: give --postgres or --with-postgres, not both" >&2; exit 2; }
  pg_dir="$root/build/release/bench-postgres"
  log "starting a throwaway PostgreSQL 15 (tests/backend/postgres.sh)"
  tests/backend/postgres.sh start "$pg_dir"
  trap 'tests/backend/postgres.sh stop "$pg_dir"' EXIT
  postgres="$(cat "$pg_dir/conninfo")"
fi

if [ "$smoke" = 1 ]; then
  out=build/release/benchmarks-backend-smoke.md work=build/release/bench-backend-smoke limit=300 cmd="bench/backend.sh --smoke"
else
  out=docs/benchmarks.md work=build/release/bench-backend-work limit=1200 cmd="bench/backend.sh"
fi
args=(--backend "$root/build/release/backend/aieditor-backend" --work "$work" --out "$out")
[ "$smoke" = 1 ] && args+=(--smoke)
# The conninfo may hold a password: it goes to the program, never into the report's command line.
if [ "$throwaway" = 1 ]; then args+=(--postgres "$postgres"); cmd="$cmd --with-postgres"
elif [ -n "$postgres" ]; then args+=(--postgres "$postgres"); cmd="$cmd --postgres …"; fi
args+=(--command "$cmd")
status=0
timeout --kill-after=10 "$limit" build/release/bench/backend/bench-backend "${args[@]}" || status=$?
rm -rf "$work"  # the run's databases
exit $status
