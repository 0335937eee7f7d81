#!/usr/bin/env bash
# Builds the C++ suite with ThreadSanitizer (the `tsan` preset) and runs it;
# any data race fails the run. The server tests spawn the instrumented
# aieditor, so a race in the real binary fails its test too.
set -euo pipefail
cd "$(dirname "$0")/.."

cmake --preset tsan >/dev/null
cmake --build --preset tsan

# halt_on_error: the first race ends the process (exit code 66), so its test
# fails. -Wno-tsan in the preset: gcc warns that TSan does not model
# atomic_thread_fence (asio uses one); no race has been reported through it.
# scripts/tsan.supp says why Debian's prebuilt cpp-httplib is exempt.
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:history_size=4:suppressions=$PWD/scripts/tsan.supp${TSAN_OPTIONS:+:$TSAN_OPTIONS}"

# gcc 12's TSan maps its shadow memory at fixed addresses that assume at most
# 28 bits of mmap randomisation. Kernels set to more (vm.mmap_rnd_bits = 32,
# as on many 6.x distributions) put libraries there, and every test dies with
# "FATAL: ThreadSanitizer: unexpected memory mapping". Running without
# address randomisation (setarch -R, inherited by ctest's children) avoids
# it; where a sandbox forbids that, the tests run as they are.
run=()
if setarch "$(uname -m)" -R true 2>/dev/null; then run=(setarch "$(uname -m)" -R); fi
"${run[@]}" ctest --preset tsan --parallel 2
