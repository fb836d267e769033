/**
 * A call the far end places to the client: our INVITE server transaction — 180 Ringing at once (as the
 * fork's "RTMP Ringing"), then the client's accept (200 with our answer) or reject, or the far end's CANCEL.
 */
import { Dialog } from '../dialog';
import type { MediaLeg, MediaOfferOptions } from '../media-leg';
import { uriOf } from '../addressing';
import type { SipRequest } from '../../protocol/sip/message';
import { Call, CallContext } from './call';

export class IncomingCall extends Call {
  /** accept() is making the answer (async): a second accept is ignored. */
  private answering = false;

  constructor(ctx: CallContext, media: MediaLeg, invite: SipRequest, options: MediaOfferOptions) {
    super(ctx, media, 'inbound', uriOf(invite.get('from') ?? ''), uriOf(invite.get('to') ?? '') || ctx.aor, options);
    this.invite = invite;
    ctx.ua.respond(invite, this.response(invite, 180));
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

  /** BYE once confirmed; before that the client rejects instead. */
  hangup(): void {
    if (this.state === 'confirmed') this.sendBye();
  }

  protected abandon(): void {
    if (this.state === 'incoming' && this.invite) this.reject(480, 'Temporarily Unavailable');
  }

  protected override onCancel(): void {
    const invite = this.invite;
    if (this.state === 'incoming' && invite) {
      this.ctx.ua.respond(invite, this.response(invite, 487, 'Request Terminated'));
      this.end();
      this.ctx.events.cancelled();
    }
  }
}
