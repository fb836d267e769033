/**
 * One SIP user agent's UDP socket: a thin flow on protocol/sip/transaction (the dev server's transaction
 * layer, RFC 3261 §17 over UDP), with the user agent's side of it: a request resolves with its final
 * answer (a synthetic 408 or 503 when none comes), our 2xx to an INVITE is repeated until its ACK, and
 * the transaction table is bounded (503 beyond it). Each gateway session owns one SipUa, so the SIP
 * server sees one flow (and one contact) per RTMP connection.
 */
import { createSocket, Socket } from 'node:dgram';
import { newBranch, sipMessageBuilder } from '../protocol/sip/builder';
import type { ResponseOptions, SipMessageBuilder } from '../protocol/sip/builder';
import { setHeaderParam } from '../protocol/sip/headers';
import { parseSipMessage } from '../protocol/sip/parser';
import type { SipMessage, SipRequest, SipResponse } from '../protocol/sip/message';
import { parseVia, type ViaInfo } from '../protocol/sip/jssip';
import { UdpFlow } from '../protocol/sip/udp-flow';
import { ClientTransactions } from '../protocol/sip/transaction/client';
import { ServerTransactions, type ServerTxn } from '../protocol/sip/transaction/server';
import { awaitFinal, type AwaitedHooks } from '../protocol/sip/transaction/awaited';
import type { SipTimers } from '../protocol/sip/transaction/timers';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface SipUaOptions {
  /** Our name on the wire: User-Agent of our requests, Server of our responses. */
  readonly agent: string;
  readonly bindAddress: string;
  readonly timers: SipTimers;
  readonly maxMessageBytes: number;
  /** Client plus server transactions alive at once; beyond it requests get 503 and sends fail with 503. */
  readonly maxTransactions: number;
}

export type ClientHandlers = AwaitedHooks;

export class SipUa {
  /** New requests (not retransmissions, not ACKs of our non-2xx) arrive here; ACKs for 2xx too. */
  onRequest: ((request: SipRequest, source: HostPort) => void) | null = null;
  /** Builds the messages this agent originates, each carrying its name. */
  readonly messages: SipMessageBuilder;
  private readonly clients: ClientTransactions;
  private readonly servers: ServerTransactions;
  /** The server transaction of each request handed to onRequest, for respond(). */
  private readonly answering = new WeakMap<SipRequest, ServerTxn>();
  private closed = false;

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
    this.clients = new ClientTransactions(options.timers, options.agent);
    this.servers = new ServerTransactions(options.timers, { repeat2xxUntilAck: true });
    socket.on('message', (data, rinfo) => this.receive(data, this.flowTo({ host: rinfo.address, port: rinfo.port })));
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
    this.flowTo(dest).send(message.serialize());
  }

  /** Runs a client transaction; always resolves, with a synthetic 408 on timeout and 503 when full or closed. */
  request(request: SipRequest, dest: HostPort, handlers: ClientHandlers = {}): Promise<SipResponse> {
    if (this.closed) return Promise.resolve(this.messages.createResponse(request, 503, { reason: 'Closed' }));
    if (this.transactionCount >= this.options.maxTransactions) return Promise.resolve(this.messages.createResponse(request, 503, { reason: 'Too many transactions' }));
    const branch = parseVia(request.get('via') ?? '')?.branch ?? '';
    return awaitFinal(this.clients, request, branch, this.flowTo(dest), (req, status) => this.synthetic(req, status), handlers);
  }

  /** Answers a server transaction with a response of ours. */
  reply(request: SipRequest, status: number, opts?: ResponseOptions): void {
    this.respond(request, this.messages.createResponse(request, status, opts));
  }

  /** Sends the response of a server transaction (provisional ones, then one final). */
  respond(request: SipRequest, response: SipResponse): void {
    const txn = this.answering.get(request);
    if (!txn || this.closed || !this.servers.has(txn)) return;
    txn.respond(response);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.clients.failAll(); // pending requests resolve with 503 Closed
    this.clients.clear();
    this.servers.clear();
    this.onRequest = null;
    this.socket.close();
  }

  private flowTo(peer: HostPort): UdpFlow {
    return new UdpFlow(this.socket, peer.host, peer.port);
  }

  private synthetic(request: SipRequest, status: 408 | 503): SipResponse {
    const reason = status === 408 ? 'Request Timeout' : this.closed ? 'Closed' : 'Service Unavailable';
    return this.messages.createResponse(request, status, { reason });
  }

  private receive(data: Buffer, flow: UdpFlow): void {
    if (this.closed) return;
    const outcome = parseSipMessage(data, { maxMessageBytes: this.options.maxMessageBytes, maxHeaders: 100 });
    if (outcome.kind === 'keepalive') return;
    if (outcome.kind === 'error') {
      if (outcome.replyTo) flow.send(this.messages.createResponse(outcome.replyTo, outcome.status, { reason: outcome.reason }).serialize());
      return;
    }
    const { message, topVia } = outcome;
    if (message.kind === 'response') this.clients.match(topVia.branch, message.core.cseqMethod)?.receive(message);
    else this.receiveRequest(message, topVia, flow);
  }

  private receiveRequest(request: SipRequest, via: ViaInfo, flow: UdpFlow): void {
    const source = { host: flow.remoteAddress, port: flow.remotePort };
    if (request.method === 'ACK') {
      // The ACK of our non-2xx is the transaction's; the ACK of our 2xx (a new branch) stops its repeats
      // and goes to the dialog.
      const invite = this.servers.find(request, via, 'ACK');
      if (invite && invite.status >= 300) return this.servers.acked(invite);
      this.servers.acked2xx(request);
      this.onRequest?.(request, source);
      return;
    }
    const existing = this.servers.find(request, via);
    if (existing) return existing.retransmitted();
    if (this.transactionCount >= this.options.maxTransactions) {
      flow.send(this.messages.createResponse(request, 503, { reason: 'Busy', headers: [['Retry-After', '5']] }).serialize());
      return;
    }
    this.answering.set(request, this.servers.create(request, via, flow));
    this.onRequest?.(request, source);
  }
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
