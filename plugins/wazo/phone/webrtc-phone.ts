// `WebRTCPhone`: the SDK's phone on a WazoWebRTCClient: several calls as CallSessions (keyed by SIP
// Call-ID), the one "current" call, events as the SDK names them. Unlike the SDK (§7): an unknown
// CallSession is an error, never the current call (#8); hold/resume/mute events follow the SIP result
// (#14); onCallFailed exists and is emitted (#4); the number survives 18x (#17); decline is 603 (#9).

import { EngineError, type CallEnd, type EngineCall, type InboundMessage } from '../../../entries/engine';
import { Emitter } from '../util/emitter';
import { CallSession } from './call-session';
import type { AttendedTransfer, WazoWebRTCClient } from './webrtc-client';

export const PHONE_EVENTS = {
  ON_REGISTERED: 'onRegistered',
  ON_UNREGISTERED: 'onUnRegistered',
  ON_CALL_OUTGOING: 'onCallOutgoing',
  ON_CALL_INCOMING: 'onCallIncoming',
  ON_CALL_ANSWERED: 'onCallAnswered',
  ON_CALL_ACCEPTED: 'onCallAccepted',
  ON_CALL_HELD: 'onCallHeld',
  ON_CALL_RESUMED: 'onCallResumed',
  ON_CALL_UNHELD: 'onCallUnHeld',
  ON_CALL_MUTED: 'onCallMuted',
  ON_CALL_UNMUTED: 'onCallUnmuted',
  ON_CAMERA_DISABLED: 'onCameraDisabled',
  ON_CAMERA_RESUMED: 'onCameraResumed',
  ON_CALL_CANCELED: 'onCallCanceled',
  ON_CALL_REJECTED: 'onCallRejected',
  ON_CALL_FAILED: 'onCallFailed',
  ON_CALL_ENDED: 'onCallEnded',
  ON_CALL_ERROR: 'onCallError',
  ON_MESSAGE: 'onMessage',
  ON_CHAT: 'phone/ON_CHAT',
  ON_SIGNAL: 'phone/ON_SIGNAL',
} as const;

export const MESSAGE_TYPE_CHAT = 'message/TYPE_CHAT';
export const MESSAGE_TYPE_SIGNAL = 'message/TYPE_SIGNAL';

type E = typeof PHONE_EVENTS;
export interface WebRTCPhoneEvents {
  [PHONE_EVENTS.ON_REGISTERED]: [];
  [PHONE_EVENTS.ON_UNREGISTERED]: [];
  [PHONE_EVENTS.ON_CALL_OUTGOING]: [cs: CallSession];
  [PHONE_EVENTS.ON_CALL_INCOMING]: [cs: CallSession, wantsVideo: boolean];
  [PHONE_EVENTS.ON_CALL_ANSWERED]: [cs: CallSession];
  [PHONE_EVENTS.ON_CALL_ACCEPTED]: [cs: CallSession, cameraEnabled: boolean];
  [PHONE_EVENTS.ON_CALL_HELD]: [cs: CallSession];
  [PHONE_EVENTS.ON_CALL_RESUMED]: [cs: CallSession];
  [PHONE_EVENTS.ON_CALL_UNHELD]: [cs: CallSession];
  [PHONE_EVENTS.ON_CALL_MUTED]: [cs: CallSession];
  [PHONE_EVENTS.ON_CALL_UNMUTED]: [cs: CallSession];
  [PHONE_EVENTS.ON_CAMERA_DISABLED]: [cs: CallSession];
  [PHONE_EVENTS.ON_CAMERA_RESUMED]: [cs: CallSession];
  /** `elsewhere`: another device of the user answered it */
  [PHONE_EVENTS.ON_CALL_CANCELED]: [cs: CallSession, elsewhere: boolean];
  [PHONE_EVENTS.ON_CALL_REJECTED]: [cs: CallSession, end: CallEnd];
  [PHONE_EVENTS.ON_CALL_FAILED]: [cs: CallSession, end: CallEnd];
  [PHONE_EVENTS.ON_CALL_ENDED]: [cs: CallSession, wasCurrent: boolean];
  [PHONE_EVENTS.ON_CALL_ERROR]: [error: Error, cs?: CallSession];
  [PHONE_EVENTS.ON_MESSAGE]: [message: InboundMessage];
  [PHONE_EVENTS.ON_CHAT]: [content: unknown];
  [PHONE_EVENTS.ON_SIGNAL]: [content: unknown];
}

export class WebRTCPhone extends Emitter<WebRTCPhoneEvents> {
  static readonly EVENTS = PHONE_EVENTS;
  readonly callSessions = new Map<EngineCall, CallSession>();
  currentCallSession: CallSession | null = null;
  audioRingDeviceId: string | null;
  audioRingVolume = 1;

  constructor(
    readonly client: WazoWebRTCClient,
    public audioOutputDeviceId: string | null = null,
    readonly allowVideo = false,
    audioRingDeviceId: string | null = null,
  ) {
    super();
    this.audioRingDeviceId = audioRingDeviceId;
    client.on('registered', () => this.emit('onRegistered'));
    client.on('unregistered', () => this.emit('onUnRegistered'));
    client.on('invite', (call, wantsVideo, autoAnswer) => {
      // an INVITE with Replaces (our far end made an attended transfer) takes over the call it replaces
      const replaced = call.controls?.header('Replaces')?.split(';')[0].trim();
      const old = replaced ? [...this.callSessions.values()].find((s) => s.sipCallId === replaced) : undefined;
      const cs = this.track(call);
      if (old) return this.takeOver(old, cs);
      cs.autoAnswer = autoAnswer;
      this.emit('onCallIncoming', cs, wantsVideo && this.allowVideo);
    });
    client.on('message', (m) => this.onMessage(m));
  }

  get currentSipSession(): EngineCall | null { return this.currentCallSession?.sipSession ?? null; }
  getCurrentCallSession(): CallSession | null { return this.currentCallSession; }
  hasAnActiveCall(): boolean { return [...this.callSessions.values()].some((cs) => cs.isEstablished()); }
  callCount(): number { return this.callSessions.size; }
  isRegistered(): boolean { return this.client.isRegistered(); }
  register(): Promise<void> { return this.client.register(); }
  unregister(): Promise<void> { return this.client.unregister(); }
  stop(): Promise<void> { return this.client.close(); }
  close(): Promise<void> { return this.client.close(); }
  startHeartbeat(): void { this.client.startHeartbeat(); }
  stopHeartbeat(): void { this.client.stopHeartbeat(); }

  /** the CallSession's call; an unknown or ended one throws (never another call, §7 #8) */
  findSipSession(cs: CallSession): EngineCall {
    const found = cs && this.callSessions.get(cs.sipSession);
    if (!found) throw new EngineError('no_call');
    return found.sipSession;
  }

  /** holds the current call, registers if needed, then INVITEs; an empty number gives null */
  async makeCall(number: string, _line?: unknown, enableVideo = false): Promise<CallSession | null> {
    if (typeof number !== 'string' || !number.trim()) return null;
    await this.register();
    await this.holdCurrent();
    const cs = this.track(this.client.call(number.trim(), enableVideo && this.allowVideo), enableVideo && this.allowVideo);
    this.currentCallSession = cs;
    this.emit('onCallOutgoing', cs);
    return cs;
  }

  /** holds the current call, then answers; returns the SIP Call-ID */
  async accept(cs: CallSession, cameraEnabled = false): Promise<string> {
    const call = this.findSipSession(cs);
    if (this.currentCallSession && !this.currentCallSession.is(cs)) await this.holdCurrent();
    this.client.answer(call, cameraEnabled && this.allowVideo);
    cs.cameraEnabled = cameraEnabled && this.allowVideo;
    this.currentCallSession = cs;
    this.emit('onCallAnswered', cs);
    return cs.sipCallId;
  }

  /** 603 Decline (an incoming call), CANCEL (ours) */
  reject(cs: CallSession): void { this.client.reject(this.findSipSession(cs)); }

  /** stop ringing here only */
  ignore(cs: CallSession): void { this.findSipSession(cs); cs.ignored = true; }

  hangup(cs?: CallSession | null): void {
    const target = cs ?? this.currentCallSession;
    if (!target) throw new EngineError('no_call');
    this.findSipSession(target).hangup();
  }

  /** re-INVITE sendonly; `onCallHeld` once the far end answered */
  async hold(cs: CallSession, withEvent = true): Promise<void> {
    await this.client.hold(this.findSipSession(cs));
    cs.paused = true;
    if (withEvent) this.emit('onCallHeld', cs);
  }

  /** holds the other current call, then re-INVITE sendrecv; mute is left as it was */
  async resume(cs: CallSession, withEvent = true): Promise<void> {
    const call = this.findSipSession(cs);
    if (this.currentCallSession && !this.currentCallSession.is(cs)) await this.holdCurrent();
    await this.client.unhold(call);
    cs.paused = false;
    this.currentCallSession = cs;
    if (withEvent) {
      this.emit('onCallResumed', cs);
      this.emit('onCallUnHeld', cs);
    }
  }

  /** the SDK's deprecated name of resume() */
  unhold(cs: CallSession, withEvent = true): Promise<void> { return this.resume(cs, withEvent); }

  mute(cs: CallSession, withEvent = true): void {
    this.client.mute(this.findSipSession(cs));
    cs.muted = true;
    if (withEvent) this.emit('onCallMuted', cs);
  }

  unmute(cs: CallSession, withEvent = true): void {
    this.client.unmute(this.findSipSession(cs));
    cs.muted = false;
    if (withEvent) this.emit('onCallUnmuted', cs);
  }

  turnCameraOff(cs: CallSession): void {
    this.client.toggleCameraOff(this.findSipSession(cs));
    cs.cameraEnabled = false;
    this.emit('onCameraDisabled', cs);
  }

  turnCameraOn(cs: CallSession): void {
    this.client.toggleCameraOn(this.findSipSession(cs));
    cs.cameraEnabled = true;
    this.emit('onCameraResumed', cs);
  }

  sendKey(cs: CallSession, tone: string): void { this.client.sendDTMF(this.findSipSession(cs), tone); }

  /** attended transfer as the client's (hold, init(target), complete(), cancel()) */
  atxfer(cs: CallSession): AttendedTransfer { return this.client.atxfer(this.findSipSession(cs)); }

  /** blind transfer; resolves once the target answered (then our leg is hung up) */
  transfer(cs: CallSession, target: string): Promise<void> { return this.client.transfer(this.findSipSession(cs), target); }

  /**
   * Attended transfer of `source` (the held call) to `destination` (the consultation call, placed with
   * makeCall): REFER on `source` with Replaces of `destination`. Resolves once the parties are joined.
   */
  async indirectTransfer(source: CallSession, destination: CallSession): Promise<void> {
    await this.client.attendedTransfer(this.findSipSession(source), this.findSipSession(destination));
  }

  /** in-dialog MESSAGE on the given call (no silent fallback to another one) */
  sendMessage(cs: CallSession, body: string, contentType = 'text/plain'): Promise<void> {
    return this.client.sendMessage(this.findSipSession(cs), body, contentType);
  }

  sendChat(cs: CallSession, content: string): Promise<void> {
    return this.sendMessage(cs, JSON.stringify({ type: MESSAGE_TYPE_CHAT, content }), 'application/json');
  }

  sendSignal(cs: CallSession, content: unknown): Promise<void> {
    return this.sendMessage(cs, JSON.stringify({ type: MESSAGE_TYPE_SIGNAL, content }), 'application/json');
  }

  changeAudioDevice(id: string): Promise<void> {
    this.audioOutputDeviceId = id;
    return this.client.changeAudioOutputDevice(id);
  }

  /** stored for the application's ring tone (the phone plays none) */
  changeRingDevice(id: string): void { this.audioRingDeviceId = id; }
  changeRingVolume(volume: number): void { this.client.changeAudioRingVolume(volume); this.audioRingVolume = this.client.ringVolume; }
  changeAudioVolume(volume: number): void { this.client.changeAudioOutputVolume(volume); }
  changeAudioInputDevice(id: string): Promise<void> { return this.client.changeAudioInputDevice(id); }
  changeVideoInputDevice(id: string): Promise<void> { return this.client.changeVideoInputDevice(id); }

  /** the Wazo call id of a leg, from websocketd `call_created` (fills only an empty one) */
  setCallSessionCallId(sipCallId: string, callId: string): void {
    const cs = [...this.callSessions.values()].find((s) => s.sipCallId === sipCallId);
    if (cs && !cs.callId) cs.callId = callId;
  }

  private async holdCurrent(): Promise<void> {
    const cur = this.currentCallSession;
    if (cur && cur.isEstablished() && !cur.paused) await this.hold(cur);
  }

  private track(call: EngineCall, cameraEnabled = false): CallSession {
    const cs = new CallSession(call, cameraEnabled);
    cs.callId = call.controls?.header('X-Wazo-Call-ID') ?? null;
    this.callSessions.set(call, cs);
    call.on('accepted', () => {
      cs.answerTime = new Date();
      cs.sipStatus = 'Established';
      // the 200 may carry the Wazo call id (X-Wazo-Call-ID) when the INVITE did not
      cs.callId = cs.callId ?? call.controls?.header('X-Wazo-Call-ID') ?? null;
      this.emit('onCallAccepted', cs, cs.cameraEnabled);
    });
    call.on('ended', (end) => this.ended(cs, end));
    return cs;
  }

  private ended(cs: CallSession, end: CallEnd): void {
    cs.sipStatus = 'Terminated';
    cs.endTime = new Date();
    this.callSessions.delete(cs.sipSession);
    const wasCurrent = this.currentCallSession === cs;
    if (wasCurrent) this.currentCallSession = null;
    if (!end.answered) {
      if (end.event === 'cancelled' && !cs.isCaller) {
        this.emit('onCallCanceled', cs, cs.sipSession.controls?.answeredElsewhere() ?? false);
      } else if (end.event === 'rejected' && cs.isCaller) {
        this.emit('onCallRejected', cs, end);
      } else if (end.event === 'failed') {
        this.emit('onCallFailed', cs, end);
      }
    }
    this.emit('onCallEnded', cs, wasCurrent);
  }

  /** an attended transfer by the far end: `next` (already answered) replaces `old` */
  private takeOver(old: CallSession, next: CallSession): void {
    if (this.currentCallSession === old) this.currentCallSession = next;
  }

  private onMessage(m: InboundMessage): void {
    this.emit('onMessage', m);
    if (!/json/i.test(m.contentType)) return;
    try {
      const parsed = JSON.parse(m.body) as { type?: string; content?: unknown };
      if (parsed.type === MESSAGE_TYPE_CHAT) this.emit('phone/ON_CHAT', parsed.content);
      else if (parsed.type === MESSAGE_TYPE_SIGNAL) this.emit('phone/ON_SIGNAL', parsed.content);
    } catch {
      // not ours to parse: it was still delivered as onMessage
    }
  }
}

export type PhoneEventName = E[keyof E];
