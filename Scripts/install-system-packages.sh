#!/usr/bin/env bash
# Installs the C libraries the package links against (Debian/Ubuntu). On macOS, Accelerate and ImageIO
# ship with the system; libpng/jpeg-turbo come from Homebrew if you build the Linux codecs there.
#   Scripts/install-system-packages.sh             build dependencies only
#   Scripts/install-system-packages.sh --textures  also the real textures `vtfusion data build-bench` uses:
#                                                  GIMP patterns (gimp-data, gimp-data-extras; ~18 MB download)
#   Scripts/install-system-packages.sh --openarena-textures   and OpenArena metal/stone/wood surfaces
#                                                  (openarena-081-textures; ~94 MB, extracted on first use)
#   Scripts/install-system-packages.sh --postgres  also a PostgreSQL server for the service's integration test
#   Scripts/install-system-packages.sh --browser   also headless Chromium for the service's web page test
#   Scripts/install-system-packages.sh --replicas  also nginx, wrk and curl for Scripts/replicas-check.sh / load-test.sh
set -euo pipefail
PACKAGES="libopenblas-dev libpng-dev libjpeg62-turbo-dev libsqlite3-dev pkg-config"
for arg in "$@"; do
  case "$arg" in
    --textures) PACKAGES="$PACKAGES gimp-data gimp-data-extras" ;;
    --openarena-textures) PACKAGES="$PACKAGES gimp-data gimp-data-extras openarena-081-textures" ;;
    --postgres) PACKAGES="$PACKAGES postgresql" ;;
    --browser) PACKAGES="$PACKAGES chromium" ;;
    --replicas) PACKAGES="$PACKAGES nginx-light wrk curl" ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "unknown option $arg (expected --textures, --openarena-textures, --postgres, --browser or --replicas)" >&2; exit 2 ;;
  esac
done
if [ "$(uname -s)" != "Linux" ]; then exit 0; fi
missing=""
for p in $PACKAGES; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
[ -z "$missing" ] && exit 0
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
