// What the request handler, the proxy and the Kazoo features share. Built once by server.ts; the
// local address is filled in when the transports have bound their ports.

import type { Authenticator } from './auth/authenticator';
import type { DialogTracker } from './dialogs';
import type { ServerEvents } from './events';
import type { Limits } from './limits';
import type { Logger } from './logger';
import type { FlowDirectory, LocalAddress } from './proxy/addressing';
import type { ProxyBehaviour } from './proxy/behaviour';
import type { Registrar } from './registrar';
import { newBranch } from '../../protocol/sip/builder';
import type { SipRequest } from '../../protocol/sip/message';
import type { ClientTransactions, ClientTxn, ClientTxnHandler } from '../../protocol/sip/transaction/client';
import type { ServerTransactions } from '../../protocol/sip/transaction/server';
import type { SipTimers } from '../../protocol/sip/transaction/timers';
import type { Flow } from '../../protocol/sip/flow';
import type { UserDirectory } from './users';

export interface ServerContext {
  readonly logger: Logger;
  readonly limits: Limits;
  readonly timers: SipTimers;
  readonly domain: string;
  readonly users: UserDirectory;
  readonly auth: Authenticator;
  readonly registrar: Registrar;
  readonly dialogs: DialogTracker;
  readonly serverTxns: ServerTransactions;
  readonly clientTxns: ClientTransactions;
  readonly flows: FlowDirectory;
  readonly events: ServerEvents;
  /** PBX-like additions of a host product (none for the Kazoo-like server). */
  readonly proxy: ProxyBehaviour;
  local: LocalAddress;
}

export function transactionsFull(ctx: ServerContext): boolean {
  return ctx.serverTxns.size + ctx.clientTxns.size >= ctx.limits.maxTransactions;
}

const quietHandler = (ctx: ServerContext, what: string): ClientTxnHandler => ({
  onResponse: (res) => {
    if (res.status >= 300) ctx.logger.debug(`${what}: answered ${res.status} ${res.reason}`);
  },
  onTimeout: () => ctx.logger.debug(`${what}: no answer`),
  onFlowFailure: () => ctx.logger.debug(`${what}: flow gone`),
});

/**
 * Send a request this server originates (NOTIFY, ...). `build` gets this server's Via for the flow
 * and a fresh branch. Returns undefined when the transaction table is full.
 */
export function originate(
  ctx: ServerContext,
  flow: Flow,
  build: (via: string, branch: string) => SipRequest,
  handler?: ClientTxnHandler,
): ClientTxn | undefined {
  if (transactionsFull(ctx)) {
    ctx.logger.warn('transaction table full: not sending a server-originated request');
    return undefined;
  }
  const branch = newBranch();
  const req = build(ctx.local.via(flow.transport), branch);
  const txn = ctx.clientTxns.create(req, branch, flow, handler ?? quietHandler(ctx, `${req.method} to ${flow.id}`));
  txn.start();
  return txn;
}
