#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite: a fresh cluster in a temporary folder,
# listening on 127.0.0.1 only (a free port, trust authentication), tuned for speed, not safety.
#
#   eval "$(scripts/pg-test.sh start)"     # prints: export PG_TEST_DIR=… DATABASE_URL=…
#   DATABASE_URL=… .venv/bin/pytest …
#   scripts/pg-test.sh stop "$PG_TEST_DIR"
#
# As root the server runs as the 'postgres' user (runuser); otherwise as the current user.
# Needs the Debian package postgresql (binaries in /usr/lib/postgresql/<version>/bin).
set -euo pipefail

pg_bin() {
  if [[ -n "${PG_BIN:-}" ]]; then
    echo "$PG_BIN"
    return
  fi
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [[ -z "$found" ]]; then
    local initdb
    initdb=$(command -v initdb || true)
    [[ -n "$initdb" ]] || { echo "pg-test: PostgreSQL not found (apt-get install postgresql)" >&2; exit 1; }
    found=$(dirname "$(readlink -f "$initdb")")
  fi
  echo "$found"
}

as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
  local bin dir port
  bin=$(pg_bin)
  dir=$(mktemp -d -t gridgov-pg.XXXXXX)
  chmod 700 "$dir"
  if [[ $(id -u) -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || { echo "pg-test: no 'postgres' user" >&2; exit 1; }
    chown postgres: "$dir"
  fi
  # Tell the caller where it is even if starting fails, so it can clean up.
  echo "export PG_TEST_DIR='$dir'"
  as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
    --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  local attempt
  for attempt in 1 2 3; do
    port=$(free_port)
    if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o \
      "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50" \
      start >/dev/null; then
      break
    fi
    [[ $attempt -lt 3 ]] || { cat "$dir/server.log" >&2; exit 1; }
  done
  as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres gridgov
  echo "export DATABASE_URL='postgres://postgres@127.0.0.1:$port/gridgov'"
}

stop() {
  local dir=${1:-${PG_TEST_DIR:-}}
  [[ -n "$dir" && -d "$dir" ]] || return 0
  if [[ -f "$dir/data/postmaster.pid" ]]; then
    as_owner "$(pg_bin)/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  *)
    echo "usage: $0 start | stop DIR" >&2
    exit 2
    ;;
esac
