/**
 * What a page written only from the 2014 document is promised, in Chromium against Kamailio, on WebRTC
 * and on RTMP through the project's gateway: every notification and error is `{key, message, source}`;
 * a wrong password is `unauthorized` whatever the registrar answers (403, or 401 with LAB_AUTH_FAIL_401);
 * methods called before register() say so on the console; a refused or missing microphone is
 * `media_error`; `replaced_registration` on RTMP stops the gateway's REGISTER refresh.
 */
import type { ConsoleMessage } from 'playwright-core';
import { createRtmpGateway, type RtmpGateway } from '../../gateway';
import { contacts, labCreds, REALM, startKamailio, stopKamailio, until, WS_URL } from '../support/e2e/lab';
import { launch, sleep, type Lab, type PhonePage } from '../support/e2e/browser';

jest.setTimeout(120_000);

/** the gateway refreshes every 5 s with this (Kamailio's min_expires is 10) */
const GATEWAY_REGISTER_EXPIRES = 10;
const RTMP_URL = 'rtmp://127.0.0.1/sip';

let lab: Lab;
let gateway: RtmpGateway;
const open: PhonePage[] = [];

type Transport = 'webrtc' | 'rtmp';

/** a page on `transport`, registered as `user` unless `register` is false */
async function phone(name: string, transport: Transport, user: string, extra: Record<string, unknown> = {}, register = true): Promise<PhonePage> {
  const p = await lab.open(name);
  open.push(p);
  if (transport === 'rtmp') await p.eval('new Promise(r => kazoo.init({ forceRTMP: true, onLoaded: r }))');
  expect(await p.eval('kazoo.version')).toBe(transport);
  const url = transport === 'rtmp' ? { rtmpUrl: RTMP_URL } : { wsUrl: WS_URL };
  if (register) await p.registerWith(labCreds(user, { ...url, ...extra }));
  return p;
}

/** getUserMedia rejects as Chromium does when the user refuses (NotAllowedError) or there is no device (NotFoundError) */
async function refuseMicrophone(p: PhonePage, name: 'NotAllowedError' | 'NotFoundError'): Promise<string> {
  const message = name === 'NotAllowedError' ? 'Permission denied' : 'Requested device not found';
  await p.eval(`navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException(${JSON.stringify(message)}, '${name}'))`);
  return message;
}

function startGateway(): Promise<unknown> {
  gateway = createRtmpGateway({ sipServer: { host: '127.0.0.1', port: 5060 }, registerExpiresSec: GATEWAY_REGISTER_EXPIRES, logLevel: 'warn' });
  return gateway.start();
}

beforeAll(async () => {
  await startGateway();
  lab = await launch();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});
afterAll(async () => {
  await lab?.close();
  await gateway?.stop();
});

describe('a wrong password is `unauthorized`, whatever the registrar answers', () => {
  const expected: Record<Transport, (code: number, reason: string) => Record<string, unknown>> = {
    webrtc: (code) => ({ protocol: 'webrtc', code, statusCode: code, cause: code === 403 ? 'Rejected' : 'Authentication Error' }),
    rtmp: (code, reason) => ({ protocol: 'rtmp', code, reason, status: 'NetConnection.Connect.Rejected' }),
  };

  async function wrongPassword(transport: Transport, user: string, code: number, reason: string): Promise<void> {
    const p = await phone(`${transport}-bad-${code}`, transport, user, { password: 'wrong-password' });
    const e = await p.waitFor('onError', { timeout: 15_000 });
    expect(e.arg).toEqual({ key: 'unauthorized', message: 'Invalid credentials.', code, source: expected[transport](code, reason) });
    await sleep(1500);
    expect(await p.count('onError')).toBe(1);
    expect(await p.count('onNotified', 'reconnecting_notification')).toBe(0);
    expect(await p.count('onConnected')).toBe(0);
    expect((await contacts(user)).count).toBe(0);
  }

  test('Kamailio answers 403: unauthorized with code 403, on WebRTC and on RTMP', async () => {
    await wrongPassword('webrtc', '1001', 403, 'Forbidden');
    await wrongPassword('rtmp', '1002', 403, 'Wrong password'); // the lab's Kamailio says why
  });

  test('Kamailio re-challenges with 401 (LAB_AUTH_FAIL_401): unauthorized with code 401, on WebRTC and on RTMP', async () => {
    await stopKamailio();
    await startKamailio('-A LAB_AUTH_FAIL_401');
    try {
      await wrongPassword('webrtc', '1001', 401, 'Unauthorized');
      await wrongPassword('rtmp', '1002', 401, 'Unauthorized');
    } finally {
      await stopKamailio();
      await startKamailio();
    }
  });
});

describe('methods before register()', () => {
  test.each(['webrtc', 'rtmp'] as const)('%s: connect, hangup, sendDTMF, transfer each say not_registered on the console', async (transport) => {
    const p = await phone(`${transport}-early`, transport, '1003', {}, false);
    const errors: string[] = [];
    p.page.on('console', (m: ConsoleMessage) => { if (m.type() === 'error') errors.push(m.text()); });
    await p.eval(`kazoo.connect('sip:1002@${REALM}'); kazoo.hangup(); kazoo.sendDTMF('1'); kazoo.transfer('sip:1004@${REALM}')`);
    await until('four console errors', () => errors.length >= 4, 3000, 50);
    expect(errors).toEqual(Array(4).fill('[kazoo] not_registered: Not registered: call register() first.'));
  });
});

describe('notifications from the engine carry a source too', () => {
  test.each(['webrtc', 'rtmp'] as const)('%s: reconnecting_notification is {key, message, source, attempt}', async (transport) => {
    const p = await phone(`${transport}-reconnect`, transport, '1004');
    await p.waitFor('onConnected', { timeout: 15_000 });
    await p.eval('kazoo.reconnect()');
    const n = await p.waitFor('onNotified', { key: 'reconnecting_notification' });
    expect(n.arg).toEqual({ key: 'reconnecting_notification', message: 'Attempting to reconnect', attempt: 1, source: { protocol: 'engine', monitor: 'reconnect' } });
    await p.waitFor('onConnected', { after: 1, timeout: 15_000 });
  });
});

describe('no microphone: media_error, as on WebRTC', () => {
  const source: Record<Transport, (name: string, message: string) => Record<string, unknown>> = {
    webrtc: () => ({ protocol: 'webrtc', cause: 'User Denied Media Access', originator: 'local' }),
    rtmp: (name, message) => ({ protocol: 'rtmp', event: 'failed', originator: 'local', reason: `microphone unavailable (${name}: ${message})` }),
  };

  test.each([
    ['webrtc', 'NotAllowedError'], ['webrtc', 'NotFoundError'], ['rtmp', 'NotAllowedError'], ['rtmp', 'NotFoundError'],
  ] as const)('%s, getUserMedia %s: media_error, then onCancel (failed) and onHangup; the callee never rings', async (transport, name) => {
    const callee = await phone('callee-1006', 'webrtc', '1006');
    await callee.waitFor('onConnected');
    const p = await phone(`${transport}-${name}`, transport, '1005');
    await p.waitFor('onConnected', { timeout: 15_000 });
    const message = await refuseMicrophone(p, name);
    await p.eval(`kazoo.connect('sip:1006@${REALM}')`);
    const e = await p.waitFor('onError', { timeout: 10_000 });
    expect(e.arg).toEqual({ key: 'media_error', message: 'The microphone could not be used.', source: source[transport](name, message) });
    expect((await p.waitFor('onCancel')).arg).toMatchObject({ event: 'failed', originator: 'local' });
    await p.waitFor('onHangup');
    await sleep(1000);
    expect((await p.events()).map((r) => r.name).filter((n) => n !== 'onLoaded')).toEqual(['onConnected', 'onError', 'onCancel', 'onHangup']);
    expect(await callee.count('onIncoming')).toBe(0);
  });

  test('rtmp, an incoming call accepted without a microphone: media_error; the caller hears 480', async () => {
    const rtmp = await phone('rtmp-callee', 'rtmp', '1005');
    await rtmp.waitFor('onConnected', { timeout: 15_000 });
    await refuseMicrophone(rtmp, 'NotAllowedError');
    await rtmp.eval("window.autoAnswer = 'accept'");
    const caller = await phone('caller-1006', 'webrtc', '1006');
    await caller.waitFor('onConnected');
    await caller.eval(`kazoo.connect('sip:1005@${REALM}')`);
    await rtmp.waitFor('onIncoming', { timeout: 10_000 });
    expect((await rtmp.waitFor('onError')).arg).toMatchObject({ key: 'media_error', message: 'The microphone could not be used.', source: { protocol: 'rtmp' } });
    expect((await rtmp.waitFor('onCancel')).arg).toMatchObject({ code: 480, event: 'failed', originator: 'local' });
    expect((await caller.waitFor('onCancel', { timeout: 10_000 })).arg).toMatchObject({ code: 480, event: 'rejected', originator: 'remote' });
  });
});

describe('replaced_registration on RTMP (single-device user 1010)', () => {
  test('the gateway stops its REGISTER refresh: after more than its refresh interval the binding is still the new device\'s only', async () => {
    const rtmp = await phone('rtmp-1010', 'rtmp', '1010');
    await rtmp.waitFor('onConnected', { timeout: 15_000 });
    expect((await contacts('1010')).count).toBe(1);
    const other = await phone('webrtc-1010', 'webrtc', '1010');
    await other.waitFor('onConnected');
    const replaced = await rtmp.waitFor('onNotified', { key: 'replaced_registration', timeout: 10_000 });
    const body = (replaced.arg!.source as { body: string }).body;
    expect(body).toMatch(/^Replaced-By:sip:/);
    expect(replaced.arg).toEqual({
      key: 'replaced_registration', message: 'You have been disconnected: someone else has registered this device.',
      contact: body.slice('Replaced-By:'.length), source: { protocol: 'rtmp', contentType: 'text/plain', body },
    });
    const overriding = await other.waitFor('onNotified', { key: 'overriding_registration' });
    expect(overriding.arg).toMatchObject({ key: 'overriding_registration', message: 'You have overridden an existing registration for this device.', source: { protocol: 'webrtc' } });
    const uris = async () => (await contacts('1010')).lines.map((l) => l.split(' ')[0]);
    const binding = await uris();
    expect(binding).toHaveLength(1);
    // more than the gateway's refresh interval (5 s with a 10 s expiry): a refresh would have taken it back
    await sleep(GATEWAY_REGISTER_EXPIRES * 1000 - 2000);
    expect(await uris()).toEqual(binding);
    expect(binding[0]).toMatch(/transport=ws/i);
    expect(await other.count('onNotified', 'replaced_registration')).toBe(0);
    expect(await rtmp.count('onNotified', 'reconnecting_notification')).toBe(0);
    expect(await rtmp.count('onError')).toBe(0);
    // the RTMP page logs out (what the 2014 demo did): its gateway un-REGISTERs only its own contact
    await rtmp.eval('kazoo.logout()');
    await sleep(1000);
    expect((await contacts('1010')).count).toBe(1);
    expect(await other.count('onNotified', 'replaced_registration')).toBe(0);
  });
});
