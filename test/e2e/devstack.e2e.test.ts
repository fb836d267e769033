/**
 * The development SIP server (devstack/sip-server, what `npm start` embeds) against real clients:
 * dist/kazoo.js in Chromium pages (JsSIP inside) registering, calling with audio, transferring,
 * receiving MWI in both body orders and Kazoo's registration-overwrite NOTIFYs — the same things the
 * Kamailio lab suite checks, here with the server the newcomer runs.
 */
import { createDevSipServer, type DevSipServer } from '../../devstack/sip-server';
import { launch, sleep, type Lab, type PhonePage } from '../support/e2e/browser';

jest.setTimeout(90_000);

let lab: Lab;
let server: DevSipServer;
let wsUrl = '';
let httpUrl = '';
const REALM = 'kazoo.test';
const pages: PhonePage[] = [];

async function registered(user: string, answer?: 'accept'): Promise<PhonePage> {
  const p = await lab.open(user);
  pages.push(p);
  if (answer) await p.eval(`window.autoAnswer = '${answer}'`);
  await p.registerWith({ wsUrl, realm: REALM, privateIdentity: user, publicIdentity: `sip:${user}@${REALM}`, password: `secret${user}` });
  await p.waitFor('onConnected');
  return p;
}

/** `p` receives `from`'s tone, not its own nor `absent`'s */
async function hears(p: PhonePage, from: PhonePage, absent: PhonePage[] = []): Promise<void> {
  await p.expectTone(from.tone, { timeout: 8000, absent: [p.tone, ...absent.map((x) => x.tone)] });
}

const get = async (path: string) => (await fetch(`${httpUrl}${path}`)).text();

beforeAll(async () => {
  server = createDevSipServer({ logLevel: 'warn' });
  const info = await server.start();
  wsUrl = info.wsUrl;
  httpUrl = info.httpUrl;
  lab = await launch();
});
afterEach(async () => { await Promise.all(pages.splice(0).map((p) => p.close())); });
afterAll(async () => {
  await lab?.close();
  await server?.stop();
});

test('register, call with audio both ways, blind transfer A→B→C, one onHangup each', async () => {
  const a = await registered('1001');
  const b = await registered('1002', 'accept');
  const c = await registered('1003', 'accept');
  await a.eval(`kazoo.connect('sip:1002@${REALM}')`);
  await a.waitFor('onAccepted');
  await b.waitFor('onAccepted');
  await hears(a, b);
  await hears(b, a);
  await a.eval(`kazoo.transfer('sip:1003@${REALM}')`);
  await a.waitFor('onTransfer');
  await b.waitFor('onNotified', { key: 'transfer_notification' });
  expect((await c.waitFor('onIncoming')).arg).toMatchObject({ callerNumber: '1002' });
  await c.waitFor('onAccepted');
  await a.waitFor('onHangup');
  // the far ends hear each other, not the transferor
  await hears(c, b, [a]);
  await hears(b, c, [a]);
  await c.eval('kazoo.hangup()');
  await b.waitFor('onHangup');
  await sleep(300);
  expect(await b.count('onHangup')).toBe(1);
});

test('MWI in both body orders; wrong password; unknown user', async () => {
  const b = await registered('1002');
  await get('/mwi/1002/2/8');
  expect((await b.waitFor('onNotified', { key: 'voicemail_notification' })).arg).toMatchObject({ newMessages: 2, oldMessages: 8, messagesWaiting: true });
  await get('/mwi/1002/3/9?order=legacy');
  expect((await b.waitFor('onNotified', { key: 'voicemail_notification', after: 1 })).arg).toMatchObject({ newMessages: 3, oldMessages: 9 });
  const bad = await lab.open('bad');
  pages.push(bad);
  await bad.registerWith({ wsUrl, realm: REALM, privateIdentity: '1004', publicIdentity: `sip:1004@${REALM}`, password: 'nope' });
  expect((await bad.waitFor('onError')).arg).toMatchObject({ key: 'unauthorized', message: 'Invalid credentials.', code: 403 });
  await b.eval(`kazoo.connect('sip:9999@${REALM}')`);
  expect((await b.waitFor('onCancel')).arg).toMatchObject({ code: 404 });
});

test('a second device takes a single-device registration over: overriding and replaced, once each', async () => {
  const first = await registered('1009');
  const second = await registered('1009');
  await second.waitFor('onNotified', { key: 'overriding_registration' });
  await first.waitFor('onNotified', { key: 'replaced_registration' });
  await sleep(1000);
  expect(await first.count('onNotified', 'replaced_registration')).toBe(1);
  expect(await first.count('onNotified', 'reconnecting_notification')).toBe(0);
  expect(await get('/contacts/1009')).toMatch(/count=1/);
});
