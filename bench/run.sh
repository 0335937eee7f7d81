#!/usr/bin/env bash
# Benchmarks for aieditor, side by side with their references (issue 6).
#
#   bench/run.sh            full run (about 5-10 minutes), writes docs/benchmarks.md
#   bench/run.sh --smoke    tiny sizes (under a minute), writes build/bench/benchmarks-smoke.md
#   bench/run.sh --no-npm   skip the npm references (copilot-language-server, vscode-jsonrpc)
#   bench/run.sh --reference-commit COMMIT
#                           also measure the server as built from COMMIT (e.g. the previous
#                           design), side by side: built in Release in a git worktree under
#                           build/reference-COMMIT, kept for the next run
#   bench/run.sh --reference-server BIN
#                           the same with a server binary already built
#
# Installs what it needs (Debian packages if missing, the npm packages pinned by
# bench/package-lock.json into bench/node_modules), builds the server in Release
# into build/bench together with the driver (bench/*.cpp), and runs it. Nothing asserts a time.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

smoke=0 npm=1 ref_commit="" ref_server=""
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=1 ;;
    --no-npm) npm=0 ;;
    --reference-commit|--reference-server)
      [ $# -ge 2 ] || { echo "bench/run.sh: $1 needs a value" >&2; exit 2; }
      if [ "$1" = --reference-commit ]; then ref_commit="$2"; else ref_server="$2"; fi
      shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
if [ -n "$ref_commit" ] && [ -n "$ref_server" ]; then
  echo "bench/run.sh: give --reference-commit or --reference-server, not both" >&2; exit 2
fi

log() { printf 'bench: %s\n' "$*" >&2; }

# --- Debian packages (only what is missing)
need=()
command -v g++ >/dev/null || need+=(g++)
command -v cmake >/dev/null || need+=(cmake)
[ -f /usr/include/sqlite3.h ] || need+=(libsqlite3-dev)
[ -f /usr/include/nlohmann/json.hpp ] || need+=(nlohmann-json3-dev)
[ -f /usr/include/asio.hpp ] || need+=(libasio-dev)
[ -f /usr/include/x86_64-linux-gnu/curl/curl.h ] || [ -f /usr/include/curl/curl.h ] || need+=(libcurl4-openssl-dev)
[ -f /usr/include/postgresql/libpq-fe.h ] || need+=(libpq-dev)  # bench-backend is configured with the rest
if [ "$npm" = 1 ] && ! command -v npm >/dev/null; then need+=(nodejs npm); fi
if [ "${#need[@]}" -gt 0 ]; then
  log "installing Debian packages: ${need[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

# --- npm references, pinned by the committed lock file; reinstalled only when it changes
node_bin="" reference="" copilot=""
if [ "$npm" = 1 ]; then
  stamp="bench/node_modules/.bench-lock.sha256"
  want="$(sha256sum bench/package-lock.json | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    log "installing npm packages into bench/node_modules (versions from package-lock.json)"
    # npm ci refuses this lock file: npm 11 leaves the other platforms' optional
    # packages out of it. npm install --no-save installs the locked versions and
    # leaves the lock file as it is.
    if (cd bench && npm install --no-save --no-audit --no-fund --loglevel=error >/dev/null); then
      echo "$want" > "$stamp"
    else
      log "npm install failed; the references will be reported as missing"
    fi
  fi
  node_bin="$(command -v node || true)"
  reference="$root/bench/reference/json-file-server.js"
  cp_bin="bench/node_modules/@github/copilot-language-server-linux-x64/copilot-language-server"
  [ -x "$cp_bin" ] && copilot="$root/$cp_bin"
fi

# --- the server and the driver, Release
log "building the server and the driver (Release) into build/bench"
cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DAIEDITOR_BUILD_TESTS=OFF >/dev/null
cmake --build build/bench --target aieditor bench-driver -j2 >/dev/null
driver=build/bench/bench/bench-driver

# --- the reference server: a binary given, or COMMIT built in its own worktree (Release)
ref_label=""
if [ -n "$ref_commit" ]; then
  sha="$(git rev-parse --verify --quiet "$ref_commit^{commit}")" || { echo "bench/run.sh: no commit $ref_commit" >&2; exit 2; }
  short="$(git rev-parse --short "$sha")"
  ref_src="build/reference-$short"
  if [ ! -e "$ref_src/.git" ]; then
    log "checking out $short into $ref_src (git worktree)"
    git worktree prune
    git worktree add --detach --quiet "$ref_src" "$sha"
  fi
  log "building the reference server ($short, Release) in $ref_src/build/release"
  if grep -q '"name": "release"' "$ref_src/CMakePresets.json" 2>/dev/null; then
    (cd "$ref_src" && cmake --preset release >/dev/null && cmake --build --preset release --target aieditor >/dev/null)
  else  # a commit from before the presets
    cmake -S "$ref_src" -B "$ref_src/build/release" -DCMAKE_BUILD_TYPE=Release -DAIEDITOR_BUILD_TESTS=OFF >/dev/null
    cmake --build "$ref_src/build/release" --target aieditor -j2 >/dev/null
  fi
  ref_server="$root/$ref_src/build/release/server/aieditor"
  ref_label="commit $short"
elif [ -n "$ref_server" ]; then
  [ -x "$ref_server" ] || { echo "bench/run.sh: $ref_server is not an executable" >&2; exit 2; }
  ref_server="$(cd "$(dirname "$ref_server")" && pwd)/$(basename "$ref_server")"
  ref_label="$ref_server"
fi

# --- run (bounded: the driver has its own alarm, and timeout backs it up)
if [ "$smoke" = 1 ]; then
  out=build/bench/benchmarks-smoke.md work=build/bench/work-smoke limit=300 cmd="bench/run.sh --smoke"
else
  out=docs/benchmarks.md work=build/bench/work limit=1800 cmd="bench/run.sh"
fi
[ "$npm" = 1 ] || cmd="$cmd --no-npm"
if [ -n "$ref_commit" ]; then cmd="$cmd --reference-commit $ref_commit"
elif [ -n "$ref_server" ]; then cmd="$cmd --reference-server $ref_server"; fi
args=(--server "$root/build/bench/server/aieditor" --work "$work" --out "$out" --command "$cmd")
[ -n "$ref_server" ] && args+=(--reference-server "$ref_server" --reference-label "$ref_label")
[ -n "$copilot" ] && args+=(--copilot "$copilot")
[ -n "$node_bin" ] && args+=(--node "$node_bin" --reference "$reference")
[ "$smoke" = 1 ] && args+=(--smoke)
status=0
timeout --kill-after=10 "$limit" "$driver" "${args[@]}" || status=$?
rm -rf "$work"  # databases and JSON files of the run (can be hundreds of MB)
exit $status
