// Issue 13, the signalling rows: (1) the server closes the phone's WebSocket (the lab's GET /kick/<user>)
// and (2) Kamailio is restarted (stopped by PID and started again on the same ports, with GRUU:
// -A WITH_GRUU, docs/survival.md). Long-lived phones (one page each, registered once) take turns with
// one raw-JsSIP far end, interleaved (who goes first alternates). Per run and phone: ws close (or
// Kamailio answering again) → registered again, → dialog refreshed (a re-INVITE reached the far end),
// and whether the far end's later BYE reaches the phone (else: a ghost call).
import WebSocket from 'ws';
import { WS_URL, kamailio, kick, registeredAtKamailio } from './lab.mjs';
import { count, line, ms, msOnly, sleep, title, verdict, within } from './report.mjs';

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
export const SOCKET_PAGES = {
  // raw JsSIP with its defaults, answering every call
  '/socket-raw.html': `${WATCH}<script src="jssip.js"></script><script>
window.phone = { register: function (user) { return new Promise(function (resolve) {
  var ua = new JsSIP.UA({ sockets: [new JsSIP.WebSocketInterface('${WS_URL}')], uri: 'sip:' + user + '@lab.test', password: 'secret' + user });
  ua.on('registered', function () { mark.push({ what: 'registered', t: Date.now() }); resolve(); });
  ua.on('newRTCSession', function (e) { if (e.originator !== 'remote') return; phone.session = e.session;
    e.session.on('ended', function () { mark.push({ what: 'ended', t: Date.now() }); });
    e.session.on('failed', function () { mark.push({ what: 'ended', t: Date.now() }); });
    e.session.answer(${MEDIA}); });
  window.ua = ua; ua.start(); }); },
  hangupLocal: function () { if (phone.session && !phone.session.isEnded()) phone.session.terminate(); } };
</script>`,
  '/socket-kazoo.html': `${WATCH}<script src="kazoo.js"></script><script>
window.phone = { register: function (user) { return new Promise(function (resolve) {
  kazoo.init({ onLoaded: function () { kazoo.register({ wsUrl: '${WS_URL}', realm: 'lab.test', privateIdentity: user, publicIdentity: 'sip:' + user + '@lab.test', password: 'secret' + user,
    onConnected: function () { mark.push({ what: 'registered', t: Date.now() }); resolve(); },
    onIncoming: function (call) { call.accept(); },
    onHangup: function () { mark.push({ what: 'ended', t: Date.now() }); } }); } }); }); },
  hangupLocal: function () { if (kazoo.currentCall) kazoo.hangup(); } };
</script>`,
  '/socket-far.html': `${WATCH}<script src="jssip.js"></script><script>
window.far = { log: [], register: function (user) { return new Promise(function (resolve) {
  var ua = new JsSIP.UA({ sockets: [new JsSIP.WebSocketInterface('${WS_URL}')], uri: 'sip:' + user + '@lab.test', password: 'secret' + user, session_timers: false });
  ua.on('registered', resolve); far.ua = ua; ua.start(); }); },
  call: function (target) { return new Promise(function (resolve, reject) { far.log = [];
    var s = far.ua.call(target, ${MEDIA}); far.session = s;
    s.on('confirmed', resolve); s.on('failed', function (e) { reject(new Error(e.cause)); });
    s.on('reinvite', function () { far.log.push({ what: 'reinvite', t: Date.now() }); }); }); },
  hangup: function () { if (far.session && !far.session.isEnded()) far.session.terminate(); } };
</script>`,
};

const USERS = ['1001', '1002', '1003'];
const GRUU = '-A WITH_GRUU';

/** epoch ms at which the lab's WebSocket first completes a SIP WebSocket handshake again */
async function firstAnswer(withinMs) {
  const end = Date.now() + withinMs;
  while (Date.now() < end) {
    const at = await new Promise((resolve) => {
      const ws = new WebSocket(WS_URL, 'sip');
      const t = setTimeout(() => { ws.terminate(); resolve(null); }, 500);
      ws.on('open', () => { clearTimeout(t); const now = Date.now(); ws.terminate(); resolve(now); });
      ws.on('error', () => { clearTimeout(t); resolve(null); });
    });
    if (at !== null) return at;
    await sleep(20);
  }
  throw new Error('Kamailio did not answer again');
}

async function waitFor(page, fn, ms) {
  try { await page.waitForFunction(fn, null, { timeout: ms, polling: 20 }); return true; } catch { return false; }
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
  await registeredAtKamailio(USERS, 30_000);
  return { reg, refresh, byeReached };
}

/** one call, one kick: what this phone did about it */
async function oneKick(phone, far, user) {
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

/** one call, one Kamailio restart: what this phone did about it (times from Kamailio answering again) */
async function oneRestart(phone, far, user) {
  await phone.evaluate(() => { window.mark = []; window.sipIn = []; });
  await far.evaluate((u) => far.call(`sip:${u}@lab.test`), user);
  await sleep(500);
  await kamailio('stop');
  const answered = firstAnswer(20_000);
  await kamailio('start', GRUU);
  const registered = await waitFor(phone, () => mark.some((m) => m.what === 'registered'), 30_000);
  // Kamailio answers again: seen by our poller, or by the phone's socket opening, if earlier
  const opened = (await phone.evaluate(() => window.mark)).find((x) => x.what === 'open')?.t ?? Infinity;
  const answeredAt = Math.min(await answered, opened);
  if (process.env.BENCH_DEBUG) console.log(user, JSON.stringify((await phone.evaluate(() => window.mark)).map((x) => [x.what, x.t - answeredAt])));
  // the far end (raw JsSIP) comes back on its own schedule; the refresh can only reach it after that
  await waitFor(far, () => far.ua.isRegistered(), 30_000);
  await waitFor(far, () => far.log.some((l) => l.what === 'reinvite'), 20_000);
  return outcome(phone, far, registered, answeredAt);
}

/** long-lived phones and the far end in `browser` (pages from `base`); `rows`: which of kick, restart */
export async function socketRows(browser, base, n, rows) {
  const open = async (file) => { const p = await (await browser.newContext()).newPage(); await p.goto(`${base}${file}`); return p; };
  const phones = { kazoo: { page: await open('/socket-kazoo.html'), user: '1001' }, raw: { page: await open('/socket-raw.html'), user: '1003' } };
  const far = await open('/socket-far.html');
  await far.evaluate(() => far.register('1002'));
  for (const p of Object.values(phones)) await p.page.evaluate((u) => phone.register(u), p.user);
  const interleaved = async (run) => {
    const out = { kazoo: [], raw: [] };
    for (let i = 0; i < n; i++) {
      for (const kind of i % 2 ? ['raw', 'kazoo'] : ['kazoo', 'raw']) out[kind].push(await run(phones[kind].page, far, phones[kind].user));
    }
    return out;
  };
  const print = (out, from) => {
    const refreshed = (r) => `${count(r.map((x) => Number.isFinite(x.refresh)))}${r.some((x) => Number.isFinite(x.refresh)) ? ` (${msOnly(r.map((x) => x.refresh))})` : ''}`;
    line(`${from} -> registered again`, ms(out.kazoo.map((x) => x.reg)), ms(out.raw.map((x) => x.reg)), verdict('<= 300 ms', within(out.kazoo.map((x) => x.reg), 300)));
    line(`${from} -> dialog refreshed (re-INVITE)`, refreshed(out.kazoo), refreshed(out.raw), verdict('every run', out.kazoo.every((x) => Number.isFinite(x.refresh))));
    line("far end's BYE reaches the phone (no ghost)", count(out.kazoo.map((x) => x.byeReached)), count(out.raw.map((x) => x.byeReached)), verdict('every run', out.kazoo.every((x) => x.byeReached)));
  };
  try {
    if (rows.includes('kick')) {
      const out = await interleaved(oneKick);
      title("the server closes the phone's WebSocket mid-call (the lab's /kick; phones take turns)", n);
      print(out, 'ws close');
    }
    if (rows.includes('restart')) {
      // every UA onto a Kamailio with GRUU first (a restart without a call: they all register again)
      await kamailio('stop');
      await kamailio('start', GRUU);
      await registeredAtKamailio(USERS, 30_000);
      await sleep(1000);
      try {
        const out = await interleaved(oneRestart);
        title('Kamailio restarted mid-call, with GRUU (times from Kamailio answering again; phones take turns)', n);
        print(out, 'Kamailio answers');
        console.log('  (the refresh can only reach the far end, raw JsSIP, once it registered again on its own schedule: 2 s at the earliest)');
      } finally {
        await kamailio('stop');
        await kamailio('start');
      }
    }
  } finally {
    for (const p of [far, ...Object.values(phones).map((x) => x.page)]) await p.context().close().catch(() => undefined);
  }
}
