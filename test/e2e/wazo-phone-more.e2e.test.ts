/**
 * More of the Wazo phone (dist/kazoo-wazo.js, the seed's `Wazo.Auth` + `Wazo.Phone` examples) in headless
 * Chromium against the Wazo dev engine: DTMF detected in the audio a raw JsSIP far end receives, a video
 * call whose frames are counted at the receiver while the camera goes off and on, a second incoming call
 * answered while in a call with hold/resume between the two, reject and cancel as each side is told, and
 * transfers with a raw JsSIP page (no product code) as the third party. Every party sends its own tone and
 * the receiver checks the frequency it expects.
 */
import { sleep, NODE_TONES, type PhonePage } from '../support/e2e/browser';
import { JsSipFarEnd } from '../support/e2e/siprtmp-jssip-far-end';
import { WazoPages, autoAccept, connected, run, waitLog } from '../support/e2e/wazo-pages';

jest.setTimeout(120_000);

let pages: WazoPages;
const farEnds: JsSipFarEnd[] = [];

/** a raw JsSIP page registered on the dev engine with the demo credentials of `user` (a Wazo line) */
async function farEnd(user: string, tone: number): Promise<JsSipFarEnd> {
  const far = await JsSipFarEnd.open(pages.lab.ctx, user, tone, { ...pages.sip, password: `secret${user}`, plainOffer: false });
  farEnds.push(far);
  return far;
}

/** waits until the far end's received audio has `hz` as its dominant frequency, loud */
async function farHears(far: JsSipFarEnd, hz: number, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const peak = await far.peak();
    if (peak && Math.abs(peak.hz - hz) <= 15 && peak.db > -45) return;
    if (Date.now() > deadline) throw new Error(`[far ${far.user}] did not hear ${hz} Hz within ${timeout} ms: ${JSON.stringify(peak)}`);
    await sleep(100);
  }
}

/** video frames decoded so far on the page's live peer connections (RTCInboundRtpStreamStats) */
function framesDecoded(p: PhonePage): Promise<number> {
  return p.page.evaluate(async () => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.filter((pc) => pc.connectionState !== 'closed');
    let frames = 0;
    for (const pc of pcs) {
      (await pc.getStats()).forEach((s: { type: string; kind?: string; framesDecoded?: number }) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video') frames += s.framesDecoded ?? 0;
      });
    }
    return frames;
  });
}

/** the frames decoded at `p` rise by at least `atLeast` within `timeout` */
async function framesRise(p: PhonePage, atLeast = 10, timeout = 8000): Promise<void> {
  const start = await framesDecoded(p);
  const deadline = Date.now() + timeout;
  for (;;) {
    const now = await framesDecoded(p);
    if (now - start >= atLeast) return;
    if (Date.now() > deadline) throw new Error(`[${p.name}] decoded ${now - start} video frames in ${timeout} ms (expected ≥ ${atLeast})`);
    await sleep(200);
  }
}

/** no frame decoded at `p` over `window` ms, once what was in flight arrived (`settle`) */
async function framesStill(p: PhonePage, window = 2000, settle = 1000): Promise<void> {
  await sleep(settle);
  const before = await framesDecoded(p);
  await sleep(window);
  expect({ who: p.name, newFrames: (await framesDecoded(p)) - before }).toEqual({ who: p.name, newFrames: 0 });
}

beforeAll(async () => { pages = await WazoPages.start(); });
afterEach(async () => {
  for (const far of farEnds.splice(0)) await far.close();
  await pages.closePages();
});
afterAll(async () => { await pages?.close(); });

test('DTMF: Wazo.Phone.sendDTMF and WebRTCPhone.sendKey reach a raw JsSIP far end as RFC 4733 tones, in order', async () => {
  const a = await pages.phone('1001');
  // keep the caller's own tone clear of the DTMF rows and columns the far end listens for
  await a.setTone(523);
  const far = await farEnd('1010', NODE_TONES[0]);
  await run(a, "w.out = await P.call('1010'); return null;");
  await waitLog(a, 'onCallAccepted 1010');
  await far.waitFor('confirmed');
  await a.expectTone(NODE_TONES[0], { absent: [a.tone] });
  await farHears(far, a.tone);
  await far.clear();
  await run(a, "P.sendDTMF('15', w.out); P.phone.sendKey(w.out, '9'); P.sendDTMF('#', w.out); return null;");
  const sentAt = await far.eval<number>('Date.now()');
  const deadline = Date.now() + 10_000;
  let keys = '';
  while (keys.length < 4 && Date.now() < deadline) {
    await sleep(200);
    keys = (await far.dtmf()).map((d) => d.key).join('');
  }
  // on a miss, when each key was counted (ms after sending) and the row/column levels then (dBFS)
  if (keys !== '159#') {
    const seen = (await far.dtmf()).map((d) => ({ ...d, t: d.t - sentAt }));
    throw new Error(`the far end detected "${keys}", not "159#": ${JSON.stringify(seen)}`);
  }
  // in the media, as the SDK does on the web: no SIP INFO
  expect(await far.count('dtmf-info')).toBe(0);
  // bad input is an error, not a silent no-op
  await expect(run(a, "P.sendDTMF('x', w.out); return null;")).rejects.toThrow(/DTMF/i);
  await farHears(far, a.tone);
});

test('a video call: both cameras decoded at the other end; turnCameraOff stops the frames, turnCameraOn brings them back; audio both ways', async () => {
  const a = await pages.phone('1002');
  const b = await pages.phone('1003');
  await run(b, "P.on(P.ON_CALL_INCOMING, (cs, wantsVideo) => w.log.push('wantsVideo ' + wantsVideo)); return null;");
  await run(a, "w.out = await P.call('1003', true); return null;");
  await waitLog(b, 'onCallIncoming 1002');
  await waitLog(b, 'wantsVideo true');
  await run(b, 'w.current = w.calls[w.calls.length - 1]; await P.accept(w.current, true); return null;');
  await waitLog(a, 'onCallAccepted 1003');
  await a.expectTone(b.tone, { absent: [a.tone] });
  await b.expectTone(a.tone, { absent: [b.tone] });
  await framesRise(b);
  await framesRise(a);

  await run(a, 'P.turnCameraOff(w.out); return null;');
  await framesStill(b);
  await framesRise(a); // B's camera is still on
  await b.expectTone(a.tone, { absent: [b.tone] }); // the camera only

  await run(a, 'P.turnCameraOn(w.out); return null;');
  await framesRise(b);
  await a.expectTone(b.tone, { absent: [a.tone] });
  await b.expectTone(a.tone, { absent: [b.tone] });
});

test('a second incoming call while in a call: seen, accepted (the first goes on hold), then hold/resume between them with the right party heard', async () => {
  const a = await pages.phone('1004');
  const b = await pages.phone('1005');
  const c = await pages.phone('1006');
  await connected(a, b); // w.out on A: the call with B
  await run(c, "w.out = await P.call('1004'); return null;");
  await waitLog(a, 'onCallIncoming 1006');
  expect(await run<number>(a, 'return P.phone.callCount();')).toBe(2);
  // still talking to B while C rings
  await a.expectTone(b.tone, { via: 'output', absent: [c.tone] });

  await run(a, 'w.second = w.calls[w.calls.length - 1]; await P.accept(w.second); return null;');
  await waitLog(a, 'onCallHeld 1005');
  await waitLog(c, 'onCallAccepted 1004');
  const talkingTo = async (them: PhonePage, held: PhonePage) => {
    await a.expectTone(them.tone, { via: 'output', absent: [held.tone, a.tone] });
    await them.expectTone(a.tone, { absent: [them.tone, held.tone] });
    await held.expectNoTone(a.tone, { timeout: 8000 });
  };
  await talkingTo(c, b);
  expect(await run<string>(a, 'return P.getCurrentSipSession().number;')).toBe('1006');

  await run(a, 'await P.resume(w.out); return null;'); // holds C first
  await waitLog(a, 'onCallHeld 1006');
  await waitLog(a, 'onCallResumed 1005');
  await talkingTo(b, c);
  expect(await run<string>(a, 'return P.getCurrentSipSession().number;')).toBe('1005');

  await run(a, 'await P.resume(w.second); return null;');
  await waitLog(a, 'onCallResumed 1006');
  await talkingTo(c, b);

  // C hangs up: B is still held, and comes back on resume
  await run(c, 'P.hangup(w.out); return null;');
  await waitLog(a, 'onCallEnded 1006');
  await run(a, 'await P.resume(w.out); return null;');
  await a.expectTone(b.tone, { via: 'output', absent: [c.tone, a.tone] });
  await b.expectTone(a.tone, { absent: [b.tone] });
});

test('reject: the caller gets onCallRejected with the callee\'s answer (603 Decline from a Wazo phone, 486 from a raw JsSIP phone)', async () => {
  const a = await pages.phone('1007');
  const b = await pages.phone('1008');
  await run(a, "w.out = await P.call('1008'); return null;");
  await waitLog(b, 'onCallIncoming 1007');
  await run(b, 'P.reject(w.calls[w.calls.length - 1]); return null;');
  await waitLog(a, 'onCallRejected 1008 603 Decline');
  await waitLog(a, 'onCallEnded 1008');
  await waitLog(b, 'onCallEnded 1007');

  const far = await farEnd('1010', NODE_TONES[1]);
  await far.setMode('reject');
  await run(a, "w.out = await P.call('1010'); return null;");
  await waitLog(a, 'onCallRejected 1010 486 Busy Here');
  await waitLog(a, 'onCallEnded 1010');
  const log = await run<string[]>(a, 'return w.log;');
  expect(log.filter((l) => l.startsWith('onCallFailed') || l.startsWith('onCallCanceled'))).toEqual([]);
  expect(await run<number>(a, 'return P.phone.callCount();')).toBe(0);
});

test('cancel: the callee sees onCallCanceled then onCallEnded when the caller gives up (Wazo caller, raw JsSIP caller)', async () => {
  const a = await pages.phone('1007');
  const b = await pages.phone('1008');
  await run(a, "w.out = await P.call('1008'); return null;");
  await waitLog(b, 'onCallIncoming 1007');
  await run(a, 'P.hangup(w.out); return null;');
  await waitLog(b, 'onCallCanceled 1007');
  await waitLog(b, 'onCallEnded 1007');
  await waitLog(a, 'onCallEnded 1008');
  expect((await run<string[]>(a, 'return w.log;')).filter((l) => l.startsWith('onCallRejected'))).toEqual([]);

  const far = await farEnd('1010', NODE_TONES[1]);
  await far.eval(`far.call('sip:1008@${pages.sip.domain}')`);
  await waitLog(b, 'onCallIncoming 1010');
  await far.eval('far.hangup()');
  await waitLog(b, 'onCallCanceled 1010');
  await waitLog(b, 'onCallEnded 1010');
  expect(await run<number>(b, 'return P.phone.callCount();')).toBe(0);
});

test('a call answered on another device of the user: the other device gets onCallCanceled with elsewhere = true', async () => {
  const a = await pages.phone('1001');
  const b = await pages.phone('1002');
  const b2 = await pages.phone('1002'); // the same user's second device
  await run(a, "w.out = await P.call('1002'); return null;");
  await waitLog(b, 'onCallIncoming 1001');
  await waitLog(b2, 'onCallIncoming 1001');
  await run(b, 'w.current = w.calls[w.calls.length - 1]; await P.accept(w.current); return null;');
  await waitLog(b2, 'onCallCanceled 1001 elsewhere true');
  await waitLog(b2, 'onCallEnded 1001');
  await waitLog(a, 'onCallAccepted 1002');
  await a.expectTone(b.tone, { absent: [a.tone, b2.tone] });
  await b.expectTone(a.tone, { absent: [b.tone, b2.tone] });
  expect(await run<number>(b2, 'return P.phone.callCount();')).toBe(0);
  // a caller who gives up is no call taken elsewhere
  await run(a, 'P.hangup(w.out); return null;');
  await waitLog(b, 'onCallEnded 1001');
  for (const p of [b, b2]) await run(p, 'w.log.length = 0; return null;');
  await run(a, "w.out = await P.call('1002'); return null;");
  await waitLog(b, 'onCallIncoming 1001');
  await waitLog(b2, 'onCallIncoming 1001');
  await run(a, 'P.hangup(w.out); return null;');
  await waitLog(b2, 'onCallCanceled 1001 elsewhere false');
  await waitLog(b, 'onCallCanceled 1001 elsewhere false');
});

test('blind transfer to a raw JsSIP phone: B transfers A to it; A and the JsSIP phone hear each other, B is out', async () => {
  const a = await pages.phone('1001');
  const b = await pages.phone('1002');
  const far = await farEnd('1010', NODE_TONES[2]);
  await connected(a, b);
  await run(b, "await P.transfer(w.current, '1010'); return null;");
  await waitLog(b, 'onCallEnded 1001');
  await far.waitFor('confirmed');
  await a.expectTone(NODE_TONES[2], { absent: [a.tone, b.tone], timeout: 15_000 });
  await farHears(far, a.tone, 15_000);
  await b.expectNoTone(a.tone);
});

test('a raw JsSIP phone calls A, then transfers A (REFER) to C: A follows, A and C hear each other, the JsSIP phone is out', async () => {
  const a = await pages.phone('1003');
  const c = await pages.phone('1004');
  await autoAccept(a);
  await autoAccept(c);
  const far = await farEnd('1010', NODE_TONES[3]);
  await far.eval(`far.call('sip:1003@${pages.sip.domain}')`);
  await waitLog(a, 'onCallAccepted 1010');
  await far.waitFor('confirmed');
  await a.expectTone(NODE_TONES[3], { absent: [a.tone] });
  await farHears(far, a.tone);
  await far.eval(`far.session.refer('sip:1004@${pages.sip.domain}')`);
  await waitLog(c, 'onCallAccepted 1003');
  await a.expectTone(c.tone, { absent: [a.tone, NODE_TONES[3]], timeout: 15_000 });
  await c.expectTone(a.tone, { absent: [c.tone, NODE_TONES[3]], timeout: 15_000 });
  // A hung up the transferor's call once the new one was up
  await far.waitFor('ended');
  await waitLog(a, 'onCallEnded 1010');
});
