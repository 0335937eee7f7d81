#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for the backend tests (Debian's server
# binaries, initdb and pg_ctl), so the API suite runs against PostgreSQL too.
#
#   tests/backend/postgres.sh start DIR   initdb and start; writes DIR/conninfo
#   tests/backend/postgres.sh stop DIR    stop it and remove its files
#
# The cluster lives in a fresh directory under /tmp (its path in DIR/cluster),
# listens on 127.0.0.1 on a free port and on a unix socket in that directory,
# trusts the test user `aieditor` (loopback only), and keeps fsync on, so the
# durability tests mean what they say. PostgreSQL refuses to run as root: as
# root (CI) the server runs as `nobody`, who owns the cluster's files. stop
# is immediate: the cluster is thrown away, so its shutdown checkpoint (every
# test's database flushed; 45 s under the sanitize build) would be waste.
# CTest runs start and stop as a fixture (tests/CMakeLists.txt).
set -euo pipefail

command=${1:-}
dir=${2:-}
if [[ -z $command || -z $dir ]]; then
  echo "usage: $0 start|stop DIR" >&2
  exit 2
fi

bin=${AIEDITOR_PG_BIN:-/usr/lib/postgresql/15/bin}
as_owner=()
if [[ $(id -u) == 0 ]]; then as_owner=(runuser -u nobody --); fi

stop() {
  [[ -f $dir/cluster ]] || return 0
  local cluster
  cluster=$(cat "$dir/cluster")
  if [[ -f $cluster/data/postmaster.pid ]]; then
    "${as_owner[@]}" "$bin/pg_ctl" -D "$cluster/data" -m immediate -w stop >/dev/null || true
  fi
  rm -rf "$cluster"
  rm -f "$dir/cluster" "$dir/conninfo"
}

case $command in
  stop)
    stop
    ;;
  start)
    if [[ ! -x $bin/initdb ]]; then
      echo "$0: no PostgreSQL server binaries in $bin (scripts/bootstrap.sh installs postgresql)" >&2
      exit 1
    fi
    mkdir -p "$dir"
    stop  # one left by an interrupted run
    cluster=$(mktemp -d /tmp/aieditor-pg.XXXXXX)
    echo "$cluster" >"$dir/cluster"
    chmod 755 "$cluster"
    if [[ $(id -u) == 0 ]]; then chown nobody "$cluster"; fi
    "${as_owner[@]}" "$bin/initdb" -D "$cluster/data" -U aieditor --auth=trust -E UTF8 --locale=C.UTF-8 \
      >"$cluster/initdb.log" 2>&1 || { cat "$cluster/initdb.log" >&2; exit 1; }
    # A free port: try a few at random; pg_ctl -w fails when the port is taken.
    for attempt in 1 2 3 4 5 6 7 8 9 10; do
      port=$((20000 + RANDOM % 30000))
      if "${as_owner[@]}" "$bin/pg_ctl" -D "$cluster/data" -l "$cluster/server.log" -w -t 60 start \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $cluster -c max_connections=300 -c fsync=on" >/dev/null; then
        echo "host=127.0.0.1 port=$port user=aieditor dbname=postgres" >"$dir/conninfo"
        echo "PostgreSQL on 127.0.0.1:$port (socket in $cluster), conninfo in $dir/conninfo"
        exit 0
      fi
    done
    cat "$cluster/server.log" >&2
    exit 1
    ;;
  *)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
