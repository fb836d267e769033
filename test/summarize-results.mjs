#!/usr/bin/env node
// Sums jest's JSON results into the closing line CI reads: "N passed, N failed, N skipped", after naming
// every skipped suite (a skip says why in the test output; here it is counted, never as a pass).
//   node test/summarize-results.mjs [--extra-failures N] results.json...
import fs from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
let failed = 0;
const extra = args.indexOf('--extra-failures');
if (extra >= 0) failed += Number(args.splice(extra, 2)[1]) || 0;

let passed = 0;
let skipped = 0;
const skippedSuites = [];
for (const file of args) {
  if (!fs.existsSync(file)) { failed++; console.log(`missing results: ${file}`); continue; }
  const r = JSON.parse(fs.readFileSync(file, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests + (r.numRuntimeErrorTestSuites || 0);
  skipped += (r.numPendingTests || 0) + (r.numTodoTests || 0);
  for (const suite of r.testResults || []) {
    const n = (suite.assertionResults || []).filter((t) => t.status === 'pending' || t.status === 'todo' || t.status === 'skipped').length;
    if (n > 0) skippedSuites.push(`${path.relative(process.cwd(), suite.name)} (${n})`);
  }
}
for (const s of skippedSuites) console.log(`skipped: ${s}`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
