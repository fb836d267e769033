// Building the messages one SIP agent originates: responses to requests it answers itself, and
// requests it sends as a UAC. Each agent (the dev server, the gateway, a test's far end) builds through
// its own sipMessageBuilder(name), so every message carries the name of whoever sent it (User-Agent,
// Server: RFC 3261 20.41, 20.35); there is no name that applies by default. Identifiers are random
// enough to be unique across restarts (RFC 3261 8.1.1.4, 8.1.1.7, 19.3).

import { randomBytes } from 'node:crypto';
import { makeHeader, SipRequest, SipResponse, type CoreFields, type Header } from './message';
import { setHeaderParam } from './headers';

export const REASONS: Readonly<Record<number, string>> = {
  100: 'Trying', 180: 'Ringing', 200: 'OK', 202: 'Accepted', 400: 'Bad Request', 401: 'Unauthorized',
  403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 407: 'Proxy Authentication Required',
  408: 'Request Timeout', 416: 'Unsupported URI Scheme', 423: 'Interval Too Brief', 430: 'Flow Failed',
  480: 'Temporarily Unavailable', 481: 'Call/Transaction Does Not Exist', 482: 'Loop Detected',
  483: 'Too Many Hops', 484: 'Address Incomplete', 486: 'Busy Here', 487: 'Request Terminated',
  489: 'Bad Event', 500: 'Server Internal Error', 503: 'Service Unavailable', 513: 'Message Too Large',
};

export function token(bytes = 8): string {
  return randomBytes(bytes).toString('hex');
}

export function newBranch(): string {
  return `z9hG4bK${token(8)}`;
}

export interface ResponseOptions {
  reason?: string;
  /** Extra headers, in order, as [name, value]. */
  headers?: ReadonlyArray<readonly [string, string]>;
  body?: Buffer | string;
  /** To-tag to add when the request has none (final and 1xx-except-100 answers create one). */
  toTag?: string;
}

/** A response to `req` (RFC 3261 8.2.6): Via/From/To/Call-ID/CSeq copied, To-tag added when needed. */
function buildResponse(agent: string, req: SipRequest, status: number, opts: ResponseOptions = {}): SipResponse {
  const headers: Header[] = [];
  for (const h of req.headers) {
    if (h.key === 'via' || h.key === 'from' || h.key === 'call-id' || h.key === 'cseq') headers.push({ ...h });
    else if (h.key === 'to') {
      const needsTag = status > 100 && !/;\s*tag=/i.test(h.value);
      headers.push({ ...h, value: needsTag ? setHeaderParam(h.value, 'tag', opts.toTag ?? token(6)) : h.value });
    }
  }
  headers.push(makeHeader('Server', agent));
  for (const [name, value] of opts.headers ?? []) headers.push(makeHeader(name, value));
  const body = typeof opts.body === 'string' ? Buffer.from(opts.body, 'utf8') : opts.body ?? Buffer.alloc(0);
  return new SipResponse(status, opts.reason ?? REASONS[status] ?? 'Unknown', headers, body, { ...req.core });
}

export interface RequestSpec {
  method: string;
  uri: string;
  /** The server's own Via value without branch, e.g. "SIP/2.0/WS 127.0.0.1:5064;rport". */
  via: string;
  branch?: string;
  from: string;
  to: string;
  callId: string;
  cseq: number;
  headers?: ReadonlyArray<readonly [string, string]>;
  body?: Buffer | string;
}

/** A request the agent sends as a UAC. */
function buildRequest(agent: string, spec: RequestSpec): SipRequest {
  const headers: Header[] = [
    makeHeader('Via', `${spec.via};branch=${spec.branch ?? newBranch()}`),
    makeHeader('Max-Forwards', '70'),
    makeHeader('From', spec.from),
    makeHeader('To', spec.to),
    makeHeader('Call-ID', spec.callId),
    makeHeader('CSeq', `${spec.cseq} ${spec.method}`),
  ];
  for (const [name, value] of spec.headers ?? []) headers.push(makeHeader(name, value));
  headers.push(makeHeader('User-Agent', agent));
  const body = typeof spec.body === 'string' ? Buffer.from(spec.body, 'utf8') : spec.body ?? Buffer.alloc(0);
  const core: CoreFields = {
    callId: spec.callId, cseq: spec.cseq, cseqMethod: spec.method, fromTag: undefined, toTag: undefined,
    fromUser: '', toUser: '', toHost: '',
  };
  return new SipRequest(spec.method, spec.uri, headers, body, core);
}

/** What one agent builds its messages with; the functions need no `this` (they may be destructured). */
export interface SipMessageBuilder {
  /** The agent's name, as its User-Agent and Server headers carry it. */
  readonly agent: string;
  createRequest(spec: RequestSpec): SipRequest;
  createResponse(req: SipRequest, status: number, opts?: ResponseOptions): SipResponse;
}

/** A header value of printable ASCII (no CR/LF to smuggle a header in), 1 to 128 characters. */
const AGENT_NAME = /^[\x21-\x7e](?:[\x20-\x7e]{0,126}[\x21-\x7e])?$/;

/** The builder of the agent named `agent` (e.g. "kazoo-rtmp-gateway/1.2.0"); a bad name is a RangeError. */
export function sipMessageBuilder(agent: string): SipMessageBuilder {
  if (typeof agent !== 'string' || !AGENT_NAME.test(agent)) {
    throw new RangeError(`a SIP agent name is 1 to 128 printable ASCII characters, got ${JSON.stringify(agent)}`);
  }
  return {
    agent,
    createRequest: (spec) => buildRequest(agent, spec),
    createResponse: (req, status, opts) => buildResponse(agent, req, status, opts),
  };
}
