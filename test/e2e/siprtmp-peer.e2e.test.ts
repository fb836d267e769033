/**
 * The original SIP–RTMP gateway as a peer: rtmplite's siprtmp.py (Python 2.7, from ../shared/peers, run
 * by its own siprtmp.sh) registered at the lab's Kamailio, reached by the package's own Node `kazoo`
 * (`forceRTMP: true`) over plain RTMP and through rtmplite's rtmpt.py (RTMPT). The SIP far end shares no
 * code with the product: raw JsSIP in Chromium over WebSocket (rtpengine bridges it to siprtmp's plain
 * RTP). Each side sends its own tone (Node 700 Hz, far end 1200 Hz) and hears the other's.
 * Where Python 2.7 or the peers folder is missing, every test is reported as skipped, with the reason.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createKazoo, type Kazoo, type KazooError } from '../../entries';
import { installNodeRtmp, toneSource } from '../../entries/node';
import { installRtmpPlatform } from '../../transports/rtmp/adapter/platform';
import { decodeG711 } from '../../protocol/audio/g711';
import { measuredFrequency, toneLevel } from '../support/audio/tones';
import type { Call } from '../../src/phone/call';
import { REALM, contacts, until } from '../support/e2e/lab';
import { launch, sleep, type Lab } from '../support/e2e/browser';
import { JsSipFarEnd } from '../support/e2e/siprtmp-jssip-far-end';
import { pythonTracebacks, siprtmpUnavailable, startSiprtmp, type SiprtmpPeer } from '../support/e2e/siprtmp-peer';

jest.setTimeout(240_000);

const UNAVAILABLE = siprtmpUnavailable();
if (UNAVAILABLE) console.log(`SKIPPED siprtmp-peer.e2e: the original siprtmp gateway cannot run here: ${UNAVAILABLE}`);
const suite = UNAVAILABLE ? describe.skip : describe;

const RTMP_PORT = 19350;
const RTMPT_PORT = 18080;
// away from the DTMF rows (697–941 Hz): the far end's DTMF detector hears this tone too
const NODE_HZ = 500;
const FAR_HZ = 1200;
const FAR = '1002';
const MANY_CALLS = 38;

/** what the Node client received during the current call, decoded (last 1.5 s kept) */
let heard: number[] = [];
installNodeRtmp({
  audio: {
    source: toneSource(NODE_HZ, 8000),
    sink: (pcmu) => {
      heard.push(...decodeG711('pcmu', pcmu));
      if (heard.length > 12_000) heard = heard.slice(-12_000);
    },
  },
});

/** the dominant frequency of what Node heard, 200–3600 Hz, refined around the strongest 10 Hz step */
function nodePeak(): { hz: number; level: number; own: number } {
  const s = Float64Array.from(heard.slice(-8000), (v) => v / 32768);
  let best = 200;
  let bestLevel = 0;
  for (let f = 200; f <= 3600; f += 10) {
    const l = toneLevel(s, 8000, f);
    if (l > bestLevel) { bestLevel = l; best = f; }
  }
  return { hz: measuredFrequency(s, 8000, best), level: bestLevel, own: toneLevel(s, 8000, NODE_HZ) };
}

let peer: SiprtmpPeer | null = null;
let lab: Lab;
let far: JsSipFarEnd;
const measured: Record<string, number[]> = {};
const note = (what: string, ms: number) => { (measured[what] ??= []).push(ms); };

beforeAll(async () => {
  if (UNAVAILABLE) return;
  peer = await startSiprtmp({ port: RTMP_PORT, rtmptPort: RTMPT_PORT });
  lab = await launch();
  far = await JsSipFarEnd.open(lab.ctx, FAR, FAR_HZ);
});

afterAll(async () => {
  if (UNAVAILABLE) return;
  // the gateway first: whatever else hangs, its processes are gone
  const pids = peer?.pids ?? [];
  await peer?.stop();
  if (peer) {
    // the gateway's own trace (siprtmp.py -d), for whoever reads a failure
    const file = path.join(os.tmpdir(), `siprtmp-peer-${process.pid}.log`);
    fs.writeFileSync(file, peer.log());
    console.log(`siprtmp-peer: gateway log in ${file}`);
  }
  await far?.close();
  await lab?.close();
  installRtmpPlatform(null);
  // stopped by PID: none of the gateway's processes is left
  for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  for (const [what, v] of Object.entries(measured)) {
    const sorted = [...v].sort((a, b) => a - b);
    console.log(`siprtmp-peer ${what}: n=${v.length} median ${sorted[sorted.length >> 1]} ms, max ${sorted[sorted.length - 1]} ms`);
  }
});

/** the Node phone: one kazoo registered through siprtmp, its callbacks recorded */
class NodePhone {
  readonly k: Kazoo = createKazoo({ storage: null, logSink: null });
  readonly events: string[] = [];
  readonly errors: KazooError[] = [];
  readonly cancels: unknown[] = [];
  incoming: Call | null = null;
  onIncoming: 'accept' | 'reject' | 'ring' = 'accept';

  constructor(readonly user: string) {}

  async start(rtmpUrl: string, password = `secret${this.user}`): Promise<number> {
    await new Promise<void>((resolve) => this.k.init({ forceRTMP: true, onLoaded: resolve }));
    const t0 = Date.now();
    this.k.register({
      rtmpUrl, realm: REALM, privateIdentity: this.user, publicIdentity: `sip:${this.user}@${REALM}`, password,
      reconnectMaxAttempts: 0,
      onConnected: () => this.events.push('connected'),
      onAccepted: () => this.events.push('accepted'),
      onHangup: () => this.events.push('hangup'),
      onCancel: (d) => { this.events.push('cancel'); this.cancels.push(d); },
      onIncoming: (call) => {
        this.events.push(`incoming ${call.callerNumber}`);
        this.incoming = call;
        if (this.onIncoming === 'accept') call.accept();
        else if (this.onIncoming === 'reject') call.reject();
      },
      onError: (e) => { this.events.push(`error ${e.key}`); this.errors.push(e); },
    });
    await this.until('onConnected or onError', () => this.events.includes('connected') || this.errors.length > 0, 15_000);
    return Date.now() - t0;
  }

  count(e: string): number {
    return this.events.filter((x) => x === e).length;
  }

  async until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
    await until(`${what} (node events: ${this.events.slice(-12).join(', ')})`, ok, ms, 20);
  }
}

/** Node hears the far end's tone and not its own; the far end hears Node's tone */
async function expectAudioBothWays(): Promise<void> {
  heard = [];
  await until('1 s of audio at Node', () => heard.length >= 8000, 10_000, 50);
  await sleep(1000); // the latest second, past any start-up silence
  const atNode = nodePeak();
  expect(Math.abs(atNode.hz - FAR_HZ)).toBeLessThan(15);
  expect(atNode.level).toBeGreaterThan(0.02);
  expect(atNode.own).toBeLessThan(atNode.level / 10);
  let atFar: { hz: number; db: number } | null = null;
  await until('Node’s tone at the far end', async () => {
    atFar = await far.peak();
    return !!atFar && atFar.db > -60 && Math.abs(atFar.hz - NODE_HZ) < 15;
  }, 8000, 200).catch(() => undefined);
  expect(atFar).not.toBeNull();
  expect(Math.abs(atFar!.hz - NODE_HZ)).toBeLessThan(15);
  expect(atFar!.db).toBeGreaterThan(-60);
}

async function idle(node: NodePhone): Promise<void> {
  await until('no call left at the far end', async () => !(await far.eval<boolean>('!!far.session')), 8000);
  await node.until('no call left at Node', () => node.k.currentCall === null, 8000);
}

const TRANSPORTS = [
  { name: 'RTMP', user: '1005', url: () => `rtmp://127.0.0.1:${RTMP_PORT}/sip` },
  { name: 'RTMPT (rtmpt.py)', user: '1007', url: () => `rtmpt://127.0.0.1:${RTMPT_PORT}/sip` },
];

suite.each(TRANSPORTS)('siprtmp.py over $name', ({ name, user, url }) => {
  const node = new NodePhone(user);

  beforeAll(async () => {
    note(`${name} registration`, await node.start(url()));
  });

  beforeEach(async () => {
    await far.clear();
    await far.setMode('answer');
    node.onIncoming = 'accept';
  });

  afterEach(async () => {
    if (node.k.currentCall) node.k.hangup();
    await far.eval('far.hangup()');
    await idle(node).catch(() => undefined);
    expect(peer!.alive()).toBe(true);
  });

  afterAll(async () => {
    if (node.events.includes('connected') && !node.events.includes('logged-out')) await node.k.logout();
  });

  test('registration: onConnected, one binding at Kamailio', async () => {
    expect(node.k.version).toBe('rtmp');
    expect(node.errors).toEqual([]);
    expect(node.events).toEqual(['connected']);
    expect((await contacts(user)).count).toBe(1);
  });

  test('Node calls the far end: accepted, audio both ways (each hears the other’s tone), Node hangs up', async () => {
    const t0 = Date.now();
    node.k.connect(`sip:${FAR}@${REALM}`);
    await node.until('onAccepted', () => node.count('accepted') === 1, 15_000);
    note(`${name} call set-up (connect → onAccepted)`, Date.now() - t0);
    await far.waitFor('confirmed');
    await expectAudioBothWays();
    node.k.hangup();
    await far.waitFor('ended');
    await node.until('onHangup', () => node.count('hangup') === 1);
  });

  test('the far end calls Node: Node answers, audio both ways, the far end hangs up', async () => {
    const accepted = node.count('accepted');
    const hangups = node.count('hangup');
    await far.eval(`far.call('sip:${user}@${REALM}')`);
    await node.until('onIncoming', () => node.events.includes(`incoming ${FAR}`), 10_000);
    await node.until('onAccepted', () => node.count('accepted') === accepted + 1, 10_000);
    await far.waitFor('confirmed');
    await expectAudioBothWays();
    await far.eval('far.hangup()');
    await node.until('onHangup', () => node.count('hangup') === hangups + 1);
  });

  test('DTMF from Node: the far end hears 5, 9, # as tones (siprtmp sends RFC 2833)', async () => {
    node.k.connect(`sip:${FAR}@${REALM}`);
    await far.waitFor('confirmed', { timeout: 15_000 });
    await node.until('onAccepted', () => node.k.currentCall !== null && node.events.at(-1) === 'accepted');
    await sleep(500);
    for (const d of ['5', '9', '#']) {
      node.k.sendDTMF(d);
      await sleep(400);
    }
    await until('three DTMF tones at the far end', async () => (await far.dtmf()).length >= 3, 3000).catch(() => undefined);
    expect((await far.dtmf()).map((d) => d.key).join('')).toBe('59#');
    expect(await far.count('dtmf-info')).toBe(0); // in the media, not as SIP INFO
    node.k.hangup();
    await far.waitFor('ended');
  });

  test('the far end rejects Node’s call (486): onCancel with the code; nothing left behind', async () => {
    await far.setMode('reject');
    const cancels = node.count('cancel');
    node.k.connect(`sip:${FAR}@${REALM}`);
    await node.until('onCancel', () => node.count('cancel') === cancels + 1, 10_000);
    expect(node.cancels.at(-1)).toMatchObject({ code: 486 });
    expect(node.k.currentCall).toBeNull();
  });

  test('Node rejects the far end’s call: the far end fails with 486', async () => {
    node.onIncoming = 'reject';
    await far.eval(`far.call('sip:${user}@${REALM}')`);
    const failed = await far.waitFor('failed', { timeout: 10_000 });
    expect(failed.detail).toMatchObject({ code: 486, originator: 'remote' });
  });

  test('Node cancels its call while the far end rings: the far end sees CANCEL', async () => {
    await far.setMode('ring');
    node.k.connect(`sip:${FAR}@${REALM}`);
    await far.waitFor('incoming', { timeout: 10_000 });
    await sleep(300);
    node.k.hangup();
    const failed = await far.waitFor('failed', { timeout: 10_000 });
    expect(failed.detail).toMatchObject({ cause: 'Canceled', originator: 'remote' });
  });

  test('the far end cancels its call while Node rings: onCancel (Originator Cancel)', async () => {
    node.onIncoming = 'ring';
    const cancels = node.count('cancel');
    await far.eval(`far.call('sip:${user}@${REALM}')`);
    await node.until('onIncoming', () => node.incoming !== null && node.events.at(-1) === `incoming ${FAR}`, 10_000);
    await sleep(300);
    await far.eval('far.hangup()');
    await node.until('onCancel', () => node.count('cancel') === cancels + 1, 10_000);
    expect(node.cancels.at(-1)).toMatchObject({ message: 'Originator Cancel' });
    expect(node.k.currentCall).toBeNull();
  });

  test(`${MANY_CALLS} calls in a row on one connection (chunk stream ids past 64); the last one still carries audio`, async () => {
    const before = node.count('accepted');
    for (let i = 1; i <= MANY_CALLS; i++) {
      const confirmed = await far.count('confirmed');
      const ended = await far.count('ended');
      node.k.connect(`sip:${FAR}@${REALM}`);
      await node.until(`call ${i} accepted`, () => node.count('accepted') === before + i, 15_000);
      await far.waitFor('confirmed', { after: confirmed, timeout: 10_000 });
      if (i === MANY_CALLS) await expectAudioBothWays();
      node.k.hangup();
      await far.waitFor('ended', { after: ended, timeout: 10_000 });
      await node.until('idle', () => node.k.currentCall === null, 5000);
    }
    expect(node.errors).toEqual([]);
    expect(node.events.filter((e) => e === 'connected')).toHaveLength(1);
  });

  /*
   * Issue 13: our gateway keeps a call across a dropped connection with a resume token it sends in
   * `accepted`. siprtmp.py sends none, so the kazoo client has nothing to present and the call dies with
   * the connection, as it always did (docs/api.md): siprtmp.py hangs the SIP call up when its RTMP client
   * goes. The connection is replaced here by kazoo.reconnect() (a live connection, closed by the client).
   */
  test('the connection replaced mid-call: no resume offer from siprtmp.py, so the call ends with it (BYE at the far end, onHangup), registered again', async () => {
    const hangups = node.count('hangup');
    const connected = node.count('connected');
    const accepted = node.count('accepted');
    const ended = await far.count('ended');
    const confirmed = await far.count('confirmed');
    node.k.connect(`sip:${FAR}@${REALM}`);
    await node.until('onAccepted', () => node.count('accepted') === accepted + 1, 15_000);
    await far.waitFor('confirmed', { after: confirmed, timeout: 10_000 });
    node.k.reconnect();
    await node.until('onHangup', () => node.count('hangup') === hangups + 1, 5000);
    await far.waitFor('ended', { after: ended, timeout: 10_000 });
    await node.until('onConnected again', () => node.count('connected') === connected + 1, 15_000);
    expect(node.k.currentCall).toBeNull();
  });

  test('logout removes the binding at Kamailio', async () => {
    expect((await contacts(user)).count).toBe(1);
    await node.k.logout();
    node.events.push('logged-out');
    await until('binding removed', async () => (await contacts(user)).count === 0, 10_000, 200);
  });

  test('wrong password: what a 2014 page sees, and no binding', async () => {
    const wrong = new NodePhone(user);
    await wrong.start(url(), 'not-the-password');
    await sleep(500);
    expect(wrong.events.includes('connected')).toBe(false);
    expect(wrong.errors).toHaveLength(1);
    const e = wrong.errors[0];
    console.log(`siprtmp-peer ${name} wrong password → onError ${JSON.stringify(e)}`);
    // siprtmp passes the registrar's 403 on: the document's key for a wrong password (docs/api.md)
    expect({ key: e.key, message: e.message }).toEqual({ key: 'unauthorized', message: 'Invalid credentials.' });
    expect((await contacts(user)).count).toBe(0);
    await wrong.k.logout();
  });
});

suite('the gateway at the end', () => {
  test('siprtmp.py and rtmpt.py are still running (same PIDs); no Python traceback in the log', () => {
    expect(peer!.alive()).toBe(true);
    expect(pythonTracebacks(peer!.log())).toEqual([]);
  });
});
