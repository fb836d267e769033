#!/usr/bin/env node
// Benchmark of kazoo-js/wazo against @wazo/sdk in the same run: bundle size (minified, gzip -9) and Node
// import time. @wazo/sdk comes from bench/.cache (bench/wazo/sdk.mjs installs it; WAZO_SDK_DIR to use
// another install) and is bundled for a browser the same way as our global build (rollup, same terser
// options); without it its column is skipped, saying why.
//
//   node bench/wazo/sdk.mjs --install && node bench/wazo/bench.mjs
//
// Targets: REST + WebSocket ≤ 1/5 of @wazo/sdk (issue 6); the whole Wazo global build with the phone,
// JsSIP included, ≤ 1/3 of it (issue 12); at most 20 ms to import in Node.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { rollup } from 'rollup';
import terser from '@rollup/plugin-terser';
import parts from '../../plugins/wazo/rollup.parts.mjs';
import { MINIFY_OPTIONS } from '../../rollup.plugins.mjs';
import { bundleSdk, ensureSdk } from './sdk.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
const gz = (code) => gzipSync(Buffer.from(code), { level: 9 }).length;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function build(options, output) {
  return (await buildWithModules(options, output)).code;
}

/** the code and, per module, its rendered length (after tree-shaking, before minifying) */
async function buildWithModules(options, output) {
  const bundle = await rollup({ ...options, onwarn: () => undefined });
  try {
    const chunks = (await bundle.generate(output)).output.filter((c) => c.type === 'chunk');
    return { code: chunks.map((c) => c.code).join('\n'), modules: Object.assign({}, ...chunks.map((c) => c.modules)) };
  } finally {
    await bundle.close();
  }
}

/** the biggest parts of a bundle: node_modules packages, and our folders (two levels) */
function breakdown(modules, top = 8) {
  const parts = new Map();
  for (const [id, m] of Object.entries(modules)) {
    const rel = id.replace(/^\0/, '').replace(/\?.*$/, '');
    const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(rel);
    const key = nm ? nm[1] : path.relative(root, rel).split(path.sep).slice(0, 2).join('/');
    parts.set(key, (parts.get(key) ?? 0) + m.renderedLength);
  }
  const total = [...parts.values()].reduce((a, b) => a + b, 0);
  return [...parts].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, v]) => `${k} ${kb(v)} (${((100 * v) / total).toFixed(0)}%)`).join(', ');
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
const restWs = await build(restAndWebSocketOnly(library), { format: 'es', plugins: [terser(MINIFY_OPTIONS)] });
ours.restWs = gz(restWs);
const full = await build(library, { format: 'es', plugins: [terser(MINIFY_OPTIONS)] });
ours.full = gz(full);
// exactly dist/kazoo-wazo.min.js: the Wazo global build with the phone, JsSIP included
const globalBuild = await buildWithModules(browser, { format: 'iife', name: 'Wazo', exports: 'default', plugins: [terser(MINIFY_OPTIONS)] });
const global = globalBuild.code;
ours.global = gz(global);
ours.globalHasWs = /\bimport\(\s*["']ws["']|require\(\s*["']ws["']|from\s*["']ws["']/.test(global);

// inside the project, so that the external packages (jssip, eventemitter3, ws) resolve from its node_modules
fs.mkdirSync(path.join(root, 'bench', '.cache'), { recursive: true });
const tmp = fs.mkdtempSync(path.join(root, 'bench', '.cache', 'import-time-'));
try {
  fs.writeFileSync(path.join(tmp, 'wazo.cjs'), await build(library, { format: 'cjs', exports: 'named' }));
  fs.writeFileSync(path.join(tmp, 'wazo.mjs'), await build(library, { format: 'es' }));
  ours.require = importTime(requireTimer('./wazo.cjs'), tmp);
  ours.import = importTime(importTimer('./wazo.mjs'), tmp);
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}

let sdk = null;
const installed = ensureSdk();
if (installed.skip) {
  console.log(`@wazo/sdk column SKIPPED: ${installed.skip}`);
} else {
  console.log('Bundling @wazo/sdk for a browser like our global build (rollup + terser; this takes a while)…');
  const bundled = await bundleSdk(installed.dir);
  sdk = {
    version: bundled.version, global: gz(bundled.code), parts: breakdown(bundled.modules, 6),
    require: importTime(requireTimer('@wazo/sdk'), installed.dir), import: importTime(importTimer('@wazo/sdk'), installed.dir),
  };
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
console.log(`our global build, biggest parts (rendered, before minifying): ${breakdown(globalBuild.modules)}`);
if (sdk) {
  console.log(`@wazo/sdk ${sdk.version} bundle, biggest parts: ${sdk.parts}`);
  console.log(`size ratio (REST + WebSocket vs @wazo/sdk): 1/${(sdk.global / ours.restWs).toFixed(1)} (target ≤ 1/5)`);
  const ratio = ours.global / sdk.global;
  console.log(`size ratio (whole Wazo global build with the phone, JsSIP included, ${ours.global} B vs @wazo/sdk ${sdk.global} B, min+gzip -9): ${ratio.toFixed(3)} = 1/${(1 / ratio).toFixed(2)} (target ≤ 1/3: ${ratio <= 1 / 3 ? 'met' : 'MISSED'})`);
}
const worst = Math.max(ours.require.ms ?? Infinity, ours.import.ms ?? Infinity);
console.log(`import time target ≤ 20 ms: ${worst <= 20 ? 'met' : 'missed'} (worst ${worst.toFixed(1)} ms)`);
