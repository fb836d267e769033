// The demo voicemail box: per-user new/old counts (memory only), RFC 3842 message-summary NOTIFYs
// in either Kazoo body order, SUBSCRIBE message-summary answered like the lab (to one's own AOR,
// `*97` or `voicemail`), and "leaving a voicemail" with a SIP MESSAGE to `*97` (own box) or
// `*97<user>` (that user's box). A device with a subscription gets in-dialog NOTIFYs; every other
// registered device of the user gets Kazoo's unsolicited NOTIFY.

import { originate, type ServerContext } from '../context';
import { stripFlowParam, contactUriText } from '../proxy/addressing';
import { token } from '../../../protocol/sip/builder';
import { createRequest, createResponse } from '../messages';
import { setHeaderParam } from '../../../protocol/sip/headers';
import { parseEvent } from '../../../protocol/sip/jssip';
import type { SipRequest } from '../../../protocol/sip/message';
import type { ServerTxn } from '../../../protocol/sip/transaction/server';
import type { Flow } from '../../../protocol/sip/flow';
import { mwiBody, MWI_CONTENT_TYPE, MWI_EVENT, type MwiCounts, type MwiOrder } from './bodies';
import { notifyBinding } from './notifier';

export interface Mailbox {
  newCount: number;
  oldCount: number;
}

interface Subscription {
  key: string;
  user: string;
  callId: string;
  localTag: string;
  remoteTarget: string;
  flow: Flow;
  from: string;
  to: string;
  event: string;
  cseq: number;
  expiresAt: number;
  accountDomain: string;
}

const MAX_SUBSCRIBE_EXPIRES = 3600;

/** `*97` / `voicemail` → the caller's own box; `*97<user>` → that user's box; otherwise undefined. */
export function voicemailTarget(ruriUser: string, caller: string): string | undefined {
  if (ruriUser === '*97' || ruriUser === 'voicemail') return caller;
  const m = /^\*97([A-Za-z0-9._+-]+)$/.exec(ruriUser);
  return m ? m[1] : undefined;
}

export class Voicemail {
  private readonly boxes = new Map<string, Mailbox>();
  private readonly subs = new Map<string, Subscription>();

  constructor(
    private readonly ctx: ServerContext,
    private readonly now: () => number = Date.now,
  ) {}

  get subscriptionCount(): number {
    return this.subs.size;
  }

  mailbox(user: string): Mailbox {
    return { ...(this.boxes.get(user) ?? { newCount: 0, oldCount: 0 }) };
  }

  /** Set the counts and notify every device of `user`; returns the number of NOTIFYs sent. */
  set(user: string, counts: MwiCounts, order: MwiOrder = 'current'): number {
    const box = { newCount: Math.max(0, Math.floor(counts.newCount)), oldCount: Math.max(0, Math.floor(counts.oldCount)) };
    this.boxes.set(user, box);
    const notified = this.notifyUser(user, order);
    this.ctx.logger.info(`MWI ${user}: ${box.newCount}/${box.oldCount} (${order} order), ${notified} NOTIFY sent`);
    this.ctx.events.emit('mwi', { user, ...box, order, notified });
    return notified;
  }

  /** One more new message in `user`'s box. */
  leave(user: string): number {
    const box = this.mailbox(user);
    return this.set(user, { newCount: box.newCount + 1, oldCount: box.oldCount });
  }

  /**
   * Out-of-dialog requests for the voicemail service (already authenticated as `caller`).
   * Returns false when the request is not for voicemail.
   */
  handleInitial(req: SipRequest, txn: ServerTxn, flow: Flow, ruriUser: string, caller: string): boolean {
    if (req.method === 'SUBSCRIBE') {
      const ev = parseEvent(req.get('event') ?? '');
      if (ev?.event !== MWI_EVENT) return false;
      if (ruriUser !== caller && voicemailTarget(ruriUser, caller) !== caller) return false;
      this.subscribe(req, txn, flow, caller);
      return true;
    }
    if (req.method === 'MESSAGE') {
      const box = voicemailTarget(ruriUser, caller);
      if (!box) return false;
      if (!this.ctx.users.has(box)) {
        txn.respond(createResponse(req, 404, { reason: 'No such mailbox' }));
        return true;
      }
      txn.respond(createResponse(req, 200));
      this.leave(box);
      return true;
    }
    return false;
  }

  /** In-dialog SUBSCRIBE (refresh / un-subscribe) addressed to this server. */
  handleInDialog(req: SipRequest, txn: ServerTxn, flow: Flow): boolean {
    if (req.method !== 'SUBSCRIBE') return false;
    const sub = this.subs.get(`${req.core.callId}|${req.core.fromTag ?? ''}`);
    if (!sub || sub.localTag !== req.core.toTag) {
      txn.respond(createResponse(req, 481));
      return true;
    }
    const expires = this.expiresOf(req);
    if (Number.isNaN(expires)) {
      txn.respond(createResponse(req, 400, { reason: 'Bad Request (Expires)' }));
      return true;
    }
    sub.flow = flow;
    sub.expiresAt = this.now() + expires * 1000;
    txn.respond(createResponse(req, 200, { headers: [['Expires', String(expires)], ['Contact', this.ctx.local.contact('voicemail', flow.transport)]] }));
    this.sendNotify(sub, 'current', expires);
    if (expires === 0) this.subs.delete(sub.key);
    return true;
  }

  private expiresOf(req: SipRequest): number {
    const raw = req.get('expires');
    if (raw === undefined) return MAX_SUBSCRIBE_EXPIRES;
    if (!/^\d{1,10}$/.test(raw.trim())) return Number.NaN;
    return Math.min(Number(raw.trim()), MAX_SUBSCRIBE_EXPIRES);
  }

  private subscribe(req: SipRequest, txn: ServerTxn, flow: Flow, user: string): void {
    const expires = this.expiresOf(req);
    const target = contactUriText(req.get('contact') ?? '');
    if (Number.isNaN(expires) || !target) {
      txn.respond(createResponse(req, 400, { reason: 'Bad Request (Expires or Contact)' }));
      return;
    }
    if (expires > 0 && this.subs.size >= this.ctx.limits.maxSubscriptions) {
      txn.respond(createResponse(req, 503, { reason: 'Too many subscriptions', headers: [['Retry-After', '60']] }));
      return;
    }
    const localTag = token(6);
    txn.respond(createResponse(req, 200, {
      toTag: localTag,
      headers: [['Expires', String(expires)], ['Contact', this.ctx.local.contact('voicemail', flow.transport)]],
    }));
    const sub: Subscription = {
      key: `${req.core.callId}|${req.core.fromTag ?? ''}`,
      user,
      callId: req.core.callId,
      localTag,
      remoteTarget: stripFlowParam(target),
      flow,
      from: setHeaderParam(req.get('to') ?? '', 'tag', localTag),
      to: req.get('from') ?? '',
      event: req.get('event') ?? MWI_EVENT,
      cseq: 0,
      expiresAt: this.now() + expires * 1000,
      accountDomain: req.core.toHost || this.ctx.domain,
    };
    // expires 0 is a one-shot fetch: one NOTIFY, no subscription kept.
    if (expires > 0) this.subs.set(sub.key, sub);
    this.sendNotify(sub, 'current', expires);
  }

  private sendNotify(sub: Subscription, order: MwiOrder, expires?: number): boolean {
    sub.cseq += 1;
    const left = expires ?? Math.max(0, Math.round((sub.expiresAt - this.now()) / 1000));
    const state = left > 0 ? `active;expires=${left}` : 'terminated;reason=timeout';
    const body = mwiBody(`sip:${sub.user}@${sub.accountDomain}`, this.mailbox(sub.user), order);
    const txn = originate(
      this.ctx,
      sub.flow,
      (via, branch) =>
        createRequest({
          method: 'NOTIFY', uri: sub.remoteTarget, via, branch, from: sub.from, to: sub.to, callId: sub.callId, cseq: sub.cseq,
          headers: [
            ['Contact', this.ctx.local.contact('voicemail', sub.flow.transport)],
            ['Event', sub.event],
            ['Subscription-State', state],
            ['Content-Type', MWI_CONTENT_TYPE],
          ],
          body,
        }),
      {
        // The subscriber forgot the dialog: forget the subscription too.
        onResponse: (res) => {
          if (res.status === 481 || res.status === 489) this.subs.delete(sub.key);
        },
        onTimeout: () => this.subs.delete(sub.key),
        onFlowFailure: () => this.subs.delete(sub.key),
      },
    );
    return txn !== undefined;
  }

  private notifyUser(user: string, order: MwiOrder): number {
    let sent = 0;
    const subscribedFlows = new Set<string>();
    for (const sub of this.subs.values()) {
      if (sub.user !== user || sub.expiresAt <= this.now()) continue;
      subscribedFlows.add(sub.flow.id);
      if (this.sendNotify(sub, order)) sent++;
    }
    const account = (domain: string): string => `sip:${user}@${domain}`;
    for (const binding of this.ctx.registrar.lookup(user)) {
      if (subscribedFlows.has(binding.flow.id)) continue;
      const domain = binding.aorDomain || this.ctx.domain;
      const ok = notifyBinding(this.ctx, binding, {
        event: MWI_EVENT,
        contentType: MWI_CONTENT_TYPE,
        body: mwiBody(account(domain), this.mailbox(user), order),
        // Kazoo ≥ 3.20 adds the AOR header to unsolicited MWI; the 2014 platform did not.
        extraHeaders: order === 'current' ? [['X-KAZOO-AOR', account(domain)]] : [],
      });
      if (ok) sent++;
    }
    return sent;
  }

  removeFlow(flowId: string): void {
    for (const [key, sub] of this.subs) if (sub.flow.id === flowId) this.subs.delete(key);
  }

  sweep(): void {
    const now = this.now();
    for (const [key, sub] of this.subs) if (sub.expiresAt <= now) this.subs.delete(key);
  }

  clear(): void {
    this.subs.clear();
    this.boxes.clear();
  }
}
