#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server on loopback for the service's PostgreSQL integration test and prints
# its URL (for VTFUSION_TEST_POSTGRES_URL). Installs Debian's postgresql when missing. Idempotent.
#   Scripts/start-postgres.sh          start (or find running), print postgres://vtfusion@127.0.0.1:PORT/vtfusion_test
#   Scripts/start-postgres.sh --stop   stop it
# VTFUSION_PG_PORT (default 55432) and VTFUSION_PG_DIR (default /tmp/vtfusion-pg) choose port and data folder.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${VTFUSION_PG_PORT:-55432}"
DIR="${VTFUSION_PG_DIR:-/tmp/vtfusion-pg}"
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  Scripts/install-system-packages.sh --postgres >&2
fi
BIN="$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")"
AS=()
if [ "$(id -u)" -eq 0 ]; then AS=(runuser -u postgres --); fi
if [ "${1:-}" = "--stop" ]; then
  [ -f "$DIR/PG_VERSION" ] && "${AS[@]}" "$BIN/pg_ctl" -D "$DIR" -m fast -w stop >&2 || true
  exit 0
fi
if [ ! -f "$DIR/PG_VERSION" ]; then
  mkdir -p "$DIR"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$DIR"
  chmod 700 "$DIR"
  "${AS[@]}" "$BIN/initdb" -D "$DIR" --auth=trust -U vtfusion --encoding=UTF8 >/dev/null
fi
if ! "${AS[@]}" "$BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1; then
  "${AS[@]}" "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w -t 60 \
    -o "-p $PORT -c listen_addresses=127.0.0.1 -k $DIR -c fsync=off" start >&2
fi
"${AS[@]}" "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U vtfusion -d postgres -tAc \
  "SELECT 1 FROM pg_database WHERE datname = 'vtfusion_test'" | grep -q 1 \
  || "${AS[@]}" "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U vtfusion vtfusion_test
echo "postgres://vtfusion@127.0.0.1:$PORT/vtfusion_test"
