#!/usr/bin/env bash
# The README's test command (and CI's): system packages, test data, then the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/install-system-packages.sh
if [ -x Scripts/setup-test-data.sh ]; then Scripts/setup-test-data.sh; fi
swift test
