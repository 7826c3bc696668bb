#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the DuckLake tests: Debian's PostgreSQL (installed with
# apt-get when missing), a new cluster under /tmp owned by a non-root user, on a free port of
# 127.0.0.1, with one database. Nothing of the machine's own PostgreSQL is touched.
#   start: prints `export WELLPATH_TEST_CATALOG=postgresql://...` (eval it) and the folder
#   stop FOLDER: stops the cluster and removes the folder
set -euo pipefail

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

pg_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1
}

run_as() {
  # The cluster belongs to a non-root user: PostgreSQL refuses to run as root.
  if [ "$(id -u)" = "0" ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

case "${1:-}" in
  start)
    if [ -z "$(pg_bin)" ]; then
      echo "Installing Debian's PostgreSQL for the DuckLake tests..." >&2
      $SUDO apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
    fi
    BIN="$(pg_bin)"
    DIR="$(mktemp -d /tmp/wellpath-pg-XXXXXX)"
    chmod 755 "$DIR"
    if [ "$(id -u)" = "0" ]; then chown postgres "$DIR"; fi
    PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    run_as "$BIN/initdb" -D "$DIR/data" -U wellpath --auth=trust -E UTF8 >"$DIR/initdb.log" 2>&1
    run_as "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
      -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
      start >&2
    run_as "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U wellpath wellpath_test >&2
    echo "export WELLPATH_TEST_CATALOG=postgresql://wellpath@127.0.0.1:$PORT/wellpath_test"
    echo "export WELLPATH_TEST_PG_DIR=$DIR"
    ;;
  stop)
    DIR="${2:?usage: pg_throwaway.sh stop FOLDER}"
    BIN="$(pg_bin)"
    if [ -d "$DIR/data" ]; then
      run_as "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >&2 || true
    fi
    rm -rf "$DIR"
    ;;
  *)
    echo "usage: pg_throwaway.sh start | stop FOLDER" >&2
    exit 2
    ;;
esac
