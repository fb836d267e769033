// Registration against real clients: JsSIP over WebSocket, and a raw client for exact status codes.

import { startTestServer, type TestServer } from '../../test/support/devstack/server';
import { once, registered, startUa, waitUntil, type UaHandle } from '../../test/support/node-webrtc/jssip-node';
import { RawSip } from '../../test/support/sip/raw-sip';

let t: TestServer;
const uas: UaHandle[] = [];
const raws: RawSip[] = [];
const ua = (user: string, password: string, config?: Record<string, unknown>): UaHandle => {
  const h = startUa(t.info.wsUrl, user, password, { config });
  uas.push(h);
  return h;
};
const raw = async (): Promise<RawSip> => {
  const c = await RawSip.ws(t.info.wsUrl);
  raws.push(c);
  return c;
};

beforeAll(async () => {
  t = await startTestServer();
});
afterEach(async () => {
  await Promise.all(uas.splice(0).map((h) => h.stop()));
  for (const c of raws.splice(0)) c.close();
});
afterAll(async () => {
  await t.server.stop();
});

test('JsSIP registers with the right password; contacts() shows its binding', async () => {
  const h = ua('1001', 'secret1001');
  await registered(h);
  const list = t.server.contacts('1001');
  expect(list).toHaveLength(1);
  expect(list[0].transport).toBe('ws');
  expect(list[0].contact).toMatch(/^sip:[^@]+@[^;]+\.invalid;transport=ws$/);
  expect(list[0].instance).toMatch(/^"<urn:uuid:/);
});

test('wrong password: JsSIP gets registrationFailed with 403 "Wrong password"', async () => {
  const h = ua('1002', 'nope');
  const failed = await once<{ response?: { status_code: number; reason_phrase: string } }>(h.ua as never, 'registrationFailed');
  expect(failed.response?.status_code).toBe(403);
  expect(failed.response?.reason_phrase).toBe('Wrong password');
  expect(t.server.contacts('1002')).toHaveLength(0);
});

test('unknown user: challenged first, then 403 "Unknown user"', async () => {
  const c = await raw();
  const res = await c.register('4242', 'whatever');
  expect(res.status).toBe(403);
  expect(res.reason).toBe('Unknown user');
});

test('an unauthenticated REGISTER is challenged with 401 (qop=auth, MD5)', async () => {
  const c = await raw();
  c.send(c.build({ method: 'REGISTER', uri: 'sip:kazoo.test', from: '<sip:1003@kazoo.test>;tag=a', to: '<sip:1003@kazoo.test>', callId: 'r1', cseq: 1, contact: `<${c.contactUri('1003')}>` }));
  const res = await c.response('r1', 'REGISTER');
  expect(res.status).toBe(401);
  expect(res.get('www-authenticate')).toMatch(/^Digest realm="kazoo.test", nonce="[^"]+", qop="auth", algorithm=MD5$/);
});

test('credentials of another user are refused (403)', async () => {
  const c = await raw();
  const res = await c.requestWithAuth(
    { method: 'REGISTER', uri: 'sip:kazoo.test', from: '<sip:1003@kazoo.test>;tag=a', to: '<sip:1003@kazoo.test>', callId: 'r2', cseq: 1, contact: `<${c.contactUri('1003')}>` },
    { user: '1004', password: 'secret1004' },
  );
  expect(res.res.status).toBe(403);
});

test('two devices of a multi-device user: the 200 lists both; un-REGISTER removes one', async () => {
  const a = ua('1005', 'secret1005');
  await registered(a);
  const c = await raw();
  const res = await c.register('1005', 'secret1005');
  expect(res.status).toBe(200);
  expect(res.getAll('contact')).toHaveLength(2);
  expect(t.server.contacts('1005')).toHaveLength(2);
  const un = await c.register('1005', 'secret1005', { expires: 0 });
  expect(un.status).toBe(200);
  expect(un.getAll('contact')).toHaveLength(1);
  expect(t.server.contacts('1005').map((b) => b.contact)).toEqual([t.server.contacts('1005')[0].contact]);
});

test('a closed WebSocket removes its bindings; JsSIP re-registers by itself after a kick (1006)', async () => {
  const h = ua('1006', 'secret1006');
  await registered(h);
  const contact = t.server.contacts('1006')[0].contact;
  const disconnected = once<{ code: number; error: boolean }>(h.ua as never, 'disconnected');
  expect(t.server.kick('1006')).toEqual({ removed: 1, closed: 1 });
  const d = await disconnected;
  expect(d.code).toBe(1006);
  expect(t.server.contacts('1006')).toHaveLength(0);
  await waitUntil(() => t.server.contacts('1006').length === 1, 5000, 're-registration');
  expect(t.server.contacts('1006')[0].contact).toBe(contact);
});

test('kick with code 1001 sends a "Going Away" close frame', async () => {
  const h = ua('1007', 'secret1007', { connection_recovery_min_interval: 30, connection_recovery_max_interval: 60 });
  await registered(h);
  const disconnected = once<{ code: number; error: boolean }>(h.ua as never, 'disconnected');
  t.server.kick('1007', { code: 1001 });
  const d = await disconnected;
  expect(d.code).toBe(1001);
  expect(d.error).toBe(false);
});

test('Expires below the minimum gets 423 with Min-Expires; Contact: * removes all bindings', async () => {
  const c = await raw();
  const short = await c.register('1008', 'secret1008', { expires: 3 });
  expect(short.status).toBe(423);
  expect(short.get('min-expires')).toBe('10');
  expect((await c.register('1008', 'secret1008')).status).toBe(200);
  const c2 = await raw();
  expect((await c2.register('1008', 'secret1008')).status).toBe(200);
  expect(t.server.contacts('1008')).toHaveLength(2);
  const all = await c.requestWithAuth(
    { method: 'REGISTER', uri: 'sip:kazoo.test', from: '<sip:1008@kazoo.test>;tag=x', to: '<sip:1008@kazoo.test>', callId: 'star', cseq: 1, contact: '*', headers: ['Expires: 0'] },
    { user: '1008', password: 'secret1008' },
  );
  expect(all.res.status).toBe(200);
  expect(t.server.contacts('1008')).toHaveLength(0);
});

test('an expired nonce is re-challenged with stale=true', async () => {
  const s = await startTestServer({ nonceTtlSec: 0 });
  try {
    const c = await RawSip.ws(s.info.wsUrl);
    raws.push(c);
    const { res } = await c.requestWithAuth(
      { method: 'REGISTER', uri: 'sip:kazoo.test', from: '<sip:1001@kazoo.test>;tag=s', to: '<sip:1001@kazoo.test>', callId: 'stale', cseq: 1, contact: `<${c.contactUri('1001')}>` },
      { user: '1001', password: 'secret1001' },
    );
    expect(res.status).toBe(401);
    expect(res.get('www-authenticate')).toMatch(/stale=true/);
  } finally {
    await s.server.stop();
  }
});
