#!/usr/bin/env bash
# The test command (npm test): build, unit tests, then the end-to-end tests against the real SIP lab
# (Kamailio from fixtures/lab) and headless Chromium inside a loopback-only network namespace.
# Ends with one line "N passed, N failed, N skipped" summing every suite (skipped suites named above it).
#   E2E=0 npm test     unit tests only
set -uo pipefail
cd "$(dirname "$0")/.."
RESULTS="$(mktemp -d /tmp/kazoo-test-XXXXXX)"
rc=0

# the lab's Debian packages (Kamailio, rtpengine, sipp, Chromium): installed here when missing and root
if [ "${E2E:-1}" != "0" ] && ! bash fixtures/lab/install.sh --check >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ]; then bash fixtures/lab/install.sh || { echo "0 passed, 1 failed"; exit 1; }
  else echo "the end-to-end tests need the lab's packages and root: run 'sudo bash fixtures/lab/install.sh && sudo npm test' (or E2E=0 npm test)"; echo "0 passed, 1 failed"; exit 1; fi
fi

echo "== build"
npm run --silent build || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

echo "== typecheck (every project: product, tests, gateway, dev server, plugins, bench, demo)"
typecheck_failed=0
npm run --silent typecheck || { echo "typecheck failed"; typecheck_failed=1; rc=1; }

echo "== unit tests"
npx jest --selectProjects unit --json --outputFile="$RESULTS/unit.json" || rc=1

if [ "${E2E:-1}" != "0" ]; then
  echo "== end-to-end tests (Kamailio + Chromium, private loopback-only network namespace)"
  # loopback only: Chromium then offers 127.0.0.1 candidates and nothing else
  fixtures/lab/netns-run.sh bash test/e2e/run-inside.sh "$RESULTS/e2e.json" --testPathIgnorePatterns connectivity || rc=1
  # the connectivity monitor needs a link that can go down and up: a veth pair inside the namespace
  LAB_ONLINE=1 fixtures/lab/netns-run.sh bash test/e2e/run-inside.sh "$RESULTS/e2e-online.json" connectivity || rc=1
fi

node test/summarize-results.mjs --extra-failures "$typecheck_failed" "$RESULTS/unit.json" $([ "${E2E:-1}" != "0" ] && echo "$RESULTS/e2e.json $RESULTS/e2e-online.json")
rm -rf "$RESULTS"
exit $rc
