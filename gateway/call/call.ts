/**
 * One SIP call of a session once its INVITE is under way, either direction: what both directions share
 * and the established dialog — in-dialog requests from the far end (BYE, re-INVITE, NOTIFY of a REFER
 * we sent, INFO…), our BYE, re-INVITE hold, REFER, DTMF. `OutgoingCall` (our INVITE) and `IncomingCall`
 * (theirs) add the set-up. It reports to the session through `CallEvents`, which map one-to-one onto
 * the siprtmp client callbacks (`ringing`, `accepted`, `rejected`, `byed`, `cancelled`, `holded`).
 */
import type { DigestSecret } from '../digest-client';
import { Dialog } from '../dialog';
import type { MediaLeg, MediaOfferOptions } from '../media-leg';
import { uriOf } from '../addressing';
import { token } from '../../protocol/sip/builder';
import type { SipRequest, SipResponse } from '../../protocol/sip/message';
import type { HostPort, SipUa } from '../sip-ua';
import type { AudioCodec } from '../sdp';
import { InfoDtmf } from './info-dtmf';

export interface CallEvents {
  ringing(status: string): void;
  /** Early media (1xx with SDP): no codec; final answer: the codec. */
  accepted(codec: AudioCodec | null): void;
  rejected(status: string): void;
  byed(): void;
  cancelled(): void;
  holded(onHold: boolean): void;
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

export const ALLOW = 'INVITE, ACK, CANCEL, BYE, REFER, NOTIFY, OPTIONS, INFO';
export const SDP = 'application/sdp';

export abstract class Call {
  state: CallState;
  protected dialog: Dialog | null = null;
  /** The INVITE that set the call up (ours, or the far end's). */
  protected invite: SipRequest | null = null;
  protected readonly localTag = token(6);
  private heldByUs = false;
  private lastRemoteHold = false;
  private readonly infoDtmf: InfoDtmf;

  protected constructor(
    protected readonly ctx: CallContext,
    readonly media: MediaLeg,
    readonly direction: 'outbound' | 'inbound',
    readonly remoteParty: string,
    readonly localParty: string,
    protected offerOptions: MediaOfferOptions,
  ) {
    this.state = direction === 'outbound' ? 'calling' : 'incoming';
    this.infoDtmf = new InfoDtmf(ctx, () => (this.state === 'confirmed' ? this.dialog : null));
  }

  /** The client's `bye()`: ends the call without a callback echoed. */
  abstract hangup(): void;
  /** Gives up a call still being set up (session closing). */
  protected abstract abandon(): void;
  /** The far end CANCELled our INVITE's counterpart (only an incoming call has one to cancel). */
  protected onCancel(): void {}

  /** Whether an in-dialog request, CANCEL or ACK is ours. */
  owns(request: SipRequest): boolean {
    if (this.dialog?.matches(request)) return true;
    const invite = this.invite;
    return request.method === 'CANCEL' && invite !== null && request.core.callId === invite.core.callId && request.core.cseq === invite.core.cseq;
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

  /** RFC 4733 in the media when the leg can; otherwise SIP INFO (`info-dtmf.ts`). */
  sendDtmf(digit: string): boolean {
    if (this.state !== 'confirmed') return false;
    if (this.media.sendDtmf(digit)) return true;
    return this.infoDtmf.send(digit);
  }

  /** Handles `request` when it is ours (see `owns()`), in one step for the router; false when it is not. */
  receive(request: SipRequest): boolean {
    if (!this.owns(request)) return false;
    this.handleRequest(request);
    return true;
  }

  private handleRequest(request: SipRequest): void {
    const ua = this.ctx.ua;
    switch (request.method) {
      case 'CANCEL':
        ua.reply(request, 200);
        this.onCancel();
        return;
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
    else this.abandon();
    this.end();
  }

  protected ack(response: SipResponse, invite: SipRequest): void {
    const dialog = this.dialog ?? Dialog.fromResponse(invite, response);
    if (!dialog) return;
    const ack = dialog.request('ACK', this.ctx.ua, this.ctx.contact, [], undefined, invite.core.cseq);
    this.ctx.ua.send(ack, dialog.nextHop(this.ctx.server));
  }

  protected sendBye(): void {
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
  protected async answerFor(offer: string, options: MediaOfferOptions): Promise<string | undefined> {
    try {
      return await (offer.trim() ? this.media.createAnswer(offer, options) : this.media.createOffer(options));
    } catch (error) {
      this.ctx.log(`no media answer: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }

  protected response(request: SipRequest, status: number, reason?: string, sdp?: string): SipResponse {
    const headers: [string, string][] = [];
    if (status > 100 && status < 300) headers.push(['Contact', `<${this.ctx.contact}>`], ...request.getAll('record-route').map((r) => ['Record-Route', r] as [string, string]));
    if (sdp) headers.push(['Content-Type', SDP]);
    if (status === 200) headers.push(['Allow', ALLOW]);
    return this.ctx.ua.messages.createResponse(request, status, { reason, headers, body: sdp, toTag: this.localTag });
  }

  protected end(): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.media.close();
  }
}
