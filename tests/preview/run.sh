#!/usr/bin/env bash
# The live preview in real Chromium (Debian's, driven by playwright-core):
#
#   tests/preview/run.sh SERVER_BINARY
#
# Installs chromium when missing (as root), the page's npm packages
# (server/preview-web, which hold playwright-core) when their lock changed,
# then runs preview.test.mjs with node's test runner against SERVER_BINARY
# (its preview module and built page sit beside it).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
web=$(cd "$here/../../server/preview-web" && pwd)
die() {
  printf 'run.sh: %s\n' "$*" >&2
  exit 2
}
[[ $# -eq 1 && -x $1 ]] || die "usage: $0 SERVER_BINARY (built: cmake --build --preset dev --target aieditor)"
server=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
chromium=${AIEDITOR_E2E_CHROMIUM:-/usr/bin/chromium}
if [[ ! -x $chromium ]]; then
  [[ $(id -u) == 0 ]] || die "chromium is not installed; run as root or: apt-get install chromium"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium
fi
"$web/install.sh"
cd "$here"
AIEDITOR_SERVER=$server AIEDITOR_PREVIEW_WEB=$web AIEDITOR_E2E_CHROMIUM=$chromium \
  exec node --test --test-reporter=spec preview.test.mjs
