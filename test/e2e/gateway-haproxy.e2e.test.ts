/**
 * Scale-out (issue 13): two `kazoo-rtmp-gateway` processes behind Debian's HAProxy with the project's
 * configuration (fixtures/haproxy/haproxy.cfg: RTMP over TCP in TCP mode, the WebSocket tunnel and
 * RTMPT in HTTP mode with RTMPT sessions stuck to their instance, health checks on `/health`), the
 * lab's Kamailio and rtpengine. Clients reach the gateways only through HAProxy: a legacy page over
 * RTMPT, a legacy page over the WebSocket tunnel (both `forceRTMP` in Chromium), and Node kazoo over
 * RTMP (TCP). The far end is a raw JsSIP page (no product code), each party sending its own tone,
 * measured by the receiver.
 *  (a) rolling restart: SIGTERM to the instance carrying a call drains it: the call goes on with audio
 *      both ways until hung up, the clients without a call re-register on the other instance, and the
 *      drained instance exits 0 once its call ended.
 *  (b) SIGKILL of the instance carrying a call (three runs, the call on each kind of client in turn):
 *      every client re-registers through HAProxy on the other instance, the caller gets its hangup, and
 *      the far end, which gets no BYE from anyone, ends the call by its media timeout (3 s without RTP).
 * Measured: HAProxy's time to mark an instance down, SIGTERM/SIGKILL → re-registered elsewhere, the far
 * end's detection time.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createKazoo, type Kazoo } from '../../entries';
import { installNodeRtmp, toneSource } from '../../entries/node';
import { installRtmpPlatform } from '../../transports/rtmp/adapter/platform';
import { decodeG711 } from '../../protocol/audio/g711';
import { REALM, dropBindings, labCreds, until } from '../support/e2e/lab';
import { launch, sleep, type Lab, type PhonePage } from '../support/e2e/browser';
import { JsSipFarEnd } from '../support/e2e/siprtmp-jssip-far-end';
import { startGatewayProcess, type GatewayProcess } from '../support/e2e/gateway-process';
import { ALL_SERVERS, haproxyUnavailable, serversOf, startHaproxy, type HaproxyProcess } from '../support/e2e/haproxy';
import { ToneMeter, expectNodeTone, TONE_TOLERANCE_HZ } from '../support/e2e/tone-meter';

jest.setTimeout(300_000);

const UNAVAILABLE = haproxyUnavailable();
if (UNAVAILABLE) console.log(`SKIPPED gateway-haproxy.e2e: ${UNAVAILABLE}`);
const suite = UNAVAILABLE ? describe.skip : describe;

const FRONT_RTMP = 19750;
const FRONT_HTTP = 19760;
const GW = { gw1: { rtmp: 19751, http: 19761 }, gw2: { rtmp: 19752, http: 19762 } } as const;
type GwName = keyof typeof GW;
const other = (gw: GwName): GwName => (gw === 'gw1' ? 'gw2' : 'gw1');
/** HAProxy checks every 500 ms and needs 2 failures: an instance is out within ~1 s; idle sessions move after 2 s */
const DRAIN_IDLE_DELAY_S = 2;
/** the far end's media timeout (a PBX's rtptimeout): no RTP for this long ends the call with a BYE */
const FAR_MEDIA_TIMEOUT_MS = 3000;
/** the engine's reconnect policy: first attempt ~0.5 s after the drop (docs/api.md), plus REGISTER and slack */
const FAILOVER_BOUND_MS = 5000;

const FAR = '1002';
const FAR_HZ = 1200;
const NODE_HZ = 500;

const gateways: Partial<Record<GwName, GatewayProcess>> = {};
/** every gateway process's log, also of the killed and drained ones (written out for whoever reads a failure) */
const gatewayLogs: { name: string; log: () => string }[] = [];
let haproxy: HaproxyProcess;
let lab: Lab;
let far: JsSipFarEnd;
/** `METHOD /path` of the RTMPT page's requests to HAProxy's HTTP front */
const rtmptRequests: string[] = [];
const rtmptCount = (kind: 'open' | 'send' | 'idle') => rtmptRequests.filter((r) => r.startsWith(`POST /${kind}/`)).length;
const measured: Record<string, number[]> = {};
const note = (what: string, ms: number) => { (measured[what] ??= []).push(Math.round(ms)); };

function startGateway(gw: GwName): Promise<GatewayProcess> {
  return startGatewayProcess([
    '--rtmp', `127.0.0.1:${GW[gw].rtmp}`, '--http', `127.0.0.1:${GW[gw].http}`, '--sip-server', '127.0.0.1:5060',
    '--log-level', 'info', '--drain-idle-delay', String(DRAIN_IDLE_DELAY_S), '--drain-timeout', '120',
  ], [GW[gw].rtmp, GW[gw].http]).then((p) => {
    gatewayLogs.push({ name: `${gw}-${gatewayLogs.length + 1}-pid${p.pid}`, log: () => p.log() });
    return (gateways[gw] = p);
  });
}

/** the wall-clock times at which `gw`'s log says `user` registered (its log lines start with an ISO time) */
function registrations(gw: GwName, user: string): number[] {
  const lines = gateways[gw]?.log().split('\n') ?? [];
  return lines.filter((l) => l.includes(`sip:${user}@${REALM} registered`)).map((l) => Date.parse(l.split(' ')[0]));
}

/** HAProxy sends new sessions only to `gw` (the other is set to drain on the admin socket) while `fn` runs */
async function onlyTo<T>(gw: GwName, fn: () => Promise<T>): Promise<T> {
  const away = serversOf(other(gw));
  for (const s of away) await haproxy.command(`set server ${s} state drain`);
  try {
    return await fn();
  } finally {
    for (const s of away) await haproxy.command(`set server ${s} state ready`);
  }
}

/** One client of the gateways, whatever carries it. */
interface Client {
  readonly user: string;
  readonly via: string;
  readonly tone: number;
  call(target: string): Promise<void>;
  hangup(): Promise<void>;
  connected(): Promise<number>;
  hangups(): Promise<number>;
  expectTone(hz: number): Promise<void>;
  /** the WebSocket URLs it opened (pages) */
  sockets(): Promise<string[]>;
  /** what it recorded (for a failure's log) */
  events(): Promise<unknown[]>;
  close(): Promise<void>;
}

function pageClient(page: PhonePage, user: string, via: string): Client {
  return {
    user, via, tone: page.tone,
    call: (target) => page.eval(`kazoo.connect('${target}')`),
    hangup: () => page.eval('kazoo.hangup()'),
    connected: () => page.count('onConnected'),
    hangups: () => page.count('onHangup'),
    expectTone: async (hz) => { await page.expectTone(hz, { absent: [page.tone] }); },
    sockets: () => page.eval('__sockets.map(s => s.url)'),
    events: () => page.events(),
    close: () => page.close(),
  };
}

/** Node kazoo over RTMP (TCP); what it hears goes to its meter (one Node client in this file) */
const nodeMeter = new ToneMeter();
function nodeClient(user: string): Client & { k: Kazoo; record: string[] } {
  const k = createKazoo({ storage: null, logSink: null });
  const record: string[] = [];
  return {
    user, via: 'RTMP over TCP (Node)', tone: NODE_HZ, k, record,
    call: async (target) => { k.connect(target); },
    hangup: async () => { k.hangup(); },
    connected: async () => record.filter((e) => e === 'connected').length,
    hangups: async () => record.filter((e) => e === 'hangup').length,
    expectTone: async (hz) => { await expectNodeTone(`node ${user}`, nodeMeter, hz, { absent: [NODE_HZ] }); },
    sockets: async () => [],
    events: async () => record,
    close: async () => { await k.logout().catch(() => undefined); },
  };
}

async function registerNode(c: ReturnType<typeof nodeClient>): Promise<void> {
  await new Promise<void>((resolve) => c.k.init({ forceRTMP: true, onLoaded: resolve }));
  c.k.register({
    ...labCreds(c.user), rtmpUrl: `rtmp://127.0.0.1:${FRONT_RTMP}/sip`,
    onConnected: () => c.record.push('connected'),
    onAccepted: () => c.record.push('accepted'),
    onHangup: () => c.record.push('hangup'),
    onError: (e) => c.record.push(`error ${e.key}`),
  });
  await until(`node ${c.user} onConnected`, () => c.record.includes('connected'), 20_000);
}

/** the far end hears `hz` (FFT peak of the received track) and not its own tone */
async function farHears(hz: number, timeoutMs = 10_000): Promise<void> {
  let last: unknown = null;
  await until(`far end hears ${hz} Hz (last ${JSON.stringify(last)})`, async () => {
    const p = await far.peak();
    last = p;
    return p !== null && p.db > -60 && Math.abs(p.hz - hz) <= TONE_TOLERANCE_HZ;
  }, timeoutMs, 100);
}

/** `client` calls the far end, which answers; audio measured both ways */
async function callFar(client: Client): Promise<void> {
  await far.clear();
  await client.call(`sip:${FAR}@${REALM}`);
  await far.waitFor('confirmed', { timeout: 15_000 });
  await farHears(client.tone);
  await client.expectTone(FAR_HZ);
}

/**
 * The far end's media timeout, as a PBX has (Asterisk rtptimeout, FreeSWITCH media_timeout): when the
 * received packet count stops growing for `ms`, it records `media-timeout` and hangs up (BYE).
 */
async function armFarMediaTimeout(ms: number): Promise<void> {
  await far.eval(`(() => {
    clearInterval(far.mediaWatch);
    let last = -1, since = Date.now();
    far.mediaWatch = setInterval(async () => {
      const s = far.session;
      if (!s || !s.connection) return;
      let packets = 0;
      (await s.connection.getStats()).forEach((r) => { if (r.type === 'inbound-rtp' && r.kind === 'audio') packets = r.packetsReceived; });
      if (packets !== last) { last = packets; since = Date.now(); return; }
      if (Date.now() - since < ${ms}) return;
      clearInterval(far.mediaWatch);
      far.events.push({ name: 'media-timeout', detail: { silentMs: Date.now() - since }, t: Date.now() });
      s.terminate();
    }, 100);
  })()`);
}

async function disarmFarMediaTimeout(): Promise<void> {
  await far.eval('clearInterval(far.mediaWatch)');
}

suite('two gateways behind HAProxy', () => {
  let rtmpt: Client;
  let ws: Client;
  let node: ReturnType<typeof nodeClient>;
  let clients: Client[];

  beforeAll(async () => {
    installNodeRtmp({ audio: { source: toneSource(NODE_HZ, 8000), sink: (pcmu) => nodeMeter.push(decodeG711('pcmu', pcmu)) } });
    await startGateway('gw1');
    await startGateway('gw2');
    haproxy = await startHaproxy({ frontRtmp: FRONT_RTMP, frontHttp: FRONT_HTTP, gateways: [GW.gw1, GW.gw2] });
    await haproxy.waitFor(ALL_SERVERS, 'UP');
    lab = await launch();
    far = await JsSipFarEnd.open(lab.ctx, FAR, FAR_HZ);
  });

  afterAll(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-haproxy-'));
    for (const g of gatewayLogs) fs.writeFileSync(path.join(dir, `${g.name}.log`), g.log());
    if (haproxy) fs.writeFileSync(path.join(dir, 'haproxy.log'), haproxy.log());
    for (const c of clients ?? []) fs.writeFileSync(path.join(dir, `client-${c.user}.json`), JSON.stringify(await c.events().catch((e: Error) => e.message), null, 1));
    console.log(`gateway-haproxy: logs in ${dir}`);
    for (const c of clients ?? []) await c.close().catch(() => undefined);
    await far?.close();
    await lab?.close();
    await haproxy?.stop();
    for (const g of Object.values(gateways)) await g?.stop();
    // a SIGKILLed instance never un-REGISTERed its clients: their bindings would outlive this suite
    await dropBindings(['1005', '1006', '1007']);
    installRtmpPlatform(null);
    for (const [what, v] of Object.entries(measured)) {
      const sorted = [...v].sort((a, b) => a - b);
      console.log(`gateway-haproxy ${what}: ${sorted.join(', ')} ms; median ${sorted[sorted.length >> 1]} ms`);
    }
  });

  test('every client registers through HAProxy: RTMPT and WebSocket tunnel pages, Node over RTMP', async () => {
    // all on gw1 for (a): the other instance is set to drain on HAProxy's admin socket meanwhile
    await onlyTo('gw1', async () => {
      const p1 = await lab.open('rtmpt-1005');
      p1.page.on('request', (r) => {
        const u = new URL(r.url());
        if (u.port === String(FRONT_HTTP)) rtmptRequests.push(`${r.method()} ${u.pathname}`);
      });
      await p1.eval('new Promise(r => kazoo.init({ forceRTMP: true, onLoaded: r }))');
      await p1.registerWith(labCreds('1005', { rtmpUrl: `rtmpt://127.0.0.1:${FRONT_HTTP}/sip` }));
      await p1.waitFor('onConnected', { timeout: 20_000 });
      rtmpt = pageClient(p1, '1005', 'RTMPT page');
      const p2 = await lab.open('ws-1006');
      await p2.eval('new Promise(r => kazoo.init({ forceRTMP: true, onLoaded: r }))');
      await p2.registerWith(labCreds('1006', { rtmpUrl: 'rtmp://127.0.0.1/sip', rtmpTunnelUrl: `ws://127.0.0.1:${FRONT_HTTP}/rtmp` }));
      await p2.waitFor('onConnected', { timeout: 20_000 });
      ws = pageClient(p2, '1006', 'WebSocket tunnel page');
      node = nodeClient('1007');
      await registerNode(node);
    });
    clients = [rtmpt, ws, node];
    await haproxy.waitFor(ALL_SERVERS, 'UP');
    for (const c of clients) {
      expect(registrations('gw1', c.user)).toHaveLength(1);
      expect(registrations('gw2', c.user)).toHaveLength(0);
    }
    // the pages used the transport they were meant to, through HAProxy's HTTP front
    expect(rtmptCount('open')).toBe(1);
    expect(rtmptCount('idle') + rtmptCount('send')).toBeGreaterThan(0);
    expect(await ws.sockets()).toEqual([`ws://127.0.0.1:${FRONT_HTTP}/rtmp`]);
  });

  test('(a) rolling restart: SIGTERM drains gw1; its call goes on with audio until hung up, the other clients move to gw2, gw1 exits 0', async () => {
    const gw1 = gateways.gw1!;
    await callFar(rtmpt);
    const before = Object.fromEntries(clients.map((c) => [c.user, registrations('gw2', c.user).length]));

    const t0 = Date.now();
    gw1.signal('SIGTERM');
    await haproxy.waitFor(serversOf('gw1'), 'DOWN', 5000);
    note('SIGTERM → HAProxy marks the instance down', Date.now() - t0);

    // the clients without a call are closed after the idle delay and re-register through HAProxy on gw2
    for (const c of [ws, node]) {
      await until(`${c.via} re-registered on gw2`, () => registrations('gw2', c.user).length > before[c.user], DRAIN_IDLE_DELAY_S * 1000 + FAILOVER_BOUND_MS);
      note(`SIGTERM → idle ${c.via} re-registered on the other instance`, registrations('gw2', c.user).at(-1)! - t0);
      await until(`${c.via} connected again`, async () => (await c.connected()) === 2, 3000);
    }
    expect(gw1.log()).toMatch(/draining: closed 2 session\(s\) without a call/);

    // gw1 says it is draining, with its one call
    const health = await fetch(`http://127.0.0.1:${GW.gw1.http}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ status: 'draining', sessions: 1, calls: 1 });
    // the call on the draining instance goes on: its RTMPT requests still reach gw1 (sticky, option persist),
    // the only instance that knows the session
    const polls = rtmptCount('idle') + rtmptCount('send');
    await sleep(1000);
    expect(rtmptCount('idle') + rtmptCount('send') - polls).toBeGreaterThan(5); // ~12 a second in a call
    expect(rtmptCount('open')).toBe(1);
    await far.clear();
    await farHears(rtmpt.tone);
    await rtmpt.expectTone(FAR_HZ);
    expect(await rtmpt.hangups()).toBe(0);
    expect(await rtmpt.connected()).toBe(1);
    expect(registrations('gw2', rtmpt.user)).toHaveLength(0);
    expect(await far.count('ended')).toBe(0);
    // nothing new landed on gw1 since SIGTERM
    for (const c of clients) expect(registrations('gw1', c.user)).toHaveLength(1);

    // hung up by the page: the far end gets the BYE; gw1 then has nothing left and exits 0
    const tHangup = Date.now();
    await rtmpt.hangup();
    await far.waitFor('ended', { timeout: 5000 });
    const exit = await Promise.race([gw1.exited, sleep(10_000).then(() => null)]);
    expect(exit).toEqual({ code: 0, signal: null });
    note('hangup → drained instance exits', Date.now() - tHangup);
    expect(gw1.log()).toMatch(/drained in [\d.]+ s \(drained; 3 session\(s\) moved, 0 call\(s\) ended\)/);
    expect(await rtmpt.hangups()).toBe(1);
    // the page, its call over and its session closed, re-registers on gw2 too
    await until('the RTMPT page re-registered on gw2', () => registrations('gw2', rtmpt.user).length === 1, FAILOVER_BOUND_MS + 2000);
    await until('the RTMPT page connected again', async () => (await rtmpt.connected()) === 2, 3000);

    // the new gw1 (same ports) comes back into the pool
    await startGateway('gw1');
    await haproxy.waitFor(serversOf('gw1'), 'UP');
  });

  test('(b) SIGKILL with a call: the clients re-register on the other instance within the reconnect policy; the call ends on both sides', async () => {
    // (a) left every client on gw2: kill gw2, then gw1 (where they all went), then gw2 again
    const runs: { victim: GwName; caller: () => Client }[] = [
      { victim: 'gw2', caller: () => rtmpt },
      { victim: 'gw1', caller: () => ws },
      { victim: 'gw2', caller: () => node },
    ];
    for (const { victim, caller } of runs) {
      const survivor = other(victim);
      const c = caller();
      const lastOn = (gw: GwName, user: string) => registrations(gw, user).at(-1) ?? 0;
      for (const x of clients) expect(lastOn(victim, x.user)).toBeGreaterThan(lastOn(survivor, x.user));
      const before = Object.fromEntries(clients.map((x) => [x.user, registrations(survivor, x.user).length]));
      const hangupsBefore = await c.hangups();
      const connectedBefore = Object.fromEntries(await Promise.all(clients.map(async (x) => [x.user, await x.connected()] as const)));

      await callFar(c);
      await armFarMediaTimeout(FAR_MEDIA_TIMEOUT_MS);
      const t0 = Date.now();
      gateways[victim]!.signal('SIGKILL');
      expect(await gateways[victim]!.exited).toEqual({ code: null, signal: 'SIGKILL' });

      // every client (the caller included) re-registers through HAProxy on the survivor
      for (const x of clients) {
        await until(`${x.via} re-registered on ${survivor}`, () => registrations(survivor, x.user).length > before[x.user], FAILOVER_BOUND_MS + 3000);
        const ms = registrations(survivor, x.user).at(-1)! - t0;
        note(`SIGKILL → ${x.via} re-registered on the other instance`, ms);
        note('SIGKILL → re-registered on the other instance (any client)', ms);
        expect(ms).toBeLessThan(FAILOVER_BOUND_MS);
      }
      // the caller's call is over for it: onHangup once, and it is connected again
      await until(`${c.via} got its hangup`, async () => (await c.hangups()) === hangupsBefore + 1, 5000);
      for (const x of clients) await until(`${x.via} connected again`, async () => (await x.connected()) > connectedBefore[x.user], 5000);

      // the far end got no BYE (nobody was left to send it): its media timeout ends the call
      const timeout = await far.waitFor('media-timeout', { timeout: FAR_MEDIA_TIMEOUT_MS + 5000 });
      await far.waitFor('ended', { timeout: 2000 });
      note('SIGKILL → far end ends the call (media timeout 3 s)', timeout.t - t0);
      expect(await far.count('ended')).toBe(1);
      expect(await far.count('failed')).toBe(0);
      await disarmFarMediaTimeout();
      await haproxy.waitFor(serversOf(victim), 'DOWN', 5000);

      // the instance comes back (a supervisor would restart it) and rejoins the pool
      await startGateway(victim);
      await haproxy.waitFor(serversOf(victim), 'UP');
      // the next run kills the survivor, where every client now is
    }
  });
});
