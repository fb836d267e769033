import { EventEmitter } from 'eventemitter3';
import type { CallEnd, RemoteParty, TransportCall, TransportCallEvents } from '../../src/transport';
import type { RTCSession } from 'jssip/lib/RTCSession';
import type { Clock } from '../../protocol/clock';
import type { Logger } from '../../src/util/logger';
import { applyFastIce, type CandidateEmitter } from './fast-ice';
import type { RemoteAudio } from './remote-audio';
import { guardSession } from './session-guard';
import { RequestQueue } from './request-queue';
import { refreshDialog, type RefreshableSession, type RefreshOutcome } from './dialog-refresh';
import { MediaWatchdog, inboundAudioPackets } from './media-watchdog';

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
  /** the SIP socket is open (in-dialog requests can go out now) */
  signallingUp(): boolean;
  /** no inbound audio for this long ends an answered call, ms; 0 = never */
  mediaTimeoutMs: number;
  clock: Clock;
  logger: Logger;
}

interface SipResponseLike { status_code?: number; reason_phrase?: string; method?: string }
interface EndEvent { originator: 'local' | 'remote' | 'system'; cause: string; message?: SipResponseLike | null }

/** One JsSIP RTCSession seen through the engine's TransportCall interface. */
export class JsSipCall extends EventEmitter<TransportCallEvents> implements TransportCall {
  private answered = false;
  /** in-dialog requests asked for while the signalling is down (or its dialog not yet refreshed) */
  private readonly waiting = new RequestQueue();
  /** the socket went down under this call: requests wait until the dialog is refreshed */
  private offline = false;
  private readonly watchdog: MediaWatchdog;
  /** set when the watchdog ended the call: how long the media had been silent, for the `ended` source */
  private silentMs: number | undefined;

  constructor(
    /** read by call-controls.ts (hold, attended transfer, MESSAGE, devices) */
    readonly session: RTCSession,
    readonly direction: 'incoming' | 'outgoing',
    readonly remote: RemoteParty,
    readonly ctx: CallContext,
  ) {
    super();
    guardSession(session as unknown as Parameters<typeof guardSession>[0], () => {
      ctx.logger.warn('an in-dialog request was lost with the connection: the call is kept, its dialog refreshed on reconnecting');
    });
    this.watchdog = new MediaWatchdog(ctx.clock, {
      packetsReceived: () => inboundAudioPackets(session.connection),
      paused: () => { const h = session.isOnHold(); return h.local || h.remote; },
      dead: (silentMs) => this.mediaDead(silentMs),
    }, { timeoutMs: ctx.mediaTimeoutMs, pollMs: 1000 });
    if (ctx.fastIce) {
      applyFastIce(session as unknown as CandidateEmitter, (ctx.options.pcConfig.iceServers ?? []).length > 0, ctx.iceGatheringTimeout);
    }
    session.on('peerconnection', ({ peerconnection }) => ctx.remoteAudio.attach(peerconnection));
    if (session.connection) ctx.remoteAudio.attach(session.connection);
    session.on('accepted', () => {
      this.answered = true;
      this.watchdog.start();
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
    const send = () => this.session.sendDTMF(tone, { transportType: this.ctx.dtmfType === 'rfc2833' ? 'RFC2833' : 'INFO' } as never);
    // RFC 4733 DTMF travels in the media: no SIP request, nothing to wait for
    if (this.ctx.dtmfType === 'rfc2833') return send();
    this.whenSignalling(`dtmf ${tone}`, send, (reason) => this.ctx.logger.warn(`DTMF ${tone} not sent: ${reason}`));
  }

  transfer(target: string): void {
    this.whenSignalling(`transfer ${target}`, () => this.refer(target), (reason) => this.emit('transferFailed', undefined, reason));
  }

  /** the SIP socket closed under this call */
  signallingLost(): void {
    if (!this.session.isEnded()) this.offline = true;
  }

  /**
   * The SIP socket is open again: an answered call refreshes its dialog over it (dialog-refresh.ts);
   * then what waited goes out. Resolves with the refresh's outcome (null: nothing to refresh).
   */
  async signallingBack(): Promise<RefreshOutcome | null> {
    if (!this.offline || this.session.isEnded()) return null;
    let outcome: RefreshOutcome | null = null;
    if (this.session.isEstablished()) {
      outcome = await refreshDialog(this.session as unknown as RefreshableSession, { clock: this.ctx.clock });
      this.ctx.logger.debug(`dialog refresh after reconnecting: ${outcome}`);
    }
    // a newer drop while the refresh ran: wait for the next reconnection
    if (!this.ctx.signallingUp() || this.session.isEnded()) return outcome;
    this.offline = false;
    this.waiting.flush();
    return outcome;
  }

  private whenSignalling(what: string, send: () => void, refuse: (reason: string) => void): void {
    if (!this.offline && this.ctx.signallingUp()) return send();
    this.offline = true;
    this.waiting.push({ what, send, refuse });
  }

  private mediaDead(silentMs: number): void {
    if (this.session.isEnded()) return;
    this.ctx.logger.warn(`no audio received for ${Math.round(silentMs / 1000)} s: ending the call`);
    this.silentMs = silentMs;
    this.session.terminate({ status_code: 408, reason_phrase: 'Media Timeout', cause: 'Media Timeout' } as never);
  }

  /** REFER on this dialog; `extra` adds JsSIP refer options (call-controls.ts: `replaces` for an attended transfer) */
  refer(target: string, extra?: object): void {
    this.session.refer(target, {
      ...extra,
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
    this.watchdog.stop();
    this.waiting.refuseAll('the call ended before the connection came back');
    const response = e.message && typeof e.message.status_code === 'number' ? e.message : null;
    // JsSIP's cause when getUserMedia failed (denied, no device); it answers an incoming call 480 then
    const mediaError = e.cause === 'User Denied Media Access';
    let event: CallEnd['event'] = 'bye';
    let code: number | undefined;
    if (!afterAnswer) {
      if (mediaError) {
        // no SIP answer decided this (JsSIP says originator 'local'): a failure, not a rejection
        event = 'failed';
        code = this.direction === 'incoming' ? 480 : undefined;
      } else if (e.cause === 'Canceled') {
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
      mediaError: mediaError || undefined,
      answered: afterAnswer || this.answered,
      originator: e.originator,
      code,
      reason: response?.reason_phrase || e.cause,
      event,
      source: { protocol: 'webrtc', cause: e.cause, originator: e.originator, statusCode: response?.status_code, silentMs: this.silentMs },
    });
  }
}
