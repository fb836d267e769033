/**
 * One call on a siprtmp connection, seen through the engine's TransportCall. siprtmp has one call per
 * connection and addresses no call in its callbacks: the transport routes `accepted`, `rejected`,
 * `cancelled` and `byed` to the current call, which turns them into exactly one `ended` (reported
 * locally for our own hang-ups: the gateway echoes nothing for `bye` or `reject`).
 */
import { EventEmitter } from 'eventemitter3';
import type { CallEnd, RemoteParty, TransportCall, TransportCallEvents } from '../../../src/transport';
import type { AmfValue } from '../../../protocol/rtmp/amf-values';
import type { CallReply } from '../../../protocol/rtmp/transactions';
import type { Logger } from '../../../src/util/logger';
import { parseRemoteParty, parseStatusText } from './sip-text';
import { CallAudio, microphoneFailure, type AudioLine } from './call-audio';

/** What a call needs of its connection. */
export interface CallLine extends AudioLine {
  /** an RPC with transaction id 0 (siprtmp's RPCs answer through callbacks) */
  send(method: string, ...args: AmfValue[]): boolean;
  /** an RPC that wants `_result`/`_error` */
  request(method: string, ...args: AmfValue[]): Promise<CallReply>;
  logger: Logger;
}

/**
 * The codecs we offer and answer with: PCMU (the one format browsers and siprtmp share without
 * transcoding) and telephone-event. Naming them also makes siprtmp answer `accepted(audio, video)`
 * with arguments, which tells the 200 OK apart from the fork's argument-less early-media `accepted()`.
 */
export const OFFERED_CODECS = ['pcmu', 'dtmf'] as const;

type Phase = 'ringing' | 'early' | 'answered' | 'ended';

export class RtmpCall extends EventEmitter<TransportCallEvents> implements TransportCall {
  private phase: Phase = 'ringing';
  private audio: CallAudio;
  /** outgoing: the `invite` went out (it waits for the microphone); incoming: `accept` was asked for */
  private engaged = false;
  /** the far end transferred us and the gateway follows: the call that continues this one for the engine */
  private successor: RtmpCall | null = null;
  private successorAnswered = false;

  constructor(
    readonly direction: 'incoming' | 'outgoing',
    readonly remote: RemoteParty,
    private readonly line: CallLine,
  ) {
    super();
    this.audio = new CallAudio(line);
  }

  get isEnded(): boolean {
    return this.phase === 'ended';
  }

  /** place the call (outgoing only; the transport calls this once): the microphone first, then `invite` */
  dial(): void {
    this.audio.acquire().then(
      () => {
        if (this.phase !== 'ringing') return; // hung up while the microphone opened
        this.engaged = true;
        if (!this.line.send('invite', this.remote.uri, ...OFFERED_CODECS)) {
          this.end({ answered: false, originator: 'system', reason: 'not connected to the RTMP gateway', event: 'failed' });
        }
      },
      (error: unknown) => this.noMicrophone(error),
    );
  }

  /** the microphone first, then `accept`; without one the call is declined 480, as JsSIP does */
  answer(): void {
    if (this.direction !== 'incoming' || this.phase !== 'ringing' || this.engaged) return;
    this.engaged = true;
    this.audio.acquire().then(
      () => { if (this.phase === 'ringing') this.line.send('accept', ...OFFERED_CODECS); },
      (error: unknown) => {
        if (this.phase === 'ringing') this.line.send('reject', '480 Temporarily Unavailable');
        this.noMicrophone(error, 480);
      },
    );
  }

  reject(code: number, reason: string): void {
    if (this.direction !== 'incoming' || this.phase !== 'ringing') return;
    this.line.send('reject', `${code} ${reason}`);
    this.end({ answered: false, originator: 'local', code, reason, event: 'rejected' });
  }

  hangup(): void {
    if (this.phase === 'ended') return;
    // transferred: the engine hangs this one up once the successor is up (nothing to send: the gateway
    // already left the old dialog); before that, hanging up is the successor's
    if (this.successor) return this.successorAnswered ? undefined : this.successor.hangup();
    // siprtmp's bye does nothing for a ringing incoming call: that one is declined
    if (this.direction === 'incoming' && this.phase === 'ringing') return this.reject(486, 'Busy Here');
    // an outgoing call still waiting for the microphone has sent nothing yet
    if (this.direction === 'outgoing' && !this.engaged) {
      return this.end({ answered: false, originator: 'local', code: 487, reason: 'Canceled', event: 'cancelled' });
    }
    this.line.send('bye');
    if (this.phase === 'answered') this.end({ answered: true, originator: 'local', reason: 'BYE', event: 'bye' });
    else this.end({ answered: false, originator: 'local', code: 487, reason: 'Canceled', event: 'cancelled' });
  }

  sendDTMF(tone: string): void {
    if (this.phase === 'answered') this.line.send('sendDTMF', tone);
  }

  /**
   * Blind transfer, an RPC only the 2600hz fork and our gateway know. Upstream rtmplite answers an
   * unknown method with an empty `_result` (or `_error`), and NMS-like peers never answer: all of those
   * are a failed transfer. Success is a `_result` with a value (our gateway: `'202 Accepted'`).
   */
  transfer(target: string): void {
    if (this.phase !== 'answered') return;
    this.line.request('transfer', target).then(
      (reply) => {
        const value = reply.args[0];
        const status = parseStatusText(value);
        if (value === undefined || value === null || value === false) {
          this.emit('transferFailed', undefined, 'the RTMP gateway does not support transfer');
        } else if (status.code !== undefined && status.code >= 300) {
          this.emit('transferFailed', status.code, status.reason);
        } else {
          this.emit('transferAccepted');
        }
      },
      (error: Error) => {
        const status = parseStatusText((error as { info?: { description?: string } }).info?.description ?? error.message);
        this.emit('transferFailed', status.code, status.reason || 'the RTMP gateway does not support transfer');
      },
    );
  }

  mute(muted: boolean): void {
    this.audio.mute(muted);
  }

  // ---- gateway callbacks, routed here by the transport ----

  /**
   * Our gateway's `referred(target, referredBy)`: the far end transferred us and the gateway is calling
   * `target` (a gateway that does not send it: the call just goes on). The engine follows with a new
   * call, which the gateway's `transferred` answers and its `referFailed` resumes (the old call goes on).
   */
  onReferred(target: unknown): void {
    if (this.successor) return this.successor.onReferred(target);
    if (this.phase !== 'answered' || typeof target !== 'string') return;
    const next = new RtmpCall('outgoing', parseRemoteParty(target), this.line);
    next.audio = this.audio; // the streams stay up: the gateway moves the audio
    next.engaged = true; // the gateway placed it: hanging up is a `bye`
    this.successor = next;
    next.once('accepted', () => (this.successorAnswered = true));
    next.once('ended', (end) => this.end(end)); // unreported (the engine reports the successor), but the transport forgets this call
    this.emit('referred', { target, follow: () => next });
  }

  /** `transferred(target, codec)`: the transfer target answered */
  onTransferred(): void {
    if (this.successor) return this.successor.onTransferred();
    if (this.phase === 'ringing' && this.direction === 'outgoing') this.onAccepted(['pcmu', null]);
  }

  /** `referFailed(status)`: the target did not answer; the gateway keeps the old call (or says `byed`) */
  onReferFailed(text: unknown): void {
    if (this.successor) return this.successor.onReferFailed(text);
    this.line.logger.warn(`RTMP transfer by the far end failed: ${String(text)}`);
    if (this.phase === 'ringing' && this.direction === 'outgoing') this.onAccepted(['pcmu', null]);
  }

  /** `accepted()` without arguments before the answer is the fork's early media (183 with SDP) */
  onAccepted(args: readonly AmfValue[]): void {
    if (this.successor) return this.successor.onAccepted(args);
    if (this.phase === 'ended' || this.phase === 'answered') return;
    this.audio.start((message) => this.fail(message));
    if (this.direction === 'outgoing' && args.length === 0 && this.phase === 'ringing') {
      this.phase = 'early';
      return;
    }
    this.phase = 'answered';
    this.emit('accepted');
  }

  onRejected(text: unknown): void {
    if (this.successor) return this.successor.onRejected(text);
    if (this.phase === 'answered' || this.phase === 'ended') return;
    const status = parseStatusText(text);
    this.end({ answered: false, originator: 'remote', code: status.code, reason: status.reason || 'Rejected', event: 'rejected' });
  }

  onCancelled(): void {
    if (this.successor) return this.successor.onCancelled();
    if (this.phase === 'answered' || this.phase === 'ended') return;
    this.end({ answered: false, originator: 'remote', code: 487, reason: 'Originator Cancel', event: 'cancelled' });
  }

  /** remote BYE, or (unanswered) a failed accept: siprtmp says `byed` for both */
  onByed(): void {
    if (this.successor) return this.successor.onByed();
    if (this.phase === 'answered') this.end({ answered: true, originator: 'remote', reason: 'BYE', event: 'bye' });
    else this.end({ answered: false, originator: 'remote', reason: 'the gateway ended the call', event: 'failed' });
  }

  /**
   * The connection dropped, and the gateway keeps the call for a while (our gateway's resume, see
   * rtmp-transport.ts): true when this call is answered and now waits, audio paused, for `resumed()`.
   */
  suspend(): boolean {
    if (this.successor) return this.successor.suspend();
    if (this.phase !== 'answered') return false;
    this.audio.suspend();
    return true;
  }

  /** the gateway gave the call back on a new connection */
  resumed(): void {
    if (this.successor) return this.successor.resumed();
    this.audio.resume();
  }

  /** the connection to the gateway is gone, and with it the SIP call */
  onConnectionLost(): void {
    if (this.successor) return this.successor.onConnectionLost();
    const answered = this.phase === 'answered';
    this.end({ answered, originator: 'system', reason: 'connection to the RTMP gateway lost', event: answered ? 'bye' : 'failed' });
  }

  /** the microphone was refused or is missing: the engine reports media_error, then onCancel (failed) and onHangup */
  private noMicrophone(error: unknown, code?: number): void {
    const reason = microphoneFailure(error);
    this.line.logger.warn(`RTMP call: ${reason}`);
    this.end({ answered: false, originator: 'local', code, reason, event: 'failed', mediaError: true });
  }

  private fail(message: string): void {
    this.line.logger.warn(`RTMP call media: ${message}`);
    if (this.phase === 'ended') return;
    this.line.send('bye');
    const answered = this.phase === 'answered';
    this.end({ answered, originator: 'system', reason: message, event: answered ? 'bye' : 'failed' });
  }

  private end(end: Omit<CallEnd, 'source'>): void {
    if (this.phase === 'ended') return;
    this.phase = 'ended';
    this.audio.stop();
    this.emit('ended', { ...end, source: { protocol: 'rtmp', event: end.event, code: end.code, reason: end.reason, originator: end.originator } });
  }
}
