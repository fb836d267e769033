/**
 * The same engine in Node 20: `ws` for the socket, werift for WebRTC (kazoo-js/node installs both),
 * calling a Chromium page that runs dist/kazoo.js, and called by it. Both ends measure the audio
 * they receive: Chromium its inbound RTP energy, Node the decoded μ-law samples of Chromium's beep.
 */
import WebSocket from 'ws';
import * as werift from 'werift';
import { installNodeWebRTC } from '../../entries/node';
import { createKazoo } from '../../entries';
import type { Kazoo } from '../../entries';
import type { KazooError, KazooNotification } from '../../entries';
import { REALM, WS_URL } from '../support/e2e/lab';
import { NODE_TONES, launch, sleep, type Lab, type PhonePage } from '../support/e2e/browser';
import { ToneMeter, expectNodeTone } from '../support/e2e/tone-meter';

jest.setTimeout(90_000);

/** the Node phone's microphone tone, and what it hears (decoded μ-law) */
const NODE_TONE = NODE_TONES[NODE_TONES.length - 1];
const node = installNodeWebRTC({ WebSocket, werift, toneHz: NODE_TONE });
const received = { samples: 0, energy: 0 };
const meter = new ToneMeter();
node.onPeerConnection((pc) => node.onRemoteAudio(pc, (s) => {
  received.samples += s.length;
  for (const v of s) received.energy += (v / 32768) ** 2;
  meter.push(s);
}));
/** Node hears the Chromium page's tone (not its own), and the page hears Node's (not its own) */
async function tonesBothWays(): Promise<void> {
  await expectNodeTone('node 1003', meter, page.tone, { absent: [NODE_TONE] });
  await page.expectTone(NODE_TONE, { absent: [page.tone] });
}

let lab: Lab;
let page: PhonePage;
let k: Kazoo;
const events: string[] = [];
const errors: KazooError[] = [];
const notes: KazooNotification[] = [];

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; events: ${events.join(', ')}`);
    await sleep(50);
  }
}

beforeAll(async () => {
  lab = await launch();
  page = await lab.open('chromium-1002');
  await page.eval("window.autoAnswer = 'accept'");
  await page.registerWith({ wsUrl: WS_URL, realm: REALM, privateIdentity: '1002', publicIdentity: `sip:1002@${REALM}`, password: 'secret1002' });
  await page.waitFor('onConnected');
  k = createKazoo({ storage: null, logSink: null });
  await new Promise<void>((resolve) => k.init({ onLoaded: resolve }));
  k.register({
    wsUrl: WS_URL, realm: REALM, privateIdentity: `sip:1003@${REALM}`, publicIdentity: '1003', password: 'secret1003',
    onConnected: () => events.push('connected'),
    onAccepted: () => events.push('accepted'),
    onHangup: () => events.push('hangup'),
    onCancel: () => events.push('cancel'),
    onIncoming: (call) => { events.push(`incoming ${call.callerNumber}`); call.accept(); },
    onError: (e) => { events.push(`error ${e.key}`); errors.push(e); },
    onNotified: (n) => notes.push(n),
  });
  await until('registration', () => events.includes('connected'));
});

afterAll(async () => {
  await k?.logout();
  await page?.close();
  await lab?.close();
});

test('the engine picked WebRTC in Node', () => {
  expect(k.version).toBe('webrtc');
});

test('Node calls Chromium: audio measured on both ends, hang-up seen by both', async () => {
  received.samples = 0;
  received.energy = 0;
  meter.reset();
  k.connect(`sip:1002@${REALM}`);
  await until('accepted', () => events.includes('accepted'));
  await page.waitFor('onAccepted');
  await until('audio at Node', () => received.samples > 8000 && received.energy > 1);
  const a = await page.inboundAudio();
  await sleep(500);
  const b = await page.inboundAudio();
  expect(b!.bytesReceived).toBeGreaterThan(a!.bytesReceived);
  expect(b!.codec).toBe('audio/PCMU');
  await tonesBothWays();
  k.hangup();
  await until('hangup', () => events.includes('hangup'));
  await page.waitFor('onHangup');
  expect(events.filter((e) => e === 'hangup')).toHaveLength(1);
});

test('Chromium calls Node: Node answers, audio both ways', async () => {
  received.samples = 0;
  received.energy = 0;
  meter.reset();
  const before = events.filter((e) => e === 'accepted').length;
  await page.eval(`kazoo.connect('sip:1003@${REALM}')`);
  await until('incoming', () => events.includes('incoming 1002'));
  await until('accepted', () => events.filter((e) => e === 'accepted').length > before);
  await page.waitFor('onAccepted', { after: 1 });
  await until('audio at Node', () => received.samples > 8000 && received.energy > 1);
  const a = await page.inboundAudio();
  await sleep(500);
  expect((await page.inboundAudio())!.bytesReceived).toBeGreaterThan(a!.bytesReceived);
  await tonesBothWays();
  await page.eval('kazoo.hangup()');
  await until('hangup', () => events.filter((e) => e === 'hangup').length === 2);
  expect(errors).toEqual([]);
});
