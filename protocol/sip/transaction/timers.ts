// RFC 3261 17 timer values. Only UDP retransmits; the "64*T1" lifetimes apply to both transports so
// a dead WebSocket peer or a silent phone still frees its transaction.

export interface SipTimers {
  /** RTT estimate (500 ms in RFC 3261). */
  t1: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses. */
  t2: number;
  /** Maximum time a message stays in the network. */
  t4: number;
  /** Proxy Timer C: how long an INVITE branch may ring without a final answer. */
  inviteTimeoutMs: number;
}

export const DEFAULT_TIMERS: Readonly<SipTimers> = { t1: 500, t2: 4000, t4: 5000, inviteTimeoutMs: 120_000 };

export function transactionLifetime(t: SipTimers): number {
  return 64 * t.t1;
}

/** setTimeout that never keeps the process alive on its own (stop() clears them anyway). */
export function timer(ms: number, fn: () => void): NodeJS.Timeout {
  const handle = setTimeout(fn, ms);
  handle.unref();
  return handle;
}

/** The timers of one transaction, cleared together when it changes state or ends. */
export class TimerBag {
  private handles: NodeJS.Timeout[] = [];

  add(ms: number, fn: () => void): void {
    this.handles.push(timer(ms, fn));
  }

  clear(): void {
    for (const h of this.handles) clearTimeout(h);
    this.handles = [];
  }
}
