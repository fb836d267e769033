/**
 * Issue 13, RTMP: an answered call survives a dropped RTMP connection through this project's gateway
 * (gateway/session/resume.ts). The phone is the legacy kazoo page with `forceRTMP` (dist/kazoo.js and the
 * RTMP transport build) over the WebSocket tunnel; the far end is raw JsSIP in a Chromium of its own
 * (test/support/e2e/survival-far-end.ts, no product code) calling it through the lab's Kamailio, media
 * relayed by rtpengine to the gateway's RTP. Each party sends its own tone; the receiver checks it.
 *
 * A Node phone (kazoo-js/node) does the same over plain RTMP (TCP), its audio decoded in the test.
 *
 * The tunnel goes through a TCP relay in this test, so that the connection can really drop: `cut()`
 * destroys both TCP connections (the page sees its WebSocket die, the gateway its socket close), and
 * `refuse` keeps new connections out (a network that stays down for a while, or for good).
 */
import net from 'node:net';
import { createKazoo, type Kazoo } from '../../entries';
import { installNodeRtmp, toneSource } from '../../entries/node';
import { installRtmpPlatform } from '../../transports/rtmp/adapter/platform';
import { decodeG711 } from '../../protocol/audio/g711';
import { toneLevel } from '../support/audio/tones';
import { createRtmpGateway, type RtmpGateway } from '../../gateway';
import { REALM, labCreds, until } from '../support/e2e/lab';
import { PAGE_TONES, launch, sleep, toneMiss, type Heard, type Lab, type PhonePage } from '../support/e2e/browser';
import { RawJsSipFarEnd } from '../support/e2e/survival-far-end';

jest.setTimeout(180_000);

const PHONE = '1005';
const FAR = '1002';
const PHONE_HZ = PAGE_TONES[1];
const FAR_HZ = PAGE_TONES[4];
/** the gateway's window, shortened for the test (default 30 s) */
const GRACE_MS = 5000;

/** A TCP relay to the gateway's HTTP port that the test can cut and close. */
class CuttableRelay {
  private readonly pairs = new Set<[net.Socket, net.Socket]>();
  refuse = false;
  private constructor(private readonly server: net.Server) {}

  /**
   * `webSocketOnly`: anything but a GET (the WebSocket upgrade) is refused, so that the page cannot fall
   * back to RTMPT, whose HTTP polls survive a TCP cut (its loss is the liveness probe's business)
   */
  static async start(targetPort: number, webSocketOnly = false): Promise<CuttableRelay> {
    const server = net.createServer();
    const relay = new CuttableRelay(server);
    server.on('connection', (client) => {
      client.on('error', () => undefined);
      if (relay.refuse) return void client.destroy();
      if (!webSocketOnly) return relay.pipe(client, targetPort, null);
      client.once('data', (first: Buffer) => {
        if (relay.refuse || !first.subarray(0, 4).equals(Buffer.from('GET '))) return void client.destroy();
        relay.pipe(client, targetPort, first);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return relay;
  }

  private pipe(client: net.Socket, targetPort: number, first: Buffer | null): void {
    const upstream = net.connect(targetPort, '127.0.0.1');
    if (first) upstream.write(first);
    upstream.on('error', () => undefined);
    const pair: [net.Socket, net.Socket] = [client, upstream];
    this.pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => { this.pairs.delete(pair); client.destroy(); upstream.destroy(); };
    client.on('close', end);
    upstream.on('close', end);
  }

  get port(): number { return (this.server.address() as net.AddressInfo).port; }
  get open(): number { return this.pairs.size; }

  /** drops every relayed connection at once, on both sides (RST) */
  cut(): void {
    for (const [a, b] of this.pairs) { a.resetAndDestroy(); b.resetAndDestroy(); }
    this.pairs.clear();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((r) => this.server.close(r));
  }
}

let lab: Lab;
let gateway: RtmpGateway;
let relay: CuttableRelay;
/** plain RTMP (the Node phone) through a relay of its own */
let rtmpRelay: CuttableRelay;
let phone: PhonePage;
let far: RawJsSipFarEnd;
const measured: Record<string, number[]> = {};
const note = (what: string, ms: number) => (measured[what] ??= []).push(Math.round(ms));

/** the phone page hears (every 50 ms, epoch ms) whether the far end's tone is there, from now on */
const samplePhone = () => phone.eval(`(() => {
  window.__samples = [];
  clearInterval(window.__sampler);
  window.__sampler = setInterval(() => __samples.push({ t: Date.now(), h: __hearTone([${FAR_HZ}]) }), 50);
})()`);
const phoneSamples = () => phone.eval<{ t: number; h: Heard | null }[]>('window.__samples');
const farSamples = () => far.eval<{ t: number; h: Heard | null }[]>('far.samples');
const epochOf = async (t: number) => t + (await phone.eval<number>('performance.timeOrigin'));

/** whether a sample after `from` missed `hz`, and the first one after such a miss that heard it (audio back) */
function backAfterGap(samples: { t: number; h: Heard | null }[], hz: number, from: number): { gap: boolean; back: number | null } {
  let gap = false;
  for (const s of samples) {
    if (s.t < from) continue;
    const heard = toneMiss(s.h, hz) === null;
    if (!heard) gap = true;
    else if (gap) return { gap, back: s.t };
  }
  return { gap, back: null };
}

/** the far end calls the phone, which answers; both tones checked */
async function callUp(): Promise<void> {
  await far.eval(`far.log = []; far.call('sip:${PHONE}@${REALM}')`);
  await phone.waitFor('onAccepted', { timeout: 15_000 });
  await far.page.expectTone(PHONE_HZ, { absent: [FAR_HZ] });
  await phone.expectTone(FAR_HZ, { absent: [PHONE_HZ] });
}

beforeAll(async () => {
  gateway = createRtmpGateway({
    sipServer: { host: '127.0.0.1', port: 5060 },
    rtmp: { host: '127.0.0.1', port: 0 },
    http: { host: '127.0.0.1', port: 0 },
    resumeGraceMs: GRACE_MS,
    logLevel: 'warn',
  });
  const addresses = await gateway.start();
  relay = await CuttableRelay.start(addresses.http!.port, true);
  rtmpRelay = await CuttableRelay.start(addresses.rtmp!.port);
  lab = await launch();
  phone = await lab.open('rtmp-phone', { tone: PHONE_HZ });
  await phone.eval('new Promise(r => kazoo.init({ forceRTMP: true, onLoaded: r }))');
  expect(await phone.eval('kazoo.version')).toBe('rtmp');
  await phone.registerWith(labCreds(PHONE, {
    rtmpUrl: 'rtmp://127.0.0.1/sip', rtmpTunnelUrl: `ws://127.0.0.1:${relay.port}/rtmp`, reconnectDelay: 2000,
  }));
  await phone.waitFor('onConnected', { timeout: 15_000 });
  await phone.eval("window.autoAnswer = 'accept'");
  far = await RawJsSipFarEnd.open(FAR, FAR_HZ);
}, 180_000);

beforeEach(async () => {
  relay.refuse = false;
  await phone.clearEvents();
});

afterEach(async () => {
  relay.refuse = false;
  await far?.eval('far.hangup(); clearInterval(far.sampler)').catch(() => undefined);
  await phone?.eval('clearInterval(window.__sampler); kazoo.currentCall && kazoo.hangup()').catch(() => undefined);
  await until('no call left on the phone', async () => !(await phone.eval<boolean>('kazoo.currentCall !== null')), 10_000);
  await until('the phone registered', async () => (await phone.eval<boolean>('kazoo.isReconnecting')) === false, 15_000);
});

afterAll(async () => {
  console.log(`survival (RTMP) measured, ms: ${JSON.stringify(measured)}`);
  await far?.close();
  await phone?.close();
  await lab?.close();
  await relay?.close();
  await rtmpRelay?.close();
  await gateway?.stop();
  installRtmpPlatform(null);
});

/**
 * `outageMs`: how long new connections are refused after the cut (0: the page's immediate first attempt
 * gets through; otherwise it fails and the next one follows `reconnectDelay` later).
 */
async function dropAndResume(outageMs: number): Promise<void> {
  await callUp();
  await far.eval(`far.sample(${PHONE_HZ})`);
  await samplePhone();
  await sleep(500);
  await phone.clearEvents();
  const hangupsBefore = await phone.count('onHangup');
  expect(relay.open).toBe(1); // the page's WebSocket tunnel
  relay.refuse = outageMs > 0;
  const cutAt = Date.now();
  relay.cut();
  if (outageMs > 0) setTimeout(() => { relay.refuse = false; }, outageMs);

  const connected = await phone.waitFor('onConnected', { timeout: outageMs + 10_000 });
  const connectedAt = await epochOf(connected.t);
  note('cut → onConnected again', connectedAt - cutAt);
  const seq = (await phone.events()).map((e) => `${e.name}${e.arg?.key ? `:${e.arg.key}` : ''}`);
  // the documented sequence (as on WebRTC): disconnected, one reconnecting_notification per attempt, onConnected
  expect(seq[0]).toBe('onError:disconnected');
  expect(seq[seq.length - 1]).toBe('onConnected');
  expect(seq.slice(1, -1).every((s) => s === 'onNotified:reconnecting_notification')).toBe(true);
  expect(seq.length).toBe(outageMs > 0 ? 4 : 3);

  // audio back both ways: the page hears the far end's tone, the far end the page's
  await phone.expectTone(FAR_HZ, { absent: [PHONE_HZ], timeout: 3000 });
  await far.page.expectTone(PHONE_HZ, { absent: [FAR_HZ], timeout: 3000 });
  await sleep(300);
  const atPhone = backAfterGap(await phoneSamples(), FAR_HZ, cutAt);
  const atFar = backAfterGap(await farSamples(), PHONE_HZ, cutAt);
  // with an outage there is a gap (the connection carried the audio); back at once, the gap can be shorter
  // than the tone meters' 0.34 s window: then the audio never stopped for them (0 ms)
  if (outageMs > 0) expect(atPhone.gap && atFar.gap).toBe(true);
  for (const [where, r] of [['far end’s tone heard at the page', atPhone], ['page’s tone heard at the far end', atFar]] as const) {
    if (r.gap) expect(r.back).not.toBeNull(); // it came back
    const ms = r.gap ? r.back! - connectedAt : 0;
    note(`onConnected → ${where} (outage ${outageMs} ms)`, ms);
    expect(ms).toBeLessThanOrEqual(1000);
  }
  expect(await phone.count('onHangup')).toBe(hangupsBefore);
  expect((await far.log()).filter((l) => l.what === 'ended')).toEqual([]);

  // the far end's BYE reaches the page, over the resumed connection
  const byeAt = Date.now();
  await far.eval('far.hangup()');
  await phone.waitFor('onHangup', { timeout: 5000 });
  note('far end BYE → onHangup', Date.now() - byeAt);
  await sleep(500);
  expect(await phone.count('onHangup')).toBe(hangupsBefore + 1);
  expect(await phone.count('onCancel')).toBe(0);
}

test('the tunnel’s TCP dropped mid-call, the page back at once: same call, audio back both ways, the far end’s BYE reaches the page', async () => {
  await dropAndResume(0);
});

test.each([1, 2, 3])('the network down for 1 s mid-call (run %i): the second attempt resumes the call, audio back within 1 s of onConnected', async () => {
  await dropAndResume(1000);
});

test('the page does not come back: the far end gets the gateway’s BYE when the window closes; the page’s call ends then too', async () => {
  await callUp();
  relay.refuse = true;
  const cutAt = Date.now();
  relay.cut();
  await phone.waitFor('onError', { key: 'disconnected', timeout: 5000 });
  await until('the far end got a BYE', async () => (await far.log()).some((l) => l.what === 'ended'), GRACE_MS + 5000, 100);
  const ended = (await far.log()).find((l) => l.what === 'ended')!;
  expect(ended).toMatchObject({ originator: 'remote', cause: 'Terminated' }); // JsSIP: a BYE from the other side
  note('cut → BYE at the far end (window 5000 ms)', ended.t - cutAt);
  expect(ended.t - cutAt).toBeGreaterThanOrEqual(GRACE_MS - 100);
  expect(ended.t - cutAt).toBeLessThan(GRACE_MS + 2000);
  // the page ends its call when the window it was given closes: one onHangup
  await phone.waitFor('onHangup', { timeout: 5000 });
  await sleep(500);
  expect(await phone.count('onHangup')).toBe(1);
  relay.refuse = false; // the network is back: the page registers again (afterEach waits for it)
});

describe('a Node phone over plain RTMP (kazoo-js/node)', () => {
  const NODE = '1007';
  const NODE_HZ = 500;
  /** arrival time and μ-law of every frame the Node phone played */
  const frames: { t: number; pcm: Int16Array }[] = [];
  const events: string[] = [];
  let node: Kazoo;

  /** the far end's tone (not Node's own) in the 200 ms of frames from `from` on */
  const farToneFrom = (from: number): boolean => {
    const window = frames.filter((f) => f.t >= from).slice(0, 10);
    if (window.length < 10) return false;
    const pcm = Float64Array.from(window.flatMap((f) => Array.from(f.pcm)), (v) => v / 32768);
    const level = toneLevel(pcm, 8000, FAR_HZ);
    return level > 0.02 && toneLevel(pcm, 8000, NODE_HZ) < level / 10;
  };

  beforeAll(async () => {
    installNodeRtmp({ audio: { source: toneSource(NODE_HZ, 8000), sink: (pcmu) => { frames.push({ t: Date.now(), pcm: Int16Array.from(decodeG711('pcmu', pcmu)) }); if (frames.length > 3000) frames.splice(0, 1000); } } });
    node = createKazoo({ storage: null, logSink: null });
    await new Promise<void>((r) => node.init({ forceRTMP: true, onLoaded: r }));
    node.register({
      ...labCreds(NODE, { rtmpUrl: `rtmp://127.0.0.1:${rtmpRelay.port}/sip`, reconnectDelay: 2000 }),
      onConnected: () => events.push('connected'),
      onAccepted: () => events.push('accepted'),
      onHangup: () => events.push('hangup'),
      onIncoming: (call) => { events.push('incoming'); call.accept(); },
      onNotified: (n) => events.push(`notified:${n.key}`),
      onError: (e) => events.push(`error:${e.key}`),
    });
    await until('Node registered', () => events.includes('connected'), 15_000, 50);
  });

  afterAll(async () => {
    await node?.logout();
  });

  test('its TCP dropped mid-call, back after 1 s: same call, audio back both ways, the far end’s BYE ends it', async () => {
    events.length = 0;
    await far.eval(`far.log = []; far.call('sip:${NODE}@${REALM}')`);
    await until('Node answered', () => events.includes('accepted'), 15_000, 50);
    await far.page.expectTone(NODE_HZ, { absent: [FAR_HZ] });
    await until('the far end’s tone at Node', () => farToneFrom(Date.now() - 400), 10_000, 100);
    await far.eval(`far.sample(${NODE_HZ})`);
    rtmpRelay.refuse = true;
    const cutAt = Date.now();
    rtmpRelay.cut();
    setTimeout(() => { rtmpRelay.refuse = false; }, 1000);
    await until('Node connected again', () => events.filter((e) => e === 'connected').length === 1, 10_000, 10);
    const connectedAt = Date.now();
    note('Node: cut → onConnected again', connectedAt - cutAt);
    expect(events.filter((e) => e !== 'incoming')).toEqual(['accepted', 'error:disconnected', 'notified:reconnecting_notification', 'notified:reconnecting_notification', 'connected']);
    // audio back at Node: the first frame after the reconnect, carrying the far end's tone
    await until('frames at Node again', () => frames.some((f) => f.t >= connectedAt) && farToneFrom(connectedAt), 3000, 20);
    // nothing came while the relay refused connections (the first second after the cut); the resumed
    // stream may start a few ms before onConnected reaches the page, so "after" counts from the refusal's end
    expect(frames.filter((f) => f.t >= cutAt + 100 && f.t < cutAt + 1000)).toEqual([]);
    const firstAfter = frames.find((f) => f.t >= cutAt + 1000)!;
    note('Node: onConnected → first frame of the far end (plain RTMP)', firstAfter.t - connectedAt);
    expect(firstAfter.t - connectedAt).toBeLessThanOrEqual(1000);
    // and at the far end: Node's tone again
    await far.page.expectTone(NODE_HZ, { absent: [FAR_HZ], timeout: 3000 });
    const atFar = backAfterGap(await farSamples(), NODE_HZ, cutAt);
    expect(atFar.gap).toBe(true);
    note('Node: onConnected → Node’s tone heard at the far end', atFar.back! - connectedAt);
    expect(atFar.back! - connectedAt).toBeLessThanOrEqual(1000);
    expect(events).not.toContain('hangup');

    await far.eval('far.hangup(); clearInterval(far.sampler)');
    await until('onHangup at Node', () => events.includes('hangup'), 5000, 20);
    expect(events.filter((e) => e === 'hangup')).toHaveLength(1);
  });
});
