// Parser adapter: frames one datagram / WebSocket message into a SipMessage. Framing, byte-exact
// Content-Length, size limits and header-list expansion are done here (JsSIP counts the body in UTF-16
// characters and keeps only the first Via); every header JsSIP knows (Via, From, To, Call-ID, CSeq,
// Contact, Content-Type, Max-Forwards, Event, Refer-To, Record-Route, ...) is then validated by JsSIP's
// own parser, and the core fields come from its result.

import { LIST_HEADERS, headerKey, splitList } from './headers';
import { parseVia, parseWithJsSip, type ViaInfo } from './jssip';
import { SipRequest, SipResponse, makeHeader, type CoreFields, type Header, type SipMessage } from './message';

export interface ParseLimits {
  /** Messages larger than this are answered 513 (requests) or dropped. */
  maxMessageBytes: number;
  /** More header lines than this is treated as malformed (400). */
  maxHeaders: number;
}

export type ParseOutcome =
  | { kind: 'message'; message: SipMessage; topVia: ViaInfo }
  | { kind: 'keepalive' }
  | {
      kind: 'error';
      status: 400 | 513;
      reason: string;
      /** Present when the input was a request (not ACK) with the headers a response needs. */
      replyTo: SipRequest | undefined;
    };

const CRLF2 = Buffer.from('\r\n\r\n');
const TOKEN_HEADER = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+)[ \t]*:[ \t]*(.*)$/;
const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) (\S+) SIP\/2\.0$/;
const STATUS_LINE = /^SIP\/2\.0 ([1-6]\d\d) ?(.*)$/;
const REPLY_HEADERS = ['via', 'from', 'to', 'call-id', 'cseq'];

const EMPTY_CORE: CoreFields = {
  callId: '', cseq: 0, cseqMethod: '', fromTag: undefined, toTag: undefined, fromUser: '', toUser: '', toHost: '',
};

export function parseSipMessage(buf: Buffer, limits: ParseLimits): ParseOutcome {
  if (isKeepalive(buf)) return { kind: 'keepalive' };
  if (buf.length > limits.maxMessageBytes) {
    // Look at the head only, to answer 513 when it is a request we can address.
    const head = buf.subarray(0, limits.maxMessageBytes);
    const end = head.indexOf(CRLF2);
    const lines = end >= 0 ? splitHead(head.toString('utf8', 0, end)) : undefined;
    return error(513, 'Message Too Large', lines ? replyContext(lines, limits) : undefined);
  }

  const end = buf.indexOf(CRLF2);
  if (end < 0) return error(400, 'Bad Request (no end of headers)', undefined);
  const lines = splitHead(buf.toString('utf8', 0, end));
  if (!lines) return error(400, 'Bad Request (line ends)', undefined);
  const replyTo = replyContext(lines, limits);
  const fail = (reason: string): ParseOutcome => error(400, `Bad Request (${reason})`, replyTo);

  const start = lines[0];
  const req = REQUEST_LINE.exec(start);
  const res = req ? null : STATUS_LINE.exec(start);
  if (!req && !res) return fail('start line');

  const headers = toHeaders(lines.slice(1), limits.maxHeaders);
  if (typeof headers === 'string') return fail(headers);
  for (const key of REPLY_HEADERS) if (!headers.some((h) => h.key === key)) return fail(`missing ${key}`);

  let body = buf.subarray(end + 4);
  const cl = headers.find((h) => h.key === 'content-length');
  if (cl) {
    if (!/^\d{1,9}$/.test(cl.value)) return fail('content-length');
    const len = Number(cl.value);
    if (len > body.length) return fail('body shorter than content-length');
    body = body.subarray(0, len); // RFC 3261 18.3: bytes beyond the body are discarded
  }

  // JsSIP validates what it knows; `Contact: *` makes its grammar throw, and it is only meaningful
  // in REGISTER, which the registrar checks itself.
  const forJsSip = [start, ...headers.filter((h) => !(h.key === 'contact' && h.value === '*')).map((h) => `${h.name}: ${h.value}`)];
  const parsed = parseWithJsSip(`${forJsSip.join('\r\n')}\r\n\r\n`);
  if (!parsed) return fail('header syntax');
  const cseq = parsed.parseHeader('cseq') as { value?: number; method?: string } | undefined;
  if (!parsed.call_id || !cseq?.method || cseq.value === undefined || !parsed.from || !parsed.to) return fail('core headers');

  const topVia = parseVia(headers.find((h) => h.key === 'via')?.value ?? '');
  if (!topVia) return fail('via');

  const core: CoreFields = {
    callId: parsed.call_id,
    cseq: cseq.value,
    cseqMethod: cseq.method.toUpperCase(),
    fromTag: parsed.from_tag ?? undefined,
    toTag: parsed.to_tag ?? undefined,
    fromUser: parsed.from.uri.user ?? '',
    toUser: parsed.to.uri.user ?? '',
    toHost: parsed.to.uri.host ?? '',
  };

  if (req) {
    const method = req[1].toUpperCase();
    if (core.cseqMethod !== method) return fail('CSeq method');
    return { kind: 'message', message: new SipRequest(method, req[2], headers, body, core), topVia };
  }
  const status = Number(res![1]);
  return { kind: 'message', message: new SipResponse(status, res![2], headers, body, core), topVia };
}

function error(status: 400 | 513, reason: string, replyTo: SipRequest | undefined): ParseOutcome {
  return { kind: 'error', status, reason, replyTo };
}

function isKeepalive(buf: Buffer): boolean {
  // RFC 5626 CRLF keep-alives (and stray whitespace) are not messages.
  for (const b of buf) if (b !== 0x0d && b !== 0x0a && b !== 0x20 && b !== 0x09) return false;
  return true;
}

/** Split the header section into logical lines (folded continuation lines joined); undefined on bare CR/LF. */
function splitHead(text: string): string[] | undefined {
  const raw = text.replace(/^(\r\n)+/, '').split('\r\n');
  const lines: string[] = [];
  for (const line of raw) {
    if (/[\r\n]/.test(line)) return undefined;
    if ((line.startsWith(' ') || line.startsWith('\t')) && lines.length > 1) lines[lines.length - 1] += ` ${line.trim()}`;
    else lines.push(line);
  }
  return lines;
}

/** Header lines → Header list, list headers expanded one value per entry. A string is an error reason. */
function toHeaders(lines: string[], maxHeaders: number): Header[] | string {
  if (lines.length > maxHeaders) return 'too many headers';
  const headers: Header[] = [];
  for (const line of lines) {
    const m = TOKEN_HEADER.exec(line);
    if (!m) return 'header line';
    const key = headerKey(m[1]);
    const value = m[2].trim();
    if (LIST_HEADERS.has(key) && !(key === 'contact' && value === '*')) {
      for (const part of splitList(value)) headers.push({ ...makeHeader(m[1], part) });
    } else headers.push(makeHeader(m[1], value));
    if (headers.length > maxHeaders * 2) return 'too many headers';
  }
  return headers;
}

/** The minimum to answer an unparseable request (RFC 3261 8.2.6: copy Via, From, To, Call-ID, CSeq). */
function replyContext(lines: string[], limits: ParseLimits): SipRequest | undefined {
  const req = REQUEST_LINE.exec(lines[0]);
  if (!req || req[1].toUpperCase() === 'ACK') return undefined;
  const headers: Header[] = [];
  for (const line of lines.slice(1, limits.maxHeaders + 1)) {
    const m = TOKEN_HEADER.exec(line);
    if (m && REPLY_HEADERS.includes(headerKey(m[1]))) headers.push(makeHeader(m[1], m[2].trim()));
  }
  for (const key of REPLY_HEADERS) if (!headers.some((h) => h.key === key)) return undefined;
  return new SipRequest(req[1].toUpperCase(), req[2], headers, Buffer.alloc(0), { ...EMPTY_CORE });
}
