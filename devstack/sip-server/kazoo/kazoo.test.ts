// Kazoo behaviour seen by real JsSIP user agents: registration-overwrite NOTIFYs for single-device
// users, message-summary NOTIFYs in both body orders (unsolicited and through SUBSCRIBE), a voicemail
// left with MESSAGE *97<user>, and the lab-compatible HTTP helpers.

import { get } from 'node:http';
import { startTestServer, type TestServer } from '../../../test/support/devstack/server';
import { once, registered, startUa, waitUntil, type UaHandle } from '../../../test/support/node-webrtc/jssip-node';
import { mwiBody, overwriteBodies } from './bodies';

interface SipEventData {
  event: { event: string };
  request: { body: string; getHeader(name: string): string; ruri: { user: string } };
}

let t: TestServer;
const uas: UaHandle[] = [];
const ua = async (user: string): Promise<UaHandle> => {
  const h = startUa(t.info.wsUrl, user, `secret${user}`);
  uas.push(h);
  await registered(h);
  return h;
};
const sipEvent = (h: UaHandle, event: string, ms = 3000): Promise<SipEventData> =>
  once<SipEventData>(h.ua as never, 'sipEvent', ms, (d) => d.event.event === event);
const httpGet = (path: string): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    get(`${t.info.httpUrl}${path}`, { agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });

beforeAll(async () => {
  t = await startTestServer();
});
afterEach(async () => {
  await Promise.all(uas.splice(0).map((h) => h.stop()));
});
afterAll(async () => {
  await t.server.stop();
});

test('body builders: exact Kazoo formats', () => {
  expect(overwriteBodies('sip:a@x', 'sip:b@y')).toEqual({ toOld: 'Replaced-By:sip:b@y', toNew: 'Overwrote:sip:a@x' });
  expect(mwiBody('sip:1002@lab.test', { newCount: 3, oldCount: 9 }, 'legacy')).toBe(
    'Message-Account: sip:1002@lab.test\r\nMessages-Waiting: yes\r\nVoice-Message: 3/9 (0/0)\r\n\r\n',
  );
  expect(mwiBody('sip:1002@lab.test', { newCount: 0, oldCount: 4 }, 'current')).toBe(
    'Messages-Waiting: no\r\nMessage-Account: sip:1002@lab.test\r\nVoice-Message: 0/4 (0/0)\r\n',
  );
});

test('single-device user: the second registration overwrites the first, both devices get a NOTIFY', async () => {
  const first = await ua('1009');
  const oldContact = t.server.contacts('1009')[0].contact;
  const replacedBy = sipEvent(first, 'registration-overwrite');
  const second = startUa(t.info.wsUrl, '1009', 'secret1009');
  uas.push(second);
  const overwrote = sipEvent(second, 'registration-overwrite');
  await registered(second);
  const newContact = (await waitUntil(() => t.server.contacts('1009').find((b) => b.contact !== oldContact), 3000, 'new binding')).contact;

  const toOld = await replacedBy;
  expect(toOld.request.body).toBe(`Replaced-By:${newContact}`);
  expect(toOld.request.getHeader('content-type')).toBe('text/plain');
  expect(toOld.request.getHeader('subscription-state')).toBe('terminated;reason=noresource');
  expect(toOld.request.getHeader('from')).toMatch(/^<sip:1009@kazoo\.test>;tag=/);
  expect(toOld.request.getHeader('to')).toBe('<sip:1009@kazoo.test>');
  const toNew = await overwrote;
  expect(toNew.request.body).toBe(`Overwrote:${oldContact}`);

  // the old device stays connected (Kazoo does not close it), only the new binding is left
  expect(first.socket.isConnected()).toBe(true);
  expect(first.log.some((e) => e.event === 'disconnected')).toBe(false);
  expect(t.server.contacts('1009').map((b) => b.contact)).toEqual([newContact]);

  // the old device's un-REGISTER of its (already replaced) contact leaves the new binding alone
  await first.stop();
  uas.splice(uas.indexOf(first), 1);
  expect(t.server.contacts('1009').map((b) => b.contact)).toEqual([newContact]);
  // a refresh from the same device sends nothing
  const events = second.log.filter((e) => e.event === 'sipEvent').length;
  const registers = (): number => t.logs.filter((l) => l.includes(`REGISTER 1009 <${newContact}>`)).length;
  const before = registers();
  second.ua.register();
  await waitUntil(() => registers() > before, 3000, 'refresh REGISTER');
  await new Promise((r) => setTimeout(r, 50));
  expect(second.log.filter((e) => e.event === 'sipEvent').length).toBe(events);
});

test('a multi-device user gets no overwrite NOTIFY', async () => {
  const a = await ua('1008');
  await ua('1008');
  expect(t.server.contacts('1008')).toHaveLength(2);
  await new Promise((r) => setTimeout(r, 100));
  expect(a.log.some((e) => e.event === 'sipEvent')).toBe(false);
});

test('triggerMwi: unsolicited message-summary, current order (Messages-Waiting first) with X-KAZOO-AOR', async () => {
  const h = await ua('1002');
  const ev = sipEvent(h, 'message-summary');
  expect(t.server.triggerMwi('1002', 2, 5)).toBe(1);
  const { request } = await ev;
  expect(request.getHeader('content-type')).toBe('application/simple-message-summary');
  expect(request.body).toBe('Messages-Waiting: yes\r\nMessage-Account: sip:1002@kazoo.test\r\nVoice-Message: 2/5 (0/0)\r\n');
  expect(request.getHeader('x-kazoo-aor')).toBe('sip:1002@kazoo.test');
  expect(t.server.mailbox('1002')).toEqual({ newCount: 2, oldCount: 5 });
});

test('triggerMwi with order legacy: the 2014 body (Message-Account first, blank line at the end)', async () => {
  const h = await ua('1002');
  const ev = sipEvent(h, 'message-summary');
  t.server.triggerMwi('1002', 3, 9, { order: 'legacy' });
  const { request } = await ev;
  expect(request.body).toBe('Message-Account: sip:1002@kazoo.test\r\nMessages-Waiting: yes\r\nVoice-Message: 3/9 (0/0)\r\n\r\n');
  expect(request.getHeader('x-kazoo-aor')).toBeUndefined();
});

test('SUBSCRIBE message-summary: 200 + NOTIFY with the box state, in-dialog NOTIFY on change, un-subscribe', async () => {
  t.server.triggerMwi('1003', 1, 2);
  const h = await ua('1003');
  const sub = (h.ua as unknown as { subscribe(target: string, event: string, accept: string, o: object): NodeJS.EventEmitter & { subscribe(): void; terminate(): void } })
    .subscribe('sip:1003@kazoo.test', 'message-summary', 'application/simple-message-summary', { expires: 120 });
  const first = once<[boolean, unknown, string]>(
    { on: (e: string, fn: (d: [boolean, unknown, string]) => void) => sub.on(e, (...a: unknown[]) => fn(a as [boolean, unknown, string])) }, 'notify');
  sub.subscribe();
  const [, , body] = await first;
  expect(body).toBe('Messages-Waiting: yes\r\nMessage-Account: sip:1003@kazoo.test\r\nVoice-Message: 1/2 (0/0)\r\n');
  expect(t.server.stats().subscriptions).toBe(1);

  const second = once<[boolean, unknown, string]>(
    { on: (e: string, fn: (d: [boolean, unknown, string]) => void) => sub.on(e, (...a: unknown[]) => fn(a as [boolean, unknown, string])) }, 'notify');
  expect(t.server.triggerMwi('1003', 0, 3)).toBe(1); // in-dialog only: no unsolicited copy to the same device
  const [, , body2] = await second;
  expect(body2).toContain('Messages-Waiting: no');
  await new Promise((r) => setTimeout(r, 50));
  expect(h.log.some((e) => e.event === 'sipEvent')).toBe(false);

  const terminated = once({ on: (e: string, fn: (d: unknown) => void) => sub.on(e, fn) }, 'terminated');
  sub.terminate();
  await terminated;
  await waitUntil(() => t.server.stats().subscriptions === 0, 2000, 'subscription removed');
});

test('MESSAGE to *97<user> leaves a voicemail: that user gets an MWI NOTIFY', async () => {
  const target = await ua('1004');
  const sender = await ua('1005');
  const ev = sipEvent(target, 'message-summary');
  const result = new Promise<string>((resolve) => {
    sender.ua.sendMessage('sip:*971004@kazoo.test', 'voicemail please', {
      eventHandlers: { succeeded: () => resolve('succeeded'), failed: () => resolve('failed') },
    });
  });
  expect(await result).toBe('succeeded');
  expect((await ev).request.body).toContain('Voice-Message: 1/0 (0/0)');
  expect(t.server.mailbox('1004').newCount).toBe(1);
});

test('notify(user, event) sends any event (the lab /notify)', async () => {
  const h = await ua('1006');
  const ev = sipEvent(h, 'check-sync');
  expect(t.server.notify('1006', 'check-sync')).toBe(1);
  expect((await ev).request.getHeader('content-type')).toBe('text/plain');
});

test('HTTP helpers: /health, /mwi?order=legacy, /contacts, /notify, /kick, 404', async () => {
  const h = await ua('1007');
  expect(await httpGet('/health')).toEqual({ status: 200, body: 'ok\n' });
  const ev = sipEvent(h, 'message-summary');
  expect((await httpGet('/mwi/1007/3/9?order=legacy')).body).toBe('mwi 1007 3/9 order=legacy notified=1\n');
  expect((await ev).request.body.startsWith('Message-Account: sip:1007@kazoo.test\r\n')).toBe(true);
  const contacts = await httpGet('/contacts/1007');
  expect(contacts.body).toMatch(/^aor=sip:1007@kazoo\.test count=1 expired=0\ncontact=sip:\S+ received=sip:127\.0\.0\.1:\d+;transport=ws conid=ws-\S+ expires_in=\d+ callid=\S+ instance="<urn:uuid:[^>]+>" regid=1 ua=kazoo-js-test\/JsSIP\n$/);
  expect((await httpGet('/notify/1007/check-sync')).body).toBe('notify 1007 check-sync notified=1\n');
  const disconnected = once<{ code: number }>(h.ua as never, 'disconnected');
  expect((await httpGet('/kick/1007?code=1001')).body).toBe('kick 1007 removed=1 closed=1 mode=1001\n');
  expect((await disconnected).code).toBe(1001);
  expect((await httpGet('/nope')).status).toBe(404);
});
