#!/usr/bin/env bash
# The live preview's benchmark (issue 16): components/save reply → the new
# version painted in the page in Chromium, beside the save's server-sent event
# reaching the page, in one run.
#
#   bench/preview.sh           full run (under a minute), writes the preview part of docs/benchmarks.md
#   bench/preview.sh --smoke   a few rounds (seconds), writes build/release/benchmarks-preview-smoke.md
#
# Builds aieditor (its preview module and page) with the release preset into
# build/release, installs Debian's chromium (as root) and the page's npm
# packages when missing, and runs bench/preview/preview.bench.mjs under a time
# limit. Nothing asserts a time. CI does not run it. See bench/README.md.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
log() { printf 'bench/preview: %s\n' "$*" >&2; }

[ $# -le 1 ] || { log "one argument at most"; exit 2; }
case "${1:-}" in
  "") smoke=0 ;;
  --smoke) smoke=1 ;;
  -h | --help) sed -n '2,12p' "$0" && exit 0 ;;
  *) log "unknown argument $1"; exit 2 ;;
esac

chromium=${AIEDITOR_E2E_CHROMIUM:-/usr/bin/chromium}
if [[ ! -x $chromium ]]; then
  [[ $(id -u) == 0 ]] || { log "chromium is not installed; run as root or: apt-get install chromium"; exit 2; }
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium
fi
server/preview-web/install.sh

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
log "building aieditor (release preset) into build/release"
cmake --preset release "${launcher[@]}" >/dev/null
cmake --build build/release --target aieditor -j2 >/dev/null

if [ "$smoke" = 1 ]; then
  out=build/release/benchmarks-preview-smoke.md limit=120 cmd="bench/preview.sh --smoke"
else
  out=docs/benchmarks.md limit=600 cmd="bench/preview.sh"
fi
args=(--server "$root/build/release/server/aieditor" --chromium "$chromium" --web "$root/server/preview-web"
      --out "$out" --command "$cmd")
[ "$smoke" = 1 ] && args+=(--smoke)
exec timeout --kill-after=10 "$limit" node bench/preview/preview.bench.mjs "${args[@]}"
