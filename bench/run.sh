#!/usr/bin/env bash
# npm run bench: every benchmark, inside a private loopback-only network namespace with the SIP lab.
# Prints medians and ratios against baselines measured in the same run. Needs root and npm run build.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/kazoo.min.js ] || npm run --silent build
if [ "${1:-}" != "--inside" ]; then
  exec fixtures/lab/netns-run.sh bash bench/run.sh --inside
fi
export LAB_RUN_DIR="${LAB_RUN_DIR:-/tmp/kazoo-lab}"
fixtures/lab/start.sh >/dev/null
trap 'fixtures/lab/stop.sh >/dev/null 2>&1 || true' EXIT
node bench/webrtc-setup.mjs
