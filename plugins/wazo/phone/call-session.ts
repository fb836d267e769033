// `Wazo.domain.CallSession`: one call as the application sees it. One object per call, kept for the call's
// life and updated in place (the SDK rebuilt it on every event and lost the number on 18x, §7 #17).

import type { EngineCall } from '../../../entries/engine';

export type SipStatus = 'Initial' | 'Establishing' | 'Established' | 'Terminating' | 'Terminated';

export class CallSession {
  readonly type = 'CallSession';
  /** the SIP Call-ID of this leg */
  sipCallId: string;
  /**
   * The Wazo call id (Asterisk channel uniqueid): from `X-Wazo-Call-ID` or websocketd `call_created`,
   * never the SIP Call-ID (§7 #6); null until known.
   */
  callId: string | null = null;
  number: string;
  displayName: string;
  isCaller: boolean;
  autoAnswer = false;
  creationTime = new Date();
  startTime: Date;
  answerTime: Date | null = null;
  endTime: Date | null = null;
  /** held by us (our re-INVITE was answered) */
  paused = false;
  muted = false;
  cameraEnabled: boolean;
  ignored = false;
  sipStatus: SipStatus;

  constructor(readonly sipSession: EngineCall, cameraEnabled = false) {
    this.sipCallId = sipSession.sipCallId ?? '';
    this.number = sipSession.remote.number;
    this.displayName = sipSession.remote.name ?? sipSession.remote.number;
    this.isCaller = sipSession.direction === 'outgoing';
    this.startTime = this.creationTime;
    this.cameraEnabled = cameraEnabled;
    this.sipStatus = this.isCaller ? 'Establishing' : 'Initial';
  }

  get answered(): boolean { return this.answerTime !== null; }
  getId(): string { return this.sipCallId || this.callId || ''; }
  is(other: CallSession | null | undefined): boolean {
    return !!other && (other === this || (!!this.sipCallId && other.sipCallId === this.sipCallId) || (!!this.callId && other.callId === this.callId));
  }
  isId(id: string): boolean { return !!id && (id === this.sipCallId || id === this.callId); }
  isIncoming(): boolean { return !this.isCaller && !this.answered; }
  isOutgoing(): boolean { return this.isCaller && !this.answered; }
  isActive(): boolean { return this.sipStatus === 'Established' && !this.paused; }
  isOnHold(): boolean { return this.paused; }
  isMuted(): boolean { return this.muted; }
  isCameraEnabled(): boolean { return this.cameraEnabled; }
  isEstablished(): boolean { return this.sipStatus === 'Established'; }
  isTerminating(): boolean { return this.sipStatus === 'Terminating'; }
  isTerminated(): boolean { return this.sipStatus === 'Terminated'; }
}
