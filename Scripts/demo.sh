#!/usr/bin/env bash
# The README's main-job command: installs the system packages, builds the release binary, runs the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/install-system-packages.sh
swift build -c release --product vtfusion
.build/release/vtfusion --version
.build/release/vtfusion bench --quick
