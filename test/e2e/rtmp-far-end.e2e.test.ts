/**
 * The RTMP page (`forceRTMP: true`, the build lab.open(…) loads; the project's gateway) against far ends
 * that measure what reached them:
 *  - a SIP phone in Node (test/support/e2e/sip-far-end.ts) registered in Kamailio over UDP with digest auth:
 *    it decodes the RFC 4733 events and the μ-law audio it receives, records SIP INFO, CANCEL and BYE,
 *    and sends a tone back;
 *  - a Chromium page on WebRTC (JsSIP, through rtpengine) for cancel and reject.
 */
import { createRtmpGateway, type RtmpGateway } from '../../gateway';
import { REALM, WS_URL, labCreds, until } from '../support/e2e/lab';
import { launch, sleep, type Lab, type PhonePage } from '../support/e2e/browser';
import { SipFarEnd } from '../support/e2e/sip-far-end';

jest.setTimeout(120_000);

let lab: Lab;
let gateway: RtmpGateway;
let rtmp: PhonePage;
let webrtc: PhonePage;
let far: SipFarEnd;

const FAR = '1003';

const creds = labCreds;


const playback = () => rtmp.eval<number>('__playbackLevel()');
const mute = (on: boolean) => rtmp.eval<string>(`new Promise(r => kazoo.muteMicrophone(${on}, () => r('ok'), (e) => r(e.key)))`);
const signal = (body: string) => /Signal=\s*(\S)/.exec(body)?.[1] ?? '?';

/** the RTMP page calls the SIP far end, which answers; audio measured at both ends */
async function callFarEnd(dtmfPt: number | null): Promise<void> {
  far.resetCall();
  far.mode = { answer: true, dtmfPt };
  await rtmp.eval(`kazoo.connect('sip:${FAR}@${REALM}')`);
  await rtmp.waitFor('onAccepted', { timeout: 15_000 });
  await until('the far end answered', () => far.state === 'confirmed');
  // the gateway always offers telephone-event (the page asks for pcmu + dtmf)
  expect(far.offers[0]).toMatch(/a=rtpmap:101 telephone-event\/8000/);
  // the far end hears the page's tone (worklet, μ-law, gateway), not its own…
  await far.expectTone(rtmp.tone, { absent: [far.toneHz] });
  // …and the page plays the far end's tone, not its own
  await rtmp.expectTone(far.toneHz, { absent: [rtmp.tone] });
}

async function endCall(): Promise<void> {
  if (far.state === 'confirmed') await far.hangup().catch(() => undefined);
  // a test that failed half-way leaves no call behind for the next one
  for (const p of [rtmp, webrtc]) {
    if (await p.eval<boolean>('kazoo.currentCall !== null').catch(() => false)) await p.eval('kazoo.hangup()');
  }
  await until('both pages idle', async () => !(await rtmp.eval<boolean>('kazoo.currentCall !== null')) && !(await webrtc.eval<boolean>('kazoo.currentCall !== null')), 5000);
}

beforeAll(async () => {
  gateway = createRtmpGateway({ sipServer: { host: '127.0.0.1', port: 5060 }, logLevel: 'warn' });
  await gateway.start();
  far = await SipFarEnd.register(FAR);
  lab = await launch();
  webrtc = await lab.open('webrtc-1006');
  await webrtc.registerWith({ wsUrl: WS_URL, ...creds('1006') });
  await webrtc.waitFor('onConnected');
  rtmp = await lab.open('rtmp-1005');
  await rtmp.eval("new Promise(r => kazoo.init({ forceRTMP: true, onLoaded: r }))");
  expect(await rtmp.eval('kazoo.version')).toBe('rtmp');
  await rtmp.registerWith(creds('1005', { rtmpUrl: 'rtmp://127.0.0.1/sip' }));
  await rtmp.waitFor('onConnected', { timeout: 15_000 });
});

beforeEach(async () => {
  await rtmp.clearEvents();
  await webrtc.clearEvents();
  await webrtc.eval('window.autoAnswer = undefined');
});

afterEach(endCall);

afterAll(async () => {
  await rtmp?.close();
  await webrtc?.close();
  await lab?.close();
  await far?.stop();
  await gateway?.stop();
});

describe('DTMF from the RTMP page, as the far end receives it', () => {
  test('telephone-event answered: 1, 2, # sent back to back arrive as three RFC 4733 events in order; the far end hangs up', async () => {
    await callFarEnd(101);
    await rtmp.eval("kazoo.sendDTMF('1'); kazoo.sendDTMF('2'); kazoo.sendDTMF('#')");
    await until('three complete telephone-events at the far end', () => far.dtmf.length >= 3 && far.dtmf.every((e) => e.ended), 5000);
    await sleep(300); // nothing more follows
    expect(far.digits()).toBe('12#');
    expect(far.dtmf.every((e) => e.ended)).toBe(true);
    expect(far.received('INFO')).toHaveLength(0); // in the media, not also as INFO
    expect(await rtmp.count('onError')).toBe(0);

    // hang-up from the far end: one onHangup, no onCancel
    expect(await far.hangup()).toBe(200);
    await rtmp.waitFor('onHangup');
    await sleep(500);
    expect(await rtmp.count('onHangup')).toBe(1);
    expect(await rtmp.count('onCancel')).toBe(0);
    expect(await rtmp.count('onAccepted')).toBe(1);
  });

  test('no telephone-event in the answer: 1, 2, # arrive as SIP INFO (dtmf-relay), CSeq in order; the RTMP page hangs up', async () => {
    await callFarEnd(null);
    await rtmp.eval("kazoo.sendDTMF('1'); kazoo.sendDTMF('2'); kazoo.sendDTMF('#')");
    await until('three INFOs at the far end', () => far.received('INFO').length >= 3, 5000);
    await sleep(300);
    const infos = far.received('INFO');
    expect(infos).toHaveLength(3);
    expect(infos.every((i) => i.contentType === 'application/dtmf-relay')).toBe(true);
    // in the sender's order (CSeq). The order they *reached* the far end is not guaranteed today: see the
    // known-bug test below
    expect([...infos].sort((a, b) => a.cseq - b.cseq).map((i) => signal(i.body)).join('')).toBe('12#');
    expect(far.dtmf).toHaveLength(0);
    expect(far.audio.otherPayloadTypes).toBe(0);

    await rtmp.eval('kazoo.hangup()');
    await until('BYE at the far end', () => far.state === 'ended' && far.received('BYE').length === 1);
    await rtmp.waitFor('onHangup');
    await sleep(500);
    expect(await rtmp.count('onHangup')).toBe(1);
    expect(await rtmp.count('onCancel')).toBe(0);
  });
});

/*
 * Regression: the gateway used to send each INFO at once, so back-to-back digits raced through Kamailio's
 * UDP workers and arrived out of order about one call in ten ("1#2", "#12" with CSeqs in order). It now
 * sends one INFO at a time (gateway/call/info-dtmf.ts); ten calls make a reordering visible.
 */
test('no telephone-event: 1, 2, # back to back reach the far end in that order, ten calls in a row', async () => {
  const seen: string[] = [];
  for (let i = 0; i < 10; i++) {
    await callFarEnd(null);
    await rtmp.eval("kazoo.sendDTMF('1'); kazoo.sendDTMF('2'); kazoo.sendDTMF('#')");
    await until('three INFOs at the far end', () => far.received('INFO').length >= 3, 5000);
    seen.push(far.received('INFO').map((x) => signal(x.body)).join(''));
    await rtmp.eval('kazoo.hangup()');
    await until('BYE at the far end', () => far.state === 'ended');
    await rtmp.waitFor('onHangup', { after: i });
  }
  expect(seen).toEqual(Array(10).fill('12#'));
});

test('muteMicrophone(true): the far end keeps receiving frames but their energy stops growing; unmuted it grows again', async () => {
  await callFarEnd(101);
  // unmuted: the fake microphone's beeps reach the far end
  const start = far.audio.energy;
  await until('energy growing before mute', () => far.audio.energy > start, 5000);

  expect(await mute(true)).toBe('ok');
  await sleep(500); // frames already in flight (worklet, gateway)
  const muted = { energy: far.audio.energy, packets: far.audio.packets };
  await sleep(2000);
  // silence frames keep flowing (the far end's jitter buffer stays fed) …
  expect(far.audio.packets - muted.packets).toBeGreaterThan(50);
  // … and carry no energy at all (μ-law silence)
  expect(far.audio.energy - muted.energy).toBeLessThan(1e-9);
  expect(far.levelOver(1500).rms).toBeLessThan(1e-4);
  // the far end's tone still plays at the page: muting is one-way
  expect(await playback()).toBeGreaterThan(0.01);
  await rtmp.expectTone(far.toneHz, { timeout: 1000 });

  expect(await mute(false)).toBe('ok');
  const unmuted = far.audio.energy;
  await until('energy growing again after unmute', () => far.audio.energy > unmuted + 1e-6, 5000);
  await far.expectTone(rtmp.tone);
  expect(await rtmp.count('onError')).toBe(0);
});

describe('cancel and reject between the RTMP page and a WebRTC page', () => {
  test('the RTMP page hangs up while the WebRTC page rings: 487 there, onCancel and onHangup once each on both pages', async () => {
    await rtmp.eval(`kazoo.connect('sip:1006@${REALM}')`);
    expect((await webrtc.waitFor('onIncoming', { timeout: 15_000 })).arg).toMatchObject({ callerNumber: '1005' });
    await rtmp.eval('kazoo.hangup()');
    expect((await webrtc.waitFor('onCancel')).arg).toMatchObject({ event: 'cancelled', originator: 'remote', code: 487 });
    await webrtc.waitFor('onHangup');
    expect((await rtmp.waitFor('onCancel')).arg).toMatchObject({ event: 'cancelled', originator: 'local' });
    await rtmp.waitFor('onHangup');
    await sleep(1000); // no late duplicates (e.g. the gateway's 487 after our local end)
    for (const p of [rtmp, webrtc]) {
      expect(await p.count('onCancel')).toBe(1);
      expect(await p.count('onHangup')).toBe(1);
      expect(await p.count('onAccepted')).toBe(0);
    }
    expect(await rtmp.count('onError')).toBe(0);
  });

  test('SIP far end left ringing: the page hangs up after the 180, CANCEL reaches the far end (487)', async () => {
    far.resetCall();
    far.mode = { answer: false };
    await rtmp.eval(`kazoo.connect('sip:${FAR}@${REALM}')`);
    await until('the far end rings', () => far.state === 'ringing');
    await rtmp.eval('kazoo.hangup()');
    await until('CANCEL at the far end', () => far.state === 'ended' && far.received('CANCEL').length === 1);
    expect((await rtmp.waitFor('onCancel')).arg).toMatchObject({ event: 'cancelled', originator: 'local', code: 487 });
    await rtmp.waitFor('onHangup');
    await sleep(500);
    expect(await rtmp.count('onCancel')).toBe(1);
    expect(await rtmp.count('onHangup')).toBe(1);
    expect(await rtmp.count('onAccepted')).toBe(0);
  });

  /*
   * Regression: `invite` awaits the media leg (a UDP bind) before it creates the Call; a `bye` arriving
   * meanwhile used to be dropped and the INVITE went out anyway: the far end rang with nobody behind it and
   * the session stayed "in a call" (the next connect() was rejected, calls to the page answered 486).
   */
  test('the page hangs up at once after connect(): nothing is left ringing, and the next call works', async () => {
    far.resetCall();
    far.mode = { answer: false };
    try {
      await rtmp.eval(`kazoo.connect('sip:${FAR}@${REALM}'); kazoo.hangup()`);
      await rtmp.waitFor('onHangup');
      await sleep(2000);
      expect(far.state).not.toBe('ringing');
      if (far.received('INVITE').length > 0) expect(far.received('CANCEL')).toHaveLength(1);
    } finally {
      far.reject(486); // frees the gateway session should the bug come back
    }
    await callFarEnd(101);
    expect(await rtmp.count('onCancel')).toBe(1);
    expect(await rtmp.count('onHangup')).toBe(1);
  });

  test('the WebRTC page rejects the RTMP page’s call: onCancel 486 (rejected, remote), then onHangup, once each', async () => {
    await webrtc.eval("window.autoAnswer = 'reject'");
    await rtmp.eval(`kazoo.connect('sip:1006@${REALM}')`);
    const c = await rtmp.waitFor('onCancel', { timeout: 15_000 });
    expect(c.arg).toMatchObject({ code: 486, event: 'rejected', originator: 'remote' });
    await rtmp.waitFor('onHangup');
    const events = (await rtmp.events()).map((e) => e.name).filter((n) => n === 'onCancel' || n === 'onHangup');
    await sleep(1000);
    expect(events).toEqual(['onCancel', 'onHangup']); // in that order
    expect(await rtmp.count('onCancel')).toBe(1);
    expect(await rtmp.count('onHangup')).toBe(1);
    expect(await rtmp.count('onAccepted')).toBe(0);
    expect(await webrtc.count('onIncoming')).toBe(1);
  });

  test('the RTMP page rejects a call from the WebRTC page: the caller gets onCancel 486', async () => {
    await rtmp.eval("window.autoAnswer = 'reject'");
    try {
      await webrtc.eval(`kazoo.connect('sip:1005@${REALM}')`);
      expect((await rtmp.waitFor('onIncoming', { timeout: 15_000 })).arg).toMatchObject({ callerNumber: '1006' });
      expect((await webrtc.waitFor('onCancel', { timeout: 15_000 })).arg).toMatchObject({ code: 486, event: 'rejected', originator: 'remote' });
      await webrtc.waitFor('onHangup');
      await sleep(500);
      expect(await webrtc.count('onHangup')).toBe(1);
      expect(await webrtc.count('onAccepted')).toBe(0);
      expect(await rtmp.count('onAccepted')).toBe(0);
    } finally {
      await rtmp.eval('window.autoAnswer = undefined');
    }
  });
});
