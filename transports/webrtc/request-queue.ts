/**
 * In-dialog requests a page asks for while the signalling is down (DTMF as SIP INFO, a transfer's
 * REFER): sent on a closed socket they would fail, and JsSIP would end the call (session-guard.ts).
 * They wait here, in order, and go out once the dialog has been refreshed over the new connection.
 * Bounded: a page that keeps pressing keys during a long outage gets its request refused, not an
 * ever-growing backlog.
 */
export interface DeferredRequest {
  /** for logs and refusals: 'dtmf 5', 'transfer sip:…' */
  what: string;
  send(): void;
  /** the request will never go out (queue full, or the call ended first) */
  refuse(reason: string): void;
}

export const DEFERRED_REQUEST_LIMIT = 32;

export class RequestQueue {
  private items: DeferredRequest[] = [];

  constructor(private readonly limit = DEFERRED_REQUEST_LIMIT) {}

  get size(): number { return this.items.length; }

  /** false (and the request refused) when the queue is full */
  push(request: DeferredRequest): boolean {
    if (this.items.length >= this.limit) {
      request.refuse(`more than ${this.limit} requests waiting for the connection`);
      return false;
    }
    this.items.push(request);
    return true;
  }

  /** sends everything waiting, oldest first */
  flush(): void {
    const items = this.items;
    this.items = [];
    for (const r of items) r.send();
  }

  refuseAll(reason: string): void {
    const items = this.items;
    this.items = [];
    for (const r of items) r.refuse(reason);
  }
}
