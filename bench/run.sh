#!/usr/bin/env bash
# npm run bench: every benchmark, inside a private loopback-only network namespace with the SIP lab.
# Prints medians; a bench that compares with a baseline measures it in the same run (the WebRTC one
# interleaved). Needs root and npm run build.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/kazoo.min.js ] || npm run --silent build
if [ "${1:-}" != "--inside" ]; then
  # the namespace has no network: fetch the @wazo/sdk baseline (bench/.cache) before entering it
  node bench/wazo/sdk.mjs --install || true
  exec fixtures/lab/netns-run.sh bash bench/run.sh --inside
fi
export LAB_RUN_DIR="${LAB_RUN_DIR:-/tmp/kazoo-lab}"
fixtures/lab/start.sh >/dev/null
trap 'fixtures/lab/stop.sh >/dev/null 2>&1 || true; fixtures/lab/path.sh down >/dev/null 2>&1 || true' EXIT
echo; echo "== WebRTC: registration and call set-up vs raw JsSIP, global build size"
node bench/webrtc-setup.mjs
echo; echo "== WebRTC: an answered call when the socket, the server, the network path or a sleep breaks it, vs raw JsSIP (issue 13)"
bash bench/survival-run.sh --inside
echo; echo "== development SIP server vs the lab's Kamailio"
node bench/devstack/sip-bench.mjs --kamailio-at 127.0.0.1:5060
echo; echo "== RTMP: codec and chunk throughput, transport latency"
node bench/rtmp/codec.mjs
node bench/rtmp/transport-latency.mjs
echo; echo "== RTMP gateway: one-way delay per transport, concurrent bridged calls; what RTMP adds to the global build"
node bench/rtmp/gateway-bench.mjs
node bench/rtmp/size.mjs
echo; echo "== RTMP gateway round-trip capacity: calls held with audio both ways, ours (--workers auto) vs siprtmp.py in the same run"
node bench/rtmp/capacity.mjs
echo; echo "== Wazo plugins vs @wazo/sdk 0.44.7 (bench/.cache; WAZO_SDK_DIR for another install): sizes, import time"
node bench/wazo/bench.mjs
echo; echo "== Wazo.Phone vs raw JsSIP on the Wazo dev engine: connect -> registered, call -> accepted"
node bench/wazo/phone-setup.mjs
