/**
 * The gateway's SipUa on the shared transaction layer, seen from a raw UDP peer: our 2xx to an INVITE is
 * repeated until the ACK, a retransmitted request is answered again without reaching the session twice,
 * an unanswered request resolves with 408, a full table answers 503, close() resolves what is pending.
 */
import { createSocket, type Socket } from 'node:dgram';
import { SipUa } from './sip-ua';
import { parseSipMessage } from '../protocol/sip/parser';
import { sipMessageBuilder } from '../protocol/sip/builder';
import type { SipMessage, SipRequest } from '../protocol/sip/message';
import { DEFAULT_TIMERS } from '../protocol/sip/transaction/timers';
import { until } from '../test/support/gateway/harness';

const T1 = 20;
const peerMessages = sipMessageBuilder('sip-ua-test-peer');
let ua: SipUa;
let peer: Socket;
const heard: SipMessage[] = [];

beforeEach(async () => {
  heard.length = 0;
  ua = await SipUa.create({ agent: 'kazoo-rtmp-gateway/test', bindAddress: '127.0.0.1', timers: { ...DEFAULT_TIMERS, t1: T1, t2: 8 * T1 }, maxMessageBytes: 16_384, maxTransactions: 3 });
  peer = createSocket('udp4');
  await new Promise<void>((resolve) => peer.bind(0, '127.0.0.1', resolve));
  peer.on('message', (data) => {
    const out = parseSipMessage(data, { maxMessageBytes: 65_535, maxHeaders: 100 });
    if (out.kind === 'message') heard.push(out.message);
  });
});

afterEach(async () => {
  ua.close();
  await new Promise<void>((resolve) => peer.close(() => resolve()));
});

let seq = 0;
function fromPeer(method: string, cseq = ++seq, branch = `z9hG4bKpeer${seq}`): SipRequest {
  return peerMessages.createRequest({
    method, uri: `sip:gw@127.0.0.1:${ua.address.port}`, via: `SIP/2.0/UDP 127.0.0.1:${peer.address().port}`, branch,
    from: '<sip:peer@127.0.0.1>;tag=p1', to: '<sip:gw@127.0.0.1>', callId: 'call-1', cseq,
  });
}
const toUa = (request: SipRequest): void => peer.send(request.serialize(), ua.address.port, '127.0.0.1');
const statuses = (): number[] => heard.flatMap((m) => (m.kind === 'response' ? [m.status] : []));

test('a 2xx to an INVITE is repeated until the ACK, then stops; the ACK reaches the session', async () => {
  const got: string[] = [];
  ua.onRequest = (request) => {
    got.push(request.method);
    if (request.method === 'INVITE') ua.reply(request, 200, { toTag: 'gw1' });
  };
  const invite = fromPeer('INVITE');
  toUa(invite);
  await until(() => statuses().length >= 3, 2000, 'the 2xx repeated');
  toUa(fromPeer('ACK', invite.core.cseq, 'z9hG4bKack'));
  await until(() => got.includes('ACK'), 2000, 'the ACK');
  const after = statuses().length;
  await new Promise((r) => setTimeout(r, 10 * T1));
  expect(statuses().length).toBeLessThanOrEqual(after + 1); // one may have been on its way
  expect(got).toEqual(['INVITE', 'ACK']);
  expect(heard.every((m) => m.get('server') === 'kazoo-rtmp-gateway/test')).toBe(true);
});

test('a retransmitted request gets the same answer and reaches the session once', async () => {
  let calls = 0;
  ua.onRequest = (request) => {
    calls++;
    ua.reply(request, 200);
  };
  const options = fromPeer('OPTIONS');
  toUa(options);
  await until(() => statuses().length === 1, 2000, 'the answer');
  toUa(options);
  await until(() => statuses().length === 2, 2000, 'the repeated answer');
  expect(calls).toBe(1);
});

test('an unanswered request resolves with a 408 of ours, after 64·T1', async () => {
  const started = Date.now();
  const request = ua.messages.createRequest({ method: 'OPTIONS', uri: 'sip:peer@127.0.0.1', via: ua.viaBase, from: '<sip:gw@x>;tag=g', to: '<sip:peer@x>', callId: 'c2', cseq: 1 });
  const response = await ua.request(request, { host: '127.0.0.1', port: peer.address().port });
  expect(response.status).toBe(408);
  expect(Date.now() - started).toBeGreaterThanOrEqual(64 * T1 - 5);
  expect(heard.filter((m) => m.kind === 'request').length).toBeGreaterThan(3); // retransmitted meanwhile
  expect(heard.every((m) => m.get('user-agent') === 'kazoo-rtmp-gateway/test')).toBe(true);
});

test('a full transaction table answers 503 with Retry-After; close() resolves pending requests with 503', async () => {
  ua.onRequest = () => undefined; // never answered: each stays in the table
  for (let i = 0; i < 3; i++) toUa(fromPeer('OPTIONS'));
  await until(() => ua.transactionCount === 3, 2000, 'three transactions');
  toUa(fromPeer('OPTIONS'));
  await until(() => statuses().includes(503), 2000, 'the 503');
  expect(heard.find((m) => m.kind === 'response' && m.status === 503)?.get('retry-after')).toBe('5');

  const request = ua.messages.createRequest({ method: 'OPTIONS', uri: 'sip:peer@127.0.0.1', via: ua.viaBase, from: '<sip:gw@x>;tag=g', to: '<sip:peer@x>', callId: 'c3', cseq: 1 });
  expect((await ua.request(request, { host: '127.0.0.1', port: peer.address().port })).reason).toBe('Too many transactions');
  ua.close();
  expect((await ua.request(request, { host: '127.0.0.1', port: peer.address().port })).reason).toBe('Closed');
});

test('close() resolves a request still waiting with 503 Closed', async () => {
  const request = ua.messages.createRequest({ method: 'OPTIONS', uri: 'sip:peer@127.0.0.1', via: ua.viaBase, from: '<sip:gw@x>;tag=g', to: '<sip:peer@x>', callId: 'c4', cseq: 1 });
  const pending = ua.request(request, { host: '127.0.0.1', port: peer.address().port });
  ua.close();
  expect(await pending).toMatchObject({ status: 503, reason: 'Closed' });
});
