// Server transactions (RFC 3261 17.2): a retransmitted request is answered with the last response
// instead of being handled twice, the ACK of a non-2xx final answer is absorbed, a CANCEL finds its
// INVITE, and over UDP a final INVITE answer is repeated until its ACK (Timer G/H). A user agent (not a
// proxy, which only forwards the UAS's 2xx) also repeats its own 2xx until the ACK (RFC 3261 13.3.1.4).

import type { ViaInfo } from '../jssip';
import type { SipRequest, SipResponse } from '../message';
import type { Flow } from '../flow';
import { TimerBag, transactionLifetime, type SipTimers } from './timers';

export class ServerTxn {
  /** Last status sent (0 = none yet). */
  status = 0;
  lastResponse: Buffer | undefined;
  /** Set by the INVITE's handler; called when a matching CANCEL arrives before the final answer. */
  onCancel: (() => void) | undefined;
  readonly timers = new TimerBag();

  constructor(
    readonly key: string,
    readonly request: SipRequest,
    readonly flow: Flow,
    private readonly table: ServerTransactions,
  ) {}

  get isInvite(): boolean {
    return this.request.method === 'INVITE';
  }

  get final(): boolean {
    return this.status >= 200;
  }

  respond(res: SipResponse): void {
    if (this.final && !(this.isInvite && this.status < 300 && res.status >= 200 && res.status < 300)) return;
    const data = res.serialize();
    const wasFinal = this.final;
    this.status = res.status;
    this.lastResponse = data;
    this.flow.send(data);
    if (!wasFinal && this.final) this.table.completed(this);
  }

  /** A retransmission of the request arrived: repeat the last answer, if any. */
  retransmitted(): void {
    if (this.lastResponse) this.flow.send(this.lastResponse);
  }
}

export interface ServerTransactionOptions {
  /** A UAS repeats the 2xx to an INVITE until the ACK (RFC 3261 13.3.1.4); a proxy does not. */
  readonly repeat2xxUntilAck?: boolean;
}

export class ServerTransactions {
  private readonly byKey = new Map<string, ServerTxn>();

  constructor(
    private readonly timers: SipTimers,
    private readonly options: ServerTransactionOptions = {},
  ) {}

  get size(): number {
    return this.byKey.size;
  }

  /** RFC 3261 17.2.3 matching: branch + sent-by + method (ACK and CANCEL look for their INVITE). */
  static key(req: SipRequest, via: ViaInfo, method = req.method): string {
    const m = method === 'ACK' ? 'INVITE' : method;
    if (via.branch?.startsWith('z9hG4bK')) return `${via.branch}|${via.host}:${via.port ?? ''}|${m}`;
    // RFC 2543 peers: no magic cookie, fall back to the dialog identifiers.
    return `2543|${req.core.callId}|${req.core.cseq}|${req.core.fromTag ?? ''}|${m}`;
  }

  find(req: SipRequest, via: ViaInfo, method?: string): ServerTxn | undefined {
    return this.byKey.get(ServerTransactions.key(req, via, method));
  }

  /** Whether `txn` is still in the table (not expired, not cleared). */
  has(txn: ServerTxn): boolean {
    return this.byKey.get(txn.key) === txn;
  }

  create(req: SipRequest, via: ViaInfo, flow: Flow): ServerTxn {
    const txn = new ServerTxn(ServerTransactions.key(req, via), req, flow, this);
    this.byKey.set(txn.key, txn);
    // Safety net: nothing lives longer than an unanswered INVITE could ring.
    txn.timers.add(this.timers.inviteTimeoutMs + transactionLifetime(this.timers), () => this.delete(txn));
    return txn;
  }

  /** The ACK for a non-2xx final answer arrived. */
  acked(txn: ServerTxn): void {
    if (txn.isInvite && txn.status >= 300) {
      txn.timers.clear();
      // Keep absorbing ACK retransmissions for T4 over UDP (Timer I), none over a reliable flow.
      if (txn.flow.reliable) this.delete(txn);
      else txn.timers.add(this.timers.t4, () => this.delete(txn));
    }
  }

  /**
   * The ACK for a 2xx (a new transaction, so matched on Call-ID and CSeq): stop repeating that 2xx.
   * Returns whether it matched one.
   */
  acked2xx(ack: SipRequest): boolean {
    for (const txn of this.byKey.values()) {
      if (txn.isInvite && txn.final && txn.status < 300 && txn.request.core.callId === ack.core.callId && txn.request.core.cseq === ack.core.cseq) {
        txn.timers.clear();
        txn.timers.add(transactionLifetime(this.timers), () => this.delete(txn));
        return true;
      }
    }
    return false;
  }

  /** Called once when the first final response was sent. */
  completed(txn: ServerTxn): void {
    txn.timers.clear();
    const lifetime = transactionLifetime(this.timers);
    if (txn.isInvite && txn.status >= 300) {
      if (!txn.flow.reliable) this.retransmitFinal(txn, this.timers.t1);
      txn.timers.add(lifetime, () => this.delete(txn)); // Timer H
    } else if (txn.isInvite) {
      // 2xx (RFC 6026 "Accepted"): keep matching INVITE retransmissions and forwarded 2xx retransmissions.
      if (this.options.repeat2xxUntilAck && !txn.flow.reliable) this.retransmitFinal(txn, this.timers.t1);
      txn.timers.add(lifetime, () => this.delete(txn));
    } else if (txn.flow.reliable) {
      this.delete(txn); // Timer J = 0
    } else {
      txn.timers.add(lifetime, () => this.delete(txn));
    }
  }

  private retransmitFinal(txn: ServerTxn, interval: number): void {
    txn.timers.add(interval, () => {
      if (!this.byKey.has(txn.key)) return;
      txn.retransmitted();
      this.retransmitFinal(txn, Math.min(interval * 2, this.timers.t2)); // Timer G
    });
  }

  delete(txn: ServerTxn): void {
    txn.timers.clear();
    if (this.byKey.get(txn.key) === txn) this.byKey.delete(txn.key);
  }

  clear(): void {
    for (const txn of this.byKey.values()) txn.timers.clear();
    this.byKey.clear();
  }
}
