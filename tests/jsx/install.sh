#!/usr/bin/env bash
# Installs the VS Code adapter's npm packages (esbuild is one of them) when its
# lock file changed since the last install, with the same stamp as
# adapters/vscode/scripts/test.sh, so the two share one install.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../adapters/vscode" && pwd)
command -v npm >/dev/null || { echo "install.sh: npm is not installed (scripts/bootstrap.sh installs it)" >&2; exit 1; }
lock_hash=$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)
stamp=$here/node_modules/.aieditor-lock-sha256
if [[ -f $stamp && $(cat "$stamp") == "$lock_hash" ]]; then
  echo "npm packages of adapters/vscode: up to date"
  exit 0
fi
(cd "$here" && npm ci --no-audit --no-fund)
echo "$lock_hash" >"$stamp"
