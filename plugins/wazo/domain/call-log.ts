import { arr, bool, num, obj, str, strOrNull, utcDate } from '../util/json';

/** A call recording attached to a call log. */
export class Recording {
  uuid: string;
  fileName: string;
  start: Date | null;
  end: Date | null;
  deleted: boolean;

  constructor(init: { uuid: string; fileName?: string; start?: Date | null; end?: Date | null; deleted?: boolean }) {
    this.uuid = init.uuid;
    this.fileName = init.fileName ?? '';
    this.start = init.start ?? null;
    this.end = init.end ?? null;
    this.deleted = init.deleted ?? false;
  }

  static parse(plain: unknown): Recording {
    const o = obj(plain);
    return new Recording({
      uuid: str(o.uuid),
      fileName: str(o.filename),
      start: utcDate(o.start_time),
      end: utcDate(o.end_time),
      deleted: bool(o.deleted),
    });
  }
}

export interface CallLogParty {
  uuid: string | null;
  name: string;
  extension: string;
}

/** One entry of call-logd `users/me/cdr`. `duration` is in milliseconds. */
export class CallLog {
  id: number;
  answer: Date | null;
  answered: boolean;
  callDirection: string;
  callStatus: string;
  destination: CallLogParty & { plainExtension: string; plainName: string };
  requested: CallLogParty;
  source: CallLogParty;
  duration: number;
  start: Date | null;
  end: Date | null;
  recordings: Recording[];

  constructor(init: Omit<CallLog, 'isAnswered' | 'isOutgoing' | 'isIncoming'>) {
    this.id = init.id;
    this.answer = init.answer;
    this.answered = init.answered;
    this.callDirection = init.callDirection;
    this.callStatus = init.callStatus;
    this.destination = init.destination;
    this.requested = init.requested;
    this.source = init.source;
    this.duration = init.duration;
    this.start = init.start;
    this.end = init.end;
    this.recordings = init.recordings;
  }

  static parse(plain: unknown): CallLog {
    const o = obj(plain);
    const answered = bool(o.answered);
    const destinationName = str(o.destination_name);
    return new CallLog({
      id: num(o.id),
      answer: utcDate(o.answer),
      answered,
      callDirection: str(o.call_direction),
      callStatus: str(o.call_status) || (answered ? 'answered' : 'unknown'),
      destination: {
        uuid: strOrNull(o.destination_user_uuid),
        name: str(o.requested_name) || destinationName,
        extension: str(o.requested_extension) || str(o.destination_extension) || (destinationName ? `meeting-${destinationName}` : ''),
        plainExtension: str(o.destination_extension),
        plainName: destinationName,
      },
      requested: {
        uuid: strOrNull(o.requested_user_uuid),
        name: str(o.requested_name),
        extension: str(o.requested_extension),
      },
      source: {
        uuid: strOrNull(o.source_user_uuid),
        name: str(o.source_name),
        extension: str(o.source_extension),
      },
      duration: num(o.duration) * 1000,
      start: utcDate(o.start),
      end: utcDate(o.end),
      recordings: arr(o.recordings).map(Recording.parse),
    });
  }

  static parseMany(plain: unknown): CallLog[] {
    return arr(obj(plain).items).map(CallLog.parse);
  }

  isAnswered(): boolean {
    return this.answered;
  }

  isOutgoing(userUuid: string): boolean {
    return this.source.uuid === userUuid;
  }

  isIncoming(userUuid: string): boolean {
    return this.destination.uuid === userUuid;
  }
}
