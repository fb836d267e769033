import { EventEmitter } from 'eventemitter3';
import type { CallEnd, RemoteParty, TransportCall, TransportCallEvents } from '../../src/transport';
import type { RTCSession } from 'jssip/lib/RTCSession';
import type { Clock } from '../../protocol/clock';
import type { Logger } from '../../src/util/logger';
import { applyFastIce, type CandidateEmitter } from './fast-ice';
import type { RemoteAudio } from './remote-audio';
import { guardSession } from './session-guard';
import { RequestQueue } from './request-queue';
import { mediaPathDown, refreshDialog, type RefreshableSession, type RefreshOutcome } from './dialog-refresh';
import { MediaWatchdog } from './media-watchdog';
import { inboundAudioPackets, type InboundAudioSource } from './inbound-audio';
import { IceRestartMonitor, udpAddresses, unofferedCandidate } from './ice-restart';

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
  /** the UA's registration is in place (after a server restart: the server knows us again) */
  registered(): boolean;
  /** a keep-alive on the SIP socket: true when the server answered within timeoutMs */
  probeSignalling(timeoutMs: number): Promise<boolean>;
  /** the SIP socket is dead (it did not answer): replace it, as if the network had dropped it */
  replaceConnection(reason: string): void;
  /** no inbound audio for this long ends an answered call, ms; 0 = never */
  mediaTimeoutMs: number;
  clock: Clock;
  logger: Logger;
}

/**
 * A refresh the proxy could not deliver (`unreachable`: its state was lost in a restart, the far end
 * not re-registered yet) or that found the dialog busy is tried again after these pauses, each time
 * once we are registered again; ~16 s in all, about as long as a far end's own reconnect may take.
 * At most 1 s apart: a retry is one in-dialog OPTIONS, and a far end that re-registers 4 s after a
 * restart is refreshed ~1 s later, not 8 s (a doubling schedule measured 15.9 s in the bench).
 */
export const REFRESH_RETRY_MS = [250, 500, ...Array<number>(15).fill(1000)];

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
  /** the media path went away (a network change): ICE restart (ice-restart.ts) */
  private readonly icePath: IceRestartMonitor;
  /** set when the watchdog ended the call: how long the media had been silent, for the `ended` source */
  private silentMs: number | undefined;
  /** JsSIP's 'failed' event, kept before `ended` goes out: call-controls.ts reads a CANCEL's Reason in it */
  failure: { cause: string; message?: unknown } | undefined;
  /** bumped by every signallingBack(): an older refresh loop stops when a newer connection took over */
  private refreshRun = 0;
  /** the addresses of the UDP candidates in the last SDP we sent (ice-restart.ts: `unoffered`) */
  private offered = new Set<string>();

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
    const inbound: InboundAudioSource = {
      packetsReceived: () => inboundAudioPackets(session.connection),
      paused: () => { const h = session.isOnHold(); return h.local || h.remote; },
    };
    this.watchdog = new MediaWatchdog(ctx.clock, { ...inbound, dead: (silentMs) => this.mediaDead(silentMs) }, { timeoutMs: ctx.mediaTimeoutMs, pollMs: 1000 });
    const refreshable = session as unknown as RefreshableSession;
    this.icePath = new IceRestartMonitor(ctx.clock, {
      ...inbound,
      iceDown: () => mediaPathDown(session.connection),
      unoffered: () => unofferedCandidate(session.connection, this.offered),
      signallingUp: () => !this.offline && ctx.signallingUp(),
      probe: (ms) => ctx.probeSignalling(ms),
      restart: async () => ctx.logger.debug(`ICE restart (media path gone): ${await refreshDialog(refreshable, { clock: ctx.clock, iceRestart: true })}`),
      replaceConnection: (reason) => ctx.replaceConnection(reason),
    });
    if (ctx.fastIce) {
      applyFastIce(session as unknown as CandidateEmitter, (ctx.options.pcConfig.iceServers ?? []).length > 0, ctx.iceGatheringTimeout);
    }
    session.on('sdp', (e: { originator: string; sdp: string }) => {
      if (e.originator === 'local') this.offered = udpAddresses(e.sdp);
    });
    session.on('peerconnection', ({ peerconnection }) => ctx.remoteAudio.attach(peerconnection));
    if (session.connection) ctx.remoteAudio.attach(session.connection);
    const watchMedia = () => {
      this.watchdog.start();
      this.icePath.start();
      session.connection?.addEventListener('iceconnectionstatechange', () => this.icePath.nudge());
      session.connection?.addEventListener('icecandidate', () => this.icePath.nudge());
    };
    // an INVITE without an offer (RFC 3725 third-party call control): our 200 carries the offer and the
    // media can only start once the ACK brings the answer, possibly many seconds later
    const lateOffer = direction === 'incoming' && !(session as unknown as { _request?: { body?: string } })._request?.body;
    session.on('accepted', () => {
      this.answered = true;
      if (lateOffer) session.once('confirmed', watchMedia);
      else watchMedia();
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
    // RFC 4733 needs the audio sender's RTCDTMFSender; werift's (Node) have none and JsSIP would then send
    // nothing at all: SIP INFO there
    const inMedia = this.ctx.dtmfType === 'rfc2833' && hasDtmfSender(this.session.connection);
    const send = () => this.session.sendDTMF(tone, { transportType: inMedia ? 'RFC2833' : 'INFO' } as never);
    // RFC 4733 DTMF travels in the media: no SIP request, nothing to wait for
    if (inMedia) return send();
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
   * The SIP socket is open again: an answered call refreshes its dialog over it (dialog-refresh.ts),
   * trying again (REFRESH_RETRY_MS) while the answer says the path is not there yet; then what waited
   * goes out. Resolves with the last refresh's outcome (null: nothing to refresh, or a newer
   * connection took over).
   */
  async signallingBack(): Promise<RefreshOutcome | null> {
    if (!this.offline || this.session.isEnded()) return null;
    const run = ++this.refreshRun;
    const current = () => run === this.refreshRun && this.ctx.signallingUp() && !this.session.isEnded();
    let outcome: RefreshOutcome | null = null;
    if (this.session.isEstablished()) {
      for (let i = 0; ; i++) {
        outcome = await refreshDialog(this.session as unknown as RefreshableSession, { clock: this.ctx.clock });
        this.ctx.logger.debug(`dialog refresh after reconnecting: ${outcome}`);
        if ((outcome !== 'unreachable' && outcome !== 'busy') || i >= REFRESH_RETRY_MS.length) break;
        await this.pause(REFRESH_RETRY_MS[i]);
        // not registered again yet: the server does not know where we are either; one more pause
        if (current() && !this.ctx.registered()) await this.pause(REFRESH_RETRY_MS[i]);
        if (!current()) return run === this.refreshRun ? outcome : null;
      }
    }
    // a newer drop while the refresh ran: wait for the next reconnection
    if (!current()) return outcome;
    this.offline = false;
    // media still gone after the refresh: ICE restart unless the old pair resumes (ice-restart.ts)
    this.icePath.reconnected();
    this.waiting.flush();
    return outcome;
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => { this.ctx.clock.setTimeout(() => resolve(), ms); });
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
    if (!afterAnswer) this.failure = e;
    this.watchdog.stop();
    this.icePath.stop();
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

/** whether the call's audio can carry RFC 4733 tones (an RTCDTMFSender on its audio sender) */
export function hasDtmfSender(pc: RTCPeerConnection | null | undefined): boolean {
  return !!pc?.getSenders?.().some((sender) => sender.track?.kind === 'audio' && !!sender.dtmf);
}
