#!/usr/bin/env bash
# OpenAPI-driven fuzz run of `vtfusion serve` (schemathesis from PyPI, in a virtual environment under
# .cache/schemathesis): one server on loopback with the tiny random model and a fresh SQLite data folder, an
# admin key, one profile so the stateful phase has something to link to, then every operation of
# /v1/openapi.json for MAX_TIME seconds (default 90). Fails on any 5xx and on any answer that does not match
# the document's schemas, status codes or content types.
#   Scripts/api-fuzz.sh BINARY        (MAX_TIME=300 for a longer run; SCHEMATHESIS_REPORT=DIR keeps the JUnit report)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$(realpath "$1")"
MAX_TIME="${MAX_TIME:-90}"
VENV="${SCHEMATHESIS_VENV:-$PWD/.cache/schemathesis}"
if [ ! -x "$VENV/bin/schemathesis" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q schemathesis==4.32.5
fi
WORK="$(mktemp -d)"; DATA="$WORK/data"; mkdir -p "$DATA"
PID=""
cleanup() { [ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
KEY="$("$BIN" serve keys create --name fuzz --scope admin --data "$DATA" | tail -1)"
"$BIN" serve --backbone dinov2-tiny-random --port 0 --data "$DATA" --workers 2 > "$WORK/serve.log" 2>&1 &
PID=$!
PORT=""
for _ in $(seq 1 600); do
  PORT="$(sed -n 's/.*listening on [^ ]*:\([0-9][0-9]*\).*/\1/p' "$WORK/serve.log" | head -1)"
  [ -n "$PORT" ] && break; sleep 0.1
done
[ -n "$PORT" ] || { echo "the server did not start:" >&2; cat "$WORK/serve.log" >&2; exit 1; }
BASE="http://127.0.0.1:$PORT"
python3 - "$WORK" <<'PY'
import struct, sys, zlib
def png(path, seed):
    w = h = 64; rows = b""
    for y in range(h):
        rows += b"\0" + bytes(((x * 7 + y * 3 + seed) % 50 + 100) for x in range(w) for _ in range(3))
    def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    open(path, "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                           + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
for i in range(2): png(f"{sys.argv[1]}/g{i}.png", i)
PY
curl -sf -H "Authorization: Bearer $KEY" -F name=fuzz -F "images=@$WORK/g0.png" -F "images=@$WORK/g1.png" "$BASE/v1/profiles" > /dev/null
REPORT=()
if [ -n "${SCHEMATHESIS_REPORT:-}" ]; then mkdir -p "$SCHEMATHESIS_REPORT"; REPORT=(--report junit --report-dir "$(realpath "$SCHEMATHESIS_REPORT")"); fi
(cd "$WORK" && "$VENV/bin/schemathesis" run "$BASE/v1/openapi.json" -H "Authorization: Bearer $KEY" \
  --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance \
  --max-time "$MAX_TIME" --seed "${SEED:-1}" --workers 2 --request-timeout 60 --no-color "${REPORT[@]}")
if grep -q "Fatal error\|panicked" "$WORK/serve.log"; then echo "the server logged a crash:" >&2; cat "$WORK/serve.log" >&2; exit 1; fi
