#!/usr/bin/env bash
# Two `vtfusion serve` replicas behind nginx on loopback, sharing one PostgreSQL database and one data
# folder: a profile created through nginx is visible to both replicas, inspections are spread over both,
# and with one replica killed nginx still answers from the other. Prints what it checked; exit 1 on a failure.
#   Scripts/replicas-check.sh BINARY [BACKBONE=dinov2-tiny-random]
# With LOAD_DURATION (e.g. 60s) it also runs a bounded load test through nginx before the kill (wrk, LOAD_CONNECTIONS
# connections, default 8; REFERENCES=DIR and IMAGE=FILE use real images instead of the generated 64 px ones)
# and prints requests/s, p50/p95/p99 and each replica's peak resident memory.
# Needs nginx (apt-get install nginx-light) and PostgreSQL (Scripts/start-postgres.sh starts one).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$(realpath "$1")"; BACKBONE="${2:-dinov2-tiny-random}"
command -v nginx >/dev/null || { echo "nginx is missing: apt-get install nginx-light" >&2; exit 2; }
DB="$(Scripts/start-postgres.sh)"
psql "$DB" -qc "DROP TABLE IF EXISTS profiles, inspections, audit, api_keys, schema_migrations" >/dev/null
WORK="$(mktemp -d)"; DATA="$WORK/data"; mkdir -p "$DATA" "$WORK/nginx/logs" "$WORK/nginx/body" "$WORK/nginx/proxy"
chmod 755 "$WORK"
NGINX_USER=""
if [ "$(id -u)" -eq 0 ]; then chown nobody "$WORK/nginx/body" "$WORK/nginx/proxy"; NGINX_USER="user nobody nogroup;"; fi
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; nginx -p "$WORK/nginx" -c nginx.conf -s stop 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
KEY="$("$BIN" serve keys create --name replicas --scope admin --data "$DATA" --database "$DB" | tail -1)"
for port in 18201 18202; do
  "$BIN" serve --backbone "$BACKBONE" --port "$port" --data "$DATA" --database "$DB" > "$WORK/$port.log" 2>&1 &
  PIDS+=($!)
done
for port in 18201 18202; do for _ in $(seq 1 600); do grep -q "listening on" "$WORK/$port.log" && break; sleep 0.1; done; done
cat > "$WORK/nginx/nginx.conf" <<CONF
$NGINX_USER
worker_processes 1;
error_log logs/error.log;
pid logs/nginx.pid;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  upstream vtfusion { server 127.0.0.1:18201 max_fails=1 fail_timeout=5s; server 127.0.0.1:18202 max_fails=1 fail_timeout=5s; }
  server {
    listen 127.0.0.1:18200;
    client_max_body_size 32m;
    location / {
      proxy_pass http://vtfusion;
      proxy_next_upstream error timeout http_502 http_503;
      proxy_read_timeout 150s;
      proxy_set_header Host \$host;
    }
  }
}
CONF
nginx -p "$WORK/nginx" -c nginx.conf
H=(-H "Authorization: Bearer $KEY")
FAILED=0
check() { if [ "$1" = "$2" ]; then echo "ok: $3"; else echo "FAILED: $3 (got $1, expected $2)"; FAILED=1; fi; }
python3 - "$WORK" <<'PY'
import sys, zlib, struct, random
def png(path, seed, w=64, h=64):
    random.seed(seed)
    raw = b"".join(b"\x00" + bytes((x * 5 + y * 3 + random.randint(0, 25)) % 256 for x in range(w) for _ in range(3)) for y in range(h))
    ch = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    open(path, "wb").write(b"\x89PNG\r\n\x1a\n" + ch(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + ch(b"IDAT", zlib.compress(raw)) + ch(b"IEND", b""))
for i in range(4): png(f"{sys.argv[1]}/img{i}.png", i)
PY
CREATED="$(curl -s "${H[@]}" -F name=replicas -F images=@"$WORK/img0.png" -F images=@"$WORK/img1.png" http://127.0.0.1:18200/v1/profiles)"
PROFILE="$(echo "$CREATED" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')" || { echo "FAILED: creating a profile through nginx: $CREATED"; for f in "$WORK"/*.log "$WORK"/nginx/logs/error.log; do tail -5 "$f"; done; exit 1; }
for port in 18201 18202; do
  check "$(curl -s -o /dev/null -w '%{http_code}' "${H[@]}" "http://127.0.0.1:$port/v1/profiles/$PROFILE")" 200 "replica $port sees the profile"
done
for i in $(seq 1 12); do
  curl -sf -o /dev/null "${H[@]}" -H 'Content-Type: image/png' --data-binary @"$WORK/img$((i % 2 + 2)).png" "http://127.0.0.1:18200/v1/profiles/$PROFILE/inspect"
done
for port in 18201 18202; do
  n="$(curl -s "http://127.0.0.1:$port/metrics" | awk -F' ' '/^vtfusion_http_requests_total\{method="POST",route="\/v1\/profiles\/\{id\}\/inspect",status="200"\}/ {print $2}')"
  check "$([ "${n:-0}" -gt 0 ] && echo yes || echo no)" yes "replica $port served inspections (${n:-0})"
done
total="$(curl -s "${H[@]}" "http://127.0.0.1:18200/v1/inspections?profile=$PROFILE&limit=200" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["inspections"]))')"
check "$total" 12 "both replicas' inspections in the shared history"
if [ -n "${LOAD_DURATION:-}" ]; then
  command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 2; }
  LOAD_PROFILE="$PROFILE"; LOAD_IMAGE="$WORK/img2.png"
  if [ -n "${REFERENCES:-}" ]; then
    FORM=(-F name=load)
    for f in $(ls "$REFERENCES"/*.png | head -4); do FORM+=(-F "images=@$f"); done
    LOAD_PROFILE="$(curl -sf "${H[@]}" "${FORM[@]}" http://127.0.0.1:18200/v1/profiles | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
    LOAD_IMAGE="${IMAGE:?IMAGE= is needed with REFERENCES=}"
  fi
  WRK_IMAGE="$LOAD_IMAGE" WRK_KEY="$KEY" WRK_LABEL="load through nginx: " wrk -t2 -c"${LOAD_CONNECTIONS:-8}" -d"$LOAD_DURATION" --timeout 120s -s Scripts/wrk-post.lua "http://127.0.0.1:18200/v1/profiles/$LOAD_PROFILE/inspect" | tail -4
  for i in 0 1; do
    echo "replica $((18201 + i)) peak RSS: $(awk '/VmHWM/ {printf "%.0f MiB", $2 / 1024}' /proc/${PIDS[$i]}/status)"
  done
fi
kill -KILL "${PIDS[0]}"
codes=""
for i in 1 2 3 4; do
  codes="$codes$(curl -s -o /dev/null -w '%{http_code}' "${H[@]}" -H 'Content-Type: image/png' --data-binary @"$WORK/img2.png" "http://127.0.0.1:18200/v1/profiles/$PROFILE/inspect") "
done
check "$codes" "200 200 200 200 " "with replica 18201 killed, nginx answers from 18202"
exit $FAILED
