// The parties of the survival benches' calls, in headless Chromium. Two phones answer: kazoo-js
// (dist/kazoo.js through its legacy API, its defaults) and raw JsSIP (its defaults, ICE servers none as
// kazoo's), each called by a far end of its own that shares no code with the product (raw JsSIP,
// test/e2e/pages/survival-far-end.html, media relayed by rtpengine). Every page gets the e2e tests'
// instrumentation (test/e2e/pages/instrument.js, plain JS): its microphone is a tone of its own and it
// can tell which frequency it receives; each receiver checks the one it expects.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, ROOT, jssipBundle } from '../browser-bench.mjs';
import { REALM, dropBindings } from './lab.mjs';
import { sleep, withTimeout } from './report.mjs';

const INSTRUMENT = path.join(ROOT, 'test/e2e/pages/instrument.js');
const FAR_PAGE = path.join(ROOT, 'test/e2e/pages/survival-far-end.html');
/** how far a received frequency may be from the one sent (test/support/e2e/tone-meter.ts) */
const TONE_TOLERANCE_HZ = 15;

/** who calls whom, and each party's tone (distinct, as test/support/e2e/tone-meter.ts's PAGE_TONES) */
export const PAIRS = {
  kazoo: { phone: '1001', far: '1002', phoneHz: 523, farHz: 1319, page: '/kazoo-phone.html' },
  raw: { phone: '1003', far: '1004', phoneHz: 659, farHz: 1568, page: '/raw-phone.html' },
  // kazoo-js over RTMP (bench/survival/rtmp-row.mjs): its `wsUrl` is the gateway's WebSocket tunnel
  rtmp: { phone: '1005', far: '1006', phoneHz: 784, farHz: 1109, page: '/kazoo-phone.html?rtmp=1' },
};

// after instrument.js: the SIP sockets' open/close (epoch ms) and a 100 ms audio sampler
const MARKS = `(() => {
  window.marks = [];
  const push = window.__sockets.push;
  window.__sockets.push = function (ws) {
    ws.addEventListener('open', () => marks.push({ what: 'open', t: Date.now() }));
    ws.addEventListener('close', () => marks.push({ what: 'close', t: Date.now() }));
    return push.call(this, ws);
  };
  window.sample = (hz) => {
    window.samples = [];
    clearInterval(window.sampler);
    window.sampler = setInterval(() => samples.push({ t: Date.now(), h: __hearTone([hz]) }), 100);
  };
})();`;

const head = (script) => `<!DOCTYPE html><html><head><meta charset="utf-8"><script src="${script}"></script></head><body><script>`;
const PHONE_PAGES = {
  // the product through its legacy API: instrument.js's registerWith records every callback, answers calls
  '/kazoo-phone.html': `${head('kazoo.js')}
// ?rtmp=1: forceRTMP, its wsUrl the gateway WebSocket tunnel (kazoo.js fetches kazoo-rtmp-transport.js)
var rtmp = /[?&]rtmp=1/.test(location.search);
window.ready = new Promise(function (r) { kazoo.init({ forceRTMP: rtmp, onLoaded: r }); });
window.phone = {
  register: function (wsUrl, user) { return ready.then(function () { window.autoAnswer = 'accept';
    var server = rtmp ? { rtmpUrl: 'rtmp://127.0.0.1/sip', rtmpTunnelUrl: wsUrl } : { wsUrl: wsUrl };
    registerWith(Object.assign(server, { realm: '${REALM}', privateIdentity: user, publicIdentity: 'sip:' + user + '@${REALM}', password: 'secret' + user })); }); },
  dtmf: function (tone) { kazoo.sendDTMF(tone); },
  mute: function (on) { return new Promise(function (r) { kazoo.muteMicrophone(on, function () { r('ok'); }, function (e) { r(e.key); }); }); },
  transfer: function (target) { kazoo.transfer(target); },
  inCall: function () { return kazoo.currentCall !== null; },
  hangup: function () { if (kazoo.currentCall) kazoo.hangup(); },
  stop: function () { return kazoo.logout(); }
};
</script></body></html>`,
  // raw JsSIP with its defaults, its events recorded under the legacy callbacks' names
  '/raw-phone.html': `${head('jssip.js')}
window.phone = {
  register: function (wsUrl, user) { return new Promise(function (resolve, reject) {
    var ua = new JsSIP.UA({ sockets: [new JsSIP.WebSocketInterface(wsUrl)], uri: 'sip:' + user + '@${REALM}', password: 'secret' + user });
    ua.on('registered', function () { record('onConnected', null); resolve(); });
    ua.on('registrationFailed', function (e) { reject(new Error(e.cause)); });
    ua.on('disconnected', function () { record('onError', { key: 'disconnected' }); });
    ua.on('newRTCSession', function (e) {
      if (e.originator !== 'remote') return;
      var s = e.session;
      phone.session = s;
      s.on('confirmed', function () { record('onAccepted', null); });
      s.on('ended', function (x) { record('onHangup', { originator: x.originator, cause: x.cause }); });
      s.on('failed', function (x) { record('onHangup', { originator: x.originator, cause: x.cause }); });
      s.answer({ mediaConstraints: { audio: true, video: false }, pcConfig: { iceServers: [] } });
    });
    phone.ua = ua;
    ua.start(); }); },
  // what a page would call; JsSIP throws when the session cannot send (recorded, as kazoo reports errors)
  dtmf: function (tone) { try { phone.session.sendDTMF(tone); } catch (e) { record('onError', { key: 'dtmf', message: e.message }); } },
  mute: function (on) { if (on) phone.session.mute({ audio: true }); else phone.session.unmute({ audio: true }); return 'ok'; },
  transfer: function (target) { try { phone.session.refer(target); } catch (e) { record('onError', { key: 'transfer', message: e.message }); } },
  inCall: function () { return !!phone.session && !phone.session.isEnded(); },
  hangup: function () { if (phone.session && !phone.session.isEnded()) phone.session.terminate(); },
  stop: function () { return new Promise(function (r) { phone.ua.once('disconnected', r); phone.ua.stop(); setTimeout(r, 2000); }); }
};
</script></body></html>`,
};

/** every page the benches open, and the scripts they include */
export async function pageFiles() {
  return {
    ...Object.fromEntries(Object.entries(PHONE_PAGES).map(([p, html]) => [p, [html, 'text/html']])),
    '/far.html': [fs.readFileSync(FAR_PAGE), 'text/html'],
    '/jssip.js': [await jssipBundle(), 'text/javascript'],
    '/kazoo.js': [fs.readFileSync(path.join(ROOT, 'dist/kazoo.js')), 'text/javascript'],
    '/kazoo-rtmp-transport.js': [fs.readFileSync(path.join(ROOT, 'dist/kazoo-rtmp-transport.js')), 'text/javascript'],
  };
}

/** `phoneSide`: the phone's Chromium in path.sh's namespace (no loopback ICE candidate: it reaches nothing) */
export function launchChromium(phoneSide = null) {
  const args = [...CHROMIUM_ARGS, '--autoplay-policy=no-user-gesture-required'];
  return chromium.launch({
    executablePath: phoneSide ?? process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: phoneSide ? args.filter((a) => a !== '--allow-loopback-in-peer-connection') : args,
  });
}

/** the receiver heard `hz` (instrument.js __hearTone's answer), as the e2e tests' toneMiss decides */
export const heard = (h, hz) => !!h && h.rms >= 0.02 && Math.abs(h.hz - hz) <= TONE_TOLERANCE_HZ;

/**
 * When the receiver heard `hz` again after it stopped: the first of `run` samples in a row that hear it,
 * after the first sample at or after `from` that does not (null: not yet) — test/support/e2e/path.ts's rule.
 */
export function heardAgainAt(samples, hz, from, run = 3) {
  let lost = false;
  let streak = 0;
  for (let i = 0; i < samples.length; i++) {
    if (samples[i].t < from) continue;
    const ok = heard(samples[i].h, hz);
    if (!lost) { lost = !ok; continue; }
    streak = ok ? streak + 1 : 0;
    if (streak === run) return samples[i - run + 1].t;
  }
  return null;
}

async function instrumentedPage(browser, toneHz) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.addInitScript((hz) => { window.__toneHz = hz; }, toneHz);
  await page.addInitScript({ path: INSTRUMENT });
  await page.addInitScript({ content: MARKS });
  return { ctx, page };
}

/** a page's recorded callbacks with epoch ms (`at`) */
const epochEvents = (page) => page.evaluate(() => window.events.map((e) => ({ name: e.name, arg: e.arg, at: e.t + performance.timeOrigin })));

class Party {
  constructor(ctx, page) { this.ctx = ctx; this.page = page; }
  eval(fn, arg) { return this.page.evaluate(fn, arg); }
  /** does this page hear `hz` now? */
  hears(hz) { return this.page.evaluate((f) => __hearTone([f]), hz).then((h) => heard(h, hz)); }
  /** waits until it hears `hz` (false after `ms`) */
  async waitHears(hz, ms) {
    const end = Date.now() + ms;
    while (Date.now() < end) { if (await this.hears(hz)) return true; await sleep(100); }
    return false;
  }
}

export class Phone extends Party {
  /** a fresh page (a context of its own) registered as its PAIRS[kind] user over `wsUrl` */
  static async open(browser, base, kind, wsUrl) {
    const { phone: user, phoneHz } = PAIRS[kind];
    await dropBindings(user); // the previous run's page is gone without un-registering, maybe
    const { ctx, page } = await instrumentedPage(browser, phoneHz);
    const p = new Phone(ctx, page);
    p.kind = kind;
    p.user = user;
    await page.goto(`${base}${PAIRS[kind].page}`);
    await page.evaluate(([u, w]) => phone.register(w, u), [user, wsUrl]);
    if (!(await p.firstEvent('onConnected', 0, 15_000))) throw new Error(`${kind} phone ${user}: not registered within 15 s`);
    return p;
  }

  events() { return epochEvents(this.page); }

  /** the first `name` (catalogue `key`) recorded at or after `since` (epoch ms), waiting up to `ms`: { name, arg, at } or null */
  async firstEvent(name, since, ms = 0, key = null) {
    const end = Date.now() + ms;
    for (;;) {
      const e = (await this.events()).find((x) => x.name === name && x.at >= since && (!key || x.arg?.key === key));
      if (e) return e;
      if (Date.now() >= end) return null;
      await sleep(50);
    }
  }

  marks() { return this.eval(() => window.marks); }
  samples() { return this.eval(() => window.samples ?? []); }

  async close() {
    await withTimeout(this.eval(() => { phone.hangup(); return phone.stop(); }).catch(() => undefined), 3000, () => undefined);
    await this.ctx.close().catch(() => undefined);
    await dropBindings(this.user);
  }
}

export class FarEnd extends Party {
  static async open(browser, base, kind) {
    const { far: user, farHz } = PAIRS[kind];
    await dropBindings(user);
    const { ctx, page } = await instrumentedPage(browser, farHz);
    const f = new FarEnd(ctx, page);
    f.kind = kind;
    await page.goto(`${base}/far.html`);
    await withTimeout(f.eval((u) => far.register(u), user), 15_000, () => { throw new Error(`far end ${user}: no registration within 15 s`); });
    return f;
  }

  log() { return this.eval(() => far.log); }
  samples() { return this.eval(() => far.samples ?? []); }
  hangup() { return this.eval(() => far.hangup()).catch(() => undefined); }
  async close() {
    await this.hangup();
    await this.ctx.close().catch(() => undefined);
  }
}

/**
 * The far end calls its phone, which answers; both tones checked (each receiver its expected frequency)
 * and both receivers sampling from then on. Throws when the call or its audio does not come up.
 */
export async function callUp(phone, far) {
  const { phone: user, phoneHz, farHz } = PAIRS[phone.kind];
  await far.eval((u) => { far.log = []; return far.call(u); }, `sip:${user}@${REALM}`);
  if (!(await phone.firstEvent('onAccepted', 0, 15_000))) throw new Error(`${phone.kind}: the call was not answered`);
  if (!(await far.waitHears(phoneHz, 10_000))) throw new Error(`${phone.kind}: the far end does not hear the phone`);
  if (!(await phone.waitHears(farHz, 10_000))) throw new Error(`${phone.kind}: the phone does not hear the far end`);
  await far.eval((hz) => far.sample(hz), phoneHz);
  await phone.eval((hz) => sample(hz), farHz);
}

/** both parties of `kind`, fresh, in a call with audio both ways; null (reported) when that failed */
async function pairUp(env, kind, i) {
  let phone = null;
  let far = null;
  try {
    phone = await Phone.open(env.phones, env.base, kind, env.wsUrl);
    far = await FarEnd.open(env.fars, env.farBase, kind);
    await callUp(phone, far);
    return { kind, phone, far };
  } catch (e) {
    console.error(`  (${kind} run ${i + 1}, call set-up: ${e.message})`);
    await far?.close();
    await phone?.close();
    return null;
  }
}

export const KINDS = ['kazoo', 'raw'];

/**
 * `n` runs with kazoo-js and raw JsSIP on the same event at once (one link taken down, one machine's
 * load), fresh parties in each run: both calls set up, `event(pairs)` once (pairs: the calls that came
 * up, by kind), then `measure(pair, whatEventReturned)` for each, then `after()` (undo the event). A
 * failed set-up or measure is reported and counted as missing (null). Resolves to { kazoo: [...], raw: [...] }.
 */
export async function sideBySide(env, n, { event, measure, after = async () => undefined }) {
  const out = { kazoo: [], raw: [] };
  for (let i = 0; i < n; i++) {
    const up = (await Promise.all(KINDS.map((kind) => pairUp(env, kind, i)))).filter(Boolean);
    try {
      const info = up.length ? await event(Object.fromEntries(up.map((p) => [p.kind, p]))) : null;
      const results = await Promise.all(up.map((p) => measure(p, info).catch((e) => {
        console.error(`  (${p.kind} run ${i + 1}: ${e.message})`);
        return null;
      })));
      for (const kind of KINDS) out[kind].push(results[up.findIndex((p) => p.kind === kind)] ?? null);
    } finally {
      await after();
      for (const p of up) { await p.far.close(); await p.phone.close(); }
    }
  }
  return out;
}
