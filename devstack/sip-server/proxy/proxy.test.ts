// The proxy between registered contacts, driven by raw SIP clients so every status code and header is
// visible: calls answered / rejected / cancelled, BYE from either side, forking, in-dialog REFER,
// INFO, MESSAGE, NOTIFY through Record-Route, WebSocket <-> UDP calls, and the failure codes.

import { startTestServer, type TestServer } from '../../../test/support/devstack/server';
import { parseChallenge, RawDialog, RawSip } from '../../../test/support/sip/raw-sip';
import { digestResponse, md5 } from '../../../protocol/sip/digest';
import type { SipRequest, SipResponse } from '../../../protocol/sip/message';

let t: TestServer;
const clients: RawSip[] = [];
const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n';
let n = 0;

async function device(user: string, transport: 'ws' | 'udp' = 'ws'): Promise<RawSip> {
  const c = transport === 'ws' ? await RawSip.ws(t.info.wsUrl) : await RawSip.udp(t.info.udp.port);
  clients.push(c);
  const res = await c.register(user, `secret${user}`);
  expect(res.status).toBe(200);
  return c;
}

/** A caller needs no registration, only credentials (in-dialog requests find it through its Contact alias). */
async function caller(_user: string): Promise<RawSip> {
  const c = await RawSip.ws(t.info.wsUrl);
  clients.push(c);
  return c;
}

interface Call {
  callId: string;
  from: string;
  to: string;
  uri: string;
  cseq: number;
  branch: string;
}

/** Send an authenticated INVITE from `c` (as `fromUser`) to `toUser`; returns once the 407 round is done. */
async function invite(c: RawSip, fromUser: string, toUser: string, headers: string[] = []): Promise<Call> {
  const call: Call = {
    callId: `call-${++n}-${Date.now()}`, from: `<sip:${fromUser}@kazoo.test>;tag=f${n}`, to: `<sip:${toUser}@kazoo.test>`,
    uri: `sip:${toUser}@kazoo.test`, cseq: 1, branch: '',
  };
  const spec = { method: 'INVITE', uri: call.uri, from: call.from, to: call.to, callId: call.callId, cseq: 1, contact: `<${c.contactUri(fromUser)}>`, headers: ['Content-Type: application/sdp', ...headers], body: SDP };
  c.send(c.build({ ...spec, branch: 'z9hG4bKfirst' + n }));
  const challenge = await c.response(call.callId, 'INVITE');
  expect(challenge.status).toBe(407);
  c.ackNon2xx(spec, challenge, 'z9hG4bKfirst' + n);
  const ch = parseChallenge(challenge.get('proxy-authenticate') ?? '');
  const response = digestResponse(md5(`${fromUser}:${ch.realm}:secret${fromUser}`), { nonce: ch.nonce, uri: call.uri, qop: 'auth', nc: '00000001', cnonce: 'abc' }, 'INVITE');
  call.cseq = 2;
  call.branch = `z9hG4bKinv${n}x${Date.now()}`;
  c.send(c.build({
    ...spec, cseq: 2, branch: call.branch,
    headers: [...spec.headers, `Proxy-Authorization: Digest username="${fromUser}", realm="${ch.realm}", nonce="${ch.nonce}", uri="${call.uri}", response="${response}", algorithm=MD5, qop=auth, nc=00000001, cnonce="abc"`],
  }));
  return call;
}

/** Callee side: answer with 180 then `status`. */
function answer(d: RawSip, req: SipRequest, user: string, status = 200, tag = `t${n}`): void {
  d.reply(req, 180, 'Ringing', { toTag: tag, contact: `<${d.contactUri(user)}>`, copyRecordRoute: true });
  if (status === 200) {
    d.reply(req, 200, 'OK', { toTag: tag, contact: `<${d.contactUri(user)}>`, copyRecordRoute: true, headers: ['Content-Type: application/sdp'], body: SDP });
  } else if (status) {
    d.reply(req, status, status === 486 ? 'Busy Here' : 'Error', { toTag: tag });
  }
}

async function established(a: RawSip, b: RawSip, fromUser: string, toUser: string): Promise<{ call: Call; caller: RawDialog; callee: RawDialog; invite: SipRequest }> {
  const call = await invite(a, fromUser, toUser);
  const inv = await b.request('INVITE', 3000, call.callId);
  answer(b, inv, toUser, 200, `tag${call.callId}`);
  const ok = await a.response(call.callId, 'INVITE');
  expect(ok.status).toBe(200);
  const callerDialog = RawDialog.asCaller(a, call.from, ok, call.cseq);
  callerDialog.send('ACK', { cseq: call.cseq });
  await b.request('ACK', 3000, call.callId);
  return { call, caller: callerDialog, callee: RawDialog.asCallee(b, inv, `tag${call.callId}`), invite: inv };
}

beforeAll(async () => {
  t = await startTestServer();
});
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});
afterAll(async () => {
  await t.server.stop();
});

test('INVITE is challenged (407), then reaches the callee with Record-Route and the server Via on top', async () => {
  const b = await device('1002');
  const a = await caller('1001');
  const call = await invite(a, '1001', '1002');
  const inv = await b.request('INVITE', 3000, call.callId);
  expect(inv.uri).toBe(t.server.contacts('1002')[0].contact);
  expect(inv.getAll('record-route')).toEqual([`<sip:127.0.0.1:${t.info.wsUrl.split(':')[2].split('/')[0]};transport=ws;lr>`]);
  expect(inv.getAll('via')).toHaveLength(2);
  expect(inv.getAll('via')[0]).toMatch(/^SIP\/2\.0\/WS 127\.0\.0\.1:\d+;branch=z9hG4bK/);
  expect(inv.get('proxy-authorization')).toBeDefined();
  expect(inv.get('contact')).toMatch(/;kzflow=ws-/);
  expect(inv.body.toString()).toBe(SDP);
  const trying = await a.response(call.callId, 'INVITE', false);
  expect(trying.status).toBe(100);
});

test('answered call, ACK end to end, BYE from the callee; the dialog is counted then freed', async () => {
  const b = await device('1002');
  const a = await caller('1001');
  const { call, callee } = await established(a, b, '1001', '1002');
  expect(t.server.stats().dialogs).toBe(1);
  callee.send('BYE');
  const bye = await a.request('BYE', 3000, call.callId);
  expect(bye.uri).toBe(a.contactUri('1001'));
  expect(bye.getAll('route')).toHaveLength(0);
  a.reply(bye, 200, 'OK');
  expect((await b.response(call.callId, 'BYE')).status).toBe(200);
  expect(t.server.stats().dialogs).toBe(0);
});

test('BYE from the caller', async () => {
  const b = await device('1002');
  const a = await caller('1001');
  const { call, caller: dlg } = await established(a, b, '1001', '1002');
  dlg.send('BYE');
  const bye = await b.request('BYE', 3000, call.callId);
  expect(bye.uri).toBe(b.contactUri('1002'));
  b.reply(bye, 200, 'OK');
  expect((await a.response(call.callId, 'BYE')).status).toBe(200);
});

test('486 Busy Here is passed through and ACKed hop by hop', async () => {
  const b = await device('1002');
  const a = await caller('1001');
  const call = await invite(a, '1001', '1002');
  const inv = await b.request('INVITE', 3000, call.callId);
  answer(b, inv, '1002', 486);
  const res = await a.response(call.callId, 'INVITE');
  expect(res.status).toBe(486);
  a.ackNon2xx(call, res, call.branch);
  const ack = await b.request('ACK', 3000, call.callId);
  expect(ack.get('cseq')).toBe(`${inv.core.cseq} ACK`);
});

test('CANCEL while ringing: 200 for the CANCEL, the callee is cancelled, the caller gets 487', async () => {
  const b = await device('1002');
  const a = await caller('1001');
  const call = await invite(a, '1001', '1002');
  const inv = await b.request('INVITE', 3000, call.callId);
  answer(b, inv, '1002', 0);
  expect((await a.response(call.callId, 'INVITE', false)).status).toBeLessThan(200);
  a.send(a.build({ method: 'CANCEL', uri: call.uri, from: call.from, to: call.to, callId: call.callId, cseq: call.cseq, branch: call.branch }));
  expect((await a.response(call.callId, 'CANCEL')).status).toBe(200);
  const cancel = await b.request('CANCEL', 3000, call.callId);
  b.reply(cancel, 200, 'OK');
  b.reply(inv, 487, 'Request Terminated', { toTag: `t${n}` });
  expect((await a.response(call.callId, 'INVITE')).status).toBe(487);
  await b.request('ACK', 3000, call.callId);
});

test('unknown user: 404; known but not registered: 480', async () => {
  const a = await caller('1001');
  const c1 = await invite(a, '1001', '4040');
  expect((await a.response(c1.callId, 'INVITE')).status).toBe(404);
  const c2 = await invite(a, '1001', '1010');
  expect((await a.response(c2.callId, 'INVITE')).status).toBe(480);
});

test('forks to every device of a user; the first 200 wins and the other device is cancelled', async () => {
  const d1 = await device('1003');
  const d2 = await device('1003');
  const a = await caller('1001');
  const call = await invite(a, '1001', '1003');
  const [i1, i2] = await Promise.all([d1.request('INVITE', 3000, call.callId), d2.request('INVITE', 3000, call.callId)]);
  d2.reply(i2, 180, 'Ringing', { toTag: 'd2', contact: `<${d2.contactUri('1003')}>` });
  answer(d1, i1, '1003', 200, 'd1');
  const ok = await a.response(call.callId, 'INVITE');
  expect(ok.status).toBe(200);
  expect(ok.core.toTag).toBe('d1');
  const cancel = await d2.request('CANCEL', 3000, call.callId);
  d2.reply(cancel, 200, 'OK');
  d2.reply(i2, 487, 'Request Terminated', { toTag: 'd2' });
  await d2.request('ACK', 3000, call.callId);
  expect(await a.nothing((m) => m.kind === 'response' && (m as SipResponse).status === 487, 300)).toBe(true);
});

test('in-dialog REFER, NOTIFY, INFO, MESSAGE and OPTIONS follow the route both ways', async () => {
  const b = await device('1002');
  const a = await caller('1001');
  const { call, caller: ad, callee: bd } = await established(a, b, '1001', '1002');
  for (const method of ['REFER', 'INFO', 'MESSAGE', 'OPTIONS']) {
    const headers = method === 'REFER' ? ['Refer-To: <sip:1004@kazoo.test>'] : method === 'INFO' ? ['Content-Type: application/dtmf-relay'] : [];
    ad.send(method, { headers, body: method === 'INFO' ? 'Signal=5\r\nDuration=160\r\n' : undefined });
    const req = await b.request(method, 3000, call.callId);
    if (method === 'REFER') expect(req.get('refer-to')).toBe('<sip:1004@kazoo.test>');
    if (method === 'INFO') expect(req.body.toString()).toContain('Signal=5');
    b.reply(req, method === 'REFER' ? 202 : 200, method === 'REFER' ? 'Accepted' : 'OK');
    expect((await a.response(call.callId, method)).status).toBe(method === 'REFER' ? 202 : 200);
  }
  bd.send('NOTIFY', { headers: ['Event: refer', 'Subscription-State: terminated;reason=noresource', 'Content-Type: message/sipfrag'], body: 'SIP/2.0 200 OK\r\n' });
  const notify = await a.request('NOTIFY', 3000, call.callId);
  expect(notify.body.toString()).toBe('SIP/2.0 200 OK\r\n');
  a.reply(notify, 200, 'OK');
  expect((await b.response(call.callId, 'NOTIFY')).status).toBe(200);
});

test('out-of-dialog MESSAGE is authenticated (407) and delivered', async () => {
  const b = await device('1002');
  const a = await caller('1001');
  const callId = `msg-${Date.now()}`;
  const sent = a.requestWithAuth(
    { method: 'MESSAGE', uri: 'sip:1002@kazoo.test', from: '<sip:1001@kazoo.test>;tag=m', to: '<sip:1002@kazoo.test>', callId, cseq: 1, headers: ['Content-Type: text/plain'], body: 'hello' },
    { user: '1001', password: 'secret1001' },
  );
  const msg = await b.request('MESSAGE', 3000, callId);
  expect(msg.body.toString()).toBe('hello');
  b.reply(msg, 200, 'OK');
  expect((await sent).res.status).toBe(200);
});

test('WebSocket caller -> UDP callee: two Record-Route entries, BYE from the UDP side reaches the browser', async () => {
  const b = await device('1004', 'udp');
  const a = await caller('1001');
  const call = await invite(a, '1001', '1004');
  const inv = await b.request('INVITE', 3000, call.callId);
  const rr = inv.getAll('record-route');
  expect(rr).toEqual([`<sip:127.0.0.1:${t.info.udp.port};lr>`, expect.stringMatching(/transport=ws;lr>$/)]);
  expect(inv.getAll('via')[0]).toMatch(/^SIP\/2\.0\/UDP 127\.0\.0\.1:\d+;rport;branch=/);
  answer(b, inv, '1004', 200, 'udp1');
  const ok = await a.response(call.callId, 'INVITE');
  RawDialog.asCaller(a, call.from, ok, call.cseq).send('ACK', { cseq: call.cseq });
  await b.request('ACK', 3000, call.callId);
  RawDialog.asCallee(b, inv, 'udp1').send('BYE');
  const bye = await a.request('BYE', 3000, call.callId);
  a.reply(bye, 200, 'OK');
  expect((await b.response(call.callId, 'BYE')).status).toBe(200);
});

test('callee connection lost while ringing: the caller gets 480', async () => {
  const b = await device('1005');
  const a = await caller('1001');
  const call = await invite(a, '1001', '1005');
  const inv = await b.request('INVITE', 3000, call.callId);
  b.reply(inv, 180, 'Ringing', { toTag: 'x' });
  await a.response(call.callId, 'INVITE', false);
  b.close();
  expect((await a.response(call.callId, 'INVITE')).status).toBe(480);
});

test('Max-Forwards: 0 gets 483; a retransmitted request is answered from its transaction, not forwarded twice', async () => {
  const a = await caller('1001');
  a.send(a.build({ method: 'MESSAGE', uri: 'sip:1002@kazoo.test', from: '<sip:1001@kazoo.test>;tag=z', to: '<sip:1002@kazoo.test>', callId: 'mf0', cseq: 1 }).replace('Max-Forwards: 70', 'Max-Forwards: 0'));
  expect((await a.response('mf0', 'MESSAGE')).status).toBe(483);
  // over UDP (Timer J keeps the transaction; over WebSocket there are no retransmissions)
  const u = await RawSip.udp(t.info.udp.port);
  clients.push(u);
  const b = await device('1002');
  const sent = u.requestWithAuth(
    { method: 'MESSAGE', uri: 'sip:1002@kazoo.test', from: '<sip:1001@kazoo.test>;tag=r', to: '<sip:1002@kazoo.test>', callId: 'rtx', cseq: 1, body: 'once' },
    { user: '1001', password: 'secret1001' },
  );
  const msg = await b.request('MESSAGE', 3000, 'rtx');
  b.reply(msg, 200, 'OK');
  expect((await sent).res.status).toBe(200);
  u.send(u.lastSent);
  expect((await u.response('rtx', 'MESSAGE')).status).toBe(200);
  expect(await b.nothing((m) => m.kind === 'request' && m.method === 'MESSAGE', 200)).toBe(true);
});
