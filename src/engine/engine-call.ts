import { EventEmitter } from 'eventemitter3';
import { messageOf, type ErrorKey } from '../catalogue/catalogue';
import { isDtmfTone } from '../sip/dtmf';
import type { CallControls, CallMedia, RemoteParty, TransportCall, TransportCallEvents } from '../transport';

/** Why an engine method refused: a catalogue key (its message), or `not_supported` (the transport lacks the feature). */
export type EngineErrorKey = ErrorKey | 'not_supported';

/** What the engine's methods throw. */
export class EngineError extends Error {
  constructor(readonly key: EngineErrorKey) {
    super(key === 'not_supported' ? 'Not supported by this transport.' : messageOf(key));
    this.name = 'EngineError';
  }
}

/** The far end asks this phone to call someone else (incoming REFER). */
export interface EngineRefer {
  target: string;
  /** call `target` (with Replaces when the REFER carried one); null when this call can no longer do it */
  follow(): EngineCall | null;
}

/** the transport call's events, with a REFER to follow that yields an EngineCall */
export type EngineCallEvents = Omit<TransportCallEvents, 'referred'> & { referred: [refer: EngineRefer] };

/**
 * One call of the engine, in either direction. `controls` (hold/resume, attended transfer, in-dialog
 * MESSAGE, camera, devices, streams) is there when the engine was given the transport's extension
 * (createEngine does; the legacy dist/kazoo.js does not, and so carries none of that code).
 */
export class EngineCall extends EventEmitter<EngineCallEvents> {
  readonly direction: 'incoming' | 'outgoing';
  readonly remote: RemoteParty;
  answered = false;
  ended = false;

  constructor(
    readonly transportCall: TransportCall,
    /** null: the engine has no extension for this transport */
    readonly controls: CallControls | null,
    /** turns a number or SIP URI into a SIP URI of the registration's realm (null: not one) */
    private readonly target: (t: string) => string | null,
  ) {
    super();
    this.direction = transportCall.direction;
    this.remote = transportCall.remote;
    transportCall.on('accepted', () => {
      if (this.answered) return;
      this.answered = true;
      this.emit('accepted');
    });
    transportCall.on('ended', (end) => {
      if (this.ended) return;
      this.ended = true;
      this.emit('ended', end);
    });
    for (const e of ['transferAccepted', 'transferFailed', 'transferCompleted'] as const) {
      transportCall.on(e, (...args: unknown[]) => (this.emit as (e: string, ...a: unknown[]) => boolean)(e, ...args));
    }
  }

  /** SIP Call-ID of the dialog (undefined without controls) */
  get sipCallId(): string | undefined { return this.controls?.sipCallId; }

  /** `media` (video, devices) needs controls */
  answer(media?: CallMedia): void {
    this.ringing();
    if (!media) this.transportCall.answer();
    else this.need().answer(media);
  }

  /** default 603 Decline (the callee does not want to talk; 480 would say "unavailable") */
  reject(code = 603, reason = 'Decline'): void {
    this.ringing();
    this.transportCall.reject(code, reason);
  }

  /** CANCEL, reject or BYE, whichever the call's state asks for */
  hangup(): void {
    if (!this.ended) this.transportCall.hangup();
  }

  /** one or more of 0-9 * # A-D, on an answered call */
  sendDTMF(tones: string): void {
    if (!tones || ![...tones].every(isDtmfTone)) throw new EngineError('invalid_dtmf');
    this.up();
    for (const t of tones.toUpperCase()) this.transportCall.sendDTMF(t);
  }

  /** the microphone's track off or on (no signalling) */
  mute(muted: boolean): void {
    if (this.ended) throw new EngineError('no_call');
    this.transportCall.mute(muted);
  }

  /** blind transfer: REFER to a number or SIP URI; the outcome comes as transfer* events */
  transfer(target: string): void {
    const uri = this.target(target);
    if (!uri) throw new EngineError('invalid_uri');
    this.up();
    this.transportCall.transfer(uri);
  }

  /** attended transfer: REFER this call's far end to `other`'s, with Replaces of `other`; outcome as transfer* events */
  attendedTransfer(other: EngineCall): void {
    this.up();
    other.up();
    if (other === this) throw new EngineError('no_call');
    this.need().transferReplacing(other.need());
  }

  /** the controls, or `not_supported` */
  need(): CallControls {
    if (!this.controls) throw new EngineError('not_supported');
    return this.controls;
  }

  private up(): void {
    if (!this.answered || this.ended) throw new EngineError('no_call');
  }

  private ringing(): void {
    if (this.answered || this.ended) throw new EngineError('no_call');
  }
}
