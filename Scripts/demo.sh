#!/usr/bin/env bash
# The README's main-job command: system packages (with the real textures the benchmark is built from),
# a release build, then `vtfusion demo` (fetches the default models once, builds the benchmark once,
# runs 2-shot detection on a target category and writes an HTML report). Extra arguments go to the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/install-system-packages.sh --openarena-textures
swift build -c release --product vtfusion
.build/release/vtfusion demo "$@"
