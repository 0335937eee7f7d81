#!/usr/bin/env bash
# Installs the preview page's npm packages (npm ci) when package-lock.json
# changed since the last install; the stamp is what CMake's build waits on.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
command -v npm >/dev/null || { echo "install.sh: npm is not installed (scripts/bootstrap.sh installs it)" >&2; exit 1; }
lock_hash=$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)
stamp=$here/node_modules/.aieditor-lock-sha256
if [[ ! -f $stamp || $(cat "$stamp") != "$lock_hash" ]]; then
  (cd "$here" && npm ci --no-audit --no-fund)
  echo "$lock_hash" >"$stamp"
fi
touch "$stamp"
