// The server's own SIP message model: an ordered header list that a proxy can edit (push a Via, pop a
// Route, add Record-Route) and serialise back without losing anything. JsSIP's IncomingMessage keeps
// headers in a per-name map and has no serialiser for forwarding, so parsing is delegated to JsSIP
// (see parser.ts) but the message that is edited and sent is this one.

import { canonicalName, headerKey } from './headers';

export interface Header {
  /** Lower-case full name (compact forms expanded), for lookups. */
  readonly key: string;
  /** Name as written on the wire. */
  readonly name: string;
  value: string;
}

/** The structured fields every valid message has (filled by the parser from JsSIP's grammar). */
export interface CoreFields {
  callId: string;
  cseq: number;
  cseqMethod: string;
  fromTag: string | undefined;
  toTag: string | undefined;
  /** user part of the From / To URIs ('' when absent). */
  fromUser: string;
  toUser: string;
  toHost: string;
}

abstract class SipMessageBase {
  headers: Header[];
  body: Buffer;
  core: CoreFields;

  constructor(headers: Header[], body: Buffer, core: CoreFields) {
    this.headers = headers;
    this.body = body;
    this.core = core;
  }

  get(name: string): string | undefined {
    const key = headerKey(name);
    return this.headers.find((h) => h.key === key)?.value;
  }

  getAll(name: string): string[] {
    const key = headerKey(name);
    return this.headers.filter((h) => h.key === key).map((h) => h.value);
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Replace every `name` header by one with `value` (kept at the first one's position). */
  set(name: string, value: string): void {
    const key = headerKey(name);
    const idx = this.headers.findIndex((h) => h.key === key);
    this.remove(name);
    const header = { key, name: canonicalName(key, name), value };
    if (idx < 0) this.headers.push(header);
    else this.headers.splice(Math.min(idx, this.headers.length), 0, header);
  }

  remove(name: string): void {
    const key = headerKey(name);
    this.headers = this.headers.filter((h) => h.key !== key);
  }

  /** Insert before the first header with the same name (or first of all): Via, Record-Route. */
  prepend(name: string, value: string): void {
    const key = headerKey(name);
    const idx = this.headers.findIndex((h) => h.key === key);
    this.headers.splice(idx < 0 ? 0 : idx, 0, { key, name: canonicalName(key, name), value });
  }

  append(name: string, value: string): void {
    const key = headerKey(name);
    this.headers.push({ key, name: canonicalName(key, name), value });
  }

  /** Remove the first `name` header (the top Via, the top Route). */
  removeFirst(name: string): string | undefined {
    const key = headerKey(name);
    const idx = this.headers.findIndex((h) => h.key === key);
    if (idx < 0) return undefined;
    return this.headers.splice(idx, 1)[0].value;
  }

  protected abstract startLine(): string;

  /** Wire form; Content-Length is always rewritten from the body (JsSIP drops messages where it is wrong). */
  serialize(): Buffer {
    const lines = [this.startLine()];
    for (const h of this.headers) if (h.key !== 'content-length') lines.push(`${h.name}: ${h.value}`);
    lines.push(`Content-Length: ${this.body.length}`);
    const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8');
    return this.body.length ? Buffer.concat([head, this.body]) : head;
  }

  cloneHeaders(): Header[] {
    return this.headers.map((h) => ({ ...h }));
  }
}

export class SipRequest extends SipMessageBase {
  readonly kind = 'request' as const;
  method: string;
  uri: string;

  constructor(method: string, uri: string, headers: Header[], body: Buffer, core: CoreFields) {
    super(headers, body, core);
    this.method = method;
    this.uri = uri;
  }

  protected startLine(): string {
    return `${this.method} ${this.uri} SIP/2.0`;
  }

  clone(): SipRequest {
    return new SipRequest(this.method, this.uri, this.cloneHeaders(), this.body, { ...this.core });
  }
}

export class SipResponse extends SipMessageBase {
  readonly kind = 'response' as const;
  status: number;
  reason: string;

  constructor(status: number, reason: string, headers: Header[], body: Buffer, core: CoreFields) {
    super(headers, body, core);
    this.status = status;
    this.reason = reason;
  }

  protected startLine(): string {
    return `SIP/2.0 ${this.status} ${this.reason}`;
  }
}

export type SipMessage = SipRequest | SipResponse;

export function makeHeader(name: string, value: string): Header {
  const key = headerKey(name);
  return { key, name: canonicalName(key, name), value };
}
