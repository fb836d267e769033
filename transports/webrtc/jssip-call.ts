import { EventEmitter } from 'eventemitter3';
import type { CallEnd, RemoteParty, TransportCall, TransportCallEvents } from '../../src/transport';
import type { RTCSession } from 'jssip/lib/RTCSession';
import { applyFastIce, type CandidateEmitter } from './fast-ice';
import type { RemoteAudio } from './remote-audio';

export interface CallOptions {
  mediaConstraints: MediaStreamConstraints;
  pcConfig: RTCConfiguration;
}

export interface CallContext {
  options: CallOptions;
  fastIce: boolean;
  iceGatheringTimeout: number;
  dtmfType: 'info' | 'rfc2833';
  remoteAudio: RemoteAudio;
  /** start a call to a REFER target (the transferee side of a blind transfer) */
  follow(session: RTCSession, target: string): TransportCall | null;
}

interface SipResponseLike { status_code?: number; reason_phrase?: string; method?: string }
interface EndEvent { originator: 'local' | 'remote' | 'system'; cause: string; message?: SipResponseLike | null }

/** One JsSIP RTCSession seen through the engine's TransportCall interface. */
export class JsSipCall extends EventEmitter<TransportCallEvents> implements TransportCall {
  private answered = false;

  constructor(
    private readonly session: RTCSession,
    readonly direction: 'incoming' | 'outgoing',
    readonly remote: RemoteParty,
    private readonly ctx: CallContext,
  ) {
    super();
    if (ctx.fastIce) {
      applyFastIce(session as unknown as CandidateEmitter, (ctx.options.pcConfig.iceServers ?? []).length > 0, ctx.iceGatheringTimeout);
    }
    session.on('peerconnection', ({ peerconnection }) => ctx.remoteAudio.attach(peerconnection));
    if (session.connection) ctx.remoteAudio.attach(session.connection);
    session.on('accepted', () => {
      this.answered = true;
      this.emit('accepted');
    });
    session.on('ended', (e) => this.end(e as unknown as EndEvent, true));
    session.on('failed', (e) => this.end(e as unknown as EndEvent, false));
    session.on('refer', (data) => {
      const target = String((data.request as unknown as { refer_to: { uri: unknown } }).refer_to.uri);
      this.emit('referred', {
        target,
        follow: () => {
          let next: TransportCall | null = null;
          data.accept((s: RTCSession) => { next = ctx.follow(s, target); }, ctx.options);
          return next as TransportCall | null;
        },
      });
    });
  }

  answer(): void {
    this.session.answer(this.ctx.options);
  }

  reject(code: number, reason: string): void {
    this.session.terminate({ status_code: code, reason_phrase: reason });
  }

  hangup(): void {
    if (!this.session.isEnded()) this.session.terminate();
  }

  sendDTMF(tone: string): void {
    this.session.sendDTMF(tone, { transportType: this.ctx.dtmfType === 'rfc2833' ? 'RFC2833' : 'INFO' } as never);
  }

  transfer(target: string): void {
    this.session.refer(target, {
      eventHandlers: {
        requestSucceeded: () => this.emit('transferAccepted'),
        requestFailed: (e: { response?: SipResponseLike; cause?: string }) =>
          this.emit('transferFailed', e.response?.status_code, e.response?.reason_phrase ?? e.cause ?? 'REFER failed'),
        accepted: () => this.emit('transferCompleted'),
        failed: (e: { status_line?: SipResponseLike }) =>
          this.emit('transferFailed', e.status_line?.status_code, e.status_line?.reason_phrase ?? 'transfer target failed'),
      },
    } as never);
  }

  mute(muted: boolean): void {
    if (muted) this.session.mute({ audio: true });
    else this.session.unmute({ audio: true });
  }

  private end(e: EndEvent, afterAnswer: boolean): void {
    const response = e.message && typeof e.message.status_code === 'number' ? e.message : null;
    let event: CallEnd['event'] = 'bye';
    let code: number | undefined;
    if (!afterAnswer) {
      if (e.cause === 'Canceled') {
        event = 'cancelled';
        code = 487;
      } else if (e.originator === 'system') {
        event = 'failed';
      } else {
        event = 'rejected';
        code = response?.status_code ?? (e.originator === 'local' ? 486 : undefined);
      }
    }
    this.emit('ended', {
      // JsSIP's cause when getUserMedia failed (denied, no device)
      mediaError: e.cause === 'User Denied Media Access' || undefined,
      answered: afterAnswer || this.answered,
      originator: e.originator,
      code,
      reason: response?.reason_phrase || e.cause,
      event,
      source: { protocol: 'webrtc', cause: e.cause, originator: e.originator, statusCode: response?.status_code },
    });
  }
}
