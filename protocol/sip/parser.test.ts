// Parser adapter: framing, byte-exact bodies, compact and comma-separated headers, and the inputs on
// which JsSIP's own grammar throws.

import { parseSipMessage, type ParseOutcome } from './parser';
import type { SipRequest, SipResponse } from './message';

const LIMITS = { maxMessageBytes: 4096, maxHeaders: 50 };
const parse = (text: string | Buffer): ParseOutcome => parseSipMessage(Buffer.isBuffer(text) ? text : Buffer.from(text), LIMITS);
const lines = (...l: string[]): string => `${l.join('\r\n')}\r\n`;
const INVITE = lines(
  'INVITE sip:1002@kazoo.test SIP/2.0',
  'v: SIP/2.0/WS abc.invalid;branch=z9hG4bKtop, SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKlow',
  'Max-Forwards: 70',
  'f: "Alice, A." <sip:1001@kazoo.test>;tag=ft',
  't: <sip:1002@kazoo.test>',
  'i: call-1',
  'CSeq: 7 INVITE',
  'm: <sip:x@abc.invalid;transport=ws>',
  'Route: <sip:127.0.0.1:5064;transport=ws;lr>, <sip:10.0.0.9;lr>',
  'c: application/sdp',
  'l: 7',
  '',
  'v=0\r\nxx-extra-bytes',
);

test('a request: core fields from JsSIP, compact names expanded, lists split, body cut at Content-Length', () => {
  const out = parse(INVITE);
  expect(out.kind).toBe('message');
  if (out.kind !== 'message') return;
  const req = out.message as SipRequest;
  expect([req.method, req.uri]).toEqual(['INVITE', 'sip:1002@kazoo.test']);
  expect(req.core).toMatchObject({ callId: 'call-1', cseq: 7, cseqMethod: 'INVITE', fromTag: 'ft', toTag: undefined, fromUser: '1001', toUser: '1002', toHost: 'kazoo.test' });
  expect(req.getAll('via')).toEqual(['SIP/2.0/WS abc.invalid;branch=z9hG4bKtop', 'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKlow']);
  expect(req.getAll('route')).toHaveLength(2);
  expect(out.topVia).toMatchObject({ transport: 'WS', host: 'abc.invalid', branch: 'z9hG4bKtop', rport: false });
  expect(req.body.toString()).toBe('v=0\r\nxx');
  const wire = req.serialize().toString();
  expect(wire).toContain('Content-Length: 7\r\n\r\nv=0\r\nxx');
  expect(wire).toContain('From: "Alice, A." <sip:1001@kazoo.test>;tag=ft');
});

test('Content-Length counts bytes, not characters', () => {
  const body = 'héllo ☎';
  const msg = lines('MESSAGE sip:1002@kazoo.test SIP/2.0', 'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKm;rport', 'From: <sip:1001@kazoo.test>;tag=a', 'To: <sip:1002@kazoo.test>', 'Call-ID: m', 'CSeq: 1 MESSAGE', `Content-Length: ${Buffer.byteLength(body)}`, '') + body;
  const out = parse(msg);
  expect(out.kind === 'message' && out.message.body.toString()).toBe(body);
  expect(out.kind === 'message' && out.topVia.rport).toBe(true);
});

test('a response', () => {
  const out = parse(lines('SIP/2.0 180 Ringing', 'Via: SIP/2.0/WS a.invalid;branch=z9hG4bK1', 'From: <sip:1@kazoo.test>;tag=a', 'To: <sip:2@kazoo.test>;tag=b', 'Call-ID: c', 'CSeq: 1 INVITE', 'Content-Length: 0', ''));
  expect(out.kind).toBe('message');
  const res = (out as { message: SipResponse }).message;
  expect([res.status, res.reason, res.core.toTag, res.core.cseqMethod]).toEqual([180, 'Ringing', 'b', 'INVITE']);
});

test('folded header lines are joined; CRLF keep-alives are recognised', () => {
  const out = parse(INVITE.replace('To: <sip:1002@kazoo.test>', 'To:\r\n <sip:1002@kazoo.test>').replace('t: <sip:1002@kazoo.test>', 't:\r\n\t<sip:1002@kazoo.test>'));
  expect(out.kind).toBe('message');
  expect(parse('\r\n\r\n').kind).toBe('keepalive');
});

test.each([
  ['no end of headers', 'INVITE sip:a@b SIP/2.0\r\nVia: x'],
  ['bad start line', INVITE.replace('SIP/2.0\r\n', 'HTTP/1.1\r\n')],
  ['missing Call-ID', INVITE.replace('i: call-1\r\n', '')],
  ['CSeq method differs', INVITE.replace('CSeq: 7 INVITE', 'CSeq: 7 BYE')],
  ['unparseable From', INVITE.replace('f: "Alice, A." <sip:1001@kazoo.test>;tag=ft', 'f: <sip:')],
  ['body shorter than Content-Length', INVITE.replace('l: 7', 'l: 700')],
  ['non-numeric Content-Length', INVITE.replace('l: 7', 'l: seven')],
  ['header line without colon', INVITE.replace('Max-Forwards: 70', 'Max-Forwards 70')],
])('malformed (%s) -> 400', (_name, text) => {
  const out = parse(text);
  expect(out.kind).toBe('error');
  if (out.kind === 'error') expect(out.status).toBe(400);
});

test('a 400 can be answered when Via/From/To/Call-ID/CSeq are present, never for ACK', () => {
  const bad = parse(INVITE.replace('l: 7', 'l: 700'));
  expect(bad.kind === 'error' && bad.replyTo?.method).toBe('INVITE');
  const ack = parse(INVITE.replace('INVITE sip', 'ACK sip').replace('7 INVITE', '7 ACK').replace('l: 7', 'l: 700'));
  expect(ack.kind === 'error' && ack.replyTo).toBeUndefined();
});

test('oversized -> 513 with a reply context; too many headers -> 400', () => {
  const big = parse(INVITE.replace('v=0\r\nxx-extra-bytes', 'x'.repeat(5000)));
  expect(big.kind === 'error' && [big.status, big.replyTo !== undefined]).toEqual([513, true]);
  const flood = parse(INVITE.replace('Max-Forwards: 70', Array.from({ length: 60 }, (_, i) => `X-${i}: 1`).join('\r\n')));
  expect(flood.kind === 'error' && flood.reason).toContain('too many headers');
});

test('inputs on which JsSIP grammar throws are handled: Contact: * and a response with a broken CSeq', () => {
  const star = parse(lines('REGISTER sip:kazoo.test SIP/2.0', 'Via: SIP/2.0/WS a.invalid;branch=z9hG4bK1', 'From: <sip:1@kazoo.test>;tag=a', 'To: <sip:1@kazoo.test>', 'Call-ID: s', 'CSeq: 2 REGISTER', 'Contact: *', 'Expires: 0', 'Content-Length: 0', ''));
  expect(star.kind === 'message' && star.message.getAll('contact')).toEqual(['*']);
  const broken = parse(lines('SIP/2.0 200 OK', 'Via: SIP/2.0/WS a.invalid;branch=z9hG4bK1', 'From: <sip:1@kazoo.test>;tag=a', 'To: <sip:1@kazoo.test>', 'Call-ID: s', 'CSeq: x', 'Content-Length: 0', ''));
  expect(broken.kind).toBe('error');
});
