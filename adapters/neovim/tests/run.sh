#!/usr/bin/env bash
# Runs the Neovim plugin's headless tests against a real server binary.
#
#   adapters/neovim/tests/run.sh SERVER_BINARY [BACKEND_BINARY]
#   AIEDITOR_TEST_SPECS="sync_spec" adapters/neovim/tests/run.sh ...   # some specs only
#
# Installs Debian's neovim if nvim is missing, runs every spec in a fresh
# headless nvim with isolated XDG_* directories and the offline provider, and
# ends with the line "N passed, M failed". Exits non-zero on any failure.
# The sync spec starts the team backend: BACKEND_BINARY, else
# $AIEDITOR_BACKEND, else aieditor-backend in the server's build tree.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 SERVER_BINARY [BACKEND_BINARY]" >&2
  echo "0 passed, 1 failed"
  exit 2
fi
server=$(realpath -e "$1" 2>/dev/null) || server=""
if [ -z "$server" ] || [ ! -x "$server" ]; then
  echo "not an executable server binary: $1" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
backend=${2:-${AIEDITOR_BACKEND:-$(dirname "$server")/../backend/aieditor-backend}}
backend=$(realpath -e "$backend" 2>/dev/null) || backend=""
if [ -z "$backend" ] || [ ! -x "$backend" ]; then
  echo "aieditor-backend not found (give it as the second argument): the sync spec will fail" >&2
fi

if ! command -v nvim >/dev/null 2>&1; then
  echo "nvim not found: installing Debian's neovim" >&2
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq neovim >&2
  if ! command -v nvim >/dev/null 2>&1; then
    echo "could not install neovim" >&2
    echo "0 passed, 1 failed"
    exit 1
  fi
fi
echo "$(nvim --version | head -n1), server: $("$server" --version 2>&1)" >&2

root=$(mktemp -d "${TMPDIR:-/tmp}/aieditor-nvim-tests.XXXXXX")
cleanup() { [ -n "${AIEDITOR_TEST_KEEP:-}" ] || rm -rf "$root"; }
trap cleanup EXIT

export HOME="$root/home"
export XDG_CONFIG_HOME="$root/config" XDG_DATA_HOME="$root/data" XDG_STATE_HOME="$root/state"
export XDG_CACHE_HOME="$root/cache" XDG_RUNTIME_DIR="$root/run"
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_STATE_HOME" "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
unset AIEDITOR_DB AIEDITOR_SYNC_URL AIEDITOR_SYNC_TOKEN NVIM NVIM_LISTEN_ADDRESS VIMINIT MYVIMRC
export AIEDITOR_SERVER="$server" AIEDITOR_TEST_ROOT="$root" AIEDITOR_TEST_RESULTS="$root/results"
export AIEDITOR_TEST_BACKEND="$backend"
export TZ=UTC LANG=C.UTF-8 LC_ALL=C.UTF-8
: >"$AIEDITOR_TEST_RESULTS"

# Order matters: restart_spec reopens what chat_spec and components_spec saved.
# AIEDITOR_TEST_SPECS="sync_spec" runs only those.
read -r -a specs <<<"${AIEDITOR_TEST_SPECS:-chat_spec components_spec apply_spec retry_spec edit_spec errors_health_spec search_spec restart_spec sync_spec}"

for spec in "${specs[@]}"; do
  before=$(grep -c '^FAIL' "$AIEDITOR_TEST_RESULTS")
  AIEDITOR_SPEC="$here/$spec.lua" timeout 300 nvim --headless -n -i NONE \
    -u "$here/minimal_init.lua" -c "luafile $here/runner.lua" -c "cquit 3" </dev/null
  rc=$?
  after=$(grep -c '^FAIL' "$AIEDITOR_TEST_RESULTS")
  if [ "$rc" -ne 0 ] && [ "$after" -eq "$before" ]; then
    echo "FAIL $spec: nvim exited with status $rc without reporting a failed test" | tee -a "$AIEDITOR_TEST_RESULTS" >&2
  fi
done

passed=$(grep -c '^PASS' "$AIEDITOR_TEST_RESULTS")
failed=$(grep -c '^FAIL' "$AIEDITOR_TEST_RESULTS")
if [ "$failed" -gt 0 ]; then
  echo "--- log: $XDG_CACHE_HOME/nvim/aieditor.log" >&2
  tail -n 40 "$XDG_CACHE_HOME/nvim/aieditor.log" "$XDG_STATE_HOME/nvim/aieditor.log" 2>/dev/null >&2
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
