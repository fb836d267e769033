/**
 * calld transfers (`POST /users/me/transfers`, `PUT …/complete`, `DELETE …`) on the Wazo dev engine with
 * three Wazo.Phone pages in Chromium: A (1001) calls B (1002), then A transfers B to C (1003) through
 * calld (the SDK's `calld.transferCall` / `confirmCallTransfer` / `cancelCallTransfer`, every exchange
 * checked against Wazo's OpenAPI specs). The engine moves each phone's existing PeerConnection to its
 * new partner with re-INVITEs (RFC 3725): each party sends its own tone and the receiver checks that it
 * hears the one it should, and not the others. Each user's websocketd events name its own page's SIP
 * Call-ID after the transfer too; B holds and resumes through the engine afterwards.
 */
import { sleep, type PhonePage } from '../support/e2e/browser';
import { autoAccept, connected, run, waitLog } from '../support/e2e/wazo-pages';
import { wazoE2e } from '../support/wazo-dev/e2e-suite';
import { waitEvent, type EventUser } from '../support/wazo-dev/websocketd-user';

jest.setTimeout(150_000);

const suite = wazoE2e();

interface Party { page: PhonePage; user: EventUser }

async function party(name: string): Promise<Party> {
  const user = await suite.user(name);
  return { page: await suite.pages.phone(name), user };
}

/** A (1001) has called B (1002), they hear each other; C (1003) is connected. A's calld call id. */
async function threeParties(): Promise<{ a: Party; b: Party; c: Party; aCall: string }> {
  const [a, b, c] = [await party('1001'), await party('1002'), await party('1003')];
  await connected(a.page, b.page);
  const aCall = await waitFor<string>(a.page, 'return w.out.callId;');
  return { a, b, c, aCall };
}

/** polls `body` on the page until it returns something truthy (bounded) */
async function waitFor<T>(p: PhonePage, body: string, timeout = 10_000): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = await run<T>(p, body);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`[${p.name}] ${body} stayed falsy for ${timeout} ms`);
    await sleep(100);
  }
}

/** `x` and `y` hear each other's tone and nobody else's */
async function talking(x: Party, y: Party, others: Party[], timeout = 15_000): Promise<void> {
  const absent = (p: Party) => [p.page.tone, ...others.map((o) => o.page.tone)];
  await x.page.expectTone(y.page.tone, { absent: absent(x), timeout });
  await y.page.expectTone(x.page.tone, { absent: absent(y), timeout });
}

/** the SIP Call-ID of the page's own session of its latest call (incoming or outgoing) */
const ownSipCallId = (p: PhonePage, variable: string) => run<string>(p, `return w.${variable}.sipCallId;`);

/** the live peer connections' ICE state and how many offers they made (ICE restarts are offers) */
async function watchOffers(p: PhonePage): Promise<void> {
  await run(p, `for (const pc of w.__pcs.filter((c) => c.connectionState !== 'closed')) {
    if (pc.__offers !== undefined) continue;
    pc.__offers = 0; pc.__ice = [];
    const create = pc.createOffer.bind(pc);
    pc.createOffer = (...a) => { pc.__offers += 1; return create(...a); };
    pc.addEventListener('iceconnectionstatechange', () => pc.__ice.push(pc.iceConnectionState));
  } return null;`);
}
const offersAndIce = (p: PhonePage) => run<{ offers: number; ice: string[]; state: string }[]>(p,
  "return w.__pcs.filter((c) => c.__offers !== undefined).map((c) => ({ offers: c.__offers, ice: [...c.__ice, c.iceConnectionState], state: c.connectionState }));");

test('blind: C rings and answers, B and C hear each other, A\'s call ended and A hears nothing; events name each page\'s own Call-ID', async () => {
  const { a, b, c, aCall } = await threeParties();
  await autoAccept(c.page);
  const bSip = await ownSipCallId(b.page, 'current');
  const transfer = await a.user.client.calld.transferCall(aCall, '1003', 'blind');
  expect(transfer).toMatchObject({ sourceId: aCall, status: 'blind_transferred' });
  await waitLog(a.page, 'onCallEnded 1002');
  await waitLog(c.page, 'onCallIncoming 1002');
  await talking(b, c, [a]);
  expect(await a.page.hear([b.page.tone, c.page.tone])).toBeNull(); // no live call, no remote audio

  const cSip = await waitFor<string>(c.page, 'return w.calls[w.calls.length - 1].sipCallId;');
  const cLeg = await waitEvent(c.user, 'call_answered', cSip);
  expect(cLeg.data.call_id).toBe(transfer.destinationId);
  const bNow = await waitEvent(b.user, 'call_updated', bSip, 10_000, (e) => Object.keys(e.data.talking_to).includes(cLeg.data.call_id));
  expect(bNow.data.talking_to).toEqual({ [cLeg.data.call_id]: c.user.uuid });
  await waitEvent(a.user, 'call_ended', await ownSipCallId(a.page, 'out'));
  // nobody's event names a Call-ID that user's page does not know
  expect(b.user.events.filter((e) => e.data.sip_call_id !== bSip)).toEqual([]);
  expect(c.user.events.filter((e) => e.data.sip_call_id !== cSip)).toEqual([]);

  // B holds and resumes through the engine (it relays B's re-INVITEs to C)
  await run(b.page, 'await P.hold(w.current); return null;');
  await waitLog(b.page, 'onCallHeld 1001');
  expect((await waitEvent(b.user, 'call_held', bSip)).data.on_hold).toBe(true);
  await c.page.expectNoTone(b.page.tone, { timeout: 8000 });
  await run(b.page, 'await P.resume(w.current); return null;');
  await waitEvent(b.user, 'call_resumed', bSip);
  await talking(b, c, [a]);
  await run(c.page, 'P.hangup(w.calls[w.calls.length - 1]); return null;');
  await waitLog(b.page, 'onCallEnded 1001');
});

test('attended: A talks to C while B waits unheard; complete: B and C hear each other, A ended; hold/resume by B still works', async () => {
  const { a, b, c, aCall } = await threeParties();
  await autoAccept(c.page);
  const bSip = await ownSipCallId(b.page, 'current');
  await watchOffers(b.page);
  const transfer = await a.user.client.calld.transferCall(aCall, '1003');
  expect(transfer).toMatchObject({ sourceId: aCall, status: 'ringback' });
  await waitLog(c.page, 'onCallIncoming 1001');
  await talking(a, c, [b]);
  await b.page.expectNoTone(a.page.tone, { timeout: 8000 });
  expect((await a.user.client.calld.listCalls()).map((call) => call.id)).toEqual([aCall]);
  // B waits: its phone keeps the call (no BYE), and says nothing the engine must refuse again and again
  await sleep(6000);
  const waiting = await offersAndIce(b.page);
  console.log(`B while waiting: ${JSON.stringify(waiting)}`);
  // the one offer the engine asked for when parking B, no ICE restart of B's own
  expect(waiting.map((pc) => pc.offers)).toEqual([1]);
  expect(await run<string[]>(b.page, 'return w.log;')).not.toContain('onCallEnded 1001');

  const t0 = Date.now();
  expect(await a.user.client.calld.confirmCallTransfer(transfer.id)).toBe(true);
  await b.page.expectTone(c.page.tone, { absent: [b.page.tone, a.page.tone], timeout: 15_000 });
  const bHearsC = Date.now() - t0;
  await c.page.expectTone(b.page.tone, { absent: [c.page.tone, a.page.tone], timeout: 15_000 });
  const cHearsB = Date.now() - t0;
  console.log(`complete → B hears C: ${bHearsC} ms, C hears B: ${cHearsB} ms; offers made by B since the transfer began: ${JSON.stringify(await offersAndIce(b.page))}`);
  await waitLog(a.page, 'onCallEnded 1002');
  const cSip = await waitFor<string>(c.page, 'return w.calls[w.calls.length - 1].sipCallId;');
  const cLeg = await waitEvent(c.user, 'call_answered', cSip);
  await waitEvent(b.user, 'call_updated', bSip, 10_000, (e) => Object.keys(e.data.talking_to).includes(cLeg.data.call_id));
  await waitEvent(c.user, 'call_updated', cSip, 10_000, (e) => Object.values(e.data.talking_to).includes(b.user.uuid));
  expect(b.user.events.filter((e) => e.data.sip_call_id !== bSip)).toEqual([]);
  expect(c.user.events.filter((e) => e.data.sip_call_id !== cSip)).toEqual([]);
  const aSip = await ownSipCallId(a.page, 'out');
  await waitEvent(a.user, 'call_ended', aSip);
  expect(a.user.events.filter((e) => e.data.sip_call_id !== aSip)).toEqual([]);
  expect(await a.user.client.calld.listCalls()).toEqual([]);

  await run(b.page, 'await P.hold(w.current); return null;');
  await waitEvent(b.user, 'call_held', bSip);
  await c.page.expectNoTone(b.page.tone, { timeout: 8000 });
  await run(b.page, 'await P.resume(w.current); return null;');
  await waitEvent(b.user, 'call_resumed', bSip);
  await talking(b, c, [a]);
});

test('attended then cancel: C\'s call ends, A and B hear each other again', async () => {
  const { a, b, c, aCall } = await threeParties();
  await autoAccept(c.page);
  await watchOffers(b.page);
  await watchOffers(a.page);
  const transfer = await a.user.client.calld.transferCall(aCall, '1003');
  await talking(a, c, [b]);
  const t0 = Date.now();
  expect(await a.user.client.calld.cancelCallTransfer(transfer.id)).toBe(true);
  await a.page.expectTone(b.page.tone, { timeout: 15_000 });
  console.log(`cancel → A hears B: ${Date.now() - t0} ms`);
  await b.page.expectTone(a.page.tone, { timeout: 15_000 });
  console.log(`cancel → B hears A: ${Date.now() - t0} ms`);
  await waitLog(c.page, 'onCallEnded 1001');
  await talking(a, b, [c]);
  console.log(`cancel → A and B hear each other both ways: ${Date.now() - t0} ms; offers made since the transfer began (A, B): ${JSON.stringify([await offersAndIce(a.page), await offersAndIce(b.page)])}`);
  expect(await run<string[]>(a.page, 'return w.log;')).not.toContain('onCallEnded 1002');
  const aSip = await ownSipCallId(a.page, 'out');
  await waitEvent(a.user, 'call_updated', aSip, 10_000, (e) => Object.values(e.data.talking_to).includes(b.user.uuid) && e.data.status === 'Up');
  // the transfer is over: calld no longer knows it
  await expect(a.user.client.calld.confirmCallTransfer(transfer.id)).rejects.toMatchObject({ status: 404 });
});

test('attended, the recipient rejects: the transfer is abandoned, A and B go on talking', async () => {
  const { a, b, c, aCall } = await threeParties();
  await run(c.page, 'P.on(P.ON_CALL_INCOMING, (cs) => P.reject(cs)); return null;');
  await a.user.client.calld.transferCall(aCall, '1003');
  await waitLog(c.page, 'onCallIncoming 1001');
  const cSip = await waitFor<string>(c.page, 'return w.calls[w.calls.length - 1].sipCallId;');
  await waitEvent(c.user, 'call_ended', cSip);
  await talking(a, b, [c]);
  expect(await run<string[]>(a.page, 'return w.log;')).not.toContain('onCallEnded 1002');
});
