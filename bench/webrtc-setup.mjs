#!/usr/bin/env node
// Registration (register → onConnected) and call set-up (connect() → onAccepted) of kazoo-js, side by
// side with raw JsSIP (default settings) in the same run, in headless Chromium against the lab's
// Kamailio on loopback; medians over N runs, printed as ratios. Also the gzip size of the global build.
// Run by bench/run.sh (inside the network namespace, lab started).
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { rollup } from 'rollup';
import commonjs from '@rollup/plugin-commonjs';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { MINIFY_OPTIONS, packageJsonFields } from '../rollup.plugins.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const N = Number(process.env.BENCH_N || 12);
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
  '--allow-loopback-in-peer-connection', '--disable-background-timer-throttling', '--disable-renderer-backgrounding'];

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const f1 = (x) => x.toFixed(1);

/**
 * JsSIP alone as a page would bundle it (its own `debug` included: the stand-in is kazoo's saving), with
 * the same package.json trimming and terser options as dist/kazoo.min.js: the baseline of size and speed
 */
async function jssipBundle() {
  const entry = path.join(os.tmpdir(), `kazoo-bench-jssip-entry-${process.pid}.mjs`);
  fs.writeFileSync(entry, `import JsSIP from '${path.join(ROOT, 'node_modules/jssip/lib/JsSIP.js')}'; globalThis.JsSIP = JsSIP;\n`);
  try {
    const b = await rollup({ input: entry, plugins: [packageJsonFields, nodeResolve({ browser: true, preferBuiltins: false }), commonjs()], onwarn: () => {} });
    const { output } = await b.generate({ format: 'iife', plugins: [terser(MINIFY_OPTIONS)] });
    return output[0].code;
  } finally {
    fs.rmSync(entry, { force: true });
  }
}

async function main() {
  const jssip = await jssipBundle();
  const files = {
    '/jssip.html': [fs.readFileSync(path.join(ROOT, 'bench/pages/jssip.html')), 'text/html'],
    '/kazoo.html': [fs.readFileSync(path.join(ROOT, 'bench/pages/kazoo.html')), 'text/html'],
    '/jssip.js': [Buffer.from(jssip), 'text/javascript'],
    '/kazoo.min.js': [fs.readFileSync(path.join(ROOT, 'dist/kazoo.min.js')), 'text/javascript'],
  };
  const server = http.createServer((req, res) => {
    const f = files[req.url.split('?')[0]];
    if (!f) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'content-type': f[1] });
    res.end(f[0]);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'kazoo-bench-'));
  const ctx = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  try {
    const page = async (file) => { const p = await ctx.newPage(); await p.goto(`${base}/${file}`); return p; };
    const rawA = await page('jssip.html');
    const rawB = await page('jssip.html');
    const kA = await page('kazoo.html');
    const kB = await page('kazoo.html');
    await kA.evaluate(() => window.k.ready);
    await kB.evaluate(() => window.k.ready);

    // registrations take ~7 ms, so one scheduler hiccup moves a 12-sample median: twice as many runs,
    // and the first two of each (cold JIT, first WebSocket) left out as the first call is below
    const REG_WARMUP = 2;
    const reg = { raw: [], kazoo: [] };
    for (let i = 0; i < 2 * N + REG_WARMUP; i++) {
      // alternate, so both see the same machine state
      reg.raw.push(await rawA.evaluate(() => window.raw.register('1001')));
      await rawA.evaluate(() => window.raw.stop());
      reg.kazoo.push(await kA.evaluate(() => window.k.register('1001')));
      await kA.evaluate(() => window.k.stop());
    }

    reg.raw.splice(0, REG_WARMUP);
    reg.kazoo.splice(0, REG_WARMUP);

    const call = { raw: [], kazoo: [] };
    await rawA.evaluate(() => window.raw.register('1001'));
    await rawB.evaluate(() => window.raw.register('1002'));
    for (let i = 0; i < N + 1; i++) call.raw.push(await rawA.evaluate(() => window.raw.call('sip:1002@lab.test')));
    await rawA.evaluate(() => window.raw.stop());
    await rawB.evaluate(() => window.raw.stop());
    await kA.evaluate(() => window.k.register('1003'));
    await kB.evaluate(() => window.k.register('1004'));
    for (let i = 0; i < N + 1; i++) call.kazoo.push(await kA.evaluate(() => window.k.call('sip:1004@lab.test')));
    // the first call of each warms getUserMedia up: left out of both
    call.raw.shift();
    call.kazoo.shift();

    const kazooGzip = zlib.gzipSync(files['/kazoo.min.js'][0], { level: 9 }).length;
    const jssipGzip = zlib.gzipSync(Buffer.from(jssip), { level: 9 }).length;
    const r = { raw: median(reg.raw), kazoo: median(reg.kazoo) };
    const c = { raw: median(call.raw), kazoo: median(call.kazoo) };
    console.log(`kazoo-js WebRTC benchmark (${2 * N} registrations and ${N} calls each, medians, Chromium in a loopback-only namespace, Kamailio)`);
    console.log(`registration  register -> onConnected   kazoo ${f1(r.kazoo)} ms   raw JsSIP ${f1(r.raw)} ms   ratio ${(r.kazoo / r.raw).toFixed(2)}x   (target <= 1.10x)`);
    console.log(`call set-up   connect -> onAccepted     kazoo ${f1(c.kazoo)} ms   raw JsSIP ${f1(c.raw)} ms   ratio ${(c.kazoo / c.raw).toFixed(2)}x   (target: kazoo <= 50 ms)`);
    console.log(`size          dist/kazoo.min.js gzip    ${kazooGzip} B (${(kazooGzip / 1024).toFixed(1)} KiB)   JsSIP alone ${jssipGzip} B   ratio ${(kazooGzip / jssipGzip).toFixed(2)}x   (target <= 62 KB)`);
    console.log(`samples       registration kazoo [${reg.kazoo.map(f1).join(', ')}]`);
    console.log(`              registration raw   [${reg.raw.map(f1).join(', ')}]`);
    console.log(`              call kazoo [${call.kazoo.map(f1).join(', ')}]`);
    console.log(`              call raw   [${call.raw.map(f1).join(', ')}]`);
  } finally {
    await ctx.close();
    server.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
