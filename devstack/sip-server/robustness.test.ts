// Bad input and bounds: malformed and oversized messages over both transports (400 / 513 / dropped,
// never a crash), the connection / registration / transaction ceilings, the WebSocket handshake
// rules, and that no password (or digest credential) ever reaches the log.

import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../../test/support/devstack/server';
import { RawSip } from '../../test/support/sip/raw-sip';
import { startUa, registered } from '../../test/support/node-webrtc/jssip-node';
import type { SipResponse } from '../../protocol/sip/message';
import { md5 } from '../../protocol/sip/digest';

let t: TestServer;
const clients: RawSip[] = [];
const open = async (url = t.info.wsUrl): Promise<RawSip> => {
  const c = await RawSip.ws(url);
  clients.push(c);
  return c;
};
const udp = async (port = t.info.udp.port): Promise<RawSip> => {
  const c = await RawSip.udp(port);
  clients.push(c);
  return c;
};
const options = (c: RawSip, callId: string, extra: string[] = [], body = ''): string =>
  c.build({ method: 'OPTIONS', uri: 'sip:kazoo.test', from: '<sip:1001@kazoo.test>;tag=o', to: '<sip:kazoo.test>', callId, cseq: 1, headers: extra, body });
/** The server still answers a keepalive OPTIONS on this client. */
const alive = async (c: RawSip): Promise<void> => {
  const id = `alive-${randomBytes(4).toString('hex')}`;
  c.send(options(c, id));
  expect((await c.response(id, 'OPTIONS')).status).toBe(200);
};

beforeAll(async () => {
  t = await startTestServer({ logLevel: 'trace' });
});
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});
afterAll(async () => {
  await t.server.stop();
});

test('garbage, binary and half messages are dropped; the connection and the server keep working', async () => {
  const c = await open();
  c.send('hello world');
  c.send(randomBytes(512));
  c.send('INVITE sip:1002@kazoo.test SIP/2.0\r\nVia: SIP/2.0/WS x.invalid;branch=z9hG4bK1\r\n');
  c.send('\r\n\r\n'); // keep-alive
  await alive(c);
  expect(c.closed).toBe(false);
  // RFC 5626: the double-CRLF ping got its CRLF pong (phones drop a connection that stays silent)
  expect(c.rawReceived).toContain('\r\n');
});

test('malformed requests get 400 with the reason', async () => {
  const c = await open();
  const bad = [
    options(c, 'bad1').replace('CSeq: 1 OPTIONS', 'CSeq: one OPTIONS'),
    options(c, 'bad2').replace('From: <sip:1001@kazoo.test>;tag=o', 'From: <sip:1001@'),
    options(c, 'bad3').replace('Content-Length: 0', 'Content-Length: 99'),
    options(c, 'bad4', ['Bad Header Line Without Colon']),
    options(c, 'bad5').replace('CSeq: 1 OPTIONS', 'CSeq: 1 INVITE'),
    options(c, 'bad6').replace('Via: SIP/2.0/WS', 'Via: SIP/2.0/???'),
  ];
  for (const m of bad) c.send(m);
  await alive(c);
  // answers copy the broken headers, so look at the raw text
  const answers = c.rawReceived.filter((r) => r.startsWith('SIP/2.0 400 Bad Request ('));
  expect(answers.length).toBe(bad.length);
  for (const id of ['bad1', 'bad2', 'bad3', 'bad4', 'bad5', 'bad6']) expect(answers.some((a) => a.includes(`Call-ID: ${id}\r\n`))).toBe(true);
});

test('a header flood is refused with 400', async () => {
  const c = await open();
  const many = Array.from({ length: 500 }, (_, i) => `X-H${i}: ${i}`);
  c.send(options(c, 'flood', many));
  const res = (await c.next((m) => m.kind === 'response' && (m as SipResponse).status === 400, 2000)) as SipResponse;
  expect(res.reason).toContain('too many headers');
});

test('oversized: 513 over WebSocket and UDP; beyond the frame cap the WebSocket is closed (1009)', async () => {
  const c = await open();
  c.send(options(c, 'big', [], 'x'.repeat(40 * 1024)));
  expect((await c.response('big', 'OPTIONS')).status).toBe(513);
  await alive(c);

  const u = await udp();
  u.send(options(u, 'bigudp', [], 'y'.repeat(40 * 1024)));
  expect((await u.response('bigudp', 'OPTIONS')).status).toBe(513);
  await alive(u);

  const d = await open();
  d.send(options(d, 'huge', [], 'z'.repeat(200 * 1024)));
  for (let i = 0; i < 100 && !d.closed; i++) await new Promise((r) => setTimeout(r, 10));
  expect(d.closeCode).toBe(1009);
  await alive(c);
});

test('responses nobody asked for and JsSIP-grammar traps (Contact: *, broken CSeq) never crash the server', async () => {
  const c = await open();
  c.send('SIP/2.0 200 OK\r\nVia: SIP/2.0/WS a.invalid;branch=z9hG4bKnope\r\nFrom: <sip:a@b.c>;tag=1\r\nTo: <sip:a@b.c>\r\nCall-ID: r\r\nCSeq: x\r\nContent-Length: 0\r\n\r\n');
  c.send('SIP/2.0 200 OK\r\nVia: SIP/2.0/WS a.invalid;branch=z9hG4bKnope\r\nFrom: <sip:a@b.c>;tag=1\r\nTo: <sip:a@b.c>\r\nCall-ID: r\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n');
  const star = await c.requestWithAuth(
    { method: 'REGISTER', uri: 'sip:kazoo.test', from: '<sip:1001@kazoo.test>;tag=s', to: '<sip:1001@kazoo.test>', callId: 'star', cseq: 1, contact: '*' },
    { user: '1001', password: 'secret1001' },
  );
  expect(star.res.status).toBe(400); // Contact: * needs Expires: 0
  await alive(c);
});

test('random mutations of a valid INVITE: every one answered or dropped, the server survives', async () => {
  const c = await open();
  const u = await udp();
  const base = c.build({
    method: 'INVITE', uri: 'sip:1002@kazoo.test', from: '<sip:1001@kazoo.test>;tag=f', to: '<sip:1002@kazoo.test>', callId: 'fuzz', cseq: 1,
    contact: '<sip:1001@x.invalid;transport=ws>', headers: ['Content-Type: application/sdp'], body: 'v=0\r\n',
  });
  const bytes = Buffer.from(base);
  for (let i = 0; i < 300; i++) {
    const m = Buffer.from(bytes);
    for (let k = 0; k < 1 + (i % 8); k++) m[Math.floor(Math.random() * m.length)] = Math.floor(Math.random() * 256);
    (i % 2 ? c : u).send(i % 3 === 0 ? m.subarray(0, Math.floor(Math.random() * m.length)) : m);
  }
  await alive(c);
  await alive(u);
  // no handler threw (the transports log "error" when one does)
  expect(t.logs.filter((l) => / error /.test(l))).toEqual([]);
});

test('WebSocket handshake: wrong path 404, no "sip" sub-protocol 400', async () => {
  const status = (url: string, protocol?: string): Promise<number> =>
    new Promise((resolve) => {
      const ws = protocol ? new WebSocket(url, protocol) : new WebSocket(url);
      ws.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.on('open', () => {
        resolve(101);
        ws.close();
      });
      ws.on('error', () => undefined);
    });
  expect(await status(t.info.wsUrl.replace('/ws', '/other'), 'sip')).toBe(404);
  expect(await status(t.info.wsUrl)).toBe(400);
  expect(await status(t.info.wsUrl, 'chat')).toBe(400);
  expect(await status(t.info.wsUrl, 'sip')).toBe(101);
});

test('limits: connections, registrations, bindings per user, transactions', async () => {
  const s = await startTestServer({ limits: { maxConnections: 2, maxRegistrations: 2, maxBindingsPerUser: 1, maxTransactions: 3 } });
  try {
    const a = await RawSip.ws(s.info.wsUrl);
    const b = await RawSip.ws(s.info.wsUrl);
    clients.push(a, b);
    await expect(RawSip.ws(s.info.wsUrl)).rejects.toThrow(/503/);
    expect((await a.register('1001', 'secret1001')).status).toBe(200);
    expect((await b.register('1001', 'secret1001')).status).toBe(503); // one binding per user here
    expect((await b.register('1002', 'secret1002')).status).toBe(200);
    const u = await RawSip.udp(s.info.udp.port);
    clients.push(u);
    expect((await u.register('1003', 'secret1003')).status).toBe(503); // two registrations in all
    // transactions: UDP transactions linger (Timer J) so a burst of requests hits the ceiling
    const ids = Array.from({ length: 6 }, (_, i) => `tx${i}`);
    for (const id of ids) u.send(options(u, id));
    const codes = await Promise.all(ids.map((id) => u.response(id, 'OPTIONS').then((r) => r.status)));
    expect(codes).toContain(503);
    expect(s.server.stats().serverTransactions).toBeLessThanOrEqual(3);
  } finally {
    await s.server.stop();
  }
});

test('no password, HA1 or digest response ever appears in the log (trace level)', async () => {
  const h = startUa(t.info.wsUrl, '1004', 'secret1004');
  await registered(h);
  const bad = startUa(t.info.wsUrl, '1005', 'wrongpass1005');
  await new Promise((r) => setTimeout(r, 200));
  const c = await open();
  c.send(options(c, 'leak', ['X-Password: secret1006', 'X-Note: password=secret1007']));
  await c.response('leak', 'OPTIONS');
  await c.register('1008', 'secret1008');
  t.server.triggerMwi('1004', 1, 0);
  await Promise.all([h.stop(), bad.stop()]);

  const log = t.logs.join('\n');
  expect(log).toContain('REGISTER'); // trace really logged the messages
  expect(log).toMatch(/response="\*\*\*"/);
  for (let n = 1001; n <= 1010; n++) {
    expect(log).not.toContain(`secret${n}`);
    expect(log).not.toContain(md5(`${n}:kazoo.test:secret${n}`));
  }
  expect(log).not.toContain('wrongpass1005');
  expect(log).not.toMatch(/response="[0-9a-f]{32}"/);
});
