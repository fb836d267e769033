#!/usr/bin/env bash
# The test command (npm test): build, unit tests, then the end-to-end tests against the real SIP lab
# (Kamailio from fixtures/lab) and headless Chromium inside a loopback-only network namespace.
# Ends with one line "N passed, N failed" summing every suite.
#   E2E=0 npm test     unit tests only
set -uo pipefail
cd "$(dirname "$0")/.."
RESULTS="$(mktemp -d /tmp/kazoo-test-XXXXXX)"
rc=0

echo "== build"
npm run --silent build || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

echo "== unit tests"
npx jest --selectProjects unit --json --outputFile="$RESULTS/unit.json" || rc=1

if [ "${E2E:-1}" != "0" ]; then
  echo "== end-to-end tests (Kamailio + Chromium, private loopback-only network namespace)"
  # loopback only: Chromium then offers 127.0.0.1 candidates and nothing else
  fixtures/lab/netns-run.sh bash test/e2e/run-inside.sh "$RESULTS/e2e.json" --testPathIgnorePatterns connectivity || rc=1
  # the connectivity monitor needs a link that can go down and up: a veth pair inside the namespace
  LAB_ONLINE=1 fixtures/lab/netns-run.sh bash test/e2e/run-inside.sh "$RESULTS/e2e-online.json" connectivity || rc=1
fi

node -e '
  const fs = require("fs"); let p = 0, f = 0;
  for (const file of process.argv.slice(1)) {
    if (!fs.existsSync(file)) { f++; console.log(`missing results: ${file}`); continue; }
    const r = JSON.parse(fs.readFileSync(file, "utf8"));
    p += r.numPassedTests; f += r.numFailedTests + (r.numRuntimeErrorTestSuites || 0);
  }
  console.log(`${p} passed, ${f} failed`);
' "$RESULTS/unit.json" $([ "${E2E:-1}" != "0" ] && echo "$RESULTS/e2e.json $RESULTS/e2e-online.json")
rm -rf "$RESULTS"
exit $rc
