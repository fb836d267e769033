/**
 * The legacy `kazoo` API on WebRTC, end to end: dist/kazoo.js in headless Chromium pages that run the
 * 2014 document's examples, against Kamailio (fixtures/lab) doing the real thing. Audio counts only
 * when the receiving page measured it.
 */
import { contacts, labGet, REALM, startKamailio, stopKamailio, WS_URL } from '../support/e2e/lab';
import { launch, sleep, type Lab, type PhonePage } from '../support/e2e/browser';

jest.setTimeout(120_000);

let lab: Lab;
const open: PhonePage[] = [];
async function phone(name: string): Promise<PhonePage> {
  const p = await lab.open(name);
  open.push(p);
  return p;
}
async function closeAll(): Promise<void> {
  await Promise.all(open.splice(0).map((p) => p.close()));
}

const creds = (user: string, extra: Record<string, unknown> = {}) => ({
  wsUrl: WS_URL, realm: REALM, privateIdentity: user, publicIdentity: `sip:${user}@${REALM}`, password: `secret${user}`, ...extra,
});

/** audio measured by `p` grows, and its dominant frequency is `from`'s tone (absent: others' tones) */
async function expectHears(p: PhonePage, from: PhonePage, absent: PhonePage[] = []): Promise<void> {
  const first = await waitAudio(p, (a) => a.bytesReceived > 0);
  await sleep(600);
  const later = await p.inboundAudio();
  expect(later!.bytesReceived).toBeGreaterThan(first.bytesReceived);
  await p.expectTone(from.tone, { absent: [p.tone, ...absent.map((x) => x.tone)] });
}

async function waitAudio(p: PhonePage, ok: (a: { bytesReceived: number; totalAudioEnergy: number }) => boolean) {
  const deadline = Date.now() + 8000;
  for (;;) {
    const a = await p.inboundAudio();
    if (a && ok(a)) return a;
    if (Date.now() > deadline) throw new Error(`[${p.name}] no inbound audio: ${JSON.stringify(a)}`);
    await sleep(100);
  }
}

/** pages registered as `users` (through registerWith), each past onConnected; `answer` sets auto-answer */
async function registered(...users: (string | [string, 'accept'])[]): Promise<PhonePage[]> {
  const pages: PhonePage[] = [];
  for (const u of users) {
    const [user, answer] = Array.isArray(u) ? u : [u, undefined];
    const p = await phone(user);
    if (answer) await p.eval(`window.autoAnswer = '${answer}'`);
    await p.registerWith(creds(user));
    pages.push(p);
  }
  for (const p of pages) await p.waitFor('onConnected');
  return pages;
}

/** pages registered through Example 2's form and button, each past onConnected */
async function registeredByForm(...users: string[]): Promise<PhonePage[]> {
  const pages = await Promise.all(users.map((u) => phone(u)));
  for (const [i, p] of pages.entries()) await p.registerByForm(users[i]);
  for (const p of pages) await p.waitFor('onConnected');
  return pages;
}

beforeAll(async () => { lab = await launch(); });
afterAll(async () => {
  await closeAll();
  await lab?.close();
});
afterEach(closeAll);

describe('registration (Example 2 as written)', () => {
  test('the document’s order and the 2014 code’s order both register, onConnected once', async () => {
    const a = await phone('A');
    const b = await phone('B');
    await a.registerByForm('1001', undefined, { uriAsPrivate: true });
    await b.registerByForm('1002');
    await a.waitFor('onConnected');
    await b.waitFor('onConnected');
    expect(await a.eval('kazoo.version')).toBe('webrtc');
    const c = await contacts('1002');
    expect(c.count).toBe(1);
    expect(c.lines[0]).toMatch(/instance=<urn:uuid:[0-9a-f-]{36}>/);
    expect(await a.count('onError')).toBe(0);
  });

  test('a registration refresh does not repeat onConnected', async () => {
    const a = await phone('A');
    await a.registerWith(creds('1001', { registerExpires: 10 }));
    await a.waitFor('onConnected');
    const sipBefore = await a.eval<number>("__sipIn.filter(m => /^SIP\\/2.0 200/.test(m.firstLine)).length");
    await sleep(11_000);
    const sipAfter = await a.eval<number>("__sipIn.filter(m => /^SIP\\/2.0 200/.test(m.firstLine)).length");
    expect(sipAfter).toBeGreaterThan(sipBefore); // the refresh happened
    expect(await a.count('onConnected')).toBe(1);
  });

  test('wrong password: unauthorized (Kamailio answers 403), no reconnect', async () => {
    const a = await phone('A');
    await a.registerByForm('1001', 'wrong-password');
    const e = await a.waitFor('onError');
    expect(e.arg).toMatchObject({ key: 'unauthorized', message: 'Invalid credentials.', code: 403, source: { protocol: 'webrtc', code: 403 } });
    await sleep(1500);
    expect(await a.count('onNotified', 'reconnecting_notification')).toBe(0);
    expect(await a.count('onConnected')).toBe(0);
  });

  test('unreachable server: server_not_reachable once', async () => {
    const a = await phone('A');
    await a.registerWith(creds('1001', { wsUrl: 'ws://127.0.0.1:9/ws' }));
    const e = await a.waitFor('onError');
    expect(e.arg).toMatchObject({ key: 'server_not_reachable', message: 'Could not reach the server.' });
    await sleep(3000);
    expect(await a.count('onError')).toBe(1);
  });

  test('register twice: already_registered; bad parameters: missing_parameter', async () => {
    const a = await phone('A');
    await a.registerWith(creds('1001', { wsUrl: 'http://nope' }));
    expect((await a.waitFor('onError')).arg).toMatchObject({ key: 'missing_parameter', parameter: 'wsUrl' });
    await a.registerWith(creds('1001', { password: '' }));
    expect((await a.waitFor('onError', { after: 1 })).arg).toMatchObject({ key: 'missing_parameter', parameter: 'password' });
    await a.registerWith({ wsUrl: WS_URL, password: 'x' });
    expect((await a.waitFor('onError', { after: 2 })).arg).toMatchObject({ key: 'missing_parameter', parameter: 'privateIdentity' });
    await a.registerWith(creds('1001'));
    await a.waitFor('onConnected');
    await a.registerWith(creds('1001'));
    expect((await a.waitFor('onError', { after: 3 })).arg).toMatchObject({ key: 'already_registered' });
    expect(await a.count('onConnected')).toBe(1);
  });
});

describe('calls between two pages', () => {
  test('call, answer through confirm(), audio both ways, DTMF, hang-up: one callback each', async () => {
    const [a, b] = await registeredByForm('1001', '1002');
    b.answerIncoming('accept');
    await a.eval(`kazoo.connect('sip:1002@${REALM}')`);
    const inc = await b.waitFor('onIncoming');
    expect(inc.arg).toMatchObject({ callerNumber: '1001' });
    await a.waitFor('onAccepted');
    await b.waitFor('onAccepted');
    await expectHears(a, b);
    await expectHears(b, a);
    await a.eval("kazoo.sendDTMF('1'); kazoo.sendDTMF('#')");
    await b.page.waitForFunction(() => (window as unknown as { __sipIn: { firstLine: string; body: string }[] }).__sipIn
      .filter((m) => m.firstLine.startsWith('INFO ')).map((m) => /Signal=(.)/.exec(m.body)?.[1]).join('') === '1#', null, { timeout: 5000 });
    await a.eval("kazoo.sendDTMF('x')");
    expect((await a.waitFor('onError')).arg).toMatchObject({ key: 'invalid_dtmf' });
    const muted = await a.eval<string>("new Promise(r => kazoo.muteMicrophone(true, () => r('ok'), (e) => r(e.key)))");
    expect(muted).toBe('ok');
    await a.eval('kazoo.hangup()');
    await a.waitFor('onHangup');
    await b.waitFor('onHangup');
    await sleep(500);
    for (const p of [a, b]) {
      expect(await p.count('onHangup')).toBe(1);
      expect(await p.count('onCancel')).toBe(0);
      expect(await p.count('onAccepted')).toBe(1);
    }
  });

  test('callee rejects (confirm answered No): caller gets onCancel 486', async () => {
    const [a, b] = await registeredByForm('1001', '1002');
    b.answerIncoming('dismiss');
    await a.eval(`kazoo.connect('sip:1002@${REALM}')`);
    const c = await a.waitFor('onCancel');
    expect(c.arg).toMatchObject({ code: 486, event: 'rejected', originator: 'remote' });
    await a.waitFor('onHangup');
    await sleep(300);
    expect(await a.count('onAccepted')).toBe(0);
    expect(await a.count('onHangup')).toBe(1);
  });

  test('caller hangs up while it rings: callee gets onCancel (cancelled)', async () => {
    const [a, b] = await registered('1001', '1002');
    await a.eval(`kazoo.connect('sip:1002@${REALM}')`);
    await b.waitFor('onIncoming');
    await a.eval('kazoo.hangup()');
    expect((await b.waitFor('onCancel')).arg).toMatchObject({ event: 'cancelled', originator: 'remote', code: 487 });
    expect((await a.waitFor('onCancel')).arg).toMatchObject({ event: 'cancelled', originator: 'local' });
    await b.waitFor('onHangup');
    await a.waitFor('onHangup');
  });

  test('unknown user 404, known but unregistered 480, bad targets refused', async () => {
    const [a] = await registered('1001');
    await a.eval(`kazoo.connect('sip:7777@${REALM}')`);
    expect((await a.waitFor('onCancel')).arg).toMatchObject({ code: 404, event: 'rejected' });
    await a.waitFor('onHangup');
    await a.eval(`kazoo.connect('sip:1006@${REALM}')`);
    expect((await a.waitFor('onCancel', { after: 1 })).arg).toMatchObject({ code: 480, event: 'rejected' });
    await a.eval("kazoo.connect('not a uri')");
    expect((await a.waitFor('onError')).arg).toMatchObject({ key: 'invalid_uri' });
    await a.eval(`kazoo.connect('sip:1002@${REALM}\\r\\nX-Evil: 1')`);
    expect((await a.waitFor('onError', { after: 1 })).arg).toMatchObject({ key: 'invalid_uri' });
    await a.eval('kazoo.hangup()');
    expect((await a.waitFor('onError', { after: 2 })).arg).toMatchObject({ key: 'no_call' });
    await a.eval(`kazoo.transfer('sip:1003@${REALM}')`);
    expect((await a.waitFor('onError', { after: 3 })).arg).toMatchObject({ key: 'no_call' });
    await a.eval("kazoo.sendDTMF('1')");
    expect((await a.waitFor('onError', { after: 4 })).arg).toMatchObject({ key: 'no_call' });
    const mute = await a.eval<string>("new Promise(r => kazoo.muteMicrophone(true, () => r('ok'), (e) => r(e.key)))");
    expect(mute).toBe('no_call');
    expect(await a.eval<string>("(() => { try { kazoo.connect(42); return 'no throw'; } catch (e) { return e.name; } })()")).toBe('TypeError');
  });

  test('blind transfer: A transfers B to C; B follows, C answers, audio B↔C', async () => {
    const [a, b, c] = await registered('1001', ['1002', 'accept'], ['1003', 'accept']);
    await a.eval(`kazoo.connect('sip:1002@${REALM}')`);
    await a.waitFor('onAccepted');
    await b.waitFor('onAccepted');
    await a.eval(`kazoo.transfer('sip:1003@${REALM}')`);
    await a.waitFor('onTransfer');
    await b.waitFor('onTransfer');
    expect((await b.waitFor('onNotified', { key: 'transfer_notification' })).arg).toMatchObject({ message: 'Transfer successful.' });
    const inc = await c.waitFor('onIncoming');
    expect(inc.arg).toMatchObject({ callerNumber: '1002' });
    await c.waitFor('onAccepted');
    await b.waitFor('onAccepted', { after: 1 });
    await a.waitFor('onHangup');
    // the far ends hear each other, not the transferor
    await expectHears(c, b, [a]);
    await expectHears(b, c, [a]);
    expect(await b.count('onHangup')).toBe(0);
    await c.eval('kazoo.hangup()');
    await b.waitFor('onHangup');
    await sleep(300);
    expect(await b.count('onHangup')).toBe(1);
    expect(await a.count('onHangup')).toBe(1);
  });

  test('a second incoming call while busy is answered 486', async () => {
    const [a, b, c] = await registered('1001', ['1002', 'accept'], '1003');
    await a.eval(`kazoo.connect('sip:1002@${REALM}')`);
    await a.waitFor('onAccepted');
    await c.eval(`kazoo.connect('sip:1002@${REALM}')`);
    expect((await c.waitFor('onCancel')).arg).toMatchObject({ code: 486 });
    expect(await b.count('onIncoming')).toBe(1);
    await a.eval('kazoo.hangup()');
    await b.waitFor('onHangup');
  });
});

describe('notifications from the server', () => {
  test('MWI in both body orders, an unknown NOTIFY', async () => {
    const b = await phone('B');
    await b.registerByForm('1002');
    await b.waitFor('onConnected');
    await labGet('/mwi/1002/2/8');
    const current = await b.waitFor('onNotified', { key: 'voicemail_notification' });
    expect(current.arg).toMatchObject({
      message: 'You have one or more voicemail message(s).', messagesWaiting: true, newMessages: 2, oldMessages: 8, source: { protocol: 'webrtc' },
    });
    await labGet('/mwi/1002/3/9?order=legacy');
    const legacy = await b.waitFor('onNotified', { key: 'voicemail_notification', after: 1 });
    expect(legacy.arg).toMatchObject({ messagesWaiting: true, newMessages: 3, oldMessages: 9, account: `sip:1002@${REALM}` });
    await labGet('/notify/1002/check-sync');
    const unknown = await b.waitFor('onNotified', { key: 'unknown_notification' });
    expect(unknown.arg).toMatchObject({ message: 'You have received a SIP notification.' });
  });

  test('a second device takes over a single-device registration: one notification each, no reconnect', async () => {
    const c = await phone('C');
    const d = await phone('D');
    await c.registerWith(creds('1009'));
    await c.waitFor('onConnected');
    await d.registerWith(creds('1009'));
    await d.waitFor('onConnected');
    const over = await d.waitFor('onNotified', { key: 'overriding_registration' });
    expect(over.arg).toMatchObject({ message: 'You have overridden an existing registration for this device.' });
    const repl = await c.waitFor('onNotified', { key: 'replaced_registration' });
    expect(repl.arg).toMatchObject({ message: 'You have been disconnected: someone else has registered this device.' });
    await sleep(1500);
    expect(await c.count('onNotified', 'replaced_registration')).toBe(1);
    expect(await d.count('onNotified', 'overriding_registration')).toBe(1);
    expect(await c.count('onNotified', 'reconnecting_notification')).toBe(0);
    const list = await contacts('1009');
    expect(list.count).toBe(1);
  });
});

describe('connection faults', () => {
  test('kicked connection: disconnected, reconnecting_notification, onConnected again, one binding', async () => {
    const a = await phone('A');
    await a.registerByForm('1004');
    await a.waitFor('onConnected');
    const before = await contacts('1004');
    expect(before.count).toBe(1);
    await labGet('/kick/1004');
    expect((await a.waitFor('onError')).arg).toMatchObject({ key: 'disconnected', message: 'You have been disconnected.' });
    expect((await a.waitFor('onNotified', { key: 'reconnecting_notification' })).arg).toMatchObject({ attempt: 1, message: 'Attempting to reconnect' });
    await a.waitFor('onConnected', { after: 1 });
    const after = await contacts('1004');
    expect(after.count).toBe(1);
    expect(after.lines[0].split(' ')[0]).toBe(before.lines[0].split(' ')[0]);
  });

  test('server stopped and restarted: the page comes back by itself, one binding', async () => {
    const a = await phone('A');
    await a.registerWith(creds('1004', { reconnectDelay: 2000 }));
    await a.waitFor('onConnected');
    await stopKamailio();
    try {
      expect((await a.waitFor('onError')).arg).toMatchObject({ key: 'disconnected' });
      await a.waitFor('onNotified', { key: 'reconnecting_notification', after: 1, timeout: 15_000 });
    } finally {
      await startKamailio();
    }
    await a.waitFor('onConnected', { after: 1, timeout: 15_000 });
    expect(await a.eval<boolean>('kazoo.isReconnecting')).toBe(false);
    expect((await contacts('1004')).count).toBe(1);
  });

  test('401 from the registrar: unauthorized', async () => {
    await stopKamailio();
    await startKamailio('-A LAB_AUTH_FAIL_401');
    try {
      const a = await phone('A');
      await a.registerByForm('1001', 'wrong-password');
      expect((await a.waitFor('onError')).arg).toMatchObject({ key: 'unauthorized', message: 'Invalid credentials.', code: 401 });
    } finally {
      await stopKamailio();
      await startKamailio();
    }
  });

  test('no log line contains the password', async () => {
    const lines: string[] = [];
    const a = await phone('A');
    a.page.on('console', (m) => lines.push(m.text()));
    await a.eval("kazoo.init({ debug: true, onLoaded: function () {} })");
    await a.registerWith(creds('1001', { password: 'secret1001' }));
    await a.waitFor('onConnected');
    await a.eval('kazoo.logout()');
    expect(lines.length).toBeGreaterThan(20);
    expect(lines.filter((l) => l.includes('secret1001'))).toEqual([]);
  });
});
