import { arr, bool, numOrNull, obj, str, strOrNull, utcDate } from '../util/json';

export const RECORDING_STATE = { ACTIVE: 'active', PAUSED: 'paused', INACTIVE: 'inactive' } as const;

/** A call seen by calld (`users/me/calls` items). */
export class Call {
  id: string;
  sipCallId: string | null;
  callerName: string;
  callerNumber: string;
  calleeName: string;
  calleeNumber: string;
  dialedExtension: string;
  isCaller: boolean;
  isVideo: boolean;
  muted: boolean;
  onHold: boolean;
  status: string;
  lineId: number | null;
  startingTime: Date | null;
  answerTime: Date | null;
  hangupTime: Date | null;
  talkingToIds: string[];
  recordingState: string;

  constructor(init: Partial<Call> & { id: string }) {
    this.id = init.id;
    this.sipCallId = init.sipCallId ?? null;
    this.callerName = init.callerName ?? '';
    this.callerNumber = init.callerNumber ?? '';
    this.calleeName = init.calleeName ?? '';
    this.calleeNumber = init.calleeNumber ?? '';
    this.dialedExtension = init.dialedExtension ?? '';
    this.isCaller = init.isCaller ?? false;
    this.isVideo = init.isVideo ?? false;
    this.muted = init.muted ?? false;
    this.onHold = init.onHold ?? false;
    this.status = init.status ?? '';
    this.lineId = init.lineId ?? null;
    this.startingTime = init.startingTime ?? null;
    this.answerTime = init.answerTime ?? null;
    this.hangupTime = init.hangupTime ?? null;
    this.talkingToIds = init.talkingToIds ?? [];
    this.recordingState = init.recordingState ?? RECORDING_STATE.INACTIVE;
  }

  static parse(plain: unknown): Call {
    const o = obj(plain);
    return new Call({
      id: str(o.call_id),
      sipCallId: strOrNull(o.sip_call_id),
      callerName: str(o.caller_id_name),
      callerNumber: str(o.caller_id_number),
      calleeName: str(o.peer_caller_id_name),
      calleeNumber: str(o.peer_caller_id_number),
      dialedExtension: str(o.dialed_extension),
      isCaller: bool(o.is_caller),
      isVideo: bool(o.is_video),
      muted: bool(o.muted),
      onHold: bool(o.on_hold),
      status: str(o.status),
      lineId: numOrNull(o.line_id),
      startingTime: utcDate(o.creation_time),
      answerTime: utcDate(o.answer_time),
      hangupTime: utcDate(o.hangup_time),
      talkingToIds: Object.keys(obj(o.talking_to)),
      recordingState: str(o.record_state) || RECORDING_STATE.INACTIVE,
    });
  }

  static parseMany(plain: unknown): Call[] {
    return arr(obj(plain).items).map(Call.parse);
  }

  get recording(): boolean {
    return this.recordingState === RECORDING_STATE.ACTIVE;
  }

  get recordingPaused(): boolean {
    return this.recordingState === RECORDING_STATE.PAUSED;
  }

  isUp(): boolean {
    return this.status === 'Up';
  }

  getElapsedTimeInSeconds(now: Date = new Date()): number {
    return this.startingTime ? Math.max(0, Math.floor((now.getTime() - this.startingTime.getTime()) / 1000)) : 0;
  }

  hasNumber(number: string): boolean {
    return number !== '' && [this.calleeNumber, this.callerNumber, this.dialedExtension].includes(number);
  }
}
