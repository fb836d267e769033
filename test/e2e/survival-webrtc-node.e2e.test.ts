/**
 * Issue 13, Node phones: the engine in Node 20 (`kazoo-js/node`: `ws` + werift) keeps an answered call
 * when the server closes its WebSocket mid-call, as the browser does (survival-webrtc.e2e.test.ts):
 * registered again, the dialog refreshed over the new connection, the audio going on, the far end's
 * BYE reaching it. The far end is raw JsSIP in Chromium (no product code); media peer to peer.
 * Each side sends its own tone; Node measures the decoded μ-law, the far end its received audio.
 */
import WebSocket from 'ws';
import * as werift from 'werift';
import { installNodeWebRTC } from '../../entries/node';
import { createKazoo } from '../../entries';
import type { Kazoo, KazooNotification } from '../../entries';
import { REALM, WS_URL, contacts, labGet, until } from '../support/e2e/lab';
import { NODE_TONES, PAGE_TONES, sleep } from '../support/e2e/browser';
import { ToneMeter, expectNodeTone } from '../support/e2e/tone-meter';
import { RawJsSipFarEnd } from '../support/e2e/survival-far-end';
import { Measured, farGapsSince } from '../support/e2e/survival-phone';

jest.setTimeout(120_000);

const NODE_USER = '1003';
const FAR = '1002';
const NODE_TONE = NODE_TONES[1];
const FAR_HZ = PAGE_TONES[5];

const node = installNodeWebRTC({ WebSocket, werift, toneHz: NODE_TONE });
const received = { samples: 0 };
const meter = new ToneMeter();
node.onPeerConnection((pc) => node.onRemoteAudio(pc, (s) => {
  received.samples += s.length;
  meter.push(s);
}));

let k: Kazoo;
let far: RawJsSipFarEnd;
/** the phone's callbacks in order, with epoch ms */
const events: { what: string; t: number; arg?: unknown }[] = [];
const seen = (what: string) => events.some((e) => e.what === what);
const measured = new Measured();

beforeAll(async () => {
  far = await RawJsSipFarEnd.open(FAR, FAR_HZ);
  k = createKazoo({ storage: null, logSink: (level, line) => { if (process.env.E2_DEBUG) console.log(`${Date.now()} ${level} ${line}`); } });
  await new Promise<void>((resolve) => k.init({ onLoaded: resolve, debug: !!process.env.E2_DEBUG }));
  const at = (what: string, arg?: unknown) => events.push({ what, t: Date.now(), arg });
  k.register({
    wsUrl: WS_URL, realm: REALM, privateIdentity: NODE_USER, publicIdentity: `sip:${NODE_USER}@${REALM}`, password: `secret${NODE_USER}`,
    reconnectDelay: 2000,
    onConnected: () => at('connected'),
    onAccepted: () => at('accepted'),
    onHangup: (h: unknown) => at('hangup', h),
    onIncoming: (call) => { at('incoming'); call.accept(); },
    onError: (e) => at(`error:${e.key}`),
    onNotified: (n: KazooNotification) => at(`notified:${n.key}`, n),
  });
  await until('the Node phone registered', () => seen('connected'), 10_000, 50);
}, 60_000);

afterAll(async () => {
  measured.print('survival (WebRTC, Node phone)');
  await far?.close();
  await k?.logout();
});

test('the server closes the Node phone\'s WebSocket mid-call: registered again, dialog refreshed, audio goes on both ways, the far end\'s BYE reaches it', async () => {
  // media peer to peer (werift and rtpengine's relayed SDP did not agree: "Incompatible SDP")
  await far.eval(`far.log = []; far.call('sip:${NODE_USER}@${REALM}', true)`);
  await until('the Node phone answered', () => seen('accepted'), 15_000, 50);
  await expectNodeTone('node 1003', meter, FAR_HZ, { absent: [NODE_TONE] });
  await far.page.expectTone(NODE_TONE, { absent: [FAR_HZ] });
  await far.eval(`far.sample(${NODE_TONE})`);
  await sleep(500);
  events.length = 0;

  const kickedAt = Date.now();
  expect((await labGet(`/kick/${NODE_USER}`)).body).toMatch(/closed=1/);
  await until('registered again', () => seen('connected'), 5000, 10);
  const registeredMs = events.find((e) => e.what === 'connected')!.t - kickedAt;
  measured.note('ws close → registered (Node)', registeredMs);
  // the legacy sequence, as in the browser
  expect(events.map((e) => e.what)).toEqual(['error:disconnected', 'notified:reconnecting_notification', 'connected']);
  expect(registeredMs).toBeLessThanOrEqual(1000); // bench target 300 ms (browser, bench/survival-webrtc.mjs)

  // the refresh re-INVITE came over the new connection
  await until('the far end got the refresh re-INVITE', async () => (await far.log()).some((l) => l.what === 'reinvite'), 10_000);
  measured.note('ws close → dialog refreshed (Node)', (await far.log()).find((l) => l.what === 'reinvite')!.t - kickedAt);

  // audio never stopped: the far end heard Node's tone all along, and Node keeps receiving the far end's
  const before = received.samples;
  await sleep(2000);
  expect(received.samples - before).toBeGreaterThanOrEqual(8000 * 1.5);
  await expectNodeTone('node 1003', meter, FAR_HZ, { absent: [NODE_TONE], timeout: 2000 });
  const gaps = await farGapsSince(far, NODE_TONE, kickedAt - 200);
  expect(gaps.samples).toBeGreaterThanOrEqual(20);
  expect(gaps.misses).toEqual([]);
  expect(seen('hangup')).toBe(false);
  expect((await contacts(NODE_USER)).count).toBe(1);

  // the far end's BYE reaches the Node phone
  const byeAt = Date.now();
  await far.eval('far.hangup(); clearInterval(far.sampler)');
  await until('the Node phone heard the BYE', () => seen('hangup'), 3000, 10);
  measured.note('far BYE → Node onHangup (after refresh)', events.find((e) => e.what === 'hangup')!.t - byeAt);
  expect(events.find((e) => e.what === 'hangup')!.arg).toMatchObject({ originator: 'remote' });
});
