#!/usr/bin/env node
// Benchmark of kazoo-js/wazo against @wazo/sdk: bundle size (minified, gzip) and Node import time.
//
//   node bench/wazo/bench.mjs
//   WAZO_SDK_DIR=/tmp/wazo-sdk-bench node bench/wazo/bench.mjs   # adds the @wazo/sdk column
//
// WAZO_SDK_DIR is a folder where `npm install @wazo/sdk` was run (with
// `"overrides": {"getstats": "1.2.0"}` in its package.json). Without it the column is skipped.
// Targets (issue 6): at most one fifth of @wazo/sdk's size, at most 20 ms to import.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { rollup } from 'rollup';
import terser from '@rollup/plugin-terser';
import { minify } from 'terser';
import parts from '../../plugins/wazo/rollup.parts.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
const gz = (code) => gzipSync(Buffer.from(code), { level: 9 }).length;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function build(options, output) {
  const bundle = await rollup({ ...options, onwarn: () => undefined });
  try {
    const { output: chunks } = await bundle.generate(output);
    return chunks.filter((c) => c.type === 'chunk').map((c) => c.code).join('\n');
  } finally {
    await bundle.close();
  }
}

// The REST client and the WebSocket client alone, as an app importing only them gets them.
function restAndWebSocketOnly(base) {
  const entry = '\0wazo-rest-ws-entry';
  const index = path.join(root, 'plugins', 'wazo', 'index.ts');
  return {
    ...base,
    input: entry,
    plugins: [
      { name: 'entry', resolveId: (id) => (id === entry ? id : null), load: (id) => (id === entry ? `export { WazoApiClient, ApiRequester, WebSocketClient } from ${JSON.stringify(index)};` : null) },
      ...base.plugins,
    ],
  };
}

function importTime(args, cwd) {
  const times = [];
  for (let i = 0; i < RUNS; i += 1) {
    const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) return { error: (/\b(ERR_[A-Z_]+)/.exec(r.stderr) ?? [null, 'failed'])[1] };
    times.push(Number(r.stdout.trim()));
  }
  return { ms: median(times) };
}

const showTime = (t) => (t.error ? `fails (${t.error})` : `${t.ms.toFixed(1)} ms`);

const requireTimer = (specifier) => ['-e', `const t=process.hrtime.bigint();require(${JSON.stringify(specifier)});console.log(Number(process.hrtime.bigint()-t)/1e6)`];
const importTimer = (specifier) => ['--input-type=module', '-e', `const t=process.hrtime.bigint();await import(${JSON.stringify(specifier)});console.log(Number(process.hrtime.bigint()-t)/1e6)`];

const [library, browser] = parts;
console.log('Building kazoo-js/wazo…');
const ours = {};
const restWs = await build(restAndWebSocketOnly(library), { format: 'es', plugins: [terser()] });
ours.restWs = gz(restWs);
const full = await build(library, { format: 'es', plugins: [terser()] });
ours.full = gz(full);
const global = await build(browser, { format: 'iife', name: 'Wazo', exports: 'default', plugins: [terser()] });
ours.global = gz(global);
ours.globalHasWs = /\bimport\(\s*["']ws["']|require\(\s*["']ws["']|from\s*["']ws["']/.test(global);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kazoo-wazo-bench-'));
try {
  fs.writeFileSync(path.join(tmp, 'wazo.cjs'), await build(library, { format: 'cjs', exports: 'named' }));
  fs.writeFileSync(path.join(tmp, 'wazo.mjs'), await build(library, { format: 'es' }));
  ours.require = importTime(requireTimer('./wazo.cjs'), tmp);
  ours.import = importTime(importTimer('./wazo.mjs'), tmp);
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}

let sdk = null;
const sdkDir = process.env.WAZO_SDK_DIR;
const sdkPackage = sdkDir && path.join(sdkDir, 'node_modules', '@wazo', 'sdk');
if (!sdkPackage || !fs.existsSync(path.join(sdkPackage, 'package.json'))) {
  console.log(`@wazo/sdk column skipped: set WAZO_SDK_DIR to a folder with node_modules/@wazo/sdk (now: ${sdkDir ?? 'unset'}).`);
} else {
  console.log('Minifying @wazo/sdk (its self-contained dist/wazo-sdk.js; this takes a while)…');
  const version = JSON.parse(fs.readFileSync(path.join(sdkPackage, 'package.json'), 'utf8')).version;
  const bundled = fs.readFileSync(path.join(sdkPackage, 'dist', 'wazo-sdk.js'), 'utf8');
  const minified = (await minify(bundled, { compress: true, mangle: true })).code ?? '';
  sdk = { version, global: gz(minified), require: importTime(requireTimer('@wazo/sdk'), sdkDir), import: importTime(importTimer('@wazo/sdk'), sdkDir) };
}

const rows = [
  ['bundle, REST + WebSocket only (min+gzip)', kb(ours.restWs), sdk ? kb(sdk.global) : '–'],
  ['bundle, everything (min+gzip)', kb(ours.full), sdk ? kb(sdk.global) : '–'],
  ['browser global build (min+gzip)', kb(ours.global), sdk ? kb(sdk.global) : '–'],
  [`Node require() time, median of ${RUNS}`, showTime(ours.require), sdk ? showTime(sdk.require) : '–'],
  [`Node import() time, median of ${RUNS}`, showTime(ours.import), sdk ? showTime(sdk.import) : '–'],
];
const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length), 12));
console.log();
console.log(['', 'kazoo-js/wazo', sdk ? `@wazo/sdk ${sdk.version}` : '@wazo/sdk'].map((c, i) => c.padEnd(widths[i])).join(' | '));
for (const row of rows) console.log(row.map((c, i) => c.padEnd(widths[i])).join(' | '));
console.log();
console.log(`browser build references 'ws': ${ours.globalHasWs ? 'YES (bug)' : 'no'}`);
if (sdk) console.log(`size ratio (REST + WebSocket vs @wazo/sdk): 1/${(sdk.global / ours.restWs).toFixed(1)} (target ≤ 1/5); everything: 1/${(sdk.global / ours.full).toFixed(1)}`);
const worst = Math.max(ours.require.ms ?? Infinity, ours.import.ms ?? Infinity);
console.log(`import time target ≤ 20 ms: ${worst <= 20 ? 'met' : 'missed'} (worst ${worst.toFixed(1)} ms)`);
