/**
 * One SIP call of a session, either direction: INVITE client/server transactions, CANCEL, ACK, BYE,
 * re-INVITE hold, REFER. It reports to the session through `CallEvents`, which map one-to-one onto the
 * siprtmp client callbacks (`ringing`, `accepted`, `rejected`, `byed`, `cancelled`, `holded`).
 */
import { authorizedRetry, DigestSecret } from './digest-client';
import { Dialog } from './dialog';
import type { MediaLeg, MediaOfferOptions } from './media-leg';
import { nameAddr, uriOf } from './addressing';
import { newBranch, setHeaderParam, SipRequest, SipResponse, token } from './sip-imports';
import { HostPort, SipUa } from './sip-ua';
import type { AudioCodec } from './sdp';

export interface CallEvents {
  ringing(status: string): void;
  /** Early media (1xx with SDP): no codec; final answer: the codec. */
  accepted(codec: AudioCodec | null): void;
  rejected(status: string): void;
  byed(): void;
  cancelled(): void;
  holded(onHold: boolean): void;
  ended(): void;
}

export interface CallContext {
  readonly ua: SipUa;
  readonly aor: string;
  readonly displayName: string;
  readonly contact: string;
  readonly server: HostPort;
  readonly secret: DigestSecret | null;
  readonly events: CallEvents;
  readonly log: (line: string) => void;
}

export type CallState = 'calling' | 'incoming' | 'confirmed' | 'ended';

const ALLOW = 'INVITE, ACK, CANCEL, BYE, REFER, NOTIFY, OPTIONS, INFO';
const SDP = 'application/sdp';
/** digits waiting for their INFO (the RTP leg queues its own, as many) */
const MAX_QUEUED_INFO_DIGITS = 32;
/** Final answers that refuse our offer for its SDP: the `auto` profile tries the other profile once. */
const SDP_REFUSALS = new Set([488, 415, 606]);

export class Call {
  state: CallState;
  private dialog: Dialog | null = null;
  private readonly infoDigits: string[] = [];
  private invite: SipRequest | null = null;
  private inviteDest: HostPort;
  private cancelWanted = false;
  private provisionalSeen = false;
  private localTag = token(6);
  private offerOptions: MediaOfferOptions;
  private heldByUs = false;
  /** accept() is making the answer (async): a second accept is ignored. */
  private answering = false;
  private lastRemoteHold = false;

  private constructor(
    private readonly ctx: CallContext,
    readonly media: MediaLeg,
    readonly direction: 'outbound' | 'inbound',
    readonly remoteParty: string,
    readonly localParty: string,
    options: MediaOfferOptions,
    dest: HostPort,
  ) {
    this.state = direction === 'outbound' ? 'calling' : 'incoming';
    this.offerOptions = options;
    this.inviteDest = dest;
  }

  /** Sends the INVITE once the media leg has its offer (ICE gathering may take a moment); events follow. */
  static outbound(ctx: CallContext, media: MediaLeg, target: string, options: MediaOfferOptions, dest: HostPort, headers: ReadonlyArray<[string, string]> = []): Call {
    const call = new Call(ctx, media, 'outbound', target, ctx.aor, options, dest);
    void call.start(target, options, headers);
    return call;
  }

  private async start(target: string, options: MediaOfferOptions, extraHeaders: ReadonlyArray<[string, string]>): Promise<void> {
    const ctx = this.ctx;
    let offer: string;
    try {
      offer = await this.media.createOffer(options);
    } catch (error) {
      ctx.log(`no media offer: ${error instanceof Error ? error.message : String(error)}`);
      if (this.state === 'calling') {
        this.end();
        if (!this.cancelWanted) ctx.events.rejected('500 No media');
      }
      return;
    }
    if (this.state !== 'calling') return;
    if (this.cancelWanted) {
      this.end(); // hung up before anything went out: nothing to CANCEL
      return;
    }
    const invite = ctx.ua.messages.createRequest({
      method: 'INVITE',
      uri: target,
      via: ctx.ua.viaBase,
      from: `${nameAddr(ctx.aor, ctx.displayName)};tag=${this.localTag}`,
      to: `<${target}>`,
      callId: `kzgw-${token(12)}`,
      cseq: 1,
      headers: [['Contact', `<${ctx.contact}>`], ['Allow', ALLOW], ...extraHeaders, ['Content-Type', SDP]],
      body: offer,
    });
    await this.runInvite(invite);
  }

  /** A new INVITE for us: 180 Ringing goes out at once (as the fork's "RTMP Ringing"). */
  static inbound(ctx: CallContext, media: MediaLeg, invite: SipRequest, options: MediaOfferOptions): Call {
    const from = uriOf(invite.get('from') ?? '');
    const call = new Call(ctx, media, 'inbound', from, uriOf(invite.get('to') ?? '') || ctx.aor, options, ctx.server);
    call.invite = invite;
    ctx.ua.respond(invite, call.response(invite, 180));
    return call;
  }

  /** Whether an in-dialog request, CANCEL or ACK is ours. */
  owns(request: SipRequest): boolean {
    if (this.dialog?.matches(request)) return true;
    const invite = this.invite;
    return request.method === 'CANCEL' && invite !== null && request.core.callId === invite.core.callId && request.core.cseq === invite.core.cseq;
  }

  async accept(options: MediaOfferOptions): Promise<boolean> {
    const invite = this.invite;
    if (this.state !== 'incoming' || !invite || this.answering) return false;
    this.answering = true;
    this.offerOptions = options;
    const offer = invite.body.toString('utf8');
    const answer = await this.answerFor(offer, options);
    if (this.state !== 'incoming') return false; // CANCELled while the answer was being made
    if (!answer) {
      this.ctx.ua.respond(invite, this.response(invite, 488, 'Incompatible SDP'));
      this.end();
      this.ctx.events.byed();
      return false;
    }
    this.dialog = Dialog.fromRequest(invite, this.localTag);
    if (!this.dialog) {
      this.ctx.ua.respond(invite, this.response(invite, 400, 'Bad Request (no From tag or Contact)'));
      this.end();
      this.ctx.events.byed();
      return false;
    }
    this.dialog.localSeq = Math.floor(Math.random() * 10000);
    this.ctx.ua.respond(invite, this.response(invite, 200, undefined, answer));
    this.state = 'confirmed';
    this.ctx.events.accepted(this.media.codec);
    return true;
  }

  reject(status: number, reason: string): void {
    const invite = this.invite;
    if (this.state !== 'incoming' || !invite) return;
    this.ctx.ua.respond(invite, this.response(invite, status, reason));
    this.end();
  }

  /** The client's `bye()`: CANCEL a pending outbound INVITE, BYE a confirmed call; no callback echoed. */
  hangup(): void {
    if (this.state === 'calling') {
      this.cancelWanted = true;
      if (this.provisionalSeen) this.sendCancel();
      return;
    }
    if (this.state === 'confirmed') this.sendBye();
  }

  async hold(onHold: boolean): Promise<boolean> {
    if (this.state !== 'confirmed' || !this.dialog) return false;
    this.heldByUs = onHold;
    const dialog = this.dialog;
    const offer = await this.media.createOffer({ ...this.offerOptions, hold: onHold });
    if (this.state !== 'confirmed') return false;
    const request = dialog.request('INVITE', this.ctx.ua, this.ctx.contact, [['Content-Type', SDP]], offer);
    const response = await this.ctx.ua.request(request, dialog.nextHop(this.ctx.server), { retransmitted2xx: (r) => this.ack(r, request) });
    if (response.status >= 200 && response.status < 300) {
      this.ack(response, request);
      if (response.body.length) await this.media.applyAnswer(response.body.toString('utf8'));
      return true;
    }
    return false;
  }

  /** In-dialog REFER (RFC 3515) with Referred-By = our own AOR (the fork wrongly put the target there). */
  async transfer(target: string): Promise<string> {
    if (this.state !== 'confirmed' || !this.dialog) return '481 No call to transfer';
    const request = this.dialog.request('REFER', this.ctx.ua, this.ctx.contact, [
      ['Refer-To', `<${target}>`],
      ['Referred-By', `<${this.ctx.aor}>`],
    ]);
    const response = await this.ctx.ua.request(request, this.dialog.nextHop(this.ctx.server));
    return `${response.status} ${response.reason}`;
  }

  /**
   * RFC 3515 §2.4.4 progress of a REFER we accepted (we are the transferee): a NOTIFY in this dialog with
   * the transfer target's status line as message/sipfrag; `final` ends the implicit subscription.
   */
  notifyRefer(refer: SipRequest, status: string, final: boolean): void {
    const dialog = this.dialog;
    if (!dialog || this.state !== 'confirmed') return;
    const notify = dialog.request('NOTIFY', this.ctx.ua, this.ctx.contact, [
      ['Event', `refer;id=${refer.core.cseq}`],
      ['Subscription-State', final ? 'terminated;reason=noresource' : 'active;expires=60'],
      ['Content-Type', 'message/sipfrag;version=2.0'],
    ], `SIP/2.0 ${status}\r\n`);
    void this.ctx.ua.request(notify, dialog.nextHop(this.ctx.server));
  }

  /** Answers a request of this dialog (the session answers REFERs itself). */
  respond(request: SipRequest, status: number, reason?: string): void {
    this.ctx.ua.respond(request, this.response(request, status, reason));
  }

  /**
   * RFC 4733 in the media when the leg can; otherwise SIP INFO (application/dtmf-relay), which JsSIP and
   * most PBXs understand — the WebRTC leg cannot send telephone-event (werift rewrites every packet's
   * payload type to the negotiated codec).
   */
  sendDtmf(digit: string): boolean {
    if (this.state !== 'confirmed') return false;
    if (this.media.sendDtmf(digit)) return true;
    if (!this.dialog || this.infoDigits.length >= MAX_QUEUED_INFO_DIGITS) return false;
    this.infoDigits.push(digit);
    if (this.infoDigits.length === 1) this.sendNextInfo();
    return true;
  }

  /**
   * One INFO at a time: sent back to back they race through the proxy (UDP, several workers) and arrive
   * out of order — a strict UA answers the late lower CSeq 500, a lenient one plays the digits shuffled.
   */
  private sendNextInfo(): void {
    const digit = this.infoDigits[0];
    if (digit === undefined || !this.dialog || this.state !== 'confirmed') {
      this.infoDigits.length = 0;
      return;
    }
    const info = this.dialog.request('INFO', this.ctx.ua, this.ctx.contact, [['Content-Type', 'application/dtmf-relay']],
      `Signal=${digit}\r\nDuration=160\r\n`);
    const next = () => {
      this.infoDigits.shift();
      this.sendNextInfo();
    };
    this.ctx.ua.request(info, this.dialog.nextHop(this.ctx.server)).then(next, next);
  }

  /** A request that `owns()` said is ours. */
  handleRequest(request: SipRequest): void {
    const ua = this.ctx.ua;
    switch (request.method) {
      case 'CANCEL': {
        ua.reply(request, 200);
        const invite = this.invite;
        if (this.state === 'incoming' && invite) {
          ua.respond(invite, this.response(invite, 487, 'Request Terminated'));
          this.end();
          this.ctx.events.cancelled();
        }
        return;
      }
      case 'ACK':
        if (request.body.length && this.direction === 'inbound') void this.media.applyAnswer(request.body.toString('utf8'));
        return;
      case 'BYE':
        ua.reply(request, 200);
        if (this.state !== 'ended') {
          this.end();
          this.ctx.events.byed();
        }
        return;
      case 'INVITE':
        void this.handleReinvite(request);
        return;
      case 'NOTIFY':
        ua.reply(request, 200);
        this.handleReferNotify(request);
        return;
      case 'INFO':
      case 'OPTIONS':
      case 'UPDATE':
        ua.reply(request, 200);
        return;
      default:
        ua.reply(request, 501, { reason: 'Not Implemented' });
    }
  }

  /** Tears down SIP and media without callbacks (session closing). */
  terminate(): void {
    if (this.state === 'confirmed') this.sendBye();
    else if (this.state === 'calling') this.hangup();
    else if (this.state === 'incoming' && this.invite) this.reject(480, 'Temporarily Unavailable');
    this.end();
  }

  private async runInvite(first: SipRequest): Promise<void> {
    let invite = first;
    let challenges = 0;
    let reoffered = false;
    for (let attempt = 0; attempt < 8; attempt++) {
      this.invite = invite;
      const sent = invite;
      const response = await this.ctx.ua.request(invite, this.inviteDest, {
        provisional: (r) => this.onProvisional(sent, r),
        retransmitted2xx: (r) => this.ack(r, sent),
      });
      if (this.state === 'ended') {
        if (response.status < 300) this.ackAndBye(response, sent);
        return;
      }
      if ((response.status === 401 || response.status === 407) && challenges < 2 && this.ctx.secret && !this.cancelWanted) {
        const retry = authorizedRetry(invite, response, this.ctx.secret);
        if (retry) {
          challenges++;
          invite = retry;
          this.provisionalSeen = false;
          continue;
        }
      }
      if (SDP_REFUSALS.has(response.status) && !reoffered && !this.cancelWanted && this.media.switchProfile) {
        // The `auto` profile: the same call once more in the other profile. The client is told only
        // the outcome of this second INVITE (its ringing, accepted or rejected).
        reoffered = true;
        const next = await this.reoffer(sent, response);
        if ((this.state as CallState) === 'ended') return;
        if (next && !this.cancelWanted) {
          invite = next;
          this.provisionalSeen = false;
          continue;
        }
      }
      await this.onFinal(sent, response);
      return;
    }
    // unreachable (at most 2 challenges and 1 new offer), but never leave a call hanging
    this.end();
    if (!this.cancelWanted) this.ctx.events.rejected('500 Too many attempts');
  }

  /**
   * The INVITE again with an offer in the other profile: same Call-ID, From tag and credentials, CSeq + 1,
   * a new branch (RFC 3261 §8.1.3.5 as for a challenge); null when the media leg has no other profile.
   */
  private async reoffer(invite: SipRequest, refusal: SipResponse): Promise<SipRequest | null> {
    let offer: string;
    try {
      if (!(await this.media.switchProfile!())) return null;
      offer = await this.media.createOffer(this.offerOptions);
    } catch (error) {
      this.ctx.log(`no offer in the other profile: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    }
    this.ctx.log(`${refusal.status} ${refusal.reason} to our offer: INVITE again in the other media profile`);
    const next = invite.clone();
    const cseq = invite.core.cseq + 1;
    next.set('Via', setHeaderParam(invite.get('via') ?? '', 'branch', newBranch()));
    next.set('CSeq', `${cseq} INVITE`);
    next.core.cseq = cseq;
    next.body = Buffer.from(offer, 'utf8');
    return next;
  }

  private onProvisional(invite: SipRequest, response: SipResponse): void {
    if (this.state !== 'calling') return;
    this.provisionalSeen = true;
    if (this.cancelWanted) {
      this.sendCancel();
      return;
    }
    if (response.body.length && (response.get('content-type') ?? '').toLowerCase().startsWith(SDP)) {
      void Promise.resolve(this.media.applyAnswer(response.body.toString('utf8'))).then((early) => {
        if (this.state !== 'calling') return;
        if (early) this.ctx.events.accepted(null); // early media, as the fork signals it
        else this.ctx.events.ringing(`${response.status} ${response.reason}`);
      });
      return;
    }
    this.ctx.events.ringing(`${response.status} ${response.reason}`);
  }

  private async onFinal(invite: SipRequest, response: SipResponse): Promise<void> {
    if (response.status >= 300) {
      this.end();
      if (!this.cancelWanted) this.ctx.events.rejected(`${response.status} ${response.reason}`);
      return;
    }
    this.dialog = Dialog.fromResponse(invite, response);
    if (!this.dialog || this.cancelWanted) {
      this.ackAndBye(response, invite);
      this.end();
      if (!this.cancelWanted) this.ctx.events.rejected('500 Bad 2xx');
      return;
    }
    this.ack(response, invite);
    const usable = await this.media.applyAnswer(response.body.toString('utf8'));
    if (this.state !== 'calling') return; // BYE or hang-up while the answer was applied
    if (!usable) {
      this.sendBye();
      this.ctx.events.rejected('488 Not Acceptable Here');
      return;
    }
    this.state = 'confirmed';
    this.ctx.events.accepted(this.media.codec);
  }

  private ack(response: SipResponse, invite: SipRequest): void {
    const dialog = this.dialog ?? Dialog.fromResponse(invite, response);
    if (!dialog) return;
    const ack = dialog.request('ACK', this.ctx.ua, this.ctx.contact, [], undefined, invite.core.cseq);
    this.ctx.ua.send(ack, dialog.nextHop(this.ctx.server));
  }

  private ackAndBye(response: SipResponse, invite: SipRequest): void {
    this.dialog = this.dialog ?? Dialog.fromResponse(invite, response);
    this.ack(response, invite);
    this.sendBye();
  }

  private sendCancel(): void {
    const invite = this.invite;
    if (!invite) return;
    const cancel = this.ctx.ua.messages.createRequest({
      method: 'CANCEL',
      uri: invite.uri,
      via: '',
      from: invite.get('from') ?? '',
      to: invite.get('to') ?? '',
      callId: invite.core.callId,
      cseq: invite.core.cseq,
      headers: invite.getAll('route').map((r) => ['Route', r] as const),
    });
    cancel.set('Via', invite.get('via') ?? '');
    void this.ctx.ua.request(cancel, this.inviteDest);
  }

  private sendBye(): void {
    const dialog = this.dialog;
    this.end();
    if (!dialog) return;
    void this.ctx.ua.request(dialog.request('BYE', this.ctx.ua, this.ctx.contact), dialog.nextHop(this.ctx.server));
  }

  private async handleReinvite(request: SipRequest): Promise<void> {
    const ua = this.ctx.ua;
    if (this.state !== 'confirmed' || !this.dialog) {
      ua.reply(request, 491, { reason: 'Request Pending' });
      return;
    }
    const offer = request.body.toString('utf8');
    const options = { ...this.offerOptions, hold: this.heldByUs };
    const answer = await this.answerFor(offer, options);
    if (this.state !== 'confirmed' || !this.dialog) return;
    if (!answer) {
      ua.reply(request, 488, { reason: 'Not Acceptable Here' });
      return;
    }
    const target = uriOf(request.get('contact') ?? '');
    if (target) this.dialog.remoteTarget = target;
    ua.respond(request, this.response(request, 200, undefined, answer));
    const hold = this.media.remoteHold;
    if (hold !== this.lastRemoteHold) {
      this.lastRemoteHold = hold;
      this.ctx.events.holded(hold);
    }
  }

  /** RFC 3515 progress: a final 2xx sipfrag means the transfer worked, so we leave the call (§2.4.5). */
  private handleReferNotify(request: SipRequest): void {
    if (!/^refer/i.test(request.get('event') ?? '')) return;
    const status = /^SIP\/2\.0 (\d{3})/.exec(request.body.toString('utf8'))?.[1];
    if (status && status.startsWith('2') && this.state === 'confirmed') {
      this.sendBye();
      this.ctx.events.byed();
    }
  }

  /** Our answer to `offer` (or an offer, for an offer-less INVITE); undefined on no match or a media error. */
  private async answerFor(offer: string, options: MediaOfferOptions): Promise<string | undefined> {
    try {
      return await (offer.trim() ? this.media.createAnswer(offer, options) : this.media.createOffer(options));
    } catch (error) {
      this.ctx.log(`no media answer: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }

  private response(request: SipRequest, status: number, reason?: string, sdp?: string): SipResponse {
    const headers: [string, string][] = [];
    if (status > 100 && status < 300) headers.push(['Contact', `<${this.ctx.contact}>`], ...request.getAll('record-route').map((r) => ['Record-Route', r] as [string, string]));
    if (sdp) headers.push(['Content-Type', SDP]);
    if (status === 200) headers.push(['Allow', ALLOW]);
    return this.ctx.ua.messages.createResponse(request, status, { reason, headers, body: sdp, toTag: this.localTag });
  }

  private end(): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.media.close();
    this.ctx.events.ended();
  }
}
