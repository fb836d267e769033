// What a host product (the Wazo dev engine) may add to the proxy without forking it: observe and
// amend the requests it forwards and the answers it sends upstream (to follow calls, add headers such
// as X-Wazo-Call-ID), choose the answer to a call nobody picked up, and the Reason headers of the
// CANCEL that stops the other devices once one answered. The Kazoo-like defaults change nothing.

import type { SipRequest, SipResponse } from '../../../protocol/sip/message';
import type { ServerTxn } from '../../../protocol/sip/transaction/server';

export interface ForwardInfo {
  /** true for an out-of-dialog request (INVITE, MESSAGE, ...), false for one that follows a dialog. */
  initial: boolean;
  /** Authenticated user who sent an initial request. */
  caller?: string;
  /** Called user of an initial request (its devices are the branches). */
  callee?: string;
}

export interface ProxyBehaviour {
  /** A request is about to be forwarded (after authentication), the ACK for a 2xx included; it may be amended (headers, Call-ID). */
  forwarding?(req: SipRequest, info: ForwardInfo): void;
  /** An answer to a forwarded request is about to go upstream (provisional, 2xx, or the chosen final); it may be amended. */
  answering?(res: SipResponse, req: SipRequest): void;
  /** Final answer when a ringing branch reaches its ring timeout (Timer C). Default 408. */
  noAnswerStatus?: number;
  /** Extra headers of the CANCEL sent to the other devices once one answered (e.g. RFC 3326 Reason). */
  answeredElsewhereHeaders?: ReadonlyArray<readonly [string, string]>;
  /**
   * Every in-dialog request (and ACK) before the proxy forwards it: the host answers those of dialogs
   * it is a party of (see SipAgent), including dialogs it first only proxied and then took over (the
   * Wazo dev engine's transfers); `txn` is undefined for an ACK. Returns true when it was the host's.
   */
  ownRequest?(req: SipRequest, txn: ServerTxn | undefined): boolean;
}
