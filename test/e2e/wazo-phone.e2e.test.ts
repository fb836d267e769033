/**
 * The Wazo phone (dist/kazoo-wazo.js: Wazo.Auth + Wazo.Phone on the engine) in headless Chromium pages
 * against the Wazo dev engine (devstack/wazo-dev): log in, connect, call with each party's own tone
 * measured at the other end, hold/resume, mute, blind and attended transfer.
 */
import { type PhonePage } from '../support/e2e/browser';
import { WazoPages, autoAccept, connected, run, waitLog } from '../support/e2e/wazo-pages';

jest.setTimeout(120_000);

let pages: WazoPages;
const wazoPhone = (user: string) => pages.phone(user);

/** the three parties of a transfer, A and B talking, C answering whatever comes */
async function threeParties(users: [string, string, string], caller: 'a' | 'b'): Promise<PhonePage[]> {
  const [a, b, c] = [await wazoPhone(users[0]), await wazoPhone(users[1]), await wazoPhone(users[2])];
  if (caller === 'a') await connected(a, b);
  else await connected(b, a);
  await autoAccept(c);
  return [a, b, c];
}

/** A and C hear each other, B (the transferor) is out of the audio */
async function joined(a: PhonePage, b: PhonePage, c: PhonePage): Promise<void> {
  await a.expectTone(c.tone, { absent: [a.tone, b.tone], timeout: 15_000 });
  await c.expectTone(a.tone, { absent: [c.tone, b.tone], timeout: 15_000 });
}

beforeAll(async () => { pages = await WazoPages.start(); });
afterEach(async () => { await pages.closePages(); });
afterAll(async () => { await pages?.close(); });

test('Wazo.Auth.logIn + Wazo.Phone.connect, then a call: each party hears the other\'s own tone; hangup ends both', async () => {
  const a = await wazoPhone('1001');
  const b = await wazoPhone('1002');
  expect(await run<boolean>(a, 'return P.isConnected();')).toBe(true);
  await connected(a, b);
  await run(a, 'P.hangup(w.out); return null;');
  await waitLog(b, 'onCallEnded 1001');
});

test('hold stops the audio both ways and resume brings it back; mute silences us at the far end only', async () => {
  const a = await wazoPhone('1003');
  const b = await wazoPhone('1004');
  await connected(a, b);
  await run(a, 'await P.hold(w.out); return null;');
  await waitLog(a, 'onCallHeld 1004');
  await b.expectNoTone(a.tone, { timeout: 8000 });
  await a.expectNoTone(b.tone, { timeout: 8000 });
  await run(a, 'await P.resume(w.out); return null;');
  await waitLog(a, 'onCallResumed 1004');
  await b.expectTone(a.tone, { absent: [b.tone] });
  await a.expectTone(b.tone, { absent: [a.tone] });
  await run(a, 'await P.mute(w.out); return null;');
  await b.expectNoTone(a.tone, { timeout: 8000 });
  await a.expectTone(b.tone, { absent: [a.tone] }); // the far end still heard
  await run(a, 'await P.unmute(w.out); return null;');
  await b.expectTone(a.tone, { absent: [b.tone] });
});

test('blind transfer: B transfers A to C; A and C hear each other, B is out', async () => {
  const [a, b, c] = await threeParties(['1005', '1006', '1007'], 'a');
  await run(b, "await P.transfer(w.current, '1007'); return null;");
  await waitLog(b, 'onCallEnded 1005');
  await joined(a, b, c);
});

test('attended transfer: A talks to B, B consults C, then joins A and C (REFER with Replaces)', async () => {
  const [a, b, c] = await threeParties(['1008', '1009', '1010'], 'b'); // B called A: w.out on B is the call to A
  await run(b, "w.consult = await P.call('1010'); return null;"); // holds A first
  await waitLog(b, 'onCallAccepted 1010');
  await c.expectTone(b.tone, { absent: [c.tone, a.tone] });
  await run(b, 'await P.indirectTransfer(w.out, w.consult); return null;');
  await joined(a, b, c);
  await waitLog(b, 'onCallEnded 1008');
});

test('MESSAGE in a dialog and out of one; a second call while in a call, declined: the caller hears onCallRejected', async () => {
  const a = await wazoPhone('1001');
  const b = await wazoPhone('1002');
  const c = await wazoPhone('1003');
  await connected(a, b);
  await run(a, "await P.sendMessage('hello in dialog', w.out); return null;");
  await waitLog(b, 'onMessage in-dialog hello in dialog');
  await run(c, "await P.client.message('1002', 'hello out of dialog'); return null;");
  await waitLog(b, 'onMessage out-of-dialog hello out of dialog');
  await run(c, "w.out = await P.call('1002'); return null;");
  await waitLog(b, 'onCallIncoming 1003');
  expect(await run<number>(b, 'return P.phone.callCount();')).toBe(2);
  await run(b, 'P.reject(w.calls[w.calls.length - 1]); return null;');
  await waitLog(c, 'onCallRejected 1002');
  // the first call went on untouched
  await a.expectTone(b.tone, { absent: [a.tone, c.tone] });
  await b.expectTone(a.tone, { absent: [b.tone, c.tone] });
});
