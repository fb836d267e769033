/**
 * The Wazo phone in Node 20 (kazoo-js/wazo as built, dist/wazo.cjs, on kazoo-js/node's werift WebRTC):
 * Wazo.Auth.logIn + Wazo.Phone.connect against the Wazo dev engine over https/wss, trusting its
 * self-signed certificate (no certificate checks turned off), then calls with a Chromium Wazo.Phone user
 * both ways, and a raw JsSIP far end to which it sends DTMF. Each side sends its own tone: Node measures
 * the decoded μ-law samples it receives, the pages their inbound audio.
 */
import WebSocket from 'ws';
import * as werift from 'werift';
import { installNodeWebRTC } from '../../entries/node';
import type WazoDefault from '../../plugins/wazo';
import type { CallSession } from '../../plugins/wazo';
import { NODE_TONES, PAGE_TONES, TONE_TOLERANCE_HZ, sleep, type PhonePage } from '../support/e2e/browser';
import { JsSipFarEnd } from '../support/e2e/siprtmp-jssip-far-end';
import { ToneMeter, expectNodeTone } from '../support/e2e/tone-meter';
import { WazoPages, run, waitLog } from '../support/e2e/wazo-pages';
import { fetchTrusting } from '../support/wazo/node-fetch';

jest.setTimeout(90_000);

// the package as shipped (npm run build ran before the e2e suite)
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Wazo = (require('../../dist/wazo.cjs') as { default: typeof WazoDefault }).default;
const P = Wazo.Phone;

const NODE_TONE = NODE_TONES[1];
const meter = new ToneMeter();
let pages: WazoPages;
let page: PhonePage;
const events: string[] = [];

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; Node phone events: ${events.join(', ')}`);
    await sleep(50);
  }
}

/** Node hears the page's tone (not its own), the page hears Node's (not its own) */
async function tonesBothWays(): Promise<void> {
  await expectNodeTone('node 1001', meter, page.tone, { absent: [NODE_TONE] });
  await page.expectTone(NODE_TONE, { absent: [page.tone] });
}

beforeAll(async () => {
  pages = await WazoPages.start();
  const ca = pages.info.certificate;
  const node = installNodeWebRTC({ WebSocket, werift, toneHz: NODE_TONE, webSocketOptions: { ca } });
  node.onPeerConnection((pc) => node.onRemoteAudio(pc, (s) => meter.push(s)));
  page = await pages.phone('1002');

  Wazo.Auth.init('kazoo-node-e2e');
  Wazo.Auth.setHost(pages.server);
  // REST and websocketd trust the engine's certificate too
  Wazo.Auth.setApiClientOptions({ fetch: fetchTrusting(ca) });
  Wazo.Websocket.setClientOptions({ wsOptions: { ca } });
  const session = await Wazo.Auth.logIn('1001', 'secret1001');
  expect(session?.profile?.sipLines.some((l) => l.isWebRtc())).toBe(true);
  for (const ev of [P.ON_CALL_INCOMING, P.ON_CALL_ACCEPTED, P.ON_CALL_ENDED, P.ON_CALL_FAILED] as const) {
    (P.on as (e: string, fn: (cs: CallSession) => void) => void)(ev, (cs) => { events.push(`${ev} ${cs?.number ?? ''}`); });
  }
  await P.connect({ engine: { logSink: null } });
});

afterAll(async () => {
  await P.disconnect().catch(() => undefined);
  await Wazo.Auth.logout().catch(() => undefined);
  await pages?.close();
});

test('Wazo.Phone.connect in Node registered the user\'s WebRTC line over wss', () => {
  expect(P.isConnected()).toBe(true);
  expect(P.client?.wsUrl).toBe(`wss://${pages.server}/api/asterisk/ws?userUuid=${encodeURIComponent(Wazo.Auth.getSession()?.uuid ?? '')}`);
});

test('Node calls the Chromium user: each hears the other\'s own tone; the calld id comes over websocketd; hang-up seen by both', async () => {
  meter.reset();
  const cs = await P.call('1002');
  expect(cs).not.toBeNull();
  await waitLog(page, 'onCallIncoming 1001');
  await run(page, 'w.current = w.calls[w.calls.length - 1]; await P.accept(w.current); return null;');
  await until('onCallAccepted', () => events.includes('onCallAccepted 1002'));
  await tonesBothWays();
  // websocketd's call_created (matched by SIP Call-ID) gave the Node phone calld's id of its leg
  await until('calld call id', () => typeof cs!.callId === 'string' && cs!.callId.length > 0);
  P.hangup(cs!);
  await until('onCallEnded', () => events.includes('onCallEnded 1002'));
  await waitLog(page, 'onCallEnded 1001');
});

test('the Chromium user calls Node: Node accepts, audio both ways, the page hangs up', async () => {
  meter.reset();
  const accept = (cs: CallSession) => void P.accept(cs);
  P.on(P.ON_CALL_INCOMING, accept);
  try {
    await run(page, "w.out = await P.call('1001'); return null;");
    await until('onCallIncoming', () => events.includes('onCallIncoming 1002'));
    await waitLog(page, 'onCallAccepted 1001');
    await tonesBothWays();
    await run(page, 'P.hangup(w.out); return null;');
    await until('onCallEnded', () => events.filter((e) => e === 'onCallEnded 1002').length === 2);
    expect(events.filter((e) => e.startsWith('onCallFailed'))).toEqual([]);
  } finally {
    P.off(P.ON_CALL_INCOMING, accept);
  }
});

test('DTMF from Node reaches a raw JsSIP far end as SIP INFO (werift has no RTCDTMFSender), in order', async () => {
  const farTone = PAGE_TONES[3];
  const far = await JsSipFarEnd.open(pages.lab.ctx, '1003', farTone, { ...pages.sip, password: 'secret1003', plainOffer: false });
  try {
    meter.reset();
    const cs = await P.call('1003');
    await far.waitFor('confirmed');
    await until('onCallAccepted', () => events.includes('onCallAccepted 1003'));
    await expectNodeTone('node 1001', meter, farTone, { absent: [NODE_TONE] });
    await farHears(far, NODE_TONE);
    P.sendDTMF('15#', cs!);
    const deadline = Date.now() + 10_000;
    let keys: unknown[] = [];
    while (keys.length < 3 && Date.now() < deadline) {
      await sleep(100);
      keys = (await far.events()).filter((e) => e.name === 'dtmf-info').map((e) => e.detail);
    }
    expect(keys).toEqual(['1', '5', '#']);
    // bad input is an error, not a silent no-op
    expect(() => P.sendDTMF('x', cs!)).toThrow(/DTMF/i);
    P.hangup(cs!);
    await until('onCallEnded', () => events.includes('onCallEnded 1003'));
  } finally {
    await far.close();
  }
});

/** waits until the far end's received audio has `hz` as its dominant frequency, loud */
async function farHears(far: JsSipFarEnd, hz: number, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const peak = await far.peak();
    if (peak && Math.abs(peak.hz - hz) <= TONE_TOLERANCE_HZ && peak.db > -45) return;
    if (Date.now() > deadline) throw new Error(`[far ${far.user}] did not hear ${hz} Hz within ${timeout} ms: ${JSON.stringify(peak)}`);
    await sleep(100);
  }
}
