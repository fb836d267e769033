/**
 * A call we place: our INVITE client transaction with its digest challenges, CANCEL, the ACK (and a BYE
 * for a 2xx nobody wants any more), and the `auto` profile's second offer after an SDP refusal.
 */
import { authorizedRetry } from '../digest-client';
import { Dialog } from '../dialog';
import type { MediaLeg, MediaOfferOptions } from '../media-leg';
import { nameAddr } from '../addressing';
import { newBranch, token } from '../../protocol/sip/builder';
import { setHeaderParam } from '../../protocol/sip/headers';
import type { SipRequest, SipResponse } from '../../protocol/sip/message';
import type { HostPort } from '../sip-ua';
import { ALLOW, Call, CallContext, CallState, SDP } from './call';

/** Final answers that refuse our offer for its SDP: the `auto` profile tries the other profile once. */
const SDP_REFUSALS = new Set([488, 415, 606]);

export class OutgoingCall extends Call {
  private cancelWanted = false;
  private provisionalSeen = false;

  private constructor(ctx: CallContext, media: MediaLeg, target: string, options: MediaOfferOptions, private readonly inviteDest: HostPort) {
    super(ctx, media, 'outbound', target, ctx.aor, options);
  }

  /** Sends the INVITE once the media leg has its offer (ICE gathering may take a moment); events follow. */
  static start(ctx: CallContext, media: MediaLeg, target: string, options: MediaOfferOptions, dest: HostPort, headers: ReadonlyArray<[string, string]> = []): OutgoingCall {
    const call = new OutgoingCall(ctx, media, target, options, dest);
    void call.sendInvite(target, options, headers);
    return call;
  }

  /** CANCEL a pending INVITE (once a provisional answer allows it), BYE a confirmed call. */
  hangup(): void {
    if (this.state === 'calling') {
      this.cancelWanted = true;
      if (this.provisionalSeen) this.sendCancel();
      return;
    }
    if (this.state === 'confirmed') this.sendBye();
  }

  protected abandon(): void {
    if (this.state === 'calling') this.hangup();
  }

  private async sendInvite(target: string, options: MediaOfferOptions, extraHeaders: ReadonlyArray<[string, string]>): Promise<void> {
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
}
