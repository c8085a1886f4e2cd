#!/usr/bin/env bash
# A bounded load test of `vtfusion serve` on loopback: starts the server on a fresh data folder, creates an
# API key and a profile from 4 reference images, then wrk (Debian's wrk) posts one image to the inspect
# route from N connections for a fixed time, and prints requests/s, the p50/p95/p99 latencies and the
# server's peak resident memory. WORKERS (default: the server's own default) sets `serve --workers`.
#   Scripts/load-test.sh BINARY BACKBONE REFERENCE_DIR IMAGE [CONNECTIONS=8] [DURATION=20s]
#   e.g. Scripts/load-test.sh .build/release/vtfusion dinov2-s-imgfocus DATASET/train/good DATASET/test/scratch/000.png
set -euo pipefail
BIN="$1"; BACKBONE="$2"; REFS="$3"; IMAGE="$4"; CONNECTIONS="${5:-8}"; DURATION="${6:-20s}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 2; }
DATA="$(mktemp -d)"; PORT="${PORT:-18181}"
KEY="$("$BIN" serve keys create --name load --scope admin --data "$DATA" | tail -1)"
"$BIN" serve --backbone "$BACKBONE" --port "$PORT" --data "$DATA" --queue 64 ${WORKERS:+--workers "$WORKERS"} > "$DATA/serve.log" 2>&1 &
PID=$!
trap 'kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 1 600); do grep -q "listening on" "$DATA/serve.log" && break; sleep 0.1; done
FORM=(-F name=load)
for f in $(ls "$REFS"/*.png | head -4); do FORM+=(-F "images=@$f"); done
PROFILE="$(curl -sf -H "Authorization: Bearer $KEY" "${FORM[@]}" "http://127.0.0.1:$PORT/v1/profiles" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
WRK_IMAGE="$IMAGE" WRK_KEY="$KEY" wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --timeout 120s -s "$(dirname "$0")/wrk-post.lua" "http://127.0.0.1:$PORT/v1/profiles/$PROFILE/inspect" | tail -5
echo "server peak RSS: $(awk '/VmHWM/ {printf "%.0f MiB", $2 / 1024}' /proc/$PID/status)"
curl -s "http://127.0.0.1:$PORT/metrics" | grep -E '^vtfusion_(inspections_total|http_requests_total\{method="POST",route="/v1/profiles/\{id\}/inspect")' || true
