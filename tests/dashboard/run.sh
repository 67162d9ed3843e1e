#!/usr/bin/env bash
# The dashboard in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core from
# npm, pinned in package-lock.json): see dashboard.test.mjs. Screenshots go to
# target/dashboard-screenshots/ (or $OUT).
#
# Usage: tests/dashboard/run.sh [ORCA_BINARY]   (default: target/debug/orca, built if missing)
set -euo pipefail
cd "$(dirname "$0")/../.."
ORCA="${1:-target/debug/orca}"
[ -x "$ORCA" ] || cargo build -p orca
[ -x /usr/bin/chromium ] || { echo "error: /usr/bin/chromium is missing (apt-get install -y chromium)"; exit 1; }
command -v node >/dev/null || { echo "error: node is missing (apt-get install -y nodejs npm)"; exit 1; }
if [ ! -d tests/dashboard/node_modules/playwright-core ]; then
  (cd tests/dashboard && npm ci --no-audit --no-fund --silent)
fi
export ORCA="$PWD/$ORCA" OUT="${OUT:-$PWD/target/dashboard-screenshots}"
cd tests/dashboard
timeout 180 node dashboard.test.mjs
