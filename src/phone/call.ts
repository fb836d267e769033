import type { EngineCall } from '../engine/engine-call';

/**
 * The call object a page receives in onIncoming (and the engine's handle on every call):
 * `accept`, `reject`, `callerName`, `callerNumber` as the 2014 library had them.
 */
export class Call {
  readonly callerName: string;
  readonly callerNumber: string;
  readonly direction: 'incoming' | 'outgoing';
  /** set once answered; a call ends with exactly one hangup, and with onCancel only if never answered */
  answered = false;
  ended = false;
  /** the far end transferred this phone: the call that follows replaces this one for the page */
  replacedByTransfer = false;
  /** this call follows a transfer: if it is never answered, `resumes` (the transferred call) goes on */
  resumes: Call | null = null;

  constructor(readonly engineCall: EngineCall) {
    const r = engineCall.remote;
    this.direction = engineCall.direction;
    this.callerName = r.name ?? r.number;
    this.callerNumber = r.number;
  }

  accept(): void {
    if (!this.ended && !this.answered) this.engineCall.answer();
  }

  /** 486 Busy Here, as the 2014 RTMP path sent (JsSIP's default 480 reads as "unavailable") */
  reject(): void {
    if (!this.ended && !this.answered) this.engineCall.reject(486, 'Busy Here');
  }
}
