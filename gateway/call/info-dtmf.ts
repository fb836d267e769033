/**
 * DTMF as SIP INFO (`application/dtmf-relay`), for a call whose media leg cannot send RFC 4733 events
 * (the WebRTC leg: werift rewrites every packet's payload type to the negotiated codec). JsSIP and most
 * PBXs understand it.
 */
import type { Dialog } from '../dialog';
import type { CallContext } from './call';

/** digits waiting for their INFO (the RTP leg queues its own, as many) */
const MAX_QUEUED_INFO_DIGITS = 32;

export class InfoDtmf {
  private readonly digits: string[] = [];

  /** `dialog()` is the call's dialog while it is confirmed, else null (the queue is then dropped). */
  constructor(
    private readonly ctx: CallContext,
    private readonly dialog: () => Dialog | null,
  ) {}

  /** Queues one digit; false when the call has no dialog or the queue is full. */
  send(digit: string): boolean {
    if (!this.dialog() || this.digits.length >= MAX_QUEUED_INFO_DIGITS) return false;
    this.digits.push(digit);
    if (this.digits.length === 1) this.sendNext();
    return true;
  }

  /**
   * One INFO at a time: sent back to back they race through the proxy (UDP, several workers) and arrive
   * out of order — a strict UA answers the late lower CSeq 500, a lenient one plays the digits shuffled.
   */
  private sendNext(): void {
    const digit = this.digits[0];
    const dialog = this.dialog();
    if (digit === undefined || !dialog) {
      this.digits.length = 0;
      return;
    }
    const info = dialog.request('INFO', this.ctx.ua, this.ctx.contact, [['Content-Type', 'application/dtmf-relay']],
      `Signal=${digit}\r\nDuration=160\r\n`);
    const next = () => {
      this.digits.shift();
      this.sendNext();
    };
    this.ctx.ua.request(info, dialog.nextHop(this.ctx.server)).then(next, next);
  }
}
