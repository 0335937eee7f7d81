#!/usr/bin/env bash
# Runs every test: the C++ suite (unit + real server processes), the Neovim
# and VS Code adapter tests, the C++ suite again under ASan + UBSan and under
# ThreadSanitizer, then every fuzz target for 60 s (scripts/fuzz.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh
cmake --preset dev >/dev/null
cmake --build --preset dev
ctest --preset dev

cmake --preset sanitize >/dev/null
cmake --build --preset sanitize
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --preset sanitize

scripts/tsan.sh

scripts/fuzz.sh 60
