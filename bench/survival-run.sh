#!/usr/bin/env bash
# Issue 13's call-survival benches (bench/survival-webrtc.mjs): the rows of the plain lab, then the rows
# that need a real network path (fixtures/lab/path.sh's veth pair, the phones' Chromium in a namespace of
# its own). bench/run.sh runs it inside its network namespace with the plain lab up (--inside), and gets
# the plain lab back when it is done. Alone: `bash bench/survival-run.sh` (enters a namespace of its own,
# starts and stops the lab). BENCH_SURVIVAL / BENCH_N: see bench/survival-webrtc.mjs.
# Everything started here is stopped by PID: the lab by fixtures/lab/stop.sh (its pid files), the phones'
# namespace by path.sh down (its holder's pid file).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/kazoo.js ] || npm run --silent build
if [ "${1:-}" != "--inside" ]; then
  exec fixtures/lab/netns-run.sh bash bench/survival-run.sh --inside --own-lab
fi
export LAB_RUN_DIR="${LAB_RUN_DIR:-/tmp/kazoo-lab}"
own_lab="${2:-}"
path_up=0
cleanup() {
  if [ "$path_up" = 1 ]; then
    fixtures/lab/stop.sh >/dev/null 2>&1 || true
    fixtures/lab/path.sh down >/dev/null 2>&1 || true
    [ "$own_lab" = --own-lab ] || fixtures/lab/start.sh >/dev/null 2>&1 || true
  fi
  [ "$own_lab" = --own-lab ] && { fixtures/lab/stop.sh >/dev/null 2>&1 || true; }
  return 0
}
trap cleanup EXIT
[ "$own_lab" = --own-lab ] && fixtures/lab/start.sh >/dev/null

echo "-- in the plain lab (phones and far ends on 127.0.0.1)"
node bench/survival-webrtc.mjs plain

case ",${BENCH_SURVIVAL:-all}," in
  *,all,*|*,path,*|*,address,*)
    echo "-- behind a real path (fixtures/lab/path.sh: the phones reach the lab only over a veth pair)"
    fixtures/lab/stop.sh >/dev/null
    fixtures/lab/path.sh down >/dev/null 2>&1 || true # a previous run's leftovers, if any
    path_up=1
    fixtures/lab/path.sh up >/dev/null
    LAB_PATH=1 fixtures/lab/start.sh >/dev/null
    LAB_PATH=1 node bench/survival-webrtc.mjs path
    ;;
esac
