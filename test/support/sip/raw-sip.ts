// A deliberately small SIP user agent for tests, over WebSocket or UDP: it writes requests and
// responses by hand (so a test sees and controls every header) and parses what comes back with the
// server's parser. Enough for REGISTER with digest, INVITE dialogs with Record-Route, CANCEL, BYE,
// REFER, INFO, MESSAGE and malformed input.

import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { digestResponse, md5, parseDigestCredentials } from '../../../protocol/sip/digest';
import { parseSipMessage } from '../../../protocol/sip/parser';
import type { SipMessage, SipRequest, SipResponse } from '../../../protocol/sip/message';
import { parseNameAddr } from '../../../protocol/sip/jssip';

const rand = (n = 6): string => randomBytes(n).toString('hex');

export interface Received {
  msg: SipMessage;
  raw: string;
}

type Waiter = { match: (m: SipMessage) => boolean; resolve: (m: SipMessage) => void };

export class RawSip {
  readonly host = `${rand(4)}.invalid`;
  readonly received: Received[] = [];
  /** Everything received, parseable or not. */
  readonly rawReceived: string[] = [];
  private queue: SipMessage[] = [];
  private waiters: Waiter[] = [];
  private cseq = 1;
  closed = false;
  closeCode: number | undefined;

  private constructor(
    private readonly transport: 'WS' | 'UDP',
    private readonly sendRaw: (data: string | Buffer) => void,
    private readonly closer: () => void,
    readonly localPort: number,
  ) {}

  static ws(url: string): Promise<RawSip> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, 'sip');
      let client: RawSip | undefined;
      ws.on('open', () => {
        client = new RawSip('WS', (d) => ws.send(typeof d === 'string' ? d : d.toString('utf8')), () => ws.terminate(), 0);
        resolve(client);
      });
      ws.on('message', (data: WebSocket.RawData) => client?.onData(Buffer.from(data as Buffer)));
      ws.on('close', (code: number) => {
        if (client) {
          client.closed = true;
          client.closeCode = code;
        }
      });
      ws.on('error', (err) => {
        if (!client) reject(err);
      });
    });
  }

  static udp(serverPort: number, serverHost = '127.0.0.1'): Promise<RawSip> {
    return new Promise((resolve) => {
      const sock: Socket = createSocket('udp4');
      sock.bind(0, '127.0.0.1', () => {
        const client = new RawSip('UDP', (d) => sock.send(typeof d === 'string' ? Buffer.from(d) : d, serverPort, serverHost), () => sock.close(), sock.address().port);
        sock.on('message', (m) => client.onData(m));
        resolve(client);
      });
    });
  }

  private onData(buf: Buffer): void {
    this.rawReceived.push(buf.toString('utf8'));
    const out = parseSipMessage(buf, { maxMessageBytes: 1 << 20, maxHeaders: 1000 });
    if (out.kind !== 'message') return;
    this.received.push({ msg: out.message, raw: buf.toString('utf8') });
    const w = this.waiters.find((x) => x.match(out.message));
    if (w) {
      this.waiters = this.waiters.filter((x) => x !== w);
      w.resolve(out.message);
    } else this.queue.push(out.message);
  }

  /** Next received message matching `match` (already queued or future), within `ms`. */
  next(match: (m: SipMessage) => boolean, ms = 3000, what = 'message'): Promise<SipMessage> {
    const idx = this.queue.findIndex(match);
    if (idx >= 0) return Promise.resolve(this.queue.splice(idx, 1)[0]);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== waiter);
        reject(new Error(`timeout after ${ms} ms waiting for ${what}`));
      }, ms);
      this.waiters.push(waiter);
    });
  }

  async response(callId: string, method: string, final = true, ms = 3000): Promise<SipResponse> {
    const m = await this.next(
      (x) => x.kind === 'response' && x.core.callId === callId && x.core.cseqMethod === method && (!final || x.status >= 200),
      ms, `${final ? 'final ' : ''}response to ${method}`,
    );
    return m as SipResponse;
  }

  async request(method: string, ms = 3000, callId?: string): Promise<SipRequest> {
    const m = await this.next((x) => x.kind === 'request' && x.method === method && (!callId || x.core.callId === callId), ms, `${method} request`);
    return m as SipRequest;
  }

  /** Nothing matching arrives within `ms`. */
  async nothing(match: (m: SipMessage) => boolean, ms = 300): Promise<boolean> {
    try {
      await this.next(match, ms);
      return false;
    } catch {
      return true;
    }
  }

  /** The last message sent (to retransmit it). */
  lastSent: string | Buffer = '';

  send(text: string | Buffer): void {
    this.lastSent = text;
    this.sendRaw(text);
  }

  close(): void {
    if (!this.closed) {
      this.closed = true;
      this.closer();
    }
  }

  get via(): string {
    return this.transport === 'WS' ? `SIP/2.0/WS ${this.host}` : `SIP/2.0/UDP 127.0.0.1:${this.localPort};rport`;
  }

  contactUri(user: string): string {
    return this.transport === 'WS' ? `sip:${user}@${this.host};transport=ws` : `sip:${user}@127.0.0.1:${this.localPort}`;
  }

  nextCseq(): number {
    return this.cseq++;
  }

  /** Build a request; `headers` are extra lines "Name: value". */
  build(o: {
    method: string; uri: string; from: string; to: string; callId: string; cseq: number; branch?: string;
    contact?: string; headers?: string[]; body?: string; cseqMethod?: string;
  }): string {
    const body = o.body ?? '';
    const lines = [
      `${o.method} ${o.uri} SIP/2.0`,
      `Via: ${this.via};branch=${o.branch ?? `z9hG4bK${rand()}`}`,
      'Max-Forwards: 70',
      `From: ${o.from}`,
      `To: ${o.to}`,
      `Call-ID: ${o.callId}`,
      `CSeq: ${o.cseq} ${o.cseqMethod ?? o.method}`,
      ...(o.contact ? [`Contact: ${o.contact}`] : []),
      ...(o.headers ?? []),
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ];
    return lines.join('\r\n');
  }

  /** Answer `req` (copies Via/From/To/Call-ID/CSeq, adds our To-tag unless already tagged). */
  reply(req: SipRequest, status: number, reason: string, o: { toTag?: string; contact?: string; headers?: string[]; body?: string; copyRecordRoute?: boolean } = {}): void {
    const body = o.body ?? '';
    const to = req.get('to') ?? '';
    const lines = [
      `SIP/2.0 ${status} ${reason}`,
      ...req.getAll('via').map((v) => `Via: ${v}`),
      ...(o.copyRecordRoute ? req.getAll('record-route').map((v) => `Record-Route: ${v}`) : []),
      `From: ${req.get('from')}`,
      `To: ${/;\s*tag=/.test(to) || status === 100 ? to : `${to};tag=${o.toTag ?? rand()}`}`,
      `Call-ID: ${req.core.callId}`,
      `CSeq: ${req.get('cseq')}`,
      ...(o.contact ? [`Contact: ${o.contact}`] : []),
      ...(o.headers ?? []),
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ];
    this.send(lines.join('\r\n'));
  }

  /** Send `build(spec)`; on 401/407 answer the challenge once. Resolves with the final response. */
  async requestWithAuth(
    spec: Parameters<RawSip['build']>[0],
    creds: { user: string; password: string } | undefined,
    ms = 3000,
  ): Promise<{ res: SipResponse; cseq: number; branch: string }> {
    let branch = spec.branch ?? `z9hG4bK${rand()}`;
    this.send(this.build({ ...spec, branch }));
    let res = await this.response(spec.callId, spec.cseqMethod ?? spec.method, true, ms);
    let cseq = spec.cseq;
    if ((res.status === 401 || res.status === 407) && creds) {
      if (spec.method === 'INVITE') this.ackNon2xx(spec, res, branch);
      const header = res.status === 401 ? 'www-authenticate' : 'proxy-authenticate';
      const ch = parseChallenge(res.get(header) ?? '');
      const cnonce = rand();
      const nc = '00000001';
      const ha1 = md5(`${creds.user}:${ch.realm}:${creds.password}`);
      const response = digestResponse(ha1, { nonce: ch.nonce, uri: spec.uri, qop: 'auth', nc, cnonce }, spec.method);
      const auth = `Digest username="${creds.user}", realm="${ch.realm}", nonce="${ch.nonce}", uri="${spec.uri}", response="${response}", algorithm=MD5, qop=auth, nc=${nc}, cnonce="${cnonce}"`;
      cseq = spec.cseq + 1;
      branch = `z9hG4bK${rand()}`;
      this.send(this.build({ ...spec, cseq, branch, headers: [...(spec.headers ?? []), `${res.status === 401 ? 'Authorization' : 'Proxy-Authorization'}: ${auth}`] }));
      res = await this.response(spec.callId, spec.cseqMethod ?? spec.method, true, ms);
    }
    return { res, cseq, branch };
  }

  ackNon2xx(spec: { uri: string; from: string; callId: string; cseq: number }, res: SipResponse, branch: string): void {
    this.send(this.build({ method: 'ACK', uri: spec.uri, from: spec.from, to: res.get('to') ?? '', callId: spec.callId, cseq: spec.cseq, branch }));
  }

  async register(user: string, password: string, o: { expires?: number; contact?: string; domain?: string; callId?: string; headers?: string[] } = {}): Promise<SipResponse> {
    const domain = o.domain ?? 'kazoo.test';
    const contact = o.contact ?? `<${this.contactUri(user)}>`;
    const { res } = await this.requestWithAuth(
      {
        method: 'REGISTER', uri: `sip:${domain}`, from: `<sip:${user}@${domain}>;tag=${rand()}`, to: `<sip:${user}@${domain}>`,
        callId: o.callId ?? `reg-${rand()}`, cseq: this.nextCseq() + 100, contact: `${contact};expires=${o.expires ?? 600}`, headers: o.headers,
      },
      { user, password },
    );
    return res;
  }
}

export function parseChallenge(value: string): { realm: string; nonce: string; stale: boolean } {
  const get = (k: string): string => new RegExp(`${k}="?([^",]*)"?`, 'i').exec(value)?.[1] ?? '';
  return { realm: get('realm'), nonce: get('nonce'), stale: /stale=true/i.test(value) };
}

/** Client side of a dialog established by a 2xx (RFC 3261 12.1.2), enough to send ACK/BYE/INFO/REFER. */
export class RawDialog {
  private cseq: number;
  constructor(
    private readonly client: RawSip,
    readonly callId: string,
    readonly local: string,
    readonly remote: string,
    readonly remoteTarget: string,
    readonly routeSet: string[],
    cseq: number,
  ) {
    this.cseq = cseq;
  }

  /** As the caller: from the 2xx (route set = Record-Route reversed). */
  static asCaller(client: RawSip, from: string, res: SipResponse, cseq: number): RawDialog {
    const target = parseNameAddr(res.get('contact') ?? '')?.uri.toString() ?? '';
    return new RawDialog(client, res.core.callId, from, res.get('to') ?? '', target, res.getAll('record-route').reverse(), cseq);
  }

  /** As the callee: from the INVITE it answered with `toTag` (route set = Record-Route in order). */
  static asCallee(client: RawSip, req: SipRequest, toTag: string): RawDialog {
    const target = parseNameAddr(req.get('contact') ?? '')?.uri.toString() ?? '';
    return new RawDialog(client, req.core.callId, `${req.get('to')};tag=${toTag}`, req.get('from') ?? '', target, req.getAll('record-route'), 1000);
  }

  send(method: string, o: { headers?: string[]; body?: string; cseq?: number; contact?: string } = {}): number {
    const cseq = o.cseq ?? (method === 'ACK' ? this.cseq : ++this.cseq);
    this.client.send(
      this.client.build({
        method, uri: this.remoteTarget, from: this.local, to: this.remote, callId: this.callId, cseq, contact: o.contact,
        headers: [...this.routeSet.map((r) => `Route: ${r}`), ...(o.headers ?? [])], body: o.body,
      }),
    );
    return cseq;
  }
}

export { parseDigestCredentials };
