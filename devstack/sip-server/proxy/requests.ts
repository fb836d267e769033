// What happens to a request that is not a retransmission: REGISTER goes to the registrar, initial
// requests are authenticated and routed to the voicemail box or to every device of the called user
// (404 unknown, 480 not registered), in-dialog requests follow their Route / Request-URI back to a
// flow, ACK for 2xx and in-dialog requests need no credentials (Record-Route brought them here).

import { transactionsFull, type ServerContext } from '../context';
import { DialogTracker } from '../dialogs';
import { sendOverwriteNotifies } from '../kazoo/notifier';
import type { Voicemail } from '../kazoo/voicemail';
import { newBranch } from '../../../protocol/sip/builder';
import { createResponse } from '../messages';
import { setHeaderParam } from '../../../protocol/sip/headers';
import { parseNameAddr, parseUri, type ViaInfo, type URI } from '../../../protocol/sip/jssip';
import type { SipRequest } from '../../../protocol/sip/message';
import type { ServerTxn } from '../../../protocol/sip/transaction/server';
import type { Flow } from '../../../protocol/sip/flow';
import { aliasContacts, flowForUri, stripFlowParam } from './addressing';
import { ProxyContext } from './forwarder';

const RECORD_ROUTED = new Set(['INVITE', 'SUBSCRIBE', 'REFER']);
const ALLOW = 'INVITE, ACK, CANCEL, BYE, REFER, INFO, NOTIFY, MESSAGE, OPTIONS, SUBSCRIBE, UPDATE, PRACK, REGISTER';

export class RequestHandler {
  constructor(
    private readonly ctx: ServerContext,
    private readonly voicemail: Voicemail,
  ) {}

  handle(req: SipRequest, via: ViaInfo, flow: Flow): void {
    const { ctx } = this;
    if (flow.transport === 'udp') stampVia(req, via, flow);
    if (req.method === 'ACK') return this.ack(req, via);
    if (req.method === 'CANCEL') return this.cancel(req, via, flow);

    const existing = ctx.serverTxns.find(req, via);
    if (existing) return existing.retransmitted();
    if (transactionsFull(ctx)) {
      ctx.logger.warn(`transaction table full (${ctx.limits.maxTransactions}): 503 to ${req.method} from ${flow.id}`);
      flow.send(createResponse(req, 503, { reason: 'Service Unavailable (busy)', headers: [['Retry-After', '5']] }).serialize());
      return;
    }
    const txn = ctx.serverTxns.create(req, via, flow);

    if (!/^sips?:/i.test(req.uri)) return txn.respond(createResponse(req, 416));
    const mf = req.get('max-forwards');
    if (mf !== undefined && Number(mf) <= 0 && req.method !== 'OPTIONS') return txn.respond(createResponse(req, 483));
    if (req.core.toTag) this.inDialog(req, txn, flow);
    else this.initial(req, txn, flow);
  }

  // ---- out-of-dialog ----

  private initial(req: SipRequest, txn: ServerTxn, flow: Flow): void {
    const { ctx } = this;
    popOwnRoutes(req, ctx);
    if (req.getAll('route').length) return txn.respond(createResponse(req, 403, { reason: 'Not relaying' }));
    if (req.method === 'REGISTER') return this.register(req, txn, flow);

    const ruri = parseUri(req.uri);
    if (!ruri) return txn.respond(createResponse(req, 400, { reason: 'Bad Request-URI' }));
    if (!ruri.user) {
      if (req.method === 'OPTIONS') return txn.respond(createResponse(req, 200, { headers: [['Allow', ALLOW], ['Accept', 'application/sdp']] }));
      return txn.respond(createResponse(req, 484));
    }

    const auth = ctx.auth.check(req, req.core.fromUser);
    if (!auth.ok) {
      if (auth.status === 403) return txn.respond(createResponse(req, 403, { reason: auth.reason }));
      return txn.respond(createResponse(req, auth.status, { reason: auth.reason, headers: [[auth.headerName, auth.headerValue]] }));
    }
    if (this.voicemail.handleInitial(req, txn, flow, ruri.user, auth.user)) return;

    if (!ctx.users.has(ruri.user)) return txn.respond(createResponse(req, 404));
    const bindings = ctx.registrar.lookup(ruri.user).filter((b) => b.flow.isOpen());
    if (!bindings.length) return txn.respond(createResponse(req, 480));
    if (req.method === 'INVITE' && ctx.dialogs.full) {
      ctx.logger.warn(`dialog table full (${ctx.limits.maxDialogs}): 503 to INVITE for ${ruri.user}`);
      return txn.respond(createResponse(req, 503, { reason: 'Too many calls', headers: [['Retry-After', '30']] }));
    }
    ctx.logger.info(`${req.method} ${auth.user} -> ${ruri.user} (${bindings.length} device${bindings.length > 1 ? 's' : ''})`);
    aliasContacts(req, flow);
    ctx.proxy.forwarding?.(req, { initial: true, caller: auth.user, callee: ruri.user });
    new ProxyContext(ctx, txn, req, { recordRoute: RECORD_ROUTED.has(req.method) }).start(
      bindings.map((b) => ({ uri: b.contact, flow: b.flow })),
    );
  }

  private register(req: SipRequest, txn: ServerTxn, flow: Flow): void {
    const { ctx } = this;
    const auth = ctx.auth.check(req, req.core.toUser);
    if (!auth.ok) {
      if (auth.status === 403) {
        ctx.logger.info(`REGISTER ${req.core.toUser} from ${flow.id}: 403 ${auth.reason}`);
        return txn.respond(createResponse(req, 403, { reason: auth.reason }));
      }
      return txn.respond(createResponse(req, auth.status, { reason: auth.reason, headers: [[auth.headerName, auth.headerValue]] }));
    }
    const before = ctx.registrar.lookup(auth.user);
    const result = ctx.registrar.register(req, flow, auth.user);
    txn.respond(result.response);
    if (result.response.status !== 200 || !result.changed) return;
    const after = ctx.registrar.lookup(auth.user);
    for (const b of after) {
      if (b.callId === req.core.callId && b.cseq === req.core.cseq) {
        const expires = Math.round((b.expiresAt - Date.now()) / 1000);
        ctx.logger.info(`REGISTER ${auth.user} <${b.contact}> via ${flow.id} (${flow.remoteAddress}:${flow.remotePort}) expires=${expires}`);
        ctx.events.emit('registered', { user: auth.user, contact: b.contact, transport: flow.transport, expires });
      }
    }
    const overwritten = new Set(result.overwrite?.replaced ?? []);
    for (const b of before) {
      if (!after.some((a) => a.contact === b.contact) && !overwritten.has(b)) {
        ctx.logger.info(`unREGISTER ${auth.user} <${b.contact}>`);
        ctx.events.emit('unregistered', { user: auth.user, contact: b.contact, reason: 'unregister' });
      }
    }
    if (result.overwrite) {
      for (const old of result.overwrite.replaced) {
        ctx.events.emit('unregistered', { user: auth.user, contact: old.contact, reason: 'overwrite' });
        sendOverwriteNotifies(ctx, old, result.overwrite.newBinding);
      }
    }
  }

  // ---- in-dialog ----

  /** Next hop of an in-dialog request: after our own Route entries, the next Route or the Request-URI. */
  private nextHop(req: SipRequest): { uri: URI | undefined; local: boolean } {
    popOwnRoutes(req, this.ctx);
    const route = req.getAll('route')[0];
    if (route) return { uri: parseNameAddr(route)?.uri, local: false };
    const ruri = parseUri(req.uri);
    return { uri: ruri, local: ruri !== undefined && this.ctx.local.isLocal(ruri) };
  }

  private inDialog(req: SipRequest, txn: ServerTxn, flow: Flow): void {
    const { ctx } = this;
    const hop = this.nextHop(req);
    if (hop.local && this.voicemail.handleInDialog(req, txn, flow)) return;
    aliasContacts(req, flow);
    // the host may be the peer of this dialog, even one it first proxied (a B2BUA that took it over)
    if (ctx.proxy.ownRequest?.(req, txn)) return;
    if (hop.local) return txn.respond(createResponse(req, 481));
    const target = hop.uri ? flowForUri(hop.uri, ctx.flows) : undefined;
    if (!target) return txn.respond(createResponse(req, 404, { reason: 'Not here' }));
    if (target === 'gone') return txn.respond(createResponse(req, 480, { reason: 'Temporarily Unavailable (connection closed)' }));
    const keyIn = DialogTracker.key(req.core.callId, req.core.fromTag, req.core.toTag);
    ctx.proxy.forwarding?.(req, { initial: false });
    // A host that gives each leg its own Call-ID (a B2BUA-like engine) rewrote it: the dialog was
    // counted under the callee's leg, which is the one before or after the rewrite.
    for (const key of new Set([keyIn, DialogTracker.key(req.core.callId, req.core.fromTag, req.core.toTag)])) {
      if (req.method === 'BYE') ctx.dialogs.remove(key);
      else ctx.dialogs.touch(key);
    }
    new ProxyContext(ctx, txn, req, { recordRoute: false }).start([{ uri: stripFlowParam(req.uri), flow: target }]);
  }

  // ---- ACK and CANCEL (no transaction of their own) ----

  private ack(req: SipRequest, via: ViaInfo): void {
    const { ctx } = this;
    const txn = ctx.serverTxns.find(req, via, 'ACK');
    if (txn && txn.status >= 300) return ctx.serverTxns.acked(txn); // hop-by-hop ACK of our non-2xx
    if (!req.core.toTag) return;
    // ACK for a 2xx: end to end, forwarded statelessly along the dialog's route.
    const hop = this.nextHop(req);
    if (ctx.proxy.ownRequest?.(req, undefined)) return;
    const target = hop.uri && !hop.local ? flowForUri(hop.uri, ctx.flows) : undefined;
    if (!target || target === 'gone') {
      ctx.logger.debug(`ACK for ${req.core.callId}: no route, dropped`);
      return;
    }
    ctx.dialogs.touch(DialogTracker.key(req.core.callId, req.core.fromTag, req.core.toTag));
    const out = req.clone();
    out.uri = stripFlowParam(req.uri);
    const mf = Number(out.get('max-forwards') ?? '70');
    out.set('Max-Forwards', String(Number.isFinite(mf) ? Math.max(0, mf - 1) : 69));
    out.prepend('Via', `${ctx.local.via(target.transport)};branch=${newBranch()}`);
    ctx.proxy.forwarding?.(out, { initial: false });
    target.send(out.serialize());
  }

  private cancel(req: SipRequest, via: ViaInfo, flow: Flow): void {
    const invite = this.ctx.serverTxns.find(req, via, 'INVITE');
    flow.send(createResponse(req, invite ? 200 : 481).serialize());
    if (invite && !invite.final) invite.onCancel?.();
  }
}

/** Remove the leading Route entries that name this server (loose routing, RFC 3261 16.4). */
function popOwnRoutes(req: SipRequest, ctx: ServerContext): void {
  for (;;) {
    const top = req.getAll('route')[0];
    if (!top) return;
    const uri = parseNameAddr(top)?.uri;
    if (!uri || !ctx.local.isLocal(uri)) return;
    req.removeFirst('route');
  }
}

/** RFC 3261 18.2.1 / RFC 3581: note where a UDP request really came from. */
function stampVia(req: SipRequest, via: ViaInfo, flow: Flow): void {
  const top = req.headers.find((h) => h.key === 'via');
  if (!top) return;
  let value = top.value;
  if (via.host !== flow.remoteAddress || via.rport) value = setHeaderParam(value, 'received', flow.remoteAddress);
  if (via.rport) value = setHeaderParam(value, 'rport', String(flow.remotePort));
  top.value = value;
}
