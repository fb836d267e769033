#!/usr/bin/env node
// The Wazo phone against raw JsSIP, in the same run, against the Wazo dev engine (dist/kazoo-wazo-dev.cjs,
// started here on a free loopback port, self-signed certificate): `Wazo.Phone.connect` → resolved
// (REGISTER answered) vs raw JsSIP `ua.start()` → `registered`, both on the same Wazo line; and
// `Wazo.Phone.call` → `onCallAccepted` vs raw JsSIP `ua.call` → `accepted`, raw JsSIP with the same
// early-candidate ICE option as ours (like with like) and with its default (waits for ICE gathering).
// Interleaved (the order alternates), medians of N (BENCH_N, default 12), headless Chromium; the first
// round of each warms up and is left out. The Wazo page is dist/kazoo-wazo.min.js; login (REST) is not
// timed: Phone.connect reads the line fetched at login, so both sides time SIP only. Goal: ≤ 1.10×.
// Run by bench/run.sh inside the lab's network namespace (loopback only); needs npm run build.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, ROOT, jssipBundle, median, servePages } from '../browser-bench.mjs';

const N = Number(process.env.BENCH_N || 12);
const f1 = (x) => x.toFixed(1);
const ratio = (a, b) => `${(a / b).toFixed(2)}x`;

/** the dev engine as its bin runs it; resolves to { server: 'host:port', stop() } */
async function startDevEngine() {
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/kazoo-wazo-dev.cjs'), '--port', '0', '--json', '--log-level', 'error'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const stop = () => new Promise((resolve) => {
    if (child.exitCode !== null) { resolve(); return; }
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => { clearTimeout(kill); resolve(); });
    child.kill('SIGINT');
  });
  const lines = readline.createInterface({ input: child.stdout });
  const info = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('kazoo-wazo-dev printed no JSON line within 15 s')), 15_000);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`kazoo-wazo-dev exited (${code})`)); });
    lines.on('line', (line) => {
      if (!line.startsWith('{')) return;
      clearTimeout(timer);
      resolve(JSON.parse(line));
    });
  }).catch(async (e) => { await stop(); throw e; });
  return { server: info.server, sipUrl: info.sipUrl, stop };
}

async function main() {
  const files = {
    '/jssip.html': [fs.readFileSync(path.join(ROOT, 'bench/pages/jssip.html')), 'text/html'],
    '/wazo.html': [fs.readFileSync(path.join(ROOT, 'bench/wazo/pages/wazo.html')), 'text/html'],
    '/jssip.js': [Buffer.from(await jssipBundle()), 'text/javascript'],
    '/kazoo-wazo.min.js': [fs.readFileSync(path.join(ROOT, 'dist/kazoo-wazo.min.js')), 'text/javascript'],
  };
  const pages = await servePages(files);
  const engine = await startDevEngine();
  const domain = engine.server.replace(/:\d+$/, '');
  const rawServer = { wsUrl: engine.sipUrl, domain };
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'kazoo-bench-wazo-'));
  const ctx = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args: [...CHROMIUM_ARGS, '--ignore-certificate-errors'] });
  const open = async (file) => { const p = await ctx.newPage(); await p.goto(`${pages.base}/${file}`); return p; };
  try {
    // Registration on one line (1001), a fresh page each, raw JsSIP and Wazo.Phone alternating.
    const registerOnce = {
      wazo: async () => {
        const p = await open('wazo.html');
        try {
          await p.evaluate(([h, u]) => window.wz.logIn(h, u), [engine.server, '1001']);
          const ms = await p.evaluate(() => window.wz.connect());
          await p.evaluate(() => window.wz.disconnect());
          return ms;
        } finally { await p.close(); }
      },
      raw: async () => {
        const p = await open('jssip.html');
        try {
          const ms = await p.evaluate(([u, s]) => window.raw.register(u, false, s), ['1001', rawServer]);
          await p.evaluate(() => window.raw.stop());
          return ms;
        } finally { await p.close(); }
      },
    };
    const reg = { wazo: [], raw: [] };
    for (let i = 0; i < N + 1; i++) {
      for (const kind of i % 2 ? ['wazo', 'raw'] : ['raw', 'wazo']) {
        const ms = await registerOnce[kind]();
        if (i > 0) reg[kind].push(ms);
      }
    }

    // Calls: three registered pairs (a line can hold only one of them), one call of each per round, the
    // order rotating: Wazo.Phone 1002 → 1003, raw JsSIP early-candidate 1004 → 1005, raw default 1006 → 1007.
    const wazoA = await open('wazo.html');
    const wazoB = await open('wazo.html');
    for (const [p, u] of [[wazoA, '1002'], [wazoB, '1003']]) {
      await p.evaluate(([h, user]) => window.wz.logIn(h, user), [engine.server, u]);
      await p.evaluate(() => window.wz.connect());
    }
    const raws = {};
    for (const [name, user, fast] of [['tunedA', '1004', true], ['tunedB', '1005', true], ['defaultA', '1006', false], ['defaultB', '1007', false]]) {
      raws[name] = await open('jssip.html');
      await raws[name].evaluate(([u, f, s]) => window.raw.register(u, f, s), [user, fast, rawServer]);
    }
    const placeCall = {
      wazo: () => wazoA.evaluate(() => window.wz.call('1003')),
      tuned: () => raws.tunedA.evaluate((d) => window.raw.call(`sip:1005@${d}`), domain),
      default: () => raws.defaultA.evaluate((d) => window.raw.call(`sip:1007@${d}`), domain),
    };
    const kinds = Object.keys(placeCall);
    const call = { wazo: [], tuned: [], default: [] };
    for (let i = 0; i < N + 1; i++) {
      for (let j = 0; j < kinds.length; j++) {
        const kind = kinds[(i + j) % kinds.length];
        const ms = await placeCall[kind]();
        if (i > 0) call[kind].push(ms);
      }
    }
    await Promise.all([wazoA, wazoB].map((p) => p.evaluate(() => window.wz.disconnect())));
    await Promise.all(Object.values(raws).map((p) => p.evaluate(() => window.raw.stop())));

    const r = { wazo: median(reg.wazo), raw: median(reg.raw) };
    const c = { wazo: median(call.wazo), tuned: median(call.tuned), default: median(call.default) };
    const load = os.loadavg().map((x) => x.toFixed(1)).join(' ');
    console.log(`Wazo phone benchmark (${N} registrations and ${N} calls of each, interleaved, medians; Chromium, Wazo dev engine over wss on loopback; loadavg ${load})`);
    console.log(`registration  Phone.connect -> registered   Wazo.Phone ${f1(r.wazo)} ms   raw JsSIP same line ${f1(r.raw)} ms   ratio ${ratio(r.wazo, r.raw)}   (fresh page each; target <= 1.10x: ${r.wazo / r.raw <= 1.1 ? 'met' : 'MISSED'})`);
    console.log(`call set-up   Phone.call -> onCallAccepted  Wazo.Phone ${f1(c.wazo)} ms   raw JsSIP, same early-candidate ICE ${f1(c.tuned)} ms   ratio ${ratio(c.wazo, c.tuned)}   (target <= 1.10x: ${c.wazo / c.tuned <= 1.1 ? 'met' : 'MISSED'})`);
    console.log(`                                                         raw JsSIP, default (waits for ICE gathering) ${f1(c.default)} ms   ratio ${ratio(c.wazo, c.default)}`);
    console.log(`samples       registration Wazo.Phone [${reg.wazo.map(f1).join(', ')}]`);
    console.log(`              registration raw        [${reg.raw.map(f1).join(', ')}]`);
    console.log(`              call Wazo.Phone         [${call.wazo.map(f1).join(', ')}]`);
    console.log(`              call raw, early         [${call.tuned.map(f1).join(', ')}]`);
    console.log(`              call raw, default       [${call.default.map(f1).join(', ')}]`);
  } finally {
    await ctx.close();
    pages.close();
    await engine.stop();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
