#!/usr/bin/env node
// Issue 13, WebRTC: what happens to an answered call when (1) the server closes the phone's WebSocket
// (the lab's GET /kick/<user>) and (2) Kamailio is restarted (stopped by PID and started again on the
// same ports, with GRUU: -A WITH_GRUU, docs/survival.md), kazoo-js beside raw JsSIP (default settings)
// on the same event in the same run, in headless Chromium against the lab's Kamailio. The far end is
// raw JsSIP in both cases. Per run and phone: ws close (or Kamailio answering again) → registered again,
// → dialog refreshed (a re-INVITE reached the far end), and whether the far end's later BYE reaches the
// phone (else: a ghost call). Medians of BENCH_N runs (default 5). Run by bench/run.sh (inside the
// network namespace, lab started; LAB_RUN_DIR names it). BENCH_SURVIVAL=kick|restart runs one of them.
import fs from 'node:fs';
import http from 'node:http';
import { execFile } from 'node:child_process';
import WebSocket from 'ws';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { rollup } from 'rollup';
import commonjs from '@rollup/plugin-commonjs';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { packageJsonFields } from '../rollup.plugins.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const N = Number(process.env.BENCH_N || 5);
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
  '--disable-background-networking', '--no-first-run', '--disable-quic', '--allow-loopback-in-peer-connection',
  '--autoplay-policy=no-user-gesture-required', '--disable-background-timer-throttling', '--disable-renderer-backgrounding'];
const median = (xs) => { if (!xs.length) return NaN; const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function jssipBundle() {
  const entry = path.join(ROOT, 'bench', `.survival-entry-${process.pid}.mjs`);
  fs.writeFileSync(entry, `import JsSIP from ${JSON.stringify(path.join(ROOT, 'node_modules/jssip/lib/JsSIP.js'))}; globalThis.JsSIP = JsSIP;\n`);
  try {
    const b = await rollup({ input: entry, plugins: [packageJsonFields, nodeResolve({ browser: true, preferBuiltins: false }), commonjs()], onwarn: () => {} });
    return (await b.generate({ format: 'iife' })).output[0].code;
  } finally {
    fs.rmSync(entry, { force: true });
  }
}

// every page: the SIP socket's close/open times and the SIP requests received (first line), epoch ms
const WATCH = `<script>
window.mark = []; window.sipIn = [];
(function () { var N = window.WebSocket; window.WebSocket = function (u, p) { var ws = new N(u, p);
  ws.addEventListener('open', function () { mark.push({ what: 'open', t: Date.now() }); });
  ws.addEventListener('close', function () { mark.push({ what: 'close', t: Date.now() }); });
  ws.addEventListener('message', function (e) { if (typeof e.data === 'string') sipIn.push({ line: e.data.split('\\r\\n', 1)[0], t: Date.now() }); });
  return ws; }; window.WebSocket.prototype = N.prototype; ['CONNECTING','OPEN','CLOSING','CLOSED'].forEach(function (k) { window.WebSocket[k] = N[k]; }); })();
</script>`;
const MEDIA = "{ mediaConstraints: { audio: true, video: false }, pcConfig: { iceServers: [] } }";
const PAGES = {
  // raw JsSIP with its defaults, answering every call
  '/raw.html': `${WATCH}<script src="jssip.js"></script><script>
window.phone = { register: function (user) { return new Promise(function (resolve) {
  var ua = new JsSIP.UA({ sockets: [new JsSIP.WebSocketInterface('ws://127.0.0.1:8088/ws')], uri: 'sip:' + user + '@lab.test', password: 'secret' + user });
  ua.on('registered', function () { mark.push({ what: 'registered', t: Date.now() }); resolve(); });
  ua.on('newRTCSession', function (e) { if (e.originator !== 'remote') return; phone.session = e.session;
    e.session.on('ended', function () { mark.push({ what: 'ended', t: Date.now() }); });
    e.session.on('failed', function () { mark.push({ what: 'ended', t: Date.now() }); });
    e.session.answer(${MEDIA}); });
  window.ua = ua; ua.start(); }); },
  hangupLocal: function () { if (phone.session && !phone.session.isEnded()) phone.session.terminate(); } };
</script>`,
  '/kazoo.html': `${WATCH}<script src="kazoo.js"></script><script>
window.phone = { register: function (user) { return new Promise(function (resolve) {
  kazoo.init({ onLoaded: function () { kazoo.register({ wsUrl: 'ws://127.0.0.1:8088/ws', realm: 'lab.test', privateIdentity: user, publicIdentity: 'sip:' + user + '@lab.test', password: 'secret' + user,
    onConnected: function () { mark.push({ what: 'registered', t: Date.now() }); resolve(); },
    onIncoming: function (call) { call.accept(); },
    onHangup: function () { mark.push({ what: 'ended', t: Date.now() }); } }); } }); }); },
  hangupLocal: function () { if (kazoo.currentCall) kazoo.hangup(); } };
</script>`,
  '/far.html': `${WATCH}<script src="jssip.js"></script><script>
window.far = { log: [], register: function (user) { return new Promise(function (resolve) {
  var ua = new JsSIP.UA({ sockets: [new JsSIP.WebSocketInterface('ws://127.0.0.1:8088/ws')], uri: 'sip:' + user + '@lab.test', password: 'secret' + user, session_timers: false });
  ua.on('registered', resolve); far.ua = ua; ua.start(); }); },
  call: function (target) { return new Promise(function (resolve, reject) { far.log = [];
    var s = far.ua.call(target, ${MEDIA}); far.session = s;
    s.on('confirmed', resolve); s.on('failed', function (e) { reject(new Error(e.cause)); });
    s.on('reinvite', function () { far.log.push({ what: 'reinvite', t: Date.now() }); }); }); },
  hangup: function () { if (far.session && !far.session.isEnded()) far.session.terminate(); } };
</script>`,
};

/** the lab's GET /contacts/<user>: how many bindings Kamailio has for the user */
function bindings(user) {
  return new Promise((resolve) => {
    http.get(`http://127.0.0.1:8088/contacts/${user}`, { agent: false, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve(Number(/count=(\d+)/.exec(body)?.[1] ?? 0)));
    }).on('error', () => resolve(0));
  });
}

async function registeredAtKamailio(users, ms) {
  const end = Date.now() + ms;
  for (const u of users) while ((await bindings(u)) < 1 && Date.now() < end) await sleep(100);
}

function kick(user) {
  return new Promise((resolve, reject) => {
    http.get(`http://127.0.0.1:8088/kick/${user}`, { agent: false, headers: { connection: 'close' } }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject);
  });
}

/** fixtures/lab/{stop,start}.sh for Kamailio only (rtpengine keeps running) */
function lab(script, defines = '') {
  return new Promise((resolve, reject) => {
    execFile(path.join(ROOT, 'fixtures/lab', script), ['kamailio'], { env: { ...process.env, LAB_KAMAILIO_DEFINES: defines }, timeout: 60_000 },
      (err, out, errOut) => (err ? reject(new Error(`${script} kamailio: ${out}${errOut}`)) : resolve()));
  });
}

/** epoch ms at which the lab's WebSocket first completes a SIP WebSocket handshake again */
async function firstAnswer(withinMs) {
  const end = Date.now() + withinMs;
  while (Date.now() < end) {
    const at = await new Promise((resolve) => {
      const ws = new WebSocket('ws://127.0.0.1:8088/ws', 'sip');
      const t = setTimeout(() => { ws.terminate(); resolve(null); }, 500);
      ws.on('open', () => { clearTimeout(t); const now = Date.now(); ws.terminate(); resolve(now); });
      ws.on('error', () => { clearTimeout(t); resolve(null); });
    });
    if (at !== null) return at;
    await sleep(20);
  }
  throw new Error('Kamailio did not answer again');
}

const GRUU = '-A WITH_GRUU';

/** one call, one Kamailio restart: what this phone did about it (times from Kamailio answering again) */
async function oneRestart(phone, far, user) {
  await phone.evaluate(() => { window.mark = []; window.sipIn = []; });
  await far.evaluate((u) => far.call(`sip:${u}@lab.test`), user);
  await sleep(500);
  await lab('stop.sh');
  const answered = firstAnswer(20_000);
  await lab('start.sh', GRUU);
  const registered = await waitFor(phone, () => mark.some((m) => m.what === 'registered'), 30_000);
  // Kamailio answers again: seen by our poller, or by the phone's socket opening, if earlier
  const opened = (await phone.evaluate(() => window.mark)).find((x) => x.what === 'open')?.t ?? Infinity;
  const answeredAt = Math.min(await answered, opened);
  if (process.env.BENCH_DEBUG) console.log(user, JSON.stringify((await phone.evaluate(() => window.mark)).filter((x) => x.what !== 'sip').map((x) => [x.what, x.t - answeredAt])));
  // the far end (raw JsSIP) comes back on its own schedule; the refresh can only reach it after that
  await waitFor(far, () => far.ua.isRegistered(), 30_000);
  await waitFor(far, () => far.log.some((l) => l.what === 'reinvite'), 20_000);
  return outcome(phone, far, registered, answeredAt);
}

/** registered and refreshed how long after `from`; then the far end hangs up: did its BYE reach the phone? */
async function outcome(phone, far, registered, from) {
  const m = await phone.evaluate(() => window.mark);
  const log = await far.evaluate(() => far.log);
  const reg = registered ? m.find((x) => x.what === 'registered').t - from : NaN;
  const refresh = log.length ? log[0].t - from : NaN;
  await far.evaluate(() => far.hangup());
  const byeReached = await waitFor(phone, () => mark.some((x) => x.what === 'ended'), 2000);
  if (!byeReached) await phone.evaluate(() => phone.hangupLocal());
  await sleep(300);
  // all three registered again before the next run's call (raw JsSIP takes its time after a restart)
  await registeredAtKamailio(['1001', '1002', '1003'], 30_000);
  return { reg, refresh, byeReached };
}

async function waitFor(page, fn, ms) {
  try { await page.waitForFunction(fn, null, { timeout: ms, polling: 20 }); return true; } catch { return false; }
}

/** one call, one kick: what this phone did about it */
async function oneRun(phone, far, user) {
  await phone.evaluate(() => { window.mark = []; window.sipIn = []; });
  await far.evaluate((u) => far.call(`sip:${u}@lab.test`), user);
  await sleep(500);
  const kickedAt = Date.now();
  await kick(user);
  const registered = await waitFor(phone, () => mark.some((m) => m.what === 'registered'), 15_000);
  await waitFor(far, () => far.log.some((l) => l.what === 'reinvite'), 1500);
  const closedAt = ((await phone.evaluate(() => window.mark)).find((x) => x.what === 'close') ?? { t: kickedAt }).t;
  return outcome(phone, far, registered, closedAt);
}

async function main() {
  const files = { '/jssip.js': await jssipBundle(), '/kazoo.js': fs.readFileSync(path.join(ROOT, 'dist/kazoo.js'), 'utf8') };
  const server = http.createServer((req, res) => {
    const p = req.url.split('?')[0];
    const body = PAGES[p] ?? files[p];
    if (!body) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'content-type': p.endsWith('.js') ? 'text/javascript' : 'text/html' });
    res.end(body);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: ARGS });
  try {
    const open = async (file) => { const p = await (await browser.newContext()).newPage(); await p.goto(`${base}${file}`); return p; };
    const phones = { kazoo: { page: await open('/kazoo.html'), user: '1001' }, raw: { page: await open('/raw.html'), user: '1003' } };
    const far = await open('/far.html');
    await far.evaluate(() => far.register('1002'));
    for (const p of Object.values(phones)) await p.page.evaluate((u) => phone.register(u), p.user);
    const which = process.env.BENCH_SURVIVAL ?? 'all';
    const row = (r) => {
      const refreshed = r.filter((x) => Number.isFinite(x.refresh));
      const regs = r.filter((x) => Number.isFinite(x.reg));
      return `registered ${regs.length ? median(regs.map((x) => x.reg)).toFixed(0).padStart(5) : '  n/a'} ms   dialog refreshed ${refreshed.length}/${r.length}${refreshed.length ? ` (${median(refreshed.map((x) => x.refresh)).toFixed(0)} ms)` : ''}   far end's BYE reached the phone ${r.filter((x) => x.byeReached).length}/${r.length}`;
    };
    const interleaved = async (run) => {
      const out = { kazoo: [], raw: [] };
      for (let i = 0; i < N; i++) {
        for (const kind of i % 2 ? ['raw', 'kazoo'] : ['kazoo', 'raw']) out[kind].push(await run(phones[kind].page, far, phones[kind].user));
      }
      return out;
    };
    if (which === 'all' || which === 'kick') {
      const out = await interleaved(oneRun);
      console.log(`server closes the phone's WebSocket mid-call (median of ${N}; targets: registered <= 300 ms after the close, dialog refreshed, BYE reaches the phone)`);
      console.log(`  kazoo-js    ${row(out.kazoo)}`);
      console.log(`  raw JsSIP   ${row(out.raw)}`);
    }
    if (which === 'all' || which === 'restart') {
      // every UA onto a Kamailio with GRUU first (a restart without a call: they all register again)
      await lab('stop.sh');
      await lab('start.sh', GRUU);
      await registeredAtKamailio(['1001', '1002', '1003'], 30_000);
      await sleep(1000);
      try {
        const out = await interleaved(oneRestart);
        console.log(`Kamailio restarted mid-call, GRUU (median of ${N}; times from Kamailio answering again; targets: registered <= 300 ms, dialog refreshed, BYE reaches the phone)`);
        console.log(`  kazoo-js    ${row(out.kazoo)}`);
        console.log(`  raw JsSIP   ${row(out.raw)}`);
        console.log('  (the refresh can only reach the far end, raw JsSIP, once it registered again on its own schedule: 2 s at the earliest)');
      } finally {
        await lab('stop.sh');
        await lab('start.sh');
      }
    }
  } finally {
    await browser.close();
    server.close();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
