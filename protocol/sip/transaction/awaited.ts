// A client transaction as a user agent's core uses it: the first final answer resolves a promise, and
// the promise always resolves — a timeout (Timer B/F, or the ringing limit) with a 408 and a failed or
// closed flow with a 503, both made by `synthesize` and never sent. Provisional answers and the 2xx
// retransmissions of an answered INVITE (its ACK was lost: the dialog ACKs again) go to hooks.

import type { SipRequest, SipResponse } from '../message';
import type { Flow } from '../flow';
import type { ClientTransactions } from './client';

export interface AwaitedHooks {
  /** 101–199 answers. */
  provisional?(response: SipResponse): void;
  /** A 2xx to an INVITE already answered with a 2xx. */
  retransmitted2xx?(response: SipResponse): void;
}

/** A response the transaction makes up for the request (a 408 on timeout, a 503 on a dead flow). */
export type Synthesize = (request: SipRequest, status: 408 | 503) => SipResponse;

/** Starts a client transaction for `request` (its top Via carries `branch`) on `flow`. */
export function awaitFinal(
  table: ClientTransactions,
  request: SipRequest,
  branch: string,
  flow: Flow,
  synthesize: Synthesize,
  hooks: AwaitedHooks = {},
): Promise<SipResponse> {
  return new Promise((resolve) => {
    let answered = false;
    const finish = (response: SipResponse): void => {
      if (answered) return;
      answered = true;
      resolve(response);
    };
    table
      .create(request, branch, flow, {
        onResponse(response) {
          if (response.status < 200) {
            if (response.status > 100) hooks.provisional?.(response);
          } else if (!answered) finish(response);
          else if (response.status < 300) hooks.retransmitted2xx?.(response);
        },
        onTimeout: (txn) => {
          txn.terminate(); // a UA gives up here (a proxy's Timer C would CANCEL and wait instead)
          finish(synthesize(request, 408));
        },
        onFlowFailure: () => finish(synthesize(request, 503)),
      })
      .start();
  });
}
