/**
 * What docs/api.md promises on WebRTC that no other suite proves, end to end against Kamailio (fixtures/lab)
 * with Chromium pages running the legacy page: RFC 4733 DTMF (`dtmfType: 'rfc2833'`), `transfer_failed`,
 * `media_error` from a refused microphone, `registration_failed` for statuses other than 401/403/407 and
 * the retry after it, `wss://`, `startAutoReconnect`/`stopAutoReconnect`, and mute silencing the far end.
 * Every call checks whose audio arrived: each party sends its own tone (test/support/e2e/browser.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { contacts, labGet, REALM, WS_URL, WSS_URL, labCreds, startKamailio, stopKamailio, until } from '../support/e2e/lab';
import { launch, sleep, type Lab, type PhonePage } from '../support/e2e/browser';
import { SipFarEnd } from '../support/e2e/sip-far-end';

jest.setTimeout(120_000);

let lab: Lab;
const open: PhonePage[] = [];
const farEnds: SipFarEnd[] = [];

async function phone(name: string): Promise<PhonePage> {
  const p = await lab.open(name);
  open.push(p);
  return p;
}

/** a page registered as `user` through registerWith (recording callbacks), past onConnected */
async function registered(user: string, extra: Record<string, unknown> = {}, opts: { answer?: 'accept' } = {}): Promise<PhonePage> {
  const p = await phone(user);
  if (opts.answer) await p.eval(`window.autoAnswer = '${opts.answer}'`);
  await p.registerWith({ wsUrl: WS_URL, ...labCreds(user, extra) });
  await p.waitFor('onConnected');
  return p;
}

async function farEnd(user: string): Promise<SipFarEnd> {
  const far = await SipFarEnd.register(user);
  farEnds.push(far);
  return far;
}

/** `p` receives `from`'s tone, not its own */
const hears = (p: PhonePage, from: PhonePage) => p.expectTone(from.tone, { absent: [p.tone] });
const errors = async (p: PhonePage) => (await p.events()).filter((e) => e.name === 'onError').map((e) => e.arg?.key);

/** `a` calls `b` (registered as `bUser`, answering by itself), both see onAccepted and each hears the other's tone */
async function talking(a: PhonePage, b: PhonePage, bUser: string): Promise<void> {
  await a.eval(`kazoo.connect('sip:${bUser}@${REALM}')`);
  await a.waitFor('onAccepted');
  await b.waitFor('onAccepted');
  await hears(a, b);
  await hears(b, a);
}

/** how many times `p` recorded each callback, e.g. `{ onCancel: 1, onHangup: 1, onAccepted: 0 }` */
async function expectCounts(p: PhonePage, counts: Record<string, number>): Promise<void> {
  const seen: Record<string, number> = {};
  for (const name of Object.keys(counts)) seen[name] = await p.count(name);
  expect(seen).toEqual(counts);
}

beforeAll(async () => { lab = await launch(); });
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
  await Promise.all(farEnds.splice(0).map((f) => f.stop()));
});
afterAll(async () => { await lab?.close(); });

test("dtmfType 'rfc2833': 1, 2, # reach the far end as RFC 4733 events in order, no SIP INFO", async () => {
  const far = await farEnd('1003');
  far.mode = { answer: true, dtmfPt: 101 };
  const a = await registered('1001', { dtmfType: 'rfc2833' });
  await a.eval(`kazoo.connect('sip:1003@${REALM}')`);
  await a.waitFor('onAccepted');
  await until('the far end answered', () => far.state === 'confirmed');
  await far.expectTone(a.tone, { absent: [far.toneHz] });
  await a.expectTone(far.toneHz, { absent: [a.tone] });
  // the answer took Chromium's own payload type for telephone-event/8000 (not necessarily 101)
  expect(far.offers[0]).toMatch(/a=rtpmap:\d+ telephone-event\/8000/);
  await a.eval("kazoo.sendDTMF('1'); kazoo.sendDTMF('2'); kazoo.sendDTMF('#')");
  await until('three complete telephone-events at the far end', () => far.dtmf.length >= 3 && far.dtmf.every((e) => e.ended), 8000);
  await sleep(500); // nothing more follows
  expect(far.digits()).toBe('12#');
  expect(far.received('INFO')).toHaveLength(0);
  expect(await errors(a)).toEqual([]);
  await a.eval('kazoo.hangup()');
  await a.waitFor('onHangup');
  await until('BYE at the far end', () => far.received('BYE').length === 1);
});

describe('transfer_failed', () => {
  test('the far end refuses the REFER (603): transfer_failed with the code, no onTransfer, the call goes on', async () => {
    const far = await farEnd('1003');
    far.referStatus = 603;
    const a = await registered('1001');
    await a.eval(`kazoo.connect('sip:1003@${REALM}')`);
    await a.waitFor('onAccepted');
    await until('the far end answered', () => far.state === 'confirmed');
    await a.eval(`kazoo.transfer('sip:1002@${REALM}')`);
    const e = await a.waitFor('onError');
    expect(e.arg).toMatchObject({ key: 'transfer_failed', message: 'The transfer failed.', code: 603 });
    expect(far.received('REFER')).toHaveLength(1);
    await sleep(500);
    expect(await a.count('onTransfer')).toBe(0);
    expect(await a.count('onHangup')).toBe(0);
    // still talking to each other
    await far.expectTone(a.tone);
    await a.expectTone(far.toneHz);
    expect(await far.hangup()).toBe(200);
    await a.waitFor('onHangup');
    expect(await a.count('onHangup')).toBe(1);
  });

  test('the transferee accepts but the target is unreachable (480): onTransfer, then transfer_failed 480; A and B still hear each other', async () => {
    const a = await registered('1001');
    const b = await registered('1002', {}, { answer: 'accept' });
    await talking(a, b, '1002');
    // 1006 is a lab user nobody registered: Kamailio answers B's INVITE 480, B's NOTIFY carries it to A
    await a.eval(`kazoo.transfer('sip:1006@${REALM}')`);
    await a.waitFor('onTransfer');
    const e = await a.waitFor('onError');
    expect(e.arg).toMatchObject({ key: 'transfer_failed', code: 480 });
    await sleep(1000);
    // A's leg was not hung up (only a target's answer does that); B's call with A goes on
    expect(await a.count('onHangup')).toBe(0);
    expect(await a.eval<boolean>('kazoo.currentCall !== null')).toBe(true);
    expect(await b.eval<boolean>('kazoo.currentCall !== null')).toBe(true);
    expect(await b.count('onHangup')).toBe(0);
    await hears(a, b);
    await hears(b, a);
    await a.eval('kazoo.hangup()');
    await b.waitFor('onHangup');
    await a.waitFor('onHangup');
    await sleep(300);
    expect(await a.count('onHangup')).toBe(1);
    expect(await b.count('onHangup')).toBe(1);
  });
});

describe('media_error: the microphone refused (getUserMedia: NotAllowedError)', () => {
  test('calling: media_error, onCancel (failed), onHangup, once each; no INVITE left ringing', async () => {
    const a = await registered('1001');
    const b = await registered('1002');
    await a.eval('window.__refuseMicrophone = true');
    await a.eval(`kazoo.connect('sip:1002@${REALM}')`);
    expect((await a.waitFor('onError')).arg).toMatchObject({ key: 'media_error', message: 'The microphone could not be used.' });
    expect((await a.waitFor('onCancel')).arg).toMatchObject({ event: 'failed' });
    await a.waitFor('onHangup');
    await sleep(1000);
    expect(await errors(a)).toEqual(['media_error']);
    await expectCounts(a, { onCancel: 1, onHangup: 1, onAccepted: 0 });
    expect(await b.count('onIncoming')).toBe(0);
    // the microphone allowed again: the next call works, with audio both ways
    await a.eval('window.__refuseMicrophone = false');
    await b.eval("window.autoAnswer = 'accept'");
    await a.eval(`kazoo.connect('sip:1002@${REALM}')`);
    await a.waitFor('onAccepted');
    await hears(b, a);
    await hears(a, b);
  });

  test('answering: media_error on the callee, the caller gets onCancel 480', async () => {
    const a = await registered('1001');
    const b = await registered('1002', {}, { answer: 'accept' });
    await b.eval('window.__refuseMicrophone = true');
    await a.eval(`kazoo.connect('sip:1002@${REALM}')`);
    await b.waitFor('onIncoming');
    expect((await b.waitFor('onError')).arg).toMatchObject({ key: 'media_error' });
    expect((await a.waitFor('onCancel')).arg).toMatchObject({ code: 480, event: 'rejected', originator: 'remote' });
    await a.waitFor('onHangup');
    await b.waitFor('onHangup');
    await sleep(500);
    expect(await errors(b)).toEqual(['media_error']);
    await expectCounts(a, { onAccepted: 0, onHangup: 1 });
    await expectCounts(b, { onAccepted: 0, onHangup: 1 });
  });
});

describe('registration_failed (the registrar answers neither 2xx nor 401/403/407)', () => {
  afterEach(async () => {
    await labGet('/regfail/1004/503/0');
    await labGet('/regfail/1005/500/0');
  });

  test.each([[503], [500]])('%i once: registration_failed with the code, then the retry registers (onConnected once, one binding)', async (status) => {
    const user = status === 503 ? '1004' : '1005';
    expect((await labGet(`/regfail/${user}/${status}/1`)).body).toMatch(new RegExp(`status=${status} count=1`));
    const p = await phone(user);
    await p.registerWith({ wsUrl: WS_URL, ...labCreds(user, { reconnectDelay: 2000 }) });
    const e = await p.waitFor('onError');
    expect(e.arg).toMatchObject({ key: 'registration_failed', message: 'The registration failed.', code: status });
    expect((await p.waitFor('onNotified', { key: 'reconnecting_notification' })).arg).toMatchObject({ attempt: 1 });
    await p.waitFor('onConnected', { timeout: 15_000 });
    await sleep(1000);
    expect(await p.count('onConnected')).toBe(1);
    expect(await errors(p)).toEqual(['registration_failed']);
    expect((await contacts(user)).count).toBe(1);
  });

  test('503 three times: one registration_failed, attempts 1 and 2 fail quietly, attempt 3 registers', async () => {
    // the first REGISTER and the retries of attempts 1 and 2 get the 503
    await labGet('/regfail/1004/503/3');
    const p = await phone('1004');
    await p.registerWith({ wsUrl: WS_URL, ...labCreds('1004', { reconnectDelay: 2000 }) });
    expect((await p.waitFor('onError')).arg).toMatchObject({ key: 'registration_failed', code: 503 });
    await p.waitFor('onConnected', { timeout: 20_000 });
    const attempts = (await p.events()).filter((e) => e.arg?.key === 'reconnecting_notification').map((e) => e.arg?.attempt);
    expect(attempts).toEqual([1, 2, 3]);
    expect(await errors(p)).toEqual(['registration_failed']);
    expect((await contacts('1004')).count).toBe(1);
  });
});

describe('automatic reconnects switched by the page', () => {
  test('stopAutoReconnect() stops the attempts while the server is down; startAutoReconnect() brings the page back', async () => {
    const a = await registered('1004', { reconnectDelay: 2000 });
    await stopKamailio();
    try {
      expect((await a.waitFor('onError')).arg).toMatchObject({ key: 'disconnected' });
      await a.waitFor('onNotified', { key: 'reconnecting_notification' });
      await a.eval('kazoo.stopAutoReconnect()');
      const attempts = await a.count('onNotified', 'reconnecting_notification');
      await sleep(5000); // two and a half reconnectDelays
      expect(await a.count('onNotified', 'reconnecting_notification')).toBe(attempts);
    } finally {
      await startKamailio();
    }
    await sleep(3000); // the server is back, but nobody tries
    expect(await a.count('onConnected')).toBe(1);
    expect((await contacts('1004')).count).toBe(0);
    await a.eval('kazoo.startAutoReconnect()');
    await a.waitFor('onConnected', { after: 1, timeout: 15_000 });
    expect(await a.eval<boolean>('kazoo.isReconnecting')).toBe(false);
    expect((await contacts('1004')).count).toBe(1);
  });

  test('reconnectMaxAttempts: 0 — no attempt after a drop; an explicit startAutoReconnect() makes one, which registers', async () => {
    const a = await registered('1004', { reconnectMaxAttempts: 0, reconnectDelay: 2000 });
    await labGet('/kick/1004');
    expect((await a.waitFor('onError')).arg).toMatchObject({ key: 'disconnected' });
    await sleep(3000);
    expect(await a.count('onNotified', 'reconnecting_notification')).toBe(0);
    expect(await a.count('onConnected')).toBe(1);
    await a.eval('kazoo.startAutoReconnect()');
    expect((await a.waitFor('onNotified', { key: 'reconnecting_notification' })).arg).toMatchObject({ attempt: 1 });
    await a.waitFor('onConnected', { after: 1, timeout: 15_000 });
    await sleep(1000);
    expect(await a.count('onNotified', 'reconnecting_notification')).toBe(1);
    expect((await contacts('1004')).count).toBe(1);
  });
});

test('muteMicrophone silences the far end on WebRTC: the muter’s tone drops to nothing there, then comes back', async () => {
  const a = await registered('1001');
  const b = await registered('1002', {}, { answer: 'accept' });
  await talking(a, b, '1002');
  const mute = (on: boolean) => a.eval<string>(`new Promise(r => kazoo.muteMicrophone(${on}, () => r('ok'), (e) => r(e.key)))`);
  expect(await mute(true)).toBe('ok');
  // silence, not just less of the tone: nothing at all in B's last third of a second
  await b.expectNoTone(a.tone, { timeout: 5000, maxDb: -70, maxRms: 0.001 });
  // one-way: A still hears B
  await a.expectTone(b.tone, { timeout: 2000 });
  // and B's page is still receiving packets (muted, not hung up)
  const before = await b.inboundAudio();
  await sleep(600);
  expect((await b.inboundAudio())!.packetsReceived).toBeGreaterThan(before!.packetsReceived);
  expect(await mute(false)).toBe('ok');
  await hears(b, a);
  expect(await errors(a)).toEqual([]);
});

describe('wss:// (Kamailio with TLS, a self-signed certificate made in the lab run directory)', () => {
  let tlsLab: Lab | undefined;
  beforeAll(async () => {
    await stopKamailio();
    await startKamailio('', { tls: true });
    // this browser only accepts the lab's self-signed certificate
    tlsLab = await launch({ args: ['--ignore-certificate-errors'] });
  });
  afterAll(async () => {
    await tlsLab?.close();
    await stopKamailio();
    await startKamailio();
  });

  test('a page on wss:// registers and calls a page on ws://; tones both ways; one binding over TLS', async () => {
    const a = await tlsLab!.open('wss-1001');
    open.push(a);
    await a.registerWith({ wsUrl: WSS_URL, ...labCreds('1001') });
    await a.waitFor('onConnected');
    expect(await a.eval<string[]>('__sockets.map(s => s.url)')).toEqual([WSS_URL]);
    expect((await contacts('1001')).count).toBe(1);
    // Kamailio's own log of the REGISTER names the protocol it came in on
    const kamailioLog = fs.readFileSync(path.join(process.env.LAB_RUN_DIR ?? '/tmp/kazoo-lab', 'kamailio.log'), 'utf8');
    expect(kamailioLog).toMatch(/LAB: REGISTER 1001 from 127\.0\.0\.1:\d+ \(wss\)/);
    const b = await registered('1002', {}, { answer: 'accept' });
    await talking(a, b, '1002');
    await b.eval('kazoo.hangup()');
    await a.waitFor('onHangup');
    expect(await errors(a)).toEqual([]);
  });

  test('without accepting the certificate the page cannot connect: server_not_reachable', async () => {
    const p = await phone('wss-untrusted');
    await p.registerWith({ wsUrl: WSS_URL, ...labCreds('1003') });
    expect((await p.waitFor('onError')).arg).toMatchObject({ key: 'server_not_reachable' });
  });
});
