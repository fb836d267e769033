/**
 * One SIP user agent's UDP socket and its transactions (RFC 3261 §17, UDP rules): client transactions
 * retransmit until answered and time out into a synthetic 408; server transactions absorb retransmitted
 * requests by repeating their last response, and final INVITE responses are repeated until the ACK. Each
 * gateway session owns one SipUa, so the SIP server sees one flow (and one contact) per RTMP connection.
 */
import { createSocket, Socket } from 'node:dgram';
import { SipRequest, SipResponse, newBranch, parseSipMessage, setHeaderParam, sipMessageBuilder } from './sip-imports';
import type { ResponseOptions, SipMessage, SipMessageBuilder } from './sip-imports';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface SipTimerValues {
  /** RFC 3261 T1 (RTT estimate), default 500 ms. */
  readonly t1: number;
  /** T2 (cap of non-INVITE retransmissions), default 4 s. */
  readonly t2: number;
}

export interface SipUaOptions {
  /** Our name on the wire: User-Agent of our requests, Server of our responses. */
  readonly agent: string;
  readonly bindAddress: string;
  readonly timers: SipTimerValues;
  readonly maxMessageBytes: number;
  /** Client plus server transactions alive at once; beyond it requests get 503 and sends fail with 503. */
  readonly maxTransactions: number;
}

export interface ClientHandlers {
  /** 101–199 responses. */
  provisional?(response: SipResponse): void;
  /** A 2xx to an INVITE that was already answered (the 2xx's ACK was lost): the dialog re-ACKs. */
  retransmitted2xx?(response: SipResponse): void;
}

interface ClientTxn {
  readonly request: SipRequest;
  readonly dest: HostPort;
  readonly handlers: ClientHandlers;
  resolve(response: SipResponse): void;
  timer: NodeJS.Timeout | undefined;
  deadline: NodeJS.Timeout | undefined;
  interval: number;
  final: SipResponse | null;
  provisional: boolean;
}

interface ServerTxn {
  readonly request: SipRequest;
  readonly source: HostPort;
  last: SipResponse | null;
  retransmit: NodeJS.Timeout | undefined;
  expire: NodeJS.Timeout | undefined;
}

export class SipUa {
  /** New requests (not retransmissions, not ACKs of our non-2xx) arrive here; ACKs for 2xx too. */
  onRequest: ((request: SipRequest, source: HostPort) => void) | null = null;
  private readonly clients = new Map<string, ClientTxn>();
  private readonly servers = new Map<string, ServerTxn>();
  private closed = false;
  /** Builds the messages this agent originates, each carrying its name. */
  readonly messages: SipMessageBuilder;

  static async create(options: SipUaOptions): Promise<SipUa> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, options.bindAddress, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new SipUa(socket, options);
  }

  private constructor(
    private readonly socket: Socket,
    private readonly options: SipUaOptions,
  ) {
    this.messages = sipMessageBuilder(options.agent);
    socket.on('message', (data, rinfo) => this.receive(data, { host: rinfo.address, port: rinfo.port }));
    socket.on('error', () => undefined);
  }

  get address(): HostPort {
    const a = this.socket.address();
    return { host: a.address, port: a.port };
  }

  /** Our Via sent-by without branch. */
  get viaBase(): string {
    return `SIP/2.0/UDP ${this.address.host}:${this.address.port};rport`;
  }

  get transactionCount(): number {
    return this.clients.size + this.servers.size;
  }

  /** Fire and forget (ACK for a 2xx, a stray response). */
  send(message: SipMessage, dest: HostPort): void {
    if (this.closed) return;
    this.socket.send(message.serialize(), dest.port, dest.host);
  }

  /** Runs a client transaction; always resolves, with a synthetic 408 on timeout and 503 when full. */
  request(request: SipRequest, dest: HostPort, handlers: ClientHandlers = {}): Promise<SipResponse> {
    if (this.closed) return Promise.resolve(this.messages.createResponse(request, 503, { reason: 'Closed' }));
    if (this.transactionCount >= this.options.maxTransactions) return Promise.resolve(this.messages.createResponse(request, 503, { reason: 'Too many transactions' }));
    const key = clientKey(request);
    const { t1 } = this.options.timers;
    return new Promise((resolve) => {
      const txn: ClientTxn = { request, dest, handlers, resolve, timer: undefined, deadline: undefined, interval: t1, final: null, provisional: false };
      this.clients.set(key, txn);
      this.send(request, dest);
      this.armRetransmit(key, txn);
      txn.deadline = setTimeout(() => this.finishClient(key, txn, this.messages.createResponse(request, 408, { reason: 'Request Timeout' })), 64 * t1);
    });
  }

  /** Answers a server transaction with a response of ours. */
  reply(request: SipRequest, status: number, opts?: ResponseOptions): void {
    this.respond(request, this.messages.createResponse(request, status, opts));
  }

  /** Sends (or replaces) the response of a server transaction. */
  respond(request: SipRequest, response: SipResponse): void {
    const txn = this.servers.get(serverKey(request));
    if (!txn || this.closed) return;
    txn.last = response;
    this.send(response, txn.source);
    if (response.status < 200) return;
    clearTimeout(txn.retransmit);
    const { t1, t2 } = this.options.timers;
    if (request.method === 'INVITE') {
      // Timer G for non-2xx, the 2xx rule of §13.3.1.4 otherwise: repeat until the ACK, up to 64·T1.
      let interval = t1;
      const again = (): void => {
        txn.retransmit = setTimeout(() => {
          if (txn.last) this.send(txn.last, txn.source);
          interval = Math.min(interval * 2, t2);
          again();
        }, interval);
      };
      again();
    }
    clearTimeout(txn.expire);
    txn.expire = setTimeout(() => this.dropServer(request), 64 * t1);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const [key, txn] of this.clients) {
      this.finishClient(key, txn, this.messages.createResponse(txn.request, 503, { reason: 'Closed' }));
      clearTimeout(txn.deadline);
    }
    this.clients.clear();
    for (const txn of this.servers.values()) this.dropServer(txn.request);
    this.onRequest = null;
    this.socket.close();
  }

  private armRetransmit(key: string, txn: ClientTxn): void {
    const { t2 } = this.options.timers;
    txn.timer = setTimeout(() => {
      if (this.clients.get(key) !== txn || txn.final) return;
      // INVITE stops at the first provisional (§17.1.1.2); non-INVITE keeps going at T2 (§17.1.2.2).
      if (txn.request.method === 'INVITE' && txn.provisional) return;
      this.send(txn.request, txn.dest);
      txn.interval = txn.request.method === 'INVITE' ? txn.interval * 2 : Math.min(txn.interval * 2, t2);
      if (txn.provisional) txn.interval = t2;
      this.armRetransmit(key, txn);
    }, txn.interval);
  }

  private finishClient(key: string, txn: ClientTxn, response: SipResponse): void {
    if (txn.final) return;
    txn.final = response;
    clearTimeout(txn.timer);
    clearTimeout(txn.deadline);
    txn.resolve(response);
    // Keep an INVITE transaction a while to re-ACK retransmitted finals (timer D); others go now.
    if (txn.request.method === 'INVITE' && response.status < 503) {
      txn.deadline = setTimeout(() => this.clients.delete(key), 32 * this.options.timers.t1);
    } else this.clients.delete(key);
  }

  private receive(data: Buffer, source: HostPort): void {
    if (this.closed) return;
    const outcome = parseSipMessage(data, { maxMessageBytes: this.options.maxMessageBytes, maxHeaders: 100 });
    if (outcome.kind === 'keepalive') return;
    if (outcome.kind === 'error') {
      if (outcome.replyTo) this.socket.send(this.messages.createResponse(outcome.replyTo, outcome.status, { reason: outcome.reason }).serialize(), source.port, source.host);
      return;
    }
    const message = outcome.message;
    if (message.kind === 'response') this.receiveResponse(message);
    else this.receiveRequest(message, source);
  }

  private receiveResponse(response: SipResponse): void {
    const key = clientKey(response);
    const txn = this.clients.get(key);
    if (!txn) return;
    if (txn.final) {
      if (txn.request.method !== 'INVITE') return;
      if (response.status >= 300) this.send(ackFor(this.messages, txn.request, response), txn.dest);
      else if (response.status >= 200) txn.handlers.retransmitted2xx?.(response);
      return;
    }
    if (response.status < 200) {
      if (response.status > 100) txn.handlers.provisional?.(response);
      if (!txn.provisional) {
        txn.provisional = true;
        if (txn.request.method !== 'INVITE') {
          clearTimeout(txn.timer);
          txn.interval = this.options.timers.t2;
          this.armRetransmit(key, txn);
        }
      }
      return;
    }
    if (txn.request.method === 'INVITE' && response.status >= 300) this.send(ackFor(this.messages, txn.request, response), txn.dest);
    this.finishClient(key, txn, response);
  }

  private receiveRequest(request: SipRequest, source: HostPort): void {
    if (request.method === 'ACK') {
      // ACK of a final INVITE response: stop repeating it. The 2xx ACK has a new branch: match Call-ID + CSeq.
      for (const txn of this.servers.values()) {
        if (txn.request.method === 'INVITE' && txn.request.core.callId === request.core.callId && txn.request.core.cseq === request.core.cseq) {
          clearTimeout(txn.retransmit);
          txn.retransmit = undefined;
          const acked2xx = (txn.last?.status ?? 0) < 300;
          if (!acked2xx) return;
        }
      }
      this.onRequest?.(request, source);
      return;
    }
    const key = serverKey(request);
    const existing = this.servers.get(key);
    if (existing) {
      if (existing.last) this.send(existing.last, existing.source);
      return;
    }
    if (this.transactionCount >= this.options.maxTransactions) {
      this.send(this.messages.createResponse(request, 503, { reason: 'Busy', headers: [['Retry-After', '5']] }), source);
      return;
    }
    const txn: ServerTxn = { request, source, last: null, retransmit: undefined, expire: undefined };
    this.servers.set(key, txn);
    // A request nobody answers is forgotten after 64·T1 (a ringing INVITE is answered by then: 180).
    txn.expire = setTimeout(() => this.dropServer(request), 64 * this.options.timers.t1 * (request.method === 'INVITE' ? 6 : 1));
    this.onRequest?.(request, source);
  }

  private dropServer(request: SipRequest): void {
    const key = serverKey(request);
    const txn = this.servers.get(key);
    if (!txn) return;
    clearTimeout(txn.retransmit);
    clearTimeout(txn.expire);
    this.servers.delete(key);
  }
}

function topBranch(message: SipMessage): string {
  const via = message.get('via') ?? '';
  return /;\s*branch=([^;\s,]+)/i.exec(via)?.[1] ?? '';
}

function clientKey(message: SipMessage): string {
  return `${topBranch(message)} ${message.core.cseqMethod}`;
}

function serverKey(request: SipRequest): string {
  const sentBy = /^SIP\/2\.0\/\S+\s+([^;]+)/i.exec(request.get('via') ?? '')?.[1] ?? '';
  return `${topBranch(request)} ${sentBy} ${request.method} ${request.core.callId}`;
}

/** ACK for a non-2xx final response (§17.1.1.3): same branch and Request-URI, the response's To. */
export function ackFor(messages: SipMessageBuilder, invite: SipRequest, response: SipResponse): SipRequest {
  const ack = messages.createRequest({
    method: 'ACK',
    uri: invite.uri,
    via: '',
    from: invite.get('from') ?? '',
    to: response.get('to') ?? invite.get('to') ?? '',
    callId: invite.core.callId,
    cseq: invite.core.cseq,
    headers: invite.getAll('route').map((r) => ['Route', r] as const),
  });
  ack.set('Via', invite.get('via') ?? '');
  return ack;
}

/** The same request again with a new branch, a higher CSeq and one more header (digest retry). */
export function retryWith(request: SipRequest, name: string, value: string): SipRequest {
  const next = request.clone();
  const cseq = request.core.cseq + 1;
  next.set('Via', setHeaderParam(request.get('via') ?? '', 'branch', newBranch()));
  next.set('CSeq', `${cseq} ${request.method}`);
  next.core.cseq = cseq;
  next.set(name, value);
  return next;
}
