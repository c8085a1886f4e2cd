#!/usr/bin/env bash
# Installs the C libraries the package links against (Debian/Ubuntu). On macOS, Accelerate and ImageIO
# ship with the system; libpng/jpeg-turbo come from Homebrew if you build the Linux codecs there.
set -euo pipefail
PACKAGES="libopenblas-dev libpng-dev libjpeg62-turbo-dev pkg-config"
if [ "$(uname -s)" != "Linux" ]; then exit 0; fi
missing=""
for p in $PACKAGES; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
[ -z "$missing" ] && exit 0
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
