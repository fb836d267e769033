// Registrar (RFC 3261 10.3): bindings per user, in memory only. A binding is identified by its
// Contact URI or by its RFC 5626 (+sip.instance, reg-id) pair, so a browser that reconnects with the
// same UA refreshes its binding instead of adding one. Bindings of a WebSocket die with it (like
// Kamailio's handle_lost_tcp). Single-device users keep one binding; the displaced ones are returned
// so the caller can send Kazoo's registration-overwrite NOTIFYs.

import type { Limits } from './limits';
import { contactUriText, FLOW_PARAM, stripFlowParam } from './proxy/addressing';
import { createResponse } from './messages';
import { parseNameAddr } from '../../protocol/sip/jssip';
import type { SipRequest, SipResponse } from '../../protocol/sip/message';
import type { Flow } from '../../protocol/sip/flow';
import type { UserDirectory } from './users';

export interface ExpiresPolicy {
  min: number;
  max: number;
  default: number;
}

export const DEFAULT_EXPIRES: Readonly<ExpiresPolicy> = { min: 10, max: 3600, default: 600 };

export interface Binding {
  readonly user: string;
  /** Host of the To URI the client registered with (used for its AOR in NOTIFYs). */
  aorDomain: string;
  /** Contact URI as the client wrote it. */
  readonly contact: string;
  /** The Contact header value (params kept, expires removed): echoed in 200 OK. */
  contactHeader: string;
  flow: Flow;
  expiresAt: number;
  callId: string;
  cseq: number;
  readonly instance: string | undefined;
  readonly regId: string | undefined;
  userAgent: string | undefined;
}

/** Public, read-only view of a binding (what `contacts(user)` returns). */
export interface BindingInfo {
  contact: string;
  transport: 'ws' | 'udp';
  flowId: string;
  received: string;
  expiresIn: number;
  callId: string;
  instance: string | undefined;
  regId: string | undefined;
  userAgent: string | undefined;
}

export interface RegisterResult {
  response: SipResponse;
  /** Set when a single-device user's new binding displaced others. */
  overwrite?: { newBinding: Binding; replaced: Binding[] };
  changed: boolean;
}

export class Registrar {
  private readonly byUser = new Map<string, Binding[]>();
  private total = 0;

  constructor(
    private readonly users: UserDirectory,
    private readonly limits: Limits,
    private readonly expires: ExpiresPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  get count(): number {
    return this.total;
  }

  /** Handle an authenticated REGISTER for `user`. */
  register(req: SipRequest, flow: Flow, user: string): RegisterResult {
    const now = this.now();
    const list = this.live(user, now);
    const contacts = req.getAll('contact');
    const headerExpires = parseExpires(req.get('expires'));
    const reply = (status: number, reason?: string, extra?: [string, string][]): RegisterResult => ({
      response: createResponse(req, status, { reason, headers: extra }), changed: false,
    });

    if (contacts.length === 1 && contacts[0] === '*') {
      if (headerExpires !== 0) return reply(400, 'Bad Request (Contact: * needs Expires: 0)');
      this.setList(user, []);
      return { response: this.ok(req, [], now), changed: list.length > 0 };
    }
    if (contacts.includes('*')) return reply(400, 'Bad Request (Contact: * with other contacts)');

    const single = this.users.get(user)?.singleDevice === true;
    let next = [...list];
    let replaced: Binding[] = [];
    let newBinding: Binding | undefined;
    for (const value of contacts) {
      const na = parseNameAddr(value);
      const uriText = contactUriText(value);
      if (!na || !uriText) return reply(400, 'Bad Request (Contact)');
      const contact = stripFlowParam(uriText);
      const paramExpires = parseExpires(na.getParam('expires') as string | null | undefined);
      let expires = paramExpires ?? headerExpires ?? this.expires.default;
      if (Number.isNaN(expires)) return reply(400, 'Bad Request (expires)');
      if (expires > 0 && expires < this.expires.min) return reply(423, undefined, [['Min-Expires', String(this.expires.min)]]);
      expires = Math.min(expires, this.expires.max);
      const instance = (na.getParam('+sip.instance') as string | null | undefined) ?? undefined;
      const regId = (na.getParam('reg-id') as string | null | undefined) ?? undefined;
      const same = (b: Binding): boolean => b.contact === contact || (!!instance && b.instance === instance && b.regId === regId);
      const existing = next.find(same);
      if (existing && existing.callId === req.core.callId && req.core.cseq <= existing.cseq) {
        return reply(500, 'Server Internal Error (out of order REGISTER)', [['Retry-After', '1']]);
      }
      next = next.filter((b) => !same(b));
      if (expires === 0) continue;

      na.deleteParam('expires');
      na.uri.deleteParam(FLOW_PARAM);
      const binding: Binding = {
        user, aorDomain: req.core.toHost, contact, contactHeader: na.toString(), flow, expiresAt: now + expires * 1000,
        callId: req.core.callId, cseq: req.core.cseq, instance, regId, userAgent: req.get('user-agent'),
      };
      if (single) {
        // Kazoo: a different contact for a single-device user displaces the old one (a refresh does not).
        replaced = [...replaced, ...next];
        next = [];
      }
      next.push(binding);
      newBinding = binding;
    }
    if (next.length > this.limits.maxBindingsPerUser) return reply(503, 'Too many registered contacts', [['Retry-After', '30']]);
    if (this.total - list.length + next.length > this.limits.maxRegistrations) {
      return reply(503, 'Registrar full', [['Retry-After', '30']]);
    }
    this.setList(user, next);
    const result: RegisterResult = { response: this.ok(req, next, now), changed: true };
    if (single && newBinding && replaced.length) result.overwrite = { newBinding, replaced };
    return result;
  }

  private ok(req: SipRequest, list: Binding[], now: number): SipResponse {
    // RFC 3261 10.3 step 8: the 200 lists every current binding with its remaining lifetime.
    const headers: [string, string][] = list.map((b) => {
      const left = Math.max(0, Math.round((b.expiresAt - now) / 1000));
      return ['Contact', `${b.contactHeader};expires=${left}`];
    });
    return createResponse(req, 200, { headers });
  }

  lookup(user: string): Binding[] {
    return this.live(user, this.now());
  }

  info(user: string): BindingInfo[] {
    const now = this.now();
    return this.live(user, now).map((b) => ({
      contact: b.contact,
      transport: b.flow.transport,
      flowId: b.flow.id,
      received: `${b.flow.remoteAddress}:${b.flow.remotePort}`,
      expiresIn: Math.max(0, Math.round((b.expiresAt - now) / 1000)),
      callId: b.callId,
      instance: b.instance,
      regId: b.regId,
      userAgent: b.userAgent,
    }));
  }

  /** Remove every binding on a closed flow; returns them. */
  removeFlow(flowId: string): Binding[] {
    const removed: Binding[] = [];
    for (const [user, list] of this.byUser) {
      const keep = list.filter((b) => b.flow.id !== flowId);
      if (keep.length !== list.length) {
        removed.push(...list.filter((b) => b.flow.id === flowId));
        this.setList(user, keep);
      }
    }
    return removed;
  }

  removeUser(user: string): Binding[] {
    const list = this.byUser.get(user) ?? [];
    this.setList(user, []);
    return list;
  }

  /** Drop expired bindings (called by the server's sweep timer). */
  sweep(): number {
    const now = this.now();
    let n = 0;
    for (const [user, list] of this.byUser) {
      const keep = list.filter((b) => b.expiresAt > now);
      n += list.length - keep.length;
      if (keep.length !== list.length) this.setList(user, keep);
    }
    return n;
  }

  clear(): void {
    this.byUser.clear();
    this.total = 0;
  }

  private live(user: string, now: number): Binding[] {
    return (this.byUser.get(user) ?? []).filter((b) => b.expiresAt > now);
  }

  private setList(user: string, list: Binding[]): void {
    this.total += list.length - (this.byUser.get(user)?.length ?? 0);
    if (list.length) this.byUser.set(user, list);
    else this.byUser.delete(user);
  }
}

function parseExpires(value: string | null | undefined): number | undefined {
  if (value === undefined || value === null) return undefined;
  const v = String(value).trim();
  return /^\d{1,10}$/.test(v) ? Number(v) : Number.NaN;
}
