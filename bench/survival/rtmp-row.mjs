// Issue 13, RTMP: an answered call through this project's gateway survives a dropped RTMP connection
// (`--resume-grace`, gateway/session/resume.ts). The phone is kazoo-js with `forceRTMP` over the gateway's
// WebSocket tunnel, through a TCP relay here that can cut the connection (both TCP ends reset, as
// test/e2e/survival-rtmp.e2e.test.ts does); the far end is raw JsSIP, media relayed by rtpengine to the
// gateway's RTP. Per run: cut (new connections refused for 1 s) → onConnected again, onConnected → audio back at each receiver, and
// whether the far end's BYE then reaches the page. Raw JsSIP has no RTMP: "n/a" beside it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ROOT } from '../browser-bench.mjs';
import { FarEnd, PAIRS, Phone, callUp, heard } from './parties.mjs';
import { count, line, ms, sleep, title, verdict, within } from './report.mjs';

const GATEWAY = path.join(ROOT, 'dist/rtmp-gateway.cjs');
/** how long the network stays down after the cut: the page's first attempt fails, the audio really stops */
const OUTAGE_MS = 1000;

const freePort = () => new Promise((resolve) => {
  const s = net.createServer();
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

/** `node dist/rtmp-gateway.cjs`, resolved once its tunnel port accepts; stop() ends it by its PID */
async function startGateway(rtmpPort, httpPort) {
  const child = spawn(process.execPath, [GATEWAY, '--rtmp', `127.0.0.1:${rtmpPort}`, '--http', `127.0.0.1:${httpPort}`, '--resume-grace', '30', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const exited = new Promise((r) => child.once('exit', r));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    process.kill(child.pid, 'SIGINT'); // at once: every session un-REGISTERed, calls get their BYE
    const t = setTimeout(() => { try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ } }, 3000);
    await exited;
    clearTimeout(t);
  };
  const end = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`kazoo-rtmp-gateway exited: ${out}`);
    const accepts = await new Promise((r) => { const c = net.connect(httpPort, '127.0.0.1', () => { c.destroy(); r(true); }); c.on('error', () => r(false)); });
    if (accepts) return { stop };
    if (Date.now() > end) { await stop(); throw new Error(`kazoo-rtmp-gateway did not listen within 10 s: ${out}`); }
    await sleep(100);
  }
}

/**
 * A TCP relay to the gateway's HTTP port that passes WebSocket upgrades only (so the page cannot fall
 * back to RTMPT, whose polls survive a cut), can cut every relayed connection at once (RST), and
 * refuses new connections while `refuse` is set (a network that stays down a while).
 */
async function cuttableRelay(targetPort) {
  const pairs = new Set();
  const relay = { refuse: false };
  const server = net.createServer((client) => {
    client.on('error', () => undefined);
    if (relay.refuse) return void client.destroy();
    client.once('data', (first) => {
      if (!first.subarray(0, 4).equals(Buffer.from('GET '))) return void client.destroy();
      const upstream = net.connect(targetPort, '127.0.0.1');
      upstream.on('error', () => undefined);
      upstream.write(first);
      const pair = [client, upstream];
      pairs.add(pair);
      client.pipe(upstream);
      upstream.pipe(client);
      const end = () => { pairs.delete(pair); client.destroy(); upstream.destroy(); };
      client.on('close', end);
      upstream.on('close', end);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const cut = () => { for (const [a, b] of pairs) { a.resetAndDestroy(); b.resetAndDestroy(); } pairs.clear(); };
  return Object.assign(relay, { port: server.address().port, cut, close: () => { cut(); return new Promise((r) => server.close(r)); } });
}

/** the first sample after `from` that heard `hz` after one that did not (null: no gap, or not back yet) */
function backAfterGap(samples, hz, from) {
  let gap = false;
  for (const s of samples) {
    if (s.t < from) continue;
    if (!heard(s.h, hz)) gap = true;
    else if (gap) return s.t;
  }
  return gap ? NaN : null;
}

/** one call over RTMP, one cut: what the page and the far end lived through */
async function oneCut(env, relay) {
  const { phoneHz, farHz } = PAIRS.rtmp;
  const phone = await Phone.open(env.phones, env.base, 'rtmp', `ws://127.0.0.1:${relay.port}/rtmp`);
  const far = await FarEnd.open(env.fars, env.farBase, 'rtmp');
  try {
    await callUp(phone, far);
    await sleep(500);
    const cutAt = Date.now();
    relay.refuse = true;
    relay.cut();
    await sleep(OUTAGE_MS);
    relay.refuse = false;
    const connected = await phone.firstEvent('onConnected', cutAt, 15_000);
    if (!connected) throw new Error('no onConnected within 15 s of the cut');
    await sleep(3000);
    // no gap at a receiver (null): the audio never stopped for its meter (its window is ~0.34 s): 0
    const after = (t) => (t === null ? 0 : t - connected.at);
    const audio = Math.max(after(backAfterGap(await phone.samples(), farHz, cutAt)), after(backAfterGap(await far.samples(), phoneHz, cutAt)));
    const dropped = await phone.firstEvent('onHangup', cutAt);
    const byeAt = Date.now();
    await far.hangup();
    const bye = await phone.firstEvent('onHangup', byeAt, 5000);
    return { connected: connected.at - cutAt, audio, up: !dropped, bye: !!bye };
  } finally {
    await far.close();
    await phone.close();
  }
}

export async function rtmpResume(env, n) {
  if (!fs.existsSync(GATEWAY)) { console.log(`RTMP resume: skipped, ${GATEWAY} is missing (npm run build)`); return; }
  const httpPort = await freePort();
  const gateway = await startGateway(await freePort(), httpPort);
  const relay = await cuttableRelay(httpPort);
  const runs = [];
  try {
    for (let i = 0; i < n; i++) {
      runs.push(await oneCut(env, relay).catch((e) => { console.error(`  (rtmp run ${i + 1}: ${e.message})`); return null; }));
    }
  } finally {
    await relay.close();
    await gateway.stop();
  }
  const ok = runs.filter(Boolean);
  title(`RTMP through our gateway (--resume-grace 30): the tunnel's TCP connection cut mid-call, new ones refused for ${OUTAGE_MS / 1000} s`, n);
  line('cut -> onConnected again', ms(ok.map((x) => x.connected), n), 'n/a (no RTMP)', '');
  line('onConnected -> audio back both ways', ms(ok.map((x) => x.audio), n), 'n/a', verdict('<= 1000 ms', within(ok.map((x) => x.audio), 1000) && ok.length === n));
  line("same call; the far end's BYE then reaches it", `${count(runs.map((x) => x?.up))}; ${count(runs.map((x) => x?.bye))}`, 'n/a', verdict('every run', runs.every((x) => x?.up && x.bye)));
}
