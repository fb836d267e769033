#!/usr/bin/env node
// Registration (register → onConnected) and call set-up (connect() → onAccepted) of kazoo-js against
// raw JsSIP in the same run, interleaved (raw and ours alternate, so load on the shared machine hits
// both alike), in headless Chromium against the lab's Kamailio on loopback; medians of N (BENCH_N,
// default 16) of each, printed as ratios. Every registration gets a fresh page. Calls are compared with
// raw JsSIP using the same early-candidate ICE option as ours (like with like) and with JsSIP's default
// (waits for ICE gathering to complete). Also the gzip size of the global build against JsSIP alone.
// Run by bench/run.sh (inside the network namespace, lab started). BENCH_KAZOO_JS=<file> times another
// build of the global script (an instrumented copy, say) instead of dist/kazoo.min.js.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, ROOT, jssipBundle, median, servePages } from './browser-bench.mjs';

const N = Number(process.env.BENCH_N || 16);
const f1 = (x) => x.toFixed(1);

/** one registration in a page of its own: opened, timed register → connected, logged out, closed */
async function registerOnce(ctx, url, kind, user) {
  const page = await ctx.newPage();
  try {
    await page.goto(url);
    if (kind === 'kazoo') {
      await page.evaluate(() => window.k.ready);
      const ms = await page.evaluate((u) => window.k.register(u), user);
      await page.evaluate(() => window.k.stop());
      return ms;
    }
    const ms = await page.evaluate((u) => window.raw.register(u, false), user);
    await page.evaluate(() => window.raw.stop());
    return ms;
  } finally {
    await page.close();
  }
}

async function main() {
  const jssip = await jssipBundle();
  const kazooFile = process.env.BENCH_KAZOO_JS || path.join(ROOT, 'dist/kazoo.min.js');
  const files = {
    '/jssip.html': [fs.readFileSync(path.join(ROOT, 'bench/pages/jssip.html')), 'text/html'],
    '/kazoo.html': [fs.readFileSync(path.join(ROOT, 'bench/pages/kazoo.html')), 'text/html'],
    '/jssip.js': [Buffer.from(jssip), 'text/javascript'],
    '/kazoo.min.js': [fs.readFileSync(kazooFile), 'text/javascript'],
  };
  const server = await servePages(files);
  const base = server.base;
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'kazoo-bench-'));
  const ctx = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  try {
    // Registration: raw JsSIP and kazoo-js alternate (who goes first alternates too), each in a fresh page,
    // so both see the same machine state and neither inherits the other's warm JIT or open socket.
    // The first pair warms up Chromium's renderer and Kamailio: left out.
    const reg = { raw: [], kazoo: [] };
    for (let i = 0; i < N + 1; i++) {
      const order = i % 2 ? ['kazoo', 'raw'] : ['raw', 'kazoo'];
      for (const kind of order) {
        const ms = await registerOnce(ctx, `${base}/${kind === 'raw' ? 'jssip' : 'kazoo'}.html`, kind, kind === 'raw' ? '1007' : '1008');
        if (i > 0) reg[kind].push(ms);
      }
    }

    // Call set-up: three registered pairs, one call of each per round, the order rotating every round:
    // kazoo-js (1003 → 1004), raw JsSIP with the same early-candidate ICE option (1001 → 1002), raw JsSIP
    // with its default (1005 → 1006). The first round warms getUserMedia up: left out.
    const pages = {};
    const open = async (file) => { const p = await ctx.newPage(); await p.goto(`${base}/${file}`); return p; };
    for (const [name, file] of [['kazooA', 'kazoo.html'], ['kazooB', 'kazoo.html'], ['tunedA', 'jssip.html'], ['tunedB', 'jssip.html'], ['defaultA', 'jssip.html'], ['defaultB', 'jssip.html']]) pages[name] = await open(file);
    await pages.kazooA.evaluate(() => window.k.ready);
    await pages.kazooB.evaluate(() => window.k.ready);
    await pages.kazooA.evaluate(() => window.k.register('1003'));
    await pages.kazooB.evaluate(() => window.k.register('1004'));
    await pages.tunedA.evaluate(() => window.raw.register('1001', true));
    await pages.tunedB.evaluate(() => window.raw.register('1002', true));
    await pages.defaultA.evaluate(() => window.raw.register('1005', false));
    await pages.defaultB.evaluate(() => window.raw.register('1006', false));
    const placeCall = {
      kazoo: () => pages.kazooA.evaluate(() => window.k.call('sip:1004@lab.test')),
      tuned: () => pages.tunedA.evaluate(() => window.raw.call('sip:1002@lab.test')),
      default: () => pages.defaultA.evaluate(() => window.raw.call('sip:1006@lab.test')),
    };
    const kinds = Object.keys(placeCall);
    const call = { kazoo: [], tuned: [], default: [] };
    for (let i = 0; i < N + 1; i++) {
      for (let j = 0; j < kinds.length; j++) {
        const kind = kinds[(i + j) % kinds.length];
        const ms = await placeCall[kind]();
        if (i > 0) call[kind].push(ms);
      }
    }
    await Promise.all([pages.kazooA, pages.kazooB].map((p) => p.evaluate(() => window.k.stop())));
    await Promise.all([pages.tunedA, pages.tunedB, pages.defaultA, pages.defaultB].map((p) => p.evaluate(() => window.raw.stop())));

    const kazooGzip = zlib.gzipSync(files['/kazoo.min.js'][0], { level: 9 }).length;
    const jssipGzip = zlib.gzipSync(Buffer.from(jssip), { level: 9 }).length;
    const r = { raw: median(reg.raw), kazoo: median(reg.kazoo) };
    const c = { kazoo: median(call.kazoo), tuned: median(call.tuned), default: median(call.default) };
    const load = os.loadavg().map((x) => x.toFixed(1)).join(' ');
    console.log(`kazoo-js WebRTC benchmark (${N} registrations and ${N} calls of each, interleaved, medians; Chromium in a loopback-only namespace, Kamailio; loadavg ${load})`);
    console.log(`registration  register -> onConnected   kazoo ${f1(r.kazoo)} ms   raw JsSIP ${f1(r.raw)} ms   ratio ${(r.kazoo / r.raw).toFixed(2)}x   (fresh page each; target <= 1.10x)`);
    console.log(`call set-up   connect -> onAccepted     kazoo ${f1(c.kazoo)} ms   raw JsSIP, same early-candidate ICE ${f1(c.tuned)} ms   ratio ${(c.kazoo / c.tuned).toFixed(2)}x   (target: kazoo <= 50 ms)`);
    console.log(`                                                        raw JsSIP, default (waits for ICE gathering) ${f1(c.default)} ms   ratio ${(c.kazoo / c.default).toFixed(2)}x`);
    console.log(`size          dist/kazoo.min.js gzip    ${kazooGzip} B (${(kazooGzip / 1024).toFixed(1)} KiB)   JsSIP alone ${jssipGzip} B   ratio ${(kazooGzip / jssipGzip).toFixed(2)}x   (target <= 62 KB)`);
    console.log(`samples       registration kazoo [${reg.kazoo.map(f1).join(', ')}]`);
    console.log(`              registration raw   [${reg.raw.map(f1).join(', ')}]`);
    console.log(`              call kazoo         [${call.kazoo.map(f1).join(', ')}]`);
    console.log(`              call raw, early    [${call.tuned.map(f1).join(', ')}]`);
    console.log(`              call raw, default  [${call.default.map(f1).join(', ')}]`);
  } finally {
    await ctx.close();
    server.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
