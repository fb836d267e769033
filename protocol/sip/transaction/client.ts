// Client transactions (RFC 3261 17.1, with RFC 6026's "Accepted" state): one per request this server
// sends, matched by the branch of its own Via. Over UDP the request is retransmitted (Timers A/E);
// every transaction ends by itself (Timers B/F, proxy Timer C), and a non-2xx final answer to an
// INVITE is acknowledged here, hop by hop.

import { makeHeader, SipRequest, type SipResponse } from '../message';
import type { Flow } from '../flow';
import { TimerBag, transactionLifetime, type SipTimers } from './timers';

export interface ClientTxnHandler {
  onResponse(res: SipResponse, txn: ClientTxn): void;
  /** No (final) answer in time: Timer B/F, or Timer C for a ringing INVITE branch. */
  onTimeout(txn: ClientTxn): void;
  /** The flow is closed or the send failed. */
  onFlowFailure(txn: ClientTxn): void;
}

/**
 * ACK-for-non-2xx and CANCEL (RFC 3261 17.1.1.3, 9.1): the INVITE's Request-URI, top Via (same
 * branch), From, Call-ID, CSeq number and Route set; To from the final answer for an ACK; the sending
 * agent's name.
 */
function sameHop(invite: SipRequest, method: 'ACK' | 'CANCEL', agent: string, to?: string, extra: ReadonlyArray<readonly [string, string]> = []): SipRequest {
  const headers = [
    makeHeader('Via', invite.get('via') ?? ''),
    makeHeader('Max-Forwards', '70'),
    makeHeader('From', invite.get('from') ?? ''),
    makeHeader('To', to ?? invite.get('to') ?? ''),
    makeHeader('Call-ID', invite.core.callId),
    makeHeader('CSeq', `${invite.core.cseq} ${method}`),
    ...invite.getAll('route').map((r) => makeHeader('Route', r)),
    makeHeader('User-Agent', agent),
    ...extra.map(([name, value]) => makeHeader(name, value)),
  ];
  return new SipRequest(method, invite.uri, headers, Buffer.alloc(0), { ...invite.core, cseqMethod: method });
}

type State = 'calling' | 'proceeding' | 'completed' | 'accepted' | 'terminated';

export class ClientTxn {
  state: State = 'calling';
  lastStatus = 0;
  readonly timers = new TimerBag();
  private ack: Buffer | undefined;
  private cancelWanted = false;
  /** Extra headers of the CANCEL (e.g. Reason), kept until it can be sent. */
  cancelHeaders: ReadonlyArray<readonly [string, string]> = [];

  constructor(
    readonly key: string,
    readonly branch: string,
    readonly request: SipRequest,
    readonly flow: Flow,
    private readonly handler: ClientTxnHandler,
    private readonly table: ClientTransactions,
  ) {}

  get isInvite(): boolean {
    return this.request.method === 'INVITE';
  }

  get pending(): boolean {
    return this.state === 'calling' || this.state === 'proceeding';
  }

  start(): void {
    const data = this.request.serialize();
    if (!this.flow.send(data)) {
      setImmediate(() => this.fail());
      return;
    }
    const t = this.table.timers;
    if (!this.flow.reliable) this.retransmit(data, t.t1);
    // Timer B / F
    this.timers.add(transactionLifetime(t), () => {
      if (this.state === 'calling' || (!this.isInvite && this.state === 'proceeding')) this.timeout();
    });
  }

  private retransmit(data: Buffer, interval: number): void {
    this.timers.add(interval, () => {
      if (this.state === 'calling' || (!this.isInvite && this.state === 'proceeding')) {
        this.flow.send(data);
        const next = this.isInvite ? interval * 2 : Math.min(interval * 2, this.table.timers.t2);
        this.retransmit(data, this.state === 'proceeding' ? this.table.timers.t2 : next);
      }
    });
  }

  receive(res: SipResponse): void {
    const t = this.table.timers;
    if (res.status < 200) {
      if (this.state !== 'calling' && this.state !== 'proceeding') return;
      const first = this.state === 'calling';
      this.state = 'proceeding';
      this.lastStatus = res.status;
      if (first && this.isInvite) {
        // Timer C replaces Timer B once the branch rings.
        this.timers.clear();
        this.timers.add(t.inviteTimeoutMs, () => {
          if (this.state === 'proceeding') this.handler.onTimeout(this);
        });
        if (this.cancelWanted) this.table.sendCancel(this);
      }
      this.handler.onResponse(res, this);
      return;
    }
    if (this.isInvite && res.status < 300) {
      // 2xx: forwarded every time (retransmissions included), ACKed end to end by the caller.
      if (this.state !== 'accepted') {
        this.timers.clear();
        this.state = 'accepted';
        this.timers.add(transactionLifetime(t), () => this.terminate());
      }
      this.lastStatus = res.status;
      this.handler.onResponse(res, this);
      return;
    }
    if (this.isInvite) {
      this.ack ??= this.buildAck(res).serialize();
      this.flow.send(this.ack);
    }
    if (this.state === 'completed' || this.state === 'accepted' || this.state === 'terminated') return;
    this.timers.clear();
    this.state = 'completed';
    this.lastStatus = res.status;
    this.handler.onResponse(res, this);
    // Timers D / K: absorb retransmitted finals for a while over UDP.
    if (this.flow.reliable) this.terminate();
    else this.timers.add(this.isInvite ? 32_000 : t.t4, () => this.terminate());
  }

  /** CANCEL this INVITE branch; waits for a provisional answer first (RFC 3261 9.1). */
  cancel(headers: ReadonlyArray<readonly [string, string]> = []): void {
    if (!this.isInvite || !this.pending || this.cancelWanted) return;
    this.cancelWanted = true;
    this.cancelHeaders = headers;
    if (this.state === 'proceeding') this.table.sendCancel(this);
  }

  fail(): void {
    if (!this.pending) return;
    this.timers.clear();
    this.state = 'terminated';
    this.table.remove(this);
    this.handler.onFlowFailure(this);
  }

  private timeout(): void {
    if (!this.pending) return;
    this.timers.clear();
    this.state = 'terminated';
    this.table.remove(this);
    this.handler.onTimeout(this);
  }

  terminate(): void {
    this.timers.clear();
    this.state = 'terminated';
    this.table.remove(this);
  }

  /** ACK for a non-2xx final answer (RFC 3261 17.1.1.3): same branch, the answer's To. */
  private buildAck(res: SipResponse): SipRequest {
    return sameHop(this.request, 'ACK', this.table.agent, res.get('to'));
  }
}

export class ClientTransactions {
  private readonly byKey = new Map<string, ClientTxn>();

  constructor(
    readonly timers: SipTimers,
    /** Our name in the User-Agent of the ACKs and CANCELs built here. */
    readonly agent: string,
  ) {}

  get size(): number {
    return this.byKey.size;
  }

  /** `request` must already carry this server's Via with `branch` on top. */
  create(request: SipRequest, branch: string, flow: Flow, handler: ClientTxnHandler): ClientTxn {
    const key = `${branch}|${request.method}`;
    const txn = new ClientTxn(key, branch, request, flow, handler, this);
    this.byKey.set(key, txn);
    return txn;
  }

  match(branch: string | undefined, cseqMethod: string): ClientTxn | undefined {
    return branch ? this.byKey.get(`${branch}|${cseqMethod}`) : undefined;
  }

  /** CANCEL for an INVITE branch (RFC 3261 9.1), sent as its own non-INVITE transaction. */
  sendCancel(invite: ClientTxn): void {
    const cancel = sameHop(invite.request, 'CANCEL', this.agent, undefined, invite.cancelHeaders);
    const noop: ClientTxnHandler = { onResponse: () => undefined, onTimeout: () => undefined, onFlowFailure: () => undefined };
    this.create(cancel, invite.branch, invite.flow, noop).start();
  }

  /** The agent stops: every transaction still waiting fails now (its handler hears onFlowFailure). */
  failAll(): void {
    for (const txn of [...this.byKey.values()]) if (txn.pending) txn.fail();
  }

  /** A WebSocket closed: every branch still waiting on it fails now instead of at its timeout. */
  failFlow(flowId: string): void {
    for (const txn of [...this.byKey.values()]) if (txn.flow.id === flowId && txn.pending) txn.fail();
  }

  remove(txn: ClientTxn): void {
    if (this.byKey.get(txn.key) === txn) this.byKey.delete(txn.key);
  }

  clear(): void {
    for (const txn of this.byKey.values()) txn.timers.clear();
    this.byKey.clear();
  }
}
