#!/usr/bin/env bash
# Runs clang-tidy with the repository's .clang-tidy over every source of
# protocol/src and server/src; exits non-zero on any warning.
#
#   scripts/lint.sh              uses build/dev's compile_commands.json (configures it if missing)
#   scripts/lint.sh BUILD_DIR    uses BUILD_DIR's
#   CLANG_TIDY=clang-tidy-18 scripts/lint.sh
#
# clang-tidy 16 or newer is needed: clang 14 and 15 cannot compile libstdc++
# 12's <expected>. Without one, Debian's clang-tidy-19 is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

build=${1:-build/dev}
if [ ! -f "$build/compile_commands.json" ]; then
  if [ "$build" = build/dev ]; then
    cmake --preset dev >/dev/null  # configure only: nothing is built
  else
    echo "lint: $build/compile_commands.json not found; configure $build first" >&2
    exit 2
  fi
fi

tidy=${CLANG_TIDY:-}
if [ -z "$tidy" ]; then
  for v in 19 18 17 16; do
    if command -v "clang-tidy-$v" >/dev/null; then tidy=clang-tidy-$v; break; fi
  done
fi
if [ -z "$tidy" ]; then
  echo "lint: installing clang-tidy-19" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends clang-tidy-19 >&2
  tidy=clang-tidy-19
fi
version=$("$tidy" --version | sed -n 's/.*version \([0-9]*\).*/\1/p' | head -1)
if [ "${version:-0}" -lt 16 ]; then
  echo "lint: $tidy is version $version; 16 or newer is needed" >&2
  exit 2
fi

jobs=$(nproc)
runner="run-${tidy}"
if command -v "$runner" >/dev/null; then
  # run-clang-tidy takes regular expressions over the database's file names.
  "$runner" -clang-tidy-binary "$(command -v "$tidy")" -p "$build" -j "$jobs" -quiet \
    -warnings-as-errors='*' "^$root/(protocol/src|server/src)/.*\\.cpp\$"
else
  status=0
  while read -r file; do
    "$tidy" -p "$build" --quiet --warnings-as-errors='*' "$file" || status=1
  done < <(git ls-files 'protocol/src/*.cpp' 'server/src/*.cpp')
  exit "$status"
fi
