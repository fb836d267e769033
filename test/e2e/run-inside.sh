#!/usr/bin/env bash
# Runs inside the private network namespace (test/run.sh): start the lab, run the e2e suites serially,
# stop the lab by its PIDs whatever happened.
set -uo pipefail
cd "$(dirname "$0")/../.."
export LAB_RUN_DIR="${LAB_RUN_DIR:-/tmp/kazoo-lab}"
out="$1"; shift
fixtures/lab/start.sh || { echo "lab did not start"; exit 1; }
trap 'fixtures/lab/stop.sh >/dev/null 2>&1 || true' EXIT
npx jest --selectProjects e2e --runInBand --json --outputFile="$out" ${E2E_FILTER:+-t "$E2E_FILTER"} "$@"
